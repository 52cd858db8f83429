//! The MIDI player driven through the recording fake sink: order, timing, silence on stop,
//! pause, drop, port change and disconnect, tempo maps, tempo factor, loops and seeks.
//!
//! Timing checks follow one rule: the scheduler must never send early (it waits for each
//! deadline, so a message may not arrive before `t0 + expected`, where `t0` is read just before
//! the play command), and may be late by at most `LATE`. `LATE` is far below the gaps between
//! the test's events, so it tells a correct schedule from a wrong one (events bunched, a tempo
//! change ignored) without measuring how good the machine's timer is.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use gan_studio::devices::{
    MidiMessage, Player, PlayerEvent, PlayerState, Recording, RecordingSink, SentMessage,
};
use gan_studio::music::{
    Channel, Note, Part, Piece, Pitch, Program, TempoChange, TempoMap, Tick, Velocity,
};

const LATE: f64 = 0.1;
const EARLY: f64 = 0.001;
const WAIT: Duration = Duration::from_secs(10);

fn note(pitch: u8, start: Tick, len: Tick) -> Note {
    Note::new(Pitch::new(pitch).unwrap(), start, len, Velocity::DEFAULT).unwrap()
}

fn ch(c: u8) -> Channel {
    Channel::new(c).unwrap()
}

fn piece_at(bpm: f64, parts: Vec<Part>) -> Piece {
    let mut piece = Piece::new(480).unwrap();
    piece.tempo_map = TempoMap::from_bpm(bpm);
    piece.parts = parts;
    piece
}

fn part(channel: u8, program: u8, notes: Vec<Note>) -> Part {
    Part {
        channel: ch(channel),
        program: Program::new(program).unwrap(),
        notes,
        ..Part::new("p")
    }
}

fn player_with_fake() -> (Player, Recording) {
    let (sink, rec) = RecordingSink::new("fake");
    (Player::new(Some(Box::new(sink))).unwrap(), rec)
}

/// Waits for an event matching `want`, skipping others.
fn wait_for(player: &Player, want: impl Fn(&PlayerEvent) -> bool) -> PlayerEvent {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        if let Some(e) = player.wait_event(Duration::from_millis(50))
            && want(&e)
        {
            return e;
        }
    }
    panic!("the player never reported the expected event");
}

/// Waits until the recording holds at least `n` note-ons.
fn wait_note_ons(rec: &Recording, n: usize) {
    let deadline = Instant::now() + WAIT;
    while note_ons(&rec.messages()).len() < n {
        assert!(Instant::now() < deadline, "fewer than {n} notes arrived");
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn note_ons(sent: &[SentMessage]) -> Vec<(Instant, u8)> {
    sent.iter()
        .filter_map(|s| match s.message {
            MidiMessage::NoteOn { pitch, .. } => Some((s.at, pitch.get())),
            _ => None,
        })
        .collect()
}

fn secs(t0: Instant, at: Instant) -> f64 {
    at.duration_since(t0).as_secs_f64()
}

/// Checks the no-early / at-most-LATE rule; returns the largest lateness seen.
fn check_times(t0: Instant, got: &[Instant], expected: &[f64]) -> f64 {
    assert_eq!(got.len(), expected.len());
    let mut worst: f64 = 0.0;
    for (at, want) in got.iter().zip(expected) {
        let s = secs(t0, *at);
        assert!(
            s >= want - EARLY,
            "sent early: at {s:.4} s, due {want:.4} s"
        );
        assert!(s <= want + LATE, "sent late: at {s:.4} s, due {want:.4} s");
        worst = worst.max(s - want);
    }
    worst
}

/// The messages that silence channel `c` fully: CC 123 then CC 121.
fn full_silence(c: u8) -> [MidiMessage; 2] {
    [
        MidiMessage::all_notes_off(ch(c)),
        MidiMessage::reset_all_controllers(ch(c)),
    ]
}

#[test]
fn a_piece_plays_in_order_on_time_with_programs_first_and_silence_at_the_end() {
    // 240 BPM: a quarter (480 ticks) lasts 0.25 s.
    let piece = piece_at(
        240.0,
        vec![
            part(
                0,
                0,
                vec![note(60, 0, 480), note(60, 480, 480), note(64, 960, 480)],
            ),
            part(2, 40, vec![note(48, 720, 240)]),
        ],
    );
    let (player, rec) = player_with_fake();
    player.load(&piece).unwrap();
    let t0 = Instant::now();
    player.play_from(0).unwrap();
    wait_for(&player, |e| *e == PlayerEvent::Finished);
    assert_eq!(player.state(), PlayerState::Stopped);
    assert_eq!(player.playhead(), 1440);
    let sent = rec.messages();
    let on = |c: u8, p: u8| MidiMessage::NoteOn {
        channel: ch(c),
        pitch: Pitch::new(p).unwrap(),
        velocity: Velocity::DEFAULT,
    };
    let off = |c: u8, p: u8| MidiMessage::NoteOff {
        channel: ch(c),
        pitch: Pitch::new(p).unwrap(),
    };
    let messages: Vec<MidiMessage> = sent.iter().map(|s| s.message).collect();
    let mut expected = vec![
        MidiMessage::ProgramChange {
            channel: ch(0),
            program: Program::PIANO,
        },
        MidiMessage::ProgramChange {
            channel: ch(2),
            program: Program::new(40).unwrap(),
        },
        on(0, 60),
        // The repeated C4: released before it is struck again.
        off(0, 60),
        on(0, 60),
        on(2, 48),
        off(0, 60),
        off(2, 48),
        on(0, 64),
        off(0, 64),
    ];
    expected.extend(full_silence(0));
    expected.extend(full_silence(2));
    assert_eq!(messages, expected);
    let times: Vec<Instant> = sent[2..10].iter().map(|s| s.at).collect();
    let worst = check_times(t0, &times, &[0.0, 0.25, 0.25, 0.375, 0.5, 0.5, 0.5, 0.75]);
    println!("largest lateness over 8 events: {:.3} ms", worst * 1e3);
}

#[test]
fn overlapping_notes_of_one_key_are_never_cut_early() {
    // 240 BPM: a quarter (480 ticks) lasts 0.25 s. C4 [0, 1920) holds over C4 [480, 960) and
    // is overlapped by C4 [1440, 2400); E4 [240, 1440) outlasts E4 [0, 960).
    let notes = vec![
        note(60, 0, 1920),
        note(60, 480, 480),
        note(60, 1440, 960),
        note(64, 0, 960),
        note(64, 240, 1200),
    ];
    let piece = piece_at(240.0, vec![part(0, 0, notes.clone())]);
    let (player, rec) = player_with_fake();
    player.load(&piece).unwrap();
    let t0 = Instant::now();
    player.play_from(0).unwrap();
    wait_for(&player, |e| *e == PlayerEvent::Finished);
    let keys: Vec<(f64, u8, bool)> = rec
        .messages()
        .iter()
        .filter_map(|s| match s.message {
            MidiMessage::NoteOn { pitch, .. } => Some((secs(t0, s.at), pitch.get(), true)),
            MidiMessage::NoteOff { pitch, .. } => Some((secs(t0, s.at), pitch.get(), false)),
            _ => None,
        })
        .collect();
    // What a hardware synth hears: a later start strikes the key again (off, then on), and
    // only the last release of overlapping notes lifts it.
    let plain: Vec<(u8, bool)> = keys.iter().map(|k| (k.1, k.2)).collect();
    assert_eq!(
        plain,
        vec![
            (60, true),
            (64, true),
            (64, false),
            (64, true),
            (60, false),
            (60, true),
            (60, false),
            (64, false),
            (60, true),
            (60, false),
        ]
    );
    let times: Vec<Instant> = rec
        .messages()
        .iter()
        .filter(|s| {
            matches!(
                s.message,
                MidiMessage::NoteOn { .. } | MidiMessage::NoteOff { .. }
            )
        })
        .map(|s| s.at)
        .collect();
    check_times(
        t0,
        &times,
        &[0.0, 0.0, 0.125, 0.125, 0.25, 0.25, 0.75, 0.75, 0.75, 1.25],
    );
    // A synth silences a key at a note-off whatever struck it: every note-off must end the
    // note-on just before it on its key, and a release that is not a strike again (a note-on
    // of the key at once after it) must not come before the end of any note of the key
    // sounding then.
    let tick_seconds = 0.25 / 480.0;
    for (i, &(at, pitch, on)) in keys.iter().enumerate() {
        let previous = keys[..i].iter().rev().find(|k| k.1 == pitch);
        assert_eq!(previous.is_some_and(|p| p.2), !on, "{pitch} at {at:.3} s");
        let next = keys[i + 1..].iter().find(|k| k.1 == pitch);
        if on || next.is_some_and(|n| n.2 && n.0 - at < LATE) {
            continue;
        }
        for n in notes.iter().filter(|n| n.pitch.get() == pitch) {
            let (start, end) = (n.start as f64 * tick_seconds, n.end() as f64 * tick_seconds);
            assert!(
                at <= start || at >= end - EARLY,
                "the key {pitch} was released at {at:.3} s inside the note {start:.3}..{end:.3} s"
            );
        }
    }
}

#[test]
fn tempo_changes_in_the_piece_move_the_notes() {
    // 240 BPM for two quarters (0.5 s), then 120 BPM (0.5 s a quarter).
    let mut piece = piece_at(
        240.0,
        vec![part(
            0,
            0,
            vec![
                note(60, 0, 240),
                note(62, 480, 240),
                note(64, 960, 240),
                note(65, 1440, 240),
            ],
        )],
    );
    piece.tempo_map = TempoMap::new(vec![
        TempoChange {
            tick: 0,
            micros_per_quarter: 250_000,
        },
        TempoChange {
            tick: 960,
            micros_per_quarter: 500_000,
        },
    ])
    .unwrap();
    let (player, rec) = player_with_fake();
    player.load(&piece).unwrap();
    let t0 = Instant::now();
    player.play_from(0).unwrap();
    wait_for(&player, |e| *e == PlayerEvent::Finished);
    let ons = note_ons(&rec.messages());
    let pitches: Vec<u8> = ons.iter().map(|o| o.1).collect();
    assert_eq!(pitches, vec![60, 62, 64, 65]);
    // At a constant 240 BPM the last note would come at 0.75 s, not 1.0 s.
    let times: Vec<Instant> = ons.iter().map(|o| o.0).collect();
    check_times(t0, &times, &[0.0, 0.25, 0.5, 1.0]);
}

#[test]
fn the_tempo_factor_scales_time() {
    // 120 BPM written, played twice as fast: quarters every 0.25 s.
    let piece = piece_at(
        120.0,
        vec![part(
            0,
            0,
            vec![note(60, 0, 240), note(62, 480, 240), note(64, 960, 240)],
        )],
    );
    let (player, rec) = player_with_fake();
    player.load(&piece).unwrap();
    player.set_tempo_factor(2.0).unwrap();
    assert!(player.set_tempo_factor(0.0).is_err());
    assert!(player.set_tempo_factor(f64::NAN).is_err());
    let t0 = Instant::now();
    player.play_from(0).unwrap();
    wait_for(&player, |e| *e == PlayerEvent::Finished);
    let times: Vec<Instant> = note_ons(&rec.messages()).iter().map(|o| o.0).collect();
    check_times(t0, &times, &[0.0, 0.25, 0.5]);
}

/// A piece whose first note sounds for a long time, so tests can act while it sounds.
fn long_note_piece() -> Piece {
    // 120 BPM: the first note lasts 8 quarters (4 s); a second part plays later.
    piece_at(
        120.0,
        vec![
            part(0, 0, vec![note(60, 0, 3840), note(62, 3840, 480)]),
            part(5, 24, vec![note(40, 3840, 480)]),
        ],
    )
}

fn after(sent: &[SentMessage], n: usize) -> Vec<MidiMessage> {
    sent[n..].iter().map(|s| s.message).collect()
}

fn silence_of_c4_on_channels_0_and_5() -> Vec<MidiMessage> {
    let mut v = vec![MidiMessage::NoteOff {
        channel: ch(0),
        pitch: Pitch::MIDDLE_C,
    }];
    v.extend(full_silence(0));
    v.extend(full_silence(5));
    v
}

#[test]
fn stop_ends_sounding_notes_and_resets_every_channel_in_use() {
    let (player, rec) = player_with_fake();
    player.load(&long_note_piece()).unwrap();
    player.play_from(0).unwrap();
    wait_note_ons(&rec, 1);
    let before = rec.len();
    player.stop().unwrap();
    player.sync().unwrap();
    assert_eq!(player.state(), PlayerState::Stopped);
    let stopped_at = player.playhead();
    assert!(stopped_at < 3840, "stopped at {stopped_at}");
    assert_eq!(
        after(&rec.messages(), before),
        silence_of_c4_on_channels_0_and_5()
    );
    // Stopping again is a panic button: no notes to end, but the channels are reset again.
    let before = rec.len();
    player.stop().unwrap();
    player.sync().unwrap();
    let mut again = full_silence(0).to_vec();
    again.extend(full_silence(5));
    assert_eq!(after(&rec.messages(), before), again);
}

#[test]
fn pause_silences_and_resume_goes_on_from_the_same_tick() {
    // 480 BPM: quarters every 0.125 s, sixteen notes.
    let notes: Vec<Note> = (0..16).map(|i| note(60 + i as u8, i * 480, 480)).collect();
    let piece = piece_at(480.0, vec![part(0, 0, notes)]);
    let (player, rec) = player_with_fake();
    player.load(&piece).unwrap();
    player.play_from(0).unwrap();
    wait_note_ons(&rec, 2);
    player.pause().unwrap();
    player.sync().unwrap();
    assert_eq!(player.state(), PlayerState::Paused);
    let paused_at = player.playhead();
    let sent = rec.messages();
    let played = note_ons(&sent).len();
    let last_on = note_ons(&sent)[played - 1].1;
    // The last three messages: the sounding note's release, CC 123, CC 121.
    let tail: Vec<MidiMessage> = sent[sent.len() - 3..].iter().map(|s| s.message).collect();
    let mut want = vec![MidiMessage::NoteOff {
        channel: ch(0),
        pitch: Pitch::new(last_on).unwrap(),
    }];
    want.extend(full_silence(0));
    assert_eq!(tail, want);
    // While paused nothing is sent and the playhead stands still.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(rec.len(), sent.len());
    assert_eq!(player.playhead(), paused_at);
    // Resume: programs again, then the first note that starts at or after the pause.
    player.resume().unwrap();
    wait_note_ons(&rec, played + 1);
    let ons = note_ons(&rec.messages());
    assert_eq!(u64::from(ons[played].1), 60 + paused_at.div_ceil(480));
    assert!(ons[played].1 == last_on || ons[played].1 == last_on + 1);
    player.stop().unwrap();
}

#[test]
fn dropping_the_player_leaves_no_stuck_notes() {
    let (player, rec) = player_with_fake();
    player.load(&long_note_piece()).unwrap();
    player.play_from(0).unwrap();
    wait_note_ons(&rec, 1);
    let before = rec.len();
    drop(player);
    assert_eq!(
        after(&rec.messages(), before),
        silence_of_c4_on_channels_0_and_5()
    );
}

#[test]
fn changing_the_port_silences_the_old_one_and_plays_on_the_new_one() {
    // 240 BPM: C4 for 4 quarters (1 s), then D4.
    let piece = piece_at(
        240.0,
        vec![part(3, 10, vec![note(60, 0, 1920), note(62, 1920, 480)])],
    );
    let (player, old) = player_with_fake();
    player.load(&piece).unwrap();
    player.play_from(0).unwrap();
    wait_note_ons(&old, 1);
    let before = old.len();
    let (new_sink, new) = RecordingSink::new("new");
    player.set_sink(Box::new(new_sink)).unwrap();
    player.sync().unwrap();
    let mut want = vec![MidiMessage::NoteOff {
        channel: ch(3),
        pitch: Pitch::MIDDLE_C,
    }];
    want.extend(full_silence(3));
    assert_eq!(after(&old.messages(), before), want);
    wait_for(&player, |e| *e == PlayerEvent::Finished);
    // The old port got nothing more; the new one got the program, D4, and the end's silence.
    assert_eq!(old.len(), before + want.len());
    let mut want_new = vec![
        MidiMessage::ProgramChange {
            channel: ch(3),
            program: Program::new(10).unwrap(),
        },
        MidiMessage::NoteOn {
            channel: ch(3),
            pitch: Pitch::new(62).unwrap(),
            velocity: Velocity::DEFAULT,
        },
        MidiMessage::NoteOff {
            channel: ch(3),
            pitch: Pitch::new(62).unwrap(),
        },
    ];
    want_new.extend(full_silence(3));
    assert_eq!(after(&new.messages(), 0), want_new);
}

#[test]
fn disconnecting_silences_the_port_and_the_clock_runs_on() {
    let (player, rec) = player_with_fake();
    player.load(&long_note_piece()).unwrap();
    player.play_from(0).unwrap();
    wait_note_ons(&rec, 1);
    let before = rec.len();
    player.disconnect().unwrap();
    wait_for(&player, |e| *e == PlayerEvent::SinkChanged(None));
    assert_eq!(
        after(&rec.messages(), before),
        silence_of_c4_on_channels_0_and_5()
    );
    let tick = player.playhead();
    std::thread::sleep(Duration::from_millis(100));
    assert!(player.playhead() > tick);
    assert_eq!(player.state(), PlayerState::Playing);
    player.stop().unwrap();
    player.sync().unwrap();
    assert_eq!(rec.len(), before + 5);
}

#[test]
fn a_loop_region_repeats_on_time_without_drift() {
    // 600 BPM: a quarter lasts 0.1 s. Notes on every quarter; loop quarters 1 and 2.
    let notes: Vec<Note> = (0..6).map(|i| note(60 + i as u8, i * 480, 240)).collect();
    let piece = piece_at(600.0, vec![part(0, 0, notes)]);
    let (player, rec) = player_with_fake();
    player.load(&piece).unwrap();
    player.set_loop(Some(480..1440)).unwrap();
    assert!(player.set_loop(Some(480..480)).is_err());
    let t0 = Instant::now();
    player.play_from(0).unwrap();
    for _ in 0..3 {
        wait_for(&player, |e| *e == PlayerEvent::Looped);
    }
    wait_note_ons(&rec, 7);
    player.stop().unwrap();
    player.sync().unwrap();
    let ons = note_ons(&rec.messages());
    let pitches: Vec<u8> = ons.iter().take(7).map(|o| o.1).collect();
    assert_eq!(pitches, vec![60, 61, 62, 61, 62, 61, 62]);
    assert!(ons.iter().all(|o| o.1 != 63), "played past the loop");
    let times: Vec<Instant> = ons.iter().take(7).map(|o| o.0).collect();
    check_times(t0, &times, &[0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
    // Every note struck was released.
    let offs = rec
        .messages()
        .iter()
        .filter(|s| matches!(s.message, MidiMessage::NoteOff { .. }))
        .count();
    assert_eq!(offs, ons.len());
}

#[test]
fn seeking_jumps_while_playing_and_moves_the_start_while_stopped() {
    // 120 BPM: eight notes of two quarters (1 s) each.
    let notes: Vec<Note> = (0..8).map(|i| note(60 + i as u8, i * 960, 960)).collect();
    let piece = piece_at(120.0, vec![part(0, 0, notes)]);
    let (player, rec) = player_with_fake();
    player.load(&piece).unwrap();
    // Seek while stopped, then resume: playback starts at the seek point.
    player.seek(960 * 5).unwrap();
    player.sync().unwrap();
    assert_eq!(player.playhead(), 4800);
    player.resume().unwrap();
    wait_note_ons(&rec, 1);
    assert_eq!(note_ons(&rec.messages())[0].1, 65);
    // Seek back while playing: the sounding note ends, playback goes on from there.
    player.seek(960).unwrap();
    wait_note_ons(&rec, 2);
    player.stop().unwrap();
    player.sync().unwrap();
    let messages: Vec<MidiMessage> = rec.messages().iter().map(|s| s.message).collect();
    let c = ch(0);
    let p = |n: u8| Pitch::new(n).unwrap();
    assert_eq!(
        messages[..5],
        [
            MidiMessage::ProgramChange {
                channel: c,
                program: Program::PIANO
            },
            MidiMessage::NoteOn {
                channel: c,
                pitch: p(65),
                velocity: Velocity::DEFAULT
            },
            MidiMessage::NoteOff {
                channel: c,
                pitch: p(65)
            },
            MidiMessage::NoteOn {
                channel: c,
                pitch: p(61),
                velocity: Velocity::DEFAULT
            },
            MidiMessage::NoteOff {
                channel: c,
                pitch: p(61)
            },
        ]
    );
}

#[test]
fn starting_inside_a_note_neither_strikes_nor_releases_it() {
    // 480 BPM; a long low note under two short ones.
    let piece = piece_at(
        480.0,
        vec![part(
            0,
            0,
            vec![note(48, 0, 1920), note(60, 960, 240), note(62, 1440, 240)],
        )],
    );
    let (player, rec) = player_with_fake();
    player.load(&piece).unwrap();
    player.play_from(600).unwrap();
    wait_for(&player, |e| *e == PlayerEvent::Finished);
    let keys: Vec<u8> = rec
        .messages()
        .iter()
        .filter_map(|s| match s.message {
            MidiMessage::NoteOn { pitch, .. } | MidiMessage::NoteOff { pitch, .. } => {
                Some(pitch.get())
            }
            _ => None,
        })
        .collect();
    assert_eq!(keys, vec![60, 60, 62, 62]);
}

#[test]
fn a_failing_port_is_reported_once_and_playback_stops() {
    let notes: Vec<Note> = (0..8).map(|i| note(60 + i as u8, i * 480, 480)).collect();
    let piece = piece_at(480.0, vec![part(0, 0, notes)]);
    let (player, rec) = player_with_fake();
    player.load(&piece).unwrap();
    // The program change and two notes get through, then the "device" goes away.
    rec.fail_after(4);
    player.play_from(0).unwrap();
    let failed = wait_for(&player, |e| matches!(e, PlayerEvent::SinkFailed(_)));
    let PlayerEvent::SinkFailed(err) = failed else {
        unreachable!()
    };
    assert!(err.to_string().contains("\"fake\""), "{err}");
    wait_for(&player, |e| matches!(e, PlayerEvent::Stopped { .. }));
    assert_eq!(player.state(), PlayerState::Stopped);
    std::thread::sleep(Duration::from_millis(300));
    while let Some(e) = player.try_event() {
        assert!(!matches!(e, PlayerEvent::SinkFailed(_)), "reported twice");
    }
}

#[test]
fn reloading_while_playing_goes_on_from_the_same_place() {
    let notes: Vec<Note> = (0..8).map(|i| note(60 + i as u8, i * 480, 480)).collect();
    let piece = piece_at(240.0, vec![part(0, 0, notes.clone())]);
    let (player, rec) = player_with_fake();
    player.load(&piece).unwrap();
    player.play_from(0).unwrap();
    wait_note_ons(&rec, 2);
    // The same melody an octave up.
    let higher: Vec<Note> = notes
        .iter()
        .map(|n| note(n.pitch.get() + 12, n.start, 480))
        .collect();
    player
        .load(&piece_at(240.0, vec![part(0, 0, higher)]))
        .unwrap();
    player.sync().unwrap();
    let heard = note_ons(&rec.messages()).len();
    wait_note_ons(&rec, heard + 1);
    player.stop().unwrap();
    player.sync().unwrap();
    let sent = rec.messages();
    // The reload sends the program again; the notes before it are old, those after new.
    let reload = sent
        .iter()
        .rposition(|s| matches!(s.message, MidiMessage::ProgramChange { .. }))
        .unwrap();
    assert!(reload > 0);
    let last_old = note_ons(&sent[..reload]).last().unwrap().1;
    let first_new = note_ons(&sent[reload..])[0].1;
    assert!(last_old < 72, "{last_old}");
    // The note sounding at the reload (if the reload fell on its first tick) or the next one.
    assert!(
        first_new == last_old + 12 || first_new == last_old + 13,
        "old {last_old}, new {first_new}"
    );
    // The old note was released before the new piece went on.
    assert!(sent[..reload].iter().any(|s| s.message
        == MidiMessage::NoteOff {
            channel: ch(0),
            pitch: Pitch::new(last_old).unwrap()
        }));
}

#[test]
fn a_player_without_a_sink_still_keeps_time() {
    let piece = piece_at(480.0, vec![part(0, 0, vec![note(60, 0, 960)])]);
    let player = Player::new(None).unwrap();
    player.load(&piece).unwrap();
    player.play_from(0).unwrap();
    wait_for(&player, |e| *e == PlayerEvent::Finished);
    assert_eq!(player.playhead(), 960);
    assert_eq!(player.view().state(), PlayerState::Stopped);
}

#[test]
fn scheduling_figures() {
    // 40 sixteenths at 150 BPM (0.1 s a sixteenth). Prints how late each note-on came after
    // its due time, measured from the first note-on so the start-up latency is left out.
    let notes: Vec<Note> = (0..40)
        .map(|i| note(60 + (i % 12) as u8, i * 120, 60))
        .collect();
    let piece = piece_at(150.0, vec![part(0, 0, notes)]);
    let (player, rec) = player_with_fake();
    player.load(&piece).unwrap();
    let t0 = Instant::now();
    player.play_from(0).unwrap();
    wait_for(&player, |e| *e == PlayerEvent::Finished);
    let times: Vec<Instant> = note_ons(&rec.messages()).iter().map(|o| o.0).collect();
    let expected: Vec<f64> = (0..40).map(|i| f64::from(i) * 0.1).collect();
    check_times(t0, &times, &expected);
    let first = times[0];
    let late: Vec<f64> = times
        .iter()
        .zip(&expected)
        .map(|(at, want)| (secs(first, *at) - want) * 1e3)
        .collect();
    let mean = late.iter().sum::<f64>() / late.len() as f64;
    let worst = late.iter().cloned().fold(f64::MIN, f64::max);
    let best = late.iter().cloned().fold(f64::MAX, f64::min);
    println!(
        "start-up {:.3} ms; note-on error vs the first note over 40 notes: mean {mean:.3} ms, min {best:.3} ms, max {worst:.3} ms",
        secs(t0, first) * 1e3
    );
}

#[test]
fn a_stop_whose_all_notes_off_fails_is_reported_as_not_silenced() {
    // One long note: after its note-on nothing else is sent until the stop.
    let piece = piece_at(120.0, vec![part(0, 0, vec![note(60, 0, 480 * 40)])]);
    let (player, rec) = player_with_fake();
    player.load(&piece).unwrap();
    player.play_from(0).unwrap();
    wait_note_ons(&rec, 1);
    // The device goes away while the note sounds: the stop's note-off and All Notes Off fail.
    rec.fail_after(0);
    player.stop().unwrap();
    let failed = wait_for(&player, |e| matches!(e, PlayerEvent::SilenceFailed(_)));
    let PlayerEvent::SilenceFailed(err) = failed else {
        unreachable!()
    };
    assert!(err.to_string().contains("\"fake\""), "{err}");
    player.sync().unwrap();
    while let Some(e) = player.try_event() {
        assert!(
            !matches!(
                e,
                PlayerEvent::SilenceFailed(_) | PlayerEvent::SinkFailed(_)
            ),
            "one stop, one report: {e:?}"
        );
    }
}

#[test]
fn a_stop_that_silences_reports_no_failure() {
    let piece = piece_at(120.0, vec![part(0, 0, vec![note(60, 0, 480 * 40)])]);
    let (player, rec) = player_with_fake();
    player.load(&piece).unwrap();
    player.play_from(0).unwrap();
    wait_note_ons(&rec, 1);
    player.stop().unwrap();
    player.sync().unwrap();
    while let Some(e) = player.try_event() {
        assert!(!matches!(e, PlayerEvent::SilenceFailed(_)), "{e:?}");
    }
    assert!(rec.messages().iter().any(|m| m.message.is_all_notes_off()));
}
