//! What is in a music file: the summary behind `gan-studio info` and the studio's file list.

use std::fmt;
use std::path::Path;

use serde::Serialize;
use thiserror::Error;

use crate::abc::{self, AbcError};
use crate::midi::{self, MidiError, Timing};
use crate::music::{Piece, estimate_piece_key};

/// Why a file could not be inspected.
#[derive(Debug, Error)]
pub enum InspectError {
    /// The file type is not one we read.
    #[error("{path}: unsupported file type (expected .mid, .midi, .kar or .abc)")]
    Unsupported {
        /// The file.
        path: String,
    },
    /// The MIDI file could not be read.
    #[error(transparent)]
    Midi(Box<MidiError>),
    /// The ABC file could not be read.
    #[error(transparent)]
    Abc(Box<AbcError>),
    /// The ABC file holds no tune that could be read.
    #[error(
        "{path}: no readable tune ({errors} tune(s) could not be read; first problem: {first})"
    )]
    NoTunes {
        /// The file.
        path: String,
        /// Tunes that failed.
        errors: usize,
        /// The first failure.
        first: String,
    },
}

impl From<MidiError> for InspectError {
    fn from(error: MidiError) -> Self {
        InspectError::Midi(Box::new(error))
    }
}

impl From<AbcError> for InspectError {
    fn from(error: AbcError) -> Self {
        InspectError::Abc(Box::new(error))
    }
}

/// A summary of one music file.
#[derive(Clone, Debug, Serialize)]
pub struct Inspection {
    /// The file's path as given.
    pub path: String,
    /// `SMF format 0`, `SMF format 1`.
    pub format: String,
    /// Tracks in the file.
    pub tracks: usize,
    /// Pieces in the file (ABC files may hold many tunes; MIDI files hold one piece).
    pub pieces: usize,
    /// Tunes of an ABC file that could not be read (each is skipped).
    pub unreadable_pieces: usize,
    /// Parts read (one per track and channel with notes), over all pieces.
    pub parts: usize,
    /// Notes in all parts of all pieces.
    pub notes: usize,
    /// Length in bars, walking the time signatures (summed over the pieces).
    pub bars: f64,
    /// Length in seconds, honouring the tempo map (summed over the pieces).
    pub seconds: f64,
    /// Tempo at the start of the first piece, in quarter notes per minute.
    pub bpm: f64,
    /// Tempo changes after the first.
    pub tempo_changes: usize,
    /// Time resolution, e.g. `480 ticks per quarter` or `SMPTE 25 fps x 40`.
    pub timing: String,
    /// Time signature at the start, e.g. `3/4`.
    pub time_signature: String,
    /// Time signature changes after the first.
    pub time_signature_changes: usize,
    /// The key signature written in the (first) piece, if any.
    pub declared_key: Option<String>,
    /// The key estimated from the notes (Krumhansl-Schmuckler), if there are pitched notes.
    /// For a file of several tunes: the key estimated most often, tune by tune.
    pub estimated_key: Option<String>,
    /// The correlation of the estimated key's profile with the notes (-1..=1).
    pub key_correlation: Option<f64>,
}

impl Inspection {
    fn from_pieces(
        path: &Path,
        format: String,
        tracks: usize,
        timing: String,
        pieces: &[Piece],
        unreadable_pieces: usize,
    ) -> Self {
        let first = pieces.first();
        let estimates: Vec<_> = pieces.iter().filter_map(estimate_piece_key).collect();
        // The key estimated most often (for one piece: its key), with its mean correlation.
        let mut counts: Vec<(crate::music::Key, usize, f64)> = Vec::new();
        for e in &estimates {
            match counts.iter_mut().find(|(k, _, _)| *k == e.key) {
                Some(entry) => {
                    entry.1 += 1;
                    entry.2 += e.correlation;
                }
                None => counts.push((e.key, 1, e.correlation)),
            }
        }
        let best = counts.iter().max_by_key(|(_, n, _)| *n);
        let time_signature_changes = first.map_or(0, |p| {
            p.time_signatures.iter().filter(|c| c.tick > 0).count()
        });
        Inspection {
            path: path.display().to_string(),
            format,
            tracks,
            pieces: pieces.len(),
            unreadable_pieces,
            parts: pieces.iter().map(|p| p.parts.len()).sum(),
            notes: pieces.iter().map(Piece::note_count).sum(),
            bars: pieces.iter().map(Piece::length_in_bars).sum(),
            seconds: pieces.iter().map(Piece::duration_seconds).sum(),
            bpm: first.map_or(120.0, |p| p.tempo_map.initial_bpm()),
            tempo_changes: first.map_or(0, |p| p.tempo_map.changes().len().saturating_sub(1)),
            timing,
            time_signature: first
                .map(|p| p.initial_time_signature().to_string())
                .unwrap_or_else(|| "4/4".into()),
            time_signature_changes,
            declared_key: first.and_then(Piece::declared_key).map(|k| k.to_string()),
            estimated_key: best.map(|(k, _, _)| k.to_string()),
            key_correlation: best.map(|(_, n, sum)| sum / *n as f64),
        }
    }
}

impl fmt::Display for Inspection {
    /// Several indented lines, one fact each.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let changes = |n: usize, what: &str| match n {
            0 => String::new(),
            1 => format!(" (1 {what} change)"),
            n => format!(" ({n} {what} changes)"),
        };
        writeln!(
            f,
            "  format:         {}, {} track(s), {}",
            self.format, self.tracks, self.timing
        )?;
        if self.pieces != 1 || self.unreadable_pieces > 0 {
            write!(f, "  tunes:          {}", self.pieces)?;
            if self.unreadable_pieces > 0 {
                write!(f, " ({} more could not be read)", self.unreadable_pieces)?;
            }
            writeln!(f)?;
        }
        writeln!(
            f,
            "  notes:          {} in {} part(s)",
            self.notes, self.parts
        )?;
        writeln!(
            f,
            "  length:         {:.1} bars, {:.2} s",
            self.bars, self.seconds
        )?;
        let first = if self.pieces > 1 { " (first tune)" } else { "" };
        writeln!(
            f,
            "  tempo:          {:.1} BPM{}{first}",
            self.bpm,
            changes(self.tempo_changes, "tempo")
        )?;
        writeln!(
            f,
            "  time signature: {}{}{first}",
            self.time_signature,
            changes(self.time_signature_changes, "time signature")
        )?;
        let declared = self.declared_key.as_deref().unwrap_or("none written");
        match (&self.estimated_key, self.key_correlation) {
            (Some(key), Some(r)) if self.pieces > 1 => write!(
                f,
                "  key:            {key} most often (estimated tune by tune, mean r = {r:.2}); \
                 the first tune declares {declared}"
            ),
            (Some(key), Some(r)) => write!(
                f,
                "  key:            {key} (estimated, r = {r:.2}); declared: {declared}"
            ),
            _ => write!(
                f,
                "  key:            no pitched notes to estimate from; declared: {declared}"
            ),
        }
    }
}

/// Reads a MIDI or ABC file and summarizes it.
pub fn inspect_file(path: &Path) -> Result<Inspection, InspectError> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match extension.as_str() {
        "mid" | "midi" | "kar" | "smf" => {
            let file = midi::read_file(path)?;
            let timing = match file.timing {
                Timing::TicksPerQuarter(tpq) => format!("{tpq} ticks per quarter"),
                Timing::Smpte {
                    rate,
                    ticks_per_frame,
                } => format!(
                    "SMPTE {:.2} fps x {ticks_per_frame} ticks",
                    rate.frames_per_second()
                ),
            };
            Ok(Inspection::from_pieces(
                path,
                format!("SMF format {}", file.format.number()),
                usize::from(file.tracks),
                timing,
                std::slice::from_ref(&file.piece),
                0,
            ))
        }
        "abc" => {
            let (pieces, errors) = abc::read_abc_file(path)?.into_pieces();
            if pieces.is_empty() {
                return Err(InspectError::NoTunes {
                    path: path.display().to_string(),
                    errors: errors.len(),
                    first: errors
                        .first()
                        .map_or_else(|| "the file holds no tune".into(), |e| e.to_string()),
                });
            }
            Ok(Inspection::from_pieces(
                path,
                "ABC".into(),
                1,
                format!("{} ticks per quarter", abc::ABC_TICKS_PER_QUARTER),
                &pieces,
                errors.len(),
            ))
        }
        _ => Err(InspectError::Unsupported {
            path: path.display().to_string(),
        }),
    }
}
