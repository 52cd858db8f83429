//! Scale metrics: how many notes fit a major or natural-minor scale.

use crate::music::{Key, PitchClass};

use super::notes::NoteStream;

/// Share of notes whose pitch class is in the scale of `key` (major, or natural minor), each
/// note counting once (MusPy `pitch_in_scale_rate(music, root, mode)`). `None` for no notes.
pub fn pitch_in_scale_rate(stream: &NoteStream, key: Key) -> Option<f64> {
    if stream.is_empty() {
        return None;
    }
    let mask = key.scale_mask();
    let inside = stream
        .pitches()
        .filter(|p| mask[usize::from(p % 12)])
        .count();
    Some(inside as f64 / stream.notes.len() as f64)
}

/// The largest [`pitch_in_scale_rate`] over the 24 major and natural-minor scales (MusPy
/// `scale_consistency`, from C-RNN-GAN), with the first key reaching it (majors from C, then
/// minors from C). `None` for no notes.
pub fn scale_consistency(stream: &NoteStream) -> Option<(f64, Key)> {
    let mut best: Option<(f64, Key)> = None;
    for key in Key::all() {
        let rate = pitch_in_scale_rate(stream, key)?;
        if best.is_none_or(|(b, _)| rate > b) {
            best = Some((rate, key));
        }
    }
    best
}

/// The key the per-piece pitch-in-scale rate is measured against: the piece's first key
/// signature if it has one, else C major (the key training melodies are transposed to, whose
/// scale is also A minor's).
pub fn reference_key(declared: Option<Key>) -> Key {
    declared.unwrap_or(Key::C_MAJOR)
}

/// A key from a tonic pitch-class number (wrapping) and a mode, for tests and callers.
pub fn key(tonic: i32, mode: crate::music::Mode) -> Key {
    Key::new(PitchClass::wrapping(tonic), mode)
}

#[cfg(test)]
mod tests {
    use super::super::notes::test_support::stream;
    use super::*;
    use crate::music::Mode;

    #[test]
    fn empty_and_single_note() {
        assert_eq!(pitch_in_scale_rate(&stream(&[]), Key::C_MAJOR), None);
        assert_eq!(scale_consistency(&stream(&[])), None);
        let one = stream(&[(61, 0, 4)]);
        assert_eq!(pitch_in_scale_rate(&one, Key::C_MAJOR), Some(0.0));
        // C# is in C# major (the first key, in order, that holds it).
        assert_eq!(scale_consistency(&one), Some((1.0, key(1, Mode::Major))));
    }

    #[test]
    fn rates_count_notes_not_durations() {
        // C D E F# (F# is outside C major, inside G major): 3 of 4 in C major.
        let s = stream(&[(60, 0, 1), (62, 1, 1), (64, 2, 1), (66, 3, 20)]);
        assert_eq!(pitch_in_scale_rate(&s, Key::C_MAJOR), Some(0.75));
        assert_eq!(pitch_in_scale_rate(&s, key(7, Mode::Major)), Some(1.0));
        // G major is the first of the 24 with all four.
        assert_eq!(scale_consistency(&s), Some((1.0, key(7, Mode::Major))));
        // A minor = C major's pitch set.
        assert_eq!(pitch_in_scale_rate(&s, Key::A_MINOR), Some(0.75));
    }

    #[test]
    fn chromatic_run_fits_seven_of_twelve() {
        let run: Vec<(u8, u64, u64)> = (0..12).map(|i| (60 + i as u8, i, 1)).collect();
        let (rate, _) = scale_consistency(&stream(&run)).unwrap();
        assert!((rate - 7.0 / 12.0).abs() < 1e-12);
    }

    #[test]
    fn reference_key_defaults_to_c_major() {
        assert_eq!(reference_key(None), Key::C_MAJOR);
        assert_eq!(
            reference_key(Some(key(2, Mode::Minor))),
            key(2, Mode::Minor)
        );
    }
}
