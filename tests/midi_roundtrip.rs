//! Writing pieces as SMF format 1 and reading them back: the layout of what is written, and
//! read -> write -> read giving the same piece (as defined in `gan_studio::midi`'s docs).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod midi_support;

use std::collections::BTreeMap;

use gan_studio::midi::{MidiProblem, SmfFormat, read_bytes, read_file, write_bytes, write_file};
use gan_studio::music::{
    Channel, Key, KeySignatureChange, Note, Part, Piece, Program, TempoChange, TempoMap,
    TimeSignature, TimeSignatureChange,
};
use midi_support::{as_played, note, notes, part, rich_piece};
use midly::{MetaMessage, MidiMessage, TrackEventKind};
use proptest::prelude::*;

#[test]
fn a_rich_piece_comes_back_as_it_sounds() {
    let piece = rich_piece();
    let bytes = write_bytes(&piece).unwrap();
    let file = read_bytes(&bytes, "written.mid").unwrap();
    assert_eq!(file.format, SmfFormat::MultiTrack);
    assert_eq!(file.tracks, 4);
    assert_eq!(file.piece, as_played(&piece));
    // The overlapping E4s: the second strike ends the first. The two C5s that start together:
    // one strike, as long as the longer and as loud as the louder.
    let piano = notes(&file.piece.parts[0]);
    assert!(piano.contains(&(64, 768, 132, 50)), "{piano:?}");
    assert!(piano.contains(&(64, 900, 600, 51)), "{piano:?}");
    assert!(piano.contains(&(72, 2000, 20, 31)), "{piano:?}");
    assert_eq!(piano.len(), piece.parts[0].notes.len() - 1);
    assert_eq!(file.piece.parts[1..], piece.parts[1..]);
    assert_eq!(file.report, Default::default());
    assert!((file.piece.duration_seconds() - piece.duration_seconds()).abs() < 1e-12);
    assert!(file.piece.parts[2].is_drums());
}

#[test]
fn the_written_layout_is_a_conductor_and_one_track_per_part() {
    let piece = rich_piece();
    let bytes = write_bytes(&piece).unwrap();
    let smf = midly::Smf::parse(&bytes).unwrap();
    assert_eq!(smf.header.format, midly::Format::Parallel);
    assert_eq!(smf.header.timing, midly::Timing::Metrical(384.into()));
    assert_eq!(smf.tracks.len(), 4);
    for (i, track) in smf.tracks.iter().enumerate() {
        // Exactly one End-of-Track, last.
        let ends = track
            .iter()
            .filter(|e| e.kind == TrackEventKind::Meta(MetaMessage::EndOfTrack))
            .count();
        assert_eq!(ends, 1, "track {i}");
        assert_eq!(
            track.last().unwrap().kind,
            TrackEventKind::Meta(MetaMessage::EndOfTrack)
        );
        let end: u64 = track.iter().map(|e| u64::from(e.delta.as_int())).sum();
        let expected_end = match i {
            0 => piece.end_tick(),
            _ => piece.parts[i - 1].end_tick(),
        };
        assert_eq!(end, expected_end, "track {i}");
    }
    let conductor = &smf.tracks[0];
    assert_eq!(
        conductor[0].kind,
        TrackEventKind::Meta(MetaMessage::TrackName(b"Round trip"))
    );
    let metas = |pred: fn(&MetaMessage) -> bool| {
        conductor
            .iter()
            .filter(|e| matches!(&e.kind, TrackEventKind::Meta(m) if pred(m)))
            .count()
    };
    assert_eq!(metas(|m| matches!(m, MetaMessage::Tempo(_))), 3);
    assert_eq!(metas(|m| matches!(m, MetaMessage::TimeSignature(..))), 2);
    assert!(
        conductor
            .iter()
            .any(|e| e.kind == TrackEventKind::Meta(MetaMessage::TimeSignature(6, 3, 12, 8)))
    );
    // E minor: one sharp, minor.
    assert!(
        conductor
            .iter()
            .any(|e| e.kind == TrackEventKind::Meta(MetaMessage::KeySignature(1, true)))
    );
    assert!(
        !conductor
            .iter()
            .any(|e| matches!(e.kind, TrackEventKind::Midi { .. }))
    );
    for (track, part) in smf.tracks[1..].iter().zip(&as_played(&piece).parts) {
        assert_eq!(
            track[0].kind,
            TrackEventKind::Meta(MetaMessage::TrackName(part.name.as_bytes()))
        );
        assert_eq!(
            track[1].kind,
            TrackEventKind::Midi {
                channel: part.channel.get().into(),
                message: MidiMessage::ProgramChange {
                    program: part.program.get().into()
                }
            }
        );
        for event in track.iter() {
            if let TrackEventKind::Midi { channel, .. } = event.kind {
                assert_eq!(channel.as_int(), part.channel.get());
            }
        }
        let note_events = track
            .iter()
            .filter(|e| {
                matches!(
                    e.kind,
                    TrackEventKind::Midi {
                        message: MidiMessage::NoteOn { .. },
                        ..
                    }
                )
            })
            .count();
        assert_eq!(note_events, 2 * part.notes.len());
    }
}

#[test]
fn running_status_keeps_files_small() {
    // 100 notes in a row on one channel: status byte once, then 3 bytes per event
    // (delta + key + velocity) for the 200 NoteOn events.
    let notes: Vec<Note> = (0..100).map(|i| note(60, i * 10, 10, 64)).collect();
    let piece = Piece::from_notes(96, "p", notes).unwrap();
    let bytes = write_bytes(&piece).unwrap();
    // Header 14; conductor: 8 + tempo 7 + end 5 (a two-byte delta to tick 1000); part: 8 +
    // name 5 + program 3 + 1 status + 200 × 3 + end 4.
    assert_eq!(bytes.len(), 14 + 8 + 7 + 5 + 8 + 5 + 3 + 1 + 600 + 4);
}

#[test]
fn overlapping_notes_of_one_pitch_are_written_as_a_keyboard_plays_them() {
    // [0, 200) velocity 10 holds over [50, 100) velocity 20: the second strike ends the first
    // note, and the key sounds until the longer one ends. Any reader then pairs the events one
    // way only.
    let piece =
        Piece::from_notes(96, "p", vec![note(60, 0, 200, 10), note(60, 50, 50, 20)]).unwrap();
    let bytes = write_bytes(&piece).unwrap();
    let smf = midly::Smf::parse(&bytes).unwrap();
    let keys: Vec<(u32, u8)> = smf.tracks[1]
        .iter()
        .filter_map(|e| match e.kind {
            TrackEventKind::Midi {
                message: MidiMessage::NoteOn { vel, .. },
                ..
            } => Some((e.delta.as_int(), vel.as_int())),
            _ => None,
        })
        .collect();
    assert_eq!(keys, vec![(0, 10), (50, 0), (0, 20), (150, 0)]);
    let back = read_bytes(&bytes, "x").unwrap().piece;
    assert_eq!(
        notes(&back.parts[0]),
        vec![(60, 0, 50, 10), (60, 50, 150, 20)]
    );
    assert_eq!(write_bytes(&back).unwrap(), bytes);
}

#[test]
fn empty_parts_names_and_titles() {
    let mut piece = Piece::new(480).unwrap();
    piece.parts = vec![
        part("", 5, 3, vec![note(50, 0, 10, 64)]),
        part("nothing", 7, 4, vec![]),
    ];
    let back = read_bytes(&write_bytes(&piece).unwrap(), "x")
        .unwrap()
        .piece;
    assert_eq!(back.title, "");
    assert_eq!(back.parts.len(), 1);
    assert_eq!(back.parts[0], piece.parts[0]);
}

#[test]
fn files_are_saved_atomically_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("saved.mid");
    write_file(&path, &rich_piece()).unwrap();
    write_file(&path, &rich_piece()).unwrap();
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    assert_eq!(read_file(&path).unwrap().piece, as_played(&rich_piece()));
    let bad = dir.path().join("no such folder").join("x.mid");
    let err = write_file(&bad, &rich_piece()).unwrap_err();
    assert!(matches!(err.problem, MidiProblem::Write(_)));
    assert!(err.to_string().starts_with(&bad.display().to_string()));
}

/// What a write and a read make of any piece (the definition of "the same" in the module
/// documentation, computed independently): parts without notes dropped; notes as they sound
/// ([`as_played`]); signatures sorted with the last one of each tick kept.
fn expected_after_round_trip(piece: &Piece) -> Piece {
    let mut expected = as_played(piece);
    expected.parts.retain(|p| !p.notes.is_empty());
    fn last_per_tick<T: Copy>(items: &[T], tick: impl Fn(&T) -> u64) -> Vec<T> {
        let mut map = BTreeMap::new();
        for item in items {
            map.insert(tick(item), *item);
        }
        map.into_values().collect()
    }
    expected.time_signatures = last_per_tick(&piece.time_signatures, |c| c.tick);
    expected.key_signatures = last_per_tick(&piece.key_signatures, |c| c.tick);
    expected
}

fn notes_strategy() -> impl Strategy<Value = Vec<Note>> {
    let pitch = prop_oneof![0u8..=127, 60u8..=62];
    prop::collection::vec((pitch, 0u64..3000, 1u64..400, 1u8..=127), 0..30).prop_map(|v| {
        v.into_iter()
            .map(|(p, s, d, vel)| note(p, s, d, vel))
            .collect()
    })
}

fn part_strategy() -> impl Strategy<Value = Part> {
    ("\\PC{0,10}", 0u8..=127, 0u8..=15, notes_strategy()).prop_map(
        |(name, program, channel, notes)| Part {
            name,
            program: Program::new(program).unwrap(),
            channel: Channel::new(channel).unwrap(),
            notes,
        },
    )
}

fn piece_strategy() -> impl Strategy<Value = Piece> {
    let tpq = prop_oneof![Just(480u16), Just(96), 1u16..=0x7FFF];
    let tempos = prop::collection::vec((0u64..4000, 1u32..=0xFF_FFFF), 0..4);
    let times = prop::collection::vec((0u64..4000, 1u8..=255, 0u32..=6), 0..4);
    let keys = prop::collection::vec((0u64..4000, -7i8..=7, any::<bool>()), 0..4);
    let parts = prop::collection::vec(part_strategy(), 0..4);
    (tpq, "[A-Za-z0-9 ]{0,12}", tempos, times, keys, parts).prop_map(
        |(tpq, title, tempos, times, keys, parts)| Piece {
            title,
            ticks_per_quarter: tpq,
            tempo_map: TempoMap::new(
                tempos
                    .into_iter()
                    .map(|(tick, micros_per_quarter)| TempoChange {
                        tick,
                        micros_per_quarter,
                    })
                    .collect(),
            )
            .unwrap(),
            time_signatures: times
                .into_iter()
                .map(|(tick, n, power)| TimeSignatureChange {
                    tick,
                    signature: TimeSignature::new(n, 1 << power).unwrap(),
                })
                .collect(),
            key_signatures: keys
                .into_iter()
                .map(|(tick, sf, minor)| KeySignatureChange {
                    tick,
                    key: Key::from_key_signature(sf, minor).unwrap(),
                })
                .collect(),
            parts,
            pickup: 0,
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Any piece: write -> read gives the expected piece.
    #[test]
    fn write_then_read_gives_the_same_piece(piece in piece_strategy()) {
        let bytes = write_bytes(&piece).unwrap();
        let back = read_bytes(&bytes, "x").unwrap();
        prop_assert_eq!(back.report.unreleased_notes, 0);
        prop_assert_eq!(back.report.unmatched_note_offs, 0);
        prop_assert_eq!(back.piece, expected_after_round_trip(&piece));
    }

    /// Once read, a piece survives any number of further writes and reads unchanged, byte
    /// for byte.
    #[test]
    fn read_write_read_is_stable(piece in piece_strategy()) {
        let first = read_bytes(&write_bytes(&piece).unwrap(), "x").unwrap().piece;
        let bytes = write_bytes(&first).unwrap();
        let second = read_bytes(&bytes, "x").unwrap().piece;
        prop_assert_eq!(&second, &first);
        prop_assert_eq!(write_bytes(&second).unwrap(), bytes);
    }
}
