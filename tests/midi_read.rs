//! Reading hand-built Standard MIDI Files: every rule of `gan_studio::midi`'s reader, with
//! expectations worked out by hand from the bytes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod midi_support;

use gan_studio::midi::{SmfFormat, SmpteRate, Timing, read_bytes, read_file};
use gan_studio::music::{Channel, Key, TimeSignature};
use midi_support::*;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn running_status_and_velocity_zero_note_off() {
    let t = track(&[
        name(0, b"Run"),
        on(0, 0, 60, 100),
        ev(0, &[64, 80]), // running status: E4 on, velocity 80
        ev(96, &[60, 0]), // running status: C4 velocity 0 = off
        ev(0, &[64, 0]),
        ev(0, &[0x80, 67, 64]), // a NoteOff with nothing sounding
        eot(0),
    ]);
    let file = read_bytes(&smf(0, 96, &[t]), "run.mid").unwrap();
    assert_eq!(file.format, SmfFormat::SingleTrack);
    assert_eq!(file.timing, Timing::TicksPerQuarter(96));
    let piece = &file.piece;
    assert_eq!(piece.ticks_per_quarter, 96);
    assert_eq!(piece.parts.len(), 1);
    assert_eq!(piece.parts[0].name, "Run");
    assert_eq!(piece.title, "Run");
    assert_eq!(
        notes(&piece.parts[0]),
        vec![(60, 0, 96, 100), (64, 0, 96, 80)]
    );
    assert_eq!(file.report.unmatched_note_offs, 1);
    assert_eq!(file.report.unreleased_notes, 0);
}

#[test]
fn running_status_survives_meta_and_sysex_events() {
    let t = track(&[
        on(0, 3, 60, 90),
        ev(0, &[0xFF, 0x01, 0x02, b'h', b'i']), // text
        ev(10, &[60, 0]),                       // still NoteOn channel 4
        ev(0, &[0xF0, 0x02, 0x7E, 0xF7]),       // SysEx
        ev(0, &[62, 70]),
        ev(5, &[62, 0]),
        eot(0),
    ]);
    let piece = read_bytes(&smf(0, 480, &[t]), "x").unwrap().piece;
    assert_eq!(piece.parts[0].channel.get(), 3);
    assert_eq!(
        notes(&piece.parts[0]),
        vec![(60, 0, 10, 90), (62, 10, 5, 70)]
    );
}

#[test]
fn note_off_messages_end_notes_whatever_their_release_velocity() {
    let t = track(&[on(0, 0, 72, 1), ev(30, &[0x80, 72, 127]), eot(0)]);
    let piece = read_bytes(&smf(0, 480, &[t]), "x").unwrap().piece;
    assert_eq!(notes(&piece.parts[0]), vec![(72, 0, 30, 1)]);
}

#[test]
fn overlapping_notes_of_one_pitch_pair_first_in_first_out() {
    // C4 struck at 0 and again at 48 (still sounding); the offs at 96 and 192 end the
    // earliest first: [0, 96) velocity 10 and [48, 192) velocity 20.
    let t = track(&[
        on(0, 0, 60, 10),
        on(48, 0, 60, 20),
        off(48, 0, 60),
        off(96, 0, 60),
        eot(0),
    ]);
    let file = read_bytes(&smf(0, 96, &[t]), "x").unwrap();
    assert_eq!(
        notes(&file.piece.parts[0]),
        vec![(60, 0, 96, 10), (60, 48, 144, 20)]
    );
    // The same pitch on another channel is another queue (and another part).
    let t = track(&[
        on(0, 0, 60, 10),
        on(10, 1, 60, 20),
        off(10, 1, 60),
        off(10, 0, 60),
        eot(0),
    ]);
    let piece = read_bytes(&smf(0, 96, &[t]), "x").unwrap().piece;
    assert_eq!(notes(&piece.parts[0]), vec![(60, 0, 30, 10)]);
    assert_eq!(notes(&piece.parts[1]), vec![(60, 10, 10, 20)]);
}

#[test]
fn restruck_note_before_its_off_on_the_same_tick_keeps_both_notes() {
    // Some sequencers write the new NoteOn before the old NoteOff on the same tick.
    let t = track(&[
        on(0, 0, 60, 50),
        on(100, 0, 60, 60),
        off(0, 0, 60),
        off(100, 0, 60),
        eot(0),
    ]);
    let piece = read_bytes(&smf(0, 96, &[t]), "x").unwrap().piece;
    assert_eq!(
        notes(&piece.parts[0]),
        vec![(60, 0, 100, 50), (60, 100, 100, 60)]
    );
}

#[test]
fn unreleased_notes_end_at_the_end_of_their_track() {
    let t = track(&[
        on(0, 0, 60, 64),
        on(10, 0, 62, 64),
        off(10, 0, 62),
        on(80, 0, 64, 64), // struck on the End-of-Track tick: one tick long
        eot(0),
    ]);
    let file = read_bytes(&smf(0, 96, &[t]), "x").unwrap();
    assert_eq!(
        notes(&file.piece.parts[0]),
        vec![(60, 0, 100, 64), (62, 10, 10, 64), (64, 100, 1, 64)]
    );
    assert_eq!(file.report.unreleased_notes, 2);
    assert_eq!(file.report.zero_length_notes, 1);
    // Without End-of-Track, the last event ends the track.
    let t = track(&[on(0, 0, 60, 64), ev(40, &[0xB0, 7, 100])]);
    let file = read_bytes(&smf(0, 96, &[t]), "x").unwrap();
    assert_eq!(notes(&file.piece.parts[0]), vec![(60, 0, 40, 64)]);
    assert_eq!(file.report.tracks_without_end, 1);
}

#[test]
fn a_note_ending_where_it_starts_lasts_one_tick() {
    let t = track(&[on(5, 9, 36, 100), off(0, 9, 36), eot(10)]);
    let file = read_bytes(&smf(0, 96, &[t]), "x").unwrap();
    assert_eq!(notes(&file.piece.parts[0]), vec![(36, 5, 1, 100)]);
    assert_eq!(file.report.zero_length_notes, 1);
}

#[test]
fn events_after_end_of_track_are_not_read() {
    let t = track(&[on(0, 0, 60, 64), off(10, 0, 60), eot(0), on(0, 0, 61, 64)]);
    let file = read_bytes(&smf(0, 96, &[t]), "x").unwrap();
    assert_eq!(notes(&file.piece.parts[0]), vec![(60, 0, 10, 64)]);
    assert_eq!(file.report.unreleased_notes, 0);
}

#[test]
fn tempo_changes_give_correct_seconds() {
    // 480 ticks per quarter. Conductor: 120 BPM at 0, 60 BPM from tick 960 (two quarters,
    // one second, in). A note from 1440 to 1920: 960..1440 is one quarter at 60 BPM (1 s),
    // so it starts at 2 s and ends at 3 s.
    let conductor = track(&[tempo(0, 500_000), tempo(960, 1_000_000), eot(0)]);
    let music = track(&[on(1440, 0, 69, 80), off(480, 0, 69), eot(0)]);
    let file = read_bytes(&smf(1, 480, &[conductor, music]), "x").unwrap();
    let piece = &file.piece;
    assert_eq!(file.format, SmfFormat::MultiTrack);
    assert_eq!(piece.tempo_map.changes().len(), 2);
    assert!(close(piece.seconds_at(960), 1.0));
    assert!(close(piece.seconds_at(1440), 2.0));
    assert!(close(piece.duration_seconds(), 3.0));
    let info = file.info();
    assert_eq!(info.tempo_changes, 1);
    assert!(close(info.initial_bpm, 120.0));
    assert!(close(info.seconds, 3.0));
    // 1920 ticks of 4/4 at 480 per quarter: one bar.
    assert!(close(info.bars, 1.0));
    assert_eq!(info.notes, 1);
    assert_eq!(info.tracks, 2);
}

#[test]
fn a_file_without_tempo_plays_at_120_bpm_and_tempo_zero_is_skipped() {
    let t = track(&[tempo(0, 0), on(0, 0, 60, 64), off(96, 0, 60), eot(0)]);
    let file = read_bytes(&smf(0, 96, &[t]), "x").unwrap();
    assert!(close(file.piece.tempo_map.initial_bpm(), 120.0));
    assert!(close(file.piece.duration_seconds(), 0.5));
    assert_eq!(file.report.skipped_meta_events, 1);
}

#[test]
fn smpte_timing_becomes_a_timeline_with_exact_seconds() {
    // -25 fps (0xE7), 40 ticks per frame: 1000 ticks per second. The tempo event is ignored.
    let t = track(&[
        tempo(0, 250_000),
        on(500, 0, 60, 64),
        off(250, 0, 60),
        eot(0),
    ]);
    let file = read_bytes(&smf(0, 0xE728, &[t]), "x").unwrap();
    assert_eq!(
        file.timing,
        Timing::Smpte {
            rate: SmpteRate::Fps25,
            ticks_per_frame: 40
        }
    );
    let piece = &file.piece;
    assert_eq!(piece.ticks_per_quarter, 1000);
    assert_eq!(notes(&piece.parts[0]), vec![(60, 500, 250, 64)]);
    assert!(close(piece.seconds_at(500), 0.5));
    assert!(close(piece.duration_seconds(), 0.75));
    assert_eq!(file.report.skipped_meta_events, 1);
    assert!(
        file.info()
            .to_string()
            .contains("SMPTE timing (25.00 fps × 40 ticks)")
    );

    // 29.97 fps drop-frame (-29 = 0xE3), 4 ticks per frame: 120 ticks are 30 frames, 1.001 s.
    let t = track(&[on(0, 0, 60, 64), off(120, 0, 60), eot(0)]);
    let file = read_bytes(&smf(0, 0xE304, &[t]), "x").unwrap();
    assert_eq!(file.piece.ticks_per_quarter, 120);
    assert!(close(file.piece.duration_seconds(), 1.001));
    // 24 fps × 2 ticks: a tick is 1/48 s.
    let t = track(&[on(0, 0, 60, 64), off(48, 0, 60), eot(0)]);
    let file = read_bytes(&smf(0, 0xE802, &[t]), "x").unwrap();
    assert!(close(file.piece.duration_seconds(), 1.0));
}

#[test]
fn format_0_with_several_channels_gives_one_part_per_channel() {
    let t = track(&[
        name(0, b"Band"),
        program(0, 2, 40),
        program(0, 9, 0),
        on(0, 9, 36, 100),
        on(0, 2, 76, 70),
        on(0, 0, 60, 80),
        off(96, 9, 36),
        off(0, 0, 60),
        off(96, 2, 76),
        eot(0),
    ]);
    let file = read_bytes(&smf(0, 96, &[t]), "band.mid").unwrap();
    let parts = &file.piece.parts;
    let names: Vec<&str> = parts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        ["Band (channel 1)", "Band (channel 3)", "Band (channel 10)"]
    );
    let channels: Vec<u8> = parts.iter().map(|p| p.channel.get()).collect();
    assert_eq!(channels, [0, 2, 9]);
    let programs: Vec<u8> = parts.iter().map(|p| p.program.get()).collect();
    assert_eq!(programs, [0, 40, 0]);
    assert_eq!(notes(&parts[0]), vec![(60, 0, 96, 80)]);
    assert_eq!(notes(&parts[1]), vec![(76, 0, 192, 70)]);
    assert_eq!(notes(&parts[2]), vec![(36, 0, 96, 100)]);
    assert!(parts[2].is_drums());
    assert_eq!(parts[2].channel, Channel::DRUMS);
    assert!(!parts[0].is_drums() && !parts[1].is_drums());
    // Key analysis reads the pitched parts only.
    assert_eq!(file.piece.pitched_notes().count(), 2);
}

#[test]
fn format_1_tracks_and_channels_are_kept_in_order() {
    let conductor = track(&[name(0, b"Song"), tempo(0, 600_000), eot(0)]);
    let lead = track(&[name(0, b"Lead"), on(0, 0, 72, 90), off(10, 0, 72), eot(0)]);
    let drums = track(&[name(0, b"Drums"), on(0, 9, 38, 90), off(10, 9, 38), eot(0)]);
    let unnamed = track(&[on(0, 4, 48, 90), off(10, 4, 48), eot(0)]);
    let file = read_bytes(&smf(1, 480, &[conductor, lead, drums, unnamed]), "x").unwrap();
    let piece = &file.piece;
    assert_eq!(piece.title, "Song");
    assert_eq!(file.tracks, 4);
    let names: Vec<&str> = piece.parts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Lead", "Drums", "Track 4"]);
    assert!(piece.parts[1].is_drums());
    assert_eq!(piece.parts[2].channel.get(), 4);
}

#[test]
fn programs_come_from_the_track_then_from_the_file() {
    let conductor = track(&[program(0, 3, 33), eot(0)]);
    let a = track(&[
        program(0, 0, 5),
        on(0, 0, 60, 64),
        off(10, 0, 60),
        program(0, 0, 6), // a later change is not modelled
        eot(0),
    ]);
    let b = track(&[
        on(0, 0, 60, 64),
        off(10, 0, 60),
        on(0, 3, 60, 64),
        off(10, 3, 60),
        on(0, 1, 60, 64),
        off(10, 1, 60),
        eot(0),
    ]);
    let piece = read_bytes(&smf(1, 96, &[conductor, a, b]), "x")
        .unwrap()
        .piece;
    let programs: Vec<(u8, u8)> = piece
        .parts
        .iter()
        .map(|p| (p.channel.get(), p.program.get()))
        .collect();
    // Track a: channel 0 has its own 5. Track b: channel 0 borrows the file's first (5),
    // channel 1 has none anywhere (piano), channel 3 borrows the conductor's 33.
    assert_eq!(programs, [(0, 5), (0, 5), (1, 0), (3, 33)]);
}

#[test]
fn time_and_key_signatures_are_read_and_bad_ones_skipped() {
    let conductor = track(&[
        time_sig(0, 3, 2),
        key_sig(0, -3, true),
        time_sig(0, 5, 7),    // denominator 128: skipped
        key_sig(0, 9, false), // 9 sharps: skipped
        time_sig(288 * 2, 6, 3),
        key_sig(0, 1, false),
        eot(0),
    ]);
    let music = track(&[on(0, 0, 60, 64), off(288 * 2 + 288 * 2, 0, 60), eot(0)]);
    let file = read_bytes(&smf(1, 96, &[conductor, music]), "x").unwrap();
    let piece = &file.piece;
    assert_eq!(file.report.skipped_meta_events, 2);
    let sigs: Vec<(u64, String)> = piece
        .time_signatures
        .iter()
        .map(|c| (c.tick, c.signature.to_string()))
        .collect();
    assert_eq!(sigs, [(0, "3/4".to_string()), (576, "6/8".to_string())]);
    let keys: Vec<(u64, Key)> = piece
        .key_signatures
        .iter()
        .map(|c| (c.tick, c.key))
        .collect();
    assert_eq!(
        keys,
        [
            (0, "C minor".parse().unwrap()),
            (576, "G major".parse().unwrap())
        ]
    );
    let info = file.info();
    assert_eq!(info.time_signature, TimeSignature::new(3, 4).unwrap());
    assert_eq!(info.time_signature_changes, 1);
    assert_eq!(info.declared_key, Some("C minor".parse().unwrap()));
    // 576 ticks of 3/4 at 96 per quarter = 2 bars, then 576 ticks of 6/8 = 2 bars.
    assert!(close(info.bars, 4.0));
    assert_eq!(
        info.to_string(),
        "format 1, 2 tracks, 1 part, 1 note, 4.0 bars, 6.0 s, 120 BPM, 3/4 (1 change), \
         key C minor"
    );
}

#[test]
fn the_last_signature_on_a_tick_wins() {
    let t = track(&[time_sig(0, 2, 2), time_sig(0, 7, 3), eot(0)]);
    let piece = read_bytes(&smf(0, 96, &[t]), "x").unwrap().piece;
    assert_eq!(piece.time_signatures.len(), 1);
    assert_eq!(piece.time_signatures[0].signature.to_string(), "7/8");
}

#[test]
fn a_header_declaring_fewer_tracks_than_present_reads_only_those() {
    let a = track(&[on(0, 0, 60, 64), off(10, 0, 60), eot(0)]);
    let b = track(&[on(0, 1, 62, 64), off(10, 1, 62), eot(0)]);
    let mut bytes = header(1, 1, 96);
    bytes.extend(chunk(b"MTrk", &a));
    bytes.extend(chunk(b"MTrk", &b));
    let file = read_bytes(&bytes, "x").unwrap();
    assert_eq!(file.tracks, 1);
    assert_eq!(file.piece.parts.len(), 1);
    assert_eq!(file.report.trailing_bytes, 8 + b.len());
}

#[test]
fn unknown_chunks_between_tracks_are_skipped() {
    let a = track(&[on(0, 0, 60, 64), off(10, 0, 60), eot(0)]);
    let mut bytes = header(1, 2, 96);
    bytes.extend(chunk(b"XFIH", b"vendor data"));
    bytes.extend(chunk(b"MTrk", &a));
    bytes.extend(chunk(b"MTrk", &a));
    let file = read_bytes(&bytes, "x").unwrap();
    assert_eq!(file.report.unknown_chunks, 1);
    assert_eq!(file.piece.parts.len(), 2);
}

#[test]
fn names_in_latin1_and_a_longer_header_chunk_are_read() {
    let t = track(&[
        name(0, b"Fl\xFBte"),
        on(0, 0, 60, 64),
        off(10, 0, 60),
        eot(0),
    ]);
    // A header chunk of 8 bytes: the two extra bytes are skipped.
    let mut bytes = chunk(b"MThd", &[0, 0, 0, 1, 0, 96, 0xAB, 0xCD]);
    bytes.extend(chunk(b"MTrk", &t));
    let piece = read_bytes(&bytes, "x").unwrap().piece;
    assert_eq!(piece.parts[0].name, "Flûte");
}

#[test]
fn rmid_files_are_unwrapped() {
    let t = track(&[on(0, 0, 60, 64), off(10, 0, 60), eot(0)]);
    let midi = smf(0, 96, &[t]);
    let mut riff = b"RIFF".to_vec();
    riff.extend(((4 + 8 + 3 + 1 + 8 + midi.len()) as u32).to_le_bytes());
    riff.extend(b"RMID");
    riff.extend(b"LIST");
    riff.extend(3u32.to_le_bytes());
    riff.extend(b"abc\0"); // odd length, padded
    riff.extend(b"data");
    riff.extend((midi.len() as u32).to_le_bytes());
    riff.extend(&midi);
    let piece = read_bytes(&riff, "x").unwrap().piece;
    assert_eq!(notes(&piece.parts[0]), vec![(60, 0, 10, 64)]);
}

#[test]
fn read_file_titles_untitled_pieces_after_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("little tune.mid");
    let t = track(&[on(0, 0, 60, 64), off(10, 0, 60), eot(0)]);
    std::fs::write(&path, smf(0, 96, &[t])).unwrap();
    let file = read_file(&path).unwrap();
    assert_eq!(file.piece.title, "little tune");
    assert_eq!(file.piece.parts[0].name, "Track 1");
}

#[test]
fn parts_without_notes_are_not_made() {
    let conductor = track(&[name(0, b"Title"), eot(0)]);
    let silent = track(&[name(0, b"Silent"), program(0, 0, 10), eot(100)]);
    let file = read_bytes(&smf(1, 96, &[conductor, silent]), "x").unwrap();
    assert!(file.piece.parts.is_empty());
    assert_eq!(file.piece.title, "Title");
    assert_eq!(file.info().notes, 0);
    assert!(close(file.info().seconds, 0.0));
}
