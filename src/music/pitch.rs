//! Pitches, pitch classes and their names in scientific pitch notation (C4 = 60).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::MusicError;

/// A MIDI pitch, 0..=127 (C-1 to G9). Middle C (C4) is 60, A4 (440 Hz) is 69.
///
/// The range is kept by the type: a `Pitch` can only be made through [`Pitch::new`]
/// or [`Pitch::try_from`], which refuse values above 127.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Pitch(u8);

impl Pitch {
    /// The lowest MIDI pitch (C-1).
    pub const MIN: Pitch = Pitch(0);
    /// The highest MIDI pitch (G9).
    pub const MAX: Pitch = Pitch(127);
    /// Middle C, C4.
    pub const MIDDLE_C: Pitch = Pitch(60);
    /// A4, the 440 Hz tuning reference.
    pub const A4: Pitch = Pitch(69);
    /// The lowest key of an 88-key piano (A0).
    pub const PIANO_LOW: Pitch = Pitch(21);
    /// The highest key of an 88-key piano (C8).
    pub const PIANO_HIGH: Pitch = Pitch(108);

    /// Makes a pitch from a MIDI note number, refusing values above 127.
    pub fn new(midi: u8) -> Result<Self, MusicError> {
        if midi <= 127 {
            Ok(Pitch(midi))
        } else {
            Err(MusicError::PitchOutOfRange(i32::from(midi)))
        }
    }

    /// Makes a pitch from any integer, refusing values outside 0..=127.
    pub fn from_i32(midi: i32) -> Result<Self, MusicError> {
        u8::try_from(midi)
            .ok()
            .filter(|m| *m <= 127)
            .map(Pitch)
            .ok_or(MusicError::PitchOutOfRange(midi))
    }

    /// The MIDI note number.
    pub const fn get(self) -> u8 {
        self.0
    }

    /// The pitch class, 0 = C .. 11 = B.
    pub const fn class(self) -> PitchClass {
        PitchClass(self.0 % 12)
    }

    /// The octave in scientific pitch notation (C4 = 60 is octave 4, so MIDI 0 is octave -1).
    pub const fn octave(self) -> i8 {
        (self.0 / 12) as i8 - 1
    }

    /// Whether the pitch is one of the 88 keys of a piano (A0..=C8).
    pub const fn is_piano_key(self) -> bool {
        self.0 >= Self::PIANO_LOW.0 && self.0 <= Self::PIANO_HIGH.0
    }

    /// The pitch moved by `semitones`, or an error if it leaves 0..=127.
    pub fn transposed(self, semitones: i32) -> Result<Self, MusicError> {
        Pitch::from_i32(i32::from(self.0) + semitones)
    }

    /// Frequency in Hz in twelve-tone equal temperament with A4 = 440 Hz.
    pub fn frequency(self) -> f64 {
        440.0 * 2f64.powf((f64::from(self.0) - 69.0) / 12.0)
    }

    /// The name with flats instead of sharps for black keys (e.g. `Bb3`).
    pub fn name_with_flats(self) -> String {
        format!("{}{}", self.class().flat_name(), self.octave())
    }
}

impl TryFrom<u8> for Pitch {
    type Error = MusicError;
    fn try_from(value: u8) -> Result<Self, Self::Error> {
        Pitch::new(value)
    }
}

impl From<Pitch> for u8 {
    fn from(p: Pitch) -> u8 {
        p.0
    }
}

impl fmt::Display for Pitch {
    /// Scientific pitch notation with sharps: `C4`, `F#5`, `C-1`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.class().sharp_name(), self.octave())
    }
}

impl FromStr for Pitch {
    type Err = MusicError;

    /// Parses scientific pitch notation: a letter A-G (either case), any number of
    /// accidentals (`#`/`♯`/`s` sharp, `b`/`♭` flat; `x` double sharp), then an octave
    /// number that may be negative: `C4`, `c#4`, `Db4`, `B#3` (= C4), `Cb4` (= B3), `G9`, `C-1`.
    /// A bare integer 0..=127 is read as a MIDI number.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.trim();
        let bad = || MusicError::BadPitchName(s.to_string());
        if let Ok(n) = text.parse::<i32>() {
            return Pitch::from_i32(n);
        }
        let mut chars = text.chars();
        let letter = chars.next().ok_or_else(bad)?;
        let base = PitchClass::from_letter(letter).ok_or_else(bad)?;
        let rest: String = chars.collect();
        let octave_at = rest
            .find(|c: char| c == '-' || c.is_ascii_digit())
            .ok_or_else(bad)?;
        let (accidentals, octave) = rest.split_at(octave_at);
        let mut shift = 0i32;
        for c in accidentals.chars() {
            shift += match c {
                '#' | '♯' | 's' => 1,
                'x' | '𝄪' => 2,
                'b' | '♭' => -1,
                _ => return Err(bad()),
            };
        }
        let octave: i32 = octave.parse().map_err(|_| bad())?;
        let midi = (octave + 1) * 12 + i32::from(base.get()) + shift;
        Pitch::from_i32(midi).map_err(|_| bad())
    }
}

/// A pitch class, 0 = C, 1 = C#/Db, ..., 11 = B.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct PitchClass(u8);

const SHARP_NAMES: [&str; 12] = [
    "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B",
];
const FLAT_NAMES: [&str; 12] = [
    "C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B",
];

impl PitchClass {
    /// Makes a pitch class, refusing values above 11.
    pub fn new(pc: u8) -> Result<Self, MusicError> {
        if pc < 12 {
            Ok(PitchClass(pc))
        } else {
            Err(MusicError::BadPitchClass(pc))
        }
    }

    /// The pitch class of any integer, wrapped into 0..12 (so -1 is B).
    pub const fn wrapping(n: i32) -> Self {
        PitchClass(n.rem_euclid(12) as u8)
    }

    /// The class as 0..=11.
    pub const fn get(self) -> u8 {
        self.0
    }

    /// The natural pitch class of a note letter (`C`..`B`, either case).
    pub fn from_letter(letter: char) -> Option<Self> {
        let pc = match letter.to_ascii_uppercase() {
            'C' => 0,
            'D' => 2,
            'E' => 4,
            'F' => 5,
            'G' => 7,
            'A' => 9,
            'B' => 11,
            _ => return None,
        };
        Some(PitchClass(pc))
    }

    /// Name with a sharp for black keys (`C#`).
    pub fn sharp_name(self) -> &'static str {
        SHARP_NAMES[usize::from(self.0)]
    }

    /// Name with a flat for black keys (`Db`).
    pub fn flat_name(self) -> &'static str {
        FLAT_NAMES[usize::from(self.0)]
    }

    /// Whether this is a black key on the piano.
    pub const fn is_black_key(self) -> bool {
        matches!(self.0, 1 | 3 | 6 | 8 | 10)
    }
}

impl TryFrom<u8> for PitchClass {
    type Error = MusicError;
    fn try_from(value: u8) -> Result<Self, Self::Error> {
        PitchClass::new(value)
    }
}

impl From<PitchClass> for u8 {
    fn from(pc: PitchClass) -> u8 {
        pc.0
    }
}

impl fmt::Display for PitchClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.sharp_name())
    }
}

impl FromStr for PitchClass {
    type Err = MusicError;
    /// Parses `C`, `F#`, `Bb`, `eb`, ... (letter then accidentals, no octave).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || MusicError::BadPitchName(s.to_string());
        let mut chars = s.trim().chars();
        let base = chars
            .next()
            .and_then(PitchClass::from_letter)
            .ok_or_else(bad)?;
        let mut shift = 0i32;
        for c in chars {
            shift += match c {
                '#' | '♯' | 's' => 1,
                'x' | '𝄪' => 2,
                'b' | '♭' => -1,
                _ => return Err(bad()),
            };
        }
        Ok(PitchClass::wrapping(i32::from(base.0) + shift))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_pitches_have_the_right_numbers() {
        assert_eq!("C4".parse::<Pitch>().unwrap().get(), 60);
        assert_eq!("A0".parse::<Pitch>().unwrap().get(), 21);
        assert_eq!("C8".parse::<Pitch>().unwrap().get(), 108);
        assert_eq!("A4".parse::<Pitch>().unwrap(), Pitch::A4);
        assert_eq!("C-1".parse::<Pitch>().unwrap().get(), 0);
        assert_eq!("G9".parse::<Pitch>().unwrap().get(), 127);
    }

    #[test]
    fn sharps_flats_and_enharmonics_parse() {
        assert_eq!("C#4".parse::<Pitch>().unwrap().get(), 61);
        assert_eq!("Db4".parse::<Pitch>().unwrap().get(), 61);
        assert_eq!("c♯4".parse::<Pitch>().unwrap().get(), 61);
        assert_eq!("B♭3".parse::<Pitch>().unwrap().get(), 58);
        assert_eq!("Cb4".parse::<Pitch>().unwrap().get(), 59);
        assert_eq!("B#3".parse::<Pitch>().unwrap().get(), 60);
        assert_eq!("Fx4".parse::<Pitch>().unwrap().get(), 67);
        assert_eq!("Ebb4".parse::<Pitch>().unwrap().get(), 62);
        assert_eq!("64".parse::<Pitch>().unwrap().get(), 64);
    }

    #[test]
    fn bad_names_are_refused() {
        for bad in [
            "", "H4", "C", "C#", "C4x", "G#9", "Cb-1", "128", "-1", "C 4 4", "#4",
        ] {
            assert!(bad.parse::<Pitch>().is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn names_print_and_parse_back_for_every_pitch() {
        for n in 0..=127u8 {
            let p = Pitch::new(n).unwrap();
            assert_eq!(p.to_string().parse::<Pitch>().unwrap(), p);
            assert_eq!(p.name_with_flats().parse::<Pitch>().unwrap(), p);
        }
        assert_eq!(Pitch::new(61).unwrap().to_string(), "C#4");
        assert_eq!(Pitch::new(61).unwrap().name_with_flats(), "Db4");
        assert_eq!(Pitch::new(0).unwrap().to_string(), "C-1");
    }

    #[test]
    fn range_is_kept() {
        assert!(Pitch::new(128).is_err());
        assert!(Pitch::from_i32(-1).is_err());
        assert!(Pitch::MAX.transposed(1).is_err());
        assert_eq!(Pitch::MIDDLE_C.transposed(-12).unwrap().get(), 48);
        assert!(serde_json::from_str::<Pitch>("200").is_err());
    }

    #[test]
    fn frequency_of_a4_is_440() {
        assert!((Pitch::A4.frequency() - 440.0).abs() < 1e-9);
        assert!((Pitch::new(81).unwrap().frequency() - 880.0).abs() < 1e-9);
    }

    #[test]
    fn pitch_classes() {
        assert_eq!(PitchClass::wrapping(-1).get(), 11);
        assert_eq!("Bb".parse::<PitchClass>().unwrap().get(), 10);
        assert_eq!("Cb".parse::<PitchClass>().unwrap().get(), 11);
        assert!(PitchClass::new(12).is_err());
        assert!(PitchClass::new(6).unwrap().is_black_key());
    }
}
