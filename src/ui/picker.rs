//! Choosing files and folders: the system's file dialog where there is one, an in-window
//! file browser ([`egui_file`]) where there is none.
//!
//! # Which dialog opens
//! [`DialogChoice`], from `GAN_STUDIO_FILE_DIALOG=auto|native|builtin` (default `auto`) or set
//! by [`set_dialog_choice`]:
//! - `auto`: the system dialog (rfd: the XDG desktop portal over D-Bus, then zenity) runs on a
//!   thread of its own, since it blocks. Where neither is there (a plain X session with no
//!   portal and no D-Bus, i3, sway, a remote X session) rfd answers "no file" at once instead
//!   of showing anything. An answer of "no file" within [`FAST_FAILURE`] is read as that (no
//!   person opens a dialog and cancels it so fast), and so is a dialog thread that dies: the
//!   in-window browser opens instead for the same request, and is used from then on for the
//!   rest of the process.
//! - `native`: only the system dialog; a fast "no file" counts as cancelled.
//! - `builtin`: only the in-window browser.
//!
//! # Drawing
//! The in-window browser is an egui window. Every [`FilePicker`] registers the one it opens
//! with the egui context, and the app draws them all once per frame with [`dialogs_ui`] (from
//! its `ui`, never from `logic`); the owner reads the answer with [`FilePicker::poll`].

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

use super::job::{Job, Poll};

/// The environment variable that picks the file dialog (`auto`, `native` or `builtin`).
pub const DIALOG_ENV: &str = "GAN_STUDIO_FILE_DIALOG";

/// A "no file" from the system dialog faster than this means it could not open.
pub const FAST_FAILURE: Duration = Duration::from_millis(500);

/// Which file dialog the studio uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialogChoice {
    /// The system dialog, and the in-window browser where it is unavailable.
    Auto,
    /// Only the system dialog.
    Native,
    /// Only the in-window browser.
    Builtin,
}

impl DialogChoice {
    /// The choice a value of [`DIALOG_ENV`] names (anything unknown: `Auto`).
    pub fn parse(value: &str) -> Self {
        match value.trim().to_ascii_lowercase().as_str() {
            "native" | "system" => DialogChoice::Native,
            "builtin" | "built-in" | "egui" | "window" => DialogChoice::Builtin,
            _ => DialogChoice::Auto,
        }
    }

    fn to_u8(self) -> u8 {
        match self {
            DialogChoice::Auto => 1,
            DialogChoice::Native => 2,
            DialogChoice::Builtin => 3,
        }
    }

    fn from_u8(v: u8) -> Option<Self> {
        match v {
            1 => Some(DialogChoice::Auto),
            2 => Some(DialogChoice::Native),
            3 => Some(DialogChoice::Builtin),
            _ => None,
        }
    }
}

/// Set by [`set_dialog_choice`]; 0 until then (the environment decides).
static CHOICE: AtomicU8 = AtomicU8::new(0);
/// Set once the system dialog has been found missing (`auto` then goes straight in-window).
static NATIVE_UNAVAILABLE: AtomicBool = AtomicBool::new(false);

/// Chooses the file dialog for the rest of the process (over [`DIALOG_ENV`]).
pub fn set_dialog_choice(choice: DialogChoice) {
    CHOICE.store(choice.to_u8(), Ordering::Relaxed);
}

/// The file dialog in use: the one set by [`set_dialog_choice`], else [`DIALOG_ENV`]'s.
pub fn dialog_choice() -> DialogChoice {
    DialogChoice::from_u8(CHOICE.load(Ordering::Relaxed))
        .unwrap_or_else(|| DialogChoice::parse(&std::env::var(DIALOG_ENV).unwrap_or_default()))
}

/// Whether the system dialog's answer of `chosen` paths after `elapsed` means it is not
/// there at all (only under [`DialogChoice::Auto`]): no file, faster than a person can cancel.
pub fn native_looks_unavailable(
    choice: DialogChoice,
    chosen: &[PathBuf],
    elapsed: Duration,
) -> bool {
    choice == DialogChoice::Auto && chosen.is_empty() && elapsed < FAST_FAILURE
}

/// What kind of thing is asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AskKind {
    /// One or more existing files.
    OpenFiles,
    /// One existing file.
    OpenFile,
    /// A file to write, proposing this name.
    SaveFile(String),
    /// A folder.
    Folder,
}

/// A request for a file dialog: its title, kind and the file types shown.
#[derive(Clone, Debug)]
pub struct Ask {
    title: String,
    kind: AskKind,
    /// (name, extensions without the dot); the first one filters the in-window browser.
    filters: Vec<(String, Vec<String>)>,
}

impl Ask {
    /// A dialog titled `title` asking for `kind`.
    pub fn new(title: impl Into<String>, kind: AskKind) -> Self {
        Ask {
            title: title.into(),
            kind,
            filters: Vec::new(),
        }
    }

    /// Adds a file type: its name and extensions (without the dot).
    pub fn filter(mut self, name: impl Into<String>, extensions: &[&str]) -> Self {
        self.filters.push((
            name.into(),
            extensions.iter().map(|e| (*e).to_string()).collect(),
        ));
        self
    }

    /// Runs the system dialog (blocks until it closes); the paths chosen, empty for none.
    fn run_native(&self) -> Vec<PathBuf> {
        let mut dialog = rfd::FileDialog::new().set_title(&self.title);
        for (name, extensions) in &self.filters {
            dialog = dialog.add_filter(name, extensions.as_slice());
        }
        match &self.kind {
            AskKind::OpenFiles => dialog.pick_files().unwrap_or_default(),
            AskKind::OpenFile => dialog.pick_file().into_iter().collect(),
            AskKind::SaveFile(name) => dialog.set_file_name(name).save_file().into_iter().collect(),
            AskKind::Folder => dialog.pick_folder().into_iter().collect(),
        }
    }

    /// The in-window browser for this request, opened in `start` when given.
    fn builtin(&self, id: &str, start: Option<&Path>) -> egui_file::FileDialog {
        let dialog = match &self.kind {
            AskKind::OpenFiles => egui_file::FileDialog::open_file().multi_select(true),
            AskKind::OpenFile => egui_file::FileDialog::open_file(),
            AskKind::SaveFile(name) => egui_file::FileDialog::save_file().default_filename(name),
            AskKind::Folder => egui_file::FileDialog::select_folder(),
        };
        let mut dialog = dialog
            .title(&self.title)
            .id(egui::Id::unique(("gan-studio-file-dialog", id)))
            .default_size([640.0, 440.0])
            .keep_on_top(true)
            .show_rename(false);
        if let Some(start) = start {
            dialog = dialog.initial_path(start);
        }
        if self.kind != AskKind::Folder
            && let Some((_, extensions)) = self.filters.first()
        {
            let extensions = extensions.clone();
            dialog = dialog.show_files_filter(Box::new(move |path: &Path| {
                path.extension().is_some_and(|e| {
                    extensions
                        .iter()
                        .any(|x| e.eq_ignore_ascii_case(x.as_str()))
                })
            }));
        }
        dialog.open();
        dialog
    }
}

/// An in-window browser shared between its [`FilePicker`] and the drawing in [`dialogs_ui`].
type Shown = Arc<Mutex<egui_file::FileDialog>>;

fn lock(dialog: &Mutex<egui_file::FileDialog>) -> MutexGuard<'_, egui_file::FileDialog> {
    dialog.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The in-window browsers open in one egui context, and the last folder one was used in.
#[derive(Clone, Default)]
struct Registry {
    shown: Vec<Weak<Mutex<egui_file::FileDialog>>>,
    last_folder: Option<PathBuf>,
}

fn registry_id() -> egui::Id {
    egui::Id::unique("gan-studio-file-dialogs")
}

fn with_registry<R>(ctx: &egui::Context, f: impl FnOnce(&mut Registry) -> R) -> R {
    ctx.data_mut(|d| f(d.get_temp_mut_or_default::<Registry>(registry_id())))
}

/// Draws every open in-window file browser (call once per frame from the app's `ui`).
pub fn dialogs_ui(ctx: &egui::Context) {
    let shown: Vec<Shown> = with_registry(ctx, |r| {
        r.shown.retain(|w| w.strong_count() > 0);
        r.shown.iter().filter_map(Weak::upgrade).collect()
    });
    for dialog in shown {
        let mut dialog = lock(&dialog);
        if dialog.visible() {
            dialog.show(ctx);
            if !dialog.visible() {
                // The owner reads the answer in its next poll.
                ctx.request_repaint();
            }
        }
    }
}

/// The dialog under way.
enum Pending {
    /// The system dialog on its thread.
    Native {
        ask: Ask,
        job: Job<Vec<PathBuf>>,
        started: Instant,
    },
    /// The in-window browser.
    Builtin { ask: Ask, dialog: Shown },
}

/// One file dialog at a time for one owner, with what it was opened for (`T`).
pub struct FilePicker<T> {
    id: &'static str,
    pending: Option<(T, Pending)>,
    ctx: Option<egui::Context>,
}

impl<T> FilePicker<T> {
    /// A picker; `id` tells its in-window browser from other owners'.
    pub fn new(id: &'static str) -> Self {
        FilePicker {
            id,
            pending: None,
            ctx: None,
        }
    }

    /// Whether a dialog is open.
    pub fn is_open(&self) -> bool {
        self.pending.is_some()
    }

    /// Whether the open dialog (if any) is the in-window browser.
    pub fn is_builtin(&self) -> bool {
        matches!(self.pending, Some((_, Pending::Builtin { .. })))
    }

    /// Opens a dialog for `purpose`; `false` (nothing happens) while one is already open.
    pub fn ask(&mut self, ctx: &egui::Context, purpose: T, ask: Ask) -> bool {
        if self.pending.is_some() {
            return false;
        }
        self.ctx = Some(ctx.clone());
        let builtin = match dialog_choice() {
            DialogChoice::Builtin => true,
            DialogChoice::Native => false,
            DialogChoice::Auto => NATIVE_UNAVAILABLE.load(Ordering::Relaxed),
        };
        let pending = if builtin {
            self.open_builtin(ctx, ask)
        } else {
            let question = ask.clone();
            let job = Job::spawn(ctx, "file-dialog", move || question.run_native());
            Pending::Native {
                ask,
                job,
                started: Instant::now(),
            }
        };
        self.pending = Some((purpose, pending));
        true
    }

    fn open_builtin(&self, ctx: &egui::Context, ask: Ask) -> Pending {
        let start = with_registry(ctx, |r| r.last_folder.clone());
        let dialog = Arc::new(Mutex::new(ask.builtin(self.id, start.as_deref())));
        with_registry(ctx, |r| r.shown.push(Arc::downgrade(&dialog)));
        ctx.request_repaint();
        Pending::Builtin { ask, dialog }
    }

    /// The purpose and the paths chosen once the dialog closed with a choice (never empty);
    /// `None` while it is open, after a cancel, or when there is none.
    pub fn poll(&mut self) -> Option<(T, Vec<PathBuf>)> {
        let (_, pending) = self.pending.as_mut()?;
        let chosen = match pending {
            Pending::Native { ask, job, started } => match job.poll() {
                Poll::Pending => return None,
                Poll::Done(paths)
                    if native_looks_unavailable(dialog_choice(), &paths, started.elapsed()) =>
                {
                    NATIVE_UNAVAILABLE.store(true, Ordering::Relaxed);
                    let ask = ask.clone();
                    self.fall_back(ask);
                    return None;
                }
                Poll::Done(paths) => paths,
                Poll::Lost => {
                    // The system dialog's thread died: it is not usable here.
                    NATIVE_UNAVAILABLE.store(true, Ordering::Relaxed);
                    let ask = ask.clone();
                    self.fall_back(ask);
                    return None;
                }
            },
            Pending::Builtin { ask, dialog } => {
                let dialog = lock(dialog);
                match dialog.state() {
                    egui_file::State::Open => return None,
                    egui_file::State::Selected => builtin_choice(&dialog, &ask.kind),
                    egui_file::State::Cancelled | egui_file::State::Closed => Vec::new(),
                }
            }
        };
        let (purpose, pending) = self.pending.take()?;
        if chosen.is_empty() {
            return None;
        }
        if let (Pending::Builtin { ask, .. }, Some(ctx)) = (&pending, &self.ctx) {
            let folder = match ask.kind {
                AskKind::Folder => chosen.first().cloned(),
                _ => chosen
                    .first()
                    .and_then(|p| p.parent())
                    .map(Path::to_path_buf),
            };
            with_registry(ctx, |r| r.last_folder = folder);
        }
        Some((purpose, chosen))
    }

    /// Replaces the system dialog under way by the in-window browser for the same request.
    fn fall_back(&mut self, ask: Ask) {
        let Some(ctx) = self.ctx.clone() else {
            self.pending = None;
            return;
        };
        let builtin = self.open_builtin(&ctx, ask);
        if let Some((_, pending)) = &mut self.pending {
            *pending = builtin;
        }
    }
}

/// The paths an in-window browser closed on: the files ticked (several at once), else the one
/// named.
fn builtin_choice(dialog: &egui_file::FileDialog, kind: &AskKind) -> Vec<PathBuf> {
    let ticked: Vec<PathBuf> = if *kind == AskKind::OpenFiles {
        dialog
            .selection()
            .into_iter()
            .map(Path::to_path_buf)
            .collect()
    } else {
        Vec::new()
    };
    if ticked.is_empty() {
        dialog.path().map(Path::to_path_buf).into_iter().collect()
    } else {
        ticked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_are_read_from_their_names() {
        assert_eq!(DialogChoice::parse("builtin"), DialogChoice::Builtin);
        assert_eq!(DialogChoice::parse(" Built-in "), DialogChoice::Builtin);
        assert_eq!(DialogChoice::parse("NATIVE"), DialogChoice::Native);
        assert_eq!(DialogChoice::parse(""), DialogChoice::Auto);
        assert_eq!(DialogChoice::parse("whatever"), DialogChoice::Auto);
    }

    #[test]
    fn only_a_fast_empty_answer_in_auto_means_no_system_dialog() {
        let fast = Duration::from_millis(20);
        let slow = FAST_FAILURE + Duration::from_millis(1);
        let none: Vec<PathBuf> = Vec::new();
        let one = vec![PathBuf::from("a.mid")];
        assert!(native_looks_unavailable(DialogChoice::Auto, &none, fast));
        // A person who cancels takes longer; a chosen file is an answer.
        assert!(!native_looks_unavailable(DialogChoice::Auto, &none, slow));
        assert!(!native_looks_unavailable(DialogChoice::Auto, &one, fast));
        // Forced native: a fast "no file" is a cancel.
        assert!(!native_looks_unavailable(DialogChoice::Native, &none, fast));
    }
}
