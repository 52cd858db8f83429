//! The order in which written events are played: repeats `|: :|` and numbered endings
//! `[1 [2` expanded the way abc2midi plays them, or the notes read once as written.

use super::events::Event;

/// How repeats are read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RepeatMode {
    /// Play repeated sections again and pick the numbered ending of each pass, as abc2midi
    /// and a performer do: `|:A:|B` gives A A B.
    #[default]
    Expand,
    /// Read every note once in written order, all endings included: `|:A:|B` gives A B.
    AsWritten,
}

/// A section can be played at most this many times (a guard against odd ending numbers).
const MAX_PASSES: u32 = 16;

/// The indices of `events` in playing order.
///
/// Rules (checked against abc2midi 4.84): `:|` jumps back to the last `|:`, or to the start of
/// the tune (or just after the previous `:|`) when there is none; the second time through, the
/// section goes on. `[1`, `|1`, `[2`... play on the matching pass only; a `:|` inside an ending
/// jumps back again while a later ending of the same section waits for the next pass.
pub(crate) fn play_order(events: &[Event], mode: RepeatMode) -> Vec<usize> {
    if mode == RepeatMode::AsWritten {
        return (0..events.len()).collect();
    }
    let mut order = Vec::with_capacity(events.len());
    let mut section_start = 0;
    let mut pass = 1u32;
    let mut skipping = false;
    let mut in_ending = false;
    let mut i = 0;
    while i < events.len() {
        match &events[i] {
            Event::Ending(numbers) => {
                in_ending = true;
                skipping = !numbers.contains(&pass);
            }
            Event::Bar(bar) => {
                if bar.end_repeat {
                    if skipping {
                        // The skipped ending is over; what follows plays on this pass.
                        skipping = false;
                        in_ending = false;
                    } else {
                        order.push(i);
                        let again = pass == 1
                            || (in_ending
                                && section_has_ending(events, section_start, i, pass + 1));
                        if again && pass < MAX_PASSES {
                            pass += 1;
                            i = section_start;
                            in_ending = false;
                            continue;
                        }
                        pass = 1;
                        in_ending = false;
                        section_start = i + 1;
                    }
                } else if !skipping {
                    order.push(i);
                }
                if bar.start_repeat {
                    section_start = i + 1;
                    pass = 1;
                    skipping = false;
                    in_ending = false;
                }
            }
            _ => {
                if !skipping {
                    order.push(i);
                }
            }
        }
        i += 1;
    }
    order
}

/// Whether the section that starts at `start` and contains `at` has an ending for `pass`
/// (the section runs until the next start of a repeat).
fn section_has_ending(events: &[Event], start: usize, at: usize, pass: u32) -> bool {
    let end = events[at..]
        .iter()
        .position(|e| matches!(e, Event::Bar(bar) if bar.start_repeat))
        .map_or(events.len(), |offset| at + offset);
    events[start..end]
        .iter()
        .any(|e| matches!(e, Event::Ending(numbers) if numbers.contains(&pass)))
}

#[cfg(test)]
mod tests {
    use super::super::lexer::BarToken;
    use super::super::ratio::Ratio;
    use super::*;

    /// A tiny notation: letters are rests standing for notes ('a' = 1, 'b' = 2, ...),
    /// `|` `:|` `|:` `::` bars, digits endings.
    fn events(text: &str) -> Vec<Event> {
        text.split_whitespace()
            .map(|w| match w {
                "|" => Event::Bar(BarToken {
                    end_repeat: false,
                    start_repeat: false,
                }),
                "|:" => Event::Bar(BarToken {
                    end_repeat: false,
                    start_repeat: true,
                }),
                ":|" => Event::Bar(BarToken {
                    end_repeat: true,
                    start_repeat: false,
                }),
                "::" => Event::Bar(BarToken {
                    end_repeat: true,
                    start_repeat: true,
                }),
                _ if w.starts_with('[') => {
                    Event::Ending(w[1..].split(',').map(|n| n.parse().unwrap()).collect())
                }
                _ => Event::Rest(Ratio::int(u128::from(w.as_bytes()[0] - b'a' + 1))),
            })
            .collect()
    }

    fn played(text: &str) -> String {
        let ev = events(text);
        play_order(&ev, RepeatMode::Expand)
            .into_iter()
            .filter_map(|i| match ev[i] {
                Event::Rest(r) => Some(char::from(b'a' - 1 + r.num() as u8)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn repeats_play_twice() {
        // These orders were produced by abc2midi 4.84 for the same bar structure.
        assert_eq!(played("a b :| c d"), "ababcd");
        assert_eq!(played("a | b |: c d :| e"), "abcdcde");
        assert_eq!(played("a :| b :| c"), "aabbc");
        assert_eq!(played("|: a b :: c :| d"), "ababccd");
    }

    #[test]
    fn endings_pick_the_pass() {
        assert_eq!(played("|: a [1 b :| [2 c | d"), "abacd");
        assert_eq!(played("|: a [1 b :| c d"), "abacd");
        assert_eq!(played("|: a [1 b :| [2 c :| [3 d | e"), "abacade");
        assert_eq!(played("|: a [1,3 b :| [2 c :| e"), "abacabe");
    }

    #[test]
    fn as_written_reads_everything_once() {
        let ev = events("|: a [1 b :| [2 c");
        assert_eq!(
            play_order(&ev, RepeatMode::AsWritten),
            (0..ev.len()).collect::<Vec<_>>()
        );
    }
}
