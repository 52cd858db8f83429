//! Helpers shared by the studio's egui_kittest tests.

#![allow(dead_code, clippy::unwrap_used)]

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use gan_studio::music::{Note, Piece, Pitch, Velocity};

/// Steps `harness` while `busy` holds (the work runs on background threads), sleeping a
/// little between frames; fails after a minute naming `what`. Ends with two more frames.
pub fn step_while<S>(harness: &mut Harness<'_, S>, what: &str, busy: impl Fn(&S) -> bool) {
    let start = Instant::now();
    while busy(harness.state()) {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{what} did not finish"
        );
        std::thread::sleep(Duration::from_millis(10));
        harness.step();
    }
    harness.run_steps(2);
}

/// A melody of quarter notes at 480 ticks per quarter, one per pitch.
pub fn quarter_notes(pitches: &[u8]) -> Piece {
    let notes = (0u64..)
        .zip(pitches)
        .map(|(i, &p)| Note::new(Pitch::new(p).unwrap(), i * 480, 480, Velocity::DEFAULT).unwrap())
        .collect();
    Piece::from_notes(480, "melody", notes).unwrap()
}

/// Writes a small MIDI file (four rising quarter notes from middle C) to `path`.
pub fn write_four_note_tune(path: &std::path::Path) {
    use gan_studio::music::{Note, Piece, Pitch, Velocity};
    let notes = (0..4)
        .map(|i| {
            Note::new(
                Pitch::new(60 + i).unwrap(),
                u64::from(i) * 480,
                480,
                Velocity::DEFAULT,
            )
            .unwrap()
        })
        .collect();
    gan_studio::midi::write_file(path, &Piece::from_notes(480, "melody", notes).unwrap()).unwrap();
}
