//! `gan-studio eval` as a user runs it: MIDI files written to disk, the real binary, the JSON
//! report and PNG plots it leaves behind.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use gan_studio::music::{Note, Piece, Pitch, Velocity};

fn gan_studio() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gan-studio"))
}

/// A melody of quarter notes at 480 ticks per quarter.
fn melody(pitches: &[u8]) -> Piece {
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
    Piece::from_notes(480, "melody", notes).unwrap()
}

fn write_set(dir: &Path, melodies: &[&[u8]]) {
    std::fs::create_dir_all(dir).unwrap();
    for (i, m) in melodies.iter().enumerate() {
        gan_studio::midi::write_file(dir.join(format!("{i:02}.mid")), &melody(m)).unwrap();
    }
}

fn decode_png(path: &Path) -> (u32, u32, Vec<u8>) {
    let file = std::io::BufReader::new(std::fs::File::open(path).unwrap());
    let mut reader = png::Decoder::new(file).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    (info.width, info.height, buf)
}

#[test]
fn eval_writes_a_report_and_plots_and_lists_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let generated = dir.path().join("generated");
    let reference = dir.path().join("reference");
    // Generated: narrow stepwise tunes in C major.
    write_set(
        &generated,
        &[
            &[60, 62, 64, 62, 60, 62, 64, 65],
            &[64, 65, 67, 65, 64, 62, 60, 62],
            &[67, 65, 64, 62, 60, 62, 64, 64],
        ],
    );
    // Reference: wider tunes with leaps, and one damaged file.
    write_set(
        &reference,
        &[
            &[60, 67, 72, 67, 64, 60, 55, 60],
            &[57, 64, 69, 72, 69, 64, 57, 60],
            &[55, 62, 67, 71, 74, 71, 67, 62],
            &[60, 64, 67, 72, 76, 72, 67, 64],
        ],
    );
    std::fs::write(reference.join("broken.mid"), b"MThd\0\0").unwrap();
    let out = dir.path().join("report.json");
    let plots = dir.path().join("plots");
    let per_piece = dir.path().join("pieces.json");

    let output = gan_studio()
        .args(["eval", "--generated"])
        .arg(&generated)
        .arg("--reference")
        .arg(&reference)
        .arg("--out")
        .arg(&out)
        .arg("--plots")
        .arg(&plots)
        .arg("--per-piece")
        .arg(&per_piece)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("mean overlap area"), "{stdout}");
    assert!(stdout.contains("broken.mid"), "{stdout}");
    // 3 and 4 melodies: the judge runs on 3 of each in 3 folds; no training set, no copy check.
    assert!(
        stdout.contains("judge: 3 melodies per set, 3-fold"),
        "{stdout}"
    );
    assert!(stdout.contains("boosted trees"), "{stdout}");
    assert!(
        stdout.contains("copy check skipped: no training set"),
        "{stdout}"
    );
    assert!(stdout.contains("phrase repetition"), "{stdout}");

    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(report["generated"]["pieces"], 3);
    assert_eq!(report["reference"]["pieces"], 4);
    let skipped = report["reference"]["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1);
    assert!(skipped[0]["path"].as_str().unwrap().ends_with("broken.mid"));
    assert_eq!(report["features"].as_array().unwrap().len(), 22);
    assert_eq!(report["judge"]["n_per_class"], 3);
    assert_eq!(report["judge"]["linear"]["tested"], 6);
    assert!(report.get("copy").is_none());
    // Hand-computed: generated ranges 5, 7, 7 (mean 19/3); reference 17, 15, 19, 16 (67/4).
    let summary = &report["summary"];
    let close = |v: &serde_json::Value, x: f64| (v.as_f64().unwrap() - x).abs() < 1e-9;
    assert!(
        close(&summary["pitch_range_generated"], 19.0 / 3.0),
        "{summary}"
    );
    assert!(
        close(&summary["pitch_range_reference"], 67.0 / 4.0),
        "{summary}"
    );
    // The generated tunes are narrower: their pitch spread is well below the reference's.
    assert!(
        summary["pitch_std_ratio"].as_f64().unwrap() < 0.6,
        "{summary}"
    );
    let oa = summary["mean_overlap"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&oa));
    // All in C major (scale consistency 1) except none: every tune fits a major scale.
    assert!(close(&summary["scale_consistency_generated"], 1.0));

    let pieces: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&per_piece).unwrap()).unwrap();
    let pieces = pieces.as_array().unwrap();
    assert_eq!(pieces.len(), 7);
    assert_eq!(pieces[0]["set"], "generated");
    assert_eq!(pieces[0]["name"], "00.mid");
    assert_eq!(pieces[0]["metrics"]["pitch_range"], 5);
    assert_eq!(pieces[0]["metrics"]["used_pitches"], 4);

    for name in [
        "pitch_class_transitions.png",
        "note_length_transitions.png",
        "kde_pitch_range.png",
        "kde_pitch_class_transitions.png",
    ] {
        let (w, h, pixels) = decode_png(&plots.join(name));
        assert!(w >= 500 && h >= 400, "{name}: {w}x{h}");
        assert!(pixels.iter().any(|&b| b < 128), "{name} is blank");
    }
    let pngs = std::fs::read_dir(&plots).unwrap().count();
    assert_eq!(pngs, 24);
}

#[test]
fn eval_prints_json_and_fails_clearly_on_a_folder_without_music() {
    let dir = tempfile::tempdir().unwrap();
    let generated = dir.path().join("generated");
    write_set(&generated, &[&[60, 62, 64], &[64, 62, 60]]);
    let output = gan_studio()
        .args(["eval", "--json", "--generated"])
        .arg(&generated)
        .arg("--reference")
        .arg(&generated)
        .output()
        .unwrap();
    assert!(output.status.success());
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["version"], 2);
    // Identical sets: the value densities coincide.
    let voa = report["summary"]["mean_value_overlap"].as_f64().unwrap();
    assert!((voa - 1.0).abs() < 1e-9, "{voa}");

    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    std::fs::write(empty.join("readme.txt"), "no music here").unwrap();
    let output = gan_studio()
        .args(["eval", "--generated"])
        .arg(&generated)
        .arg("--reference")
        .arg(&empty)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no readable MIDI or ABC piece"), "{stderr}");
    assert!(stderr.contains("empty"), "{stderr}");
}

/// A melody with the given pitches and durations (in 16ths, cycled) at 480 ticks per quarter,
/// in 4/4.
fn rhythmic(pitches: &[u8], sixteenths: &[u64]) -> Piece {
    let mut t = 0;
    let notes = pitches
        .iter()
        .enumerate()
        .map(|(i, &p)| {
            let d = sixteenths[i % sixteenths.len()] * 120;
            t += d;
            Note::new(Pitch::new(p).unwrap(), t - d, d, Velocity::DEFAULT).unwrap()
        })
        .collect();
    Piece::from_notes(480, "melody", notes).unwrap()
}

#[test]
fn eval_with_a_training_set_flags_a_copied_melody_and_reports_phrase_repetition() {
    let dir = tempfile::tempdir().unwrap();
    let (generated, reference, training) = (
        dir.path().join("generated"),
        dir.path().join("reference"),
        dir.path().join("training"),
    );
    for d in [&generated, &reference, &training] {
        std::fs::create_dir_all(d).unwrap();
    }
    let scale = [60u8, 62, 64, 65, 67, 69, 71, 72];
    let tune: Vec<u8> = (0..32).map(|i| scale[(i * 5 + i / 3) % 8]).collect();
    let write = |path: std::path::PathBuf, piece: &Piece| {
        gan_studio::midi::write_file(path, piece).unwrap();
    };
    write(training.join("tune.mid"), &rhythmic(&tune, &[4, 2, 2, 8]));
    // Generated: the training tune a fourth up (copied, 32 notes) and a free melody.
    let copied: Vec<u8> = tune.iter().map(|p| p + 5).collect();
    write(
        generated.join("copied.mid"),
        &rhythmic(&copied, &[4, 2, 2, 8]),
    );
    write(
        generated.join("free.mid"),
        &rhythmic(&[60, 61, 63, 66, 70, 75, 70, 66], &[3]),
    );
    // Reference: one bar (four quarters) played four times, then a different bar.
    let mut repeated: Vec<u8> = [60, 64, 67, 64].repeat(4);
    repeated.extend([65, 67, 69, 67]);
    write(reference.join("aaaa.mid"), &rhythmic(&repeated, &[4]));
    write(
        reference.join("other.mid"),
        &rhythmic(&[60, 62, 64, 65], &[4]),
    );

    let out = dir.path().join("report.json");
    let output = gan_studio()
        .args(["eval", "--generated"])
        .arg(&generated)
        .arg("--reference")
        .arg(&reference)
        .arg("--training")
        .arg(&training)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("copy check against"), "{stdout}");
    assert!(
        stdout.contains("flagged (run >= 16 notes): 1 of 2"),
        "{stdout}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let copy = &report["copy"];
    assert_eq!(copy["training_tunes"], 1);
    let melodies = copy["generated"]["melodies"].as_array().unwrap();
    // Files are read in name order: copied.mid, free.mid.
    assert_eq!(melodies[0]["longest_run"], 32);
    assert_eq!(melodies[0]["flagged"], true);
    assert_eq!(melodies[0]["pattern_share"], 1.0);
    assert_eq!(melodies[1]["longest_run"], 0);
    assert_eq!(copy["generated"]["flagged"], 1);
    // Phrase repetition: aaaa.mid repeats 3 of its 5 bars, other.mid 0 of 1: mean 0.3.
    let phrase = report["summary"]["phrase_repetition_reference"]
        .as_f64()
        .unwrap();
    assert!((phrase - 0.3).abs() < 1e-9, "{phrase}");
}
