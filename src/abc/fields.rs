//! The values of the information fields that change how notes sound: `M:` (meter), `L:` (unit
//! note length), `K:` (key) and `Q:` (tempo).

use std::fmt;

use crate::music::{Key, Mode, PitchClass, TimeSignature};

use super::ratio::Ratio;

/// A problem reading a field value, turned into [`super::AbcProblem::BadField`] by the caller.
pub(crate) type FieldResult<T> = Result<T, String>;

/// A meter (`M:`): its length in whole notes and, where MIDI can express it, a time signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Meter {
    /// The bar length in whole notes; `None` for `M:none` (free meter).
    pub(crate) bar: Option<Ratio>,
    /// The time signature, when the denominator is a power of two up to 64.
    pub(crate) signature: Option<TimeSignature>,
}

impl Meter {
    /// Free meter (`M:none`), the default when no `M:` is given.
    pub(crate) const FREE: Meter = Meter {
        bar: None,
        signature: None,
    };

    /// The default unit note length for this meter (ABC 2.1 §3.1.7): a sixteenth when the
    /// meter is below 3/4, an eighth otherwise and for free meter.
    pub(crate) fn default_unit(&self) -> Ratio {
        match self.bar {
            Some(bar) if bar.num() * 4 < bar.den() * 3 => Ratio::new(1, 16),
            _ => Ratio::new(1, 8),
        }
    }

    /// Whether the meter is compound (6/8, 9/8, 12/8...), which changes the default of the
    /// tuplets `(5`, `(7` and `(9`.
    pub(crate) fn is_compound(&self) -> bool {
        self.signature
            .is_some_and(|s| s.numerator() % 3 == 0 && s.numerator() > 3)
    }
}

/// Parses an `M:` value: `3/4`, `6/8`, `C` (4/4), `C|` (2/2), `2+3/8`, `none`.
pub(crate) fn parse_meter(value: &str) -> FieldResult<Meter> {
    let text = value.trim();
    match text {
        "" | "none" | "None" | "NONE" => return Ok(Meter::FREE),
        "C" => return meter_from(4, 4),
        "C|" => return meter_from(2, 2),
        _ => {}
    }
    let (num, den) = text
        .split_once('/')
        .ok_or_else(|| "expected a fraction such as 3/4, C or none".to_string())?;
    let num_text = num.trim().trim_start_matches('(').trim_end_matches(')');
    let mut total = 0u32;
    for part in num_text.split('+') {
        let n: u32 = part
            .trim()
            .parse()
            .map_err(|_| format!("{:?} is not a number", part.trim()))?;
        total = total.saturating_add(n);
    }
    let den: u32 = den
        .trim()
        .parse()
        .map_err(|_| format!("{:?} is not a number", den.trim()))?;
    if total == 0 || den == 0 {
        return Err("numerator and denominator must be positive".to_string());
    }
    meter_from(total, den)
}

fn meter_from(num: u32, den: u32) -> FieldResult<Meter> {
    let signature = match (u8::try_from(num), u8::try_from(den)) {
        (Ok(n), Ok(d)) => TimeSignature::new(n, d).ok(),
        _ => None,
    };
    Ok(Meter {
        bar: Some(Ratio::new(u128::from(num), u128::from(den))),
        signature,
    })
}

/// Parses an `L:` value: `1/8`, `1/16`, `1` (a whole note).
pub(crate) fn parse_unit_length(value: &str) -> FieldResult<Ratio> {
    let text = value.trim();
    let (num, den) = text.split_once('/').unwrap_or((text, "1"));
    let num: u32 = num
        .trim()
        .parse()
        .map_err(|_| "expected a fraction such as 1/8".to_string())?;
    let den: u32 = den
        .trim()
        .parse()
        .map_err(|_| "expected a fraction such as 1/8".to_string())?;
    if num == 0 || den == 0 {
        return Err("the unit length must be positive".to_string());
    }
    Ok(Ratio::new(u128::from(num), u128::from(den)))
}

/// Parses a `Q:` value into microseconds per quarter note. `unit` (the `L:` length) is the
/// beat of the old form `Q:120`. Text-only tempos (`Q:"Allegro"`) give `Ok(None)`.
pub(crate) fn parse_tempo(value: &str, unit: Ratio) -> FieldResult<Option<u32>> {
    // Drop quoted text such as "Allegro".
    let mut text = String::new();
    let mut quoted = false;
    for c in value.chars() {
        if c == '"' {
            quoted = !quoted;
        } else if !quoted {
            text.push(c);
        }
    }
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let (beat, bpm) = match text.split_once('=') {
        Some((beats, bpm)) => {
            let mut beat = Ratio::ZERO;
            for part in beats.split_whitespace() {
                beat = beat + parse_unit_length(part)?;
            }
            if beat.is_zero() {
                // `Q:C=120` and other old forms: the beat is the unit length.
                beat = unit;
            }
            (beat, bpm.trim())
        }
        None => (unit, text),
    };
    let bpm: f64 = bpm
        .parse()
        .map_err(|_| format!("{bpm:?} is not a number of beats per minute"))?;
    if !(bpm.is_finite() && bpm > 0.0) {
        return Err("the tempo must be positive".to_string());
    }
    let quarters_per_beat = beat.num() as f64 * 4.0 / beat.den() as f64;
    let micros = 60_000_000.0 / (bpm * quarters_per_beat);
    Ok(Some(micros.round().clamp(1.0, 16_777_215.0) as u32))
}

/// The seven modes of `K:`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AbcMode {
    /// Major.
    Ionian,
    /// Major with a flat seventh.
    Mixolydian,
    /// Minor with a raised sixth.
    Dorian,
    /// Natural minor.
    Aeolian,
    /// Minor with a flat second.
    Phrygian,
    /// Major with a raised fourth.
    Lydian,
    /// Diminished fifth and flat second.
    Locrian,
}

impl AbcMode {
    /// Sharps added to the major signature of the same tonic (G mixolydian has C major's
    /// signature: one sharp fewer than G major).
    const fn signature_offset(self) -> i32 {
        match self {
            AbcMode::Lydian => 1,
            AbcMode::Ionian => 0,
            AbcMode::Mixolydian => -1,
            AbcMode::Dorian => -2,
            AbcMode::Aeolian => -3,
            AbcMode::Phrygian => -4,
            AbcMode::Locrian => -5,
        }
    }

    /// Major-like (ionian, mixolydian, lydian) or minor-like (the others).
    pub const fn major_or_minor(self) -> Mode {
        match self {
            AbcMode::Ionian | AbcMode::Mixolydian | AbcMode::Lydian => Mode::Major,
            _ => Mode::Minor,
        }
    }

    fn from_word(word: &str) -> Option<AbcMode> {
        let lower = word.to_ascii_lowercase();
        if lower == "m" {
            return Some(AbcMode::Aeolian);
        }
        // ABC reads only the first three letters, in any case.
        let prefix: String = lower.chars().take(3).collect();
        Some(match prefix.as_str() {
            "maj" | "ion" => AbcMode::Ionian,
            "min" | "aeo" => AbcMode::Aeolian,
            "mix" => AbcMode::Mixolydian,
            "dor" => AbcMode::Dorian,
            "phr" => AbcMode::Phrygian,
            "lyd" => AbcMode::Lydian,
            "loc" => AbcMode::Locrian,
            _ => return None,
        })
    }
}

/// A key as written in `K:`: tonic, mode and the resulting alteration of each note letter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AbcKey {
    /// The tonic's pitch class.
    pub tonic: PitchClass,
    /// The mode as written (`K:Gdor` is G dorian).
    pub mode: AbcMode,
    /// The signature in sharps (positive) or flats (negative) before any explicit accidentals
    /// of the `K:` line; may exceed ±7 for exotic keys such as G# major.
    pub sharps: i32,
    /// Semitones added to each letter, index 0 = C .. 6 = B, explicit accidentals included.
    pub alterations: [i8; 7],
}

impl AbcKey {
    /// The key as a [`Key`]: the same tonic, major for the major-like modes (ionian,
    /// mixolydian, lydian) and minor for the others. The mode written in ABC is often not the
    /// mode of the music (the Essen files write minor tunes under a major `K:` with explicit
    /// accidentals), so treat this as what the file declares, not as an analysis.
    pub fn to_key(&self) -> Key {
        Key::new(self.tonic, self.mode.major_or_minor())
    }
}

impl fmt::Display for AbcKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {:?}", self.tonic, self.mode)
    }
}

/// Letter order C D E F G A B as indices 0..7; their positions on the circle of fifths.
const FIFTHS: [i32; 7] = [0, 2, 4, -1, 1, 3, 5];
/// Natural pitch classes of the letters C D E F G A B.
pub(crate) const LETTER_SEMITONES: [i32; 7] = [0, 2, 4, 5, 7, 9, 11];

/// The letter index 0..7 (C..B) of an upper- or lower-case note letter.
pub(crate) fn letter_index(c: char) -> Option<usize> {
    "CDEFGAB".find(c.to_ascii_uppercase())
}

/// The alteration of each letter under a signature of `sharps` (negative: flats). Sharps are
/// added in the order F C G D A E B, flats in the order B E A D G C F, wrapping around
/// (double sharps) beyond seven.
pub(crate) fn signature_alterations(sharps: i32) -> [i8; 7] {
    let mut alterations = [0i8; 7];
    // A letter is sharpened once for every step of the circle of fifths it lies below
    // `sharps`: F (-1) is the first sharp, so it is sharp from one sharp on.
    for (letter, fifth) in FIFTHS.iter().enumerate() {
        let a = if sharps > 0 {
            // Sharps: F (fifth -1) at 1, C (0) at 2, ... B (5) at 7, F again at 8.
            (sharps - (fifth + 2)).div_euclid(7) + 1
        } else if sharps < 0 {
            // Flats: B (fifth 5) at -1, E (4) at -2, ... F (-1) at -7.
            -((-sharps - (6 - fifth)).div_euclid(7) + 1)
        } else {
            0
        };
        alterations[letter] = a.clamp(-2, 2) as i8;
    }
    alterations
}

/// What a `K:` field says about the key signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyField {
    /// A key with its signature.
    Key(AbcKey),
    /// No key signature: `K:none` or `K:HP`.
    NoKey,
    /// Only a clef or other settings (`K:clef=bass`, an empty `K:`): the key is unchanged.
    Unchanged,
}

/// Parses a `K:` value: `G`, `Am`, `F#m`, `Bb`, `D dorian`, `Gmix`, `Ador ^c`, `D =c`,
/// `none`, `HP`, `Hp`, with clef and other `name=value` settings ignored.
pub(crate) fn parse_key(value: &str) -> FieldResult<KeyField> {
    let mut words = value.split_whitespace().peekable();
    let Some(first) = words.peek().copied() else {
        return Ok(KeyField::Unchanged);
    };
    match first {
        "none" | "HP" => return Ok(KeyField::NoKey),
        // Highland pipes: F sharp and C sharp, D major's signature.
        "Hp" => return Ok(KeyField::Key(key_from(1, 0, AbcMode::Ionian))),
        _ => {}
    }
    let mut chars = first.chars();
    let Some(letter) = chars.next().filter(|c| matches!(c, 'A'..='G')) else {
        return if is_setting_or_clef(first) {
            Ok(KeyField::Unchanged)
        } else {
            Err(format!("{first:?} is not a key such as G, Am or D dorian"))
        };
    };
    words.next();
    let rest: String = chars.collect();
    let (accidental, mode_text) = match rest.chars().next() {
        Some('#') => (1, &rest[1..]),
        Some('b') => (-1, &rest[1..]),
        _ => (0, rest.as_str()),
    };
    let mode = if mode_text.is_empty() {
        // The mode may be a separate word: `K:G minor`.
        match words.peek().and_then(|w| AbcMode::from_word(w)) {
            Some(m) => {
                words.next();
                m
            }
            None => AbcMode::Ionian,
        }
    } else {
        AbcMode::from_word(mode_text)
            .ok_or_else(|| format!("{mode_text:?} is not a mode (maj, m, dor, mix, ...)"))?
    };
    let letter = letter_index(letter).unwrap_or(0);
    let mut key = key_from(letter, accidental, mode);
    for word in words {
        if word.eq_ignore_ascii_case("exp") {
            // Only the accidentals listed after `exp` apply.
            key.alterations = [0; 7];
        } else if let Some((letter, alteration)) = parse_key_accidental(word) {
            key.alterations[letter] = alteration;
        } else if !is_setting_or_clef(word) {
            return Err(format!("{word:?} is not an accidental or a clef setting"));
        }
    }
    Ok(KeyField::Key(key))
}

fn key_from(letter: usize, accidental: i32, mode: AbcMode) -> AbcKey {
    let sharps = FIFTHS[letter] + 7 * accidental + mode.signature_offset();
    let tonic = PitchClass::wrapping(LETTER_SEMITONES[letter] + accidental);
    AbcKey {
        tonic,
        mode,
        sharps,
        alterations: signature_alterations(sharps),
    }
}

/// `^f`, `_b`, `=c`, `^^f`, `__b` in a `K:` line.
fn parse_key_accidental(word: &str) -> Option<(usize, i8)> {
    let (alteration, letter) = if let Some(rest) = word.strip_prefix("^^") {
        (2, rest)
    } else if let Some(rest) = word.strip_prefix("__") {
        (-2, rest)
    } else if let Some(rest) = word.strip_prefix('^') {
        (1, rest)
    } else if let Some(rest) = word.strip_prefix('_') {
        (-1, rest)
    } else if let Some(rest) = word.strip_prefix('=') {
        (0, rest)
    } else {
        return None;
    };
    let mut chars = letter.chars();
    let index = chars.next().and_then(letter_index)?;
    chars.next().is_none().then_some((index, alteration))
}

/// Clef names and `name=value` settings that may follow the key (ignored by this reader).
fn is_setting_or_clef(word: &str) -> bool {
    word.contains('=')
        || matches!(
            word.to_ascii_lowercase()
                .trim_end_matches(|c: char| c.is_ascii_digit() || c == '+' || c == '-'),
            "treble"
                | "bass"
                | "alto"
                | "tenor"
                | "baritone"
                | "soprano"
                | "mezzosoprano"
                | "perc"
                | "none"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> AbcKey {
        match parse_key(s).unwrap() {
            KeyField::Key(k) => k,
            other => panic!("{s:?} gave {other:?}"),
        }
    }

    #[test]
    fn meters_parse() {
        let m = parse_meter("3/4").unwrap();
        assert_eq!(m.bar, Some(Ratio::new(3, 4)));
        assert_eq!(m.signature, Some(TimeSignature::new(3, 4).unwrap()));
        assert_eq!(
            parse_meter("C").unwrap().signature,
            TimeSignature::new(4, 4).ok()
        );
        assert_eq!(
            parse_meter("C|").unwrap().signature,
            TimeSignature::new(2, 2).ok()
        );
        assert_eq!(parse_meter(" 2+3/8 ").unwrap().bar, Some(Ratio::new(5, 8)));
        assert_eq!(parse_meter("none").unwrap(), Meter::FREE);
        // 3/5 has a bar length but no MIDI time signature.
        let odd = parse_meter("3/5").unwrap();
        assert_eq!((odd.bar, odd.signature), (Some(Ratio::new(3, 5)), None));
        assert!(parse_meter("x/4").is_err());
        assert!(parse_meter("0/4").is_err());
        assert!(parse_meter("waltz").is_err());
    }

    #[test]
    fn default_unit_follows_the_meter() {
        // 2/4 = 0.5 < 0.75: sixteenths; 3/4 = 0.75: eighths.
        assert_eq!(
            parse_meter("2/4").unwrap().default_unit(),
            Ratio::new(1, 16)
        );
        assert_eq!(parse_meter("3/4").unwrap().default_unit(), Ratio::new(1, 8));
        assert_eq!(parse_meter("6/8").unwrap().default_unit(), Ratio::new(1, 8));
        assert_eq!(Meter::FREE.default_unit(), Ratio::new(1, 8));
        assert!(parse_meter("6/8").unwrap().is_compound());
        assert!(!parse_meter("3/8").unwrap().is_compound());
    }

    #[test]
    fn unit_lengths_parse() {
        assert_eq!(parse_unit_length("1/16").unwrap(), Ratio::new(1, 16));
        assert_eq!(parse_unit_length("1").unwrap(), Ratio::ONE);
        assert!(parse_unit_length("1/0").is_err());
        assert!(parse_unit_length("eighth").is_err());
    }

    #[test]
    fn tempos_parse() {
        let eighth = Ratio::new(1, 8);
        assert_eq!(parse_tempo("1/4=120", eighth).unwrap(), Some(500_000));
        // A dotted quarter at 60: 1.5 quarters per beat, so 90 quarters a minute.
        assert_eq!(parse_tempo("3/8=60", eighth).unwrap(), Some(666_667));
        assert_eq!(
            parse_tempo("\"Allegro\" 1/4=100", eighth).unwrap(),
            Some(600_000)
        );
        // The old form counts unit lengths: 240 eighths a minute = 120 quarters.
        assert_eq!(parse_tempo("240", eighth).unwrap(), Some(500_000));
        assert_eq!(parse_tempo("1/8 1/8=60", eighth).unwrap(), Some(1_000_000));
        assert_eq!(parse_tempo("\"Slowly\"", eighth).unwrap(), None);
        assert!(parse_tempo("1/4=fast", eighth).is_err());
        assert!(parse_tempo("1/4=0", eighth).is_err());
    }

    #[test]
    fn signatures_follow_the_circle_of_fifths() {
        // C D E F G A B
        assert_eq!(signature_alterations(0), [0; 7]);
        assert_eq!(signature_alterations(1), [0, 0, 0, 1, 0, 0, 0]);
        assert_eq!(signature_alterations(2), [1, 0, 0, 1, 0, 0, 0]);
        assert_eq!(signature_alterations(7), [1; 7]);
        // G# major: F double sharp, every other letter sharp.
        assert_eq!(signature_alterations(8), [1, 1, 1, 2, 1, 1, 1]);
        assert_eq!(signature_alterations(-1), [0, 0, 0, 0, 0, 0, -1]);
        assert_eq!(signature_alterations(-3), [0, 0, -1, 0, 0, -1, -1]);
        assert_eq!(signature_alterations(-7), [-1; 7]);
    }

    #[test]
    fn keys_and_modes_parse() {
        let g = key("G");
        assert_eq!((g.tonic.get(), g.mode, g.sharps), (7, AbcMode::Ionian, 1));
        assert_eq!(key("Am").sharps, 0);
        assert_eq!(key("Am").to_key(), Key::A_MINOR);
        assert_eq!(key("A minor").sharps, 0);
        assert_eq!(key("F#m").sharps, 3);
        assert_eq!(key("Bb").sharps, -2);
        assert_eq!(key("Bb").tonic.get(), 10);
        assert_eq!(key("Dmin").sharps, -1);
        assert_eq!(key("Gdor").sharps, -1);
        assert_eq!(key("Gdor").to_key().mode, Mode::Minor);
        assert_eq!(key("Gdor").to_key().tonic.get(), 7);
        assert_eq!(key("D Mixolydian").sharps, 1);
        assert_eq!(key("Emix").to_key(), "E major".parse().unwrap());
        assert_eq!(key("F lydian").sharps, 0);
        assert_eq!(key("B loc").sharps, 0);
        assert_eq!(key("E phr").sharps, 0);
        assert_eq!(key("C# major").sharps, 7);
        assert_eq!(key("G clef=bass").sharps, 1);
        // Explicit accidentals: D major with C natural (D mixolydian by another name).
        assert_eq!(key("D =c").alterations, [0, 0, 0, 1, 0, 0, 0]);
        assert_eq!(key("D exp ^f").alterations, [0, 0, 0, 1, 0, 0, 0]);
        assert_eq!(key("C ^f _b").alterations, [0, 0, 0, 1, 0, 0, -1]);
        assert_eq!(key("Hp").alterations, [1, 0, 0, 1, 0, 0, 0]);
        assert_eq!(parse_key("none").unwrap(), KeyField::NoKey);
        assert_eq!(parse_key("").unwrap(), KeyField::Unchanged);
        assert_eq!(parse_key("clef=treble").unwrap(), KeyField::Unchanged);
        assert_eq!(parse_key("bass").unwrap(), KeyField::Unchanged);
        assert!(parse_key("H").is_err());
        assert!(parse_key("Gxyz").is_err());
        assert!(parse_key("G ^h").is_err());
    }
}
