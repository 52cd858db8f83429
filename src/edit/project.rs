//! Project files (`.gsproj`): the document (parts, notes, tempo, metre, key) as JSON, saved
//! atomically; plus the autosave the studio writes while you work and offers to recover
//! after a crash.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::Document;
use crate::fsutil::write_atomic;

/// The file extension of projects.
pub const EXTENSION: &str = "gsproj";
/// The version written; files of a newer version are refused with a clear message.
pub const FORMAT_VERSION: u32 = 1;

/// A project that cannot be saved or opened.
#[derive(Debug, Error)]
pub enum ProjectError {
    /// The file cannot be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a project, is damaged, or is from a newer version.
    #[error("{}: {problem}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
}

#[derive(Serialize)]
struct ProjectOut<'a> {
    format: &'static str,
    version: u32,
    document: &'a Document,
}

#[derive(Deserialize)]
struct ProjectIn {
    format: String,
    version: u32,
    document: Document,
}

const FORMAT_NAME: &str = "gan-studio-project";

/// The bytes of a project file.
pub fn project_bytes(document: &Document) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec_pretty(&ProjectOut {
        format: FORMAT_NAME,
        version: FORMAT_VERSION,
        document,
    })
}

/// Saves a project atomically (a temporary file beside it, then a rename), so a crash or a
/// full disk never leaves half a file behind.
pub fn save_project(path: &Path, document: &Document) -> Result<(), ProjectError> {
    let bytes = project_bytes(document).map_err(|e| ProjectError::Format {
        path: path.to_path_buf(),
        problem: e.to_string(),
    })?;
    write_atomic(path, &bytes).map_err(|source| ProjectError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Opens a project.
pub fn load_project(path: &Path) -> Result<Document, ProjectError> {
    let bytes = std::fs::read(path).map_err(|source| ProjectError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let format = |problem: String| ProjectError::Format {
        path: path.to_path_buf(),
        problem,
    };
    let project: ProjectIn = serde_json::from_slice(&bytes)
        .map_err(|e| format(format!("not a GAN Studio project or damaged: {e}")))?;
    if project.format != FORMAT_NAME {
        return Err(format(format!("unknown format {:?}", project.format)));
    }
    if project.version > FORMAT_VERSION {
        return Err(format(format!(
            "saved by a newer GAN Studio (format {}, this one reads up to {FORMAT_VERSION})",
            project.version
        )));
    }
    Ok(project.document)
}

/// Where the studio autosaves: `autosave.gsproj` in the per-user data folder.
pub fn autosave_path() -> Option<PathBuf> {
    crate::data::fetch::data_dir()
        .ok()
        .map(|d| d.join(format!("autosave.{EXTENSION}")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::edit::PartRole;
    use crate::music::{Note, Pitch, Velocity};

    #[test]
    fn round_trip_and_bad_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("song.gsproj");
        let mut doc = Document::new();
        doc.set_tempo_bpm(96.0);
        doc.add_note(
            Note::new(
                Pitch::new(64).unwrap(),
                240,
                120,
                Velocity::new(77).unwrap(),
            )
            .unwrap(),
        );
        doc.add_part_with_notes(
            "Variation 1",
            PartRole::Variation,
            [Note::new(Pitch::new(67).unwrap(), 0, 480, Velocity::new(90).unwrap()).unwrap()],
        );
        save_project(&path, &doc).unwrap();
        let back = load_project(&path).unwrap();
        assert_eq!(back.tempo_bpm(), 96.0);
        assert_eq!(back.parts().len(), 2);
        assert_eq!(
            back.parts()[0].notes()[0].note,
            doc.parts()[0].notes()[0].note
        );
        assert_eq!(back.parts()[1].name, "Variation 1");

        std::fs::write(&path, b"{not json").unwrap();
        let e = load_project(&path).unwrap_err().to_string();
        assert!(e.contains("song.gsproj") && e.contains("damaged"), "{e}");
        let newer = String::from_utf8(project_bytes(&doc).unwrap())
            .unwrap()
            .replace("\"version\": 1", "\"version\": 99");
        std::fs::write(&path, newer).unwrap();
        assert!(
            load_project(&path)
                .unwrap_err()
                .to_string()
                .contains("newer")
        );
        assert!(load_project(&dir.path().join("missing.gsproj")).is_err());
    }
}
