//! The transport: the UI's handle on playback (play, pause, stop, seek, loop, tempo,
//! audition).
//!
//! The UI holds a [`Transport`]; the audio thread runs the matching [`PlaybackSource`]. They
//! share no lock the audio thread could wait on: commands travel through a lock-free ring
//! buffer (`rtrb`), the tempo factor through an atomic, and the audio thread publishes the
//! playhead, the state and its sample clock through atomics the UI reads every frame.
//! Schedules go to the audio thread pre-built and come back through a second ring buffer to be
//! dropped here, so the audio thread never frees their memory.

use std::sync::Arc;
use std::time::Duration;

use super::engine::PlaybackSource;
use super::shared::{Command, LoopRegion, PlayState, Shared};
use super::{AudioError, PresetId, Schedule, Synth};
use crate::music::{Piece, Pitch, Velocity};

/// Commands the UI can queue before the audio thread must have taken some.
const COMMAND_CAPACITY: usize = 256;

/// The tempo factors the transport accepts (a quarter to four times the written tempo).
pub const TEMPO_FACTORS: std::ops::RangeInclusive<f32> = 0.25..=4.0;

/// The UI's handle on playback. Every method returns at once; the audio thread applies
/// commands at its next block (64 frames, about 1.5 ms). Readings (`state`, `position_seconds`,
/// `frames_rendered`) come from the audio clock: they change only as samples are rendered.
pub struct Transport {
    commands: rtrb::Producer<Command>,
    returned: rtrb::Consumer<Box<Schedule>>,
    shared: Arc<Shared>,
    sample_rate: u32,
    font: super::SoundFont,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("state", &self.state())
            .field("position_seconds", &self.position_seconds())
            .field("sample_rate", &self.sample_rate)
            .finish()
    }
}

/// Makes a transport and the audio source it controls, around a synthesizer. Hand the source
/// to the audio output (or pull samples from it directly, as tests and the offline tools do).
pub fn playback(synth: Synth) -> (Transport, PlaybackSource) {
    playback_with_shared(synth, Arc::new(Shared::new()))
}

pub(crate) fn playback_with_shared(
    synth: Synth,
    shared: Arc<Shared>,
) -> (Transport, PlaybackSource) {
    let (commands, command_rx) = rtrb::RingBuffer::new(COMMAND_CAPACITY);
    // Room for every schedule that can be in flight between two drains (see `retire`).
    let (return_tx, returned) = rtrb::RingBuffer::new(2 * COMMAND_CAPACITY + 2);
    let sample_rate = synth.sample_rate();
    let font = synth.font().clone();
    let source = PlaybackSource::new(synth, command_rx, return_tx, Arc::clone(&shared));
    let transport = Transport {
        commands,
        returned,
        shared,
        sample_rate,
        font,
    };
    (transport, source)
}

impl Transport {
    fn send(&mut self, command: Command) -> Result<(), AudioError> {
        self.collect_returned();
        self.commands
            .push(command)
            .map_err(|_| AudioError::EngineNotResponding)
    }

    /// Drops the schedules the audio thread has handed back (called by every command; call it
    /// yourself now and then if you send none).
    pub fn collect_returned(&mut self) {
        while let Ok(old) = self.returned.pop() {
            drop(old);
        }
    }

    /// Starts or resumes playing from the playhead (from the start if it is at the end).
    pub fn play(&mut self) -> Result<(), AudioError> {
        self.send(Command::Play)
    }

    /// Pauses: sounding notes are released, the playhead stays.
    pub fn pause(&mut self) -> Result<(), AudioError> {
        self.send(Command::Pause)
    }

    /// Stops: the piece's sounding notes are released (All Notes Off on every channel but the
    /// audition channel, whose notes keep their own timing) and the playhead goes to the start.
    pub fn stop(&mut self) -> Result<(), AudioError> {
        self.send(Command::Stop)
    }

    /// Moves the playhead to `seconds` (clamped to the piece). Notes sounding are released;
    /// notes that began before the new position are not restarted.
    pub fn seek(&mut self, seconds: f64) -> Result<(), AudioError> {
        let seconds = if seconds.is_finite() { seconds } else { 0.0 };
        self.send(Command::Seek(seconds))
    }

    /// Moves the playhead to a tick of the piece (through its tempo map).
    pub fn seek_tick(&mut self, piece: &Piece, tick: u64) -> Result<(), AudioError> {
        self.seek(piece.seconds_at(tick))
    }

    /// Sets or clears the loop region: when the playhead reaches its end it jumps back to its
    /// start. A loop lying wholly before the playhead waits until the playhead is before its
    /// end again.
    pub fn set_loop(&mut self, region: Option<LoopRegion>) -> Result<(), AudioError> {
        self.send(Command::SetLoop(region))
    }

    /// Replaces what is played (sorted events built off the audio thread). The playhead and
    /// state stay; sounding notes are released.
    pub fn load(&mut self, schedule: Schedule) -> Result<(), AudioError> {
        self.send(Command::Load(Box::new(schedule)))
    }

    /// Builds the schedule of a piece for this transport's font and loads it. `preset` plays
    /// every melodic part with one preset; `None` uses each part's program.
    pub fn load_piece(
        &mut self,
        piece: &Piece,
        preset: Option<PresetId>,
    ) -> Result<(), AudioError> {
        let schedule = Schedule::for_font(piece, &self.font, preset)?;
        self.load(schedule)
    }

    /// Plays a tempo factor from now on: 2.0 plays twice as fast; clamped to 0.25..=4.0.
    pub fn set_tempo_factor(&mut self, factor: f32) {
        let factor = if factor.is_finite() {
            factor.clamp(*TEMPO_FACTORS.start(), *TEMPO_FACTORS.end())
        } else {
            1.0
        };
        self.shared.set_tempo_factor(factor);
    }

    /// The tempo factor in effect.
    pub fn tempo_factor(&self) -> f32 {
        self.shared.tempo_factor()
    }

    /// Sounds one note now on the audition channel, whatever the transport is doing, and
    /// releases it after `duration` (for clicks in the piano roll and the on-screen keyboard).
    pub fn audition(
        &mut self,
        pitch: Pitch,
        velocity: Velocity,
        duration: Duration,
    ) -> Result<(), AudioError> {
        let frames = (duration.as_secs_f64() * f64::from(self.sample_rate)).round() as u64;
        self.send(Command::Audition {
            pitch,
            velocity,
            frames: frames.max(1),
        })
    }

    /// Chooses the preset auditioned notes play with (piano unless told otherwise).
    pub fn set_audition_preset(&mut self, preset: PresetId) -> Result<(), AudioError> {
        self.font.require_preset(preset)?;
        self.send(Command::SetAuditionPreset(preset))
    }

    /// Silences everything at once, release tails included (the panic button).
    pub fn all_sound_off(&mut self) -> Result<(), AudioError> {
        self.send(Command::AllSoundOff)
    }

    /// What the audio thread is doing (Stopped once the device has failed).
    pub fn state(&self) -> PlayState {
        if self.shared.device_failed() {
            return PlayState::Stopped;
        }
        self.shared.state()
    }

    /// The playhead in seconds of the piece at its own tempo, as of the last rendered block.
    /// What is heard lags it by the device's buffer.
    pub fn position_seconds(&self) -> f64 {
        self.shared.position()
    }

    /// The playhead as a (fractional) tick of a piece, through its tempo map.
    pub fn position_tick(&self, piece: &Piece) -> f64 {
        piece
            .tempo_map
            .tick_at_seconds(self.position_seconds(), piece.ticks_per_quarter)
    }

    /// Frames the audio thread has rendered since it started (the audio clock).
    pub fn frames_rendered(&self) -> u64 {
        self.shared.frames_rendered()
    }

    /// The sample rate of the audio thread.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// The font being played.
    pub fn soundfont(&self) -> &super::SoundFont {
        &self.font
    }

    /// Whether the output device has failed (playback has stopped for good).
    pub fn device_failed(&self) -> bool {
        self.shared.device_failed()
    }

    /// The device error, exactly once: `Some(message)` the first time it is asked after the
    /// device failed, `None` before and afterwards.
    pub fn take_device_error(&self) -> Option<String> {
        self.shared.take_device_error()
    }

    /// The state shared with the audio thread (tests simulate device errors through it).
    #[cfg(test)]
    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::SoundFont;

    fn pair() -> (Transport, PlaybackSource) {
        let font = SoundFont::built_in().unwrap();
        playback(Synth::new(&font, 44_100).unwrap())
    }

    #[test]
    fn device_error_is_reported_once_and_stops_playback() {
        let (mut t, mut source) = pair();
        let piece = Piece::from_notes(
            480,
            "m",
            vec![crate::music::Note::new(Pitch::A4, 0, 4800, Velocity::DEFAULT).unwrap()],
        )
        .unwrap();
        t.load_piece(&piece, None).unwrap();
        t.play().unwrap();
        let mut buf = vec![0.0f32; 2 * 4410];
        source.fill(&mut buf);
        assert_eq!(t.state(), PlayState::Playing);
        assert_eq!(t.take_device_error(), None);

        t.shared()
            .report_device_error("device unplugged".to_string());
        t.shared().report_device_error("second error".to_string());
        assert_eq!(t.state(), PlayState::Stopped);
        assert_eq!(t.take_device_error().as_deref(), Some("device unplugged"));
        assert_eq!(t.take_device_error(), None);

        // If the device still pulls samples, the engine has stopped and lets the note go.
        let at = t.position_seconds();
        source.fill(&mut buf);
        assert!((t.position_seconds() - at).abs() < 1e-9);
        source.fill(&mut vec![0.0f32; 2 * 44_100 * 3]);
        source.fill(&mut buf);
        let rms = (buf.iter().map(|s| s * s).sum::<f32>() / buf.len() as f32).sqrt();
        assert!(rms < 1e-3, "still sounding after the stop: {rms}");
    }

    #[test]
    fn loop_regions_are_checked() {
        assert!(LoopRegion::new(1.0, 1.005).is_err());
        assert!(LoopRegion::new(2.0, 1.0).is_err());
        assert!(LoopRegion::new(-1.0, 1.0).is_err());
        assert!(LoopRegion::new(f64::NAN, 1.0).is_err());
        let r = LoopRegion::new(1.0, 2.0).unwrap();
        assert_eq!((r.start(), r.end()), (1.0, 2.0));
    }

    #[test]
    fn tempo_factor_is_clamped() {
        let (mut t, _source) = pair();
        assert_eq!(t.tempo_factor(), 1.0);
        t.set_tempo_factor(10.0);
        assert_eq!(t.tempo_factor(), 4.0);
        t.set_tempo_factor(f32::NAN);
        assert_eq!(t.tempo_factor(), 1.0);
    }

    #[test]
    fn a_dead_engine_is_reported_not_blocked_on() {
        let (mut t, source) = pair();
        drop(source);
        let mut last = Ok(());
        for _ in 0..=COMMAND_CAPACITY {
            last = t.seek(0.0);
        }
        assert!(matches!(last, Err(AudioError::EngineNotResponding)));
    }
}
