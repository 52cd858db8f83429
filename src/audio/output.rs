//! The audio output: the default device through rodio, playing a [`PlaybackSource`].
//!
//! Opening never panics: without a sound card (CI, a headless box) [`AudioOutput::open_default`]
//! returns [`AudioError::NoOutput`] and the studio shows "no audio output" and offers WAV
//! export. Errors the device reports later go through its error callback: glitches (buffer
//! under-runs, a refused real-time priority, a followed route change) are ignored; anything
//! else marks the device failed, which stops playback at once and is shown to the user once
//! ([`Transport::take_device_error`]).
//!
//! The engine's source is added straight to rodio's mixer (no `Player`, whose controls take a
//! lock on the audio thread). We ask the device for a buffer of [`LOW_LATENCY_BUFFER_FRAMES`]
//! frames (about 11 ms at 44.1 kHz) so auditioned notes answer quickly; a device that refuses
//! it gets rodio's default buffer (about 50 ms).

use std::sync::Arc;

use rodio::cpal::BufferSize;
use rodio::{CpalError, CpalErrorKind, DeviceSinkBuilder, MixerDeviceSink};

use super::shared::Shared;
use super::transport::playback_with_shared;
use super::{AudioError, PlaybackSource, SoundFont, Synth, Transport};

/// The device buffer asked for first, in frames.
pub const LOW_LATENCY_BUFFER_FRAMES: u32 = 512;

/// The sample rate the synthesizer uses when the device's is outside what it supports (the
/// mixer then converts).
const FALLBACK_RATE: u32 = 48_000;

/// An open audio output with its transport. Dropping it closes the device.
pub struct AudioOutput {
    sink: MixerDeviceSink,
    transport: Transport,
    buffer_frames: Option<u32>,
}

impl std::fmt::Debug for AudioOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AudioOutput")
            .field("device", &self.sink.config())
            .field("buffer_frames", &self.buffer_frames)
            .finish()
    }
}

impl AudioOutput {
    /// Opens the system's default output device and starts an engine playing `font` on it.
    pub fn open_default(font: &SoundFont) -> Result<AudioOutput, AudioError> {
        let shared = Arc::new(Shared::new());
        let (sink, buffer_frames) = open_sink(&shared)?;
        let mut sink = sink;
        sink.log_on_drop(false);
        let device_rate = sink.config().sample_rate().get();
        let rate = if Synth::SAMPLE_RATES.contains(&device_rate) {
            device_rate
        } else {
            FALLBACK_RATE
        };
        let synth = Synth::new(font, rate)?;
        let (transport, source) = playback_with_shared(synth, shared);
        sink.mixer().add::<PlaybackSource>(source);
        Ok(AudioOutput {
            sink,
            transport,
            buffer_frames,
        })
    }

    /// The transport controlling playback.
    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// The transport, for commands.
    pub fn transport_mut(&mut self) -> &mut Transport {
        &mut self.transport
    }

    /// The device's sample rate.
    pub fn device_sample_rate(&self) -> u32 {
        self.sink.config().sample_rate().get()
    }

    /// The device's channel count.
    pub fn device_channels(&self) -> u16 {
        self.sink.config().channel_count().get()
    }

    /// The device buffer in frames, when a fixed size was granted (`None`: rodio's default).
    pub fn buffer_frames(&self) -> Option<u32> {
        self.buffer_frames
    }
}

/// Opens the default device, first with the low-latency buffer, then with rodio's default.
fn open_sink(shared: &Arc<Shared>) -> Result<(MixerDeviceSink, Option<u32>), AudioError> {
    let no_output = |e: rodio::DeviceSinkError| AudioError::NoOutput(describe(&e));
    let low_latency = DeviceSinkBuilder::from_default_device()
        .map_err(no_output)?
        .with_buffer_size(BufferSize::Fixed(LOW_LATENCY_BUFFER_FRAMES))
        .with_error_callback(error_callback(shared))
        .open_stream();
    match low_latency {
        Ok(sink) => Ok((sink, Some(LOW_LATENCY_BUFFER_FRAMES))),
        Err(_) => {
            let sink = DeviceSinkBuilder::from_default_device()
                .map_err(no_output)?
                .with_error_callback(error_callback(shared))
                .open_stream()
                .map_err(no_output)?;
            Ok((sink, None))
        }
    }
}

/// The device's error callback: glitches are ignored, anything else fails the device.
fn error_callback(shared: &Arc<Shared>) -> impl FnMut(CpalError) + Send + 'static {
    let shared = Arc::clone(shared);
    move |error: CpalError| {
        if !is_glitch(error.kind()) {
            shared.report_device_error(error.to_string());
        }
    }
}

/// Errors after which the stream keeps running.
fn is_glitch(kind: CpalErrorKind) -> bool {
    matches!(
        kind,
        CpalErrorKind::Xrun | CpalErrorKind::RealtimeDenied | CpalErrorKind::DeviceChanged
    )
}

/// A device error with its causes, in one line.
fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glitches_do_not_fail_the_device_but_unplugging_does() {
        let shared = Arc::new(Shared::new());
        let mut callback = error_callback(&shared);
        callback(CpalError::new(CpalErrorKind::Xrun));
        assert!(!shared.device_failed());
        callback(CpalError::new(CpalErrorKind::DeviceNotAvailable));
        assert!(shared.device_failed());
    }
}
