//! Pieces: parts of notes on a timeline with a tempo map, time and key signatures.

use serde::{Deserialize, Serialize};

use super::{Key, MusicError, Note, Tick};

/// The default resolution of pieces made in the studio: 480 ticks per quarter note.
pub const DEFAULT_TICKS_PER_QUARTER: u16 = 480;

/// The MIDI default tempo, 120 beats per minute (500,000 microseconds per quarter note).
pub const DEFAULT_MICROS_PER_QUARTER: u32 = 500_000;

/// A tempo change: from `tick` on, a quarter note lasts `micros_per_quarter` microseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TempoChange {
    /// Where the tempo takes effect.
    pub tick: Tick,
    /// Microseconds per quarter note, 1..=16,777,215 (MIDI's 24-bit range).
    pub micros_per_quarter: u32,
}

impl TempoChange {
    /// The tempo in quarter-note beats per minute.
    pub fn bpm(&self) -> f64 {
        60_000_000.0 / f64::from(self.micros_per_quarter)
    }
}

/// The tempo over time: a list of changes sorted by tick whose first entry is at tick 0.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "Vec<TempoChange>", into = "Vec<TempoChange>")]
pub struct TempoMap {
    changes: Vec<TempoChange>,
}

impl Default for TempoMap {
    fn default() -> Self {
        TempoMap {
            changes: vec![TempoChange {
                tick: 0,
                micros_per_quarter: DEFAULT_MICROS_PER_QUARTER,
            }],
        }
    }
}

impl TempoMap {
    /// A single tempo for the whole piece.
    pub fn constant(micros_per_quarter: u32) -> Result<Self, MusicError> {
        TempoMap::new(vec![TempoChange {
            tick: 0,
            micros_per_quarter,
        }])
    }

    /// A single tempo in beats per minute (clamped to MIDI's representable range).
    pub fn from_bpm(bpm: f64) -> Self {
        let micros = (60_000_000.0 / bpm.max(1e-3))
            .round()
            .clamp(1.0, 16_777_215.0) as u32;
        TempoMap {
            changes: vec![TempoChange {
                tick: 0,
                micros_per_quarter: micros,
            }],
        }
    }

    /// Builds a map from changes in any order. The changes are sorted; when several share a
    /// tick the last one given wins; if none is at tick 0 the MIDI default (120 BPM) is put
    /// there. Refuses a tempo of 0 or above 16,777,215 microseconds per quarter.
    pub fn new(mut changes: Vec<TempoChange>) -> Result<Self, MusicError> {
        if let Some(bad) = changes
            .iter()
            .find(|c| c.micros_per_quarter == 0 || c.micros_per_quarter > 0xFF_FFFF)
        {
            return Err(MusicError::BadTempo(bad.micros_per_quarter));
        }
        // Stable sort keeps the given order among equal ticks; keep the last of each tick.
        changes.sort_by_key(|c| c.tick);
        let mut deduped: Vec<TempoChange> = Vec::with_capacity(changes.len() + 1);
        for c in changes {
            match deduped.last_mut() {
                Some(last) if last.tick == c.tick => *last = c,
                _ => deduped.push(c),
            }
        }
        if deduped.first().is_none_or(|c| c.tick != 0) {
            deduped.insert(
                0,
                TempoChange {
                    tick: 0,
                    micros_per_quarter: DEFAULT_MICROS_PER_QUARTER,
                },
            );
        }
        Ok(TempoMap { changes: deduped })
    }

    /// The changes, sorted, the first at tick 0.
    pub fn changes(&self) -> &[TempoChange] {
        &self.changes
    }

    /// The tempo in effect at `tick`.
    pub fn at(&self, tick: Tick) -> TempoChange {
        let i = self.changes.partition_point(|c| c.tick <= tick);
        self.changes[i.saturating_sub(1)]
    }

    /// The tempo at the start, in beats per minute.
    pub fn initial_bpm(&self) -> f64 {
        self.changes[0].bpm()
    }

    /// Seconds from the start of the piece to `tick`, honouring every tempo change.
    pub fn seconds_at(&self, tick: Tick, ticks_per_quarter: u16) -> f64 {
        let tpq = f64::from(ticks_per_quarter.max(1));
        let mut seconds = 0.0;
        for (i, change) in self.changes.iter().enumerate() {
            if change.tick >= tick {
                break;
            }
            let segment_end = self
                .changes
                .get(i + 1)
                .map_or(tick, |next| next.tick.min(tick));
            let ticks = (segment_end - change.tick) as f64;
            seconds += ticks / tpq * f64::from(change.micros_per_quarter) / 1e6;
        }
        seconds
    }

    /// The (fractional) tick reached after `seconds`, the inverse of [`TempoMap::seconds_at`].
    pub fn tick_at_seconds(&self, seconds: f64, ticks_per_quarter: u16) -> f64 {
        let tpq = f64::from(ticks_per_quarter.max(1));
        let mut elapsed = 0.0;
        for (i, change) in self.changes.iter().enumerate() {
            let ticks_per_second = tpq * 1e6 / f64::from(change.micros_per_quarter);
            if let Some(next) = self.changes.get(i + 1) {
                let span = (next.tick - change.tick) as f64 / ticks_per_second;
                if elapsed + span > seconds {
                    return change.tick as f64 + (seconds - elapsed) * ticks_per_second;
                }
                elapsed += span;
            } else {
                return change.tick as f64 + (seconds - elapsed) * ticks_per_second;
            }
        }
        0.0
    }

    /// The map with every tick multiplied by `num / den` (for changing resolution).
    pub fn rescaled(&self, num: u64, den: u64) -> TempoMap {
        let changes = self
            .changes
            .iter()
            .map(|c| TempoChange {
                tick: rescale(c.tick, num, den),
                ..*c
            })
            .collect();
        TempoMap::new(changes).unwrap_or_default()
    }
}

impl TryFrom<Vec<TempoChange>> for TempoMap {
    type Error = MusicError;
    fn try_from(changes: Vec<TempoChange>) -> Result<Self, Self::Error> {
        TempoMap::new(changes)
    }
}

impl From<TempoMap> for Vec<TempoChange> {
    fn from(map: TempoMap) -> Self {
        map.changes
    }
}

/// `tick * num / den`, rounded to the nearest tick, without overflow for any MIDI length.
fn rescale(tick: Tick, num: u64, den: u64) -> Tick {
    let den = den.max(1);
    ((u128::from(tick) * u128::from(num) + u128::from(den) / 2) / u128::from(den)) as Tick
}

/// A time signature such as 3/4 or 6/8.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "(u8, u8)", into = "(u8, u8)")]
pub struct TimeSignature {
    numerator: u8,
    denominator: u8,
}

impl Default for TimeSignature {
    fn default() -> Self {
        TimeSignature {
            numerator: 4,
            denominator: 4,
        }
    }
}

impl TimeSignature {
    /// Makes a time signature; the numerator must be at least 1 and the denominator a power
    /// of two from 1 to 64.
    pub fn new(numerator: u8, denominator: u8) -> Result<Self, MusicError> {
        if numerator == 0 || !denominator.is_power_of_two() || denominator > 64 {
            return Err(MusicError::BadTimeSignature(numerator, denominator));
        }
        Ok(TimeSignature {
            numerator,
            denominator,
        })
    }

    /// Beats per bar (the upper number).
    pub const fn numerator(&self) -> u8 {
        self.numerator
    }

    /// The note value of a beat (the lower number: 4 = quarter, 8 = eighth).
    pub const fn denominator(&self) -> u8 {
        self.denominator
    }

    /// Ticks in one beat (one `1/denominator` note).
    pub fn ticks_per_beat(&self, ticks_per_quarter: u16) -> Tick {
        u64::from(ticks_per_quarter) * 4 / u64::from(self.denominator)
    }

    /// Ticks in one bar.
    pub fn ticks_per_bar(&self, ticks_per_quarter: u16) -> Tick {
        u64::from(ticks_per_quarter) * 4 * u64::from(self.numerator) / u64::from(self.denominator)
    }

    /// Sixteenth-note steps in one bar (16 in 4/4, 12 in 3/4 and 6/8).
    pub fn sixteenths_per_bar(&self) -> u32 {
        16 * u32::from(self.numerator) / u32::from(self.denominator)
    }
}

impl TryFrom<(u8, u8)> for TimeSignature {
    type Error = MusicError;
    fn try_from((n, d): (u8, u8)) -> Result<Self, Self::Error> {
        TimeSignature::new(n, d)
    }
}

impl From<TimeSignature> for (u8, u8) {
    fn from(ts: TimeSignature) -> Self {
        (ts.numerator, ts.denominator)
    }
}

impl std::fmt::Display for TimeSignature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.numerator, self.denominator)
    }
}

impl std::str::FromStr for TimeSignature {
    type Err = MusicError;
    /// Parses `3/4`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || MusicError::BadTimeSignatureText(s.to_string());
        let (n, d) = s.trim().split_once('/').ok_or_else(bad)?;
        let n: u8 = n.trim().parse().map_err(|_| bad())?;
        let d: u8 = d.trim().parse().map_err(|_| bad())?;
        TimeSignature::new(n, d)
    }
}

/// A time signature taking effect at a tick.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TimeSignatureChange {
    /// Where it takes effect.
    pub tick: Tick,
    /// The signature.
    pub signature: TimeSignature,
}

/// A key signature taking effect at a tick.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct KeySignatureChange {
    /// Where it takes effect.
    pub tick: Tick,
    /// The key.
    pub key: Key,
}

/// A General MIDI program (instrument), 0..=127; 0 is the acoustic grand piano.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(try_from = "u8", into = "u8")]
pub struct Program(u8);

impl Program {
    /// Acoustic grand piano.
    pub const PIANO: Program = Program(0);

    /// Makes a program number, refusing values above 127.
    pub fn new(p: u8) -> Result<Self, MusicError> {
        if p <= 127 {
            Ok(Program(p))
        } else {
            Err(MusicError::ProgramOutOfRange(p))
        }
    }

    /// The program number, 0..=127.
    pub const fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Program {
    type Error = MusicError;
    fn try_from(value: u8) -> Result<Self, Self::Error> {
        Program::new(value)
    }
}

impl From<Program> for u8 {
    fn from(p: Program) -> u8 {
        p.0
    }
}

/// A MIDI channel, 0..=15 (shown to people as 1..=16; channel 10, index 9, is drums).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(try_from = "u8", into = "u8")]
pub struct Channel(u8);

impl Channel {
    /// The General MIDI percussion channel (channel 10, index 9).
    pub const DRUMS: Channel = Channel(9);

    /// Makes a channel from its 0-based index, refusing values above 15.
    pub fn new(c: u8) -> Result<Self, MusicError> {
        if c <= 15 {
            Ok(Channel(c))
        } else {
            Err(MusicError::ChannelOutOfRange(c))
        }
    }

    /// The 0-based index, 0..=15.
    pub const fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Channel {
    type Error = MusicError;
    fn try_from(value: u8) -> Result<Self, Self::Error> {
        Channel::new(value)
    }
}

impl From<Channel> for u8 {
    fn from(c: Channel) -> u8 {
        c.0
    }
}

/// A named part (a MIDI track on one channel): its instrument and its notes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Part {
    /// Shown to the user; written as the MIDI track name.
    pub name: String,
    /// The General MIDI instrument.
    pub program: Program,
    /// The MIDI channel the part plays on.
    pub channel: Channel,
    /// The notes, kept sorted by [`super::sort_notes`] by the functions of this crate.
    pub notes: Vec<Note>,
}

impl Part {
    /// A piano part with a name and no notes, on channel 1.
    pub fn new(name: impl Into<String>) -> Self {
        Part {
            name: name.into(),
            ..Part::default()
        }
    }

    /// Whether the part plays on the General MIDI drum channel (channel 10).
    pub fn is_drums(&self) -> bool {
        self.channel == Channel::DRUMS
    }

    /// The tick after the last note ends (0 for an empty part).
    pub fn end_tick(&self) -> Tick {
        self.notes.iter().map(Note::end).max().unwrap_or(0)
    }
}

/// A piece of music: parts of notes on a tick timeline with a tempo map, time signatures and
/// key signatures. Every module of the crate speaks in pieces.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Piece {
    /// A title, if known (from a file name, a MIDI track name or an ABC `T:` line).
    pub title: String,
    /// Resolution: ticks per quarter note, 1..=32,767 (MIDI's limit).
    pub ticks_per_quarter: u16,
    /// Tempo over time.
    pub tempo_map: TempoMap,
    /// Time signatures, sorted by tick; empty means 4/4 throughout.
    pub time_signatures: Vec<TimeSignatureChange>,
    /// Key signatures as written in the source, sorted by tick; may be empty.
    pub key_signatures: Vec<KeySignatureChange>,
    /// The parts.
    pub parts: Vec<Part>,
    /// The length in ticks of the pickup (anacrusis) before the first bar line, 0 when the
    /// piece starts on a bar line; bar lines then fall at `pickup + k * bar`. Set by the ABC
    /// reader; MIDI files have no pickup (their bars start at tick 0).
    #[serde(default)]
    pub pickup: Tick,
}

impl Default for Piece {
    fn default() -> Self {
        Piece {
            title: String::new(),
            ticks_per_quarter: DEFAULT_TICKS_PER_QUARTER,
            tempo_map: TempoMap::default(),
            time_signatures: Vec::new(),
            key_signatures: Vec::new(),
            parts: Vec::new(),
            pickup: 0,
        }
    }
}

impl Piece {
    /// An empty piece at the given resolution, 120 BPM, 4/4.
    pub fn new(ticks_per_quarter: u16) -> Result<Self, MusicError> {
        if ticks_per_quarter == 0 || ticks_per_quarter > 0x7FFF {
            return Err(MusicError::BadTicksPerQuarter(ticks_per_quarter));
        }
        Ok(Piece {
            ticks_per_quarter,
            ..Piece::default()
        })
    }

    /// A one-part piece made of the given notes (sorted), at the given resolution.
    pub fn from_notes(
        ticks_per_quarter: u16,
        part_name: &str,
        mut notes: Vec<Note>,
    ) -> Result<Self, MusicError> {
        let mut piece = Piece::new(ticks_per_quarter)?;
        super::sort_notes(&mut notes);
        piece.parts.push(Part {
            notes,
            ..Part::new(part_name)
        });
        Ok(piece)
    }

    /// Every note of every part.
    pub fn notes(&self) -> impl Iterator<Item = &Note> {
        self.parts.iter().flat_map(|p| p.notes.iter())
    }

    /// Every note of the parts that are not drums (what melody and key analysis read).
    pub fn pitched_notes(&self) -> impl Iterator<Item = &Note> {
        self.parts
            .iter()
            .filter(|p| !p.is_drums())
            .flat_map(|p| p.notes.iter())
    }

    /// How many notes in all parts.
    pub fn note_count(&self) -> usize {
        self.parts.iter().map(|p| p.notes.len()).sum()
    }

    /// The tick after the last note ends (0 for an empty piece).
    pub fn end_tick(&self) -> Tick {
        self.parts.iter().map(Part::end_tick).max().unwrap_or(0)
    }

    /// Length in seconds, honouring the tempo map.
    pub fn duration_seconds(&self) -> f64 {
        self.seconds_at(self.end_tick())
    }

    /// Seconds from the start to `tick`.
    pub fn seconds_at(&self, tick: Tick) -> f64 {
        self.tempo_map.seconds_at(tick, self.ticks_per_quarter)
    }

    /// The time signature in effect at `tick` (4/4 before the first one).
    pub fn time_signature_at(&self, tick: Tick) -> TimeSignature {
        self.time_signatures
            .iter()
            .take_while(|c| c.tick <= tick)
            .last()
            .map_or_else(TimeSignature::default, |c| c.signature)
    }

    /// Where the first note starts, in seconds (0 without notes): where playback of a tune
    /// starts, skipping the rests before a pickup.
    pub fn first_onset_seconds(&self) -> f64 {
        self.notes()
            .map(|n| n.start)
            .min()
            .map_or(0.0, |tick| self.seconds_at(tick))
    }

    /// The first time signature (4/4 if none is given).
    pub fn initial_time_signature(&self) -> TimeSignature {
        self.time_signature_at(0)
    }

    /// The key signature written at the start, if any.
    pub fn declared_key(&self) -> Option<Key> {
        self.key_signatures.first().map(|k| k.key)
    }

    /// Length in bars (fractional), walking the time-signature changes.
    pub fn length_in_bars(&self) -> f64 {
        self.bars_at(self.end_tick())
    }

    /// How many bars (fractional) lie between the start and `tick`.
    pub fn bars_at(&self, tick: Tick) -> f64 {
        let tpq = self.ticks_per_quarter;
        let mut bars = 0.0;
        let mut segment_start = 0;
        let mut signature = TimeSignature::default();
        for change in &self.time_signatures {
            if change.tick >= tick {
                break;
            }
            bars += (change.tick - segment_start) as f64 / signature.ticks_per_bar(tpq) as f64;
            segment_start = change.tick;
            signature = change.signature;
        }
        bars + (tick - segment_start) as f64 / signature.ticks_per_bar(tpq) as f64
    }

    /// Ticks in one 16th note at this resolution (at least 1).
    pub fn ticks_per_sixteenth(&self) -> Tick {
        (u64::from(self.ticks_per_quarter) / 4).max(1)
    }

    /// Sorts every part's notes and the signature lists into the crate's canonical order.
    pub fn normalize(&mut self) {
        for part in &mut self.parts {
            super::sort_notes(&mut part.notes);
        }
        self.time_signatures.sort_by_key(|c| c.tick);
        self.key_signatures.sort_by_key(|c| c.tick);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::{Pitch, Velocity};

    #[test]
    fn tempo_map_seconds_follow_tempo_changes() {
        // 120 BPM for 2 quarters (1 s), then 60 BPM: one more quarter takes 1 s.
        let map = TempoMap::new(vec![
            TempoChange {
                tick: 960,
                micros_per_quarter: 1_000_000,
            },
            TempoChange {
                tick: 0,
                micros_per_quarter: 500_000,
            },
        ])
        .unwrap();
        assert_eq!(map.changes().len(), 2);
        assert!((map.seconds_at(960, 480) - 1.0).abs() < 1e-9);
        assert!((map.seconds_at(1440, 480) - 2.0).abs() < 1e-9);
        assert!((map.seconds_at(480, 480) - 0.5).abs() < 1e-9);
        assert!((map.tick_at_seconds(2.0, 480) - 1440.0).abs() < 1e-6);
        assert!((map.tick_at_seconds(0.5, 480) - 480.0).abs() < 1e-6);
        assert_eq!(map.at(959).micros_per_quarter, 500_000);
        assert_eq!(map.at(960).micros_per_quarter, 1_000_000);
    }

    #[test]
    fn tempo_map_fills_tick_zero_and_refuses_zero_tempo() {
        let map = TempoMap::new(vec![TempoChange {
            tick: 100,
            micros_per_quarter: 400_000,
        }])
        .unwrap();
        assert_eq!(map.changes()[0].tick, 0);
        assert_eq!(map.changes()[0].micros_per_quarter, 500_000);
        assert!(TempoMap::constant(0).is_err());
        assert!(TempoMap::constant(0x100_0000).is_err());
        assert!((TempoMap::from_bpm(90.0).initial_bpm() - 90.0).abs() < 1e-3);
    }

    #[test]
    fn time_signatures_and_bars() {
        assert!(TimeSignature::new(3, 3).is_err());
        assert!(TimeSignature::new(0, 4).is_err());
        assert_eq!(
            "6/8".parse::<TimeSignature>().unwrap().sixteenths_per_bar(),
            12
        );
        let mut piece = Piece::new(480).unwrap();
        // 2 bars of 4/4 (3840 ticks), then 3/4 (1440 ticks a bar).
        piece.time_signatures.push(TimeSignatureChange {
            tick: 3840,
            signature: TimeSignature::new(3, 4).unwrap(),
        });
        let n = Note::new(Pitch::A4, 0, 3840 + 2880, Velocity::DEFAULT).unwrap();
        piece.parts.push(Part {
            notes: vec![n],
            ..Part::new("melody")
        });
        assert!((piece.length_in_bars() - 4.0).abs() < 1e-9);
        assert_eq!(piece.time_signature_at(4000).numerator(), 3);
        assert_eq!(piece.time_signature_at(0).numerator(), 4);
    }

    #[test]
    fn resolution_is_checked() {
        assert!(Piece::new(0).is_err());
        assert!(Piece::new(0x8000).is_err());
        assert!(Channel::new(16).is_err());
        assert!(Program::new(128).is_err());
        assert_eq!(rescale(480, 96, 480), 96);
        assert_eq!(rescale(u64::MAX / 2, 2, 2), u64::MAX / 2);
    }
}
