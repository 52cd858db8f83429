//! Helpers shared by the audio tests: building small pieces and listening to samples
//! (fundamental by FFT, RMS, onsets by energy).

#![allow(dead_code, clippy::unwrap_used)]

use gan_studio::music::{Note, Part, Piece, Pitch, TempoChange, TempoMap, Velocity};
use rustfft::FftPlanner;
use rustfft::num_complex::Complex;

/// 480 ticks per quarter; at the default 120 BPM one quarter is 0.5 s, so 960 ticks = 1 s.
pub const TPQ: u16 = 480;

pub fn note(pitch: u8, start: u64, len: u64, velocity: u8) -> Note {
    Note::new(
        Pitch::new(pitch).unwrap(),
        start,
        len,
        Velocity::new(velocity).unwrap(),
    )
    .unwrap()
}

/// A one-part piece at 120 BPM.
pub fn piece(notes: Vec<Note>) -> Piece {
    Piece::from_notes(TPQ, "test", notes).unwrap()
}

/// A piece with a tempo map given as (tick, beats per minute).
pub fn piece_with_tempi(notes: Vec<Note>, tempi: &[(u64, f64)]) -> Piece {
    let mut p = piece(notes);
    p.tempo_map = TempoMap::new(
        tempi
            .iter()
            .map(|&(tick, bpm)| TempoChange {
                tick,
                micros_per_quarter: (60_000_000.0 / bpm).round() as u32,
            })
            .collect(),
    )
    .unwrap();
    p
}

/// Four parts playing a chord progression in quarter notes for `bars` bars of 4/4.
pub fn four_voice_piece(bars: u64) -> Piece {
    let mut p = Piece::new(TPQ).unwrap();
    let voices: [[u8; 4]; 4] = [
        [72, 72, 71, 72],
        [67, 69, 67, 67],
        [64, 65, 62, 64],
        [48, 53, 55, 48],
    ];
    for (v, pitches) in voices.iter().enumerate() {
        let mut part = Part::new(format!("voice {v}"));
        for bar in 0..bars {
            for beat in 0..4u64 {
                let start = (bar * 4 + beat) * u64::from(TPQ);
                let pitch = pitches[((bar + beat) % 4) as usize];
                part.notes
                    .push(note(pitch, start, u64::from(TPQ) - 20, 70 + 10 * v as u8));
            }
        }
        p.parts.push(part);
    }
    p
}

pub fn rms(samples: &[f32]) -> f32 {
    if samples.is_empty() {
        return 0.0;
    }
    (samples.iter().map(|s| s * s).sum::<f32>() / samples.len() as f32).sqrt()
}

/// RMS of `samples` between two times in seconds.
pub fn rms_between(samples: &[f32], rate: u32, from: f64, to: f64) -> f32 {
    let a = (from * f64::from(rate)) as usize;
    let b = ((to * f64::from(rate)) as usize).min(samples.len());
    rms(&samples[a.min(b)..b])
}

/// The fundamental frequency of a (mostly) single tone, by FFT: a Hann-windowed segment
/// zero-padded to 2^18 points, the lowest spectral peak reaching 20% of the strongest one
/// between 30 Hz and 5 kHz, refined by parabolic interpolation.
pub fn fundamental_hz(samples: &[f32], rate: u32) -> f64 {
    let n = 1 << 18;
    let len = samples.len().min(n);
    let mut buf: Vec<Complex<f64>> = (0..n)
        .map(|i| {
            if i < len {
                let w =
                    0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / (len - 1) as f64).cos();
                Complex::new(f64::from(samples[i]) * w, 0.0)
            } else {
                Complex::new(0.0, 0.0)
            }
        })
        .collect();
    FftPlanner::new().plan_fft_forward(n).process(&mut buf);
    let bin_hz = f64::from(rate) / n as f64;
    let lo = (30.0 / bin_hz) as usize;
    let hi = (5000.0 / bin_hz) as usize;
    let mag: Vec<f64> = buf[..=hi + 1].iter().map(|c| c.norm()).collect();
    let max = mag[lo..=hi].iter().cloned().fold(0.0, f64::max);
    let k = (lo..=hi)
        .find(|&k| mag[k] >= 0.2 * max && mag[k] >= mag[k - 1] && mag[k] >= mag[k + 1])
        .unwrap();
    let (a, b, c) = (mag[k - 1], mag[k], mag[k + 1]);
    let offset = 0.5 * (a - c) / (a - 2.0 * b + c);
    (k as f64 + offset) * bin_hz
}

/// Times (seconds) where the signal's energy jumps: 1 ms frames, an onset at the first frame
/// whose RMS exceeds both `floor` and four times the RMS of the frame 10 ms before (silence
/// before the start); onsets closer than 50 ms to the previous one are merged into it.
pub fn onsets(samples: &[f32], rate: u32, floor: f32) -> Vec<f64> {
    let hop = (rate / 1000) as usize;
    let frames: Vec<f32> = samples.chunks(hop).map(rms).collect();
    let mut found: Vec<f64> = Vec::new();
    for i in 0..frames.len() {
        let before = if i >= 10 { frames[i - 10] } else { 0.0 };
        if frames[i] > floor && frames[i] > 4.0 * before {
            let t = (i * hop) as f64 / f64::from(rate);
            if found.last().is_none_or(|&last| t - last > 0.05) {
                found.push(t);
            }
        }
    }
    found
}

/// The first time (seconds) a sample's magnitude exceeds `threshold`.
pub fn first_sound(samples: &[f32], rate: u32, threshold: f32) -> Option<f64> {
    samples
        .iter()
        .position(|s| s.abs() > threshold)
        .map(|i| i as f64 / f64::from(rate))
}
