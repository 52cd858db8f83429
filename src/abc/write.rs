//! Writing a piece as one ABC tune (ABC 2.1), laid out by [`crate::music::score`].
//!
//! # What is written
//! - Header: `X:1`, `T:` (the title, `Untitled` when empty), `M:` (the first time signature),
//!   `L:1/8`, `Q:1/4=` (the first tempo, rounded to a whole number of beats per minute, as
//!   abc2midi reads only whole numbers) and `K:` (the key written in the piece, or the key
//!   estimated from its notes, with a comment saying so).
//! - Body: bars of the metre's length ending in `|`, the last in `|]`, four bars to a line; a
//!   pickup makes a short first bar; a time signature change is written inline (`[M:3/4]`).
//!   Notes and rests within a beat are beamed (no space between them).
//! - Notes are spelled for the key ([`crate::music::spelling`]) and carry an accidental
//!   wherever a reader would otherwise assume another one, under both ways of carrying
//!   accidentals through a bar (same letter in any octave, as ABC 2.1 and abc2midi do, or same
//!   letter and octave).
//! - A note crossing a bar line is written in both bars, tied with `-`; the note after the bar
//!   line repeats the accidental it needs there, so every reader joins the same pitch.
//! - Chords as `[CEG]` with each note's length and tie written inside.
//! - Several parts become voices `V:1`, `V:2`, ... (the reader of this crate reads the first).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::fsutil::write_atomic;
use crate::music::score::{Bar, Score, ScoreEvent, ScoreOptions, bar_units, gcd, lay_out};
use crate::music::spelling::{BarAccidentals, KeySignature, SpelledPitch, spell};
use crate::music::{Key, Mode, Piece};

/// Units (64th notes) in the unit length `L:1/8`.
const UNIT: u64 = 8;

/// Bars per line of music.
const BARS_PER_LINE: usize = 4;

/// The piece as the text of an ABC file holding one tune.
pub fn write_abc(piece: &Piece, options: &ScoreOptions) -> String {
    let score = lay_out(piece, options);
    let mut out = String::new();
    header(&mut out, &score);
    let signature = KeySignature::of(score.key);
    let several = score.parts.len() > 1;
    for (i, part) in score.parts.iter().enumerate() {
        if several {
            let _ = writeln!(out, "V:{} name=\"{}\"", i + 1, field_text(&part.name));
        }
        body(&mut out, &score, &part.bars, signature);
    }
    out
}

/// An ABC file could not be saved.
#[derive(Debug, Error)]
#[error("cannot write ABC file: {source} ({})", path.display())]
pub struct AbcWriteError {
    /// The file.
    pub path: PathBuf,
    /// Why.
    #[source]
    pub source: std::io::Error,
}

/// Saves the piece as an ABC file, atomically.
pub fn write_abc_file(
    path: &Path,
    piece: &Piece,
    options: &ScoreOptions,
) -> Result<(), AbcWriteError> {
    write_atomic(path, write_abc(piece, options).as_bytes()).map_err(|source| AbcWriteError {
        path: path.to_path_buf(),
        source,
    })
}

/// `X:` to `K:`.
fn header(out: &mut String, score: &Score) {
    let title = if score.title.trim().is_empty() {
        "Untitled".to_string()
    } else {
        field_text(&score.title)
    };
    let metre = score.bars.first().map(|b| b.signature).unwrap_or_default();
    let _ = writeln!(out, "X:1\nT:{title}\nM:{metre}\nL:1/8");
    let _ = writeln!(out, "Q:1/4={}", score.bpm.round().clamp(1.0, 1000.0) as u32);
    if !score.key_declared {
        let _ = writeln!(out, "% key estimated from the notes");
    }
    let _ = writeln!(out, "K:{}", key_name(score.key));
}

/// Text for a header field: one line, `%` escaped (it would start a comment).
fn field_text(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('%', "\\%")
        .replace('"', "'")
}

/// The `K:` name of a key, spelled by its signature (`Bb`, `F#m`, `Eb`).
pub fn key_name(key: Key) -> &'static str {
    const MAJOR: [&str; 12] = [
        "Gb", "Db", "Ab", "Eb", "Bb", "F", "C", "G", "D", "A", "E", "B",
    ];
    const MINOR: [&str; 12] = [
        "Ebm", "Bbm", "Fm", "Cm", "Gm", "Dm", "Am", "Em", "Bm", "F#m", "C#m", "G#m",
    ];
    let (fifths, _) = key.to_key_signature();
    let index = usize::try_from(i32::from(fifths) + 6).unwrap_or(6).min(11);
    match key.mode {
        Mode::Major => MAJOR[index],
        Mode::Minor => MINOR[index],
    }
}

/// The bars of one voice.
fn body(out: &mut String, score: &Score, bars: &[Vec<ScoreEvent>], signature: KeySignature) {
    let mut accidentals = BarAccidentals::new(signature);
    let mut line = String::new();
    let mut on_line = 0;
    for (i, (bar, events)) in score.bars.iter().zip(bars).enumerate() {
        if i > 0 && score.bars[i - 1].signature != bar.signature {
            let _ = write!(line, "[M:{}] ", bar.signature);
        }
        accidentals.new_bar();
        // Beat positions count from the metre's bar start: a pickup ends on the bar line.
        let shift = if i == 0 {
            bar_units(bar.signature).saturating_sub(bar.length)
        } else {
            0
        };
        let beat = beat_units(bar);
        for (j, event) in events.iter().enumerate() {
            if j > 0 && (event.offset + shift) % beat == 0 {
                line.push(' ');
            }
            event_text(&mut line, event, score.key, &mut accidentals);
        }
        let last = i + 1 == score.bars.len();
        line.push_str(if last { "|]" } else { "|" });
        if i > 0 || !score.has_pickup() {
            on_line += 1;
        }
        if last || on_line == BARS_PER_LINE {
            out.push_str(&line);
            out.push('\n');
            line.clear();
            on_line = 0;
        }
    }
}

/// The beat that notes are beamed within: a dotted quarter in compound metres (6/8, 9/8,
/// 12/8), otherwise one beat of the metre.
fn beat_units(bar: &Bar) -> u64 {
    let (n, d) = (
        bar.signature.numerator(),
        u64::from(bar.signature.denominator()),
    );
    if d == 8 && n % 3 == 0 {
        24
    } else {
        (64 / d).max(1)
    }
}

/// One note, chord or rest.
fn event_text(out: &mut String, event: &ScoreEvent, key: Key, accidentals: &mut BarAccidentals) {
    let length = length_text(event.length);
    if event.is_rest() {
        let _ = write!(out, "z{length}");
        return;
    }
    let chord = event.pitches.len() > 1;
    if chord {
        out.push('[');
    }
    for &pitch in &event.pitches {
        let spelled = spell(pitch, key);
        note_text(out, spelled, accidentals.needs_sign(spelled));
        out.push_str(&length);
        if event.tied_to_next {
            out.push('-');
        }
    }
    if chord {
        out.push(']');
    }
}

/// A written note without its length: accidental, letter, octave marks.
fn note_text(out: &mut String, note: SpelledPitch, sign: bool) {
    if sign {
        out.push_str(match note.alter {
            -2 => "__",
            -1 => "_",
            1 => "^",
            2 => "^^",
            _ => "=",
        });
    }
    let letter = note.letter_char();
    if note.octave >= 5 {
        out.push(letter.to_ascii_lowercase());
        for _ in 5..note.octave {
            out.push('\'');
        }
    } else {
        out.push(letter);
        for _ in note.octave..4 {
            out.push(',');
        }
    }
}

/// A length in 64th notes as a multiple of `L:1/8`: `""`, `2`, `3/2`, `/`, `/4`.
fn length_text(units: u64) -> String {
    let g = gcd(units, UNIT).max(1);
    let (num, den) = (units / g, UNIT / g);
    match (num, den) {
        (1, 1) => String::new(),
        (n, 1) => n.to_string(),
        (1, 2) => "/".to_string(),
        (1, d) => format!("/{d}"),
        (n, d) => format!("{n}/{d}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::{Note, Pitch, TimeSignatureChange, Velocity};

    #[test]
    fn lengths_and_keys_are_written_as_abc() {
        assert_eq!(length_text(8), "");
        assert_eq!(length_text(16), "2");
        assert_eq!(length_text(12), "3/2");
        assert_eq!(length_text(4), "/");
        assert_eq!(length_text(2), "/4");
        assert_eq!(length_text(48), "6");
        assert_eq!(key_name("Bb major".parse().unwrap()), "Bb");
        assert_eq!(key_name("F# minor".parse().unwrap()), "F#m");
        assert_eq!(key_name(Key::A_MINOR), "Am");
    }

    #[test]
    fn a_small_tune_is_written_with_ties_and_accidentals() {
        // G major, 3/4: G4 quarter, F natural quarter, F# half over the bar line, rest.
        let notes = [(67, 0, 480), (65, 480, 480), (66, 960, 960)]
            .iter()
            .map(|&(p, s, d)| Note::new(Pitch::new(p).unwrap(), s, d, Velocity::DEFAULT).unwrap())
            .collect();
        let mut piece = Piece::from_notes(480, "Melody", notes).unwrap();
        piece.title = "Test".into();
        piece.time_signatures.push(TimeSignatureChange {
            tick: 0,
            signature: "3/4".parse().unwrap(),
        });
        piece.key_signatures.push(crate::music::KeySignatureChange {
            tick: 0,
            key: "G major".parse().unwrap(),
        });
        let text = write_abc(&piece, &ScoreOptions::default());
        assert_eq!(
            text,
            "X:1\nT:Test\nM:3/4\nL:1/8\nQ:1/4=120\nK:G\nG2 =F2 ^F2-|F2 z4|]\n"
        );
    }
}
