//! `gan-studio render` as a user runs it: a MIDI file in, a WAV file out, read back with hound.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use gan_studio::music::{Note, Piece, Pitch, Velocity};

fn gan_studio() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gan-studio"))
}

/// One A4 lasting two quarter notes at 120 BPM: 1 second.
fn write_a4(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("a4.mid");
    let note = Note::new(Pitch::A4, 0, 960, Velocity::new(100).unwrap()).unwrap();
    gan_studio::midi::write_file(&path, &Piece::from_notes(480, "a4", vec![note]).unwrap())
        .unwrap();
    path
}

#[test]
fn render_writes_a_wav_of_the_right_rate_and_length() {
    let dir = tempfile::tempdir().unwrap();
    let midi = write_a4(dir.path());
    let wav = dir.path().join("a4.wav");
    let out = gan_studio()
        .arg("render")
        .arg(&midi)
        .arg("--out")
        .arg(&wav)
        .args(["--rate", "48000", "--tail", "0.5"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reader = hound::WavReader::open(&wav).unwrap();
    let spec = reader.spec();
    assert_eq!(spec.sample_rate, 48_000);
    assert_eq!(spec.channels, 2);
    assert_eq!(spec.bits_per_sample, 16);
    let seconds = reader.duration() as f64 / 48_000.0;
    assert!((seconds - 1.5).abs() < 0.05, "{seconds} s");
    let samples: Vec<i16> = reader.into_samples::<i16>().map(Result::unwrap).collect();
    let peak = samples.iter().map(|s| s.unsigned_abs()).max().unwrap();
    // Normalized to -1 dBFS (29,204 of 32,767), and it says so.
    let dbfs = 20.0 * (f64::from(peak) / 32767.0).log10();
    assert!((dbfs + 1.0).abs() < 0.1, "peak {dbfs:.2} dBFS");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("peak -1.0 dBFS"), "{stdout}");
    // --raw-level keeps the synthesizer's own, lower level.
    let raw = dir.path().join("raw.wav");
    let status = gan_studio()
        .arg("render")
        .arg(&midi)
        .arg("--out")
        .arg(&raw)
        .arg("--raw-level")
        .status()
        .unwrap();
    assert!(status.success());
    let raw_peak = hound::WavReader::open(&raw)
        .unwrap()
        .into_samples::<i16>()
        .map(|s| s.unwrap().unsigned_abs())
        .max()
        .unwrap();
    assert!(
        raw_peak > 1000 && raw_peak < peak / 2,
        "raw peak {raw_peak}"
    );
}

#[test]
fn render_refuses_bad_rates_and_names_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let midi = write_a4(dir.path());
    let out = gan_studio()
        .arg("render")
        .arg(&midi)
        .args(["--out", "x.wav", "--rate", "22050"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--rate must be 44100 or 48000"));

    let bad_font = dir.path().join("broken.sf2");
    std::fs::write(&bad_font, b"RIFF\x04\x00\x00\x00sfbk").unwrap();
    let out = gan_studio()
        .arg("render")
        .arg(&midi)
        .arg("--out")
        .arg(dir.path().join("y.wav"))
        .arg("--soundfont")
        .arg(&bad_font)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("broken.sf2"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!dir.path().join("y.wav").exists());
}
