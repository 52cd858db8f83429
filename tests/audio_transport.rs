//! The playback engine driven without a device: samples are pulled from the source the way
//! the audio thread would, and the playhead, seek, loop, pause, stop, tempo and audition are
//! checked against what comes out.

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod audio_support;
mod env_support;

use std::time::Duration;

use audio_support::*;
use gan_studio::audio::{
    AudioError, AudioOutput, LoopRegion, PlayState, PlaybackSource, SoundFont, Synth, Transport,
    playback,
};
use gan_studio::music::{Pitch, Velocity};

const RATE: u32 = 44_100;

fn engine() -> (Transport, PlaybackSource) {
    let font = SoundFont::built_in().unwrap();
    playback(Synth::new(&font, RATE).unwrap())
}

/// Pulls `seconds` of audio and returns its mono mix.
fn pull(source: &mut PlaybackSource, seconds: f64) -> Vec<f32> {
    let frames = (seconds * f64::from(RATE)).round() as usize;
    let mut buf = vec![0.0f32; frames * 2];
    source.fill(&mut buf);
    buf.chunks(2).map(|f| 0.5 * (f[0] + f[1])).collect()
}

/// Seconds covered by whole 64-frame blocks after pulling `frames` frames from the start.
fn block_seconds(frames: u64) -> f64 {
    (frames.div_ceil(64) * 64) as f64 / f64::from(RATE)
}

#[test]
fn the_playhead_follows_the_audio_clock() {
    let (mut t, mut s) = engine();
    t.load_piece(&piece(vec![note(60, 0, 9600, 80)]), None)
        .unwrap();
    // Nothing is applied until the audio thread renders.
    t.play().unwrap();
    assert_eq!(t.state(), PlayState::Stopped);
    pull(&mut s, 1.0);
    assert_eq!(t.state(), PlayState::Playing);
    assert_eq!(t.frames_rendered(), 44_160); // 690 blocks of 64 frames
    assert!((t.position_seconds() - block_seconds(44_100)).abs() < 1e-9);
    pull(&mut s, 0.5);
    assert!((t.position_seconds() - block_seconds(66_150)).abs() < 1e-9);
    let p = piece(vec![note(60, 0, 9600, 80)]);
    assert!((t.position_tick(&p) - block_seconds(66_150) * 960.0).abs() < 1e-6);
}

#[test]
fn pause_freezes_the_playhead_and_lets_notes_die_away() {
    let (mut t, mut s) = engine();
    t.load_piece(&piece(vec![note(69, 0, 9600, 100)]), None)
        .unwrap();
    t.play().unwrap();
    let playing = pull(&mut s, 0.5);
    assert!(rms(&playing[11_025..]) > 0.01);
    t.pause().unwrap();
    pull(&mut s, 0.01);
    assert_eq!(t.state(), PlayState::Paused);
    let at = t.position_seconds();
    let after = pull(&mut s, 3.0);
    assert_eq!(t.position_seconds(), at);
    assert!(
        rms(&after[2 * 44_100..]) < 1e-4,
        "still sounding while paused"
    );
    // Resume: the playhead moves on from where it stopped.
    t.play().unwrap();
    pull(&mut s, 0.5);
    assert!(t.position_seconds() > at + 0.49 && t.position_seconds() < at + 0.51);
}

#[test]
fn stop_returns_to_the_start() {
    let (mut t, mut s) = engine();
    t.load_piece(&piece(vec![note(69, 0, 9600, 100)]), None)
        .unwrap();
    t.play().unwrap();
    pull(&mut s, 1.0);
    t.stop().unwrap();
    pull(&mut s, 0.01);
    assert_eq!(t.state(), PlayState::Stopped);
    assert_eq!(t.position_seconds(), 0.0);
    let after = pull(&mut s, 3.0);
    assert!(
        rms(&after[2 * 44_100..]) < 1e-4,
        "still sounding after stop"
    );
}

#[test]
fn seek_moves_the_playhead_and_the_music() {
    // One note at 2.0 s; seek to 1.8 s and play: it sounds 0.2 s later.
    let (mut t, mut s) = engine();
    t.load_piece(&piece(vec![note(69, 1920, 480, 100)]), None)
        .unwrap();
    t.seek(1.8).unwrap();
    pull(&mut s, 0.01);
    assert!((t.position_seconds() - 1.8).abs() < 1e-9);
    assert_eq!(t.state(), PlayState::Stopped);
    t.play().unwrap();
    let out = pull(&mut s, 0.5);
    let onset = first_sound(&out, RATE, 1e-3).unwrap();
    assert!(
        (onset - 0.2).abs() < 0.003,
        "note heard {onset:.4} s after play"
    );
    // Seeking past the note while playing releases it; the piece then ends and stops.
    t.seek(2.45).unwrap();
    pull(&mut s, 0.2);
    assert_eq!(t.state(), PlayState::Stopped);
    assert_eq!(t.position_seconds(), 2.5);
    // Seeking beyond the end clamps to the end.
    t.seek(99.0).unwrap();
    pull(&mut s, 0.01);
    assert_eq!(t.position_seconds(), 2.5);
}

#[test]
fn a_loop_repeats_its_region() {
    // A short note at 0.0 and another at 1.5 s; loop 0..1 s: the first sounds every second,
    // the second never.
    let (mut t, mut s) = engine();
    let p = piece(vec![note(69, 0, 120, 100), note(81, 1440, 480, 100)]);
    t.load_piece(&p, None).unwrap();
    t.set_loop(Some(LoopRegion::from_ticks(&p, 0, 960).unwrap()))
        .unwrap();
    t.play().unwrap();
    let mut max_pos: f64 = 0.0;
    let mut out = Vec::new();
    for _ in 0..350 {
        out.extend(pull(&mut s, 0.01));
        max_pos = max_pos.max(t.position_seconds());
    }
    assert!(max_pos < 1.0, "playhead passed the loop end: {max_pos}");
    assert_eq!(t.state(), PlayState::Playing);
    let found = onsets(&out, RATE, 2e-3);
    assert!(found.len() >= 3, "onsets {found:?}");
    for (i, f) in found.iter().take(4).enumerate() {
        assert!(
            (f - i as f64).abs() < 0.01,
            "onset {i} at {f:.4} s ({found:?})"
        );
    }
    // The A5 at 1.5 s would show as energy at 880 Hz: the loop keeps only the A4.
    let tail = &out[(2.0 * 44_100.0) as usize..(2.1 * 44_100.0) as usize];
    let f = fundamental_hz(tail, RATE);
    assert!(
        (f / 440.0 - 1.0).abs() < 0.01,
        "heard {f:.1} Hz in the loop"
    );
    // Clearing the loop lets the piece play on to its end and stop.
    t.set_loop(None).unwrap();
    pull(&mut s, 2.5);
    assert_eq!(t.state(), PlayState::Stopped);
}

#[test]
fn the_tempo_factor_scales_time() {
    // A note at 2.0 s of the piece, played at twice the tempo: heard after 1.0 s.
    let (mut t, mut s) = engine();
    t.load_piece(&piece(vec![note(69, 1920, 480, 100)]), None)
        .unwrap();
    t.set_tempo_factor(2.0);
    t.play().unwrap();
    let mut out = pull(&mut s, 0.5);
    assert!((t.position_seconds() - 2.0 * block_seconds(22_050)).abs() < 1e-9);
    out.extend(pull(&mut s, 1.0));
    let onset = first_sound(&out, RATE, 1e-3).unwrap();
    assert!((onset - 1.0).abs() < 0.003, "note heard at {onset:.4} s");
}

#[test]
fn the_end_of_the_piece_stops_playback() {
    let (mut t, mut s) = engine();
    t.load_piece(&piece(vec![note(60, 0, 480, 80)]), None)
        .unwrap();
    t.play().unwrap();
    pull(&mut s, 1.0);
    assert_eq!(t.state(), PlayState::Stopped);
    assert_eq!(t.position_seconds(), 0.5);
    // Play again from the end: starts over.
    t.play().unwrap();
    pull(&mut s, 0.1);
    assert_eq!(t.state(), PlayState::Playing);
    assert!(t.position_seconds() < 0.11);
}

#[test]
fn audition_sounds_at_once_and_stops_after_its_duration() {
    let (mut t, mut s) = engine();
    pull(&mut s, 0.1);
    t.audition(
        Pitch::A4,
        Velocity::new(100).unwrap(),
        Duration::from_millis(300),
    )
    .unwrap();
    let out = pull(&mut s, 3.0);
    // The very next block carries the note.
    let onset = first_sound(&out, RATE, 1e-4).unwrap();
    assert!(
        onset < 64.0 / f64::from(RATE),
        "audition began after {onset:.4} s"
    );
    let f = fundamental_hz(&out[2_205..13_230], RATE);
    assert!((f / 440.0 - 1.0).abs() < 0.01, "audition at {f:.1} Hz");
    // Released after 0.3 s: quieter soon after, silent by the end.
    assert!(
        rms(&out[(0.5 * 44_100.0) as usize..(0.6 * 44_100.0) as usize])
            < 0.5 * rms(&out[4_410..8_820])
    );
    assert!(rms(&out[(2.5 * 44_100.0) as usize..]) < 1e-4);
    // The transport did not move.
    assert_eq!(t.state(), PlayState::Stopped);
    assert_eq!(t.position_seconds(), 0.0);
}

#[test]
fn audition_plays_while_the_piece_plays() {
    let (mut t, mut s) = engine();
    t.load_piece(&piece(vec![note(48, 0, 9600, 80)]), None)
        .unwrap();
    t.play().unwrap();
    let before = pull(&mut s, 0.5);
    t.audition(
        Pitch::new(84).unwrap(),
        Velocity::MAX,
        Duration::from_millis(500),
    )
    .unwrap();
    let with = pull(&mut s, 0.4);
    // C6 (1046.5 Hz) adds energy the C3 alone does not have.
    assert!(rms(&with) > rms(&before[11_025..]) * 1.2);
    assert!(t.position_seconds() > 0.89);
}

#[test]
fn all_sound_off_silences_at_once() {
    let (mut t, mut s) = engine();
    t.audition(Pitch::A4, Velocity::MAX, Duration::from_secs(5))
        .unwrap();
    let out = pull(&mut s, 0.2);
    assert!(rms(&out) > 0.01);
    t.all_sound_off().unwrap();
    // From the next block on (the rest of the current one was already rendered): no
    // release, no reverb tail.
    let after = pull(&mut s, 0.5);
    assert!(
        rms(&after[64..]) < 1e-6,
        "sound after all-sound-off: {}",
        rms(&after[64..])
    );
    // The channel keeps its piano: a new audition still sounds.
    t.audition(Pitch::A4, Velocity::MAX, Duration::from_millis(100))
        .unwrap();
    assert!(rms(&pull(&mut s, 0.1)) > 0.01);
}

#[test]
fn loading_a_new_piece_while_playing_plays_the_new_one() {
    let (mut t, mut s) = engine();
    t.load_piece(&piece(vec![note(60, 0, 9600, 90)]), None)
        .unwrap();
    t.play().unwrap();
    pull(&mut s, 0.5);
    // Replace it with an A4 that starts at 0.6 s; the playhead stays where it was.
    t.load_piece(&piece(vec![note(69, 576, 960, 100)]), None)
        .unwrap();
    pull(&mut s, 0.01);
    let at = t.position_seconds();
    assert!(at > 0.5 && at < 0.52, "{at}");
    pull(&mut s, 0.5);
    let out = pull(&mut s, 0.4);
    let f = fundamental_hz(&out, RATE);
    assert!(
        (f / 440.0 - 1.0).abs() < 0.01,
        "heard {f:.1} Hz after the swap"
    );
    t.collect_returned();
}

#[test]
fn odd_reads_keep_the_channels_in_step() {
    // A source pulled in odd-sized pieces hands out the same stream as one pulled in one go.
    let (mut t1, mut s1) = engine();
    let (mut t2, mut s2) = engine();
    let p = piece(vec![note(64, 0, 480, 90)]);
    for t in [&mut t1, &mut t2] {
        t.load_piece(&p, None).unwrap();
        t.play().unwrap();
    }
    let mut whole = vec![0.0f32; 2 * 10_000];
    s1.fill(&mut whole);
    let mut pieces = Vec::new();
    for n in [1usize, 127, 3, 999, 18_870] {
        let mut buf = vec![0.0f32; n];
        s2.fill(&mut buf);
        pieces.extend(buf);
    }
    assert_eq!(whole, pieces);
    assert!(rms(&whole) > 0.001);
}

#[test]
fn opening_the_output_never_panics() {
    // Without a sound card (CI, this kind of machine) this is an error the UI can show; with
    // one, the engine starts stopped at the device's rate.
    let font = SoundFont::built_in().unwrap();
    let opened = AudioOutput::open_default(&font);
    if env_support::has_sound_output() {
        let output = opened.unwrap();
        assert_eq!(output.transport().state(), PlayState::Stopped);
        assert!(output.device_sample_rate() > 0);
    } else {
        let Err(e) = opened else {
            panic!("no sound device here, yet the default output opened");
        };
        assert!(matches!(e, AudioError::NoOutput(_)), "{e}");
        assert!(e.to_string().starts_with("no audio output"), "{e}");
    }
}

#[test]
fn stopping_the_piece_does_not_cut_an_audition() {
    // An auditioned A4 held for 1 s, a piece C3 playing; stop after 0.2 s. The C3 is
    // released, the A4 sounds on until its own release.
    let (mut t, mut s) = engine();
    t.load_piece(&piece(vec![note(48, 0, 9600, 100)]), None)
        .unwrap();
    t.play().unwrap();
    t.audition(
        Pitch::A4,
        Velocity::new(100).unwrap(),
        Duration::from_secs(1),
    )
    .unwrap();
    pull(&mut s, 0.2);
    t.stop().unwrap();
    pull(&mut s, 0.5);
    let held = pull(&mut s, 0.2);
    let f = fundamental_hz(&held, RATE);
    assert!(
        (f / 440.0 - 1.0).abs() < 0.01,
        "heard {f:.1} Hz while the A4 is held"
    );
    assert!(rms(&held) > 0.005, "the audition was cut: {}", rms(&held));
    let after = pull(&mut s, 3.0);
    assert!(rms(&after[2 * 44_100..]) < 1e-4);
}
