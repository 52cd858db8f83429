//! The score exports read back by other readers: ABC through this crate's ABC reader and
//! through `abc2midi` (read with this crate's MIDI reader), MusicXML through music21
//! (`scripts/check_musicxml_with_music21.py`). Every note (pitch, onset, length), rest, tie,
//! metre and key must survive.
//!
//! Without `abc2midi`, or without a Python with music21 (`$GAN_STUDIO_PYTHON`, else
//! `python3`), those checks print a notice and pass, unless `GAN_STUDIO_REQUIRE_ABC2MIDI` or
//! `GAN_STUDIO_REQUIRE_MUSIC21` is set (scripts/test.sh sets both), in which case they fail.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod env_support;

use std::path::Path;
use std::process::Command;

use gan_studio::abc::{parse_abc_str, write_abc};
use gan_studio::music::score::{ScoreOptions, UNITS_PER_QUARTER};
use gan_studio::music::{
    Key, KeySignatureChange, Note, Piece, Pitch, TempoMap, TimeSignature, TimeSignatureChange,
    Velocity, estimate_piece_key,
};
use gan_studio::musicxml::write_musicxml;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use serde_json::Value;

/// (pitch, start, duration) in ticks at 480 per quarter.
type Triple = (u8, u64, u64);

const E: u64 = 240; // an eighth
const Q: u64 = 480; // a quarter

/// A one-part piece at 480 ticks per quarter.
fn piece(notes: &[Triple], metre: &str, key: Option<&str>, bpm: f64) -> Piece {
    let notes = notes
        .iter()
        .map(|&(p, s, d)| Note::new(Pitch::new(p).unwrap(), s, d, Velocity::DEFAULT).unwrap())
        .collect();
    let mut piece = Piece::from_notes(480, "Melody", notes).unwrap();
    piece.title = "Test tune".into();
    piece.tempo_map = TempoMap::from_bpm(bpm);
    piece.time_signatures.push(TimeSignatureChange {
        tick: 0,
        signature: metre.parse().unwrap(),
    });
    if let Some(k) = key {
        piece.key_signatures.push(KeySignatureChange {
            tick: 0,
            key: k.parse().unwrap(),
        });
    }
    piece
}

fn triples(piece: &Piece) -> Vec<Triple> {
    let mut notes: Vec<Triple> = piece
        .notes()
        .map(|n| (n.pitch.get(), n.start, n.duration.get()))
        .collect();
    notes.sort_by_key(|n| (n.1, n.0));
    notes
}

/// The key a score export writes: the declared one, else the estimated one.
fn written_key(piece: &Piece) -> Key {
    piece
        .declared_key()
        .or_else(|| estimate_piece_key(piece).map(|e| e.key))
        .unwrap()
}

/// The test melodies: (name, piece, pickup in ticks).
fn melodies() -> Vec<(&'static str, Piece, u64)> {
    vec![
        (
            // G major, 4/4: F natural then F# in one bar, a C#, a note tied over the bar
            // line, a rest, a note tied over two bar lines.
            "4/4 G major",
            piece(
                &[
                    (62, 0, Q),
                    (67, Q, E),
                    (65, Q + E, E),
                    (66, 2 * Q, Q),
                    (73, 3 * Q + E, Q),
                    (71, 5 * Q, E),
                    (79, 6 * Q, 7 * Q),
                ],
                "4/4",
                Some("G major"),
                96.0,
            ),
            0,
        ),
        (
            // D minor, 3/4: the raised seventh C#, B flat, a chord-free tie across a bar.
            "3/4 D minor",
            piece(
                &[
                    (62, 0, 2 * Q),
                    (61, 2 * Q, Q),
                    (62, 3 * Q, E),
                    (64, 3 * Q + E, E),
                    (65, 4 * Q, Q),
                    (70, 5 * Q, 2 * Q),
                    (69, 7 * Q, E),
                    (57, 8 * Q, Q),
                    (50, 9 * Q, 3 * Q),
                ],
                "3/4",
                Some("D minor"),
                120.0,
            ),
            0,
        ),
        (
            // 6/8, no key written (estimated): dotted rhythms, a rest, a high and a low note.
            "6/8 estimated key",
            piece(
                &[
                    (67, 0, 3 * E),
                    (69, 3 * E, E),
                    (71, 4 * E, E),
                    (72, 5 * E, 2 * E),
                    (84, 8 * E, E),
                    (74, 9 * E, 3 * E + E / 2),
                    (72, 12 * E + E / 2, E / 2),
                    (48, 14 * E, 4 * E),
                ],
                "6/8",
                None,
                140.0,
            ),
            0,
        ),
        (
            // 2/4 with an eighth-note pickup, Bb major, a tie over the bar line, sixteenths.
            "2/4 pickup",
            piece(
                &[
                    (65, 0, E),
                    (70, E, Q),
                    (72, E + Q, E / 2),
                    (74, E + Q + E / 2, E / 2),
                    (75, 2 * Q, 2 * E),
                    (74, 2 * Q + 2 * E, Q + E),
                    (70, 4 * Q + E, Q),
                ],
                "2/4",
                Some("Bb major"),
                110.0,
            ),
            E,
        ),
        (
            // Starts with a rest; E major with a sharp key signature and a D natural.
            "leading rest",
            piece(
                &[
                    (68, Q, Q),
                    (62, 2 * Q, Q),
                    (63, 3 * Q, 2 * Q),
                    (64, 5 * Q, Q),
                ],
                "4/4",
                Some("E major"),
                100.0,
            ),
            0,
        ),
    ]
}

// ---------------------------------------------------------------------------------------------
// ABC through our reader

/// Writes `piece` as ABC and reads it back with the crate's reader.
fn abc_round_trip(piece: &Piece, pickup: u64) -> (String, Piece) {
    let text = write_abc(piece, &ScoreOptions { pickup });
    let file = parse_abc_str(&text, "export.abc");
    let tune = match file.tunes.into_iter().next() {
        Some(Ok(tune)) => tune,
        other => panic!("{other:?}\n{text}"),
    };
    assert!(tune.warnings.is_empty(), "{:?}\n{text}", tune.warnings);
    (text, tune.piece)
}

#[test]
fn abc_export_reads_back_to_the_same_notes_metre_key_and_tempo() {
    for (name, original, pickup) in melodies() {
        let (text, back) = abc_round_trip(&original, pickup);
        assert_eq!(triples(&back), triples(&original), "{name}\n{text}");
        assert_eq!(
            back.initial_time_signature(),
            original.initial_time_signature(),
            "{name}"
        );
        assert_eq!(back.declared_key(), Some(written_key(&original)), "{name}");
        assert!(
            (back.tempo_map.initial_bpm() - original.tempo_map.initial_bpm()).abs() < 0.01,
            "{name}"
        );
        assert_eq!(back.title, "Test tune");
    }
}

#[test]
fn abc_export_writes_bars_ties_and_accidentals() {
    let melodies = melodies();
    let (_, g_major, _) = &melodies[0];
    let text = write_abc(g_major, &ScoreOptions::default());
    let body: Vec<&str> = text.lines().skip_while(|l| !l.starts_with("K:")).collect();
    assert_eq!(body[0], "K:G");
    // Bar 1: D4 quarter, G eighth, F natural eighth, F# quarter (sign shown again), then
    // a rest and C# tied into bar 2.
    assert_eq!(body[1], "D2 G=F ^F2 z^c-|^cz Bz g4-|g8-|g2 z6|]", "{text}");
    let (_, pickup_tune, pickup) = &melodies[3];
    let text = write_abc(pickup_tune, &ScoreOptions { pickup: *pickup });
    assert!(text.contains("K:Bb\nF|B2 c/d/e-|e"), "{text}");
}

#[test]
fn abc_export_of_chords_and_several_parts() {
    let mut p = piece(
        &[(60, 0, Q), (64, 0, Q), (67, 0, Q), (72, Q, Q)],
        "4/4",
        Some("C"),
        120.0,
    );
    let (text, back) = abc_round_trip(&p, 0);
    assert!(text.contains("[C2E2G2] c2 z4|]"), "{text}");
    assert_eq!(triples(&back), triples(&p));
    let mut bass = p.parts[0].clone();
    bass.name = "Bass".into();
    bass.notes
        .iter_mut()
        .for_each(|n| n.pitch = n.pitch.transposed(-24).unwrap());
    p.parts.push(bass);
    let text = write_abc(&p, &ScoreOptions::default());
    assert!(text.contains("V:1 name=\"Melody\"\n"), "{text}");
    assert!(
        text.contains("V:2 name=\"Bass\"\n[C,,2E,,2G,,2] C,2 z4|]"),
        "{text}"
    );
}

fn melody_strategy() -> impl Strategy<Value = (Piece, u64)> {
    let metres = prop::sample::select(vec!["4/4", "3/4", "6/8", "2/4", "3/8", "2/2"]);
    let keys = prop::sample::select(vec![
        None,
        Some("C major"),
        Some("A minor"),
        Some("Eb major"),
        Some("F# minor"),
        Some("Db major"),
        Some("B major"),
    ]);
    // (rest before in 16ths, length in 16ths, pitch)
    let notes = prop::collection::vec((0u64..3, 1u64..14, 36u8..96), 1..40);
    (metres, keys, notes, 0u64..16).prop_map(|(metre, key, notes, pickup)| {
        let mut time = 0;
        let mut triples = Vec::new();
        for (rest, length, pitch) in notes {
            time += rest * 120;
            triples.push((pitch, time, length * 120));
            time += length * 120;
        }
        let p = piece(&triples, metre, key, 120.0);
        let bar = p.initial_time_signature().ticks_per_bar(480);
        (p, (pickup * 120) % bar)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_melodies_round_trip_through_our_abc_reader((original, pickup) in melody_strategy()) {
        let (text, back) = abc_round_trip(&original, pickup);
        prop_assert_eq!(triples(&back), triples(&original), "{}", text);
        prop_assert_eq!(back.declared_key(), Some(written_key(&original)));
    }
}

// ---------------------------------------------------------------------------------------------
// ABC through abc2midi

/// The notes abc2midi plays for `text`, read with the crate's MIDI reader, on the 64th-note
/// grid (abc2midi starts each note a tick late).
fn abc2midi_notes(dir: &Path, text: &str) -> Vec<Triple> {
    let abc = dir.join("tune.abc");
    let mid = dir.join("tune.mid");
    std::fs::write(&abc, text).unwrap();
    let _ = std::fs::remove_file(&mid);
    let out = Command::new("abc2midi")
        .arg(&abc)
        .arg("-o")
        .arg(&mid)
        .output()
        .unwrap();
    assert!(
        out.status.success() && mid.exists(),
        "abc2midi failed: {}\n{text}",
        String::from_utf8_lossy(&out.stdout)
    );
    let file = gan_studio::midi::read_file(&mid).unwrap();
    let tpq = u64::from(file.piece.ticks_per_quarter);
    let grid = |t: u64| (t * 480 + tpq / 2) / tpq;
    let snap = |t: u64| (grid(t) + 15) / 30 * 30;
    let mut notes: Vec<Triple> = file
        .piece
        .notes()
        .map(|n| {
            let start = snap(n.start);
            (n.pitch.get(), start, snap(n.end()) - start)
        })
        .collect();
    notes.sort_by_key(|n| (n.1, n.0));
    notes
}

#[test]
fn abc_export_plays_the_same_notes_in_abc2midi() {
    if !env_support::abc2midi() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (name, original, pickup) in melodies() {
        let text = write_abc(&original, &ScoreOptions { pickup });
        assert_eq!(
            abc2midi_notes(dir.path(), &text),
            triples(&original),
            "{name}\n{text}"
        );
    }
    // Random melodies too (fewer: one process each).
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(40));
    runner
        .run(&melody_strategy(), |(original, pickup)| {
            let text = write_abc(&original, &ScoreOptions { pickup });
            prop_assert_eq!(
                abc2midi_notes(dir.path(), &text),
                triples(&original),
                "{}",
                text
            );
            Ok(())
        })
        .unwrap();
}

// ---------------------------------------------------------------------------------------------
// MusicXML through music21

/// Whether a Python with music21 is here; panics when it is required and missing.
fn music21_available() -> bool {
    env_support::python_module("music21", "MUSIC21")
}

/// What music21 reads in each of `pieces` exported as MusicXML.
fn music21_facts(pieces: &[(Piece, u64)]) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (i, (piece, pickup)) in pieces.iter().enumerate() {
        let path = dir.path().join(format!("score-{i}.musicxml"));
        std::fs::write(
            &path,
            write_musicxml(piece, &ScoreOptions { pickup: *pickup }),
        )
        .unwrap();
        paths.push(path);
    }
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/check_musicxml_with_music21.py");
    let out = Command::new(env_support::python())
        .arg(script)
        .args(&paths)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "music21 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn int(v: &Value) -> u64 {
    v.as_u64().unwrap()
}

/// Checks one part as music21 read it against the original notes: the notes after joining
/// ties, every note and rest tiling the measures, ties exactly where a note is split (and at
/// every bar line it crosses), the metre and the key.
fn check_part(
    name: &str,
    part: &Value,
    notes: &[Triple],
    metre: TimeSignature,
    key: Key,
    pickup: u64,
) {
    let to_units = |t: u64| t * UNITS_PER_QUARTER / 480;
    let expected: Vec<Vec<u64>> = notes
        .iter()
        .map(|&(p, s, d)| vec![u64::from(p), to_units(s), to_units(d)])
        .collect();
    let got: Vec<Vec<u64>> = part["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_array().unwrap().iter().map(int).collect())
        .collect();
    assert_eq!(got, expected, "{name}: notes after joining ties");
    assert_eq!(part["time_signatures"][0][1], metre.to_string(), "{name}");
    let (fifths, minor) = key.to_key_signature();
    assert_eq!(
        part["keys"][0][1].as_i64().unwrap(),
        i64::from(fifths),
        "{name}"
    );
    assert_eq!(
        part["keys"][0][2],
        if minor { "minor" } else { "major" },
        "{name}"
    );
    // Measures: a pickup first when asked for, then full bars.
    let measures: Vec<(u64, u64)> = part["measures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (int(&m[0]), int(&m[1])))
        .collect();
    let bar = to_units(metre.ticks_per_bar(480));
    let first = if pickup > 0 { to_units(pickup) } else { bar };
    assert_eq!(measures[0], (0, first), "{name}");
    assert!(
        measures[1..].iter().all(|m| m.1 == bar),
        "{name}: {measures:?}"
    );
    let bar_lines: Vec<u64> = measures.iter().map(|m| m.0).collect();
    // Events tile the piece; rests exactly fill the silences.
    let events = part["events"].as_array().unwrap();
    let mut time = 0;
    let mut sounding = Vec::new();
    for e in events {
        let (start, length) = (int(&e[0]), int(&e[1]));
        assert_eq!(
            start, time,
            "{name}: events must follow each other: {events:?}"
        );
        let pitches = e[2].as_array().unwrap();
        let covered = expected
            .iter()
            .any(|n| n[1] <= start && start < n[1] + n[2]);
        assert_eq!(!pitches.is_empty(), covered, "{name}: rest/note at {start}");
        if !pitches.is_empty() {
            let pitches: Vec<u64> = pitches.iter().map(int).collect();
            sounding.push((start, pitches, e[3].as_str().map(str::to_owned)));
        }
        time += length;
    }
    let last = measures.last().unwrap();
    assert_eq!(time, last.0 + last.1, "{name}: the last measure is filled");
    // Ties: each note's pieces sound its pitch and are tied start, continue..., stop; a note
    // crossing a bar line is split there.
    for n in &expected {
        let (s, e) = (n[1], n[1] + n[2]);
        let parts: Vec<&(u64, Vec<u64>, Option<String>)> = sounding
            .iter()
            .filter(|(t, _, _)| s <= *t && *t < e)
            .collect();
        for p in &parts {
            assert!(
                p.1.contains(&n[0]),
                "{name}: {n:?}: the piece at {} sounds {:?}",
                p.0,
                p.1
            );
        }
        let ties: Vec<Option<&str>> = parts.iter().map(|p| p.2.as_deref()).collect();
        let want: Vec<Option<&str>> = match parts.len() {
            1 => vec![None],
            k => (0..k)
                .map(|i| {
                    Some(if i == 0 {
                        "start"
                    } else if i + 1 == k {
                        "stop"
                    } else {
                        "continue"
                    })
                })
                .collect(),
        };
        assert_eq!(ties, want, "{name}: ties of {n:?}");
        for line in bar_lines.iter().filter(|l| s < **l && **l < e) {
            assert!(
                parts.iter().any(|p| p.0 == *line),
                "{name}: {n:?} not split at {line}"
            );
        }
    }
}

#[test]
fn musicxml_export_is_read_by_music21_with_every_note_rest_tie_metre_and_key() {
    if !music21_available() {
        return;
    }
    let mut cases: Vec<(String, Piece, u64)> = melodies()
        .into_iter()
        .map(|(n, p, u)| (n.to_string(), p, u))
        .collect();
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    for i in 0..25 {
        let (p, u) = melody_strategy().new_tree(&mut runner).unwrap().current();
        cases.push((format!("random {i}"), p, u));
    }
    let inputs: Vec<(Piece, u64)> = cases.iter().map(|(_, p, u)| (p.clone(), *u)).collect();
    let facts = music21_facts(&inputs);
    assert_eq!(facts.len(), cases.len());
    for ((name, piece, pickup), fact) in cases.iter().zip(&facts) {
        assert_eq!(fact["title"], "Test tune", "{name}");
        let parts = fact["parts"].as_array().unwrap();
        assert_eq!(parts.len(), 1, "{name}");
        check_part(
            name,
            &parts[0],
            &triples(piece),
            piece.initial_time_signature(),
            written_key(piece),
            *pickup,
        );
    }
}

#[test]
fn musicxml_chords_and_parts_are_read_by_music21() {
    if !music21_available() {
        return;
    }
    let mut p = piece(
        &[(60, 0, Q), (64, 0, Q), (67, 0, Q), (72, Q, 4 * Q)],
        "3/4",
        Some("C major"),
        120.0,
    );
    let mut bass = p.parts[0].clone();
    bass.name = "Bass & <low>".into();
    bass.notes
        .iter_mut()
        .for_each(|n| n.pitch = n.pitch.transposed(-24).unwrap());
    p.parts.push(bass.clone());
    let facts = music21_facts(&[(p.clone(), 0)]);
    let parts = facts[0]["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[1]["name"], "Bass & <low>");
    let chord = &parts[0]["events"][0];
    assert_eq!(chord[2], serde_json::json!([60, 64, 67]));
    let ts: TimeSignature = "3/4".parse().unwrap();
    let melody = triples(&Piece::from_notes(480, "m", p.parts[0].notes.clone()).unwrap());
    check_part("chords", &parts[0], &melody, ts, Key::C_MAJOR, 0);
    let low = triples(&Piece::from_notes(480, "b", bass.notes).unwrap());
    check_part("bass", &parts[1], &low, ts, Key::C_MAJOR, 0);
}
