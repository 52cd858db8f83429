//! The studio's top-level eframe application.

use std::path::PathBuf;
use std::time::Instant;

use super::LaunchOptions;
use super::dataset_panel::DatasetPanel;
use super::job::{Job, Poll};
use super::notify::Notifications;
use crate::inspect::{Inspection, inspect_file};

/// A file the user opened, with what we learned about it.
struct OpenedFile {
    path: PathBuf,
    info: Inspection,
}

/// The studio application state.
pub struct StudioApp {
    started: Instant,
    exit_after: Option<std::time::Duration>,
    files: Vec<OpenedFile>,
    dataset: DatasetPanel,
    notifications: Notifications,
    open_dialog: Option<Job<Vec<PathBuf>>>,
}

impl StudioApp {
    /// Creates the app; called once by eframe when the window opens.
    pub fn new(cc: &eframe::CreationContext<'_>, options: LaunchOptions) -> Self {
        Self::with_context(&cc.egui_ctx, options)
    }

    /// Creates the app for a given egui context (used by tests without a window).
    pub fn with_context(ctx: &egui::Context, options: LaunchOptions) -> Self {
        let mut app = StudioApp {
            started: Instant::now(),
            exit_after: options.exit_after,
            files: Vec::new(),
            dataset: DatasetPanel::new(options.data_dir.as_deref()),
            notifications: Notifications::default(),
            open_dialog: None,
        };
        for path in options.files {
            app.open(path);
        }
        app.dataset.load_default(ctx);
        app
    }

    /// Opens (inspects) a MIDI or ABC file and lists it; a file that cannot be read is
    /// reported once as a notification naming it.
    pub fn open(&mut self, path: PathBuf) {
        match inspect_file(&path) {
            Ok(info) => self.files.push(OpenedFile { path, info }),
            Err(error) => self.notifications.error(error.to_string()),
        }
    }

    /// The notifications currently shown (for tests).
    pub fn notifications(&self) -> &Notifications {
        &self.notifications
    }

    /// The Dataset panel (for tests).
    pub fn dataset_panel(&self) -> &DatasetPanel {
        &self.dataset
    }

    /// Paths of the files open in the studio.
    pub fn open_files(&self) -> impl Iterator<Item = &std::path::Path> {
        self.files.iter().map(|f| f.path.as_path())
    }

    fn start_open_dialog(&mut self, ctx: &egui::Context) {
        if self.open_dialog.is_some() {
            return;
        }
        // The native dialog blocks its thread, so it runs on its own.
        self.open_dialog = Some(Job::spawn(ctx, "open-dialog", || {
            rfd::FileDialog::new()
                .add_filter("Music (MIDI, ABC)", &["mid", "midi", "kar", "abc"])
                .pick_files()
                .unwrap_or_default()
        }));
    }

    fn poll_open_dialog(&mut self) {
        if let Some(job) = &mut self.open_dialog {
            match job.poll() {
                Poll::Pending => {}
                Poll::Done(paths) => {
                    self.open_dialog = None;
                    for path in paths {
                        self.open(path);
                    }
                }
                Poll::Lost => {
                    self.open_dialog = None;
                    self.notifications.error(
                        "no file dialog is available here; drop files onto the window or \
                         pass them on the command line",
                    );
                }
            }
        }
    }

    fn toolbar_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.heading("GAN Studio");
            ui.separator();
            if ui
                .button("Open…")
                .on_hover_text("Open MIDI or ABC files (or drop them onto the window)")
                .clicked()
            {
                self.start_open_dialog(ui.ctx());
            }
        });
    }

    fn files_ui(&mut self, ui: &mut egui::Ui) {
        if self.files.is_empty() {
            ui.vertical_centered(|ui| {
                ui.add_space(ui.available_height() / 3.0);
                ui.heading("Sketch a melody, watch a GAN learn music, generate, listen, export.");
                ui.label("Open or drop MIDI and ABC files to see what is in them.");
            });
            return;
        }
        let mut close = None;
        egui::ScrollArea::vertical().show(ui, |ui| {
            for (i, file) in self.files.iter().enumerate() {
                ui.group(|ui| {
                    ui.horizontal(|ui| {
                        ui.strong(file.path.display().to_string());
                        if ui
                            .small_button("Close")
                            .on_hover_text("Close this file")
                            .clicked()
                        {
                            close = Some(i);
                        }
                    });
                    ui.monospace(file.info.to_string());
                });
            }
        });
        if let Some(i) = close {
            self.files.remove(i);
        }
    }

    fn status_ui(&self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.label(self.dataset.status_text());
            ui.separator();
            ui.label(format!("{} file(s) open", self.files.len()));
        });
    }
}

impl eframe::App for StudioApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        });
        for path in dropped {
            self.open(path);
        }
        self.poll_open_dialog();
        self.dataset.poll(ctx, &mut self.notifications);
        if let Some(limit) = self.exit_after {
            let elapsed = self.started.elapsed();
            if elapsed >= limit {
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            } else {
                ctx.request_repaint_after(limit - elapsed);
            }
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::Panel::top("toolbar").show(ui, |ui| self.toolbar_ui(ui));
        egui::Panel::bottom("status").show(ui, |ui| self.status_ui(ui));
        egui::Panel::right("side")
            .default_size(340.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| self.dataset.ui(ui));
            });
        egui::CentralPanel::default().show(ui, |ui| self.files_ui(ui));
        self.notifications.show(ui.ctx());
    }
}
