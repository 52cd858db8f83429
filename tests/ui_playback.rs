//! The studio's sound state without hardware: no audio output, settings, a bad SoundFont,
//! WAV export. (This machine and CI have no sound card and no ALSA sequencer.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod env_support;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use gan_studio::audio::{AudioError, BUILT_IN_NAME, PresetId};
use gan_studio::music::{Note, Piece, Pitch, Velocity};
use gan_studio::ui::{Level, Notifications, OutputOpener, OutputState, Playback, PlaybackSettings};

/// An opener that fails as `AudioOutput::open_default` does without a sound card.
fn no_sound_card() -> OutputOpener {
    Arc::new(|_font| Err(AudioError::NoOutput("test: no sound card".to_string())))
}

/// Polls until `done` holds (bounded; the work runs on background threads).
fn poll_until(
    playback: &mut Playback,
    ctx: &egui::Context,
    notifications: &mut Notifications,
    done: impl Fn(&Playback) -> bool,
) {
    let start = Instant::now();
    while !done(playback) {
        assert!(start.elapsed() < Duration::from_secs(60), "timed out");
        std::thread::sleep(Duration::from_millis(5));
        playback.poll(ctx, notifications);
    }
    playback.poll(ctx, notifications);
}

fn started(p: &Playback) -> bool {
    *p.output_state() != OutputState::Starting
}

fn texts(notifications: &Notifications, level: Level) -> Vec<String> {
    notifications
        .texts()
        .filter(|(l, _)| *l == level)
        .map(|(_, t)| t.to_string())
        .collect()
}

/// Four quarter notes C D E F at 120 BPM: exactly 2 seconds.
fn four_quarters() -> Piece {
    let notes = (0..4u8)
        .map(|i| {
            Note::new(
                Pitch::new([60, 62, 64, 65][usize::from(i)]).unwrap(),
                u64::from(i) * 480,
                480,
                Velocity::DEFAULT,
            )
            .unwrap()
        })
        .collect();
    Piece::from_notes(480, "four quarters", notes).unwrap()
}

#[test]
fn without_a_sound_card_the_studio_says_so_once_and_keeps_working() {
    let ctx = egui::Context::default();
    let mut notifications = Notifications::default();
    let mut playback = Playback::with_opener(&ctx, PlaybackSettings::default(), no_sound_card());
    poll_until(&mut playback, &ctx, &mut notifications, started);
    assert_eq!(
        playback.output_state(),
        &OutputState::NoOutput("test: no sound card".to_string())
    );
    assert!(
        playback.status_text().starts_with("no audio output"),
        "{}",
        playback.status_text()
    );
    // The built-in piano is still loaded (for WAV export and the program list).
    assert_eq!(playback.soundfont().unwrap().origin(), BUILT_IN_NAME);

    let piece = four_quarters();
    for _ in 0..3 {
        playback.play(&piece, 0.0, &mut notifications);
        playback.toggle(&piece, &mut notifications);
        playback.audition(Pitch::A4);
        playback.poll(&ctx, &mut notifications);
    }
    assert!(!playback.is_playing());
    assert_eq!(playback.position_seconds(), 0.0);
    let cannot: Vec<String> = texts(&notifications, Level::Info)
        .into_iter()
        .filter(|t| t.contains("Cannot play"))
        .collect();
    assert_eq!(cannot.len(), 1, "{cannot:?}");
    assert!(cannot[0].contains("test: no sound card"), "{cannot:?}");
    assert!(texts(&notifications, Level::Error).is_empty());
}

/// The real default device: on a machine with no way to play sound (CI, a headless box: no
/// ALSA playback device, no sound server) the studio must end without output and say why; on
/// one with a sound card it must end ready.
#[test]
fn opening_the_default_device_matches_the_machine() {
    let ctx = egui::Context::default();
    let mut notifications = Notifications::default();
    let mut playback = Playback::new(&ctx, PlaybackSettings::default());
    poll_until(&mut playback, &ctx, &mut notifications, started);
    let status = playback.status_text();
    if env_support::has_sound_output() {
        assert_eq!(playback.output_state(), &OutputState::Ready, "{status}");
        assert!(status.starts_with("audio: "), "{status}");
        assert_eq!(playback.status().audio_problem, None);
    } else {
        let OutputState::NoOutput(reason) = playback.output_state() else {
            panic!(
                "no sound device here, yet the output is {:?}",
                playback.output_state()
            );
        };
        assert!(!reason.trim().is_empty());
        assert!(status.starts_with("no audio output"), "{status}");
        // The reason is what the status bar shows on hover.
        assert_eq!(
            playback.status().audio_problem.as_deref(),
            Some(reason.as_str())
        );
    }
    // Opening is not playing, and no fault is reported either way.
    assert!(!playback.is_playing());
    assert!(texts(&notifications, Level::Error).is_empty());
}

#[test]
fn a_bad_soundfont_is_reported_once_by_name_and_the_built_in_piano_plays() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("broken-font.sf2");
    std::fs::write(&bad, b"RIFF\x04\0\0\0sfbk but not really").unwrap();
    let ctx = egui::Context::default();
    let mut notifications = Notifications::default();
    let settings = PlaybackSettings {
        soundfont: Some(bad.clone()),
        ..PlaybackSettings::default()
    };
    let mut playback = Playback::with_opener(&ctx, settings, no_sound_card());
    poll_until(&mut playback, &ctx, &mut notifications, started);
    for _ in 0..5 {
        playback.poll(&ctx, &mut notifications);
    }
    let errors = texts(&notifications, Level::Error);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("broken-font.sf2"), "{errors:?}");
    assert!(errors[0].contains("built-in piano"), "{errors:?}");
    assert_eq!(playback.soundfont().unwrap().origin(), BUILT_IN_NAME);
    assert_eq!(playback.settings().soundfont, None);

    // A file that does not exist is named too.
    let missing = dir.path().join("nowhere.sf2");
    playback.set_soundfont(Some(missing));
    poll_until(&mut playback, &ctx, &mut notifications, started);
    let errors = texts(&notifications, Level::Error);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[1].contains("nowhere.sf2"), "{errors:?}");
    assert_eq!(playback.settings().soundfont, None);
}

#[test]
fn settings_survive_a_round_trip_and_are_clamped() {
    let ctx = egui::Context::default();
    let mut notifications = Notifications::default();
    let mut playback = Playback::with_opener(&ctx, PlaybackSettings::default(), no_sound_card());
    poll_until(&mut playback, &ctx, &mut notifications, started);
    let wanted = PlaybackSettings {
        soundfont: None,
        preset: Some(PresetId::PIANO),
        midi_output: None,
        midi_input: Some("Keystation 49".to_string()),
        tempo_scale: 1.5,
        looping: true,
        count_in_beats: 2,
        wav_raw_level: true,
    };
    playback.apply_settings(wanted.clone());
    assert_eq!(playback.settings(), wanted);
    // Through JSON, as eframe's storage keeps it.
    let json = serde_json::to_string(&playback.settings()).unwrap();
    let mut other =
        Playback::with_opener(&ctx, serde_json::from_str(&json).unwrap(), no_sound_card());
    poll_until(&mut other, &ctx, &mut notifications, started);
    assert_eq!(other.settings(), wanted);

    playback.apply_settings(PlaybackSettings {
        tempo_scale: 10.0,
        count_in_beats: 99,
        ..wanted
    });
    assert_eq!(playback.settings().tempo_scale, 4.0);
    assert_eq!(playback.settings().count_in_beats, 16);
    playback.set_tempo_scale(f32::NAN);
    assert_eq!(playback.tempo_scale(), 1.0);
    // Settings saved before the WAV level option load, normalizing exports.
    let old: PlaybackSettings =
        serde_json::from_str(r#"{"tempo_scale": 1.25, "looping": true}"#).unwrap();
    assert!(!old.wav_raw_level);
    assert_eq!(old.tempo_scale, 1.25);
}

#[test]
fn export_wav_writes_the_piece_and_its_tail_on_a_worker() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("four.wav");
    let ctx = egui::Context::default();
    let mut notifications = Notifications::default();
    let mut playback = Playback::with_opener(&ctx, PlaybackSettings::default(), no_sound_card());
    poll_until(&mut playback, &ctx, &mut notifications, started);
    playback.export_wav(&four_quarters(), out.clone(), &mut notifications);
    assert!(playback.is_exporting());
    poll_until(&mut playback, &ctx, &mut notifications, |p| {
        !p.is_exporting()
    });
    assert!(texts(&notifications, Level::Error).is_empty());
    let done: Vec<String> = texts(&notifications, Level::Info)
        .into_iter()
        .filter(|t| t.starts_with("Exported"))
        .collect();
    assert_eq!(done.len(), 1, "{done:?}");
    assert!(done[0].contains("4.0 s"), "{done:?}");
    assert!(done[0].contains("four.wav"), "{done:?}");

    let reader = hound::WavReader::open(&out).unwrap();
    let spec = reader.spec();
    assert_eq!(
        (spec.channels, spec.sample_rate, spec.bits_per_sample),
        (2, 44_100, 16)
    );
    // 2 s of notes at 120 BPM plus the 2 s release tail: 4 s * 44,100 frames.
    assert_eq!(reader.duration(), 176_400);
    assert!(has_sound(&out));
}

/// Whether the first second of a 16-bit WAV file is not silent.
fn has_sound(path: &Path) -> bool {
    let mut reader = hound::WavReader::open(path).unwrap();
    reader
        .samples::<i16>()
        .take(2 * 44_100)
        .map(Result::unwrap)
        .any(|s| s.unsigned_abs() > 1000)
}

#[test]
fn the_toolbar_and_status_bar_say_no_audio_output_and_offer_wav_export() {
    struct Host {
        playback: Playback,
        notifications: Notifications,
        piece: Piece,
    }
    let ctx = egui::Context::default();
    let host = Host {
        playback: Playback::with_opener(&ctx, PlaybackSettings::default(), no_sound_card()),
        notifications: Notifications::default(),
        piece: four_quarters(),
    };
    let mut harness = Harness::builder().with_size([900.0, 700.0]).build_ui_state(
        |ui, host: &mut Host| {
            host.playback.poll(ui.ctx(), &mut host.notifications);
            ui.horizontal(|ui| {
                host.playback
                    .transport_ui(ui, &host.piece, &mut host.notifications)
            });
            ui.separator();
            host.playback.settings_ui(ui);
            ui.separator();
            ui.horizontal(|ui| host.playback.status_ui(ui));
        },
        host,
    );
    let start = Instant::now();
    while *harness.state().playback.output_state() == OutputState::Starting {
        assert!(start.elapsed() < Duration::from_secs(60), "timed out");
        std::thread::sleep(Duration::from_millis(5));
        harness.step();
    }
    harness.run_steps(2);
    // Once in the toolbar, once in the status bar; no Play button without an output.
    assert_eq!(harness.get_all_by_label("no audio output").count(), 2);
    assert!(harness.query_by_label("Play").is_none());
    harness.get_by_label("Export WAV…");
    harness.get_by_label_contains("MIDI: ");
    harness.get_by_label_contains(BUILT_IN_NAME);
    harness.check_accessibility();
}

/// Without an ALSA sequencer (this machine, CI) the missing MIDI devices are a status, not a
/// toast at every start; someone whose saved settings name a MIDI output is told once that it
/// cannot be used.
#[test]
fn missing_midi_devices_are_a_status_and_news_only_to_who_chose_a_port() {
    let ctx = egui::Context::default();
    let listed = |p: &Playback| {
        started(p) && p.midi_unavailable().is_some() && p.midi_output_connecting().is_none()
    };
    let mut notifications = Notifications::default();
    let mut playback = Playback::with_opener(&ctx, PlaybackSettings::default(), no_sound_card());
    poll_until(&mut playback, &ctx, &mut notifications, listed);
    assert!(
        !notifications.texts().any(|(_, t)| t.contains("MIDI")),
        "{:?}",
        notifications.texts().collect::<Vec<_>>()
    );
    assert!(
        playback.status_text().contains("MIDI"),
        "{}",
        playback.status_text()
    );

    let mut notifications = Notifications::default();
    let settings = PlaybackSettings {
        midi_output: Some("Keystation 49".to_string()),
        ..PlaybackSettings::default()
    };
    let mut playback = Playback::with_opener(&ctx, settings, no_sound_card());
    poll_until(&mut playback, &ctx, &mut notifications, listed);
    let told: Vec<&str> = notifications
        .texts()
        .map(|(_, t)| t)
        .filter(|t| t.contains("MIDI"))
        .collect();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].contains("Keystation 49"), "{told:?}");
}
