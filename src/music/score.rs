//! A piece laid out as a score: bars at the metre's length, and in each bar the notes, chords
//! and rests of every part, split at bar lines with ties. What the ABC and MusicXML writers
//! share.
//!
//! # Rules
//! - **Grid.** Positions are counted in 64th notes ([`UNITS_PER_QUARTER`] per quarter). A note
//!   starting or ending between two 64ths is moved to the nearest one (a note never shrinks
//!   below one 64th). Pieces made in the studio lie on a 16th grid and are not changed.
//! - **Bars.** Bars follow the piece's time signatures from tick 0, or from the end of an
//!   opening partial bar (`pickup`, an anacrusis) when one is asked for; a time signature
//!   that takes effect inside a bar starts a new bar there. The last bar is filled with rests.
//! - **Parts.** Drum parts are left out (a piece with nothing else gives one part of rests).
//!   Each other part is one voice: notes that start and
//!   end together form a chord (notes that start together with different lengths form a
//!   chord of the shortest); a note still sounding when the next one starts is cut short
//!   there; silences become rests.
//! - **Key.** The key written at the start of the piece, or else the key estimated from its
//!   notes (C major for a piece without notes). Later key changes are not written.

use super::{Key, Part, Piece, Pitch, Tick, TimeSignature, estimate_piece_key};

/// Score positions per quarter note: the grid is the 64th note.
pub const UNITS_PER_QUARTER: u64 = 16;

/// How to lay a piece out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScoreOptions {
    /// Ticks of an opening partial bar (anacrusis); 0 for none. A value of a whole bar or
    /// more is read modulo the first bar's length.
    pub pickup: Tick,
}

/// One bar of the score.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bar {
    /// Where the bar starts, in units from the start of the piece.
    pub start: u64,
    /// Its length in units (shorter than the metre's bar for a pickup).
    pub length: u64,
    /// The time signature in force.
    pub signature: TimeSignature,
}

/// A note, chord or rest inside one bar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScoreEvent {
    /// Units from the start of the bar.
    pub offset: u64,
    /// Length in units.
    pub length: u64,
    /// The pitches sounding, lowest first; empty for a rest.
    pub pitches: Vec<Pitch>,
    /// Whether this continues a note of the previous bar (tied from it).
    pub tied_from_previous: bool,
    /// Whether the note goes on in the next bar (tied to it).
    pub tied_to_next: bool,
}

impl ScoreEvent {
    /// Whether this is a rest.
    pub fn is_rest(&self) -> bool {
        self.pitches.is_empty()
    }
}

/// One part of the score: its events bar by bar (one list per [`Score::bars`] entry).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScorePart {
    /// The part's name.
    pub name: String,
    /// The General MIDI program, 0..=127.
    pub program: u8,
    /// The MIDI channel, 0..=15.
    pub channel: u8,
    /// The events of each bar, in time order, filling the bar.
    pub bars: Vec<Vec<ScoreEvent>>,
}

/// A piece laid out in bars.
#[derive(Clone, Debug, PartialEq)]
pub struct Score {
    /// The title.
    pub title: String,
    /// The key the notes are spelled in.
    pub key: Key,
    /// Whether the key was written in the piece (false: estimated).
    pub key_declared: bool,
    /// The initial tempo in quarter notes per minute.
    pub bpm: f64,
    /// The bars, shared by every part.
    pub bars: Vec<Bar>,
    /// The parts (drum parts left out); a piece with no other part gives one part of rests.
    pub parts: Vec<ScorePart>,
}

impl Score {
    /// Whether the first bar is a pickup (shorter than its metre's bar).
    pub fn has_pickup(&self) -> bool {
        self.bars
            .first()
            .is_some_and(|b| b.length < bar_units(b.signature))
    }
}

/// Units in one bar of `signature`.
pub fn bar_units(signature: TimeSignature) -> u64 {
    UNITS_PER_QUARTER * 4 * u64::from(signature.numerator()) / u64::from(signature.denominator())
}

/// Lays out `piece` by the rules of the module documentation.
pub fn lay_out(piece: &Piece, options: &ScoreOptions) -> Score {
    let tpq = u64::from(piece.ticks_per_quarter.max(1));
    let to_units = |tick: Tick| -> u64 {
        ((u128::from(tick) * u128::from(UNITS_PER_QUARTER) + u128::from(tpq) / 2) / u128::from(tpq))
            as u64
    };
    let parts: Vec<&Part> = piece.parts.iter().filter(|p| !p.is_drums()).collect();
    let voices: Vec<Vec<Slot>> = parts.iter().map(|p| voice(p, &to_units)).collect();
    let end = voices
        .iter()
        .filter_map(|v| v.last().map(|s| s.end))
        .max()
        .unwrap_or(0);
    let changes: Vec<(u64, TimeSignature)> = piece
        .time_signatures
        .iter()
        .map(|c| (to_units(c.tick), c.signature))
        .collect();
    let bars = bars(&changes, to_units(options.pickup), end);
    let mut parts: Vec<ScorePart> = parts
        .iter()
        .zip(&voices)
        .map(|(part, slots)| ScorePart {
            name: part.name.clone(),
            program: part.program.get(),
            channel: part.channel.get(),
            bars: fill_bars(slots, &bars),
        })
        .collect();
    if parts.is_empty() {
        parts.push(ScorePart {
            name: "Melody".to_string(),
            program: 0,
            channel: 0,
            bars: fill_bars(&[], &bars),
        });
    }
    let (key, key_declared) = match piece.declared_key() {
        Some(k) => (k, true),
        None => (
            estimate_piece_key(piece).map_or(Key::C_MAJOR, |e| e.key),
            false,
        ),
    };
    Score {
        title: piece.title.clone(),
        key,
        key_declared,
        bpm: piece.tempo_map.initial_bpm(),
        bars,
        parts,
    }
}

/// A chord (or single note) of one voice on the unit grid.
#[derive(Clone, Debug)]
struct Slot {
    start: u64,
    end: u64,
    pitches: Vec<Pitch>,
}

/// The part's notes as one voice of non-overlapping chords.
fn voice(part: &Part, to_units: &impl Fn(Tick) -> u64) -> Vec<Slot> {
    let mut notes: Vec<(u64, u64, Pitch)> = part
        .notes
        .iter()
        .map(|n| {
            let start = to_units(n.start);
            (start, to_units(n.end()).max(start + 1), n.pitch)
        })
        .collect();
    notes.sort();
    let mut slots: Vec<Slot> = Vec::new();
    for (start, end, pitch) in notes {
        match slots.last_mut() {
            Some(last) if last.start == start => {
                // Sorted by length within an onset: a longer note joins the chord with the
                // chord's (shorter) length.
                if !last.pitches.contains(&pitch) {
                    last.pitches.push(pitch);
                }
            }
            _ => {
                if let Some(last) = slots.last_mut() {
                    last.end = last.end.min(start);
                }
                slots.push(Slot {
                    start,
                    end,
                    pitches: vec![pitch],
                });
            }
        }
    }
    for slot in &mut slots {
        slot.pitches.sort();
    }
    slots
}

/// The bars from 0 to at least `end` (at least one bar).
fn bars(changes: &[(u64, TimeSignature)], pickup: u64, end: u64) -> Vec<Bar> {
    let signature_at = |unit: u64| {
        changes
            .iter()
            .take_while(|(at, _)| *at <= unit)
            .last()
            .map_or_else(TimeSignature::default, |(_, s)| *s)
    };
    let next_change_after = |unit: u64| changes.iter().map(|(at, _)| *at).find(|at| *at > unit);
    let mut bars = Vec::new();
    let mut start = 0;
    let first = signature_at(0);
    let pickup = pickup % bar_units(first);
    if pickup > 0 {
        bars.push(Bar {
            start: 0,
            length: pickup,
            signature: first,
        });
        start = pickup;
    }
    while start < end || bars.is_empty() {
        let signature = signature_at(start);
        let mut length = bar_units(signature);
        if let Some(change) = next_change_after(start) {
            length = length.min(change - start);
        }
        bars.push(Bar {
            start,
            length,
            signature,
        });
        start += length;
    }
    bars
}

/// The voice's chords and the rests between them, split at the bar lines.
fn fill_bars(slots: &[Slot], bars: &[Bar]) -> Vec<Vec<ScoreEvent>> {
    let mut out: Vec<Vec<ScoreEvent>> = vec![Vec::new(); bars.len()];
    let mut time = 0;
    let mut pieces: Vec<(u64, u64, &[Pitch])> = Vec::new();
    for slot in slots.iter().filter(|s| s.end > s.start) {
        if slot.start > time {
            pieces.push((time, slot.start, &[]));
        }
        pieces.push((slot.start, slot.end, &slot.pitches));
        time = slot.end;
    }
    if let Some(last) = bars.last() {
        let end = last.start + last.length;
        if end > time {
            pieces.push((time, end, &[]));
        }
    }
    for (start, end, pitches) in pieces {
        for (i, bar) in bars.iter().enumerate() {
            let bar_end = bar.start + bar.length;
            let (from, to) = (start.max(bar.start), end.min(bar_end));
            if from >= to {
                continue;
            }
            let tied = !pitches.is_empty();
            out[i].push(ScoreEvent {
                offset: from - bar.start,
                length: to - from,
                pitches: pitches.to_vec(),
                tied_from_previous: tied && from > start,
                tied_to_next: tied && to < end,
            });
        }
    }
    out
}

/// The greatest common divisor of two lengths (the other one when one is 0).
pub fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// A length in units as notatable values, longest first: each is (base units, dotted), the
/// base a power of two from a 64th (1) to a breve (128). Their sum is `units`.
pub fn notated_values(units: u64) -> Vec<(u64, bool)> {
    let mut left = units;
    let mut values = Vec::new();
    while left > 0 {
        let mut base = 128;
        while base > 1 && base > left {
            base /= 2;
        }
        let dotted = base > 1 && left >= base + base / 2;
        values.push((base, dotted));
        left -= if dotted { base + base / 2 } else { base };
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::{Note, TimeSignatureChange, Velocity};

    fn piece(notes: &[(u8, u64, u64)], metre: &str) -> Piece {
        let notes = notes
            .iter()
            .map(|&(p, s, d)| Note::new(Pitch::new(p).unwrap(), s, d, Velocity::DEFAULT).unwrap())
            .collect();
        let mut piece = Piece::from_notes(480, "Melody", notes).unwrap();
        piece.time_signatures.push(TimeSignatureChange {
            tick: 0,
            signature: metre.parse().unwrap(),
        });
        piece
    }

    /// Per bar, per event: (offset, length, pitches, tied from the previous, tied to the next).
    type BarSummary = Vec<(u64, u64, Vec<u8>, bool, bool)>;

    fn summary(score: &Score) -> Vec<BarSummary> {
        score.parts[0]
            .bars
            .iter()
            .map(|bar| {
                bar.iter()
                    .map(|e| {
                        let p = e.pitches.iter().map(|p| p.get()).collect();
                        (e.offset, e.length, p, e.tied_from_previous, e.tied_to_next)
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn a_note_across_the_bar_line_is_tied_and_the_last_bar_filled() {
        // 3/4: a half note, then a half note over the bar line, then nothing.
        let score = lay_out(
            &piece(&[(60, 0, 960), (62, 960, 960)], "3/4"),
            &ScoreOptions::default(),
        );
        assert_eq!(score.bars.len(), 2);
        assert_eq!(
            summary(&score),
            [
                vec![
                    (0, 32, vec![60], false, false),
                    (32, 16, vec![62], false, true)
                ],
                vec![
                    (0, 16, vec![62], true, false),
                    (16, 32, vec![], false, false)
                ],
            ]
        );
    }

    #[test]
    fn a_pickup_makes_a_short_first_bar() {
        // 2/4 with an eighth-note pickup.
        let score = lay_out(
            &piece(&[(67, 0, 240), (72, 240, 960)], "2/4"),
            &ScoreOptions { pickup: 240 },
        );
        assert!(score.has_pickup());
        assert_eq!(
            score
                .bars
                .iter()
                .map(|b| (b.start, b.length))
                .collect::<Vec<_>>(),
            [(0, 8), (8, 32)]
        );
        assert_eq!(summary(&score)[1], [(0, 32, vec![72], false, false)]);
    }

    #[test]
    fn chords_overlaps_and_drums() {
        let mut p = piece(
            &[(60, 0, 480), (64, 0, 480), (67, 240, 480), (69, 480, 480)],
            "4/4",
        );
        let mut drums = Part::new("drums");
        drums.channel = crate::music::Channel::DRUMS;
        p.parts.push(drums);
        let score = lay_out(&p, &ScoreOptions::default());
        assert_eq!(score.parts.len(), 1);
        assert_eq!(
            summary(&score)[0][..3],
            [
                (0, 8, vec![60, 64], false, false),
                (8, 8, vec![67], false, false),
                (16, 16, vec![69], false, false),
            ]
        );
    }

    #[test]
    fn values_are_notatable() {
        assert_eq!(notated_values(16), [(16, false)]);
        assert_eq!(notated_values(24), [(16, true)]);
        assert_eq!(notated_values(20), [(16, false), (4, false)]);
        assert_eq!(notated_values(7), [(4, true), (1, false)]);
        assert_eq!(notated_values(96), [(64, true)]);
        assert_eq!(notated_values(1), [(1, false)]);
    }
}
