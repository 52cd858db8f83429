//! A piece flattened into the time-ordered MIDI messages the player sends.

use super::MidiMessage;
use crate::music::{Channel, NoteAction, Piece, Program, TempoMap, Tick, note_events};

/// One message at its place on the piece's timeline.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimelineEvent {
    /// When, in ticks.
    pub tick: Tick,
    /// When, in seconds from the start of the piece at the written tempo (tempo map honoured).
    pub seconds: f64,
    /// What to send.
    pub message: MidiMessage,
}

/// A piece as a sorted list of note-on and note-off messages, with what the player needs to
/// start it (programs per channel) and to silence it (the channels it uses).
///
/// The messages are the piece's [`note_events`]: by tick, note-offs before note-ons at one
/// tick, and overlapping notes of one key played as a keyboard plays them (a later start
/// strikes the key again, the last release lifts it; see [`crate::music::events`]), so a
/// note-off never silences a note before its end.
#[derive(Clone, Debug, PartialEq)]
pub struct Timeline {
    events: Vec<TimelineEvent>,
    end_tick: Tick,
    programs: Vec<(Channel, Program)>,
    channels: u16,
    tempo_map: TempoMap,
    ticks_per_quarter: u16,
}

impl Default for Timeline {
    fn default() -> Self {
        Timeline {
            events: Vec::new(),
            end_tick: 0,
            programs: Vec::new(),
            channels: 0,
            tempo_map: TempoMap::default(),
            ticks_per_quarter: crate::music::DEFAULT_TICKS_PER_QUARTER,
        }
    }
}

impl Timeline {
    /// Flattens a piece into note-on and note-off messages.
    pub fn new(piece: &Piece) -> Self {
        let mut channels = 0u16;
        let mut programs = Vec::with_capacity(piece.parts.len());
        for part in &piece.parts {
            channels |= 1 << part.channel.get();
            programs.push((part.channel, part.program));
        }
        let tpq = piece.ticks_per_quarter;
        let events = note_events(&piece.parts)
            .into_iter()
            .map(|e| TimelineEvent {
                tick: e.tick,
                seconds: piece.tempo_map.seconds_at(e.tick, tpq),
                message: match e.action {
                    NoteAction::On(velocity) => MidiMessage::NoteOn {
                        channel: e.channel,
                        pitch: e.pitch,
                        velocity,
                    },
                    NoteAction::Off => MidiMessage::NoteOff {
                        channel: e.channel,
                        pitch: e.pitch,
                    },
                },
            })
            .collect();
        Timeline {
            events,
            end_tick: piece.end_tick(),
            programs,
            channels,
            tempo_map: piece.tempo_map.clone(),
            ticks_per_quarter: tpq,
        }
    }

    /// The messages in the order they are sent.
    pub fn events(&self) -> &[TimelineEvent] {
        &self.events
    }

    /// The tick after the last note ends.
    pub fn end_tick(&self) -> Tick {
        self.end_tick
    }

    /// Each part's channel and program, in part order (sent before playing).
    pub fn programs(&self) -> &[(Channel, Program)] {
        &self.programs
    }

    /// Whether some part plays on `channel`.
    pub fn uses_channel(&self, channel: Channel) -> bool {
        self.channels & (1 << channel.get()) != 0
    }

    /// The channels of the piece's parts as a bit set (bit `c` for channel index `c`).
    pub fn channel_mask(&self) -> u16 {
        self.channels
    }

    /// Seconds from the start of the piece to `tick` at the written tempo.
    pub fn seconds_at(&self, tick: Tick) -> f64 {
        self.tempo_map.seconds_at(tick, self.ticks_per_quarter)
    }

    /// The tick reached after `seconds` at the written tempo (rounded down).
    pub fn tick_at_seconds(&self, seconds: f64) -> Tick {
        let t = self
            .tempo_map
            .tick_at_seconds(seconds.max(0.0), self.ticks_per_quarter);
        // Guard the floor against a rounding error just below a whole tick.
        (t + 1e-6).floor().max(0.0) as Tick
    }

    /// The index of the first event at or after `tick` (the length if there is none).
    pub fn first_at_or_after(&self, tick: Tick) -> usize {
        self.events.partition_point(|e| e.tick < tick)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::{Note, Part, Pitch, TempoChange, Velocity};

    fn note(pitch: u8, start: Tick, len: Tick) -> Note {
        Note::new(Pitch::new(pitch).unwrap(), start, len, Velocity::DEFAULT).unwrap()
    }

    #[test]
    fn offs_come_before_ons_at_the_same_tick_and_seconds_follow_the_tempo_map() {
        let mut piece = Piece::new(480).unwrap();
        piece.tempo_map = TempoMap::new(vec![
            TempoChange {
                tick: 0,
                micros_per_quarter: 500_000,
            },
            TempoChange {
                tick: 960,
                micros_per_quarter: 1_000_000,
            },
        ])
        .unwrap();
        piece.parts.push(Part {
            notes: vec![note(60, 0, 480), note(60, 480, 480), note(64, 960, 480)],
            ..Part::new("a")
        });
        piece.parts.push(Part {
            channel: Channel::new(3).unwrap(),
            program: Program::new(40).unwrap(),
            notes: vec![note(48, 0, 1440)],
            ..Part::new("b")
        });
        let t = Timeline::new(&piece);
        let kinds: Vec<(Tick, bool, u8)> = t
            .events()
            .iter()
            .map(|e| match e.message {
                MidiMessage::NoteOn { pitch, .. } => (e.tick, true, pitch.get()),
                MidiMessage::NoteOff { pitch, .. } => (e.tick, false, pitch.get()),
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(
            kinds,
            vec![
                (0, true, 60),
                (0, true, 48),
                (480, false, 60),
                (480, true, 60),
                (960, false, 60),
                (960, true, 64),
                (1440, false, 64),
                (1440, false, 48),
            ]
        );
        // 120 BPM for two quarters (1 s), then 60 BPM: tick 1440 is at 2 s.
        let secs: Vec<f64> = t.events().iter().map(|e| e.seconds).collect();
        for (got, want) in secs.iter().zip([0.0, 0.0, 0.5, 0.5, 1.0, 1.0, 2.0, 2.0]) {
            assert!((got - want).abs() < 1e-9, "{secs:?}");
        }
        assert_eq!(t.end_tick(), 1440);
        assert_eq!(
            t.programs(),
            &[
                (Channel::default(), Program::PIANO),
                (Channel::new(3).unwrap(), Program::new(40).unwrap())
            ]
        );
        assert_eq!(t.channel_mask(), 0b1001);
        assert!(t.uses_channel(Channel::new(3).unwrap()));
        assert_eq!(t.first_at_or_after(481), 4);
        assert_eq!(t.first_at_or_after(480), 2);
        assert_eq!(t.first_at_or_after(5000), 8);
        assert_eq!(t.tick_at_seconds(1.5), 1200);
        assert_eq!(t.tick_at_seconds(-1.0), 0);
    }
}
