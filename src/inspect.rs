//! What is in a music file: the summary behind `gan-studio info` and the studio's file list.

use std::fmt;
use std::path::Path;

use serde::Serialize;
use thiserror::Error;

/// Why a file could not be inspected.
#[derive(Debug, Error)]
pub enum InspectError {
    /// The file type is not one we read.
    #[error("{path}: unsupported file type (expected .mid, .midi, .kar or .abc)")]
    Unsupported {
        /// The file.
        path: String,
    },
}

/// A summary of one music file.
#[derive(Clone, Debug, Serialize)]
pub struct Inspection {
    /// The file's path as given.
    pub path: String,
}

impl fmt::Display for Inspection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "  {}", self.path)
    }
}

/// Reads a MIDI or ABC file and summarizes it.
pub fn inspect_file(path: &Path) -> Result<Inspection, InspectError> {
    Err(InspectError::Unsupported {
        path: path.display().to_string(),
    })
}
