//! Laying played events on a tick timeline: onsets, ties, and the tempo, meter and key
//! changes where they happen.

use crate::music::{Key, Note, Pitch, Tick, TimeSignature, Velocity};

use super::events::{Event, SoundingNote};
use super::fields::Meter;
use super::ratio::Ratio;

/// Everything placed on the timeline.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Timeline {
    /// The notes in playing order.
    pub(crate) notes: Vec<Note>,
    /// Tempo changes after the start: (tick, microseconds per quarter).
    pub(crate) tempos: Vec<(Tick, u32)>,
    /// Time signature changes after the start.
    pub(crate) meters: Vec<(Tick, Option<TimeSignature>)>,
    /// Key signature changes after the start (`None`: no signature).
    pub(crate) keys: Vec<(Tick, Option<Key>)>,
    /// Where the first bar line after some music lies (`None`: no bar line after a note).
    pub(crate) first_bar: Option<Tick>,
}

/// A note that a tie may still lengthen.
#[derive(Clone, Copy, Debug)]
struct OpenTie {
    /// Index into the output notes.
    index: usize,
    /// Sounding pitch (the pitch of the first note of the tie chain).
    pitch: u8,
    /// Written staff position of the last note of the chain.
    staff: i32,
    /// Where the chain ends, in whole notes.
    end: Ratio,
    /// Whether a bar line lies between the chain's last note and now.
    crossed_bar: bool,
}

/// A note being built, with exact positions in whole notes.
#[derive(Clone, Copy, Debug)]
struct ExactNote {
    pitch: u8,
    start: Ratio,
    end: Ratio,
}

/// Places the events of `order` on a timeline of `ticks_per_whole` ticks per whole note.
///
/// Ties: a tied note is lengthened by the next note or chord when that note starts where the
/// tie ends and has the same pitch, or, across a bar line, the same written letter and octave
/// (the tie carries the pitch across the bar, as in notation and in abc2midi). A tie followed
/// by anything else is dropped.
pub(crate) fn lay_out(events: &[Event], order: &[usize], ticks_per_whole: u128) -> Timeline {
    let mut timeline = Timeline::default();
    let mut exact: Vec<ExactNote> = Vec::new();
    let mut open: Vec<OpenTie> = Vec::new();
    let mut now = Ratio::ZERO;
    let tick = |r: Ratio| r.round_scaled(ticks_per_whole);
    for &i in order {
        let Some(event) = events.get(i) else { continue };
        match event {
            Event::Notes { notes, advance } => {
                let mut still_open = Vec::new();
                for note in notes {
                    let tie = join_tie(&mut open, note, now);
                    let index = match tie {
                        Some(t) => {
                            let end = now + note.length;
                            if let Some(n) = exact.get_mut(t.index) {
                                n.end = end;
                            }
                            t.index
                        }
                        None => {
                            exact.push(ExactNote {
                                pitch: note.pitch,
                                start: now,
                                end: now + note.length,
                            });
                            exact.len() - 1
                        }
                    };
                    if note.tie {
                        still_open.push(OpenTie {
                            index,
                            pitch: exact.get(index).map_or(note.pitch, |n| n.pitch),
                            staff: note.staff,
                            end: now + note.length,
                            crossed_bar: false,
                        });
                    }
                }
                open = still_open;
                now = now + *advance;
            }
            Event::Rest(length) => {
                open.clear();
                now = now + *length;
            }
            Event::Bar(_) => {
                open.iter_mut().for_each(|t| t.crossed_bar = true);
                if timeline.first_bar.is_none() && now != Ratio::ZERO {
                    timeline.first_bar = Some(tick(now));
                }
            }
            Event::Ending(_) => {}
            Event::Tempo(micros) => timeline.tempos.push((tick(now), *micros)),
            Event::Meter(Meter { signature, .. }) => timeline.meters.push((tick(now), *signature)),
            Event::Key(key) => timeline.keys.push((tick(now), key.map(|k| k.to_key()))),
        }
    }
    timeline.notes = exact
        .into_iter()
        .filter_map(|n| {
            let start = tick(n.start);
            let duration = tick(n.end).saturating_sub(start).max(1);
            let pitch = Pitch::new(n.pitch).ok()?;
            Note::new(pitch, start, duration, Velocity::DEFAULT).ok()
        })
        .collect();
    timeline
}

/// Takes the open tie that `note`, starting at `now`, continues, if any.
fn join_tie(open: &mut Vec<OpenTie>, note: &SoundingNote, now: Ratio) -> Option<OpenTie> {
    let found = open.iter().position(|t| {
        t.end == now && (t.pitch == note.pitch || (t.crossed_bar && t.staff == note.staff))
    })?;
    Some(open.swap_remove(found))
}

#[cfg(test)]
mod tests {
    use super::super::lexer::BarToken;
    use super::*;

    fn note(pitch: u8, staff: i32, eighths: u128, tie: bool) -> Event {
        let n = SoundingNote {
            pitch,
            staff,
            length: Ratio::new(eighths, 8),
            tie,
        };
        Event::Notes {
            notes: vec![n],
            advance: n.length,
        }
    }

    fn bar() -> Event {
        Event::Bar(BarToken {
            end_repeat: false,
            start_repeat: false,
        })
    }

    /// (pitch, start, duration) at 480 ticks per quarter.
    fn lay(events: &[Event]) -> Vec<(u8, Tick, Tick)> {
        let order: Vec<usize> = (0..events.len()).collect();
        lay_out(events, &order, 1920)
            .notes
            .iter()
            .map(|n| (n.pitch.get(), n.start, n.duration.get()))
            .collect()
    }

    #[test]
    fn ties_join_equal_pitches() {
        // A2-A2 B2: one A of a half note, then B.
        let got = lay(&[
            note(69, 33, 2, true),
            note(69, 33, 2, false),
            note(71, 34, 2, false),
        ]);
        assert_eq!(got, [(69, 0, 960), (71, 960, 480)]);
    }

    #[test]
    fn ties_to_another_pitch_or_after_a_rest_are_dropped() {
        let got = lay(&[note(69, 33, 2, true), note(71, 34, 2, false)]);
        assert_eq!(got, [(69, 0, 480), (71, 480, 480)]);
        let got = lay(&[
            note(69, 33, 2, true),
            Event::Rest(Ratio::new(1, 4)),
            note(69, 33, 2, false),
        ]);
        assert_eq!(got, [(69, 0, 480), (69, 960, 480)]);
    }

    #[test]
    fn a_tie_across_the_bar_keeps_the_pitch() {
        // ^F4-|F4 in C: the F after the bar line is written without its sharp but still
        // sounds F#, one note of 8 eighths (abc2midi does the same).
        let got = lay(&[note(66, 31, 4, true), bar(), note(65, 31, 4, false)]);
        assert_eq!(got, [(66, 0, 1920)]);
        // Within the bar a different pitch on the same line is not joined.
        let got = lay(&[note(69, 33, 2, true), note(70, 33, 2, false)]);
        assert_eq!(got, [(69, 0, 480), (70, 480, 480)]);
    }

    #[test]
    fn chains_and_changes_land_on_ticks() {
        let events = [
            note(60, 28, 1, true),
            note(60, 28, 1, true),
            note(60, 28, 1, false),
            Event::Tempo(400_000),
            note(62, 29, 3, false),
        ];
        let order: Vec<usize> = (0..events.len()).collect();
        let t = lay_out(&events, &order, 1920);
        let got: Vec<_> = t
            .notes
            .iter()
            .map(|n| (n.pitch.get(), n.start, n.duration.get()))
            .collect();
        assert_eq!(got, [(60, 0, 720), (62, 720, 720)]);
        assert_eq!(t.tempos, [(720, 400_000)]);
    }

    #[test]
    fn triplet_positions_round_once() {
        // Three triplet eighths (1/12 each) then a quarter: onsets 0, 160, 320, 480.
        let third = |p: u8| {
            let n = SoundingNote {
                pitch: p,
                staff: 0,
                length: Ratio::new(1, 12),
                tie: false,
            };
            Event::Notes {
                notes: vec![n],
                advance: n.length,
            }
        };
        let got = lay(&[third(60), third(62), third(64), note(65, 0, 2, false)]);
        assert_eq!(
            got,
            [(60, 0, 160), (62, 160, 160), (64, 320, 160), (65, 480, 480)]
        );
    }
}
