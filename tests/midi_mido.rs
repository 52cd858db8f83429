//! An independent check: Python's mido reads the files we write (and the hand-built files we
//! read) and finds the same notes, tempi, signatures, names and programs.
//!
//! Runs `scripts/check_midi_with_mido.py`. Without python3 and mido the tests print a notice
//! and pass, unless `GAN_STUDIO_REQUIRE_MIDO` is set (as CI does after `pip install mido`),
//! in which case they fail.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod env_support;
mod midi_support;

use std::path::Path;
use std::process::Command;

use gan_studio::midi::{read_bytes, write_file};
use gan_studio::music::{Key, Piece};
use midi_support::*;

/// Whether python3 with mido is here; panics when it is required and missing.
fn mido_available() -> bool {
    env_support::python_module("mido", "MIDO")
}

/// The script's output lines for `path`, sorted.
fn mido_lines(path: &Path) -> Vec<String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/check_midi_with_mido.py");
    let out = Command::new(env_support::python())
        .arg(&script)
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "mido failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut lines: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    lines.sort();
    lines
}

/// The lines mido should print for a piece we wrote (tracks: conductor, then the parts).
fn expected_lines(piece: &Piece) -> Vec<String> {
    let mut lines = vec![format!(
        "header format=1 tracks={} ticks_per_beat={}",
        piece.parts.len() + 1,
        piece.ticks_per_quarter
    )];
    if !piece.title.is_empty() {
        lines.push(format!("name track=0 {}", piece.title));
    }
    for c in piece.tempo_map.changes() {
        lines.push(format!(
            "tempo track=0 tick={} micros={}",
            c.tick, c.micros_per_quarter
        ));
    }
    for c in &piece.time_signatures {
        lines.push(format!(
            "time_signature track=0 tick={} {}",
            c.tick, c.signature
        ));
    }
    lines.push(format!("end track=0 tick={}", piece.end_tick()));
    for (i, part) in piece.parts.iter().enumerate() {
        let t = i + 1;
        let channel = part.channel.get();
        lines.push(format!("name track={t} {}", part.name));
        lines.push(format!(
            "program track={t} channel={channel} program={}",
            part.program.get()
        ));
        lines.push(format!("end track={t} tick={}", part.end_tick()));
        for n in &part.notes {
            lines.push(format!(
                "note track={t} channel={channel} pitch={} start={} end={} velocity={}",
                n.pitch.get(),
                n.start,
                n.end(),
                n.velocity.get()
            ));
        }
    }
    lines.sort();
    lines
}

#[test]
fn mido_reads_our_files_as_we_wrote_them() {
    if !mido_available() {
        return;
    }
    let piece = rich_piece();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rich.mid");
    write_file(&path, &piece).unwrap();
    let mut lines = mido_lines(&path);
    // Key signatures come as mido's key names; compare them as keys.
    let keys: Vec<(u64, Key)> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("key_signature track=0 tick="))
        .map(|rest| {
            let (tick, name) = rest.split_once(' ').unwrap();
            (tick.parse().unwrap(), name.parse().unwrap())
        })
        .collect();
    let expected_keys: Vec<(u64, Key)> = piece
        .key_signatures
        .iter()
        .map(|c| (c.tick, c.key))
        .collect();
    assert_eq!(keys, expected_keys);
    lines.retain(|l| !l.starts_with("key_signature"));
    assert_eq!(lines, expected_lines(&as_played(&piece)));
}

#[test]
fn mido_and_we_read_hand_built_files_alike() {
    if !mido_available() {
        return;
    }
    // Running status (also across a meta event), velocity-0 note-offs, overlapping notes of
    // one pitch, a note never released, several channels in one format 0 track.
    let t = track(&[
        on(0, 0, 60, 10),
        ev(0, &[64, 20]),
        ev(48, &[60, 30]),
        ev(0, &[0xFF, 0x01, 0x01, b'x']),
        ev(48, &[60, 0]),
        ev(0, &[64, 0]),
        on(0, 9, 36, 99),
        ev(10, &[0x89, 36, 0]),
        on(0, 2, 50, 40),
        ev(96, &[60, 0]),
        eot(50),
    ]);
    let bytes = smf(0, 96, &[t]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hand.mid");
    std::fs::write(&path, &bytes).unwrap();
    let theirs: Vec<String> = mido_lines(&path)
        .into_iter()
        .filter(|l| l.starts_with("note "))
        .collect();
    let piece = read_bytes(&bytes, "hand.mid").unwrap().piece;
    let mut ours: Vec<String> = piece
        .parts
        .iter()
        .flat_map(|p| {
            p.notes.iter().map(move |n| {
                format!(
                    "note track=0 channel={} pitch={} start={} end={} velocity={}",
                    p.channel.get(),
                    n.pitch.get(),
                    n.start,
                    n.end(),
                    n.velocity.get()
                )
            })
        })
        .collect();
    ours.sort();
    assert_eq!(ours, theirs);
    assert_eq!(ours.len(), 5);
}
