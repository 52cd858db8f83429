//! Errors of the evaluation suite. Files that cannot be read as music are not errors: they
//! are listed in the report as skipped, with the reason.

use std::path::PathBuf;

use thiserror::Error;

/// What can stop an evaluation.
#[derive(Debug, Error)]
pub enum EvalError {
    /// A folder of pieces could not be listed.
    #[error("cannot list the folder {path}: {source}")]
    ReadDir {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A folder held no readable piece with notes.
    #[error("no readable MIDI or ABC piece with notes in {path}")]
    NoPieces {
        /// The folder.
        path: PathBuf,
    },
    /// A report or plot could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A two-sample test got too few melodies or folds.
    #[error(
        "the judge needs at least 2 melodies in each set and at least 2 folds \
         ({generated} generated, {real} real, {folds} folds)"
    )]
    TooFewMelodies {
        /// Generated melodies given.
        generated: usize,
        /// Real melodies given.
        real: usize,
        /// Folds asked for.
        folds: usize,
    },
    /// A plot could not be drawn.
    #[error("cannot draw the plot {path}: {message}")]
    Plot {
        /// The file.
        path: PathBuf,
        /// What the plotting library said.
        message: String,
    },
}
