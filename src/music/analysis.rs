//! Key estimation with mode by the Krumhansl-Schmuckler method.
//!
//! The notes' pitch classes are counted weighted by duration (in ticks), and that
//! 12-bin histogram is compared by Pearson correlation with the Krumhansl-Kessler major and
//! minor key profiles rotated to each of the 12 tonics. The key with the highest correlation
//! wins; on an exact tie the first in [`Key::all`] order (majors first, tonics from C).

use super::{Key, Mode, Note, Piece, PitchClass};

/// The Krumhansl-Kessler (1982) probe-tone ratings for a major key, from the tonic up by
/// semitones.
pub const MAJOR_PROFILE: [f64; 12] = [
    6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88,
];

/// The Krumhansl-Kessler (1982) probe-tone ratings for a minor key, from the tonic up by
/// semitones.
pub const MINOR_PROFILE: [f64; 12] = [
    6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17,
];

/// A key estimate: the best key, its correlation, and the correlation of every key.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyEstimate {
    /// The key whose profile correlates best with the notes.
    pub key: Key,
    /// Its Pearson correlation, -1..=1.
    pub correlation: f64,
    /// The correlation of each of the 24 keys, in [`Key::all`] order (C major .. B major,
    /// then C minor .. B minor).
    pub scores: [f64; 24],
}

impl KeyEstimate {
    /// All 24 keys with their correlations, best first (ties in [`Key::all`] order).
    pub fn ranked(&self) -> Vec<(Key, f64)> {
        let mut ranked: Vec<(Key, f64)> = Key::all().zip(self.scores).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        ranked
    }

    /// How far the best key's correlation is above the runner-up's (0 on a tie); a small
    /// margin means an ambiguous key.
    pub fn margin(&self) -> f64 {
        let ranked = self.ranked();
        match ranked.as_slice() {
            [(_, best), (_, second), ..] => best - second,
            _ => 0.0,
        }
    }
}

/// The duration-weighted pitch-class histogram: entry `pc` is the total length in ticks of
/// the notes of pitch class `pc` (0 = C).
pub fn pitch_class_histogram<'a>(notes: impl IntoIterator<Item = &'a Note>) -> [f64; 12] {
    let mut histogram = [0.0; 12];
    for note in notes {
        histogram[usize::from(note.pitch.class().get())] += note.duration.get() as f64;
    }
    histogram
}

/// The profile of a key, indexed by absolute pitch class (0 = C).
fn rotated_profile(key: Key) -> [f64; 12] {
    let profile = match key.mode {
        Mode::Major => &MAJOR_PROFILE,
        Mode::Minor => &MINOR_PROFILE,
    };
    std::array::from_fn(|pc| profile[(pc + 12 - usize::from(key.tonic.get())) % 12])
}

/// Pearson correlation of two 12-vectors; `None` if either is constant.
fn correlation(x: &[f64; 12], y: &[f64; 12]) -> Option<f64> {
    let mean_x = x.iter().sum::<f64>() / 12.0;
    let mean_y = y.iter().sum::<f64>() / 12.0;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let (dx, dy) = (a - mean_x, b - mean_y);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    let denominator = (sxx * syy).sqrt();
    (denominator > 0.0 && denominator.is_finite()).then(|| sxy / denominator)
}

/// Estimates the key from a pitch-class histogram (any non-negative weights). `None` when
/// the histogram is empty or flat (every pitch class equally weighted), since then no key
/// stands out.
pub fn estimate_key_from_histogram(histogram: &[f64; 12]) -> Option<KeyEstimate> {
    let mut scores = [0.0; 24];
    for (score, key) in scores.iter_mut().zip(Key::all()) {
        *score = correlation(histogram, &rotated_profile(key))?;
    }
    let (best, correlation) =
        scores
            .iter()
            .enumerate()
            .fold((0, f64::NEG_INFINITY), |(bi, bs), (i, &s)| {
                if s > bs { (i, s) } else { (bi, bs) }
            });
    let key = Key::all().nth(best)?;
    Some(KeyEstimate {
        key,
        correlation,
        scores,
    })
}

/// Estimates the key of some notes (see the module documentation); `None` for no notes or
/// a flat histogram.
pub fn estimate_key<'a>(notes: impl IntoIterator<Item = &'a Note>) -> Option<KeyEstimate> {
    estimate_key_from_histogram(&pitch_class_histogram(notes))
}

/// Estimates the key of a piece from its pitched parts (drums ignored).
pub fn estimate_piece_key(piece: &Piece) -> Option<KeyEstimate> {
    estimate_key(piece.pitched_notes())
}

/// The key moved by `semitones`, same mode (where a key goes when its notes are
/// transposed).
pub fn transposed_tonic(key: Key, semitones: i32) -> Key {
    Key::new(
        PitchClass::wrapping(i32::from(key.tonic.get()) + semitones),
        key.mode,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::transform::transpose_notes;
    use crate::music::{Channel, Part, Pitch, Tick, Velocity};

    /// A melody from pitch names and lengths in 16ths, one after another.
    fn melody(spec: &[(&str, Tick)]) -> Vec<Note> {
        let mut t = 0;
        spec.iter()
            .map(|&(name, len)| {
                let pitch: Pitch = name.parse().unwrap();
                let n = Note::new(pitch, t, len * 120, Velocity::DEFAULT).unwrap();
                t += len * 120;
                n
            })
            .collect()
    }

    fn key(s: &str) -> Key {
        s.parse().unwrap()
    }

    #[test]
    fn histogram_weights_by_duration() {
        let notes = melody(&[("C4", 4), ("E4", 2), ("C5", 1), ("B3", 3)]);
        let h = pitch_class_histogram(&notes);
        assert_eq!(h[0], 600.0);
        assert_eq!(h[4], 240.0);
        assert_eq!(h[11], 360.0);
        assert_eq!(h.iter().sum::<f64>(), 1200.0);
    }

    #[test]
    fn c_major_scale_is_c_major() {
        let scale = melody(&[
            ("C4", 4),
            ("D4", 4),
            ("E4", 4),
            ("F4", 4),
            ("G4", 4),
            ("A4", 4),
            ("B4", 4),
            ("C5", 4),
        ]);
        let estimate = estimate_key(&scale).unwrap();
        assert_eq!(estimate.key, Key::C_MAJOR);
        // Reference values computed independently (plain Python arithmetic): the Pearson r of
        // the histogram [2,0,1,0,1,1,0,1,0,1,0,1] with the C major profile is 0.90135, the
        // runner-up is A minor at 0.75630.
        assert!(
            (estimate.correlation - 0.90135).abs() < 1e-4,
            "{}",
            estimate.correlation
        );
        assert!((estimate.margin() - (0.90135 - 0.75630)).abs() < 1e-4);
        assert_eq!(estimate.ranked()[1].0, Key::A_MINOR);
        assert_eq!(estimate.ranked()[0].0, Key::C_MAJOR);
    }

    #[test]
    fn a_harmonic_minor_melody_is_a_minor() {
        // A phrase in A harmonic minor that leans on A, C and E and leads with G#.
        let tune = melody(&[
            ("A4", 4),
            ("C5", 2),
            ("B4", 2),
            ("A4", 2),
            ("G#4", 2),
            ("A4", 4),
            ("E4", 4),
            ("F4", 2),
            ("E4", 2),
            ("D4", 2),
            ("C4", 2),
            ("B3", 2),
            ("G#3", 2),
            ("A3", 8),
        ]);
        assert_eq!(estimate_key(&tune).unwrap().key, Key::A_MINOR);
    }

    #[test]
    fn a_g_major_tune_is_g_major() {
        // A folk-like tune in G major with F# as leading tone.
        let tune = melody(&[
            ("G4", 2),
            ("B4", 2),
            ("D5", 2),
            ("B4", 2),
            ("C5", 2),
            ("A4", 2),
            ("F#4", 2),
            ("A4", 2),
            ("G4", 2),
            ("B4", 2),
            ("D5", 2),
            ("G5", 2),
            ("F#5", 2),
            ("D5", 2),
            ("E5", 2),
            ("C5", 2),
            ("B4", 2),
            ("A4", 2),
            ("G4", 4),
        ]);
        assert_eq!(estimate_key(&tune).unwrap().key, key("G major"));
    }

    #[test]
    fn the_key_moves_with_transposition() {
        let tune = melody(&[
            ("C4", 2),
            ("E4", 2),
            ("G4", 2),
            ("E4", 2),
            ("F4", 2),
            ("D4", 2),
            ("B3", 2),
            ("D4", 2),
            ("C4", 4),
        ]);
        let base = estimate_key(&tune).unwrap();
        assert_eq!(base.key, Key::C_MAJOR);
        for shift in -6..=6 {
            let mut moved = tune.clone();
            transpose_notes(&mut moved, shift).unwrap();
            let estimate = estimate_key(&moved).unwrap();
            assert_eq!(
                estimate.key,
                transposed_tonic(base.key, shift),
                "shift {shift}"
            );
            assert!((estimate.correlation - base.correlation).abs() < 1e-12);
        }
    }

    #[test]
    fn empty_or_flat_input_has_no_key() {
        assert_eq!(estimate_key(&[]), None);
        let chromatic: Vec<(&str, Tick)> = [
            "C4", "C#4", "D4", "D#4", "E4", "F4", "F#4", "G4", "G#4", "A4", "A#4", "B4",
        ]
        .into_iter()
        .map(|n| (n, 1))
        .collect();
        assert_eq!(estimate_key(&melody(&chromatic)), None);
    }

    #[test]
    fn a_single_pitch_class_correlates_with_its_major_key() {
        // Computed independently: r = 0.68447 for C major, just above C minor's 0.68419.
        let estimate = estimate_key(&melody(&[("C4", 4)])).unwrap();
        assert_eq!(estimate.key, Key::C_MAJOR);
        assert!((estimate.correlation - 0.68447).abs() < 1e-4);
        assert!((estimate.scores[12] - 0.68419).abs() < 1e-4); // C minor
    }

    #[test]
    fn drum_parts_do_not_vote() {
        let mut piece = Piece::from_notes(
            480,
            "tune",
            melody(&[("G4", 4), ("B4", 4), ("D5", 4), ("F#4", 2), ("G4", 4)]),
        )
        .unwrap();
        let drums: Vec<Note> = melody(&[("C#2", 64), ("F2", 64)]);
        piece.parts.push(Part {
            channel: Channel::DRUMS,
            notes: drums,
            ..Part::new("drums")
        });
        assert_eq!(estimate_piece_key(&piece).unwrap().key, key("G major"));
    }
}
