//! Errors of the data pipeline: why a whole data set could not be loaded. Problems with single
//! files are not errors: they are listed as [`super::Skipped`] and the import goes on.

use std::io;
use std::path::PathBuf;

use thiserror::Error;

/// Why a data set could not be loaded. Messages say what is wrong first and the path last.
#[derive(Debug, Error)]
pub enum DataError {
    /// No source was given.
    #[error("no data source was given")]
    NoSources,
    /// A path given as a source does not exist.
    #[error("the data source does not exist ({0})")]
    NotFound(PathBuf),
    /// A path that is not a folder, a zip archive, an ABC file or a MIDI file.
    #[error(
        "cannot tell what kind of data this is: expected a folder, a .zip archive, an .abc file \
         or a MIDI file (.mid, .midi, .kar) ({0})"
    )]
    UnknownSource(PathBuf),
    /// The folk set has not been fetched.
    #[error(
        "the folk song set (Essen, Erk subset) is not in {dir}; run `gan-studio dataset fetch`, \
         or fetch it by hand:\n{manual}"
    )]
    FolkMissing {
        /// The folder where it was looked for.
        dir: PathBuf,
        /// Shell commands that fetch it by hand.
        manual: String,
    },
    /// A MAESTRO folder without its metadata file.
    #[error("no MAESTRO metadata (maestro-v3.0.0.csv or maestro-v3.0.0.json) in the folder ({0})")]
    MaestroMetadataMissing(PathBuf),
    /// MAESTRO metadata that cannot be used at all.
    #[error("the MAESTRO metadata cannot be read: {reason} ({path})")]
    MaestroMetadata {
        /// The metadata file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A zip archive that cannot be opened.
    #[error("cannot read the zip archive: {source} ({path})")]
    Zip {
        /// The archive.
        path: PathBuf,
        /// What the zip reader said.
        #[source]
        source: zip::result::ZipError,
    },
    /// A zip archive refused for safety (too large, or a suspicious compression ratio).
    #[error("the zip archive was refused: {reason} ({path})")]
    ZipRefused {
        /// The archive.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A file-system operation on a source failed.
    #[error("cannot {action}: {source} ({path})")]
    Io {
        /// What was being done, e.g. "list the folder".
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The system's error.
        #[source]
        source: io::Error,
    },
    /// A preprocessing setting out of range.
    #[error("invalid preprocessing setting: {0}")]
    BadConfig(String),
    /// Nothing usable came out of the sources.
    #[error(
        "no usable melody in {sources}: {files} file(s) read, {skipped} item(s) skipped{first}"
    )]
    NoUsableMelody {
        /// The sources, described.
        sources: String,
        /// How many files were read.
        files: usize,
        /// How many files or pieces were skipped.
        skipped: usize,
        /// The first skip reason, if any, as "; first: ...".
        first: String,
    },
    /// The user cancelled the import.
    #[error("the import was cancelled")]
    Cancelled,
}

impl DataError {
    /// An I/O error about `path`.
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        DataError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
