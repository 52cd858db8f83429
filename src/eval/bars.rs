//! Bars: where each bar of a piece starts, by its time signatures, and excerpts of the
//! first bars of a piece.
//!
//! Bars are counted from tick 0 (a pickup is not detected: a tune that starts with an upbeat
//! has its bar lines shifted by the upbeat's length, which changes where bars start but not
//! how often a whole bar repeats). A time-signature change in the middle of a bar ends that
//! bar early; the new metre's first bar starts at the change.

use crate::music::{Piece, Tick, TimeSignature, TimeSignatureChange};

/// A stretch of the timeline in one metre.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Segment {
    /// Where the metre starts (a bar line).
    start: Tick,
    /// Ticks per bar in this metre (at least 1).
    bar: Tick,
    /// The index of the bar starting at `start`.
    first_index: u64,
    /// The metre.
    signature: TimeSignature,
}

/// The bar lines of a piece: bar `i` starts at [`BarGrid::start`]`(i)`. Computed
/// arithmetically per metre, so a note far out on the timeline costs nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BarGrid {
    segments: Vec<Segment>,
}

impl BarGrid {
    /// The bars of a timeline at `ticks_per_quarter` with these time signatures (sorted by
    /// tick; empty means 4/4 throughout).
    pub fn new(ticks_per_quarter: u16, time_signatures: &[TimeSignatureChange]) -> Self {
        let tpq = ticks_per_quarter.max(1);
        let bar_of = |s: TimeSignature| s.ticks_per_bar(tpq).max(1);
        let first = time_signatures
            .iter()
            .take_while(|c| c.tick == 0)
            .last()
            .map_or_else(TimeSignature::default, |c| c.signature);
        let mut segments = vec![Segment {
            start: 0,
            bar: bar_of(first),
            first_index: 0,
            signature: first,
        }];
        for change in time_signatures.iter().filter(|c| c.tick > 0) {
            let Some(last) = segments.last_mut() else {
                break;
            };
            if change.tick == last.start {
                // Several changes at one tick: the last one wins.
                last.bar = bar_of(change.signature);
                last.signature = change.signature;
                continue;
            }
            let first_index = last.first_index + (change.tick - last.start).div_ceil(last.bar);
            segments.push(Segment {
                start: change.tick,
                bar: bar_of(change.signature),
                first_index,
                signature: change.signature,
            });
        }
        BarGrid { segments }
    }

    /// The bars of `piece`.
    pub fn of(piece: &Piece) -> Self {
        let mut signatures = piece.time_signatures.clone();
        signatures.sort_by_key(|c| c.tick);
        BarGrid::new(piece.ticks_per_quarter, &signatures)
    }

    fn segment_of_tick(&self, tick: Tick) -> &Segment {
        let i = self.segments.partition_point(|s| s.start <= tick);
        &self.segments[i.saturating_sub(1)]
    }

    fn segment_of_bar(&self, bar: u64) -> &Segment {
        let i = self.segments.partition_point(|s| s.first_index <= bar);
        &self.segments[i.saturating_sub(1)]
    }

    /// The index of the bar holding `tick` (bar 0 starts at tick 0).
    pub fn bar_of(&self, tick: Tick) -> u64 {
        let s = self.segment_of_tick(tick);
        s.first_index + (tick - s.start) / s.bar
    }

    /// Where bar `bar` starts.
    pub fn start(&self, bar: u64) -> Tick {
        let s = self.segment_of_bar(bar);
        s.start
            .saturating_add((bar - s.first_index).saturating_mul(s.bar))
    }

    /// The time signature of the bar holding `tick`.
    pub fn signature_at(&self, tick: Tick) -> TimeSignature {
        self.segment_of_tick(tick).signature
    }

    /// How many bars the span `[0, end)` touches (0 for `end == 0`).
    pub fn count_until(&self, end: Tick) -> u64 {
        if end == 0 {
            0
        } else {
            self.bar_of(end - 1) + 1
        }
    }
}

/// The first `bars` bars of `piece`: the notes that start before the end of bar `bars`, those
/// that ring past it cut at the bar line. Tempo, signatures and title are kept (signature
/// changes after the cut are dropped). `bars == 0` gives a piece without notes.
pub fn first_bars(piece: &Piece, bars: u32) -> Piece {
    let end = BarGrid::of(piece).start(u64::from(bars));
    let mut out = piece.clone();
    for part in &mut out.parts {
        part.notes.retain(|n| n.start < end);
        for note in &mut part.notes {
            if note.end() > end {
                // The note starts before `end`, so the cut length is at least one tick.
                let _ = note.set_duration(end - note.start);
            }
        }
    }
    out.time_signatures.retain(|c| c.tick < end);
    out.key_signatures.retain(|c| c.tick < end);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::notes::test_support::piece;

    fn change(tick: Tick, n: u8, d: u8) -> TimeSignatureChange {
        TimeSignatureChange {
            tick,
            signature: TimeSignature::new(n, d).unwrap(),
        }
    }

    #[test]
    fn four_four_by_default_then_three_four_from_a_change() {
        // 4 ticks per quarter: a 4/4 bar is 16 ticks, a 3/4 bar 12, a 6/8 bar 12.
        let grid = BarGrid::new(4, &[]);
        assert_eq!(
            (grid.bar_of(0), grid.bar_of(15), grid.bar_of(16)),
            (0, 0, 1)
        );
        assert_eq!(grid.start(3), 48);
        assert_eq!(grid.count_until(0), 0);
        assert_eq!(grid.count_until(16), 1);
        assert_eq!(grid.count_until(17), 2);

        let grid = BarGrid::new(4, &[change(0, 3, 4), change(24, 6, 8)]);
        assert_eq!(grid.bar_of(23), 1);
        assert_eq!(grid.bar_of(24), 2);
        assert_eq!(grid.start(3), 36);
        assert_eq!(grid.signature_at(30), TimeSignature::new(6, 8).unwrap());
    }

    #[test]
    fn a_change_in_the_middle_of_a_bar_ends_it_early() {
        // 4/4 until tick 20 (bar 1 is cut to 4 ticks), then 2/4 (8 ticks a bar).
        let grid = BarGrid::new(4, &[change(20, 2, 4)]);
        assert_eq!(grid.bar_of(19), 1);
        assert_eq!(grid.bar_of(20), 2);
        assert_eq!(grid.start(2), 20);
        assert_eq!(grid.start(3), 28);
    }

    #[test]
    fn first_bars_cuts_at_the_bar_line() {
        // Bar 0: 60 (0..8), 62 (8..24, rings into bar 1); bar 1: 64 at 24; bar 2: 65.
        let p = piece(&[(60, 0, 8), (62, 8, 16), (64, 24, 8), (65, 32, 4)]);
        let one = first_bars(&p, 1);
        let notes: Vec<(u8, u64, u64)> = one
            .notes()
            .map(|n| (n.pitch.get(), n.start, n.duration.get()))
            .collect();
        assert_eq!(notes, vec![(60, 0, 8), (62, 8, 8)]);
        assert_eq!(first_bars(&p, 2).note_count(), 3);
        assert_eq!(first_bars(&p, 0).note_count(), 0);
        assert_eq!(first_bars(&p, 9), p);
    }
}
