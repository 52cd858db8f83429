//! The Train panel's widgets: data set, preset and hyperparameters, the run's controls and
//! progress, the collapse warning and the epoch samples (the charts are drawn by
//! [`super::history`], the guide by [`super::explain`]).

use egui::RichText;

use super::protocol::{Data, Pick};
use super::{TrainPanel, TrainPanelAction, TrainState, explain};
use crate::data::DataSource;
use crate::music::Piece;
use crate::train::backend::BackendChoice;
use crate::train::config::GanLoss;
use crate::train::{Phase, Preset};
use crate::ui::notify::Notifications;

impl TrainPanel {
    /// Draws the panel, reporting what goes wrong to `notifications`; returns what the user
    /// asked of the app (e.g. play a sample).
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        notifications: &mut Notifications,
    ) -> Option<TrainPanelAction> {
        let mut action = None;
        ui.heading("Train");
        ui.label("Watch a GAN learn melodies: a generator writes, a critic judges.");
        explain::explanations_ui(ui);
        ui.separator();
        self.data_ui(ui);
        ui.separator();
        self.settings_ui(ui);
        ui.separator();
        self.controls_ui(ui, notifications);
        self.collapse_ui(ui);
        ui.separator();
        self.charts_ui(ui);
        ui.separator();
        self.samples_ui(ui, &mut action);
        action
    }

    fn data_ui(&mut self, ui: &mut egui::Ui) {
        ui.strong("Training data");
        match &self.data {
            Data::None => {
                ui.label("No data set chosen.");
            }
            Data::Loading { label, .. } => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(format!("Loading {label}…"));
                });
            }
            Data::Ready { label, dataset } => {
                ui.label(format!(
                    "{label}: {} training windows of {} steps",
                    dataset.stats.windows.train, dataset.stats.window_steps
                ));
            }
            Data::Failed(message) => {
                ui.colored_label(ui.visuals().error_fg_color, message);
            }
        }
        let idle = !self.state.is_active() && !self.is_loading() && !self.dialog.is_open();
        let folk_present = self.folk.present() == Some(true);
        ui.horizontal_wrapped(|ui| {
            if ui
                .add_enabled(idle, egui::Button::new("Demo melodies"))
                .on_hover_text("The built-in public-domain demo tunes")
                .clicked()
            {
                self.load_source(ui.ctx(), DataSource::Demo);
            }
            if ui
                .add_enabled(idle && folk_present, egui::Button::new("Folk set"))
                .on_hover_text("The Essen folk song set (the papers' data)")
                .on_disabled_hover_text("Fetch the folk set in the Dataset panel first")
                .clicked()
                && let Some(dir) = self.folk.dir().cloned()
            {
                self.load_source(ui.ctx(), DataSource::Folk(dir));
            }
            for (label, pick, hover) in [
                ("Folder…", Pick::Folder, "MIDI and ABC files in a folder"),
                ("MAESTRO…", Pick::Maestro, "A MAESTRO v3 folder"),
                ("ABC file…", Pick::AbcFile, "One ABC file with many tunes"),
            ] {
                if ui
                    .add_enabled(idle, egui::Button::new(label))
                    .on_hover_text(hover)
                    .clicked()
                {
                    self.open_dialog(ui.ctx(), pick);
                }
            }
        });
    }

    fn settings_ui(&mut self, ui: &mut egui::Ui) {
        let editable = !self.state.is_active();
        ui.strong("Preset");
        ui.add_enabled_ui(editable, |ui| {
            ui.horizontal_wrapped(|ui| {
                for preset in Preset::ALL {
                    let selected = self.preset == Some(preset);
                    let response = ui
                        .add(egui::Button::selectable(selected, preset.label()))
                        .on_hover_text(preset.description());
                    if response.clicked() {
                        self.set_preset(preset);
                    }
                }
            });
            egui::CollapsingHeader::new("Hyperparameters")
                .id_salt("train-hyperparameters")
                .show(ui, |ui| self.hyperparameters_ui(ui));
        });
    }

    fn hyperparameters_ui(&mut self, ui: &mut egui::Ui) {
        let before = (self.config.clone(), self.crnn.clone());
        let mut loss = self.config.loss;
        let mut backend = self.backend;
        egui::Grid::new("train-hyperparameters-grid")
            .num_columns(2)
            .show(ui, |ui| {
                if self.crnn.is_none() {
                    loss_ui(ui, &mut loss);
                }
                backend_ui(ui, &mut backend);
                let c = &mut self.config;
                match &mut self.crnn {
                    Some(crnn) => steps_ui(
                        ui,
                        [&mut crnn.mle_steps, &mut crnn.gan_steps],
                        &mut crnn.batch_size,
                        &mut crnn.mle_learning_rate,
                    ),
                    None => steps_ui(
                        ui,
                        [&mut c.mle_steps, &mut c.gan_steps],
                        &mut c.batch_size,
                        &mut c.learning_rate,
                    ),
                }
                labelled(ui, "Random seed", egui::DragValue::new(&mut c.seed));
                let every = match &mut self.crnn {
                    Some(crnn) => &mut crnn.checkpoint_every,
                    None => &mut c.checkpoint_every,
                };
                labelled(
                    ui,
                    "Checkpoint every (steps)",
                    egui::DragValue::new(every).range(0..=1_000_000),
                );
            });
        self.backend = backend;
        if loss != self.config.loss {
            self.config = self.config.clone().with_loss(loss).apply_loss_preset();
        }
        if (self.config.clone(), self.crnn.clone()) != before {
            self.preset = None;
        }
    }

    fn controls_ui(&mut self, ui: &mut egui::Ui, notifications: &mut Notifications) {
        let ctx = ui.ctx().clone();
        ui.horizontal_wrapped(|ui| match &self.state {
            TrainState::Idle | TrainState::Finished { .. } | TrainState::Failed(_) => {
                let ready = self.dataset().is_some();
                if ui
                    .add_enabled(ready, egui::Button::new("Start"))
                    .on_hover_text("Start a new run with these settings")
                    .on_disabled_hover_text("Choose a data set first")
                    .clicked()
                {
                    self.start(&ctx, notifications);
                }
                if ui
                    .add_enabled(
                        ready && !self.dialog.is_open(),
                        egui::Button::new("Resume from checkpoint…"),
                    )
                    .on_hover_text("Continue a saved run (choose its folder)")
                    .on_disabled_hover_text("Choose the run's data set first")
                    .clicked()
                {
                    self.open_dialog(&ctx, Pick::Checkpoint);
                }
            }
            TrainState::Starting => {
                ui.spinner();
                ui.label("Building the networks…");
                if ui.button("Stop").clicked() {
                    self.stop();
                }
            }
            TrainState::Running => {
                if ui
                    .button("Pause")
                    .on_hover_text("Pause after this step")
                    .clicked()
                {
                    self.pause();
                }
                if ui
                    .button("Stop")
                    .on_hover_text("Save a checkpoint and end the run")
                    .clicked()
                {
                    self.stop();
                }
            }
            TrainState::Paused => {
                if ui.button("Resume").clicked() {
                    self.resume();
                }
                if ui
                    .button("Single step")
                    .on_hover_text("Run exactly one training step")
                    .clicked()
                {
                    self.single_step();
                }
                if ui
                    .button("Stop")
                    .on_hover_text("Save a checkpoint and end the run")
                    .clicked()
                {
                    self.stop();
                }
            }
            TrainState::Stopping => {
                ui.spinner();
                ui.label("Saving a checkpoint…");
            }
        });
        if let TrainState::Failed(message) = &self.state {
            ui.colored_label(ui.visuals().error_fg_color, message);
        }
        if self.total_steps > 0 {
            let fraction = self.step as f32 / self.total_steps as f32;
            let phase = match &self.last_stats {
                Some(s) if s.phase == Phase::Gan => "adversarial",
                Some(_) => "pre-training",
                None => "",
            };
            ui.add(egui::ProgressBar::new(fraction).text(format!(
                "step {} of {} {phase}",
                self.step, self.total_steps
            )));
        }
        if let Some(s) = &self.last_stats {
            let epoch_info = if self.steps_per_epoch > 0 {
                format!("epoch {} ({} steps each)", s.epoch, self.steps_per_epoch)
            } else {
                format!("epoch {}", s.epoch)
            };
            ui.label(
                RichText::new(format!(
                    "{epoch_info} · learning rate {:.2e} · {:.1} steps/s",
                    s.learning_rate,
                    self.history
                        .steps_per_second
                        .last_smoothed()
                        .unwrap_or(s.steps_per_second)
                ))
                .small(),
            );
        }
        if let Some((step, path)) = &self.last_checkpoint {
            ui.label(
                RichText::new(format!("Checkpoint at step {step}: {}", path.display()))
                    .small()
                    .weak(),
            );
        }
    }

    fn collapse_ui(&self, ui: &mut egui::Ui) {
        let Some(d) = &self.diversity else {
            return;
        };
        if d.collapsed() {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!(
                    "⚠ Mode collapse? The last {} samples have lost their variety \
                     (distinct-trigram ratio {:.2}, {:.0}% identical to another). The generator \
                     may have found a few patterns that fool the critic and keeps repeating \
                     them. Try a lower learning rate, more pre-training, or the WGAN preset.",
                    d.samples,
                    d.mean_ratio,
                    100.0 * d.duplicate_share
                ),
            );
        } else {
            ui.label(
                RichText::new(format!(
                    "Sample variety: distinct-trigram ratio {:.2} over the last {} samples",
                    d.mean_ratio, d.samples
                ))
                .small(),
            );
        }
    }

    fn samples_ui(&self, ui: &mut egui::Ui, action: &mut Option<TrainPanelAction>) {
        ui.strong("Samples");
        if self.samples.is_empty() {
            ui.label(
                RichText::new(
                    "Each epoch ends with a melody from the generator; they appear here.",
                )
                .weak(),
            );
            return;
        }
        egui::Grid::new("train-samples")
            .num_columns(4)
            .striped(true)
            .show(ui, |ui| {
                ui.label(RichText::new("Epoch").small());
                ui.label(RichText::new("Step").small());
                ui.label(RichText::new("Notes").small());
                ui.label("");
                ui.end_row();
                for sample in self.samples.iter().rev() {
                    ui.label(sample.epoch.to_string());
                    ui.label(sample.step.to_string());
                    let notes = sample.piece.as_ref().map_or(0, Piece::note_count);
                    ui.label(notes.to_string());
                    let playable = sample.piece.as_ref().filter(|p| p.note_count() > 0);
                    if ui
                        .add_enabled(playable.is_some(), egui::Button::new("Play"))
                        .on_hover_text(format!("Play the sample of epoch {}", sample.epoch))
                        .on_disabled_hover_text("This sample has no notes")
                        .clicked()
                        && let Some(piece) = playable
                    {
                        *action = Some(TrainPanelAction::Play(piece.clone()));
                    }
                    ui.end_row();
                }
            });
    }
}

/// The adversarial loss menu of a token GAN.
fn loss_ui(ui: &mut egui::Ui, loss: &mut GanLoss) {
    let label = ui.label("Adversarial loss");
    egui::ComboBox::from_id_salt("train-loss")
        .selected_text(loss.name())
        .show_ui(ui, |ui| {
            for choice in GanLoss::ALL {
                ui.selectable_value(loss, choice, choice.name());
            }
        })
        .response
        .labelled_by(label.id)
        .on_hover_text(
            "bce: the original GAN; wgan-clip / wgan-gp: a Wasserstein critic; \
             reinforce: G writes whole tunes, D scores every note, and G learns from those \
             scores while keeping its pre-training (choosing one applies its paper's settings)",
        );
    ui.end_row();
}

/// The compute menu.
fn backend_ui(ui: &mut egui::Ui, backend: &mut BackendChoice) {
    let label = ui.label("Compute");
    egui::ComboBox::from_id_salt("train-backend")
        .selected_text(backend_label(*backend))
        .show_ui(ui, |ui| {
            for choice in [BackendChoice::Auto, BackendChoice::Cpu, BackendChoice::Wgpu] {
                ui.selectable_value(backend, choice, backend_label(choice));
            }
        })
        .response
        .labelled_by(label.id)
        .on_hover_text(
            "Where the networks train. Automatic: the graphics card when this \
             computer has one (through wgpu), else the processor. The choice \
             applies to the next run you start.",
        );
    ui.end_row();
}

/// The step counts, batch size and (pre-training) learning rate of either kind of run.
fn steps_ui(ui: &mut egui::Ui, steps: [&mut u64; 2], batch: &mut usize, rate: &mut f64) {
    let [mle, gan] = steps;
    labelled(
        ui,
        "Pre-training steps",
        egui::DragValue::new(mle).range(0..=1_000_000),
    );
    labelled(
        ui,
        "Adversarial steps",
        egui::DragValue::new(gan).range(0..=1_000_000),
    );
    labelled(
        ui,
        "Batch size",
        egui::DragValue::new(batch).range(1..=1024),
    );
    labelled(
        ui,
        "Learning rate",
        egui::DragValue::new(rate)
            .range(1e-6..=1e-1)
            .speed(1e-5)
            .max_decimals(6),
    );
}

/// A label and a widget in a grid row, the widget named by the label for screen readers and
/// tests.
fn labelled(ui: &mut egui::Ui, label: &str, widget: impl egui::Widget) {
    let label = ui.label(label);
    ui.add(widget).labelled_by(label.id);
    ui.end_row();
}

/// What the Compute menu calls a backend choice.
pub(super) fn backend_label(choice: BackendChoice) -> &'static str {
    match choice {
        BackendChoice::Auto => "Automatic (GPU if present)",
        BackendChoice::Cpu => "Processor (CPU)",
        BackendChoice::Wgpu => "Graphics card (wgpu)",
    }
}
