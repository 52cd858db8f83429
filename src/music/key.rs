//! Keys (tonic and mode) and their names.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{MusicError, PitchClass};

/// Major or minor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Mode {
    /// Ionian: whole, whole, half, whole, whole, whole, half.
    Major,
    /// Natural minor (aeolian).
    Minor,
}

impl Mode {
    /// The semitone offsets of the scale degrees from the tonic.
    pub const fn scale_steps(self) -> [u8; 7] {
        match self {
            Mode::Major => [0, 2, 4, 5, 7, 9, 11],
            Mode::Minor => [0, 2, 3, 5, 7, 8, 10],
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Major => "major",
            Mode::Minor => "minor",
        })
    }
}

/// A key: a tonic pitch class and a mode, e.g. A minor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Key {
    /// The home note.
    pub tonic: PitchClass,
    /// Major or minor.
    pub mode: Mode,
}

impl Key {
    /// C major, the key melodies are transposed to before training (with A minor).
    pub const C_MAJOR: Key = Key {
        tonic: PitchClass::wrapping(0),
        mode: Mode::Major,
    };
    /// A minor, the relative minor of C major.
    pub const A_MINOR: Key = Key {
        tonic: PitchClass::wrapping(9),
        mode: Mode::Minor,
    };

    /// Makes a key.
    pub const fn new(tonic: PitchClass, mode: Mode) -> Self {
        Key { tonic, mode }
    }

    /// Whether a pitch class belongs to the key's scale (natural minor for minor keys).
    pub fn contains(&self, pc: PitchClass) -> bool {
        let offset = (pc.get() + 12 - self.tonic.get()) % 12;
        self.mode.scale_steps().contains(&offset)
    }

    /// The twelve pitch classes as a membership mask, index 0 = C.
    pub fn scale_mask(&self) -> [bool; 12] {
        std::array::from_fn(|pc| self.contains(PitchClass::wrapping(pc as i32)))
    }

    /// The key from a MIDI key signature: `sharps_flats` in -7..=7 (negative = flats) and
    /// the minor flag.
    pub fn from_key_signature(sharps_flats: i8, minor: bool) -> Result<Self, MusicError> {
        if !(-7..=7).contains(&sharps_flats) {
            return Err(MusicError::BadKeySignature(sharps_flats));
        }
        // Each sharp moves the major tonic a fifth up (7 semitones).
        let major_tonic = PitchClass::wrapping(i32::from(sharps_flats) * 7);
        Ok(if minor {
            Key::new(
                PitchClass::wrapping(i32::from(major_tonic.get()) + 9),
                Mode::Minor,
            )
        } else {
            Key::new(major_tonic, Mode::Major)
        })
    }

    /// The MIDI key signature for this key: sharps (positive) or flats (negative) in
    /// -6..=5 (Gb major rather than F# major; the spelling with the fewest accidentals otherwise)
    /// and the minor flag.
    pub fn to_key_signature(&self) -> (i8, bool) {
        let major_tonic = match self.mode {
            Mode::Major => self.tonic.get(),
            Mode::Minor => (self.tonic.get() + 3) % 12,
        };
        // sf * 7 = tonic (mod 12)  <=>  sf = tonic * 7 (mod 12), since 7 * 7 = 49 = 1 (mod 12).
        let mut sf = (i32::from(major_tonic) * 7).rem_euclid(12);
        if sf > 5 {
            sf -= 12;
        }
        (sf as i8, self.mode == Mode::Minor)
    }

    /// The semitone shift (in -5..=6) that moves this key's tonic to C (major) or A (minor),
    /// the normalization the papers apply before training.
    pub fn shift_to_c_major_or_a_minor(&self) -> i32 {
        let target = match self.mode {
            Mode::Major => 0,
            Mode::Minor => 9,
        };
        let mut shift = (target - i32::from(self.tonic.get())).rem_euclid(12);
        if shift > 6 {
            shift -= 12;
        }
        shift
    }

    /// The 24 major and minor keys, majors first, tonics from C.
    pub fn all() -> impl Iterator<Item = Key> {
        [Mode::Major, Mode::Minor]
            .into_iter()
            .flat_map(|mode| (0..12).map(move |pc| Key::new(PitchClass::wrapping(pc), mode)))
    }
}

impl fmt::Display for Key {
    /// `C major`, `F# minor`, `Bb major` (flat names for the flat keys).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (sf, _) = self.to_key_signature();
        let name = if sf < 0 {
            self.tonic.flat_name()
        } else {
            self.tonic.sharp_name()
        };
        write!(f, "{name} {}", self.mode)
    }
}

impl FromStr for Key {
    type Err = MusicError;

    /// Parses `C major`, `C:major`, `c:minor`, `F#m`, `Bbmin`, `Am`, `D` (major when no mode).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || MusicError::BadKeyName(s.to_string());
        let text = s.trim();
        let split = text
            .char_indices()
            .skip(1)
            .find(|(_, c)| !matches!(c, '#' | 'b' | '♯' | '♭'))
            .map_or(text.len(), |(i, _)| i);
        let (tonic, mode) = text.split_at(split);
        let tonic: PitchClass = tonic.parse().map_err(|_| bad())?;
        let mode = mode
            .trim_start_matches([':', ' ', '_', '-'])
            .to_ascii_lowercase();
        let mode = match mode.as_str() {
            "" | "maj" | "major" | "ion" | "ionian" => Mode::Major,
            "m" | "min" | "minor" | "aeo" | "aeolian" => Mode::Minor,
            _ => return Err(bad()),
        };
        Ok(Key::new(tonic, mode))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> Key {
        s.parse().unwrap()
    }

    #[test]
    fn key_names_parse() {
        assert_eq!(key("C:major"), Key::C_MAJOR);
        assert_eq!(key("a minor"), Key::A_MINOR);
        assert_eq!(key("Am"), Key::A_MINOR);
        assert_eq!(key("F#m").tonic.get(), 6);
        assert_eq!(key("Bb").tonic.get(), 10);
        assert_eq!(key("Ebmin").mode, Mode::Minor);
        assert!("H major".parse::<Key>().is_err());
        assert!("C dorian".parse::<Key>().is_err());
        assert!("".parse::<Key>().is_err());
    }

    #[test]
    fn key_signatures_round_trip() {
        assert_eq!(Key::from_key_signature(0, false).unwrap(), Key::C_MAJOR);
        assert_eq!(Key::from_key_signature(0, true).unwrap(), Key::A_MINOR);
        assert_eq!(Key::from_key_signature(2, false).unwrap(), key("D major"));
        assert_eq!(Key::from_key_signature(-3, true).unwrap(), key("C minor"));
        assert_eq!(Key::from_key_signature(-1, false).unwrap(), key("F major"));
        assert!(Key::from_key_signature(8, false).is_err());
        for k in Key::all() {
            let (sf, minor) = k.to_key_signature();
            assert_eq!(Key::from_key_signature(sf, minor).unwrap(), k);
            assert!((-6..=5).contains(&sf));
        }
        assert_eq!(key("F major").to_string(), "F major");
        assert_eq!(key("Bb major").to_string(), "Bb major");
        assert_eq!(key("E minor").to_string(), "E minor");
    }

    #[test]
    fn scales_and_normalizing_shift() {
        assert!(Key::C_MAJOR.contains(PitchClass::wrapping(4)));
        assert!(!Key::C_MAJOR.contains(PitchClass::wrapping(6)));
        assert_eq!(Key::A_MINOR.scale_mask(), Key::C_MAJOR.scale_mask());
        assert_eq!(key("G major").shift_to_c_major_or_a_minor(), 5);
        assert_eq!(key("D major").shift_to_c_major_or_a_minor(), -2);
        assert_eq!(key("E minor").shift_to_c_major_or_a_minor(), 5);
        assert_eq!(key("A minor").shift_to_c_major_or_a_minor(), 0);
        assert_eq!(Key::all().count(), 24);
    }
}
