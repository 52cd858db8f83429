//! Phrase repetition: how much of a tune repeats its own bars, as folk tunes do (AABB).
//!
//! A bar's content is the list of notes that start in it, each as (onset from the bar line,
//! duration, pitch), with onsets and durations rounded to 16th notes. A bar *repeats* an
//! earlier bar when it has the same content (exactly), or the same rhythm and the same
//! intervals between its notes (transposed; this needs at least two notes in the bar, since a
//! single note transposed is just another note). Bars where no note starts (rests, or a note
//! held over) are left out of both counts. Bar lines come from the piece's time signatures,
//! counted from the start ([`super::bars`]).

use std::collections::HashSet;

use crate::music::Piece;

use super::bars::BarGrid;
use super::notes::NoteStream;

/// Bar-level repetition of one piece.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BarRepetition {
    /// Bars in which at least one note starts.
    pub bars: usize,
    /// Of those, bars equal to an earlier bar (same rhythm and pitches).
    pub exact: usize,
    /// Of those, bars equal to an earlier bar exactly or transposed (includes `exact`).
    pub repeated: usize,
}

impl BarRepetition {
    /// `repeated / bars`, `None` when no bar has a note.
    pub fn share(&self) -> Option<f64> {
        (self.bars > 0).then(|| self.repeated as f64 / self.bars as f64)
    }
}

/// Counts the bars of `stream` that repeat an earlier bar (see the module documentation).
pub fn bar_repetition(stream: &NoteStream) -> BarRepetition {
    let grid = BarGrid::new(stream.ticks_per_quarter, &stream.time_signatures);
    // (bar index, onset from the bar line in 16ths, duration in 16ths, pitch), stream order.
    let mut bars: Vec<Vec<(u64, u64, i32)>> = Vec::new();
    let mut current: Option<u64> = None;
    for note in &stream.notes {
        let bar = grid.bar_of(note.start);
        if current != Some(bar) {
            bars.push(Vec::new());
            current = Some(bar);
        }
        let onset = stream.sixteenths(note.start - grid.start(bar));
        let duration = stream.sixteenths(note.duration.get());
        if let Some(content) = bars.last_mut() {
            content.push((onset, duration, i32::from(note.pitch.get())));
        }
    }
    let mut seen_exact: HashSet<&[(u64, u64, i32)]> = HashSet::new();
    let mut seen_shape: HashSet<Vec<(u64, u64, i32)>> = HashSet::new();
    let mut result = BarRepetition {
        bars: bars.len(),
        exact: 0,
        repeated: 0,
    };
    for content in &bars {
        // The shape: the same rhythm, pitches measured from the bar's first note.
        let first = content.first().map_or(0, |n| n.2);
        let shape: Vec<(u64, u64, i32)> =
            content.iter().map(|&(o, d, p)| (o, d, p - first)).collect();
        if !seen_exact.insert(content) {
            result.exact += 1;
            result.repeated += 1;
        } else if content.len() >= 2 && seen_shape.contains(&shape) {
            result.repeated += 1;
        }
        seen_shape.insert(shape);
    }
    result
}

/// The share of bars with notes that repeat an earlier bar of the same piece, exactly or
/// transposed (see the module documentation): 0 when no bar repeats, 0.5 for an AABB tune
/// whose second A and second B repeat the first. `None` for a piece without notes.
pub fn phrase_repetition(piece: &Piece) -> Option<f64> {
    bar_repetition(&NoteStream::of(piece)).share()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::notes::test_support::{piece, stream};
    use crate::music::{TimeSignature, TimeSignatureChange};

    /// Notes of one 4/4 bar (16 ticks at 4 ticks per quarter) moved to bar `bar` and up by
    /// `up` semitones.
    fn bar(bar: u64, up: u8, notes: &[(u8, u64, u64)]) -> Vec<(u8, u64, u64)> {
        notes
            .iter()
            .map(|&(p, s, d)| (p + up, s + 16 * bar, d))
            .collect()
    }

    const A1: [(u8, u64, u64); 4] = [(60, 0, 4), (62, 4, 4), (64, 8, 4), (65, 12, 4)];
    const A2: [(u8, u64, u64); 2] = [(67, 0, 8), (64, 8, 8)];
    const B1: [(u8, u64, u64); 3] = [(69, 0, 4), (67, 4, 4), (65, 8, 8)];
    const B2: [(u8, u64, u64); 1] = [(60, 0, 16)];

    #[test]
    fn empty_piece_and_one_note() {
        assert_eq!(phrase_repetition(&crate::music::Piece::default()), None);
        assert_eq!(
            bar_repetition(&stream(&[])),
            BarRepetition {
                bars: 0,
                exact: 0,
                repeated: 0
            }
        );
        assert_eq!(phrase_repetition(&piece(&[(60, 0, 4)])), Some(0.0));
    }

    #[test]
    fn an_aabb_tune_repeats_half_its_bars() {
        // A = two bars, B = two bars; played A A B B: bars 2, 3, 6, 7 repeat bars 0, 1, 4, 5.
        let mut notes = Vec::new();
        for (i, b) in [&A1[..], &A2, &A1, &A2, &B1, &B2, &B1, &B2]
            .iter()
            .enumerate()
        {
            notes.extend(bar(i as u64, 0, b));
        }
        let r = bar_repetition(&stream(&notes));
        assert_eq!(
            r,
            BarRepetition {
                bars: 8,
                exact: 4,
                repeated: 4
            }
        );
        assert_eq!(phrase_repetition(&piece(&notes)), Some(0.5));
    }

    #[test]
    fn transposed_bars_count_but_not_single_notes_nor_changed_rhythm() {
        let mut notes = Vec::new();
        notes.extend(bar(0, 0, &A1));
        notes.extend(bar(1, 2, &A1)); // A1 a tone higher: repeated (transposed)
        notes.extend(bar(2, 0, &B2));
        notes.extend(bar(3, 5, &B2)); // one note, other pitch: not a repeat
        notes.extend(bar(
            4,
            0,
            &[(60, 0, 4), (62, 4, 4), (64, 8, 2), (65, 12, 4)],
        )); // rhythm
        notes.extend(bar(5, 0, &B2)); // exact repeat of bar 2
        let r = bar_repetition(&stream(&notes));
        assert_eq!(
            r,
            BarRepetition {
                bars: 6,
                exact: 1,
                repeated: 2
            }
        );
        assert_eq!(r.share(), Some(2.0 / 6.0));
    }

    #[test]
    fn bars_follow_the_time_signature_and_rests_are_left_out() {
        // In 3/4 (12 ticks a bar) the same three quarters repeat every bar; in 4/4 they
        // would straddle bar lines. Bar 2 is a rest.
        let notes = [
            (60, 0, 4),
            (64, 4, 4),
            (67, 8, 4),
            (60, 12, 4),
            (64, 16, 4),
            (67, 20, 4),
            (60, 36, 4),
            (64, 40, 4),
            (67, 44, 4),
        ];
        let mut p = piece(&notes);
        p.time_signatures.push(TimeSignatureChange {
            tick: 0,
            signature: TimeSignature::new(3, 4).unwrap(),
        });
        let r = bar_repetition(&NoteStream::of(&p));
        assert_eq!((r.bars, r.exact, r.repeated), (3, 2, 2));
        let four_four = bar_repetition(&stream(&notes));
        assert_eq!(four_four.repeated, 0);
    }
}
