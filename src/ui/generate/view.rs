//! The Generate panel's settings: seed, sampling, shape, and the Generate buttons.

use super::{GeneratePanel, SeedSource};
use crate::music::{Key, Metre, Pitch};
use crate::ui::panel::ModelKind;
use crate::ui::panel::PanelContext;

impl GeneratePanel {
    /// The model line, the seed, sampling and shape settings, and the Generate buttons.
    pub(super) fn settings_ui(&mut self, ui: &mut egui::Ui, cx: &mut PanelContext<'_>) {
        self.model_ui(ui);
        ui.add_space(4.0);
        self.seed_ui(ui);
        ui.separator();
        let live = self.sampling_ui(ui);
        ui.separator();
        self.shape_ui(ui);
        ui.separator();
        ui.horizontal(|ui| {
            let generate_button = ui
                .add_enabled(
                    self.models.chosen().is_some(),
                    egui::Button::new(egui::RichText::new("✦ Generate").strong()),
                )
                .on_hover_text("Continue the seed: one card per variation (G)");
            if generate_button.clicked() {
                if !self.lock_seed {
                    self.rng_seed = fresh_seed();
                }
                self.request_generate(cx);
            }
            if ui
                .add_enabled(
                    self.models.chosen().is_some() && cx.doc.selection_span().is_some(),
                    egui::Button::new("Regenerate selected bar(s)"),
                )
                .on_hover_text(
                    "Keep the notes before the selection and write new ones for the bars \
                     it covers, from the left context",
                )
                .clicked()
            {
                self.request_region(cx);
            }
            if self.running.is_some() {
                ui.spinner();
            }
        });
        if live && !self.cards.is_empty() {
            self.request_generate(cx);
        }
        if let Some(seconds) = self.last_seconds {
            ui.label(
                egui::RichText::new(format!("generated in {:.1} ms", seconds * 1e3))
                    .small()
                    .weak(),
            );
        }
    }

    /// The model choice: the built-in model, the run's best by the judge, its latest weights
    /// (those offered), and which one generates.
    fn model_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal_wrapped(|ui| {
            ui.strong("Model");
            let chosen = self.models.chosen_kind();
            for kind in ModelKind::ALL {
                let offer = self.models.get(kind);
                let hover = offer.map_or_else(
                    || match kind {
                        ModelKind::BuiltIn => "The built-in model is not available".to_owned(),
                        _ => "Appears once a training run has made it (Train panel)".to_owned(),
                    },
                    |o| o.label.clone(),
                );
                let enabled = offer.is_some();
                if ui
                    .add_enabled(
                        enabled,
                        egui::RadioButton::new(chosen == Some(kind), kind.name()),
                    )
                    .on_hover_text(hover)
                    .on_disabled_hover_text("not available yet")
                    .clicked()
                {
                    self.models.choose(kind);
                }
            }
        });
        ui.label(egui::RichText::new(format!("Generating with: {}", self.models.label())).small());
        if self.models.get(ModelKind::RunLatest).is_some() && !self.models.is_by_hand() {
            ui.label(
                egui::RichText::new(
                    "The run's best by the judge is used by default: its latest weights may \
                     have collapsed.",
                )
                .small()
                .weak(),
            );
        }
    }

    fn seed_ui(&mut self, ui: &mut egui::Ui) {
        ui.strong("Seed");
        ui.horizontal(|ui| {
            ui.radio_value(&mut self.source, SeedSource::Roll, "Roll")
                .on_hover_text("The selected notes of the active part, or all of it");
            ui.radio_value(&mut self.source, SeedSource::Typed, "Tokens")
                .on_hover_text(
                    "Type one token per 16th note: a pitch (67 or G4), _ to hold, r to rest",
                );
            ui.radio_value(&mut self.source, SeedSource::Nothing, "Nothing")
                .on_hover_text("Let the model start from scratch");
        });
        if self.source == SeedSource::Typed {
            ui.add(
                egui::TextEdit::singleline(&mut self.typed)
                    .font(egui::TextStyle::Monospace)
                    .desired_width(f32::INFINITY),
            );
        }
    }

    /// Returns whether the temperature moved while the seed is locked (regenerate live).
    fn sampling_ui(&mut self, ui: &mut egui::Ui) -> bool {
        ui.strong("Sampling");
        let slider = ui.add_enabled(
            !self.greedy,
            egui::Slider::new(&mut self.temperature, 0.1..=2.0)
                .text("temperature")
                .step_by(0.05),
        );
        ui.label(
            egui::RichText::new(
                "Low: safe, repetitive tunes. 1: as the model learned. High: surprising, \
                 wandering ones.",
            )
            .small()
            .weak(),
        );
        let greedy = ui
            .checkbox(&mut self.greedy, "Always the likeliest note (greedy)")
            .changed();
        ui.horizontal(|ui| {
            let label = ui.label("RNG seed");
            ui.add(egui::DragValue::new(&mut self.rng_seed))
                .labelled_by(label.id)
                .on_hover_text("The same seed and settings give the same melodies");
            if ui.button("⚄").on_hover_text("A new random seed").clicked() {
                self.rng_seed = fresh_seed();
            }
            ui.checkbox(&mut self.lock_seed, "lock seed").on_hover_text(
                "Locked: Generate keeps this seed, so the same settings give the same \
                     melodies, and moving the temperature regenerates live. Unlocked: \
                     every Generate rolls a new seed.",
            );
        });
        self.lock_seed && (slider.changed() || greedy)
    }

    fn shape_ui(&mut self, ui: &mut egui::Ui) {
        ui.strong("Shape");
        ui.horizontal(|ui| {
            ui.add(egui::Slider::new(&mut self.bars, 1..=32).text("bars"));
            ui.checkbox(&mut self.until_end, "until the tune ends")
                .on_hover_text(
                    "Stop each variation where the model ends the tune, as folk tunes end \
                     (at most this many bars). Off: always the full length.",
                );
        });
        ui.add_enabled_ui(self.source != SeedSource::Roll, |ui| {
            ui.horizontal(|ui| {
                let label = ui.label("Metre");
                egui::ComboBox::from_id_salt("generate-metre")
                    .selected_text(
                        self.metre
                            .map_or("the document's".to_owned(), |m| m.to_string()),
                    )
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut self.metre, None, "the document's");
                        for metre in Metre::all() {
                            ui.selectable_value(&mut self.metre, Some(metre), metre.to_string());
                        }
                    })
                    .response
                    .labelled_by(label.id)
                    .on_hover_text(
                        "The metre of a tune from nothing or from typed tokens; a seed from \
                         the roll keeps the document's",
                    );
            });
        });
        ui.add(egui::Slider::new(&mut self.variations, 1..=8).text("variations"));
        ui.horizontal(|ui| {
            let label = ui.label("Key");
            egui::ComboBox::from_id_salt("generate-key")
                .selected_text(
                    self.key
                        .map_or("from the seed".to_owned(), |k| k.to_string()),
                )
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.key, None, "from the seed");
                    for key in Key::all() {
                        ui.selectable_value(&mut self.key, Some(key), key.to_string());
                    }
                })
                .response
                .labelled_by(label.id);
            ui.checkbox(&mut self.constrain, "only scale notes");
        });
        ui.horizontal(|ui| {
            let label = ui.checkbox(&mut self.limit_range, "range");
            ui.add_enabled_ui(self.limit_range, |ui| {
                pitch_drag_ui(ui, &mut self.low, label.id);
                ui.label("to");
                pitch_drag_ui(ui, &mut self.high, label.id);
            });
        });
    }
}

/// A random RNG seed for the dice button (from the clock; reproducibility comes from the
/// seed shown, not from how it was picked).
fn fresh_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    (nanos as u64 ^ (nanos >> 64) as u64) % 1_000_000
}

fn pitch_drag_ui(ui: &mut egui::Ui, value: &mut u8, label: egui::Id) {
    ui.add(
        egui::DragValue::new(value)
            .range(21..=108)
            .custom_formatter(|v, _| {
                Pitch::new(v as u8).map_or_else(|_| format!("{v}"), |p| p.to_string())
            }),
    )
    .labelled_by(label);
}
