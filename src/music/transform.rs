//! Quantization to a rhythmic grid and transposition by semitones.
//!
//! A [`Grid`] names a note value (1/1 .. 1/32, straight, triplet or dotted); at a given
//! resolution it becomes [`GridTicks`], the exact grid lines in ticks. Grid lines are placed
//! at `round(k * step)` for `k = 0, 1, 2, ...`, where `step` is the exact (possibly
//! fractional) length of one grid step in ticks, so a triplet grid does not drift at
//! resolutions that do not divide evenly.

use std::fmt;
use std::num::NonZeroU64;
use std::ops::RangeInclusive;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::{Note, Part, Piece, Pitch, PitchClass, Tick, sort_notes};

/// What can go wrong when quantizing or transposing.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransformError {
    /// A grid division that is not a power of two from 1 to 32.
    #[error("grid division 1/{0} is not one of 1/1, 1/2, 1/4, 1/8, 1/16, 1/32")]
    BadGridDivision(u32),
    /// Text that is not a grid name.
    #[error("{0:?} is not a grid (expected e.g. 1/16, 1/8T for triplets, 1/4. for dotted)")]
    BadGridText(String),
    /// A grid whose step is shorter than one tick at the piece's resolution.
    #[error(
        "a {grid} grid is finer than one tick at {ticks_per_quarter} ticks per quarter note; \
         use a coarser grid or a finer resolution"
    )]
    GridTooFine {
        /// The grid asked for.
        grid: Grid,
        /// The resolution of the piece.
        ticks_per_quarter: u16,
    },
    /// A transposition that would move a note outside MIDI's pitch range.
    #[error(
        "transposing {pitch} (MIDI {midi}) at tick {tick} by {semitones:+} semitones leaves \
         MIDI's range 0..=127; nothing was transposed",
        midi = .pitch.get()
    )]
    TransposeOutOfRange {
        /// The first note (in the order given) that would leave the range.
        pitch: Pitch,
        /// Its onset.
        tick: Tick,
        /// The shift asked for.
        semitones: i32,
    },
}

/// The rhythmic feel of a grid: plain, triplet (2/3 of the plain step) or dotted (3/2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Feel {
    /// The plain note value.
    #[default]
    Straight,
    /// Three steps in the time of two plain ones.
    Triplet,
    /// One and a half plain steps.
    Dotted,
}

impl Feel {
    /// The step relative to the plain note value, as (numerator, denominator).
    const fn ratio(self) -> (u64, u64) {
        match self {
            Feel::Straight => (1, 1),
            Feel::Triplet => (2, 3),
            Feel::Dotted => (3, 2),
        }
    }
}

/// A rhythmic grid: a note value from a whole note (1/1) to a 32nd (1/32), straight, triplet
/// or dotted. The default is straight 16th notes, the grid of the token encoding.
///
/// Text form (parse and print): `1/16`, `1/8T` (triplet), `1/4.` (dotted); when parsing,
/// the `1/` may be left out and `t`/`triplet`, `.`/`d`/`dotted` are accepted in any case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Grid {
    division: u8,
    feel: Feel,
}

impl Default for Grid {
    fn default() -> Self {
        Grid::SIXTEENTH
    }
}

impl Grid {
    /// Whole notes.
    pub const WHOLE: Grid = Grid::straight_unchecked(1);
    /// Half notes.
    pub const HALF: Grid = Grid::straight_unchecked(2);
    /// Quarter notes.
    pub const QUARTER: Grid = Grid::straight_unchecked(4);
    /// Eighth notes.
    pub const EIGHTH: Grid = Grid::straight_unchecked(8);
    /// Sixteenth notes, the default and the step of the token encoding.
    pub const SIXTEENTH: Grid = Grid::straight_unchecked(16);
    /// Thirty-second notes, the finest grid.
    pub const THIRTY_SECOND: Grid = Grid::straight_unchecked(32);

    const DIVISIONS: [u8; 6] = [1, 2, 4, 8, 16, 32];

    const fn straight_unchecked(division: u8) -> Grid {
        Grid {
            division,
            feel: Feel::Straight,
        }
    }

    /// Makes a grid of `1/division` notes with a feel; the division must be 1, 2, 4, 8, 16
    /// or 32.
    pub fn new(division: u32, feel: Feel) -> Result<Self, TransformError> {
        u8::try_from(division)
            .ok()
            .filter(|d| Self::DIVISIONS.contains(d))
            .map(|division| Grid { division, feel })
            .ok_or(TransformError::BadGridDivision(division))
    }

    /// Every grid, coarsest note value first, each straight, triplet, then dotted (18 in all).
    pub fn all() -> impl Iterator<Item = Grid> {
        Self::DIVISIONS.into_iter().flat_map(|division| {
            [Feel::Straight, Feel::Triplet, Feel::Dotted]
                .into_iter()
                .map(move |feel| Grid { division, feel })
        })
    }

    /// The note value's denominator: 16 for 1/16.
    pub const fn division(self) -> u32 {
        self.division as u32
    }

    /// Straight, triplet or dotted.
    pub const fn feel(self) -> Feel {
        self.feel
    }

    /// The grid's lines in ticks at a resolution; an error if one step would be shorter than
    /// one tick (e.g. a 1/32 grid at 4 ticks per quarter note).
    pub fn ticks(self, ticks_per_quarter: u16) -> Result<GridTicks, TransformError> {
        let (a, b) = self.feel.ratio();
        // step = tpq * 4 / division * a / b ticks.
        let num = u64::from(ticks_per_quarter) * 4 * a;
        let den = u64::from(self.division) * b;
        if num < den {
            return Err(TransformError::GridTooFine {
                grid: self,
                ticks_per_quarter,
            });
        }
        Ok(GridTicks { num, den })
    }
}

impl fmt::Display for Grid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let suffix = match self.feel {
            Feel::Straight => "",
            Feel::Triplet => "T",
            Feel::Dotted => ".",
        };
        write!(f, "1/{}{suffix}", self.division)
    }
}

impl FromStr for Grid {
    type Err = TransformError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || TransformError::BadGridText(s.to_string());
        let text = s.trim().to_ascii_lowercase();
        let text = text.strip_prefix("1/").unwrap_or(&text);
        let digits_end = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (digits, suffix) = text.split_at(digits_end);
        let division: u32 = digits.parse().map_err(|_| bad())?;
        let feel = match suffix.trim() {
            "" => Feel::Straight,
            "t" | "triplet" | "triplets" => Feel::Triplet,
            "." | "d" | "dotted" => Feel::Dotted,
            _ => return Err(bad()),
        };
        Grid::new(division, feel).map_err(|_| bad())
    }
}

impl TryFrom<String> for Grid {
    type Error = TransformError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<Grid> for String {
    fn from(grid: Grid) -> String {
        grid.to_string()
    }
}

/// A grid resolved to ticks: line `k` lies at `round(k * num / den)` ticks, and one step
/// (`num / den` ticks) is at least one tick, so distinct lines lie on distinct ticks.
/// Made by [`Grid::ticks`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GridTicks {
    num: u64,
    den: u64,
}

impl GridTicks {
    /// The exact length of one step in ticks (may be fractional, e.g. a 1/16 triplet at 100
    /// ticks per quarter note is 16.67 ticks).
    pub fn step(&self) -> f64 {
        self.num as f64 / self.den as f64
    }

    /// The step in whole ticks, if it is a whole number of ticks.
    pub fn whole_step(&self) -> Option<Tick> {
        self.num
            .is_multiple_of(self.den)
            .then_some(self.num / self.den)
    }

    /// The tick of grid line `index` (rounded to the nearest tick, halves up; saturates at the
    /// end of the timeline).
    pub fn line(&self, index: u64) -> Tick {
        let num = u128::from(index) * u128::from(self.num);
        let den = u128::from(self.den);
        let tick = (2 * num + den) / (2 * den);
        Tick::try_from(tick).unwrap_or(Tick::MAX)
    }

    /// The index of the grid line nearest to `tick`; halfway between two lines, the later one.
    pub fn nearest_index(&self, tick: Tick) -> u64 {
        let below = u128::from(tick) * u128::from(self.den) / u128::from(self.num);
        let below = u64::try_from(below).unwrap_or(u64::MAX);
        // Rounded lines can sit up to half a tick from their exact place, so look one line
        // to either side of the exact neighbours.
        let mut best = below;
        let mut best_distance = u64::MAX;
        for index in below.saturating_sub(1)..=below.saturating_add(2) {
            let distance = self.line(index).abs_diff(tick);
            // `<=` prefers the later line on a tie.
            if distance <= best_distance {
                best = index;
                best_distance = distance;
            }
        }
        best
    }

    /// The grid line nearest to `tick` (halfway: the later one).
    pub fn snap(&self, tick: Tick) -> Tick {
        self.line(self.nearest_index(tick))
    }

    /// Whether `tick` lies exactly on a grid line.
    pub fn is_on_grid(&self, tick: Tick) -> bool {
        self.snap(tick) == tick
    }

    /// The index of the line at `tick` if `tick` lies on a grid line.
    pub fn index_of(&self, tick: Tick) -> Option<u64> {
        let index = self.nearest_index(tick);
        (self.line(index) == tick).then_some(index)
    }
}

/// Which note edges quantization moves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum QuantizeMode {
    /// Starts and ends both snap to the nearest line; a note keeps at least one grid step.
    #[default]
    StartsAndEnds,
    /// Starts snap to the nearest line; durations are kept as they are.
    StartsOnly,
}

/// How to quantize: the grid and which edges move. The default is starts and ends on 16ths.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct QuantizeOptions {
    /// The grid to snap to.
    pub grid: Grid,
    /// Starts and ends, or starts only.
    pub mode: QuantizeMode,
}

/// Snaps one note to a resolved grid.
///
/// The start moves to the nearest grid line. With [`QuantizeMode::StartsAndEnds`] the end
/// moves to the nearest line too, and if that is not after the new start the note ends one
/// step after its start (so no note vanishes). With [`QuantizeMode::StartsOnly`] the duration
/// is unchanged. Snapping an already quantized note changes nothing.
pub fn quantize_note(note: &mut Note, grid: &GridTicks, mode: QuantizeMode) {
    let start_index = grid.nearest_index(note.start);
    let start = grid.line(start_index);
    if mode == QuantizeMode::StartsAndEnds {
        let mut end = grid.snap(note.end());
        if end <= start {
            end = grid.line(start_index.saturating_add(1));
        }
        // A start at the very end of the timeline cannot move further; keep the old length.
        if let Some(duration) = NonZeroU64::new(end.saturating_sub(start)) {
            note.duration = duration;
        }
    }
    note.start = start;
}

/// Snaps every note of a slice (see [`quantize_note`]) at the given resolution. The order of
/// the slice is kept; notes may come to coincide (see [`quantize_part`] for merging them).
pub fn quantize_notes(
    notes: &mut [Note],
    ticks_per_quarter: u16,
    options: QuantizeOptions,
) -> Result<(), TransformError> {
    let grid = options.grid.ticks(ticks_per_quarter)?;
    for note in notes {
        quantize_note(note, &grid, options.mode);
    }
    Ok(())
}

/// Quantizes a part's notes (see [`quantize_note`]), then sorts them and merges notes that
/// now share a pitch and a start into one: the longest of them (the loudest among equally
/// long ones), since two identical key presses at one instant are one note.
pub fn quantize_part(
    part: &mut Part,
    ticks_per_quarter: u16,
    options: QuantizeOptions,
) -> Result<(), TransformError> {
    quantize_notes(&mut part.notes, ticks_per_quarter, options)?;
    // Sorting puts equal (start, pitch) notes together, shortest and softest first, so the
    // last of each run is the one to keep.
    sort_notes(&mut part.notes);
    let mut merged: Vec<Note> = Vec::with_capacity(part.notes.len());
    for note in part.notes.drain(..) {
        match merged.last_mut() {
            Some(last) if last.start == note.start && last.pitch == note.pitch => *last = note,
            _ => merged.push(note),
        }
    }
    part.notes = merged;
    Ok(())
}

/// Quantizes every part of a piece (drums included) at the piece's resolution; see
/// [`quantize_part`]. On error (a grid finer than one tick) nothing is changed.
pub fn quantize_piece(piece: &mut Piece, options: QuantizeOptions) -> Result<(), TransformError> {
    options.grid.ticks(piece.ticks_per_quarter)?;
    for part in &mut piece.parts {
        quantize_part(part, piece.ticks_per_quarter, options)?;
    }
    Ok(())
}

/// Moves every note by `semitones`. If any note would leave MIDI's 0..=127, nothing is
/// changed and the error names the first such note.
pub fn transpose_notes(notes: &mut [Note], semitones: i32) -> Result<(), TransformError> {
    check_transpose(notes, semitones)?;
    for note in notes {
        if let Ok(pitch) = note.pitch.transposed(semitones) {
            note.pitch = pitch;
        }
    }
    Ok(())
}

fn check_transpose(notes: &[Note], semitones: i32) -> Result<(), TransformError> {
    match notes
        .iter()
        .find(|n| n.pitch.transposed(semitones).is_err())
    {
        Some(n) => Err(TransformError::TransposeOutOfRange {
            pitch: n.pitch,
            tick: n.start,
            semitones,
        }),
        None => Ok(()),
    }
}

/// Transposes a part's notes (see [`transpose_notes`]). Drum parts are left as they are:
/// their note numbers name instruments, not pitches.
pub fn transpose_part(part: &mut Part, semitones: i32) -> Result<(), TransformError> {
    if part.is_drums() {
        return Ok(());
    }
    transpose_notes(&mut part.notes, semitones)
}

/// Transposes every pitched part of a piece and its key signatures by `semitones`; drum parts
/// stay. If any note would leave 0..=127, nothing at all is changed.
pub fn transpose_piece(piece: &mut Piece, semitones: i32) -> Result<(), TransformError> {
    for part in piece.parts.iter().filter(|p| !p.is_drums()) {
        check_transpose(&part.notes, semitones)?;
    }
    for part in &mut piece.parts {
        transpose_part(part, semitones)?;
    }
    for change in &mut piece.key_signatures {
        change.key.tonic = PitchClass::wrapping(i32::from(change.key.tonic.get()) + semitones);
    }
    Ok(())
}

/// What [`transpose_notes_within`] does with a note that lands outside the allowed range.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum OutOfRange {
    /// Remove the note.
    #[default]
    Drop,
    /// Move the note by whole octaves into the range (keeping its pitch class); remove it only
    /// if the range is too narrow to hold that pitch class.
    FoldOctaves,
}

/// Transposes notes by `semitones` into an allowed pitch range (for data augmentation, e.g.
/// into the piano's 21..=108), dealing with notes that land outside it by `policy`. Never
/// fails; returns how many notes were dropped or folded. The order of the kept notes is kept.
pub fn transpose_notes_within(
    notes: &mut Vec<Note>,
    semitones: i32,
    range: RangeInclusive<Pitch>,
    policy: OutOfRange,
) -> usize {
    let low = i32::from(range.start().get());
    let high = i32::from(range.end().get());
    let mut affected = 0;
    notes.retain_mut(|note| {
        let mut target = i32::from(note.pitch.get()) + semitones;
        if (low..=high).contains(&target)
            && let Ok(pitch) = Pitch::from_i32(target)
        {
            note.pitch = pitch;
            return true;
        }
        affected += 1;
        if policy == OutOfRange::Drop {
            return false;
        }
        // Fold by octaves towards the range.
        if target > high {
            target -= (target - high + 11) / 12 * 12;
        } else if target < low {
            target += (low - target + 11) / 12 * 12;
        }
        match Pitch::from_i32(target) {
            Ok(pitch) if (low..=high).contains(&target) => {
                note.pitch = pitch;
                true
            }
            _ => false,
        }
    });
    affected
}

/// [`transpose_notes_within`] over every pitched part of a piece (drums stay, and so do key
/// signatures' modes; their tonics move by `semitones`). Returns how many notes were dropped
/// or folded in all. Parts are re-sorted, since folding can reorder notes of one onset.
pub fn transpose_piece_within(
    piece: &mut Piece,
    semitones: i32,
    range: RangeInclusive<Pitch>,
    policy: OutOfRange,
) -> usize {
    let mut affected = 0;
    for part in piece.parts.iter_mut().filter(|p| !p.is_drums()) {
        affected += transpose_notes_within(&mut part.notes, semitones, range.clone(), policy);
        sort_notes(&mut part.notes);
    }
    for change in &mut piece.key_signatures {
        change.key.tonic = PitchClass::wrapping(i32::from(change.key.tonic.get()) + semitones);
    }
    affected
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::{Channel, Key, KeySignatureChange, Velocity};
    use proptest::prelude::*;

    fn note(pitch: u8, start: Tick, duration: Tick) -> Note {
        Note::new(
            Pitch::new(pitch).unwrap(),
            start,
            duration,
            Velocity::DEFAULT,
        )
        .unwrap()
    }

    fn opts(grid: Grid, mode: QuantizeMode) -> QuantizeOptions {
        QuantizeOptions { grid, mode }
    }

    #[test]
    fn grid_steps_in_ticks_at_480() {
        let step = |g: &str| g.parse::<Grid>().unwrap().ticks(480).unwrap().step();
        assert_eq!(step("1/1"), 1920.0);
        assert_eq!(step("1/4"), 480.0);
        assert_eq!(step("1/16"), 120.0);
        assert_eq!(step("1/32"), 60.0);
        assert_eq!(step("1/8T"), 160.0);
        assert_eq!(step("1/16t"), 80.0);
        assert_eq!(step("1/4."), 720.0);
        assert_eq!(step("1/16 dotted"), 180.0);
        assert_eq!(Grid::default(), Grid::SIXTEENTH);
        assert_eq!(Grid::SIXTEENTH.ticks(480).unwrap().whole_step(), Some(120));
    }

    #[test]
    fn grid_text_round_trips_and_bad_text_is_refused() {
        assert_eq!(Grid::all().count(), 18);
        for grid in Grid::all() {
            assert_eq!(grid.to_string().parse::<Grid>().unwrap(), grid);
        }
        assert_eq!("16".parse::<Grid>().unwrap(), Grid::SIXTEENTH);
        assert_eq!(
            "1/8T".parse::<Grid>().unwrap(),
            Grid::new(8, Feel::Triplet).unwrap()
        );
        assert_eq!(Grid::new(4, Feel::Dotted).unwrap().to_string(), "1/4.");
        for bad in ["", "1/3", "1/64", "1/16x", "x", "1/", "0"] {
            assert!(bad.parse::<Grid>().is_err(), "{bad:?} parsed");
        }
        assert_eq!(
            Grid::new(12, Feel::Straight),
            Err(TransformError::BadGridDivision(12))
        );
        let json = serde_json::to_string(&Grid::new(8, Feel::Triplet).unwrap()).unwrap();
        assert_eq!(json, "\"1/8T\"");
        assert!(serde_json::from_str::<Grid>("\"1/7\"").is_err());
    }

    #[test]
    fn a_grid_finer_than_a_tick_is_refused() {
        assert!(matches!(
            Grid::THIRTY_SECOND.ticks(4),
            Err(TransformError::GridTooFine { .. })
        ));
        // 1/16 at 4 ticks per quarter is exactly one tick: allowed.
        assert_eq!(Grid::SIXTEENTH.ticks(4).unwrap().whole_step(), Some(1));
        let mut piece = Piece::from_notes(2, "p", vec![note(60, 1, 1)]).unwrap();
        let before = piece.clone();
        assert!(quantize_piece(&mut piece, QuantizeOptions::default()).is_err());
        assert_eq!(piece, before);
    }

    #[test]
    fn fractional_triplet_lines_round_to_the_nearest_tick() {
        // 1/16 triplet at 100 ticks per quarter: step 50/3 = 16.67 ticks.
        let g = Grid::new(16, Feel::Triplet).unwrap().ticks(100).unwrap();
        let lines: Vec<Tick> = (0..7).map(|k| g.line(k)).collect();
        assert_eq!(lines, vec![0, 17, 33, 50, 67, 83, 100]);
        assert_eq!(g.whole_step(), None);
        assert_eq!(g.snap(25), 33); // 8 ticks from 17 and from 33: the later line wins
        assert_eq!(g.snap(24), 17);
        assert_eq!(g.snap(41), 33);
        assert_eq!(g.snap(42), 50);
        assert_eq!(g.index_of(67), Some(4));
        assert_eq!(g.index_of(66), None);
    }

    #[test]
    fn starts_and_ends_snap_to_the_nearest_sixteenth() {
        let mut notes = vec![
            note(60, 10, 100),  // 10..110 -> 0..120
            note(62, 170, 120), // 170..290 -> 120..240
            note(64, 359, 2),   // 359..361 -> 360..360: at least one step -> 360..480
            note(65, 61, 238),  // 61..299 -> 120..240
        ];
        quantize_notes(
            &mut notes,
            480,
            opts(Grid::SIXTEENTH, QuantizeMode::StartsAndEnds),
        )
        .unwrap();
        let got: Vec<(Tick, Tick)> = notes.iter().map(|n| (n.start, n.end())).collect();
        assert_eq!(got, vec![(0, 120), (120, 240), (360, 480), (120, 240)]);
    }

    #[test]
    fn halfway_starts_go_to_the_later_line() {
        let mut notes = vec![note(60, 60, 120)];
        quantize_notes(&mut notes, 480, QuantizeOptions::default()).unwrap();
        assert_eq!((notes[0].start, notes[0].end()), (120, 240));
    }

    #[test]
    fn starts_only_keeps_durations() {
        let mut notes = vec![note(60, 10, 100), note(62, 230, 7)];
        quantize_notes(
            &mut notes,
            480,
            opts(Grid::EIGHTH, QuantizeMode::StartsOnly),
        )
        .unwrap();
        let got: Vec<(Tick, u64)> = notes.iter().map(|n| (n.start, n.duration.get())).collect();
        assert_eq!(got, vec![(0, 100), (240, 7)]);
    }

    #[test]
    fn triplet_grid_quantizes_to_triplet_lines() {
        // 1/8 triplets at 480: lines every 160 ticks.
        let mut notes = vec![note(60, 150, 170), note(62, 330, 10)];
        quantize_notes(
            &mut notes,
            480,
            opts(
                Grid::new(8, Feel::Triplet).unwrap(),
                QuantizeMode::StartsAndEnds,
            ),
        )
        .unwrap();
        let got: Vec<(Tick, Tick)> = notes.iter().map(|n| (n.start, n.end())).collect();
        assert_eq!(got, vec![(160, 320), (320, 480)]);
    }

    #[test]
    fn quantizing_a_part_merges_notes_that_coincide() {
        let mut part = Part::new("p");
        part.notes = vec![
            note(60, 0, 120),
            Note {
                velocity: Velocity::new(100).unwrap(),
                ..note(60, 5, 230)
            },
            note(64, 3, 120),
        ];
        quantize_part(&mut part, 480, QuantizeOptions::default()).unwrap();
        let got: Vec<(u8, Tick, Tick, u8)> = part
            .notes
            .iter()
            .map(|n| (n.pitch.get(), n.start, n.end(), n.velocity.get()))
            .collect();
        assert_eq!(got, vec![(60, 0, 240, 100), (64, 0, 120, 80)]);
    }

    #[test]
    fn transposition_moves_pitched_parts_and_keys_but_not_drums() {
        let mut piece = Piece::from_notes(480, "melody", vec![note(60, 0, 120)]).unwrap();
        piece.parts.push(Part {
            channel: Channel::DRUMS,
            notes: vec![note(36, 0, 120)],
            ..Part::new("drums")
        });
        piece.key_signatures.push(KeySignatureChange {
            tick: 0,
            key: Key::C_MAJOR,
        });
        transpose_piece(&mut piece, 7).unwrap();
        assert_eq!(piece.parts[0].notes[0].pitch.get(), 67);
        assert_eq!(piece.parts[1].notes[0].pitch.get(), 36);
        assert_eq!(piece.key_signatures[0].key, "G major".parse().unwrap());
        let mut drums = piece.parts[1].clone();
        transpose_part(&mut drums, 100).unwrap();
        assert_eq!(drums.notes[0].pitch.get(), 36);
    }

    #[test]
    fn transposition_out_of_range_is_an_error_and_changes_nothing() {
        let mut piece =
            Piece::from_notes(480, "m", vec![note(60, 0, 120), note(125, 240, 120)]).unwrap();
        let before = piece.clone();
        let err = transpose_piece(&mut piece, 3).unwrap_err();
        assert_eq!(
            err,
            TransformError::TransposeOutOfRange {
                pitch: Pitch::new(125).unwrap(),
                tick: 240,
                semitones: 3
            }
        );
        assert!(err.to_string().contains("F9 (MIDI 125) at tick 240 by +3"));
        assert_eq!(piece, before);
        let mut notes = vec![note(2, 0, 1), note(1, 5, 1)];
        assert!(transpose_notes(&mut notes, -2).is_err());
        assert_eq!(notes[0].pitch.get(), 2);
        transpose_notes(&mut notes, -1).unwrap();
        assert_eq!(notes[1].pitch.get(), 0);
    }

    #[test]
    fn transposing_within_a_range_drops_or_folds() {
        let piano = Pitch::PIANO_LOW..=Pitch::PIANO_HIGH;
        let notes = vec![note(100, 0, 1), note(60, 1, 1), note(22, 2, 1)];
        let mut dropped = notes.clone();
        assert_eq!(
            transpose_notes_within(&mut dropped, 10, piano.clone(), OutOfRange::Drop),
            1
        );
        let got: Vec<u8> = dropped.iter().map(|n| n.pitch.get()).collect();
        assert_eq!(got, vec![70, 32]);
        let mut folded = notes.clone();
        assert_eq!(
            transpose_notes_within(&mut folded, 10, piano.clone(), OutOfRange::FoldOctaves),
            1
        );
        let got: Vec<u8> = folded.iter().map(|n| n.pitch.get()).collect();
        assert_eq!(got, vec![98, 70, 32]); // 110 folds down one octave to 98
        let mut down = notes;
        assert_eq!(
            transpose_notes_within(&mut down, -5, piano, OutOfRange::FoldOctaves),
            1
        );
        let got: Vec<u8> = down.iter().map(|n| n.pitch.get()).collect();
        assert_eq!(got, vec![95, 55, 29]); // 17 folds up to 29
        // A range narrower than an octave may hold no pitch of the class: dropped.
        let mut narrow = vec![note(60, 0, 1)];
        let range = Pitch::new(62).unwrap()..=Pitch::new(64).unwrap();
        assert_eq!(
            transpose_notes_within(&mut narrow, 13, range, OutOfRange::FoldOctaves),
            1
        );
        assert!(narrow.is_empty());
    }

    fn arb_notes() -> impl Strategy<Value = Vec<Note>> {
        prop::collection::vec((0u8..=127, 0u64..100_000, 1u64..5_000), 0..40).prop_map(|v| {
            v.into_iter()
                .map(|(p, s, d)| note(p, s, d))
                .collect::<Vec<_>>()
        })
    }

    proptest! {
        #[test]
        fn quantize_is_idempotent(
            mut notes in arb_notes(),
            grid_index in 0usize..18,
            tpq in prop::sample::select(vec![24u16, 96, 100, 120, 480, 960, 1000]),
            starts_only in any::<bool>(),
        ) {
            let grid = Grid::all().nth(grid_index).unwrap();
            let mode = if starts_only { QuantizeMode::StartsOnly } else { QuantizeMode::StartsAndEnds };
            let options = QuantizeOptions { grid, mode };
            if quantize_notes(&mut notes, tpq, options).is_ok() {
                let ticks = grid.ticks(tpq).unwrap();
                for n in &notes {
                    prop_assert!(ticks.is_on_grid(n.start));
                    if !starts_only {
                        prop_assert!(ticks.is_on_grid(n.end()));
                    }
                }
                let once = notes.clone();
                quantize_notes(&mut notes, tpq, options).unwrap();
                prop_assert_eq!(&once, &notes);
                let mut part = Part { notes: once, ..Part::new("p") };
                quantize_part(&mut part, tpq, options).unwrap();
                let merged = part.clone();
                quantize_part(&mut part, tpq, options).unwrap();
                prop_assert_eq!(merged, part);
            }
        }

        #[test]
        fn transpose_up_then_down_is_identity(notes in arb_notes(), k in -30i32..=30) {
            let mut moved = notes.clone();
            match transpose_notes(&mut moved, k) {
                Ok(()) => {
                    transpose_notes(&mut moved, -k).unwrap();
                    prop_assert_eq!(moved, notes);
                }
                Err(_) => {
                    prop_assert_eq!(&moved, &notes);
                    let leaves = notes.iter().any(|n| {
                        let p = i32::from(n.pitch.get()) + k;
                        !(0..=127).contains(&p)
                    });
                    prop_assert!(leaves);
                }
            }
        }
    }
}
