//! The reverb on its own (impulse response, stereo, silence, denormals) and inside the
//! synthesizer (a tail after the notes, sends per channel, the level of the dry sound kept).

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod audio_support;

use audio_support::*;
use gan_studio::audio::effects::Reverb;
use gan_studio::audio::{RenderOptions, SoundFont, Synth, SynthOptions, render_piece};
use gan_studio::music::{Channel, Pitch, Velocity};

const RATE: u32 = 44_100;

/// The reverb's answer to a unit impulse, `seconds` long.
fn impulse_response(seconds: f64) -> (Vec<f32>, Vec<f32>) {
    let n = (seconds * f64::from(RATE)) as usize;
    let mut input = vec![0.0f32; n];
    input[0] = 1.0;
    let mut left = vec![0.0f32; n];
    let mut right = vec![0.0f32; n];
    let mut reverb = Reverb::new(RATE);
    // In blocks of 64, as the synthesizer calls it.
    for start in (0..n).step_by(64) {
        let end = (start + 64).min(n);
        reverb.process(
            &input[start..end],
            &mut left[start..end],
            &mut right[start..end],
        );
    }
    (left, right)
}

fn energy(samples: &[f32]) -> f64 {
    samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum()
}

#[test]
fn the_impulse_response_is_finite_and_decays() {
    let (left, right) = impulse_response(3.0);
    assert!(left.iter().chain(&right).all(|s| s.is_finite()));
    // Energy in successive half seconds (from the first echo at 25 ms on) falls every time.
    let half = RATE as usize / 2;
    let windows: Vec<f64> = (0..6)
        .map(|i| energy(&left[i * half..(i + 1) * half]) + energy(&right[i * half..(i + 1) * half]))
        .collect();
    for pair in windows.windows(2) {
        assert!(pair[1] < pair[0], "energy does not fall: {windows:?}");
    }
    // The slowest comb loses about 40 dB a second (gain 0.84 per 1640-sample loop), so from
    // the first to the fifth half second (2 s) the energy falls by at least 60 dB.
    assert!(
        windows[4] < windows[0] * 1e-6,
        "too slow a decay: {windows:?}"
    );
    // ... and not absurdly fast either: a room, not a slap (under 160 dB in 2 s).
    assert!(windows[4] > windows[0] * 1e-16, "too fast: {windows:?}");
}

#[test]
fn the_two_channels_differ() {
    let (left, right) = impulse_response(1.0);
    // The right side's delay lines are 23 samples longer: its first echo comes later.
    let first = |s: &[f32]| s.iter().position(|x| x.abs() > 1e-6).unwrap();
    assert_eq!(first(&left), 1116);
    assert_eq!(first(&right), 1139);
    let diff: Vec<f32> = left.iter().zip(&right).map(|(l, r)| l - r).collect();
    assert!(rms(&diff) > 0.5 * rms(&left), "left and right nearly equal");
}

#[test]
fn silence_in_gives_silence_out() {
    let mut reverb = Reverb::new(RATE);
    let input = vec![0.0f32; RATE as usize];
    let mut left = vec![0.0f32; RATE as usize];
    let mut right = vec![0.0f32; RATE as usize];
    reverb.process(&input, &mut left, &mut right);
    assert!(left.iter().chain(&right).all(|&s| s == 0.0));
    assert!(reverb.is_idle());
}

#[test]
fn output_is_added_to_what_is_there() {
    let mut reverb = Reverb::new(RATE);
    let input = vec![0.0f32; 256];
    let mut left = vec![0.25f32; 256];
    let mut right = vec![-0.5f32; 256];
    reverb.process(&input, &mut left, &mut right);
    assert!(left.iter().all(|&s| s == 0.25) && right.iter().all(|&s| s == -0.5));
}

#[test]
fn no_denormals_after_a_long_silence_and_it_goes_idle() {
    // Without protection the tail would decay into the denormal range (below 1.2e-38) after
    // about 14 s; every output sample must stay a normal number or exactly zero.
    let (left, right) = impulse_response(20.0);
    let bad = left
        .iter()
        .chain(&right)
        .filter(|s| !(s.is_normal() || **s == 0.0))
        .count();
    assert_eq!(bad, 0, "{bad} denormal or non-finite samples");
    // After IDLE_AFTER_SECONDS of silence the state is cleared: the end is exact silence.
    let idle_from = ((Reverb::IDLE_AFTER_SECONDS + 0.1) * f64::from(RATE)) as usize;
    assert!(left[idle_from..].iter().all(|&s| s == 0.0));
    assert!(right[idle_from..].iter().all(|&s| s == 0.0));
}

#[test]
fn a_tiny_steady_input_stays_normal() {
    // A constant far below audibility must not drag the combs into denormals either.
    let mut reverb = Reverb::new(RATE);
    let n = 10 * RATE as usize;
    // 1e-37 times the comb input gain is below the smallest normal f32 (1.2e-38).
    let input = vec![1e-37f32; n];
    let mut left = vec![0.0f32; n];
    let mut right = vec![0.0f32; n];
    reverb.process(&input, &mut left, &mut right);
    assert!(
        left.iter()
            .chain(&right)
            .all(|s| s.is_normal() || *s == 0.0)
    );
}

#[test]
fn mute_stops_the_tail() {
    let mut reverb = Reverb::new(RATE);
    let mut input = vec![0.0f32; 4096];
    input[0] = 1.0;
    let mut left = vec![0.0f32; 4096];
    let mut right = vec![0.0f32; 4096];
    reverb.process(&input, &mut left, &mut right);
    reverb.mute();
    let silence = vec![0.0f32; 4096];
    let mut left = vec![0.0f32; 4096];
    let mut right = vec![0.0f32; 4096];
    reverb.process(&silence, &mut left, &mut right);
    assert!(left.iter().chain(&right).all(|&s| s == 0.0));
}

/// A half-second A4 then silence, rendered by a synthesizer with the given options; the
/// send level is applied to channel 1 before the note.
fn synth_note(effects: bool, send: Option<u8>) -> (Vec<f32>, Vec<f32>) {
    let font = SoundFont::built_in().unwrap();
    let mut synth = Synth::with_options(
        &font,
        RATE,
        SynthOptions {
            effects,
            ..SynthOptions::default()
        },
    )
    .unwrap();
    let ch = Channel::new(0).unwrap();
    if let Some(level) = send {
        synth.set_reverb_send(ch, level);
    }
    let n = 3 * RATE as usize;
    let mut left = vec![0.0f32; n];
    let mut right = vec![0.0f32; n];
    synth.note_on(ch, Pitch::A4, Velocity::new(100).unwrap());
    let half = RATE as usize / 2;
    synth.render(&mut left[..half], &mut right[..half]);
    synth.note_off(ch, Pitch::A4);
    synth.render(&mut left[half..], &mut right[half..]);
    (left, right)
}

#[test]
fn the_built_in_piano_gets_rustysynths_send() {
    let font = SoundFont::built_in().unwrap();
    let mut synth = Synth::new(&font, RATE).unwrap();
    let ch = Channel::new(0).unwrap();
    // CC91 = 40 -> 40/127 = 0.315, plus the font's reverb-send generator of 100 (0.1% units)
    // on its piano preset = 0.1: 0.415.
    assert!(
        (synth.reverb_send(ch) - 0.415).abs() < 1e-3,
        "{}",
        synth.reverb_send(ch)
    );
    synth.set_reverb_send(ch, 127);
    assert_eq!(synth.reverb_send(ch), 1.0);
    synth.set_reverb_send(ch, 0);
    assert!((synth.reverb_send(ch) - 0.1).abs() < 1e-6);
}

#[test]
fn the_reverb_rings_after_the_note_and_a_zero_send_stays_dry() {
    let (wet_l, _) = synth_note(true, None);
    let (dry_l, _) = synth_note(false, None);
    let (unsent_l, _) = synth_note(true, Some(0));
    // While the note sounds the dry part dominates: the level is within 1.5 dB of dry.
    let on = |s: &[f32]| rms_between(s, RATE, 0.05, 0.5);
    let db = 20.0 * (on(&wet_l) / on(&dry_l)).log10();
    assert!(db.abs() < 1.5, "level with reverb differs by {db:.2} dB");
    // The piano's own release is over by 1.0 s (0.5 s after the note-off); from then on the
    // dry render is exact silence, while the reverb's tail rings on: it fades by about 45 dB
    // a second from -80 dB at 1.0 s (rustysynth's reverb measured the same), so between 1.1 s
    // and 1.4 s it lies near -90 dB.
    let late = |s: &[f32]| rms_between(s, RATE, 1.1, 1.4);
    assert_eq!(late(&dry_l), 0.0);
    assert!(late(&wet_l) > 1e-5, "no tail: {}", late(&wet_l));
    // CC91 = 0 leaves only the font's own 10% send: a quieter tail than the default 41.5%.
    let ratio = late(&unsent_l) / late(&wet_l);
    assert!(
        (0.1 / 0.415 * 0.5..0.1 / 0.415 * 2.0).contains(&ratio),
        "tail ratio {ratio}"
    );
}

#[test]
fn the_stereo_image_widens_with_the_reverb() {
    // The piano's note is panned identically on every render; the reverb's two sides differ,
    // so in the tail the channels are no longer proportional.
    let (l, r) = synth_note(true, None);
    let a = (1.5 * f64::from(RATE)) as usize;
    let b = 2 * RATE as usize;
    let diff: Vec<f32> = l[a..b].iter().zip(&r[a..b]).map(|(x, y)| x - y).collect();
    assert!(rms(&diff) > 0.3 * rms(&l[a..b]));
}

#[test]
fn a_rendered_piece_keeps_its_level_and_gains_a_tail() {
    let p = four_voice_piece(2);
    let render = |effects: bool| {
        render_piece(
            &p,
            &RenderOptions {
                tail_seconds: 2.0,
                effects,
                ..RenderOptions::default()
            },
        )
        .unwrap()
    };
    let wet = render(true);
    let dry = render(false);
    assert_eq!(wet.frames(), dry.frames());
    let db = 20.0 * (rms(&wet.mono()) / rms(&dry.mono())).log10();
    assert!(
        (0.0..3.0).contains(&db),
        "reverb changes the level by {db:.2} dB"
    );
    // Two bars end at 4 s and the piano's release by 4.5 s; the reverb rings on.
    let tail = |r: &gan_studio::audio::Rendered| rms_between(&r.left, r.sample_rate, 4.6, 4.9);
    assert_eq!(tail(&dry), 0.0);
    assert!(tail(&wet) > 1e-5, "no reverb tail: {}", tail(&wet));
    assert!(wet.peak() <= 0.99);
}
