//! The synthesizer: a rustysynth SoundFont synthesizer with our types at its edges, and our
//! own reverb after it.
//!
//! rustysynth renders in blocks of [`Synth::BLOCK_FRAMES`] frames; a note started between
//! two calls to [`Synth::render`] sounds from the next block boundary. Callers that render in
//! whole blocks from the start (the offline renderer and the playback engine both do) therefore
//! place every event exactly on the block where it is applied. Nothing here allocates after
//! [`Synth::new`]: rustysynth keeps its voices and buffers from construction on, and so does
//! the reverb, which is what lets the audio thread use it.
//!
//! ## Effects
//!
//! rustysynth's own reverb and chorus are left off (its reverb alone cost more than a third of
//! the render time). Instead each MIDI channel plays on its own rustysynth instance, so that
//! every channel's dry mix is at hand, and a share of it (the channel's reverb send) feeds one
//! [`Reverb`] whose output is added to the mix. The send is what rustysynth gave each voice:
//! the channel's CC91 level (40 of 127 unless [`Synth::set_reverb_send`] says otherwise) plus
//! the SoundFont's reverb-send generator of the channel's preset (10% for the built-in
//! piano), and the reverb has rustysynth's gains and settings, so the level and the tail are
//! those of rustysynth's effects.
//!
//! There is no chorus: rustysynth's only sounded where the font's chorus-send generator or
//! CC93 asked for it; neither shipped piano has that generator and nothing here sends CC93, so
//! it produced silence at a cost of about 3% of the render time.
//!
//! A channel's instance is rendered only while it may sound: from its first note until no key
//! has been held on it and its output has been exactly silent for a second (its remaining
//! inaudible voices are then stopped). Idle channels cost nothing, and so does the reverb
//! once its tail has died away ([`Reverb::IDLE_AFTER_SECONDS`]).

use super::effects::Reverb;
use super::{AudioError, PresetId, SoundFont};
use crate::music::{Channel, Pitch, Velocity};

/// MIDI channels.
const CHANNELS: usize = 16;

/// The block length.
const BLOCK: usize = Synth::BLOCK_FRAMES;

/// rustysynth's default reverb send on every channel (CC91 = 40).
const DEFAULT_REVERB_SEND: u8 = 40;

/// Seconds of exactly silent output (with no key held) after which a channel sleeps.
const SLEEP_AFTER_SECONDS: f64 = 1.0;

/// Options of the synthesizer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SynthOptions {
    /// Reverb as the SoundFont and the channel's reverb send ask for it (on by default; off
    /// is a little faster).
    pub effects: bool,
    /// How many voices may sound at once on one channel before the quietest are stolen
    /// (8..=256).
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

/// One MIDI channel: its own rustysynth instance and what the mixer needs to know about it.
struct ChannelSynth {
    inner: rustysynth::Synthesizer,
    /// The preset chosen (kept so a reset can restore it).
    preset: Option<PresetId>,
    /// The CC91 level, 0..=127.
    send_level: u8,
    /// The SoundFont's reverb send for the channel's preset, 0.0..=1.0.
    preset_send: f32,
    /// Keys held down (a bit per MIDI key).
    held: [u64; 2],
    /// Whether the instance is rendered.
    awake: bool,
    /// Blocks of exactly silent output in a row.
    quiet_blocks: usize,
}

impl ChannelSynth {
    /// The share of the channel's dry mix sent to the reverb (as rustysynth computes it).
    fn send(&self) -> f32 {
        (f32::from(self.send_level) / 127.0 + self.preset_send).clamp(0.0, 1.0)
    }

    fn any_key_held(&self) -> bool {
        self.held != [0, 0]
    }
}

/// A SoundFont synthesizer producing stereo `f32` samples.
pub struct Synth {
    channels: Vec<ChannelSynth>,
    reverb: Option<Reverb>,
    font: SoundFont,
    sample_rate: u32,
    /// The mix of the current block, handed out from `block_read` on.
    block_left: [f32; BLOCK],
    block_right: [f32; BLOCK],
    block_read: usize,
    /// Silent blocks after which a channel sleeps.
    sleep_after_blocks: usize,
}

impl std::fmt::Debug for Synth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Synth")
            .field("font", &self.font.origin())
            .field("sample_rate", &self.sample_rate)
            .field("effects", &self.reverb.is_some())
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
        settings.block_size = BLOCK;
        settings.maximum_polyphony = options.max_voices.clamp(8, 256);
        settings.enable_reverb_and_chorus = false;
        let mut channels = Vec::with_capacity(CHANNELS);
        for channel in 0..CHANNELS {
            let inner = rustysynth::Synthesizer::new(font.inner(), &settings).map_err(|e| {
                AudioError::BadSoundFont {
                    origin: font.origin().to_string(),
                    reason: format!("the synthesizer refused it: {e}"),
                }
            })?;
            // rustysynth starts every channel on program 0 of bank 0, the drum channel on 128.
            let bank = if channel == usize::from(Channel::DRUMS.get()) {
                128
            } else {
                0
            };
            channels.push(ChannelSynth {
                inner,
                preset: None,
                send_level: DEFAULT_REVERB_SEND,
                preset_send: preset_reverb_send(font.inner(), bank, 0),
                held: [0, 0],
                awake: false,
                quiet_blocks: 0,
            });
        }
        Ok(Synth {
            channels,
            reverb: options.effects.then(|| Reverb::new(sample_rate)),
            font: font.clone(),
            sample_rate,
            block_left: [0.0; BLOCK],
            block_right: [0.0; BLOCK],
            block_read: BLOCK,
            sleep_after_blocks: (SLEEP_AFTER_SECONDS * f64::from(sample_rate) / BLOCK as f64)
                as usize,
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

    /// Whether the reverb is on.
    pub fn effects(&self) -> bool {
        self.reverb.is_some()
    }

    fn channel_mut(&mut self, channel: Channel) -> Option<&mut ChannelSynth> {
        self.channels.get_mut(usize::from(channel.get()))
    }

    /// Selects a preset on a channel (bank select, then program change). A preset the font
    /// lacks falls back to rustysynth's General MIDI rule: the same program in bank 0, else
    /// the font's first preset. Use [`SoundFont::require_preset`] first to refuse it instead.
    pub fn set_preset(&mut self, channel: Channel, preset: PresetId) {
        let send = preset_reverb_send(
            self.font.inner(),
            i32::from(preset.bank),
            i32::from(preset.program.get()),
        );
        if let Some(ch) = self.channel_mut(channel) {
            ch.preset = Some(preset);
            ch.preset_send = send;
            send_preset(&mut ch.inner, channel, preset);
        }
    }

    /// Sets a channel's reverb send level (MIDI CC91, 0..=127, clamped; 40 at start and after
    /// [`Synth::all_sound_off`]). The SoundFont's own send for the preset is added to it.
    pub fn set_reverb_send(&mut self, channel: Channel, level: u8) {
        if let Some(ch) = self.channel_mut(channel) {
            ch.send_level = level.min(127);
        }
    }

    /// The share of a channel's sound that goes to the reverb, 0.0..=1.0 (0.415 for the
    /// built-in piano at the default CC91 of 40: 40/127 plus the font's 10%).
    pub fn reverb_send(&self, channel: Channel) -> f32 {
        self.channels
            .get(usize::from(channel.get()))
            .map_or(0.0, ChannelSynth::send)
    }

    /// Starts a note.
    pub fn note_on(&mut self, channel: Channel, pitch: Pitch, velocity: Velocity) {
        if let Some(ch) = self.channel_mut(channel) {
            let key = usize::from(pitch.get());
            ch.held[key / 64] |= 1 << (key % 64);
            ch.awake = true;
            ch.quiet_blocks = 0;
            ch.inner.note_on(
                i32::from(channel.get()),
                i32::from(pitch.get()),
                i32::from(velocity.get()),
            );
        }
    }

    /// Releases a note (its release phase still sounds).
    pub fn note_off(&mut self, channel: Channel, pitch: Pitch) {
        if let Some(ch) = self.channel_mut(channel) {
            let key = usize::from(pitch.get());
            ch.held[key / 64] &= !(1 << (key % 64));
            ch.inner
                .note_off(i32::from(channel.get()), i32::from(pitch.get()));
        }
    }

    /// Releases every sounding note on every channel (All Notes Off: release tails ring on).
    pub fn all_notes_off(&mut self) {
        for ch in &mut self.channels {
            ch.held = [0, 0];
            ch.inner.note_off_all(false);
        }
    }

    /// Releases every sounding note on one channel (All Notes Off on that channel).
    pub fn channel_notes_off(&mut self, channel: Channel) {
        if let Some(ch) = self.channel_mut(channel) {
            ch.held = [0, 0];
            ch.inner
                .note_off_all_channel(i32::from(channel.get()), false);
        }
    }

    /// Silences everything at once: voices stop without their release and the reverb is
    /// emptied (All Sound Off). The channels keep their presets; reverb sends return to 40.
    pub fn all_sound_off(&mut self) {
        for (index, ch) in self.channels.iter_mut().enumerate() {
            ch.inner.reset();
            ch.held = [0, 0];
            ch.awake = false;
            ch.quiet_blocks = 0;
            ch.send_level = DEFAULT_REVERB_SEND;
            if let (Some(preset), Ok(channel)) = (ch.preset, Channel::new(index as u8)) {
                send_preset(&mut ch.inner, channel, preset);
            }
        }
        if let Some(reverb) = &mut self.reverb {
            reverb.mute();
        }
        self.block_read = BLOCK;
    }

    /// Renders the next frames into two equally long buffers (extra frames of the longer one
    /// are left untouched).
    pub fn render(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len().min(right.len());
        let mut wrote = 0;
        while wrote < n {
            if self.block_read == BLOCK {
                self.render_block();
                self.block_read = 0;
            }
            let take = (BLOCK - self.block_read).min(n - wrote);
            let from = self.block_read..self.block_read + take;
            left[wrote..wrote + take].copy_from_slice(&self.block_left[from.clone()]);
            right[wrote..wrote + take].copy_from_slice(&self.block_right[from]);
            self.block_read += take;
            wrote += take;
        }
    }

    /// Mixes the next block of every awake channel, and the reverb, into the block buffers.
    fn render_block(&mut self) {
        self.block_left = [0.0; BLOCK];
        self.block_right = [0.0; BLOCK];
        let mut send = [0.0f32; BLOCK];
        let mut dry_left = [0.0f32; BLOCK];
        let mut dry_right = [0.0f32; BLOCK];
        let effects = self.reverb.is_some();
        for (index, ch) in self.channels.iter_mut().enumerate() {
            if !ch.awake {
                continue;
            }
            ch.inner.render(&mut dry_left, &mut dry_right);
            let mut sounding = false;
            for (((out_l, out_r), &l), &r) in self
                .block_left
                .iter_mut()
                .zip(self.block_right.iter_mut())
                .zip(&dry_left)
                .zip(&dry_right)
            {
                *out_l += l;
                *out_r += r;
                sounding |= l != 0.0 || r != 0.0;
            }
            if effects {
                let amount = ch.send();
                for ((s, &l), &r) in send.iter_mut().zip(&dry_left).zip(&dry_right) {
                    *s += amount * (l + r);
                }
            }
            if sounding || ch.any_key_held() {
                ch.quiet_blocks = 0;
            } else {
                ch.quiet_blocks += 1;
                if ch.quiet_blocks >= self.sleep_after_blocks {
                    // Whatever voices remain have been silent for a second: stop them, so that
                    // none resumes where it was frozen when the channel wakes again.
                    ch.inner.note_off_all_channel(index as i32, true);
                    ch.awake = false;
                    ch.quiet_blocks = 0;
                }
            }
        }
        if let Some(reverb) = &mut self.reverb {
            reverb.process(&send, &mut self.block_left, &mut self.block_right);
        }
    }
}

/// Selects a preset on one channel of a rustysynth instance (bank select, program change).
fn send_preset(inner: &mut rustysynth::Synthesizer, channel: Channel, preset: PresetId) {
    let ch = i32::from(channel.get());
    // On the drum channel rustysynth adds 128 to the bank itself.
    let bank = if channel == Channel::DRUMS {
        i32::from(preset.bank.saturating_sub(128))
    } else {
        i32::from(preset.bank)
    };
    inner.process_midi_message(ch, 0xB0, 0x00, bank);
    inner.process_midi_message(ch, 0xC0, i32::from(preset.program.get()), 0);
}

/// The SoundFont's reverb send for a preset, 0.0..=1.0: the mean over the preset's zones of
/// the preset's and the instrument's reverb-send generators (in 0.1% units, added, as
/// rustysynth does for each voice). A missing preset falls back as rustysynth's does: the
/// same program in bank 0 (bank 128 program 0 for drums), else the preset with the lowest
/// bank and program. Allocation-free (it runs on the audio thread).
fn preset_reverb_send(font: &rustysynth::SoundFont, bank: i32, program: i32) -> f32 {
    let presets = font.get_presets();
    let find = |bank: i32, program: i32| {
        presets
            .iter()
            .find(|p| p.get_bank_number() == bank && p.get_patch_number() == program)
    };
    let fallback = if bank < 128 { (0, program) } else { (128, 0) };
    let preset = find(bank, program)
        .or_else(|| find(fallback.0, fallback.1))
        .or_else(|| {
            presets
                .iter()
                .min_by_key(|p| (p.get_bank_number(), p.get_patch_number()))
        });
    let Some(preset) = preset else {
        return 0.0;
    };
    let instruments = font.get_instruments();
    let mut sum = 0.0f32;
    let mut zones = 0u32;
    for zone in preset.get_regions() {
        let Some(instrument) = instruments.get(zone.get_instrument_id()) else {
            continue;
        };
        for region in instrument.get_regions() {
            // Percent, as rustysynth's voices read it (the generator is in 0.1% units).
            sum += zone.get_reverb_effects_send() + region.get_reverb_effects_send();
            zones += 1;
        }
    }
    if zones == 0 {
        0.0
    } else {
        (0.01 * sum / zones as f32).clamp(0.0, 1.0)
    }
}
