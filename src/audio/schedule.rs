//! Schedules: a piece turned into a sorted list of note-on/note-off events in seconds.
//!
//! A schedule is built once, off the audio thread, from a [`Piece`]: the piece's parts are
//! flattened by [`note_events`] (which also resolves overlapping notes of one key the way a
//! keyboard plays them: see [`crate::music::events`]), and every event's tick goes through
//! the piece's tempo map (tick -> seconds at tempo factor 1). The offline renderer walks it
//! once; the playback engine receives it pre-built through its command queue and only reads
//! it.

use super::{AudioError, PresetId, SoundFont, Synth};
use crate::music::{Channel, NoteAction, Piece, Pitch, Program, note_events};

/// One event of a schedule.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScheduledEvent {
    /// When, in seconds from the start of the piece at its own tempo.
    pub seconds: f64,
    /// On which channel.
    pub channel: Channel,
    /// Which key.
    pub pitch: Pitch,
    /// Down or up.
    pub kind: NoteAction,
}

impl ScheduledEvent {
    /// Plays the event on a synthesizer.
    pub fn apply(&self, synth: &mut Synth) {
        match self.kind {
            NoteAction::On(velocity) => synth.note_on(self.channel, self.pitch, velocity),
            NoteAction::Off => synth.note_off(self.channel, self.pitch),
        }
    }
}

/// How a piece becomes a schedule.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScheduleOptions {
    /// Play every melodic part with this preset instead of the part's own program.
    pub preset: Option<PresetId>,
    /// Keep parts on the drum channel (only useful when the font has a drum kit; otherwise
    /// drum notes would sound as pitched notes of the fallback preset).
    pub include_drums: bool,
}

/// A piece as sorted events plus the preset of each channel.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Schedule {
    events: Vec<ScheduledEvent>,
    presets: [Option<PresetId>; 16],
    end_seconds: f64,
}

impl Schedule {
    /// A schedule with no events (what the playback engine starts with).
    pub fn empty() -> Schedule {
        Schedule::default()
    }

    /// Builds the schedule of a piece for a font: drums are kept only when the font has a
    /// drum kit, and a preset override must exist in the font.
    pub fn for_font(
        piece: &Piece,
        font: &SoundFont,
        preset: Option<PresetId>,
    ) -> Result<Schedule, AudioError> {
        if let Some(id) = preset {
            font.require_preset(id)?;
        }
        Ok(Schedule::from_piece(
            piece,
            ScheduleOptions {
                preset,
                include_drums: font.has_drum_kit(),
            },
        ))
    }

    /// Builds the schedule of a piece.
    pub fn from_piece(piece: &Piece, options: ScheduleOptions) -> Schedule {
        let mut presets = [None; 16];
        let parts: Vec<_> = piece
            .parts
            .iter()
            .filter(|part| options.include_drums || !part.is_drums())
            .collect();
        for part in &parts {
            let preset = match (part.is_drums(), options.preset) {
                (true, _) => PresetId {
                    bank: 128,
                    program: part.program,
                },
                (false, Some(id)) => id,
                (false, None) => PresetId {
                    bank: 0,
                    program: part.program,
                },
            };
            presets[usize::from(part.channel.get())] = Some(preset);
        }
        let events: Vec<ScheduledEvent> = note_events(parts)
            .into_iter()
            .map(|e| ScheduledEvent {
                seconds: piece.seconds_at(e.tick),
                channel: e.channel,
                pitch: e.pitch,
                kind: e.action,
            })
            .collect();
        let end_seconds = events.last().map_or(0.0, |e| e.seconds);
        Schedule {
            events,
            presets,
            end_seconds,
        }
    }

    /// The events, sorted by time.
    pub fn events(&self) -> &[ScheduledEvent] {
        &self.events
    }

    /// The preset each channel plays (`None`: the channel is unused).
    pub fn presets(&self) -> &[Option<PresetId>; 16] {
        &self.presets
    }

    /// When the last note ends, in seconds.
    pub fn end_seconds(&self) -> f64 {
        self.end_seconds
    }

    /// Whether there is nothing to play.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The index of the first event at or after `seconds`.
    pub fn index_at(&self, seconds: f64) -> usize {
        self.events.partition_point(|e| e.seconds < seconds)
    }
}

/// The program a part asks for, as a preset in bank 0 (helper for UIs listing parts).
pub fn melodic_preset(program: Program) -> PresetId {
    PresetId { bank: 0, program }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::{Note, Part, TempoChange, TempoMap, Velocity};

    fn note(pitch: u8, start: u64, len: u64) -> Note {
        Note::new(Pitch::new(pitch).unwrap(), start, len, Velocity::DEFAULT).unwrap()
    }

    #[test]
    fn events_follow_the_tempo_map() {
        // 480 tpq; 120 BPM for the first 2 beats (1 s), then 60 BPM.
        let mut piece =
            Piece::from_notes(480, "m", vec![note(60, 0, 480), note(62, 1440, 480)]).unwrap();
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
        let s = Schedule::from_piece(&piece, ScheduleOptions::default());
        let times: Vec<f64> = s.events().iter().map(|e| e.seconds).collect();
        // C4 0..0.5 s; D4 starts at tick 1440 = 1 s + 1 beat at 60 BPM = 2 s, lasts 1 s.
        assert_eq!(times, vec![0.0, 0.5, 2.0, 3.0]);
        assert_eq!(s.end_seconds(), 3.0);
        assert_eq!(s.index_at(0.6), 2);
        assert_eq!(s.index_at(2.0), 2);
    }

    #[test]
    fn repeated_and_overlapping_keys_strike_again() {
        // Same key: 0..480 then 480..960 (touching), and 1000..2000 overlapped by 1200..1500.
        let piece = Piece::from_notes(
            480,
            "m",
            vec![
                note(60, 0, 480),
                note(60, 480, 480),
                note(60, 1000, 1000),
                note(60, 1200, 300),
            ],
        )
        .unwrap();
        let s = Schedule::from_piece(&piece, ScheduleOptions::default());
        let kinds: Vec<(f64, bool)> = s
            .events()
            .iter()
            .map(|e| {
                (
                    (e.seconds * 960.0).round(),
                    matches!(e.kind, NoteAction::On(_)),
                )
            })
            .collect();
        // Ticks at 120 BPM, 480 tpq: seconds * 960 = ticks.
        assert_eq!(
            kinds,
            vec![
                (0.0, true),
                (480.0, false),
                (480.0, true),
                (960.0, false),
                (1000.0, true),
                (1200.0, false),
                (1200.0, true),
                (2000.0, false),
            ]
        );
    }

    #[test]
    fn presets_and_drums() {
        let mut piece = Piece::new(480).unwrap();
        let mut violin = Part::new("violin");
        violin.program = Program::new(40).unwrap();
        violin.channel = Channel::new(2).unwrap();
        violin.notes.push(note(67, 0, 480));
        let mut drums = Part::new("drums");
        drums.channel = Channel::DRUMS;
        drums.notes.push(note(36, 0, 120));
        piece.parts = vec![violin, drums];

        let plain = Schedule::from_piece(&piece, ScheduleOptions::default());
        assert_eq!(plain.events().len(), 2, "drums dropped without a kit");
        assert_eq!(
            plain.presets()[2],
            Some(melodic_preset(Program::new(40).unwrap()))
        );
        assert_eq!(plain.presets()[9], None);

        let with = Schedule::from_piece(
            &piece,
            ScheduleOptions {
                preset: Some(PresetId::PIANO),
                include_drums: true,
            },
        );
        assert_eq!(with.events().len(), 4);
        assert_eq!(with.presets()[2], Some(PresetId::PIANO));
        assert_eq!(with.presets()[9].map(|p| p.bank), Some(128));
    }

    #[test]
    fn empty_piece_gives_empty_schedule() {
        let s = Schedule::from_piece(&Piece::default(), ScheduleOptions::default());
        assert!(s.is_empty());
        assert_eq!(s.end_seconds(), 0.0);
        assert_eq!(s.index_at(1.0), 0);
    }
}
