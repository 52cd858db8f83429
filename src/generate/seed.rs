//! The seed a generation continues: notes from the roll, typed tokens, or a file.

use std::ops::Range;
use std::path::Path;

use crate::music::tokens::{
    self, EncodeOptions, HOLD_ID, Prepare, REST_ID, STEP, Token, decode_notes_lenient,
};
use crate::music::{
    DEFAULT_TICKS_PER_QUARTER, Note, Piece, TempoMap, Tick, TimeSignature, Velocity,
};

use super::GenerateError;

/// A seed melody on a 16th-note grid, with the tempo and metre the output keeps.
#[derive(Clone, Debug, PartialEq)]
pub struct Seed {
    /// Resolution of the notes (ticks per quarter note).
    pub ticks_per_quarter: u16,
    /// Tempo carried to the output.
    pub tempo_map: TempoMap,
    /// Metre carried to the output.
    pub time_signature: TimeSignature,
    /// The seed's notes, from tick 0 (the seed's start), monophonic.
    pub notes: Vec<Note>,
    /// The seed's length in 16th steps; the continuation starts after it.
    pub steps: u64,
}

impl Seed {
    /// No seed: the model starts from nothing (4/4, 120 BPM unless changed).
    pub fn empty() -> Self {
        Seed {
            ticks_per_quarter: DEFAULT_TICKS_PER_QUARTER,
            tempo_map: TempoMap::default(),
            time_signature: TimeSignature::default(),
            notes: Vec::new(),
            steps: 0,
        }
    }

    /// A seed from typed tokens such as `67 _ 67 _ 65 64 _ r` (see
    /// [`crate::music::tokens::parse_tokens`]); its length is the number of steps typed.
    pub fn from_tokens_text(text: &str) -> Result<Self, GenerateError> {
        let parsed = tokens::parse_tokens(text).map_err(|e| GenerateError::Seed(e.to_string()))?;
        let steps: Vec<Token> = parsed.into_iter().filter(|t| !t.is_marker()).collect();
        let notes = decode_notes_lenient(&steps, DEFAULT_TICKS_PER_QUARTER, accent(0, 16))
            .map_err(|e| GenerateError::Seed(e.to_string()))?;
        Ok(Seed {
            notes,
            steps: steps.len() as u64,
            ..Seed::empty()
        })
    }

    /// A seed from notes (e.g. the selection in the piano roll): the notes inside `span`
    /// (ticks; notes are cut at its end), moved so the span starts at 0; polyphony is reduced
    /// to the top line. Without a span, the notes' own extent, rounded out to whole bars.
    pub fn from_notes(
        notes: &[Note],
        ticks_per_quarter: u16,
        tempo_map: TempoMap,
        time_signature: TimeSignature,
        span: Option<Range<Tick>>,
    ) -> Result<Self, GenerateError> {
        let step_ticks = STEP
            .ticks(ticks_per_quarter)
            .map_err(|e| GenerateError::Seed(e.to_string()))?;
        let step = step_ticks.line(1).max(1);
        let bar = time_signature.ticks_per_bar(ticks_per_quarter).max(step);
        let span = match span {
            Some(span) if span.end > span.start => span,
            Some(_) => return Err(GenerateError::Seed("the seed span is empty".into())),
            None => {
                let (Some(first), Some(last)) = (
                    notes.iter().map(|n| n.start).min(),
                    notes.iter().map(Note::end).max(),
                ) else {
                    return Ok(Seed {
                        ticks_per_quarter,
                        tempo_map,
                        time_signature,
                        ..Seed::empty()
                    });
                };
                (first / bar * bar)..last.div_ceil(bar) * bar
            }
        };
        let origin = span.start / step * step;
        let steps = (span.end - origin).div_ceil(step);
        let end_tick = origin + steps * step;
        let inside: Vec<Note> = notes
            .iter()
            .filter(|n| n.start >= origin && n.start < end_tick)
            .filter_map(|n| {
                let end = n.end().min(end_tick);
                Note::new(n.pitch, n.start - origin, end - n.start, n.velocity).ok()
            })
            .collect();
        let options = EncodeOptions {
            markers: false,
            prepare: Prepare::Skyline,
        };
        let encoded = tokens::encode_notes(&inside, ticks_per_quarter, options)
            .map_err(|e| GenerateError::Seed(e.to_string()))?;
        let mut seed_tokens = encoded;
        seed_tokens.truncate(usize::try_from(steps).unwrap_or(usize::MAX));
        let velocity_of = |start: Tick, pitch| {
            inside
                .iter()
                .find(|n| n.pitch == pitch && n.start.abs_diff(start) < step)
                .map(|n| n.velocity)
        };
        let mut kept = decode_notes_lenient(&seed_tokens, ticks_per_quarter, accent(0, 16))
            .map_err(|e| GenerateError::Seed(e.to_string()))?;
        for note in &mut kept {
            if let Some(v) = velocity_of(note.start, note.pitch) {
                note.velocity = v;
            }
        }
        Ok(Seed {
            ticks_per_quarter,
            tempo_map,
            time_signature,
            notes: kept,
            steps,
        })
    }

    /// A seed from a piece: all its pitched notes from its start, rounded up to whole bars,
    /// keeping its tempo and first time signature.
    pub fn from_piece(piece: &Piece) -> Result<Self, GenerateError> {
        let notes: Vec<Note> = piece.pitched_notes().copied().collect();
        let time_signature = piece.initial_time_signature();
        let bar = time_signature.ticks_per_bar(piece.ticks_per_quarter).max(1);
        let end = piece.end_tick().div_ceil(bar) * bar;
        if end == 0 {
            return Err(GenerateError::Seed(format!(
                "\"{}\" has no notes",
                piece.title
            )));
        }
        Seed::from_notes(
            &notes,
            piece.ticks_per_quarter,
            piece.tempo_map.clone(),
            time_signature,
            Some(0..end),
        )
    }

    /// A seed from a MIDI file or an ABC file (its first readable tune).
    pub fn from_file(path: &Path) -> Result<Self, GenerateError> {
        let is_abc = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("abc"));
        let piece = if is_abc {
            let file =
                crate::abc::read_abc_file(path).map_err(|e| GenerateError::Seed(e.to_string()))?;
            file.into_pieces().0.into_iter().next().ok_or_else(|| {
                GenerateError::Seed(format!("{}: no readable tune", path.display()))
            })?
        } else {
            crate::midi::read_file(path)
                .map_err(|e| GenerateError::Seed(e.to_string()))?
                .piece
        };
        Seed::from_piece(&piece)
    }

    /// The seed as token ids (one per 16th step, `steps` long, rests after the last note).
    pub fn token_ids(&self) -> Result<Vec<u32>, GenerateError> {
        let options = EncodeOptions {
            markers: false,
            prepare: Prepare::Skyline,
        };
        let encoded = tokens::encode_notes(&self.notes, self.ticks_per_quarter, options)
            .map_err(|e| GenerateError::Seed(e.to_string()))?;
        let mut ids = tokens::to_ids(&encoded);
        let steps = usize::try_from(self.steps).unwrap_or(usize::MAX);
        ids.truncate(steps);
        ids.resize(steps, REST_ID);
        // A hold right after a rest carries nothing; keep the grammar clean.
        let mut previous = REST_ID;
        for id in &mut ids {
            if *id == HOLD_ID && previous == REST_ID {
                *id = REST_ID;
            }
            previous = *id;
        }
        Ok(ids)
    }
}

/// The velocity of a note starting at 16th step `step` of a bar of `steps_per_bar` steps: a
/// plain accent pattern (bar start, beats, eighths, the rest), so the output does not play
/// every note at one level.
pub fn accent(step: u64, steps_per_bar: u64) -> Velocity {
    let in_bar = step % steps_per_bar.max(1);
    let value = if in_bar == 0 {
        100
    } else if in_bar.is_multiple_of(4) {
        86
    } else if in_bar.is_multiple_of(2) {
        76
    } else {
        68
    };
    Velocity::new(value).unwrap_or_default()
}
