//! The document's life on disk: open, save, export, the recent files, the autosave and the
//! recovery of unsaved work at the next start. The file work itself is in [`super::disk`],
//! run on background jobs.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::disk::{self, Opened, Recovery};
use crate::edit::Document;
use crate::export::ExportFormat;
use crate::music::Piece;
use crate::ui::files::{FileDialog, FileRequest};
use crate::ui::help;
use crate::ui::job::{Job, Poll};
use crate::ui::panel::Shared;

/// How often the autosave runs while there are unsaved changes.
const AUTOSAVE_EVERY: Duration = Duration::from_secs(20);
/// How many recent files are remembered.
const RECENT_LIMIT: usize = 8;

/// A piece of file work on a background job, and what it is for.
struct Work {
    /// What the status bar says while it runs, e.g. "opening tune.abc".
    what: String,
    job: Job<Done>,
}

/// What a piece of file work finished with.
enum Done {
    Opened {
        path: PathBuf,
        result: Result<Opened, String>,
    },
    Saved {
        path: PathBuf,
        revision: u64,
        result: Result<(), String>,
    },
    Exported {
        path: PathBuf,
        result: Result<(), String>,
    },
    RecoveryFound(Option<Recovery>),
    Recovered(Result<Document, String>),
    Discarded(Result<(), String>),
    ExitLog(Result<Vec<String>, String>),
}

/// Where the document lives on disk and what has been saved of it. Every file operation runs
/// on a background job ([`super::disk`]); their results are applied in the order they were
/// asked for, at a later [`Session::poll`].
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
    pub recovery: Option<Recovery>,
    /// File work under way, oldest first.
    work: VecDeque<Work>,
    /// The document as a piece, for the revision it was made of (see [`Session::piece`]).
    piece: Option<(u64, Arc<Piece>)>,
}

impl Session {
    /// A session for a new document of `revision`, autosaving to `autosave_path`. It starts
    /// looking for an autosave of the last run and for the problems the last run logged at
    /// exit (`exit_log`), in the background.
    pub fn new(
        ctx: &egui::Context,
        autosave_path: Option<PathBuf>,
        exit_log: Option<PathBuf>,
        recent: Vec<PathBuf>,
        revision: u64,
    ) -> Self {
        let mut session = Session {
            files: FileDialog::default(),
            imported: Vec::new(),
            recent,
            project_path: None,
            saved_revision: revision,
            recovery: None,
            autosave_path: autosave_path.clone(),
            autosaved_revision: revision,
            last_autosave: Instant::now(),
            autosave_job: None,
            work: VecDeque::new(),
            piece: None,
        };
        if let Some(path) = autosave_path {
            session.spawn(ctx, "looking for unsaved work".into(), move || {
                Done::RecoveryFound(disk::find_recovery(&path))
            });
        }
        if let Some(path) = exit_log {
            session.spawn(ctx, "reading the exit log".into(), move || {
                Done::ExitLog(disk::take_exit_log(&path))
            });
        }
        session
    }

    fn spawn(
        &mut self,
        ctx: &egui::Context,
        what: String,
        work: impl FnOnce() -> Done + Send + 'static,
    ) {
        let job = Job::spawn(ctx, "studio-file", work);
        self.work.push_back(Work { what, job });
    }

    /// Whether file work is under way (opening, saving, exporting, recovering).
    pub fn is_busy(&self) -> bool {
        !self.work.is_empty()
    }

    /// What the file work under way is doing, for the busy indicator.
    pub fn busy_text(&self) -> Option<&str> {
        self.work.front().map(|w| w.what.as_str())
    }

    /// Whether the check for an autosave of the last run is still running.
    pub fn looking_for_recovery(&self) -> bool {
        self.recovery.is_some()
            || self
                .work
                .iter()
                .any(|w| w.what == "looking for unsaved work")
    }

    /// `doc` as a piece (for playback and export), made again only when the document has
    /// changed since the last call (a file opened in the background brings its own).
    pub fn piece(&mut self, doc: &Document) -> Arc<Piece> {
        let revision = doc.revision();
        match &self.piece {
            Some((made_of, piece)) if *made_of == revision => Arc::clone(piece),
            _ => {
                let piece = Arc::new(doc.to_piece());
                self.piece = Some((revision, Arc::clone(&piece)));
                piece
            }
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

    /// The name saves and exports suggest (without extension): the project file's, else the
    /// last file imported into the document, else "melody".
    pub fn file_stem(&self) -> String {
        self.project_path
            .as_ref()
            .or(self.imported.last())
            .and_then(|p| p.file_stem())
            .map(|s| s.to_string_lossy().into_owned())
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| "melody".to_string())
    }

    /// Starts a new, empty document.
    pub fn new_document(&mut self, shared: &mut Shared) {
        shared.doc = Document::new();
        self.project_path = None;
        self.imported.clear();
        self.saved_revision = shared.doc.revision();
    }

    /// Opens a file in the background: a project replaces the document; a MIDI or ABC file is
    /// imported into it as new parts. A file that cannot be read is reported once, naming it.
    pub fn open(&mut self, ctx: &egui::Context, shared: &Shared, path: PathBuf) {
        let doc = shared.doc.clone();
        let what = format!("opening {}", file_name(&path));
        self.spawn(ctx, what, move || Done::Opened {
            result: disk::open(&path, doc),
            path,
        });
    }

    /// Saves the project to its file (asking for one the first time, or with `save_as`).
    pub fn save(&mut self, ctx: &egui::Context, shared: &mut Shared, save_as: bool) {
        match (&self.project_path, save_as) {
            (Some(path), false) => {
                let path = path.clone();
                self.save_to(ctx, shared, path);
            }
            _ => {
                let stem = self.file_stem();
                self.files.ask(
                    ctx,
                    FileRequest::SaveProject,
                    &stem,
                    &mut shared.notifications,
                );
            }
        }
    }

    fn save_to(&mut self, ctx: &egui::Context, shared: &Shared, path: PathBuf) {
        let doc = shared.doc.clone();
        let what = format!("saving {}", file_name(&path));
        self.spawn(ctx, what, move || Done::Saved {
            revision: doc.revision(),
            result: disk::save(&path, &doc),
            path,
        });
    }

    /// Exports `piece` (the document's) to `path` in `format`, in the background.
    pub fn export(
        &mut self,
        ctx: &egui::Context,
        mut path: PathBuf,
        format: ExportFormat,
        piece: Arc<Piece>,
    ) {
        if path.extension().is_none() {
            path.set_extension(format.extension());
        }
        let what = format!("exporting {}", file_name(&path));
        self.spawn(ctx, what, move || Done::Exported {
            result: disk::export(&path, &piece, format),
            path,
        });
    }

    /// Carries out what a finished file dialog chose; an export is handed back to the caller
    /// (it needs the document as a piece).
    pub fn poll_files(
        &mut self,
        ctx: &egui::Context,
        shared: &mut Shared,
    ) -> Option<(PathBuf, ExportFormat)> {
        let (request, paths) = self.files.poll()?;
        ctx.request_repaint();
        match request {
            FileRequest::Open => {
                for path in paths {
                    self.open(ctx, shared, path);
                }
            }
            FileRequest::SaveProject => {
                if let Some(mut path) = paths.into_iter().next() {
                    if path.extension().is_none() {
                        path.set_extension(crate::edit::project::EXTENSION);
                    }
                    self.save_to(ctx, shared, path);
                }
            }
            FileRequest::Export(format) => return paths.into_iter().next().map(|p| (p, format)),
        }
        None
    }

    /// Applies the file work that finished, in the order it was asked for; never blocks.
    pub fn poll(&mut self, ctx: &egui::Context, shared: &mut Shared) {
        while let Some(work) = self.work.front_mut() {
            let done = match work.job.poll() {
                Poll::Pending => return,
                Poll::Done(done) => done,
                Poll::Lost => {
                    let what = work.what.clone();
                    shared
                        .notifications
                        .error(format!("{what} failed: the thread stopped"));
                    self.work.pop_front();
                    continue;
                }
            };
            self.work.pop_front();
            self.apply(ctx, shared, done);
        }
    }

    fn apply(&mut self, ctx: &egui::Context, shared: &mut Shared, done: Done) {
        let notify = &mut shared.notifications;
        match done {
            Done::Opened { path, result } => match result {
                Ok(Opened { doc, piece, base }) => match base {
                    None => {
                        self.piece = Some((doc.revision(), piece));
                        shared.doc = doc;
                        self.saved_revision = shared.doc.revision();
                        self.project_path = Some(path.clone());
                        self.remember(path);
                    }
                    Some(base) if base == shared.doc.revision() => {
                        self.piece = Some((doc.revision(), piece));
                        shared.doc = doc;
                        self.imported.push(path.clone());
                        self.remember(path);
                    }
                    // The document changed while the file was read: import into it as it is
                    // now.
                    Some(_) => self.open(ctx, shared, path),
                },
                Err(e) => notify.error(e),
            },
            Done::Saved {
                path,
                revision,
                result,
            } => match result {
                Ok(()) => {
                    self.saved_revision = revision;
                    self.project_path = Some(path.clone());
                    notify.info(format!("saved {}", path.display()));
                    self.remember(path);
                }
                Err(e) => notify.error(e),
            },
            Done::Exported { path, result } => match result {
                Ok(()) => notify.info(format!("exported {}", path.display())),
                Err(e) => notify.error(e),
            },
            Done::RecoveryFound(found) => self.recovery = found,
            Done::Recovered(result) => match result {
                Ok(doc) => {
                    shared.doc = doc;
                    notify.info("recovered the unsaved work");
                }
                Err(e) => notify.error(e),
            },
            Done::Discarded(result) => {
                if let Err(e) = result {
                    notify.error(e);
                }
            }
            Done::ExitLog(Ok(problems)) => {
                for problem in problems {
                    notify.error(format!("When GAN Studio last closed: {problem}"));
                }
            }
            Done::ExitLog(Err(e)) => notify.error(e),
        }
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
        if self.looking_for_recovery()
            || shared.doc.revision() == self.autosaved_revision
            || self.last_autosave.elapsed() < AUTOSAVE_EVERY
        {
            return;
        }
        self.autosaved_revision = shared.doc.revision();
        self.last_autosave = Instant::now();
        let doc = shared.doc.clone();
        self.autosave_job = Some(Job::spawn(ctx, "autosave", move || disk::save(&path, &doc)));
    }

    /// The recovery question, while an autosave of the last run waits.
    pub fn recovery_ui(&mut self, ctx: &egui::Context) {
        let Some(recovery) = self.recovery.clone() else {
            return;
        };
        let answer = help::recovery_ui(ctx, &recovery.path, &recovery.age);
        if answer.is_some() {
            self.recovery = None;
        }
        let path = recovery.path;
        match answer {
            Some(true) => self.spawn(ctx, "recovering the unsaved work".into(), move || {
                Done::Recovered(
                    crate::edit::project::load_project(&path).map_err(|e| e.to_string()),
                )
            }),
            Some(false) => self.spawn(ctx, "discarding the autosave".into(), move || {
                Done::Discarded(disk::remove(&path))
            }),
            None => {}
        }
    }

    /// At exit (after the last frame): unsaved work goes to the autosave, offered for
    /// recovery at the next start; with nothing unsaved there is nothing to recover. The
    /// error says what could not be kept.
    pub fn on_exit(&self, doc: &Document) -> Result<(), String> {
        let Some(path) = &self.autosave_path else {
            return Ok(());
        };
        if self.has_unsaved_changes(doc) {
            disk::save(path, doc).map_err(|e| format!("the unsaved work was not autosaved: {e}"))
        } else if self.recovery.is_none() {
            disk::remove(path)
        } else {
            // The recovery question was never answered: the autosave stays for the next run.
            Ok(())
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

/// A file's name for a short message (the whole path when it has none).
fn file_name(path: &std::path::Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}
