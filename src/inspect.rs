//! What is in a music file: the summary behind `gan-studio info` and the studio's file list.

use std::fmt;
use std::path::Path;

use serde::Serialize;
use thiserror::Error;

use crate::midi::{self, MidiError, Timing};
use crate::music::{Piece, estimate_piece_key};

/// Why a file could not be inspected.
#[derive(Debug, Error)]
pub enum InspectError {
    /// The file type is not one we read.
    #[error("{path}: unsupported file type (expected .mid, .midi or .kar)")]
    Unsupported {
        /// The file.
        path: String,
    },
    /// The MIDI file could not be read.
    #[error(transparent)]
    Midi(#[from] MidiError),
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
    /// Parts read (one per track and channel with notes).
    pub parts: usize,
    /// Notes in all parts.
    pub notes: usize,
    /// Length in bars, walking the time signatures.
    pub bars: f64,
    /// Length in seconds, honouring the tempo map.
    pub seconds: f64,
    /// Tempo at the start in quarter notes per minute.
    pub bpm: f64,
    /// Tempo changes after the first.
    pub tempo_changes: usize,
    /// Time resolution, e.g. `480 ticks per quarter` or `SMPTE 25 fps x 40`.
    pub timing: String,
    /// Time signature at the start, e.g. `3/4`.
    pub time_signature: String,
    /// Time signature changes after the first.
    pub time_signature_changes: usize,
    /// The key signature written in the file, if any.
    pub declared_key: Option<String>,
    /// The key estimated from the notes (Krumhansl-Schmuckler), if there are pitched notes.
    pub estimated_key: Option<String>,
    /// The correlation of the estimated key's profile with the notes (-1..=1).
    pub key_correlation: Option<f64>,
}

impl Inspection {
    fn from_piece(
        path: &Path,
        format: String,
        tracks: usize,
        timing: String,
        piece: &Piece,
    ) -> Self {
        let estimate = estimate_piece_key(piece);
        let initial_signatures = piece.time_signatures.iter().filter(|c| c.tick == 0).count();
        Inspection {
            path: path.display().to_string(),
            format,
            tracks,
            parts: piece.parts.len(),
            notes: piece.note_count(),
            bars: piece.length_in_bars(),
            seconds: piece.duration_seconds(),
            bpm: piece.tempo_map.initial_bpm(),
            tempo_changes: piece.tempo_map.changes().len().saturating_sub(1),
            timing,
            time_signature: piece.initial_time_signature().to_string(),
            time_signature_changes: piece.time_signatures.len() - initial_signatures,
            declared_key: piece.declared_key().map(|k| k.to_string()),
            estimated_key: estimate.as_ref().map(|e| e.key.to_string()),
            key_correlation: estimate.map(|e| e.correlation),
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
        writeln!(
            f,
            "  tempo:          {:.1} BPM{}",
            self.bpm,
            changes(self.tempo_changes, "tempo")
        )?;
        writeln!(
            f,
            "  time signature: {}{}",
            self.time_signature,
            changes(self.time_signature_changes, "time signature")
        )?;
        let declared = self.declared_key.as_deref().unwrap_or("none written");
        match (&self.estimated_key, self.key_correlation) {
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

/// Reads a MIDI file and summarizes it.
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
            Ok(Inspection::from_piece(
                path,
                format!("SMF format {}", file.format.number()),
                usize::from(file.tracks),
                timing,
                &file.piece,
            ))
        }
        _ => Err(InspectError::Unsupported {
            path: path.display().to_string(),
        }),
    }
}
