//! Native file dialogs on a background thread (a dialog blocks its thread), and reading music
//! files for import.

use std::path::{Path, PathBuf};

use super::job::{Job, Poll};
use super::notify::Notifications;
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

/// At most one native file dialog at a time.
#[derive(Default)]
pub struct FileDialog {
    running: Option<(FileRequest, Job<Vec<PathBuf>>)>,
}

impl FileDialog {
    /// Opens the dialog for `request` (ignored while one is open).
    pub fn ask(&mut self, ctx: &egui::Context, request: FileRequest) {
        if self.running.is_some() {
            return;
        }
        let job = Job::spawn(ctx, "file-dialog", move || {
            let dialog = rfd::FileDialog::new();
            match request {
                FileRequest::Open => dialog
                    .add_filter(
                        "Projects and music",
                        &["gsproj", "mid", "midi", "kar", "abc"],
                    )
                    .add_filter("GAN Studio projects", &["gsproj"])
                    .add_filter("MIDI and ABC", &["mid", "midi", "kar", "abc"])
                    .pick_files()
                    .unwrap_or_default(),
                FileRequest::SaveProject => dialog
                    .add_filter("GAN Studio project", &["gsproj"])
                    .set_file_name("melody.gsproj")
                    .save_file()
                    .into_iter()
                    .collect(),
                FileRequest::Export(format) => dialog
                    .add_filter(format.label(), &[format.extension()])
                    .set_file_name(format!("melody.{}", format.extension()))
                    .save_file()
                    .into_iter()
                    .collect(),
            }
        });
        self.running = Some((request, job));
    }

    /// The paths chosen, once the dialog closes (empty when cancelled).
    pub fn poll(
        &mut self,
        notifications: &mut Notifications,
    ) -> Option<(FileRequest, Vec<PathBuf>)> {
        let (request, job) = self.running.as_mut()?;
        let request = *request;
        match job.poll() {
            Poll::Pending => None,
            Poll::Done(paths) => {
                self.running = None;
                Some((request, paths))
            }
            Poll::Lost => {
                self.running = None;
                notifications.error(
                    "no file dialog is available here; drop files onto the window or pass \
                     them on the command line",
                );
                None
            }
        }
    }
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
