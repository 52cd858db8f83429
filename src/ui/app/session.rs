//! The document's life on disk: open, save, export, the recent files, the autosave and the
//! recovery of unsaved work at the next start.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::edit::{Document, PartRole};
use crate::export::ExportFormat;
use crate::ui::files::{FileDialog, FileRequest};
use crate::ui::help;
use crate::ui::job::{Job, Poll};
use crate::ui::panel::Shared;

/// How often the autosave runs while there are unsaved changes.
const AUTOSAVE_EVERY: Duration = Duration::from_secs(20);
/// How many recent files are remembered.
const RECENT_LIMIT: usize = 8;

/// Where the document lives on disk and what has been saved of it.
pub(super) struct Session {
    /// The native file dialog (one at a time).
    pub files: FileDialog,
    /// MIDI/ABC files imported into the document.
    pub imported: Vec<PathBuf>,
    /// Recently opened or saved files, newest first.
    pub recent: Vec<PathBuf>,
    /// The project file, once saved or opened.
    pub project_path: Option<PathBuf>,
    saved_revision: u64,
    autosave_path: Option<PathBuf>,
    autosaved_revision: u64,
    last_autosave: Instant,
    autosave_job: Option<Job<Result<(), String>>>,
    /// An autosave left by the last run, offered for recovery.
    pub recovery: Option<PathBuf>,
}

impl Session {
    /// A session for a new document of `revision`, autosaving to `autosave_path`.
    pub fn new(autosave_path: Option<PathBuf>, recent: Vec<PathBuf>, revision: u64) -> Self {
        Session {
            files: FileDialog::default(),
            imported: Vec::new(),
            recent,
            project_path: None,
            saved_revision: revision,
            recovery: autosave_path.clone().filter(|p| p.is_file()),
            autosave_path,
            autosaved_revision: revision,
            last_autosave: Instant::now(),
            autosave_job: None,
        }
    }

    /// Whether `doc` has changes that are not saved in a project file.
    pub fn has_unsaved_changes(&self, doc: &Document) -> bool {
        doc.revision() != self.saved_revision
    }

    fn remember(&mut self, path: PathBuf) {
        self.recent.retain(|p| p != &path);
        self.recent.insert(0, path);
        self.recent.truncate(RECENT_LIMIT);
    }

    /// Starts a new, empty document.
    pub fn new_document(&mut self, shared: &mut Shared) {
        shared.doc = Document::new();
        self.project_path = None;
        self.saved_revision = shared.doc.revision();
    }

    /// Opens a file: a project replaces the document; a MIDI or ABC file is imported into it
    /// as a new part. A file that cannot be read is reported once, naming it.
    pub fn open(&mut self, shared: &mut Shared, path: PathBuf) {
        let is_project = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case(crate::edit::project::EXTENSION));
        if is_project {
            match crate::edit::project::load_project(&path) {
                Ok(doc) => {
                    shared.doc = doc;
                    self.saved_revision = shared.doc.revision();
                    self.project_path = Some(path.clone());
                    self.remember(path);
                }
                Err(e) => shared.notifications.error(e.to_string()),
            }
            return;
        }
        match crate::ui::files::read_music(&path) {
            Ok(pieces) => {
                let doc = &mut shared.doc;
                let empty = doc.parts().len() == 1 && doc.end_tick() == 0;
                for piece in &pieces {
                    if empty && pieces.len() == 1 {
                        *doc = Document::from_piece(piece, PartRole::Imported);
                    } else {
                        doc.import_piece(piece, PartRole::Imported);
                    }
                }
                self.imported.push(path.clone());
                self.remember(path);
            }
            Err(e) => shared.notifications.error(e),
        }
    }

    /// Saves the project to its file (asking for one the first time, or with `save_as`).
    pub fn save(&mut self, ctx: &egui::Context, shared: &mut Shared, save_as: bool) {
        match (&self.project_path, save_as) {
            (Some(path), false) => {
                let path = path.clone();
                self.save_to(shared, path);
            }
            _ => self
                .files
                .ask(ctx, FileRequest::SaveProject, &mut shared.notifications),
        }
    }

    fn save_to(&mut self, shared: &mut Shared, path: PathBuf) {
        match crate::edit::project::save_project(&path, &shared.doc) {
            Ok(()) => {
                self.saved_revision = shared.doc.revision();
                self.project_path = Some(path.clone());
                shared
                    .notifications
                    .info(format!("saved {}", path.display()));
                self.remember(path);
            }
            Err(e) => shared
                .notifications
                .error(crate::ui::files::write_failure_text(
                    "Saving the project",
                    &path,
                    &e,
                )),
        }
    }

    fn export(shared: &mut Shared, mut path: PathBuf, format: ExportFormat) {
        if path.extension().is_none() {
            path.set_extension(format.extension());
        }
        match crate::export::export(&path, &shared.doc.to_piece(), format) {
            Ok(()) => shared
                .notifications
                .info(format!("exported {}", path.display())),
            Err(e) => shared
                .notifications
                .error(crate::ui::files::write_failure_text(
                    &format!("Exporting {}", format.label()),
                    &path,
                    &e,
                )),
        }
    }

    /// Carries out what a finished file dialog chose.
    pub fn poll_files(&mut self, ctx: &egui::Context, shared: &mut Shared) {
        let Some((request, paths)) = self.files.poll() else {
            return;
        };
        match request {
            FileRequest::Open => {
                for path in paths {
                    self.open(shared, path);
                }
            }
            FileRequest::SaveProject => {
                if let Some(mut path) = paths.into_iter().next() {
                    if path.extension().is_none() {
                        path.set_extension(crate::edit::project::EXTENSION);
                    }
                    self.save_to(shared, path);
                }
            }
            FileRequest::Export(format) => {
                if let Some(path) = paths.into_iter().next() {
                    Self::export(shared, path, format);
                }
            }
        }
        ctx.request_repaint();
    }

    /// Writes the autosave in the background when there are changes since the last one.
    pub fn autosave(&mut self, ctx: &egui::Context, shared: &mut Shared) {
        if let Some(job) = &mut self.autosave_job {
            let notify = &mut shared.notifications;
            match job.poll() {
                Poll::Pending => return,
                Poll::Done(Ok(())) => {}
                Poll::Done(Err(e)) => notify.error(format!("autosave failed: {e}")),
                Poll::Lost => notify.error("autosave failed: the thread stopped"),
            }
            self.autosave_job = None;
        }
        let Some(path) = self.autosave_path.clone() else {
            return;
        };
        if self.recovery.is_some()
            || shared.doc.revision() == self.autosaved_revision
            || self.last_autosave.elapsed() < AUTOSAVE_EVERY
        {
            return;
        }
        self.autosaved_revision = shared.doc.revision();
        self.last_autosave = Instant::now();
        let doc = shared.doc.clone();
        self.autosave_job = Some(Job::spawn(ctx, "autosave", move || {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
            }
            crate::edit::project::save_project(&path, &doc).map_err(|e| e.to_string())
        }));
    }

    /// The recovery question, while an autosave of the last run waits.
    pub fn recovery_ui(&mut self, ctx: &egui::Context, shared: &mut Shared) {
        let Some(path) = self.recovery.clone() else {
            return;
        };
        match help::recovery_ui(ctx, &path) {
            Some(true) => {
                match crate::edit::project::load_project(&path) {
                    Ok(doc) => {
                        shared.doc = doc;
                        shared.notifications.info("recovered the unsaved work");
                    }
                    Err(e) => shared.notifications.error(e.to_string()),
                }
                self.recovery = None;
            }
            Some(false) => {
                if let Err(e) = std::fs::remove_file(&path)
                    && e.kind() != std::io::ErrorKind::NotFound
                {
                    shared.notifications.error(format!(
                        "could not remove the discarded autosave (it will be offered again): \
                         {e}: {}",
                        path.display()
                    ));
                }
                self.recovery = None;
            }
            None => {}
        }
    }

    /// At exit: unsaved work goes to the autosave, offered for recovery at the next start;
    /// with nothing unsaved there is nothing to recover.
    pub fn on_exit(&self, doc: &Document) {
        if let Some(path) = &self.autosave_path {
            if self.has_unsaved_changes(doc) {
                let _ = crate::edit::project::save_project(path, doc);
            } else {
                let _ = std::fs::remove_file(path);
            }
        }
    }

    /// A word about the project for the status bar.
    pub fn status_text(&self, doc: &Document) -> String {
        match (&self.project_path, self.has_unsaved_changes(doc)) {
            (_, true) => "unsaved changes".to_owned(),
            (Some(p), false) => format!(
                "saved {}",
                p.file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into())
            ),
            (None, false) => "new project".to_owned(),
        }
    }
}
