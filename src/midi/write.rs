//! Writing pieces as Standard MIDI Files, format 1: a conductor track and one track per part.

use std::path::Path;

use midly::num::{u4, u7, u15, u24, u28};
use midly::{Format, Header, MetaMessage, MidiMessage, Timing, TrackEvent, TrackEventKind};

use super::error::{MidiError, MidiProblem};
use crate::fsutil::write_atomic;
use crate::music::{NoteAction, Part, Piece, Tick, note_events};

/// What [`write_bytes`] calls its output in error messages.
const IN_MEMORY: &str = "(MIDI data in memory)";

/// The most parts a file can hold: 65,535 tracks less the conductor track.
const MAX_PARTS: usize = 65_534;

/// Encodes a piece as a Standard MIDI File, format 1 (see the module documentation of
/// [`crate::midi`] for the layout and what a read gives back). Fails only for pieces MIDI
/// cannot hold: a resolution outside 1..=32767, more than 65,534 parts, two successive events
/// of a track more than 268,435,455 ticks apart, or a name longer than 256 MiB.
pub fn write_bytes(piece: &Piece) -> Result<Vec<u8>, MidiError> {
    encode(piece).map_err(|problem| MidiError::new(IN_MEMORY, problem))
}

/// Saves a piece as a Standard MIDI File, format 1, atomically: a crash or a full disk leaves
/// the old file as it was.
pub fn write_file(path: impl AsRef<Path>, piece: &Piece) -> Result<(), MidiError> {
    let path = path.as_ref();
    let error = |problem| MidiError::new(path.display().to_string(), problem);
    let bytes = encode(piece).map_err(error)?;
    write_atomic(path, &bytes).map_err(|e| error(MidiProblem::Write(e)))
}

/// An event at an absolute tick; `order` sorts the events of one tick.
type Timed<'a> = (Tick, u8, TrackEventKind<'a>);

/// The whole encoding, without a file name.
fn encode(piece: &Piece) -> Result<Vec<u8>, MidiProblem> {
    let tpq = piece.ticks_per_quarter;
    if tpq == 0 || tpq > 0x7FFF {
        return Err(MidiProblem::BadResolution(tpq));
    }
    if piece.parts.len() > MAX_PARTS {
        return Err(MidiProblem::TooManyParts(piece.parts.len()));
    }
    let mut tracks = Vec::with_capacity(piece.parts.len() + 1);
    tracks.push(conductor_track(piece)?);
    for (i, part) in piece.parts.iter().enumerate() {
        tracks.push(part_track(i + 2, part)?);
    }
    let header = Header::new(Format::Parallel, Timing::Metrical(u15::new(tpq)));
    let events: usize = tracks.iter().map(Vec::len).sum();
    let mut out = Vec::with_capacity(14 + 8 * tracks.len() + 4 * events);
    midly::write(&header, tracks.iter(), &mut out).map_err(MidiProblem::Encode)?;
    Ok(out)
}

/// Track 1: the title as track name, time signatures, key signatures and the tempo map; it
/// ends with the piece (or with its last event, if later).
fn conductor_track(piece: &Piece) -> Result<Vec<TrackEvent<'_>>, MidiProblem> {
    let mut timed: Vec<Timed<'_>> = Vec::with_capacity(
        1 + piece.time_signatures.len()
            + piece.key_signatures.len()
            + piece.tempo_map.changes().len(),
    );
    if !piece.title.is_empty() {
        timed.push((
            0,
            0,
            TrackEventKind::Meta(MetaMessage::TrackName(piece.title.as_bytes())),
        ));
    }
    for change in &piece.time_signatures {
        let signature = change.signature;
        let denominator = signature.denominator();
        // MIDI clocks (24 per quarter) per beat; 32nd notes per quarter is always 8.
        let clocks = (96 / denominator).max(1);
        let meta = MetaMessage::TimeSignature(
            signature.numerator(),
            denominator.trailing_zeros() as u8,
            clocks,
            8,
        );
        timed.push((change.tick, 1, TrackEventKind::Meta(meta)));
    }
    for change in &piece.key_signatures {
        let (sharps_flats, minor) = change.key.to_key_signature();
        let meta = MetaMessage::KeySignature(sharps_flats, minor);
        timed.push((change.tick, 2, TrackEventKind::Meta(meta)));
    }
    for change in piece.tempo_map.changes() {
        let meta = MetaMessage::Tempo(u24::new(change.micros_per_quarter));
        timed.push((change.tick, 3, TrackEventKind::Meta(meta)));
    }
    into_track(1, timed, piece.end_tick())
}

/// A part's track: its name, its program change and its notes, all on its channel, as the
/// part's [`note_events`] (overlapping notes of one pitch played as a keyboard plays them;
/// note-offs, written as NoteOn with velocity 0 so running status covers them, before
/// note-ons on the same tick).
fn part_track(track: usize, part: &Part) -> Result<Vec<TrackEvent<'_>>, MidiProblem> {
    let channel = u4::new(part.channel.get());
    let events = note_events([part]);
    let mut timed: Vec<Timed<'_>> = Vec::with_capacity(2 + events.len());
    timed.push((
        0,
        0,
        TrackEventKind::Meta(MetaMessage::TrackName(part.name.as_bytes())),
    ));
    let program = MidiMessage::ProgramChange {
        program: u7::new(part.program.get()),
    };
    timed.push((
        0,
        1,
        TrackEventKind::Midi {
            channel,
            message: program,
        },
    ));
    for event in events {
        let (order, velocity) = match event.action {
            NoteAction::Off => (2, 0),
            NoteAction::On(velocity) => (3, velocity.get()),
        };
        let message = MidiMessage::NoteOn {
            key: u7::new(event.pitch.get()),
            vel: u7::new(velocity),
        };
        timed.push((event.tick, order, TrackEventKind::Midi { channel, message }));
    }
    into_track(track, timed, 0)
}

/// Sorts timed events (stably: same tick and order keep their given order), turns ticks into
/// delta times and ends the track at `end` or at its last event, whichever is later.
fn into_track(
    track: usize,
    mut timed: Vec<Timed<'_>>,
    end: Tick,
) -> Result<Vec<TrackEvent<'_>>, MidiProblem> {
    timed.sort_by_key(|(tick, order, _)| (*tick, *order));
    let mut events = Vec::with_capacity(timed.len() + 1);
    let mut previous = 0;
    for (tick, _, kind) in timed {
        events.push(TrackEvent {
            delta: delta(track, previous, tick)?,
            kind,
        });
        previous = tick;
    }
    let end = end.max(previous);
    events.push(TrackEvent {
        delta: delta(track, previous, end)?,
        kind: TrackEventKind::Meta(MetaMessage::EndOfTrack),
    });
    Ok(events)
}

/// The delta time from `previous` to `tick`, if MIDI can say it.
fn delta(track: usize, previous: Tick, tick: Tick) -> Result<u28, MidiProblem> {
    let gap = tick - previous;
    u32::try_from(gap)
        .ok()
        .and_then(u28::try_from)
        .ok_or(MidiProblem::GapTooLong { track, tick, gap })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::{Note, Pitch, Velocity};

    #[test]
    fn bad_resolution_and_huge_gaps_are_refused() {
        let piece = Piece {
            ticks_per_quarter: 0,
            ..Piece::default()
        };
        assert!(matches!(encode(&piece), Err(MidiProblem::BadResolution(0))));
        let far = Note::new(Pitch::A4, 1 << 28, 1, Velocity::DEFAULT).unwrap();
        let piece = Piece::from_notes(480, "far", vec![far]).unwrap();
        let err = write_bytes(&piece).unwrap_err();
        assert!(matches!(
            err.problem,
            MidiProblem::GapTooLong {
                track: 1,
                tick: 268_435_457,
                gap: 268_435_457
            }
        ));
        assert!(
            err.to_string()
                .starts_with("(MIDI data in memory): the gap of")
        );
        let near = Note::new(Pitch::A4, (1 << 28) - 2, 1, Velocity::DEFAULT).unwrap();
        let piece = Piece::from_notes(480, "near", vec![near]).unwrap();
        assert!(write_bytes(&piece).is_ok());
    }
}
