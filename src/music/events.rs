//! A piece flattened into timed note-on and note-off events: the one flattening behind the
//! built-in synthesizer's schedule (`audio::Schedule`), MIDI out (`devices::Timeline`) and
//! MIDI files (`midi::write_bytes`).
//!
//! # Overlapping notes of one key
//!
//! A stream of note events (a MIDI port, a synthesizer, one track of a file) has one key per
//! (channel, pitch), and a note-off names a key, not a note: sent as they are, two overlapping
//! notes of one key give on, on, off, off, and the first note-off silences the second note
//! early on most hardware synthesizers. So the events are played the way a keyboard plays
//! them, one rule everywhere:
//!
//! - **A key sounds while any of its notes sounds.** It goes down at the first note's start
//!   and comes up only when the last of the notes that overlap it has ended (their union).
//! - **Every later start strikes the key again**: a note that starts while its key is down
//!   first ends what sounds (a note-off at the same tick), then strikes (a note-on).
//! - **Notes that start on the same tick are one strike**, at the loudest of their velocities
//!   (one key cannot be struck twice at one instant).
//!
//! So the stream holds at most one sounding note per key, every note-off ends the note-on
//! just before it on that key, and no note is cut before its written end. What sounds depends
//! only on the notes' starts and ends, not on how a reader pairs them; a MIDI file written
//! from the events reads back as the notes actually played (a note ends where the next strike
//! of its key begins), and writing that again gives the same bytes.
//!
//! Order: by tick; at one tick every note-off comes before any note-on (a note that ends where
//! the same key starts again is released and struck again), then by part (in the order
//! given), then by pitch.

use super::{Channel, Part, Pitch, Tick, Velocity};

/// What happens to a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoteAction {
    /// The key goes down with a velocity.
    On(Velocity),
    /// The key comes up.
    Off,
}

impl NoteAction {
    /// Note-offs sort before note-ons.
    fn order(self) -> u8 {
        match self {
            NoteAction::Off => 0,
            NoteAction::On(_) => 1,
        }
    }
}

/// One event of a flattened piece.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoteEvent {
    /// When, in ticks.
    pub tick: Tick,
    /// The position of the event's part in the parts given to [`note_events`] (for the
    /// note-off of a strike again: the part of the note that strikes).
    pub part: usize,
    /// On which channel (the part's).
    pub channel: Channel,
    /// Which key.
    pub pitch: Pitch,
    /// Down or up.
    pub action: NoteAction,
}

/// Channels × pitches.
const KEYS: usize = 16 * 128;

/// Flattens parts into note events, sorted and with overlapping notes of one key resolved
/// (see the module documentation). Parts on one channel share its keys; give the parts of one
/// stream together (a whole piece for a synthesizer or a port, one part for a file track).
pub fn note_events<'a>(parts: impl IntoIterator<Item = &'a Part>) -> Vec<NoteEvent> {
    let mut raw = Vec::new();
    for (part, p) in parts.into_iter().enumerate() {
        raw.reserve(2 * p.notes.len());
        for note in &p.notes {
            let event = |tick, action| NoteEvent {
                tick,
                part,
                channel: p.channel,
                pitch: note.pitch,
                action,
            };
            raw.push(event(note.start, NoteAction::On(note.velocity)));
            raw.push(event(note.end(), NoteAction::Off));
        }
    }
    raw.sort_by_key(order);
    let mut events = resolve(raw);
    // The note-off of a strike again stands just before its note-on: put it in its place
    // among the note-offs of its tick (a key has at most one event of each kind per tick).
    events.sort_by_key(order);
    events
}

/// The order of the events: tick, note-offs first, part, pitch.
fn order(event: &NoteEvent) -> (Tick, u8, usize, Pitch) {
    (event.tick, event.action.order(), event.part, event.pitch)
}

/// Plays sorted raw events (one note-on and one note-off per note) as a keyboard would.
fn resolve(sorted: Vec<NoteEvent>) -> Vec<NoteEvent> {
    // Per key: how many of its notes sound, and where its last note-on is in `out`.
    let mut sounding = vec![0u32; KEYS];
    let mut last_on = vec![usize::MAX; KEYS];
    let mut out: Vec<NoteEvent> = Vec::with_capacity(sorted.len());
    for event in sorted {
        let key = usize::from(event.channel.get()) * 128 + usize::from(event.pitch.get());
        let count = &mut sounding[key];
        match event.action {
            NoteAction::On(velocity) => {
                if *count > 0 {
                    let struck = out.get_mut(last_on[key]);
                    if let Some(struck) = struck.filter(|s| s.tick == event.tick) {
                        // One strike: keep the loudest velocity.
                        if let NoteAction::On(v) = &mut struck.action {
                            *v = (*v).max(velocity);
                        }
                        *count += 1;
                        continue;
                    }
                    out.push(NoteEvent {
                        action: NoteAction::Off,
                        ..event
                    });
                }
                *count += 1;
                last_on[key] = out.len();
                out.push(event);
            }
            NoteAction::Off => {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    out.push(event);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::Note;

    fn note(pitch: u8, start: Tick, len: Tick, velocity: u8) -> Note {
        Note::new(
            Pitch::new(pitch).unwrap(),
            start,
            len,
            Velocity::new(velocity).unwrap(),
        )
        .unwrap()
    }

    fn part(channel: u8, notes: Vec<Note>) -> Part {
        Part {
            channel: Channel::new(channel).unwrap(),
            notes,
            ..Part::new("p")
        }
    }

    /// (tick, pitch, velocity or 0 for an off).
    fn plain(events: &[NoteEvent]) -> Vec<(Tick, u8, u8)> {
        events
            .iter()
            .map(|e| {
                let v = match e.action {
                    NoteAction::On(v) => v.get(),
                    NoteAction::Off => 0,
                };
                (e.tick, e.pitch.get(), v)
            })
            .collect()
    }

    #[test]
    fn a_strike_while_the_key_is_down_ends_what_sounds_and_the_last_release_lifts_it() {
        // C4: 0..1000 holds over 200..500 (nested); E4: 300..600 overlapped by 400..900.
        let p = part(
            0,
            vec![
                note(60, 0, 1000, 10),
                note(60, 200, 300, 20),
                note(64, 300, 300, 30),
                note(64, 400, 500, 40),
            ],
        );
        assert_eq!(
            plain(&note_events([&p])),
            vec![
                (0, 60, 10),
                (200, 60, 0),
                (200, 60, 20),
                (300, 64, 30),
                (400, 64, 0),
                (400, 64, 40),
                (900, 64, 0),
                (1000, 60, 0),
            ]
        );
    }

    #[test]
    fn touching_notes_strike_again_and_offs_come_first_at_a_tick() {
        let p = part(0, vec![note(60, 0, 480, 50), note(60, 480, 480, 60)]);
        let q = part(1, vec![note(48, 0, 480, 70), note(72, 480, 10, 80)]);
        assert_eq!(
            plain(&note_events([&p, &q])),
            vec![
                (0, 60, 50),
                (0, 48, 70),
                (480, 60, 0),
                (480, 48, 0),
                (480, 60, 60),
                (480, 72, 80),
                (490, 72, 0),
                (960, 60, 0),
            ]
        );
        let parts: Vec<usize> = note_events([&p, &q]).iter().map(|e| e.part).collect();
        assert_eq!(parts, vec![0, 1, 0, 1, 0, 1, 1, 0]);
    }

    #[test]
    fn the_off_of_a_strike_again_comes_before_the_ons_of_its_tick() {
        // D4 held from 0 is struck again at 100, where a lower key starts too.
        let p = part(
            0,
            vec![
                note(62, 0, 400, 9),
                note(50, 100, 50, 9),
                note(62, 100, 50, 9),
            ],
        );
        assert_eq!(
            plain(&note_events([&p])),
            vec![
                (0, 62, 9),
                (100, 62, 0),
                (100, 50, 9),
                (100, 62, 9),
                (150, 50, 0),
                (400, 62, 0),
            ]
        );
    }

    #[test]
    fn notes_starting_together_on_one_key_are_one_strike_at_the_loudest_velocity() {
        let p = part(
            0,
            vec![note(72, 0, 10, 30), note(72, 0, 20, 90), note(72, 0, 5, 40)],
        );
        assert_eq!(plain(&note_events([&p])), vec![(0, 72, 90), (20, 72, 0)]);
    }

    #[test]
    fn parts_on_one_channel_share_keys_and_other_channels_do_not() {
        let a = part(0, vec![note(60, 0, 100, 10)]);
        let same = part(0, vec![note(60, 50, 100, 20)]);
        let other = part(1, vec![note(60, 50, 10, 30)]);
        assert_eq!(
            plain(&note_events([&a, &same])),
            vec![(0, 60, 10), (50, 60, 0), (50, 60, 20), (150, 60, 0)]
        );
        assert_eq!(
            plain(&note_events([&a, &other])),
            vec![(0, 60, 10), (50, 60, 30), (60, 60, 0), (100, 60, 0)]
        );
    }

    #[test]
    fn every_off_ends_the_on_before_it_and_each_key_sounds_exactly_its_notes_union() {
        // A small deterministic sweep: many overlapping notes on two keys of two channels.
        let mut notes = Vec::new();
        for i in 0..40u64 {
            let pitch = if i % 3 == 0 { 60 } else { 61 };
            notes.push(note(
                pitch,
                (i * 37) % 500,
                1 + (i * 53) % 180,
                1 + (i % 100) as u8,
            ));
        }
        let a = part(0, notes.clone());
        let b = part(5, notes.iter().rev().copied().collect());
        let events = note_events([&a, &b]);
        assert!(
            events
                .windows(2)
                .all(|w| (w[0].tick, w[0].action.order()) <= (w[1].tick, w[1].action.order()))
        );
        for channel in [0u8, 5] {
            for pitch in [60u8, 61] {
                let mut down: Option<Tick> = None;
                let mut sounding = Vec::new();
                for e in events
                    .iter()
                    .filter(|e| e.channel.get() == channel && e.pitch.get() == pitch)
                {
                    match (e.action, down) {
                        (NoteAction::On(_), None) => down = Some(e.tick),
                        (NoteAction::Off, Some(start)) => {
                            sounding.extend(start..e.tick);
                            down = None;
                        }
                        other => panic!("unpaired event {other:?} at {}", e.tick),
                    }
                }
                assert_eq!(down, None);
                let mut expected: Vec<Tick> = notes
                    .iter()
                    .filter(|n| n.pitch.get() == pitch)
                    .flat_map(|n| n.start..n.end())
                    .collect();
                expected.sort_unstable();
                expected.dedup();
                assert_eq!(sounding, expected, "channel {channel} pitch {pitch}");
            }
        }
    }

    #[test]
    fn no_parts_no_events() {
        assert!(note_events(std::iter::empty::<&Part>()).is_empty());
        assert!(note_events([&Part::new("empty")]).is_empty());
    }
}
