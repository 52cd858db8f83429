//! Monophonic melody extraction from polyphony by the "skyline" rule.
//!
//! # The rule
//! 1. Every note is first snapped to the grid as [`quantize_note`] does with
//!    [`QuantizeMode::StartsAndEnds`]: start and end to the nearest grid line, at least one
//!    step long. So a note played a little early or late still counts, and no note is
//!    shorter than a step.
//! 2. At each grid line (each step), the sounding notes are those with
//!    `start <= line < end`. The step's melody pitch is the highest sounding pitch; with
//!    nothing sounding, the step is a rest.
//! 3. Consecutive steps with the same melody pitch form one note, unless a note of that
//!    pitch starts on the later step: a new onset of the same pitch starts a new note.
//!    (So a held note that re-emerges after a higher note ends starts a new melody note,
//!    since the pitch changed; two overlapping notes of one pitch without a new onset stay
//!    one note.)
//! 4. Each melody note takes the velocity of the note whose onset began it (or, for a note
//!    that re-emerges, of the sounding note of that pitch that started last).
//!
//! Drum parts are ignored by the functions over pieces.

use std::collections::BTreeSet;

use super::transform::{Grid, GridTicks, QuantizeMode, TransformError, quantize_note};
use super::{Note, Part, Piece, Tick};

/// Extracts the skyline melody (see the module documentation for the exact rule) from any
/// notes at a resolution. The result is sorted and monophonic: no two notes overlap.
pub fn skyline<'a>(
    notes: impl IntoIterator<Item = &'a Note>,
    grid: Grid,
    ticks_per_quarter: u16,
) -> Result<Vec<Note>, TransformError> {
    let ticks = grid.ticks(ticks_per_quarter)?;
    Ok(skyline_on(notes, &ticks))
}

fn skyline_on<'a>(notes: impl IntoIterator<Item = &'a Note>, grid: &GridTicks) -> Vec<Note> {
    let snapped: Vec<Note> = notes
        .into_iter()
        .map(|n| {
            let mut n = *n;
            quantize_note(&mut n, grid, QuantizeMode::StartsAndEnds);
            n
        })
        .collect();
    let mut by_start: Vec<usize> = (0..snapped.len()).collect();
    by_start.sort_by_key(|&i| snapped[i].start);
    let mut by_end = by_start.clone();
    by_end.sort_by_key(|&i| snapped[i].end());
    let mut boundaries: Vec<Tick> = snapped.iter().flat_map(|n| [n.start, n.end()]).collect();
    boundaries.sort_unstable();
    boundaries.dedup();

    // Sounding notes ordered by (pitch, start): the last is the highest pitch and, among
    // notes of that pitch, the one that started last.
    let mut sounding: BTreeSet<(u8, Tick, usize)> = BTreeSet::new();
    let (mut next_start, mut next_end) = (0, 0);
    let mut melody: Vec<Note> = Vec::new();
    for segment in boundaries.windows(2) {
        let (from, to) = (segment[0], segment[1]);
        while let Some(&i) = by_start
            .get(next_start)
            .filter(|&&i| snapped[i].start <= from)
        {
            sounding.insert((snapped[i].pitch.get(), snapped[i].start, i));
            next_start += 1;
        }
        while let Some(&i) = by_end.get(next_end).filter(|&&i| snapped[i].end() <= from) {
            sounding.remove(&(snapped[i].pitch.get(), snapped[i].start, i));
            next_end += 1;
        }
        // Between two boundaries the sounding set is constant, so every step in the segment
        // has the same melody pitch; only the segment's first step can hold an onset.
        let Some(&(_, onset, top)) = sounding.last() else {
            continue;
        };
        let top = snapped[top];
        let continues = melody
            .last()
            .is_some_and(|last| last.end() == from && last.pitch == top.pitch && onset < from);
        match melody.last_mut() {
            Some(last) if continues => {
                if let Some(duration) = std::num::NonZeroU64::new(to - last.start) {
                    last.duration = duration;
                }
            }
            _ => {
                if let Some(duration) = std::num::NonZeroU64::new(to - from) {
                    melody.push(Note {
                        start: from,
                        duration,
                        ..top
                    });
                }
            }
        }
    }
    melody
}

/// The skyline melody of a piece's pitched parts (drums ignored) as one part named
/// "Melody", with the program and channel of the first pitched part that has notes.
pub fn extract_melody(piece: &Piece, grid: Grid) -> Result<Part, TransformError> {
    let notes = skyline(piece.pitched_notes(), grid, piece.ticks_per_quarter)?;
    let source = piece
        .parts
        .iter()
        .find(|p| !p.is_drums() && !p.notes.is_empty());
    Ok(Part {
        name: "Melody".to_string(),
        program: source.map(|p| p.program).unwrap_or_default(),
        channel: source.map(|p| p.channel).unwrap_or_default(),
        notes,
    })
}

/// A copy of the piece (title, resolution, tempo, time and key signatures) whose only part
/// is its skyline melody (see [`extract_melody`]).
pub fn melody_piece(piece: &Piece, grid: Grid) -> Result<Piece, TransformError> {
    let melody = extract_melody(piece, grid)?;
    Ok(Piece {
        title: piece.title.clone(),
        ticks_per_quarter: piece.ticks_per_quarter,
        tempo_map: piece.tempo_map.clone(),
        time_signatures: piece.time_signatures.clone(),
        key_signatures: piece.key_signatures.clone(),
        parts: vec![melody],
        pickup: piece.pickup,
    })
}

/// The first two notes (in start order) that sound at the same time, if any. Notes that
/// touch (one ends where the next starts) do not overlap.
pub fn first_overlap(notes: &[Note]) -> Option<(Note, Note)> {
    let mut sorted = notes.to_vec();
    super::sort_notes(&mut sorted);
    let mut longest: Option<Note> = None;
    for note in sorted {
        if let Some(held) = longest
            && note.start < held.end()
        {
            return Some((held, note));
        }
        if longest.is_none_or(|held| note.end() > held.end()) {
            longest = Some(note);
        }
    }
    None
}

/// Whether no two notes sound at the same time.
pub fn is_monophonic(notes: &[Note]) -> bool {
    first_overlap(notes).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::{Channel, Pitch, Velocity};
    use proptest::prelude::*;

    const Q: Tick = 480; // a quarter note at 480 ticks per quarter
    const S: Tick = 120; // a 16th

    fn note(pitch: u8, start: Tick, end: Tick) -> Note {
        Note::new(
            Pitch::new(pitch).unwrap(),
            start,
            end - start,
            Velocity::DEFAULT,
        )
        .unwrap()
    }

    fn spans(notes: &[Note]) -> Vec<(u8, Tick, Tick)> {
        notes
            .iter()
            .map(|n| (n.pitch.get(), n.start, n.end()))
            .collect()
    }

    fn sky(notes: &[Note]) -> Vec<(u8, Tick, Tick)> {
        spans(&skyline(notes, Grid::SIXTEENTH, 480).unwrap())
    }

    #[test]
    fn a_held_chord_gives_its_top_note_once() {
        let chord = [note(60, 0, 2 * Q), note(64, 0, 2 * Q), note(67, 0, 2 * Q)];
        assert_eq!(sky(&chord), vec![(67, 0, 2 * Q)]);
    }

    #[test]
    fn a_chord_sequence_gives_the_top_voice() {
        let notes = [
            note(48, 0, 4 * Q), // a bass note under everything
            note(64, 0, Q),
            note(67, 0, Q),
            note(65, Q, 2 * Q),
            note(69, Q, 2 * Q),
            note(67, 2 * Q, 3 * Q),
            note(71, 2 * Q, 3 * Q),
            note(72, 3 * Q, 4 * Q),
        ];
        assert_eq!(
            sky(&notes),
            vec![
                (67, 0, Q),
                (69, Q, 2 * Q),
                (71, 2 * Q, 3 * Q),
                (72, 3 * Q, 4 * Q)
            ]
        );
    }

    #[test]
    fn a_held_low_note_re_emerges_after_a_higher_one() {
        let notes = [note(60, 0, 4 * Q), note(64, Q, 2 * Q)];
        assert_eq!(
            sky(&notes),
            vec![(60, 0, Q), (64, Q, 2 * Q), (60, 2 * Q, 4 * Q)]
        );
    }

    #[test]
    fn gaps_stay_rests() {
        let notes = [
            note(60, 0, S),
            note(62, 4 * S, 6 * S),
            note(59, 6 * S, 7 * S),
        ];
        assert_eq!(
            sky(&notes),
            vec![(60, 0, S), (62, 4 * S, 6 * S), (59, 6 * S, 7 * S)]
        );
    }

    #[test]
    fn a_new_onset_of_the_same_pitch_starts_a_new_note() {
        let repeated = [note(60, 0, Q), note(60, Q, 2 * Q)];
        assert_eq!(sky(&repeated), vec![(60, 0, Q), (60, Q, 2 * Q)]);
        // Re-struck while still held: a new note from the re-strike on, and no third
        // onset when the re-struck note ends before the held one.
        let restruck = [note(60, 0, 4 * Q), note(60, Q, 2 * Q)];
        assert_eq!(sky(&restruck), vec![(60, 0, Q), (60, Q, 4 * Q)]);
    }

    #[test]
    fn a_lower_note_starting_under_a_held_top_note_changes_nothing() {
        let notes = [note(72, 0, 2 * Q), note(60, Q, 3 * Q)];
        assert_eq!(sky(&notes), vec![(72, 0, 2 * Q), (60, 2 * Q, 3 * Q)]);
    }

    #[test]
    fn slightly_off_grid_notes_are_snapped_first() {
        let notes = [note(60, 10, 470), note(62, 475, 965)];
        assert_eq!(sky(&notes), vec![(60, 0, Q), (62, Q, 2 * Q)]);
        // A grace note shorter than a step still gets one step, and wins it if higher.
        let grace = [note(74, 5, 30), note(72, 0, Q)];
        assert_eq!(sky(&grace), vec![(74, 0, S), (72, S, Q)]);
    }

    #[test]
    fn velocities_come_from_the_note_that_began_each_melody_note() {
        let loud = Note {
            velocity: Velocity::new(120).unwrap(),
            ..note(72, Q, 2 * Q)
        };
        let melody = skyline(&[note(60, 0, 2 * Q), loud], Grid::SIXTEENTH, 480).unwrap();
        let velocities: Vec<u8> = melody.iter().map(|n| n.velocity.get()).collect();
        assert_eq!(velocities, vec![80, 120]);
    }

    #[test]
    fn drums_are_ignored_and_the_part_keeps_the_instrument() {
        let mut piece = Piece::from_notes(480, "strings", vec![note(60, 0, Q)]).unwrap();
        piece.parts[0].program = crate::music::Program::new(48).unwrap();
        piece.parts[0].channel = Channel::new(2).unwrap();
        piece.parts.insert(
            0,
            Part {
                channel: Channel::DRUMS,
                notes: vec![note(81, 0, 4 * Q)],
                ..Part::new("drums")
            },
        );
        let melody = extract_melody(&piece, Grid::SIXTEENTH).unwrap();
        assert_eq!(spans(&melody.notes), vec![(60, 0, Q)]);
        assert_eq!(melody.program.get(), 48);
        assert_eq!(melody.channel.get(), 2);
        let only = melody_piece(&piece, Grid::SIXTEENTH).unwrap();
        assert_eq!(only.parts.len(), 1);
        assert_eq!(only.ticks_per_quarter, 480);
    }

    #[test]
    fn a_coarser_grid_samples_coarser() {
        // On an 8th grid at 480 (240 ticks), a 16th note at 120..240 snaps to 240..480
        // (120 is halfway: the later line), above the held C.
        let notes = [note(60, 0, Q), note(64, S, 2 * S)];
        let got = skyline(&notes, Grid::EIGHTH, 480).unwrap();
        assert_eq!(spans(&got), vec![(60, 0, 240), (64, 240, Q)]);
    }

    #[test]
    fn empty_input_gives_an_empty_melody() {
        assert!(sky(&[]).is_empty());
        assert!(skyline(&[], Grid::THIRTY_SECOND, 4).is_err());
    }

    #[test]
    fn overlaps_are_found() {
        assert!(is_monophonic(&[note(60, 0, Q), note(62, Q, 2 * Q)]));
        assert!(!is_monophonic(&[
            note(60, 0, 3 * Q),
            note(62, Q, 2 * Q),
            note(64, 2 * Q, 4 * Q)
        ]));
        let (a, b) = first_overlap(&[note(64, 2 * Q, 4 * Q), note(60, 0, 3 * Q)]).unwrap();
        assert_eq!((a.pitch.get(), b.pitch.get()), (60, 64));
        assert!(is_monophonic(&[]));
    }

    proptest! {
        /// The sweep agrees with sampling every step by brute force.
        #[test]
        fn skyline_matches_step_by_step_sampling(
            raw in prop::collection::vec((40u8..90, 0u64..4_000, 1u64..1_500), 0..25)
        ) {
            let notes: Vec<Note> = raw.iter().map(|&(p, s, d)| note(p, s, s + d)).collect();
            let grid = Grid::SIXTEENTH.ticks(480).unwrap();
            let melody = skyline(&notes, Grid::SIXTEENTH, 480).unwrap();
            prop_assert!(is_monophonic(&melody));
            let snapped: Vec<Note> = notes.iter().map(|n| {
                let mut n = *n;
                quantize_note(&mut n, &grid, QuantizeMode::StartsAndEnds);
                n
            }).collect();
            for k in 0..60u64 {
                let line = k * S;
                let expected = snapped.iter().filter(|n| n.sounds_at(line)).map(|n| n.pitch).max();
                let got: Vec<&Note> = melody.iter().filter(|n| n.sounds_at(line)).collect();
                prop_assert_eq!(got.first().map(|n| n.pitch), expected);
                // A melody note starts here exactly when the pitch changes or is re-struck.
                if let Some(pitch) = expected {
                    let restruck = snapped.iter().any(|n| n.pitch == pitch && n.start == line);
                    let before = snapped.iter().filter(|n| line > 0 && n.sounds_at(line - S)).map(|n| n.pitch).max();
                    let starts_here = melody.iter().any(|n| n.start == line);
                    prop_assert_eq!(starts_here, restruck || before != Some(pitch));
                }
            }
        }

        /// An on-grid monophonic line comes back unchanged.
        #[test]
        fn a_monophonic_on_grid_line_is_its_own_skyline(
            steps in prop::collection::vec((0u64..3, 1u64..6, 40u8..90), 0..20)
        ) {
            let mut t = 0;
            let mut line = Vec::new();
            for (gap, len, pitch) in steps {
                t += gap * S;
                line.push(note(pitch, t, t + len * S));
                t += len * S;
            }
            prop_assert_eq!(skyline(&line, Grid::SIXTEENTH, 480).unwrap(), line);
        }
    }
}
