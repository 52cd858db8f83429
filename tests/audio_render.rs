//! Offline rendering checked as a listener would: pitch by FFT, length, silence in rests, no
//! clipping, tempo changes moving notes, velocity changing level; plus SoundFont errors and
//! WAV files.

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod audio_support;

use std::path::Path;

use audio_support::*;
use gan_studio::audio::{
    AudioError, PresetId, RenderOptions, SampleFormat, SoundFont, render_midi_file_to_wav,
    render_piece, render_piece_to_wav,
};
use gan_studio::music::{Channel, Part, Program};

fn small_font() -> SoundFont {
    SoundFont::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/soundfonts/sf_GMbank_piano.sf2"),
    )
    .unwrap()
}

fn options(rate: u32, tail: f64) -> RenderOptions {
    RenderOptions {
        sample_rate: rate,
        tail_seconds: tail,
        ..RenderOptions::default()
    }
}

/// One second of a pitch at velocity 90, rendered and measured between 0.1 s and 0.9 s.
fn measured_pitch(pitch: u8, rate: u32, font: Option<SoundFont>) -> f64 {
    let p = piece(vec![note(pitch, 0, 960, 90)]);
    let r = render_piece(
        &p,
        &RenderOptions {
            soundfont: font,
            ..options(rate, 0.2)
        },
    )
    .unwrap();
    let mono = r.mono();
    let a = (0.1 * f64::from(rate)) as usize;
    let b = (0.9 * f64::from(rate)) as usize;
    fundamental_hz(&mono[a..b], rate)
}

#[test]
fn a4_sounds_at_440_hz() {
    let f = measured_pitch(69, 44_100, None);
    assert!((f / 440.0 - 1.0).abs() < 0.01, "A4 measured at {f:.2} Hz");
}

#[test]
fn other_pitches_sound_where_they_should() {
    // C4 at 48 kHz: 261.63 Hz; E5: 659.26 Hz.
    let c4 = measured_pitch(60, 48_000, None);
    assert!(
        (c4 / 261.626 - 1.0).abs() < 0.01,
        "C4 measured at {c4:.2} Hz"
    );
    let e5 = measured_pitch(76, 44_100, None);
    assert!(
        (e5 / 659.255 - 1.0).abs() < 0.01,
        "E5 measured at {e5:.2} Hz"
    );
}

#[test]
fn the_second_font_is_in_tune_too() {
    let f = measured_pitch(69, 44_100, Some(small_font()));
    assert!((f / 440.0 - 1.0).abs() < 0.01, "A4 measured at {f:.2} Hz");
}

#[test]
fn length_is_the_piece_plus_the_tail() {
    // Two notes ending at tick 1920 = 2 s at 120 BPM; tail 1.5 s.
    let p = piece(vec![note(60, 0, 960, 80), note(64, 960, 960, 80)]);
    let r = render_piece(&p, &options(44_100, 1.5)).unwrap();
    assert_eq!(r.frames(), 154_350); // 3.5 s * 44100
    assert_eq!(r.left.len(), r.right.len());
    let r = render_piece(&p, &options(48_000, 0.25)).unwrap();
    assert_eq!(r.frames(), 108_000); // 2.25 s * 48000
    assert_eq!(r.interleaved().len(), 2 * 108_000);
}

#[test]
fn rests_are_silent_and_notes_are_not() {
    // A note 0..0.5 s, a long rest, a note 4.0..4.5 s.
    let p = piece(vec![note(69, 0, 480, 100), note(72, 3840, 480, 100)]);
    let r = render_piece(&p, &options(44_100, 1.0)).unwrap();
    let m = r.mono();
    let loud1 = rms_between(&m, 44_100, 0.0, 0.5);
    let loud2 = rms_between(&m, 44_100, 4.0, 4.5);
    // By 3 s the first note's release and the reverb have died away.
    let rest = rms_between(&m, 44_100, 3.0, 3.95);
    assert!(
        loud1 > 0.01 && loud2 > 0.01,
        "notes too quiet: {loud1} {loud2}"
    );
    assert!(rest < 1e-4, "rest not silent: RMS {rest}");
    // Nothing before the first note either: the very first block starts it.
    assert!(first_sound(&m, 44_100, 1e-4).unwrap() < 0.005);
}

#[test]
fn an_ordinary_piece_needs_no_gain_and_does_not_clip() {
    let r = render_piece(&four_voice_piece(2), &options(44_100, 1.0)).unwrap();
    assert_eq!(r.gain, 1.0);
    assert!(r.peak() < 1.0 && r.peak() > 0.05, "peak {}", r.peak());
}

#[test]
fn a_fortissimo_cluster_is_kept_below_full_scale() {
    let notes = (36..60).map(|p| note(p, 0, 960, 127)).collect();
    let r = render_piece(&piece(notes), &options(44_100, 0.5)).unwrap();
    assert!(r.peak() < 1.0, "peak {}", r.peak());
    assert!(r.peak() > 0.5, "peak {}", r.peak());
}

#[test]
fn a_tempo_change_moves_the_notes() {
    // Quarter notes on beats 0..4; 120 BPM until beat 2 (tick 960), then 60 BPM.
    // Onsets: 0, 0.5, 1.0, 2.0 s (at a constant 120 BPM the last would be at 1.5 s).
    let notes = vec![
        note(60, 0, 240, 100),
        note(64, 480, 240, 100),
        note(67, 960, 240, 100),
        note(72, 1440, 240, 100),
    ];
    let p = piece_with_tempi(notes, &[(0, 120.0), (960, 60.0)]);
    let r = render_piece(&p, &options(44_100, 0.5)).unwrap();
    let found = onsets(&r.mono(), 44_100, 2e-3);
    let expected = [0.0, 0.5, 1.0, 2.0];
    assert_eq!(found.len(), 4, "onsets found: {found:?}");
    for (f, e) in found.iter().zip(expected) {
        assert!(
            (f - e).abs() < 0.01,
            "onset at {f:.4} s, expected {e} s ({found:?})"
        );
    }
    // And an isolated note after the change starts where the slower tempo puts it.
    let p = piece_with_tempi(vec![note(69, 1440, 480, 100)], &[(0, 120.0), (960, 60.0)]);
    let r = render_piece(&p, &options(48_000, 0.5)).unwrap();
    let t = first_sound(&r.mono(), 48_000, 1e-3).unwrap();
    assert!(
        (t - 2.0).abs() < 0.005,
        "note starts at {t:.4} s, expected 2.0 s"
    );
    // 480 ticks at 60 BPM last 1 s: the note ends at 3.0 s, plus the 0.5 s tail.
    assert_eq!(r.frames(), 168_000);
}

#[test]
fn velocity_changes_the_level() {
    let level = |velocity: u8| {
        let r = render_piece(
            &piece(vec![note(69, 0, 480, velocity)]),
            &options(44_100, 0.0),
        )
        .unwrap();
        rms(&r.mono())
    };
    let (soft, mid, loud) = (level(30), level(80), level(127));
    assert!(mid > soft * 1.5, "soft {soft}, mid {mid}");
    assert!(loud > mid * 1.2, "mid {mid}, loud {loud}");
}

#[test]
fn every_part_sounds() {
    // Two parts on different channels, one note each at different times.
    let mut p = piece(vec![note(60, 0, 480, 90)]);
    let mut second = Part::new("second");
    second.channel = Channel::new(3).unwrap();
    second.program = Program::new(0).unwrap();
    second.notes.push(note(67, 1920, 480, 90));
    p.parts.push(second);
    let r = render_piece(&p, &options(44_100, 0.5)).unwrap();
    let m = r.mono();
    let second_note = rms_between(&m, 44_100, 2.0, 2.4);
    assert!(second_note > 0.01, "second part silent: {second_note}");
    let f = fundamental_hz(
        &m[(2.05 * 44_100.0) as usize..(2.45 * 44_100.0) as usize],
        44_100,
    );
    assert!((f / 391.995 - 1.0).abs() < 0.01, "G4 measured at {f:.2} Hz");
}

#[test]
fn drums_are_left_out_when_the_font_has_no_kit() {
    let mut p = piece(vec![]);
    p.parts[0].channel = Channel::DRUMS;
    p.parts[0].notes.push(note(36, 0, 480, 120));
    let r = render_piece(&p, &options(44_100, 0.5)).unwrap();
    assert_eq!(r.frames(), 44_100); // 0.5 s of piece + 0.5 s tail
    assert_eq!(r.peak(), 0.0);
}

#[test]
fn a_missing_preset_is_refused_with_the_font_named() {
    let opts = RenderOptions {
        program: Some(PresetId {
            bank: 0,
            program: Program::new(40).unwrap(),
        }),
        ..options(44_100, 0.0)
    };
    let err = render_piece(&piece(vec![note(60, 0, 480, 90)]), &opts).unwrap_err();
    assert!(
        matches!(err, AudioError::PresetNotFound { program: 40, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("FluidR3_GM_piano.sf2"), "{err}");
}

#[test]
fn bad_options_are_refused() {
    let p = piece(vec![note(60, 0, 480, 90)]);
    assert!(matches!(
        render_piece(&p, &options(8_000, 0.0)),
        Err(AudioError::BadSampleRate(8_000))
    ));
    assert!(matches!(
        render_piece(&p, &options(44_100, -1.0)),
        Err(AudioError::BadTail(_))
    ));
    assert!(matches!(
        render_piece(&p, &options(44_100, f64::NAN)),
        Err(AudioError::BadTail(_))
    ));
}

#[test]
fn an_empty_piece_renders_just_the_tail() {
    let r = render_piece(&piece(vec![]), &options(44_100, 0.5)).unwrap();
    assert_eq!(r.frames(), 22_050);
    assert_eq!(r.peak(), 0.0);
}

#[test]
fn garbage_and_truncated_soundfonts_are_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.sf2");
    std::fs::write(&garbage, b"this is not a soundfont at all, just some text").unwrap();
    let err = SoundFont::load(&garbage).unwrap_err();
    assert!(matches!(err, AudioError::BadSoundFont { .. }), "{err}");
    assert!(err.to_string().ends_with("garbage.sf2"), "{err}");

    let missing = dir.path().join("missing.sf2");
    let err = SoundFont::load(&missing).unwrap_err();
    assert!(matches!(err, AudioError::ReadSoundFont { .. }), "{err}");
    assert!(err.to_string().ends_with("missing.sf2"), "{err}");

    // Truncated copies of the small font, cut at many places: each is an error, none panics.
    let full = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/soundfonts/sf_GMbank_piano.sf2"),
    )
    .unwrap();
    let cut = dir.path().join("cut.sf2");
    for keep in [
        0,
        3,
        11,
        12,
        20,
        100,
        1000,
        full.len() / 2,
        full.len() - 100,
        full.len() - 1,
    ] {
        std::fs::write(&cut, &full[..keep]).unwrap();
        let err = SoundFont::load(&cut).unwrap_err();
        assert!(
            matches!(err, AudioError::BadSoundFont { .. }),
            "cut at {keep}: {err}"
        );
        assert!(err.to_string().ends_with("cut.sf2"), "{err}");
    }
    std::fs::write(&cut, &full[..full.len() / 2]).unwrap();
    let err = SoundFont::load(&cut).unwrap_err().to_string();
    assert!(err.contains("truncated"), "{err}");
}

#[test]
fn damaged_soundfont_bytes_never_panic() {
    // Overwrite 4-byte words all over the small font's header and tables with a large value:
    // every result must be Ok or a clean error.
    let full = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/soundfonts/sf_GMbank_piano.sf2"),
    )
    .unwrap();
    let pdta = full.windows(4).position(|w| w == b"pdta").unwrap();
    let positions = (4..400).step_by(4).chain((pdta..full.len() - 4).step_by(7));
    for at in positions {
        let mut bytes = full.clone();
        bytes[at..at + 4].copy_from_slice(&0x7FFF_FF00u32.to_le_bytes());
        let _ = SoundFont::from_bytes(&bytes, "damaged.sf2");
    }
}

#[test]
fn wav_files_hold_the_render() {
    let dir = tempfile::tempdir().unwrap();
    let p = piece(vec![note(69, 0, 480, 90)]);
    let opts = options(48_000, 0.5);

    let out = dir.path().join("a4.wav");
    let summary = render_piece_to_wav(&p, &out, &opts, SampleFormat::Int16).unwrap();
    assert_eq!(summary.frames, 48_000);
    let mut reader = hound::WavReader::open(&out).unwrap();
    let spec = reader.spec();
    assert_eq!(
        (spec.channels, spec.sample_rate, spec.bits_per_sample),
        (2, 48_000, 16)
    );
    assert_eq!(reader.duration(), 48_000);
    let left: Vec<f32> = reader
        .samples::<i16>()
        .step_by(2)
        .map(|s| f32::from(s.unwrap()) / 32767.0)
        .collect();
    let f = fundamental_hz(&left[4_800..24_000], 48_000);
    assert!((f / 440.0 - 1.0).abs() < 0.01, "A4 in the WAV at {f:.2} Hz");

    // At the synthesizer's own level a float WAV holds the render sample for sample.
    let raw = RenderOptions {
        normalize_dbfs: None,
        ..opts
    };
    let out = dir.path().join("a4f.wav");
    render_piece_to_wav(&p, &out, &raw, SampleFormat::Float32).unwrap();
    let rendered = render_piece(&p, &raw).unwrap();
    let mut reader = hound::WavReader::open(&out).unwrap();
    let samples: Vec<f32> = reader.samples::<f32>().map(Result::unwrap).collect();
    assert_eq!(
        samples,
        rendered.interleaved(),
        "float WAV differs from the render"
    );
    // Only the two WAV files: no temporary left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}

#[test]
fn rendering_is_deterministic() {
    let p = four_voice_piece(1);
    let a = render_piece(&p, &options(44_100, 0.5)).unwrap();
    let b = render_piece(&p, &options(44_100, 0.5)).unwrap();
    assert_eq!(a, b);
}

#[test]
fn a_midi_file_renders_to_a_wav_file() {
    let dir = tempfile::tempdir().unwrap();
    let midi = dir.path().join("tune.mid");
    // A4 for one beat at 100 BPM (0.6 s), then C5 for one beat.
    let p = piece_with_tempi(
        vec![note(69, 0, 480, 100), note(72, 480, 480, 100)],
        &[(0, 100.0)],
    );
    gan_studio::midi::write_file(&midi, &p).unwrap();
    let out = dir.path().join("tune.wav");
    let summary =
        render_midi_file_to_wav(&midi, &out, &options(44_100, 1.0), SampleFormat::Float32).unwrap();
    // Two beats at 100 BPM = 1.2 s, plus the 1 s tail: 97,020 frames.
    assert_eq!(summary.frames, 97_020);
    let mut reader = hound::WavReader::open(&out).unwrap();
    let left: Vec<f32> = reader
        .samples::<f32>()
        .step_by(2)
        .map(Result::unwrap)
        .collect();
    let a = fundamental_hz(&left[4_410..24_000], 44_100);
    assert!((a / 440.0 - 1.0).abs() < 0.01, "first beat at {a:.1} Hz");
    let c = fundamental_hz(&left[30_000..50_000], 44_100);
    assert!((c / 523.251 - 1.0).abs() < 0.01, "second beat at {c:.1} Hz");

    // A file that is not MIDI is an error naming it, and writes nothing.
    let bad = dir.path().join("bad.mid");
    std::fs::write(&bad, b"not midi").unwrap();
    let out = dir.path().join("bad.wav");
    let err = render_midi_file_to_wav(&bad, &out, &options(44_100, 1.0), SampleFormat::Int16)
        .unwrap_err();
    assert!(matches!(err, AudioError::Midi(_)), "{err}");
    assert!(err.to_string().contains("bad.mid"), "{err}");
    assert!(!out.exists());
}

/// The peak and RMS of a 16-bit WAV file, in dBFS.
fn wav_levels(path: &Path) -> (f64, f64) {
    let mut reader = hound::WavReader::open(path).unwrap();
    let samples: Vec<f64> = reader
        .samples::<i16>()
        .map(|s| f64::from(s.unwrap()) / 32767.0)
        .collect();
    let peak = samples.iter().fold(0.0f64, |m, s| m.max(s.abs()));
    let rms = (samples.iter().map(|s| s * s).sum::<f64>() / samples.len() as f64).sqrt();
    (20.0 * peak.log10(), 20.0 * rms.log10())
}

/// A melody exported as the studio and `render` do by default peaks at -1 dBFS (the raw
/// synthesizer level of one voice is near -20 dBFS); asked to keep the raw level, the file is
/// the same sound, only quieter.
#[test]
fn exported_wav_files_are_normalized_to_minus_1_dbfs_unless_asked_not_to() {
    let dir = tempfile::tempdir().unwrap();
    // Eight quarter notes of a folk-like line at velocity 90, as a generated tune would be.
    let notes = [67, 69, 71, 72, 74, 72, 71, 69]
        .iter()
        .enumerate()
        .map(|(i, &pitch)| note(pitch, i as u64 * 480, 480, 90))
        .collect();
    let p = piece(notes);
    let normalized = dir.path().join("normalized.wav");
    let summary =
        render_piece_to_wav(&p, &normalized, &options(44_100, 1.0), SampleFormat::Int16).unwrap();
    let raw = dir.path().join("raw.wav");
    let raw_options = RenderOptions {
        normalize_dbfs: None,
        ..options(44_100, 1.0)
    };
    render_piece_to_wav(&p, &raw, &raw_options, SampleFormat::Int16).unwrap();
    let (peak, rms) = wav_levels(&normalized);
    let (raw_peak, raw_rms) = wav_levels(&raw);
    assert!((peak + 1.0).abs() < 0.1, "normalized peak {peak:.2} dBFS");
    assert!(
        raw_peak < -6.0,
        "the raw level should be quiet: {raw_peak:.2} dBFS"
    );
    // One gain for the whole file: the peak and the RMS move by the same number of dB.
    let gain_db = 20.0 * f64::from(summary.gain).log10();
    assert!(
        (peak - raw_peak - gain_db).abs() < 0.1,
        "{peak} {raw_peak} {gain_db}"
    );
    assert!(
        (rms - raw_rms - gain_db).abs() < 0.2,
        "{rms} {raw_rms} {gain_db}"
    );
    assert!(rms > -30.0, "normalized RMS {rms:.1} dBFS");
}
