//! A corpus of damaged and unsupported MIDI files, built here byte by byte: each must give a
//! typed error naming the file and the problem, never a panic and never a silent half-read.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod midi_support;

use gan_studio::midi::{
    MAX_FILE_BYTES, MidiError, MidiProblem, read_bytes, read_file, write_bytes,
};
use midi_support::*;
use proptest::prelude::*;

/// A valid two-track file (conductor + one melody track).
fn valid() -> Vec<u8> {
    smf(1, 96, &[conductor(), melody()])
}

fn conductor() -> Vec<u8> {
    track(&[
        name(0, b"Tune"),
        tempo(0, 500_000),
        time_sig(0, 4, 2),
        eot(0),
    ])
}

fn melody() -> Vec<u8> {
    track(&[
        name(0, b"Melody"),
        program(0, 0, 73),
        on(0, 0, 60, 80),
        ev(96, &[62, 80]),
        ev(0, &[60, 0]),
        ev(96, &[62, 0]),
        eot(0),
    ])
}

/// Reads `bytes` as "bad.mid" and returns the error, checking its message names the file.
fn error_of(bytes: &[u8]) -> MidiError {
    let err = read_bytes(bytes, "bad.mid").expect_err("damaged file was read");
    let message = err.to_string();
    assert!(message.starts_with("bad.mid: "), "{message}");
    assert!(message.len() > "bad.mid: ".len() + 10, "{message}");
    err
}

#[test]
fn the_valid_base_file_reads() {
    let file = read_bytes(&valid(), "good.mid").unwrap();
    assert_eq!(file.piece.note_count(), 2);
    assert_eq!(file.piece.parts[0].program.get(), 73);
}

#[test]
fn empty_input() {
    let err = error_of(&[]);
    assert!(matches!(err.problem, MidiProblem::Empty));
    assert_eq!(err.to_string(), "bad.mid: the file is empty");
}

#[test]
fn garbage_and_other_formats() {
    let err = error_of(b"hello, world");
    assert!(matches!(err.problem, MidiProblem::NotMidi(_)));
    assert_eq!(
        err.to_string(),
        "bad.mid: not a MIDI file: it starts with \"hell\" instead of \"MThd\""
    );
    let err = error_of(&[0x89, b'P', b'N', b'G', 0, 0]);
    assert!(err.to_string().contains("bytes 89 50 4E 47"));
    assert!(matches!(error_of(b"\0").problem, MidiProblem::NotMidi(_)));
    assert!(matches!(
        error_of(b"MTh").problem,
        MidiProblem::TruncatedChunkHeader { offset: 0 }
    ));
    assert!(matches!(
        error_of(b"RIFF\x04\0\0\0WAVEfmt ").problem,
        MidiProblem::BadRiff(_)
    ));
    assert!(matches!(
        error_of(b"RIFF\x04\0\0\0RMIDdata\xFF\0\0\0MThd").problem,
        MidiProblem::BadRiff(_)
    ));
}

#[test]
fn every_truncation_of_a_valid_file_is_refused() {
    let bytes = valid();
    for len in 1..bytes.len() {
        let err = read_bytes(&bytes[..len], "cut.mid").expect_err("truncated file was read");
        assert!(
            matches!(
                err.problem,
                MidiProblem::TruncatedChunkHeader { .. }
                    | MidiProblem::ChunkTooLong { .. }
                    | MidiProblem::MissingTracks { .. }
            ),
            "cut at {len}: {err}"
        );
    }
    let err = error_of(&bytes[..bytes.len() - 1]);
    assert!(err.to_string().contains("declares"), "{err}");
}

#[test]
fn a_header_chunk_that_is_too_short() {
    let mut bytes = chunk(b"MThd", &[0, 1, 0, 1]);
    bytes.extend(chunk(b"MTrk", &melody()));
    let err = error_of(&bytes);
    assert!(matches!(err.problem, MidiProblem::ShortHeader(4)));
    assert_eq!(
        err.to_string(),
        "bad.mid: the MThd header chunk is 4 bytes long, expected at least 6"
    );
}

#[test]
fn wrong_chunk_lengths_in_a_middle_track() {
    // The conductor is the first of two tracks: any error in its length misplaces the
    // start of the next chunk.
    let c = conductor();
    let m = melody();
    for wrong in (c.len().saturating_sub(9)..c.len() + 9).filter(|l| *l != c.len()) {
        let mut bytes = header(1, 2, 96);
        bytes.extend(b"MTrk");
        bytes.extend((wrong as u32).to_be_bytes());
        bytes.extend(&c);
        bytes.extend(chunk(b"MTrk", &m));
        let err = read_bytes(&bytes, "bad.mid").expect_err("wrong length was read");
        assert!(err.to_string().starts_with("bad.mid: "));
    }
}

#[test]
fn wrong_chunk_lengths_in_the_last_track() {
    let m = melody();
    // Too long: runs past the end of the file.
    let mut bytes = header(1, 2, 96);
    bytes.extend(chunk(b"MTrk", &conductor()));
    let start = bytes.len();
    bytes.extend(b"MTrk");
    bytes.extend((m.len() as u32 + 1).to_be_bytes());
    bytes.extend(&m);
    let err = error_of(&bytes);
    match err.problem {
        MidiProblem::ChunkTooLong {
            offset,
            declared,
            available,
            ..
        } => {
            assert_eq!(offset, start);
            assert_eq!(declared as usize, m.len() + 1);
            assert_eq!(available, m.len());
        }
        ref other => panic!("{other}"),
    }
    assert!(err.to_string().contains("the \"MTrk\" chunk at byte"));
    // Too short, cutting an event in two (even just the length byte of End-of-Track): a
    // malformed event.
    for cut in [1, 2, 3, 5, 6] {
        let mut bytes = header(1, 1, 96);
        bytes.extend(b"MTrk");
        bytes.extend(((m.len() - cut) as u32).to_be_bytes());
        bytes.extend(&m);
        let err = error_of(&bytes);
        assert!(
            matches!(err.problem, MidiProblem::BadEvent { track: 1, .. }),
            "cut {cut}: {err}"
        );
    }
    // Too short by exactly the End-of-Track event (4 bytes with its delta): the events that
    // remain are whole, so the track reads; the missing end and the left-over bytes are
    // reported.
    let mut bytes = header(1, 1, 96);
    bytes.extend(b"MTrk");
    bytes.extend(((m.len() - 4) as u32).to_be_bytes());
    bytes.extend(&m);
    let file = read_bytes(&bytes, "x").unwrap();
    assert_eq!(file.report.tracks_without_end, 1);
    assert_eq!(file.report.trailing_bytes, 4);
}

#[test]
fn absurd_sizes() {
    // A chunk claiming 4 GiB.
    let mut bytes = header(1, 1, 96);
    bytes.extend(b"MTrk\xFF\xFF\xFF\xFF");
    bytes.extend(melody());
    assert!(matches!(
        error_of(&bytes).problem,
        MidiProblem::ChunkTooLong {
            declared: 0xFFFF_FFFF,
            ..
        }
    ));
    // A header claiming 4 GiB.
    let mut bytes = b"MThd\xFF\xFF\xFF\xF0\0\x01\0\x01\0\x60".to_vec();
    bytes.extend(chunk(b"MTrk", &melody()));
    assert!(matches!(
        error_of(&bytes).problem,
        MidiProblem::ChunkTooLong { offset: 0, .. }
    ));
    // A meta event claiming 256 MiB inside a small track.
    let t = track(&[ev(0, &[0xFF, 0x01, 0xFF, 0xFF, 0xFF, 0x7F, b'a']), eot(0)]);
    assert!(matches!(
        error_of(&smf(0, 96, &[t])).problem,
        MidiProblem::BadEvent { offset: 0, .. }
    ));
    // A SysEx claiming more than its track holds.
    let t = track(&[ev(0, &[0xF0, 0x7F, 0x01]), eot(0)]);
    assert!(matches!(
        error_of(&smf(0, 96, &[t])).problem,
        MidiProblem::BadEvent { offset: 0, .. }
    ));
    // Input over the limit.
    let mut big = valid();
    big.resize(MAX_FILE_BYTES as usize + 1, 0);
    let err = error_of(&big);
    assert!(matches!(
        err.problem,
        MidiProblem::TooLarge {
            size,
            limit: MAX_FILE_BYTES
        } if size == MAX_FILE_BYTES + 1
    ));
    assert!(err.to_string().contains("over the limit"));
}

#[test]
fn files_over_the_limit_are_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.mid");
    let file = std::fs::File::create(&path).unwrap();
    // A sparse 1 GiB file: reading it would take a while and a gigabyte of memory.
    file.set_len(1 << 30).unwrap();
    let err = read_file(&path).unwrap_err();
    assert!(matches!(
        err.problem,
        MidiProblem::TooLarge {
            size: 1_073_741_824,
            ..
        }
    ));
    assert!(err.to_string().starts_with(&path.display().to_string()));
}

#[test]
fn unreadable_paths_name_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.mid");
    let err = read_file(&missing).unwrap_err();
    assert!(matches!(err.problem, MidiProblem::Read(_)));
    assert!(
        err.to_string()
            .starts_with(&format!("{}: cannot read the file", missing.display()))
    );
    let err = read_file(dir.path()).unwrap_err();
    assert!(matches!(err.problem, MidiProblem::Read(_)));
}

#[test]
fn a_header_that_lies_about_its_track_count() {
    // Declares 3 tracks, holds 2.
    let mut bytes = header(1, 3, 96);
    bytes.extend(chunk(b"MTrk", &conductor()));
    bytes.extend(chunk(b"MTrk", &melody()));
    let err = error_of(&bytes);
    assert!(matches!(
        err.problem,
        MidiProblem::MissingTracks {
            declared: 3,
            found: 2
        }
    ));
    assert_eq!(
        err.to_string(),
        "bad.mid: the header declares 3 tracks but the file holds only 2"
    );
    // Declares 65,535.
    let mut bytes = header(1, u16::MAX, 96);
    bytes.extend(chunk(b"MTrk", &melody()));
    assert!(matches!(
        error_of(&bytes).problem,
        MidiProblem::MissingTracks {
            declared: 65_535,
            found: 1
        }
    ));
    // Declares none.
    assert!(matches!(
        error_of(&header(1, 0, 96)).problem,
        MidiProblem::NoTracks
    ));
    // Format 0 with two tracks.
    let mut bytes = header(0, 2, 96);
    bytes.extend(chunk(b"MTrk", &melody()));
    bytes.extend(chunk(b"MTrk", &melody()));
    assert!(matches!(
        error_of(&bytes).problem,
        MidiProblem::Format0TrackCount(2)
    ));
    // (Declaring fewer tracks than present is read; see midi_read.rs.)
}

#[test]
fn zero_ticks_per_quarter_and_bad_smpte() {
    let err = error_of(&smf(0, 0, &[melody()]));
    assert!(matches!(err.problem, MidiProblem::ZeroTicksPerQuarter));
    assert_eq!(
        err.to_string(),
        "bad.mid: the header gives 0 ticks per quarter note"
    );
    // -23 frames per second.
    assert!(matches!(
        error_of(&smf(0, 0xE904, &[melody()])).problem,
        MidiProblem::BadSmpte {
            frames: 23,
            ticks_per_frame: 4
        }
    ));
    // 25 fps, 0 ticks per frame.
    assert!(matches!(
        error_of(&smf(0, 0xE700, &[melody()])).problem,
        MidiProblem::BadSmpte {
            frames: 25,
            ticks_per_frame: 0
        }
    ));
}

#[test]
fn format_2_and_unknown_formats_are_refused() {
    let err = error_of(&smf(2, 96, &[melody(), melody()]));
    assert!(matches!(err.problem, MidiProblem::Format2));
    assert_eq!(
        err.to_string(),
        "bad.mid: SMF format 2 (independent sequences) is not supported; only formats 0 and \
         1 are"
    );
    assert!(matches!(
        error_of(&smf(7, 96, &[melody()])).problem,
        MidiProblem::UnknownFormat(7)
    ));
}

#[test]
fn malformed_events() {
    // A system common message (0xF1) cannot be in a file.
    let t = track(&[on(0, 0, 60, 64), ev(10, &[0xF1, 0x00]), eot(0)]);
    let err = error_of(&smf(0, 96, &[t]));
    match &err.problem {
        MidiProblem::BadEvent {
            track,
            offset,
            bytes,
        } => {
            assert_eq!((*track, *offset), (1, 4));
            assert_eq!(bytes, "bytes 0A F1 00 00");
        }
        other => panic!("{other}"),
    }
    assert_eq!(
        err.to_string(),
        "bad.mid: malformed event in track 1 at byte 4 of the track (bytes 0A F1 00 00)"
    );
    // Data without any status to run on.
    let t = track(&[ev(0, &[60, 64]), eot(0)]);
    assert!(matches!(
        error_of(&smf(0, 96, &[t])).problem,
        MidiProblem::BadEvent { offset: 0, .. }
    ));
    // A data byte with its top bit set.
    let t = track(&[ev(0, &[0x90, 60, 0xC0]), eot(0)]);
    assert!(matches!(
        error_of(&smf(0, 96, &[t])).problem,
        MidiProblem::BadEvent { .. }
    ));
    // In the second track.
    let t = track(&[on(0, 0, 60, 64), ev(0, &[0xF4]), eot(0)]);
    let bytes = smf(1, 96, &[conductor(), t]);
    assert!(matches!(
        error_of(&bytes).problem,
        MidiProblem::BadEvent { track: 2, .. }
    ));
}

#[test]
fn garbage_between_tracks() {
    let mut bytes = header(1, 2, 96);
    bytes.extend(chunk(b"MTrk", &conductor()));
    bytes.extend([0u8, 0, 0, 0]);
    bytes.extend(chunk(b"MTrk", &melody()));
    let err = error_of(&bytes);
    assert!(matches!(err.problem, MidiProblem::NotAChunk { .. }));
    assert!(err.to_string().contains("found bytes 00 00 00 00"), "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Random bytes after a plausible header: an error or a piece, never a panic.
    #[test]
    fn random_bytes_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..300),
                                format in 0u16..3, tracks in 0u16..4, division in any::<u16>()) {
        let mut bytes = header(format, tracks, division);
        bytes.extend(b"MTrk");
        bytes.extend(&tail);
        let _ = read_bytes(&bytes, "x");
        let _ = read_bytes(&tail, "x");
    }

    /// A valid file with a few bytes overwritten: an error or a piece, never a panic; and
    /// when it reads, every note is well formed.
    #[test]
    fn mutated_files_never_panic(edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let mut bytes = valid();
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        if let Ok(file) = read_bytes(&bytes, "x") {
            for note in file.piece.notes() {
                prop_assert!(note.duration.get() >= 1);
                prop_assert!(note.pitch.get() <= 127);
            }
            // Whatever reads is written as it sounds, and then survives further reads and
            // writes unchanged (as the fuzz target checks).
            if let Ok(written) = write_bytes(&file.piece) {
                let once = read_bytes(&written, "y").unwrap().piece;
                prop_assert_eq!(&once, &as_played(&file.piece));
                prop_assert_eq!(write_bytes(&once).unwrap(), written);
            }
        }
    }
}
