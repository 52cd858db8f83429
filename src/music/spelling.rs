//! Spelling pitches as written notes (letter, alteration, octave) for a key, and the
//! accidentals a bar of written notes needs: what the score exports (ABC, MusicXML) share.
//!
//! # Spelling rule
//! - A pitch class of the key's scale takes its letter from the key signature (F# in D major,
//!   Cb in Gb major).
//! - In a minor key, the raised sixth and seventh degrees raise the scale's letter (G# in
//!   A minor, C# in D minor, E# in F# minor).
//! - Any other pitch class: its natural letter when it is a white key, otherwise a sharp in
//!   keys with sharps or no signature and a flat in keys with flats.

use super::{Key, Mode, Pitch};

/// The seven note letters from C.
pub const LETTERS: [char; 7] = ['C', 'D', 'E', 'F', 'G', 'A', 'B'];

/// The pitch class of each natural letter of [`LETTERS`].
const NATURAL_CLASSES: [i32; 7] = [0, 2, 4, 5, 7, 9, 11];

/// Letters in the order sharps are added to key signatures (F C G D A E B), as indices into
/// [`LETTERS`]; flats come in the reverse order.
const SHARP_ORDER: [usize; 7] = [3, 0, 4, 1, 5, 2, 6];

/// A written note: a letter, an alteration and an octave in scientific pitch notation
/// (C4 = middle C; B#3 sounds as C4 and Cb4 as B3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SpelledPitch {
    /// Index of the letter in [`LETTERS`] (0 = C .. 6 = B).
    pub letter: usize,
    /// Semitones away from the natural letter: -2..=2 (flats negative).
    pub alter: i8,
    /// The octave of the letter (the written octave).
    pub octave: i32,
}

impl SpelledPitch {
    /// The letter as an upper-case character.
    pub fn letter_char(&self) -> char {
        LETTERS[self.letter % 7]
    }

    /// The MIDI number this spelling sounds.
    pub fn midi(&self) -> i32 {
        (self.octave + 1) * 12 + NATURAL_CLASSES[self.letter % 7] + i32::from(self.alter)
    }
}

impl std::fmt::Display for SpelledPitch {
    /// Scientific pitch notation with ASCII accidentals: `Bb4`, `F#5`, `Cx4`, `Ebb3`, `C-1`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let accidental = match self.alter {
            -2 => "bb",
            -1 => "b",
            1 => "#",
            2 => "x",
            _ => "",
        };
        write!(f, "{}{accidental}{}", self.letter_char(), self.octave)
    }
}

/// The name of `pitch` as a musician reads it in `key` (`Bb4` in F major, `A#4` in B minor),
/// or with sharps when there is no key.
pub fn pitch_name(pitch: Pitch, key: Option<Key>) -> String {
    match key {
        Some(key) => spell(pitch, key).to_string(),
        None => pitch.to_string(),
    }
}

/// A key signature as alterations of the seven letters: the sharps or flats of a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeySignature {
    /// Sharps (positive) or flats (negative), -7..=7.
    pub fifths: i8,
    /// The alteration of each letter of [`LETTERS`] under this signature.
    pub alters: [i8; 7],
}

impl KeySignature {
    /// The signature of a key (the one [`Key::to_key_signature`] gives, -6..=5).
    pub fn of(key: Key) -> Self {
        KeySignature::from_fifths(key.to_key_signature().0)
    }

    /// The signature with `fifths` sharps (positive) or flats (negative), clamped to -7..=7.
    pub fn from_fifths(fifths: i8) -> Self {
        let fifths = fifths.clamp(-7, 7);
        let mut alters = [0i8; 7];
        if fifths >= 0 {
            for &letter in SHARP_ORDER.iter().take(fifths.unsigned_abs().into()) {
                alters[letter] = 1;
            }
        } else {
            for &letter in SHARP_ORDER.iter().rev().take(fifths.unsigned_abs().into()) {
                alters[letter] = -1;
            }
        }
        KeySignature { fifths, alters }
    }
}

/// Spells `pitch` for `key` by the rule of the module documentation.
pub fn spell(pitch: Pitch, key: Key) -> SpelledPitch {
    let signature = KeySignature::of(key);
    let midi = i32::from(pitch.get());
    let pc = midi.rem_euclid(12);
    let with = |letter: usize, alter: i8| {
        let natural = midi - i32::from(alter);
        SpelledPitch {
            letter,
            alter,
            octave: natural.div_euclid(12) - 1,
        }
    };
    // A degree of the key's scale: the letter whose altered class is this one.
    if let Some(letter) =
        (0..7).find(|&l| (NATURAL_CLASSES[l] + i32::from(signature.alters[l])).rem_euclid(12) == pc)
    {
        return with(letter, signature.alters[letter]);
    }
    let from_tonic = (pc - i32::from(key.tonic.get())).rem_euclid(12);
    if key.mode == Mode::Minor && (from_tonic == 9 || from_tonic == 11) {
        // The raised sixth or seventh: the scale letter a semitone below, raised.
        let below = (pc - 1).rem_euclid(12);
        if let Some(letter) = (0..7).find(|&l| {
            (NATURAL_CLASSES[l] + i32::from(signature.alters[l])).rem_euclid(12) == below
        }) {
            return with(letter, signature.alters[letter] + 1);
        }
    }
    if let Some(letter) = NATURAL_CLASSES.iter().position(|&c| c == pc) {
        return with(letter, 0);
    }
    if signature.fifths >= 0 {
        let letter = NATURAL_CLASSES
            .iter()
            .position(|&c| c == pc - 1)
            .unwrap_or(0);
        with(letter, 1)
    } else {
        let letter = NATURAL_CLASSES
            .iter()
            .position(|&c| c == (pc + 1) % 12)
            .unwrap_or(0);
        with(letter, -1)
    }
}

/// Which written notes of one bar need an accidental sign: a note needs one when its
/// alteration differs from what a reader would assume there, either from the key signature and
/// the accidentals earlier in the bar on the same letter in any octave (ABC 2.1's default and
/// abc2midi's), or on the same letter and octave (common notation). Call [`Self::new_bar`] at
/// every bar line.
#[derive(Clone, Debug)]
pub struct BarAccidentals {
    signature: KeySignature,
    /// The alteration in force on each letter after the accidentals of this bar, any octave.
    by_letter: [Option<i8>; 7],
    /// The accidentals of this bar on (letter, octave).
    by_position: Vec<(usize, i32, i8)>,
}

impl BarAccidentals {
    /// Starts with no accidentals under `signature`.
    pub fn new(signature: KeySignature) -> Self {
        BarAccidentals {
            signature,
            by_letter: [None; 7],
            by_position: Vec::new(),
        }
    }

    /// Forgets the accidentals of the bar that ended.
    pub fn new_bar(&mut self) {
        self.by_letter = [None; 7];
        self.by_position.clear();
    }

    /// Whether `note`, written next in this bar, needs its accidental shown; records it.
    pub fn needs_sign(&mut self, note: SpelledPitch) -> bool {
        let letter = note.letter % 7;
        let key_alter = self.signature.alters[letter];
        let by_letter = self.by_letter[letter].unwrap_or(key_alter);
        let by_position = self
            .by_position
            .iter()
            .rev()
            .find(|(l, o, _)| *l == letter && *o == note.octave)
            .map_or(key_alter, |(_, _, a)| *a);
        let needed = note.alter != by_letter || note.alter != by_position;
        if needed {
            self.by_letter[letter] = Some(note.alter);
            self.by_position.push((letter, note.octave, note.alter));
        }
        needed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(p: u8, key: &str) -> String {
        let s = spell(Pitch::new(p).unwrap(), key.parse().unwrap());
        let acc = match s.alter {
            -2 => "bb",
            -1 => "b",
            1 => "#",
            2 => "x",
            _ => "",
        };
        format!("{}{acc}{}", s.letter_char(), s.octave)
    }

    #[test]
    fn scale_degrees_follow_the_key_signature() {
        assert_eq!(name(66, "D major"), "F#4");
        assert_eq!(name(70, "F major"), "Bb4");
        assert_eq!(name(71, "Gb major"), "Cb5");
        assert_eq!(name(60, "C major"), "C4");
        assert_eq!(name(63, "C minor"), "Eb4");
    }

    #[test]
    fn minor_keys_raise_the_sixth_and_seventh() {
        assert_eq!(name(68, "A minor"), "G#4");
        assert_eq!(name(61, "D minor"), "C#4");
        assert_eq!(name(65, "F# minor"), "E#4");
        assert_eq!(name(67, "G# minor"), "Fx4");
        assert_eq!(name(64, "G minor"), "E4");
    }

    #[test]
    fn chromatic_notes_follow_the_signature_direction() {
        assert_eq!(name(61, "C major"), "C#4");
        assert_eq!(name(61, "F major"), "Db4");
        assert_eq!(name(65, "G major"), "F4");
        for key in Key::all() {
            for p in 0..128u8 {
                let s = spell(Pitch::new(p).unwrap(), key);
                assert_eq!(s.midi(), i32::from(p), "{p} in {key}");
            }
        }
    }

    #[test]
    fn accidentals_hold_until_the_bar_line() {
        let key: Key = "G major".parse().unwrap();
        let mut bar = BarAccidentals::new(KeySignature::of(key));
        let s = |p: u8| spell(Pitch::new(p).unwrap(), key);
        assert!(!bar.needs_sign(s(66))); // F# is in the key
        assert!(bar.needs_sign(s(65))); // F natural
        assert!(!bar.needs_sign(s(65))); // still natural
        assert!(bar.needs_sign(s(78))); // F#5 after an F natural in the bar
        assert!(bar.needs_sign(s(66))); // F#4: back to sharp, shown
        bar.new_bar();
        assert!(!bar.needs_sign(s(66)));
        assert!(bar.needs_sign(s(65)));
        assert_eq!(
            KeySignature::from_fifths(-2).alters,
            [0, 0, -1, 0, 0, 0, -1]
        );
    }

    #[test]
    fn pitch_names_follow_the_key() {
        let key = |text: &str| text.parse::<Key>().unwrap();
        let pitch = |midi| Pitch::new(midi).unwrap();
        assert_eq!(pitch_name(pitch(70), Some(key("F major"))), "Bb4");
        assert_eq!(pitch_name(pitch(70), Some(key("B minor"))), "A#4");
        assert_eq!(pitch_name(pitch(70), None), "A#4");
        assert_eq!(pitch_name(pitch(63), Some(key("C minor"))), "Eb4");
        assert_eq!(pitch_name(pitch(59), Some(key("Gb major"))), "Cb4");
        assert_eq!(pitch_name(pitch(60), Some(key("C major"))), "C4");
        assert_eq!(pitch_name(pitch(0), Some(key("C major"))), "C-1");
    }
}
