//! The document's file dialog (open, save, export; the system's or the in-window one, see
//! [`super::picker`]), reading music files for import, and the words for a failed save.

use std::error::Error;
use std::io;
use std::path::{Path, PathBuf};

use super::notify::Notifications;
use super::picker::{Ask, AskKind, FilePicker};
use crate::export::ExportFormat;
use crate::music::Piece;

/// What a file dialog was opened for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileRequest {
    /// Open projects or import MIDI/ABC files.
    Open,
    /// Save the project under a new name.
    SaveProject,
    /// Export the document as a MIDI, ABC or MusicXML file.
    Export(ExportFormat),
}

impl FileRequest {
    /// The dialog that asks for it.
    fn ask(self, stem: &str) -> Ask {
        match self {
            FileRequest::Open => Ask::new("Open a project, MIDI or ABC file", AskKind::OpenFiles)
                .filter(
                    "Projects and music",
                    &["gsproj", "mid", "midi", "kar", "abc"],
                )
                .filter("GAN Studio projects", &["gsproj"])
                .filter("MIDI and ABC", &["mid", "midi", "kar", "abc"]),
            FileRequest::SaveProject => Ask::new(
                "Save the project",
                AskKind::SaveFile(format!("{stem}.{}", crate::edit::project::EXTENSION)),
            )
            .filter("GAN Studio project", &[crate::edit::project::EXTENSION]),
            FileRequest::Export(format) => Ask::new(
                format!("Export {}", format.label()),
                AskKind::SaveFile(format!("{stem}.{}", format.extension())),
            )
            .filter(format.label(), &[format.extension()]),
        }
    }
}

/// The document's file dialog: one at a time.
pub struct FileDialog {
    picker: FilePicker<FileRequest>,
}

impl Default for FileDialog {
    fn default() -> Self {
        FileDialog {
            picker: FilePicker::new("document"),
        }
    }
}

impl FileDialog {
    /// Opens the dialog for `request`, suggesting `stem` as the file name of a save or an
    /// export; while one is open, says so instead.
    pub fn ask(
        &mut self,
        ctx: &egui::Context,
        request: FileRequest,
        stem: &str,
        notifications: &mut Notifications,
    ) {
        if !self.picker.ask(ctx, request, request.ask(stem)) {
            notifications.info("A file dialog is already open: finish it first.");
        }
    }

    /// The request and the paths chosen, once the dialog closes with a choice.
    pub fn poll(&mut self) -> Option<(FileRequest, Vec<PathBuf>)> {
        self.picker.poll()
    }
}

/// Why writing `path` failed, in words a person can act on, when it can be told: from the
/// operating system's error in `error`'s chain, else from what is (not) at `path` now.
pub fn write_failure_reason(path: &Path, error: &(dyn Error + 'static)) -> Option<&'static str> {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if let Some(io) = e.downcast_ref::<io::Error>() {
            let reason = match io.kind() {
                io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => {
                    Some("the disk is full")
                }
                io::ErrorKind::PermissionDenied => {
                    Some("the folder is read-only or belongs to someone else")
                }
                io::ErrorKind::ReadOnlyFilesystem => Some("the disk is read-only"),
                io::ErrorKind::NotFound => Some("the folder no longer exists"),
                io::ErrorKind::NotADirectory => Some("part of the path is a file, not a folder"),
                io::ErrorKind::IsADirectory => Some("a folder is in the way of the file"),
                _ => None,
            };
            if reason.is_some() {
                return reason;
            }
        }
        cause = e.source();
    }
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty())?;
    match std::fs::metadata(parent) {
        Err(_) => Some("the folder no longer exists"),
        Ok(meta) if !meta.is_dir() => Some("part of the path is a file, not a folder"),
        Ok(meta) if meta.permissions().readonly() => {
            Some("the folder is read-only or belongs to someone else")
        }
        Ok(_) => None,
    }
}

/// The message for a failed save or export of `path` (`what`: "Saving the project"): the
/// reason when it can be told, that an earlier file there is unchanged (writes are atomic),
/// then the error itself, which names the file.
pub fn write_failure_text(what: &str, path: &Path, error: &(dyn Error + 'static)) -> String {
    let reason = write_failure_reason(path, error)
        .map(|r| format!(": {r}"))
        .unwrap_or_default();
    let kept = if path.is_file() {
        " The file that was there is unchanged."
    } else {
        ""
    };
    format!("{what} failed{reason}.{kept} ({error})")
}

/// Reads a MIDI file (one piece) or an ABC file (its readable tunes); the error names the
/// file and the problem.
pub fn read_music(path: &Path) -> Result<Vec<Piece>, String> {
    let is_abc = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("abc"));
    if is_abc {
        let file = crate::abc::read_abc_file(path).map_err(|e| e.to_string())?;
        let (pieces, errors) = file.into_pieces();
        if pieces.is_empty() {
            return Err(match errors.first() {
                Some(e) => e.to_string(),
                None => format!("{}: no tunes", path.display()),
            });
        }
        Ok(pieces)
    } else {
        let file = crate::midi::read_file(path).map_err(|e| e.to_string())?;
        if file.piece.note_count() == 0 {
            return Err(format!("{}: the file has no notes", path.display()));
        }
        Ok(vec![file.piece])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_is_named_and_the_old_file_said_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("song.gsproj");
        std::fs::write(&path, b"old").unwrap();
        let full = io::Error::new(io::ErrorKind::StorageFull, "No space left on device");
        let text = write_failure_text("Saving the project", &path, &full);
        assert!(
            text.starts_with("Saving the project failed: the disk is full."),
            "{text}"
        );
        assert!(text.contains("unchanged"), "{text}");
        assert!(text.contains("No space left"), "{text}");
    }

    #[test]
    fn a_vanished_folder_is_named_from_the_path_when_the_error_does_not_say() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gone").join("song.mid");
        let other = io::Error::other("cannot write the file");
        assert_eq!(
            write_failure_reason(&path, &other),
            Some("the folder no longer exists")
        );
        let text = write_failure_text("Exporting MIDI", &path, &other);
        assert!(!text.contains("unchanged"), "{text}");
        // A folder where the writes work and an error that says nothing: no guess.
        assert_eq!(
            write_failure_reason(&dir.path().join("x.mid"), &other),
            None
        );
    }
}
