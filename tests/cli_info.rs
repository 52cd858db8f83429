//! `gan-studio info` as a user runs it: real files written to disk, the real binary.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use gan_studio::music::{
    Key, KeySignatureChange, Note, Part, Piece, Pitch, TempoChange, TempoMap, TimeSignature,
    TimeSignatureChange, Velocity,
};

fn gan_studio() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gan-studio"))
}

/// A G major scale in 3/4 at 90 BPM, then 60 BPM from bar 3: eight quarter notes.
fn g_major_piece() -> Piece {
    let mut piece = Piece::new(480).unwrap();
    piece.title = "scale".into();
    piece.tempo_map = TempoMap::new(vec![
        TempoChange {
            tick: 0,
            micros_per_quarter: 666_667,
        },
        TempoChange {
            tick: 2880,
            micros_per_quarter: 1_000_000,
        },
    ])
    .unwrap();
    piece.time_signatures.push(TimeSignatureChange {
        tick: 0,
        signature: TimeSignature::new(3, 4).unwrap(),
    });
    piece.key_signatures.push(KeySignatureChange {
        tick: 0,
        key: "G major".parse::<Key>().unwrap(),
    });
    let pitches = [67, 69, 71, 72, 74, 76, 78, 79];
    let notes = pitches
        .iter()
        .enumerate()
        .map(|(i, &p)| {
            Note::new(
                Pitch::new(p).unwrap(),
                i as u64 * 480,
                480,
                Velocity::DEFAULT,
            )
            .unwrap()
        })
        .collect();
    piece.parts.push(Part {
        notes,
        ..Part::new("melody")
    });
    piece
}

fn write(dir: &Path, name: &str, piece: &Piece) -> PathBuf {
    let path = dir.join(name);
    gan_studio::midi::write_file(&path, piece).unwrap();
    path
}

#[test]
fn info_prints_the_facts_of_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "scale.mid", &g_major_piece());
    let out = gan_studio().arg("info").arg(&path).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("SMF format 1"), "{text}");
    assert!(text.contains("8 in 1 part"), "{text}");
    // 8 quarters in 3/4 = 2.67 bars; 6 quarters at 90 BPM (4 s) + 2 at 60 BPM (2 s) = 6 s.
    assert!(text.contains("2.7 bars, 6.00 s"), "{text}");
    assert!(text.contains("90.0 BPM (1 tempo change)"), "{text}");
    assert!(text.contains("time signature: 3/4"), "{text}");
    assert!(text.contains("G major (estimated"), "{text}");
    assert!(text.contains("declared: G major"), "{text}");
}

#[test]
fn info_reports_bad_files_and_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "good.mid", &g_major_piece());
    let truncated = dir.path().join("truncated.mid");
    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let garbage = dir.path().join("garbage.mid");
    std::fs::write(&garbage, b"this is not a MIDI file at all").unwrap();
    let missing = dir.path().join("missing.mid");

    let out = gan_studio()
        .arg("info")
        .args([&truncated, &good, &garbage, &missing])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    // The good file, listed after a bad one, is still described.
    assert!(
        stdout.contains("good.mid") && stdout.contains("8 in 1 part"),
        "{stdout}"
    );
    for bad in ["truncated.mid", "garbage.mid", "missing.mid"] {
        assert!(stderr.contains(bad), "{bad} not named in: {stderr}");
    }
    assert!(
        stderr.contains("3 of 4 file(s) could not be read"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn info_json_is_one_object_per_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "scale.mid", &g_major_piece());
    let out = gan_studio()
        .args(["info", "--json"])
        .arg(&path)
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["notes"], 8);
    assert_eq!(lines[0]["time_signature"], "3/4");
    assert_eq!(lines[0]["estimated_key"], "G major");
}

#[test]
fn unknown_file_types_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "C D E").unwrap();
    let out = gan_studio().arg("info").arg(&path).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("notes.txt") && stderr.contains("unsupported"),
        "{stderr}"
    );
}

#[test]
fn info_reads_abc_files_and_counts_unreadable_tunes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two.abc");
    // Tune 1: a C major scale in 4/4, eight eighth notes = 1 bar at 120 BPM = 2 s.
    // Tune 2: damaged (a stray character).
    std::fs::write(
        &path,
        "X:1\nT:Scale\nM:4/4\nL:1/8\nK:C\nCDEF GABc|]\n\nX:2\nT:Broken\nM:4/4\nL:1/8\nK:C\nCD#E|]\n",
    )
    .unwrap();
    let out = gan_studio().arg("info").arg(&path).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("tunes:          1 (1 more could not be read)"),
        "{text}"
    );
    assert!(text.contains("8 in 1 part"), "{text}");
    assert!(text.contains("1.0 bars, 2.00 s"), "{text}");
    assert!(text.contains("C major"), "{text}");
}
