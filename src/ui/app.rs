//! The studio's top-level eframe application.

use std::path::PathBuf;
use std::time::Instant;

use crate::inspect::{Inspection, inspect_file};

use super::LaunchOptions;

/// A file the user opened, with what we learned about it or why it could not be read.
struct OpenedFile {
    path: PathBuf,
    result: Result<Inspection, String>,
}

/// The studio application state.
pub struct StudioApp {
    started: Instant,
    options: LaunchOptions,
    files: Vec<OpenedFile>,
}

impl StudioApp {
    /// Creates the app; called once by eframe when the window opens.
    pub fn new(_cc: &eframe::CreationContext<'_>, options: LaunchOptions) -> Self {
        let mut app = StudioApp {
            started: Instant::now(),
            files: Vec::new(),
            options: LaunchOptions::default(),
        };
        for path in &options.files {
            app.open(path.clone());
        }
        app.options = options;
        app
    }

    /// Opens (inspects) a file and lists it; a bad file is listed with its error.
    pub fn open(&mut self, path: PathBuf) {
        let result = inspect_file(&path).map_err(|e| format!("{e:#}"));
        self.files.push(OpenedFile { path, result });
    }

    fn files_ui(&mut self, ui: &mut egui::Ui) {
        if self.files.is_empty() {
            ui.label("Drop MIDI or ABC files onto this window to inspect them.");
            return;
        }
        egui::ScrollArea::vertical().show(ui, |ui| {
            for file in &self.files {
                ui.group(|ui| match &file.result {
                    Ok(info) => {
                        ui.strong(file.path.display().to_string());
                        ui.monospace(info.to_string());
                    }
                    Err(message) => {
                        ui.colored_label(ui.visuals().error_fg_color, message);
                    }
                });
            }
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
        if let Some(limit) = self.options.exit_after {
            let elapsed = self.started.elapsed();
            if elapsed >= limit {
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            } else {
                ctx.request_repaint_after(limit - elapsed);
            }
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::Panel::top("toolbar").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.heading("GAN Studio");
                ui.separator();
                ui.label("Sketch a melody, watch a GAN learn music, generate, listen, export.");
            });
        });
        egui::Panel::bottom("status").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.label(format!("{} file(s) open", self.files.len()));
            });
        });
        egui::CentralPanel::default().show(ui, |ui| {
            self.files_ui(ui);
        });
    }
}
