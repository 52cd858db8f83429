//! Metre and bar position: where each 16th-note step of a tune falls, as the models read it.
//!
//! Folk tunes come in a handful of metres (the Essen Erk set: 4/4, 3/4, 2/4, 6/8, 3/8) and
//! their rhythm is bound to the bar: phrases end on strong beats, pickups lead into the first
//! bar line. A model that is told the metre and the position of every step in its bar can
//! learn this; one that only sees a stream of 16ths cannot tell a 3/4 tune from a 4/4 one.
//!
//! # The place of a step
//! A tune is laid out so that step 0 lies on a bar line (a pickup becomes rests before it, see
//! [`pickup_steps`]). Step `k` of a tune in metre `m` with `B` steps per bar then has
//! - its **position** `k mod B`, numbered per metre: [`Metre::position_id`] gives one id per
//!   (metre, position) pair over all [`METRES`], so the id also says the metre;
//! - its **bar** `k div B` (0 = the first bar, the pickup bar if there is one), capped at
//!   [`BARS`]` - 1`.
//!
//! [`place_id`] packs both into one number below [`PLACES`]: `position_id + POSITIONS * bar`.
//! The models of token vocabulary v2 read it beside each token ([`crate::music::tokens`]).

use serde::{Deserialize, Serialize};

use super::{Piece, TimeSignature};

/// The metres the models know, as (numerator, denominator), in id order.
pub const METRES: [(u8, u8); 10] = [
    (4, 4),
    (3, 4),
    (2, 4),
    (6, 8),
    (3, 8),
    (2, 2),
    (9, 8),
    (12, 8),
    (6, 4),
    (3, 2),
];

/// How many (metre, position) ids there are: the sum of the metres' steps per bar.
pub const POSITIONS: u32 = 16 + 12 + 8 + 12 + 6 + 16 + 18 + 24 + 24 + 24;

/// How many bar numbers the models tell apart (bars from this one on share the last id).
pub const BARS: u32 = 32;

/// How many place ids there are ([`place_id`] is below this).
pub const PLACES: u32 = POSITIONS * BARS;

/// How far back the lookback of a step reaches, in bars: the length of a folk phrase (see
/// [`crate::music::tokens::step_code_with_lookback`]).
pub const LOOKBACK_BARS: u32 = 4;

/// One of the [`METRES`] the models know.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Metre(u8);

/// A time signature that no model knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the metre {0} is not one the models know (they know {known})", known = known_metres())]
pub struct UnknownMetre(pub String);

fn known_metres() -> String {
    METRES
        .iter()
        .map(|(n, d)| format!("{n}/{d}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Default for Metre {
    fn default() -> Self {
        Metre::COMMON
    }
}

impl Metre {
    /// 4/4.
    pub const COMMON: Metre = Metre(0);

    /// Every metre the models know, in id order.
    pub fn all() -> impl Iterator<Item = Metre> {
        (0..METRES.len() as u8).map(Metre)
    }

    /// The metre of a time signature, if the models know it.
    pub fn of(signature: TimeSignature) -> Result<Metre, UnknownMetre> {
        let pair = (signature.numerator(), signature.denominator());
        METRES
            .iter()
            .position(|&m| m == pair)
            .map(|i| Metre(i as u8))
            .ok_or_else(|| UnknownMetre(signature.to_string()))
    }

    /// The metre of id `id` (its index in [`METRES`]).
    pub fn from_id(id: u8) -> Option<Metre> {
        ((id as usize) < METRES.len()).then_some(Metre(id))
    }

    /// Its index in [`METRES`].
    pub const fn id(self) -> u8 {
        self.0
    }

    /// As a time signature.
    pub fn signature(self) -> TimeSignature {
        let (n, d) = METRES[self.0 as usize];
        TimeSignature::new(n, d).unwrap_or_default()
    }

    /// 16th-note steps in one bar.
    pub fn steps_per_bar(self) -> u32 {
        self.signature().sixteenths_per_bar()
    }

    /// The first (metre, position) id of this metre.
    fn first_position(self) -> u32 {
        Metre::all()
            .take(self.0 as usize)
            .map(Metre::steps_per_bar)
            .sum()
    }

    /// The (metre, position) id of step `step` of a bar-aligned tune (`step mod B`).
    pub fn position_id(self, step: u64) -> u32 {
        let bar = u64::from(self.steps_per_bar());
        self.first_position() + (step % bar) as u32
    }

    /// The bar id of step `step`: `step div B`, capped at [`BARS`]` - 1`.
    pub fn bar_id(self, step: u64) -> u32 {
        let bar = u64::from(self.steps_per_bar());
        (step / bar).min(u64::from(BARS - 1)) as u32
    }

    /// The index, in a sequence `<start> s0 s1 ...`, of the step [`LOOKBACK_BARS`] bars
    /// before the step that index `j` predicts (step `j`); `None` when the tune does not
    /// reach that far back.
    pub fn lookback_index(self, j: usize) -> Option<usize> {
        let back = (LOOKBACK_BARS * self.steps_per_bar()) as usize;
        j.checked_sub(back).map(|i| i + 1)
    }

    /// The place id of step `step` of a bar-aligned tune in this metre (see the module
    /// documentation).
    pub fn place_id(self, step: u64) -> u32 {
        place_id(self.position_id(step), self.bar_id(step))
    }
}

/// Packs a (metre, position) id and a bar id into one place id below [`PLACES`].
pub const fn place_id(position_id: u32, bar_id: u32) -> u32 {
    position_id + POSITIONS * bar_id
}

/// Splits a place id into its (metre, position) id and bar id.
pub const fn split_place(place: u32) -> (u32, u32) {
    (place % POSITIONS, place / POSITIONS)
}

impl std::fmt::Display for Metre {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (n, d) = METRES[self.0 as usize];
        write!(f, "{n}/{d}")
    }
}

impl std::str::FromStr for Metre {
    type Err = UnknownMetre;
    /// Parses `6/8`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let signature: TimeSignature = s.parse().map_err(|_| UnknownMetre(s.to_owned()))?;
        Metre::of(signature)
    }
}

impl TryFrom<String> for Metre {
    type Error = UnknownMetre;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Metre> for String {
    fn from(m: Metre) -> Self {
        m.to_string()
    }
}

/// The length of a piece's pickup (anacrusis) in 16th steps: the steps before its first bar
/// line, 0 when it starts on one. Taken from [`Piece::pickup`] (set by the ABC reader from
/// the first bar line), rounded to 16ths and reduced modulo the bar.
pub fn pickup_steps(piece: &Piece) -> u32 {
    let bar = piece.initial_time_signature().sixteenths_per_bar().max(1);
    let step_ticks = (u64::from(piece.ticks_per_quarter) / 4).max(1);
    let steps = (piece.pickup + step_ticks / 2) / step_ticks;
    (steps % u64::from(bar)) as u32
}

/// Steps of rest to put before a piece's first note so that its first bar line falls on a
/// multiple of the bar: `B - pickup` for a piece with a pickup, 0 otherwise.
pub fn lead_in_steps(piece: &Piece) -> u32 {
    let bar = piece.initial_time_signature().sixteenths_per_bar().max(1);
    match pickup_steps(piece) {
        0 => 0,
        p => bar - p,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_every_metre_once() {
        let total: u32 = Metre::all().map(Metre::steps_per_bar).sum();
        assert_eq!(total, POSITIONS);
        // The last position of the last metre is the last id.
        let last = Metre::all().last().unwrap();
        assert_eq!(
            last.position_id(u64::from(last.steps_per_bar()) - 1),
            POSITIONS - 1
        );
    }

    #[test]
    fn places_are_distinct_within_a_bar_and_across_metres() {
        let mut seen = std::collections::HashSet::new();
        for metre in Metre::all() {
            for step in 0..u64::from(metre.steps_per_bar()) {
                assert!(seen.insert(metre.place_id(step)), "{metre} step {step}");
            }
        }
        // 6/8 and 3/4 both have 12 steps, yet their positions differ.
        let six_eight: Metre = "6/8".parse().unwrap();
        let three_four: Metre = "3/4".parse().unwrap();
        assert_ne!(six_eight.position_id(0), three_four.position_id(0));
    }

    #[test]
    fn bars_count_up_and_cap() {
        let m: Metre = "3/4".parse().unwrap();
        assert_eq!(m.bar_id(0), 0);
        assert_eq!(m.bar_id(11), 0);
        assert_eq!(m.bar_id(12), 1);
        assert_eq!(m.position_id(13), m.position_id(1));
        assert_eq!(m.bar_id(12 * 100), BARS - 1);
        let place = m.place_id(12 * 3 + 5);
        assert_eq!(split_place(place), (m.position_id(5), 3));
        assert!(m.place_id(u64::MAX / 2) < PLACES);
    }

    #[test]
    fn unknown_metres_are_refused_by_name() {
        let err = Metre::of(TimeSignature::new(7, 8).unwrap()).unwrap_err();
        assert!(err.to_string().contains("7/8"), "{err}");
        assert!("5/4".parse::<Metre>().is_err());
        assert_eq!("6/8".parse::<Metre>().unwrap().to_string(), "6/8");
        assert_eq!(Metre::from_id(3).unwrap().to_string(), "6/8");
        assert!(Metre::from_id(10).is_none());
    }

    #[test]
    fn pickups_become_lead_in_rests() {
        let mut piece = Piece::default();
        piece
            .time_signatures
            .push(super::super::TimeSignatureChange {
                tick: 0,
                signature: TimeSignature::new(3, 4).unwrap(),
            });
        assert_eq!(pickup_steps(&piece), 0);
        assert_eq!(lead_in_steps(&piece), 0);
        // A quarter-note pickup at 480 ticks per quarter.
        piece.pickup = 480;
        assert_eq!(pickup_steps(&piece), 4);
        assert_eq!(lead_in_steps(&piece), 8);
    }
}
