//! Checks the ABC reader against an independent implementation: Debian's `abc2midi`
//! (package `abcmidi`). For every tune of the Essen folk set (Erk subset) and of the built-in
//! demo set, the pitches and the onsets and durations on the 16th-note grid must match the
//! MIDI that abc2midi writes.
//!
//! abc2midi starts every note one tick late and ends it on time: its starts are moved back by
//! that tick, then both sides are rounded to the grid (120 ticks at 480 ticks per quarter)
//! before comparing. The tests print a notice and pass when abc2midi or the folk data is
//! missing, unless `GAN_STUDIO_REQUIRE_ABC2MIDI` / `GAN_STUDIO_REQUIRE_FOLK` is set
//! (scripts/test.sh sets both and provides both): then they fail.

// Helpers outside #[test] functions unwrap too: any failure is a test failure.
#![allow(clippy::unwrap_used)]

mod env_support;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use gan_studio::abc::{Tune, parse_abc_str, read_abc_file};
use gan_studio::data::fetch::FOLK_ABC_FILES;

/// (pitch, onset in 16ths, duration in 16ths).
type GridNote = (u8, u64, u64);

/// Ticks per 16th at the 480 ticks per quarter that both abc2midi and our reader use.
const SIXTEENTH: u64 = 120;

fn to_grid(start: u64, end: u64) -> (u64, u64) {
    let onset = (start + SIXTEENTH / 2) / SIXTEENTH;
    let duration = (end.saturating_sub(start) + SIXTEENTH / 2) / SIXTEENTH;
    (onset, duration)
}

/// Our notes on the grid, in (onset, pitch) order.
fn our_notes(tune: &Tune) -> Vec<GridNote> {
    assert_eq!(tune.piece.ticks_per_quarter, 480);
    let mut notes: Vec<GridNote> = tune
        .piece
        .notes()
        .map(|n| {
            let (onset, duration) = to_grid(n.start, n.end());
            (n.pitch.get(), onset, duration)
        })
        .collect();
    notes.sort_by_key(|n| (n.1, n.0));
    notes
}

/// The notes of a MIDI file written by abc2midi, on the grid, in (onset, pitch) order.
fn midi_notes(path: &Path) -> Vec<GridNote> {
    let bytes = fs::read(path).unwrap();
    let smf = midly::Smf::parse(&bytes).unwrap();
    let tpq = match smf.header.timing {
        midly::Timing::Metrical(t) => u64::from(t.as_int()),
        midly::Timing::Timecode(..) => panic!("abc2midi wrote timecode timing"),
    };
    assert_eq!(tpq, 480, "abc2midi's resolution changed");
    let mut notes = Vec::new();
    for track in &smf.tracks {
        let mut tick = 0u64;
        // Sounding notes per (channel, key): their start ticks, oldest first.
        let mut open: BTreeMap<(u8, u8), Vec<u64>> = BTreeMap::new();
        for event in track {
            tick += u64::from(event.delta.as_int());
            let midly::TrackEventKind::Midi { channel, message } = event.kind else {
                continue;
            };
            let (key, on) = match message {
                midly::MidiMessage::NoteOn { key, vel } => (key.as_int(), vel.as_int() > 0),
                midly::MidiMessage::NoteOff { key, .. } => (key.as_int(), false),
                _ => continue,
            };
            let slot = open.entry((channel.as_int(), key)).or_default();
            if on {
                slot.push(tick);
            } else if !slot.is_empty() {
                // abc2midi's one tick of delay.
                let start = slot.remove(0).saturating_sub(1);
                let (onset, duration) = to_grid(start, tick);
                notes.push((key, onset, duration));
            }
        }
    }
    notes.sort_by_key(|n| (n.1, n.0));
    notes
}

/// Runs abc2midi on a copy of `abc` in a fresh folder; returns the MIDI file per `X:` number.
fn run_abc2midi(abc_text: &str, stem: &str, dir: &Path) -> BTreeMap<u32, PathBuf> {
    let copy = dir.join(format!("{stem}.abc"));
    fs::write(&copy, abc_text).unwrap();
    let status = Command::new("abc2midi")
        .arg(&copy)
        .arg("-silent")
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(status.status.success(), "abc2midi failed on {stem}");
    let mut files = BTreeMap::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        // abc2midi names its output <stem><X>.mid.
        if let Some(number) = name
            .strip_prefix(stem)
            .and_then(|rest| rest.strip_suffix(".mid"))
            .and_then(|n| n.parse().ok())
        {
            files.insert(number, path);
        }
    }
    files
}

/// Compares every tune of one ABC text; returns (tunes compared, mismatch descriptions).
fn compare(abc_text: &str, name: &str) -> (usize, Vec<String>) {
    let tmp = tempfile::tempdir().unwrap();
    let stem = "t";
    let midis = run_abc2midi(abc_text, stem, tmp.path());
    let file = parse_abc_str(abc_text, name);
    for error in file.errors() {
        // Tunes our reader refuses (damaged in the source) are listed, not compared; the
        // loading test pins which ones they are.
        println!("not compared: {error}");
    }
    let mut mismatches = Vec::new();
    let mut compared = 0;
    for tune in file.ok_tunes() {
        let Some(midi) = midis.get(&tune.number) else {
            mismatches.push(format!(
                "{name} X:{} {:?}: abc2midi wrote no MIDI",
                tune.number, tune.title
            ));
            continue;
        };
        compared += 1;
        let ours = our_notes(tune);
        let theirs = midi_notes(midi);
        if ours != theirs {
            let first = ours
                .iter()
                .zip(&theirs)
                .position(|(a, b)| a != b)
                .unwrap_or(ours.len().min(theirs.len()));
            mismatches.push(format!(
                "{name} X:{} {:?}: {} notes here, {} from abc2midi; first difference at note {}: \
                 here {:?}, abc2midi {:?}",
                tune.number,
                tune.title,
                ours.len(),
                theirs.len(),
                first,
                ours.get(first),
                theirs.get(first)
            ));
        }
    }
    (compared, mismatches)
}

#[test]
fn erk_tunes_match_abc2midi() {
    if !env_support::abc2midi() {
        return;
    }
    let Some(dir) = env_support::folk() else {
        return;
    };
    let mut total = 0;
    let mut mismatches = Vec::new();
    for name in FOLK_ABC_FILES {
        let path = dir.join(name);
        let text = fs::read_to_string(&path).unwrap();
        // Our own file reader must agree with the text reader used for the comparison.
        let from_disk = read_abc_file(&path).unwrap();
        assert_eq!(
            from_disk.tunes.len(),
            text.matches("\nX:").count() + usize::from(text.starts_with("X:"))
        );
        let (compared, bad) = compare(&text, name);
        total += compared;
        mismatches.extend(bad);
    }
    println!(
        "abc2midi comparison: {} of {total} Erk tunes match exactly",
        total - mismatches.len()
    );
    // The Erk subset has 1,754 tunes; erk20.abc X:237 is damaged and refused (see
    // tests/abc_datasets.rs).
    assert_eq!(total, 1753);
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[test]
fn demo_tunes_match_abc2midi() {
    if !env_support::abc2midi() {
        return;
    }
    let text = include_str!("../assets/demo/demo_melodies.abc");
    let (compared, mismatches) = compare(text, "demo_melodies.abc");
    assert_eq!(parse_abc_str(text, "demo").errors().count(), 0);
    println!(
        "abc2midi comparison: {} of {compared} demo tunes match exactly",
        compared - mismatches.len()
    );
    assert!(compared >= 25);
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[test]
fn tricky_constructs_match_abc2midi() {
    if !env_support::abc2midi() {
        return;
    }
    // Constructs the Erk files do not use, each a tune of its own.
    let text = "X:1\nT:carry and ties\nM:4/4\nL:1/4\nK:C\n^F f F, z|^F4-|F2 F2|_B2 B2-|B2 c2|\n\
                ^F4-|=F2 F2|A2- ^A2|A2- A2|]\n\n\
                X:2\nT:repeats\nM:2/4\nL:1/4\nK:C\nC D:|E F|:G A|1 B c:|2 d e::f g:|\n|:a b|[1 c d:|[2 e f|]\n\n\
                X:3\nT:broken and tuplets\nM:4/4\nL:1/8\nK:G\nA>B c<d e>>f g2 | (3FGA (3Bcd e4 |]\n\n\
                X:4\nT:keys\nM:3/4\nL:1/8\nK:Ddor\nB F c2 f2 | [K:Eb] A B e2 E2 | [K:F#m] E G d6 |]\n\n\
                X:5\nT:lengths\nM:4/4\nL:1/16\nK:D\nA A2 A/2A/2 A3/2 A// A//A/4A/4 A8 z4 A3 |]\n";
    let (compared, mismatches) = compare(text, "tricky.abc");
    assert_eq!(parse_abc_str(text, "tricky").errors().count(), 0);
    assert_eq!(compared, 5);
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
