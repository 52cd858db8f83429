//! The synthesizer: a rustysynth SoundFont synthesizer with our types at its edges.
//!
//! rustysynth renders in blocks of [`Synth::BLOCK_FRAMES`] frames; a note started between
//! two calls to [`Synth::render`] sounds from the next block boundary. Callers that render in
//! whole blocks from the start (the offline renderer and the playback engine both do) therefore
//! place every event exactly on the block where it is applied. Nothing here allocates after
//! [`Synth::new`]: rustysynth keeps its voices and buffers from construction on, which is what
//! lets the audio thread use it.

use super::{AudioError, PresetId, SoundFont};
use crate::music::{Channel, Pitch, Velocity};

/// Options of the synthesizer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SynthOptions {
    /// Reverb and chorus as the SoundFont asks for them (on by default; off is a little faster).
    pub effects: bool,
    /// How many voices may sound at once before the quietest are stolen (8..=256).
    pub max_voices: usize,
}

impl Default for SynthOptions {
    fn default() -> Self {
        SynthOptions {
            effects: true,
            max_voices: 128,
        }
    }
}

/// A SoundFont synthesizer producing stereo `f32` samples.
pub struct Synth {
    inner: rustysynth::Synthesizer,
    font: SoundFont,
    sample_rate: u32,
    /// The preset chosen on each channel (kept so a reset can restore them).
    presets: [Option<PresetId>; 16],
}

impl std::fmt::Debug for Synth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Synth")
            .field("font", &self.font.origin())
            .field("sample_rate", &self.sample_rate)
            .finish()
    }
}

impl Synth {
    /// Frames per internal block: events take effect on block boundaries.
    pub const BLOCK_FRAMES: usize = 64;

    /// The lowest and highest sample rates rustysynth accepts.
    pub const SAMPLE_RATES: std::ops::RangeInclusive<u32> = 16_000..=192_000;

    /// A synthesizer for the font at a sample rate, with default options. Every channel starts
    /// on bank 0, program 0 (channel 10 on the drum bank).
    pub fn new(font: &SoundFont, sample_rate: u32) -> Result<Synth, AudioError> {
        Synth::with_options(font, sample_rate, SynthOptions::default())
    }

    /// A synthesizer with explicit options.
    pub fn with_options(
        font: &SoundFont,
        sample_rate: u32,
        options: SynthOptions,
    ) -> Result<Synth, AudioError> {
        if !Self::SAMPLE_RATES.contains(&sample_rate) {
            return Err(AudioError::BadSampleRate(sample_rate));
        }
        let mut settings = rustysynth::SynthesizerSettings::new(sample_rate as i32);
        settings.block_size = Self::BLOCK_FRAMES;
        settings.maximum_polyphony = options.max_voices.clamp(8, 256);
        settings.enable_reverb_and_chorus = options.effects;
        let inner = rustysynth::Synthesizer::new(font.inner(), &settings).map_err(|e| {
            AudioError::BadSoundFont {
                origin: font.origin().to_string(),
                reason: format!("the synthesizer refused it: {e}"),
            }
        })?;
        Ok(Synth {
            inner,
            font: font.clone(),
            sample_rate,
            presets: [None; 16],
        })
    }

    /// The font being played.
    pub fn font(&self) -> &SoundFont {
        &self.font
    }

    /// Frames per second.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Selects a preset on a channel (bank select, then program change). A preset the font
    /// lacks falls back to rustysynth's General MIDI rule: the same program in bank 0, else
    /// the font's first preset. Use [`SoundFont::require_preset`] first to refuse it instead.
    pub fn set_preset(&mut self, channel: Channel, preset: PresetId) {
        self.presets[usize::from(channel.get())] = Some(preset);
        self.send_preset(channel, preset);
    }

    fn send_preset(&mut self, channel: Channel, preset: PresetId) {
        let ch = i32::from(channel.get());
        // On the drum channel rustysynth adds 128 to the bank itself.
        let bank = if channel == Channel::DRUMS {
            i32::from(preset.bank.saturating_sub(128))
        } else {
            i32::from(preset.bank)
        };
        self.inner.process_midi_message(ch, 0xB0, 0x00, bank);
        self.inner
            .process_midi_message(ch, 0xC0, i32::from(preset.program.get()), 0);
    }

    /// Starts a note.
    pub fn note_on(&mut self, channel: Channel, pitch: Pitch, velocity: Velocity) {
        self.inner.note_on(
            i32::from(channel.get()),
            i32::from(pitch.get()),
            i32::from(velocity.get()),
        );
    }

    /// Releases a note (its release phase still sounds).
    pub fn note_off(&mut self, channel: Channel, pitch: Pitch) {
        self.inner
            .note_off(i32::from(channel.get()), i32::from(pitch.get()));
    }

    /// Releases every sounding note on every channel (All Notes Off: release tails ring on).
    pub fn all_notes_off(&mut self) {
        self.inner.note_off_all(false);
    }

    /// Releases every sounding note on one channel (All Notes Off on that channel).
    pub fn channel_notes_off(&mut self, channel: Channel) {
        self.inner
            .note_off_all_channel(i32::from(channel.get()), false);
    }

    /// Silences everything at once: voices stop without their release and the reverb and
    /// chorus are emptied (All Sound Off). The channels keep their presets.
    pub fn all_sound_off(&mut self) {
        self.inner.reset();
        for (channel, preset) in self.presets.into_iter().enumerate() {
            if let (Some(preset), Ok(channel)) = (preset, Channel::new(channel as u8)) {
                self.send_preset(channel, preset);
            }
        }
    }

    /// Renders the next frames into two equally long buffers (extra frames of the longer one
    /// are left untouched).
    pub fn render(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len().min(right.len());
        self.inner.render(&mut left[..n], &mut right[..n]);
    }
}
