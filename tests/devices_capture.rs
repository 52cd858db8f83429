//! Turning hand-made timed key events into a quantized monophonic seed melody.
//!
//! At 120 BPM a 16th note lasts 0.125 s; at 480 ticks per quarter it is 120 ticks.

#![allow(clippy::unwrap_used)]

use gan_studio::devices::{
    COUNT_IN_ACCENT, CaptureSettings, DeviceError, RECORDED_PART_NAME, RecordStart, TimedKey,
    count_in_piece, quantize_recording, recording_to_piece,
};
use gan_studio::music::{Channel, Note, Pitch, TimeSignature, Velocity};

fn p(n: u8) -> Pitch {
    Pitch::new(n).unwrap()
}

fn v(n: u8) -> Velocity {
    Velocity::new(n).unwrap()
}

/// A key held from `down` to `up` seconds.
fn key(events: &mut Vec<TimedKey>, pitch: u8, down: f64, up: f64) {
    events.push(TimedKey::down(down, p(pitch), v(90)));
    events.push(TimedKey::up(up, p(pitch)));
}

fn sorted_by_time(mut events: Vec<TimedKey>) -> Vec<TimedKey> {
    events.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
    events
}

fn first_note_settings() -> CaptureSettings {
    CaptureSettings::default()
}

/// (pitch, start tick, duration ticks) of each note.
fn shape(notes: &[Note]) -> Vec<(u8, u64, u64)> {
    notes
        .iter()
        .map(|n| (n.pitch.get(), n.start, n.duration.get()))
        .collect()
}

#[test]
fn loose_timing_snaps_to_the_sixteenth_grid() {
    let mut e = Vec::new();
    // Played from 10.0 s on (start on the first note), each a little off the grid.
    key(&mut e, 60, 10.00, 10.23); // 0..2 steps
    key(&mut e, 62, 10.27, 10.49); // 2..4
    key(&mut e, 64, 10.48, 10.99); // 4..8 (struck a touch early)
    key(&mut e, 65, 11.00, 11.04); // 8..9 (a staccato shorter than a 16th keeps one step)
    let notes = quantize_recording(&sorted_by_time(e), None, &first_note_settings()).unwrap();
    assert_eq!(
        shape(&notes),
        vec![(60, 0, 240), (62, 240, 240), (64, 480, 480), (65, 960, 120)]
    );
    assert!(notes.iter().all(|n| n.velocity == v(90)));
}

#[test]
fn a_count_in_fixes_tick_zero_and_drops_what_was_played_during_it() {
    // Four beats at 120 BPM, the first at 1.0 s: the count-in ends (tick 0) at 3.0 s.
    let settings = CaptureSettings {
        start: RecordStart::CountIn {
            beats: 4,
            first_beat_seconds: 1.0,
        },
        ..CaptureSettings::default()
    };
    let mut e = Vec::new();
    key(&mut e, 55, 1.50, 1.70); // noodling during the count-in: dropped
    key(&mut e, 60, 2.95, 3.20); // a hair early: lands on tick 0, ends at step 2
    key(&mut e, 67, 3.50, 4.00); // beat 2: steps 4..8
    let events = sorted_by_time(e);
    let notes = quantize_recording(&events, None, &settings).unwrap();
    assert_eq!(shape(&notes), vec![(60, 0, 240), (67, 480, 480)]);
    // The same keys read as "start on the first note" begin at the noodle instead.
    let notes = quantize_recording(&events, None, &first_note_settings()).unwrap();
    assert_eq!(notes[0].pitch, p(55));
    assert_eq!(notes[0].start, 0);
    // 2.95 s is 1.45 s after 1.50 s: 11.6 steps, rounded to 12.
    assert_eq!(notes[1].start, 12 * 120);
}

#[test]
fn a_late_first_note_after_a_count_in_keeps_its_rest() {
    // The player waits a beat after the count-in: the melody starts on beat 2.
    let settings = CaptureSettings {
        start: RecordStart::CountIn {
            beats: 2,
            first_beat_seconds: 0.0,
        },
        ..CaptureSettings::default()
    };
    let mut e = Vec::new();
    key(&mut e, 64, 1.5, 2.0);
    let notes = quantize_recording(&sorted_by_time(e), None, &settings).unwrap();
    // Tick 0 is at 1.0 s; 1.5 s is step 4.
    assert_eq!(shape(&notes), vec![(64, 480, 480)]);
}

#[test]
fn chords_keep_their_highest_note() {
    let mut e = Vec::new();
    // A C major triad struck almost together, held a quarter; then a single D.
    key(&mut e, 60, 0.000, 0.50);
    key(&mut e, 67, 0.010, 0.49);
    key(&mut e, 64, 0.020, 0.51);
    key(&mut e, 62, 0.50, 0.75);
    let notes = quantize_recording(&sorted_by_time(e), None, &first_note_settings()).unwrap();
    assert_eq!(shape(&notes), vec![(67, 0, 480), (62, 480, 240)]);
}

#[test]
fn overlapping_notes_are_cut_where_the_next_begins() {
    let mut e = Vec::new();
    // Legato: E is still held for a 16th after D is struck (a lower note), then a high G is
    // struck while D is held and D does not come back after G ends.
    key(&mut e, 64, 0.0, 0.375); // steps 0..3, cut at 2
    key(&mut e, 62, 0.25, 1.0); // steps 2..8, cut at 4
    key(&mut e, 67, 0.5, 0.625); // steps 4..5
    let notes = quantize_recording(&sorted_by_time(e), None, &first_note_settings()).unwrap();
    assert_eq!(
        shape(&notes),
        vec![(64, 0, 240), (62, 240, 240), (67, 480, 120)]
    );
}

#[test]
fn a_note_held_across_a_bar_line_stays_one_note() {
    // Steps 14..20 cross the bar line at step 16 (4/4).
    let mut e = Vec::new();
    key(&mut e, 60, 0.0, 0.125);
    key(&mut e, 72, 14.0 * 0.125, 20.0 * 0.125);
    let notes = quantize_recording(&sorted_by_time(e), None, &first_note_settings()).unwrap();
    assert_eq!(shape(&notes), vec![(60, 0, 120), (72, 14 * 120, 6 * 120)]);
}

#[test]
fn restruck_keys_unmatched_releases_and_keys_held_at_the_end() {
    let events = vec![
        TimedKey::up(0.1, p(50)), // a release with no press: ignored
        TimedKey::down(0.25, p(60), v(70)),
        TimedKey::down(0.50, p(60), v(100)), // struck again while held: a new note
        TimedKey::up(0.75, p(60)),
        TimedKey::down(1.0, p(62), v(60)), // still held when recording stops at 1.5 s
    ];
    let notes = quantize_recording(&events, Some(1.5), &first_note_settings()).unwrap();
    assert_eq!(
        shape(&notes),
        vec![(60, 0, 240), (60, 240, 240), (62, 720, 480)]
    );
    assert_eq!(notes[0].velocity, v(70));
    assert_eq!(notes[1].velocity, v(100));
    // Without a stop time the held key ends at the last event (its own press): one step.
    let notes = quantize_recording(&events, None, &first_note_settings()).unwrap();
    assert_eq!(notes[2].duration.get(), 120);
}

#[test]
fn other_tempos_and_resolutions() {
    // 90 BPM: a 16th is 1/6 s; 96 ticks per quarter: 24 ticks a 16th.
    let settings = CaptureSettings {
        bpm: 90.0,
        ticks_per_quarter: 96,
        ..CaptureSettings::default()
    };
    let mut e = Vec::new();
    key(&mut e, 60, 0.0, 2.0 / 6.0);
    key(&mut e, 62, 3.0 / 6.0, 1.0);
    let notes = quantize_recording(&sorted_by_time(e), None, &settings).unwrap();
    assert_eq!(shape(&notes), vec![(60, 0, 48), (62, 72, 72)]);
}

#[test]
fn nothing_played_gives_no_notes_and_a_bad_tempo_is_refused() {
    assert!(
        quantize_recording(&[], None, &first_note_settings())
            .unwrap()
            .is_empty()
    );
    let bad = CaptureSettings {
        bpm: 0.0,
        ..CaptureSettings::default()
    };
    assert_eq!(
        quantize_recording(&[], None, &bad),
        Err(DeviceError::BadRecordingTempo(0.0))
    );
}

#[test]
fn a_recording_becomes_a_one_part_piece_at_its_tempo() {
    let settings = CaptureSettings {
        bpm: 100.0,
        time_signature: TimeSignature::new(3, 4).unwrap(),
        ..CaptureSettings::default()
    };
    let mut e = Vec::new();
    key(&mut e, 60, 0.0, 0.6);
    let piece = recording_to_piece(&sorted_by_time(e), None, &settings).unwrap();
    assert_eq!(piece.parts.len(), 1);
    assert_eq!(piece.parts[0].name, RECORDED_PART_NAME);
    assert!((piece.tempo_map.initial_bpm() - 100.0).abs() < 1e-3);
    assert_eq!(piece.initial_time_signature().numerator(), 3);
    // 0.6 s at 100 BPM (0.15 s a 16th) is 4 steps.
    assert_eq!(shape(&piece.parts[0].notes), vec![(60, 0, 480)]);
}

#[test]
fn the_count_in_clicks_on_the_drum_channel_with_an_accent() {
    let piece = count_in_piece(4, 90.0, 480).unwrap();
    let part = &piece.parts[0];
    assert_eq!(part.channel, Channel::DRUMS);
    let starts: Vec<u64> = part.notes.iter().map(|n| n.start).collect();
    assert_eq!(starts, vec![0, 480, 960, 1440]);
    assert_eq!(part.notes[0].pitch.get(), COUNT_IN_ACCENT);
    assert!(
        part.notes[1..]
            .iter()
            .all(|n| n.pitch.get() != COUNT_IN_ACCENT)
    );
    // 90 BPM is 666,667 µs a quarter in MIDI: within a few µs of 2 s.
    assert!((piece.seconds_at(1440) - 2.0).abs() < 1e-5);
    assert!(count_in_piece(4, -1.0, 480).is_err());
}
