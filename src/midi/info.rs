//! A summary of a MIDI file for `gan-studio info`: format, tracks, notes, length, tempo, time
//! signature and declared key.

use std::fmt;

use super::read::{MidiFile, SmfFormat, Timing};
use crate::music::{Key, TimeSignature};

/// The facts `gan-studio info` prints about one file.
#[derive(Clone, Debug, PartialEq)]
pub struct FileInfo {
    /// Format 0 or 1.
    pub format: SmfFormat,
    /// Tracks in the file.
    pub tracks: u16,
    /// The header's time division.
    pub timing: Timing,
    /// Parts read (one per track and channel with notes).
    pub parts: usize,
    /// Notes in all parts.
    pub notes: usize,
    /// Length in bars up to the end of the last note, walking the time signatures.
    pub bars: f64,
    /// Length in seconds up to the end of the last note, honouring every tempo change.
    pub seconds: f64,
    /// The tempo at the start, in quarter notes per minute.
    pub initial_bpm: f64,
    /// Tempo changes after the initial tempo (0 for a constant tempo).
    pub tempo_changes: usize,
    /// The time signature at the start (4/4 when the file gives none).
    pub time_signature: TimeSignature,
    /// Time signature changes after the first one at the start.
    pub time_signature_changes: usize,
    /// The key signature written at the start of the file, if any.
    pub declared_key: Option<Key>,
}

impl MidiFile {
    /// The summary of this file.
    pub fn info(&self) -> FileInfo {
        let piece = &self.piece;
        let initial_signatures = piece.time_signatures.iter().filter(|c| c.tick == 0).count();
        FileInfo {
            format: self.format,
            tracks: self.tracks,
            timing: self.timing,
            parts: piece.parts.len(),
            notes: piece.note_count(),
            bars: piece.length_in_bars(),
            seconds: piece.duration_seconds(),
            initial_bpm: piece.tempo_map.initial_bpm(),
            tempo_changes: piece.tempo_map.changes().len().saturating_sub(1),
            time_signature: piece.initial_time_signature(),
            time_signature_changes: piece.time_signatures.len() - initial_signatures,
            declared_key: piece.declared_key(),
        }
    }
}

impl fmt::Display for FileInfo {
    /// One line: `format 1, 3 tracks, 2 parts, 96 notes, 8.0 bars, 16.0 s, 120 BPM, 4/4,
    /// key G major`, with tempo and time-signature changes and SMPTE timing mentioned when
    /// present.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        write!(
            f,
            "format {}, {} track{}, {} part{}, {} note{}, {:.1} bars, {:.1} s, {} BPM",
            self.format.number(),
            self.tracks,
            plural(usize::from(self.tracks)),
            self.parts,
            plural(self.parts),
            self.notes,
            plural(self.notes),
            self.bars,
            self.seconds,
            bpm_text(self.initial_bpm),
        )?;
        if self.tempo_changes > 0 {
            let n = self.tempo_changes;
            write!(f, " ({n} tempo change{})", plural(n))?;
        }
        write!(f, ", {}", self.time_signature)?;
        if self.time_signature_changes > 0 {
            let n = self.time_signature_changes;
            write!(f, " ({n} change{})", plural(n))?;
        }
        if let Some(key) = self.declared_key {
            write!(f, ", key {key}")?;
        }
        if let Timing::Smpte {
            rate,
            ticks_per_frame,
        } = self.timing
        {
            let fps = rate.frames_per_second();
            write!(f, ", SMPTE timing ({fps:.2} fps × {ticks_per_frame} ticks)")?;
        }
        Ok(())
    }
}

/// A tempo as `120`, or `93.75` when it is not a whole number.
fn bpm_text(bpm: f64) -> String {
    if (bpm - bpm.round()).abs() < 0.005 {
        format!("{bpm:.0}")
    } else {
        format!("{bpm:.2}")
    }
}
