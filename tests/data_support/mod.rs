//! Helpers shared by the `data_*` tests: pieces built from 16th-note steps, MIDI files.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;

use gan_studio::music::{Note, Part, Piece, Pitch, Velocity};

/// Ticks per quarter note of the pieces built here.
pub const TPQ: u16 = 480;
/// Ticks in a 16th note at [`TPQ`].
pub const S: u64 = 120;

/// A note from a pitch name, a start and a length in 16ths.
pub fn note(name: &str, start: u64, len: u64) -> Note {
    let pitch: Pitch = name.parse().unwrap();
    Note::new(pitch, start * S, len * S, Velocity::DEFAULT).unwrap()
}

/// Notes one after another from step `start`: (pitch name, length in 16ths).
pub fn line(start: u64, spec: &[(&str, u64)]) -> Vec<Note> {
    let mut t = start;
    spec.iter()
        .map(|&(name, len)| {
            let n = note(name, t, len);
            t += len;
            n
        })
        .collect()
}

/// A piece with one part per note list.
pub fn piece(title: &str, parts: Vec<Vec<Note>>) -> Piece {
    let mut piece = Piece::new(TPQ).unwrap();
    piece.title = title.to_string();
    for (i, notes) in parts.into_iter().enumerate() {
        let mut part = Part::new(format!("part {i}"));
        part.notes = notes;
        gan_studio::music::sort_notes(&mut part.notes);
        piece.parts.push(part);
    }
    piece
}

/// `bars` bars of 4/4 in C major for piano: the right hand plays C5 E5 G5 E5 in quarters,
/// the left hand holds C3 and G3 for the whole bar. Its skyline is the right hand.
pub fn c_major_piano(bars: u64) -> Piece {
    let mut right = Vec::new();
    let mut left = Vec::new();
    for bar in 0..bars {
        right.extend(line(
            bar * 16,
            &[("C5", 4), ("E5", 4), ("G5", 4), ("E5", 4)],
        ));
        left.push(note("C3", bar * 16, 16));
        left.push(note("G3", bar * 16, 16));
    }
    piece("C major study", vec![right, left])
}

/// The token text of `bars` bars of the right hand of [`c_major_piano`].
pub fn c_major_tokens(bars: usize) -> Vec<u32> {
    // C5 = 72 -> id 51, E5 = 76 -> 55, G5 = 79 -> 58; hold = 89.
    let bar = [
        51, 89, 89, 89, 55, 89, 89, 89, 58, 89, 89, 89, 55, 89, 89, 89,
    ];
    bar.iter().copied().cycle().take(16 * bars).collect()
}

/// A one-line melody of `steps` 16th notes climbing C4 D4 E4 ... and back, as a piece.
pub fn scale_piece(title: &str, steps: u64) -> Piece {
    let names = ["C4", "D4", "E4", "F4", "G4", "A4", "B4", "C5"];
    let notes = (0..steps)
        .map(|i| note(names[(i % 8) as usize], i, 1))
        .collect();
    piece(title, vec![notes])
}

/// Writes a piece as a MIDI file, creating folders.
pub fn write_midi(path: &Path, piece: &Piece) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    gan_studio::midi::write_file(path, piece).unwrap();
}
