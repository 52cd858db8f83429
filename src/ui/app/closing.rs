//! Closing the window without losing work. When the window is closed while a training run is
//! alive, the run is asked to stop (its worker saves a checkpoint at the step it reached) and
//! the close is cancelled (`ViewportCommand::CancelClose`) while a "Saving the training run…"
//! window waits for the worker's last message, at most [`SAVE_WAIT`]; then the studio closes
//! itself. A second close (or "Quit now") does not wait. At exit ([`StudioApp::exit_work`])
//! the unsaved document goes to the autosave; whatever could not be kept is written to the
//! exit log in the data folder and shown at the next start.

use std::time::{Duration, Instant};

use super::StudioApp;
use super::disk;
use crate::ui::TrainState;

/// How long closing waits for a training run to save its checkpoint.
pub(super) const SAVE_WAIT: Duration = Duration::from_secs(20);

/// Where closing the window stands.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(super) enum Closing {
    /// Nobody asked to close.
    #[default]
    Open,
    /// The training run was asked to stop and save; the window waits for it.
    Saving {
        /// When the wait began.
        since: Instant,
    },
    /// The window may close now.
    Now,
}

impl StudioApp {
    /// Answers a close request and moves a wait for the training run on (call once per frame,
    /// in `logic`).
    pub(super) fn closing_step(&mut self, ctx: &egui::Context) {
        let requested = ctx.input(|i| i.viewport().close_requested());
        match self.closing {
            Closing::Open if requested => {
                if self.panels.train.state().is_active() {
                    self.panels.train.stop();
                    self.closing = Closing::Saving {
                        since: Instant::now(),
                    };
                    ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
                    ctx.request_repaint();
                } else {
                    self.closing = Closing::Now;
                }
            }
            Closing::Saving { .. } if requested => self.quit_without_waiting(),
            Closing::Saving { since } => {
                if !self.panels.train.state().is_active() {
                    if let TrainState::Failed(message) = self.panels.train.state() {
                        self.exit_problems
                            .push(format!("the training run could not be saved: {message}"));
                    }
                    self.close_now(ctx);
                } else if since.elapsed() >= SAVE_WAIT {
                    self.exit_problems.push(format!(
                        "the training run{} did not finish saving within {} s; it keeps its \
                         last checkpoint",
                        self.run_dir_text(),
                        SAVE_WAIT.as_secs()
                    ));
                    self.close_now(ctx);
                } else {
                    ctx.request_repaint_after(Duration::from_millis(100));
                }
            }
            Closing::Open | Closing::Now => {}
        }
    }

    /// Whether the window waits for the training run to save before it closes.
    pub fn is_saving_before_close(&self) -> bool {
        matches!(self.closing, Closing::Saving { .. })
    }

    /// A second close while waiting: the window goes at once, and the next start says the
    /// run may have lost its last steps.
    fn quit_without_waiting(&mut self) {
        self.exit_problems.push(format!(
            "the window was closed before the training run{} finished saving; it keeps its \
             last checkpoint",
            self.run_dir_text()
        ));
        self.closing = Closing::Now;
    }

    fn close_now(&mut self, ctx: &egui::Context) {
        self.closing = Closing::Now;
        ctx.send_viewport_cmd(egui::ViewportCommand::Close);
    }

    fn run_dir_text(&self) -> String {
        self.panels
            .train
            .run_dir()
            .map(|d| format!(" in {}", d.display()))
            .unwrap_or_default()
    }

    /// The "Saving the training run…" window, while closing waits.
    pub(super) fn closing_ui(&mut self, ctx: &egui::Context) {
        let Closing::Saving { since } = self.closing else {
            return;
        };
        let left = SAVE_WAIT.saturating_sub(since.elapsed()).as_secs();
        let mut quit = false;
        egui::Window::new("Saving the training run…")
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
            .show(ctx, |ui| {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(format!(
                        "Stopping the run at step {} and saving its checkpoint; GAN Studio \
                         closes when it is saved (at most {left} s more).",
                        self.panels.train.steps_done()
                    ));
                });
                ui.label(
                    egui::RichText::new(
                        "Close the window again to quit without waiting: the run keeps its \
                         last checkpoint.",
                    )
                    .weak(),
                );
                quit = ui.button("Quit now").clicked();
            });
        if quit {
            self.quit_without_waiting();
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }

    /// The work of the exit (after the last frame): the unsaved document to the autosave, the
    /// sound silenced, a run still alive asked to stop; what could not be kept goes to the
    /// exit log, shown at the next start.
    pub(super) fn exit_work(&mut self) {
        let mut problems = std::mem::take(&mut self.exit_problems);
        if let Err(e) = self.session.on_exit(&self.shared.doc) {
            problems.push(e);
        }
        self.playback.stop();
        if self.panels.train.state().is_active() && self.closing != Closing::Now {
            problems.push(format!(
                "the studio ended while the training run{} was still going; it keeps its last \
                 checkpoint",
                self.run_dir_text()
            ));
        }
        self.panels.train.stop();
        if problems.is_empty() {
            return;
        }
        for problem in &problems {
            eprintln!("error: {problem}");
        }
        if let Some(log) = &self.exit_log
            && let Err(e) = disk::write_exit_log(log, &problems)
        {
            eprintln!("error: could not write {}: {e}", log.display());
        }
    }
}
