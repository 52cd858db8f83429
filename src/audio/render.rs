//! Offline rendering: a whole piece to stereo samples in memory, as fast as the CPU allows.
//!
//! Events are applied on the synthesizer's block boundaries ([`Synth::BLOCK_FRAMES`] frames,
//! 1.45 ms at 44.1 kHz), each at the boundary nearest to its exact time, so no onset is more
//! than half a block (0.73 ms at 44.1 kHz) away from where the tempo map puts it.

use super::{AudioError, PresetId, Schedule, SoundFont, Synth, SynthOptions};
use crate::music::{Channel, Piece};

/// How to render.
#[derive(Clone, Debug)]
pub struct RenderOptions {
    /// Frames per second; the command line offers 44,100 and 48,000 (16,000..=192,000 work).
    pub sample_rate: u32,
    /// The SoundFont; `None` plays the built-in piano.
    pub soundfont: Option<SoundFont>,
    /// Play every melodic part with this preset; `None` uses each part's own program (with the
    /// font's fallback when it lacks one).
    pub program: Option<PresetId>,
    /// Seconds of silence-to-be after the last note ends, so release and reverb can ring out.
    pub tail_seconds: f64,
    /// Reverb as the SoundFont and each channel's send ask for it (see [`Synth`]).
    pub effects: bool,
    /// The peak, in dBFS, a file render is scaled to ([`Rendered::normalize`]); `None` keeps
    /// the synthesizer's own level (only scaled down where it would clip). Read by the WAV
    /// writers ([`super::render_piece_to_wav`]): a melody of one voice at the synth's level
    /// peaks near -20 dBFS, far quieter than music a listener compares it with.
    pub normalize_dbfs: Option<f32>,
}

/// The peak of a normalized file render: -1 dBFS leaves room for a lossy encoder.
pub const NORMALIZED_PEAK_DBFS: f32 = -1.0;

/// The largest gain normalizing applies (+40 dB), so a near-silent render stays quiet.
const MAX_NORMALIZE_GAIN: f32 = 100.0;

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            sample_rate: 44_100,
            soundfont: None,
            program: None,
            tail_seconds: 2.0,
            effects: true,
            normalize_dbfs: Some(NORMALIZED_PEAK_DBFS),
        }
    }
}

/// A rendered piece: two channels of `f32` samples in -1.0..1.0.
#[derive(Clone, Debug, PartialEq)]
pub struct Rendered {
    /// Frames per second.
    pub sample_rate: u32,
    /// Left channel.
    pub left: Vec<f32>,
    /// Right channel, as long as the left.
    pub right: Vec<f32>,
    /// The gain the renderer applied to keep the peak below full scale: 1.0 unless the
    /// synthesizer's output would have clipped.
    pub gain: f32,
}

impl Rendered {
    /// Frames (samples per channel).
    pub fn frames(&self) -> usize {
        self.left.len()
    }

    /// Length in seconds.
    pub fn duration_seconds(&self) -> f64 {
        self.frames() as f64 / f64::from(self.sample_rate.max(1))
    }

    /// The samples interleaved left, right, left, right, ...
    pub fn interleaved(&self) -> Vec<f32> {
        self.left
            .iter()
            .zip(&self.right)
            .flat_map(|(&l, &r)| [l, r])
            .collect()
    }

    /// The mono mix (mean of both channels).
    pub fn mono(&self) -> Vec<f32> {
        self.left
            .iter()
            .zip(&self.right)
            .map(|(&l, &r)| 0.5 * (l + r))
            .collect()
    }

    /// The largest absolute sample value of both channels.
    pub fn peak(&self) -> f32 {
        self.left
            .iter()
            .chain(&self.right)
            .fold(0.0f32, |m, &s| m.max(s.abs()))
    }

    /// Scales both channels so the peak lies at `peak_dbfs` (at most 0 dBFS; the gain is at
    /// most +40 dB, and a silent render stays silent), and records the gain in
    /// [`Rendered::gain`].
    pub fn normalize(&mut self, peak_dbfs: f32) {
        let peak = self.peak();
        if peak <= 0.0 || !peak_dbfs.is_finite() {
            return;
        }
        let target = 10f32.powf(peak_dbfs.min(0.0) / 20.0);
        let gain = (target / peak).min(MAX_NORMALIZE_GAIN);
        for s in self.left.iter_mut().chain(self.right.iter_mut()) {
            *s *= gain;
        }
        self.gain *= gain;
    }
}

/// The longest piece rendered in memory (3 hours).
const MAX_SECONDS: f64 = 3.0 * 3600.0;

/// The peak the renderer keeps below (-0.1 dBFS), scaling the whole render down if needed.
const MAX_PEAK: f32 = 0.989;

/// Renders a piece: every part (drums only when the font has a drum kit), honouring the tempo
/// map and the velocities, followed by `tail_seconds` for the release to ring out. The result
/// lasts exactly `piece.duration_seconds() + tail_seconds`, rounded up to a whole frame.
pub fn render_piece(piece: &Piece, options: &RenderOptions) -> Result<Rendered, AudioError> {
    let tail = options.tail_seconds;
    if !tail.is_finite() || !(0.0..=60.0).contains(&tail) {
        return Err(AudioError::BadTail(tail));
    }
    let font = match &options.soundfont {
        Some(font) => font.clone(),
        None => SoundFont::built_in()?,
    };
    let schedule = Schedule::for_font(piece, &font, options.program)?;
    let seconds = piece.duration_seconds().max(schedule.end_seconds()) + tail;
    render_schedule(&schedule, &font, options, seconds)
}

/// Renders a schedule with a font for `seconds` (the caller adds the tail). Of the options
/// only `sample_rate` and `effects` are read here: the font is given, and the schedule already
/// carries each channel's preset.
pub fn render_schedule(
    schedule: &Schedule,
    font: &SoundFont,
    options: &RenderOptions,
    seconds: f64,
) -> Result<Rendered, AudioError> {
    if !seconds.is_finite() || seconds > MAX_SECONDS {
        return Err(AudioError::TooLong(seconds));
    }
    let rate = options.sample_rate;
    let mut synth = Synth::with_options(
        font,
        rate,
        SynthOptions {
            effects: options.effects,
            ..SynthOptions::default()
        },
    )?;
    for (channel, preset) in schedule.presets().iter().enumerate() {
        if let (Some(preset), Ok(channel)) = (preset, Channel::new(channel as u8)) {
            synth.set_preset(channel, *preset);
        }
    }
    // Whole frames, rounding up; a millionth of a frame of floating-point error is forgiven
    // so that 2.2 s at 44.1 kHz is 97,020 frames, not 97,021.
    let frames = (seconds.max(0.0) * f64::from(rate) - 1e-6).ceil().max(0.0) as usize;
    let mut left = vec![0.0f32; frames];
    let mut right = vec![0.0f32; frames];
    let events = schedule.events();
    let mut next = 0;
    let block = Synth::BLOCK_FRAMES;
    let half_block = (block / 2) as f64;
    let mut start = 0;
    while start < frames {
        let end = (start + block).min(frames);
        // Apply every event whose exact frame is nearer to this block's start than to the next.
        let limit = start as f64 + half_block;
        while let Some(event) = events.get(next) {
            if event.seconds * f64::from(rate) >= limit {
                break;
            }
            event.apply(&mut synth);
            next += 1;
        }
        synth.render(&mut left[start..end], &mut right[start..end]);
        start = end;
    }
    let mut rendered = Rendered {
        sample_rate: rate,
        left,
        right,
        gain: 1.0,
    };
    let peak = rendered.peak();
    if peak > MAX_PEAK {
        let gain = MAX_PEAK / peak;
        for s in rendered.left.iter_mut().chain(rendered.right.iter_mut()) {
            *s *= gain;
        }
        rendered.gain = gain;
    }
    Ok(rendered)
}
