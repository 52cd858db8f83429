//! Errors of the ABC reader: a file that cannot be read, or one tune that cannot be understood
//! (which is reported and skipped; the other tunes of the file still load).

use std::path::PathBuf;

use thiserror::Error;

/// What is wrong inside one tune.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AbcProblem {
    /// A character that has no meaning in ABC music.
    #[error("unexpected character {0:?}")]
    UnexpectedChar(char),
    /// `^`, `_` or `=` not followed by a note letter.
    #[error("accidental without a note after it")]
    AccidentalWithoutNote,
    /// A length (digits or `/`) that follows no note or rest.
    #[error("note length without a note before it")]
    LengthWithoutNote,
    /// A zero length such as `A0` or `A/0`.
    #[error("note length {0:?} is zero")]
    ZeroLength(String),
    /// A number too large to be a length, count or tuplet.
    #[error("number {0:?} is too large")]
    NumberTooLarge(String),
    /// An opening delimiter whose closing partner is missing on the same line.
    #[error("{what} opened here is not closed on the same line")]
    Unclosed {
        /// What was opened, e.g. "chord [", "chord symbol \"".
        what: &'static str,
    },
    /// A chord `[]` with no notes.
    #[error("chord has no notes")]
    EmptyChord,
    /// `>` or `<` with no note or rest before it.
    #[error("broken rhythm {0:?} has no note before it")]
    BrokenRhythmWithoutNote(String),
    /// A note outside MIDI's 0..=127.
    #[error("note is outside MIDI's range (pitch {0})")]
    PitchOutOfRange(i32),
    /// A header or inline field whose value cannot be read.
    #[error("field {field}:{value:?} cannot be read: {reason}")]
    BadField {
        /// The field letter, e.g. `K`.
        field: char,
        /// The value as written.
        value: String,
        /// Why it cannot be read.
        reason: String,
    },
    /// ABC that is valid but not supported by this reader.
    #[error("{0} is not supported")]
    Unsupported(&'static str),
    /// The tune has no notes (only headers, rests or nothing).
    #[error("tune has no notes")]
    NoNotes,
}

/// An error of the ABC reader. Messages name the problem first and the file last.
#[derive(Debug, Error)]
pub enum AbcError {
    /// The file could not be read.
    #[error("cannot read ABC file: {source} ({path})")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// One tune could not be understood; it is skipped.
    #[error("{problem} at line {line}, column {column} of tune X:{number} {title:?} in {file}")]
    Tune {
        /// The file (or source name) the tune came from.
        file: String,
        /// The tune's reference number (`X:`).
        number: u32,
        /// The tune's title (`T:`), empty if none came before the problem.
        title: String,
        /// 1-based line number in the file.
        line: usize,
        /// 1-based column (in characters) on that line.
        column: usize,
        /// What is wrong.
        problem: AbcProblem,
    },
}

impl AbcError {
    /// The problem inside a tune, if this is a tune error.
    pub fn problem(&self) -> Option<&AbcProblem> {
        match self {
            AbcError::Tune { problem, .. } => Some(problem),
            AbcError::Io { .. } => None,
        }
    }

    /// The 1-based line of a tune error.
    pub fn line(&self) -> Option<usize> {
        match self {
            AbcError::Tune { line, .. } => Some(*line),
            AbcError::Io { .. } => None,
        }
    }
}

/// A problem with its position on a line, before the tune's identity is attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Located {
    /// 1-based line.
    pub(crate) line: usize,
    /// 1-based column.
    pub(crate) column: usize,
    /// What is wrong.
    pub(crate) problem: AbcProblem,
}

impl Located {
    /// A problem at a line and column.
    pub(crate) fn new(line: usize, column: usize, problem: AbcProblem) -> Self {
        Located {
            line,
            column,
            problem,
        }
    }
}
