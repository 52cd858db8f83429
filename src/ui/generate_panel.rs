//! The Generate panel: continue the seed in the roll (or typed tokens) with the model, with a
//! temperature slider, a reproducible RNG seed, variations as cards, and "regenerate this
//! span".

use std::sync::Arc;

use crate::edit::{Document, PartRole};
use crate::generate::{
    GenerateError, GenerateOptions, Generated, Seed, TokenModel, generate, regenerate_region,
    splice_region,
};
use crate::music::{Key, Metre, Note, Piece, Pitch, TempoMap, Tick, TimeSignature};

use super::job::{Job, Poll};

/// Where the seed comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeedSource {
    /// The selected notes of the active part (the whole active part when nothing is
    /// selected).
    Roll,
    /// Tokens typed in the panel.
    Typed,
    /// No seed: the model starts from nothing.
    Nothing,
}

/// What the panel asks of the app.
#[derive(Clone, Debug, PartialEq)]
pub enum GenerateAction {
    /// Play this piece from its start.
    Play(Piece),
}

/// A generation request and its result.
type Outcome = Result<Output, GenerateError>;

enum Output {
    Variations {
        list: Vec<Generated>,
        origin: Tick,
    },
    Region {
        region: std::ops::Range<Tick>,
        part: usize,
        options: Vec<Vec<Note>>,
    },
}

enum Request {
    Continue {
        seed: Seed,
        origin: Tick,
        options: GenerateOptions,
    },
    Region {
        notes: Vec<Note>,
        ticks_per_quarter: u16,
        signature: crate::music::TimeSignature,
        region: std::ops::Range<Tick>,
        part: usize,
        options: GenerateOptions,
    },
}

/// A generated variation shown as a card.
struct Card {
    generated: Generated,
    /// Where the seed started in the document (the variation is placed there on accept).
    origin: Tick,
}

/// The Generate panel's state.
pub struct GeneratePanel {
    model: Option<Arc<TokenModel>>,
    model_label: String,
    source: SeedSource,
    typed: String,
    rng_seed: u64,
    lock_seed: bool,
    temperature: f32,
    greedy: bool,
    bars: u32,
    /// The metre of a tune from nothing or typed tokens (`None`: the document's).
    metre: Option<Metre>,
    /// Stop where the model ends the tune (at most `bars`).
    until_end: bool,
    variations: usize,
    key: Option<Key>,
    constrain: bool,
    limit_range: bool,
    low: u8,
    high: u8,
    running: Option<Job<Outcome>>,
    queued: Option<Request>,
    cards: Vec<Card>,
    region_choices: Option<(std::ops::Range<Tick>, usize, Vec<Vec<Note>>)>,
    error: Option<String>,
    last_seconds: Option<f64>,
    started: Option<std::time::Instant>,
}

impl Default for GeneratePanel {
    fn default() -> Self {
        GeneratePanel {
            model: None,
            model_label: "loading the built-in model…".to_owned(),
            source: SeedSource::Roll,
            typed: "67 _ 67 _ 65 64 _ _ 62 _ _ _ 60 _ _ _".to_owned(),
            rng_seed: 1,
            lock_seed: true,
            temperature: 1.0,
            greedy: false,
            bars: 8,
            metre: None,
            until_end: true,
            variations: 4,
            key: None,
            constrain: false,
            limit_range: false,
            low: 55,
            high: 84,
            running: None,
            queued: None,
            cards: Vec::new(),
            region_choices: None,
            error: None,
            last_seconds: None,
            started: None,
        }
    }
}

impl GeneratePanel {
    /// Uses `model` from now on; `label` says which model it is (status bar and panel).
    pub fn set_model(&mut self, model: Arc<TokenModel>, label: impl Into<String>) {
        self.model = Some(model);
        self.model_label = label.into();
    }

    /// The model in use, if any.
    pub fn model(&self) -> Option<Arc<TokenModel>> {
        self.model.clone()
    }

    /// Generates from nothing (no seed) from now on.
    pub fn set_seed_nothing(&mut self) {
        self.source = SeedSource::Nothing;
    }

    /// Says why there is no model.
    pub fn set_model_missing(&mut self, why: impl Into<String>) {
        self.model = None;
        self.model_label = why.into();
    }

    /// Which model is in use, in words.
    pub fn model_label(&self) -> &str {
        &self.model_label
    }

    /// The variations on show (for tests).
    pub fn variations(&self) -> Vec<&Generated> {
        self.cards.iter().map(|c| &c.generated).collect()
    }

    /// Whether a generation is running.
    pub fn is_busy(&self) -> bool {
        self.running.is_some()
    }

    /// Sets the RNG seed and the temperature (for tests and scripts).
    pub fn set_sampling(&mut self, rng_seed: u64, temperature: f32, variations: usize) {
        self.rng_seed = rng_seed;
        self.temperature = temperature;
        self.variations = variations;
    }

    fn options(&self, steps: u64) -> GenerateOptions {
        GenerateOptions {
            temperature: if self.greedy { 0.0 } else { self.temperature },
            rng_seed: self.rng_seed,
            steps,
            variations: self.variations,
            key: self.key,
            constrain_to_key: self.constrain,
            pitch_range: self.limit_range.then(|| {
                (
                    Pitch::new(self.low.min(self.high)).unwrap_or(Pitch::PIANO_LOW),
                    Pitch::new(self.high.max(self.low)).unwrap_or(Pitch::PIANO_HIGH),
                )
            }),
            stop_at_end: self.until_end,
        }
    }

    /// The metre of the next tune: the document's for a seed from the roll, else the one
    /// chosen (the document's by default).
    fn signature(&self, doc: &Document) -> TimeSignature {
        match (self.source, self.metre) {
            (SeedSource::Roll, _) | (_, None) => doc.time_signature(),
            (_, Some(metre)) => metre.signature(),
        }
    }

    /// Builds the seed from the roll or the typed tokens; `origin`: where it starts.
    fn seed(&self, doc: &Document) -> Result<(Seed, Tick), GenerateError> {
        let tempo = TempoMap::from_bpm(doc.tempo_bpm());
        let signature = self.signature(doc);
        let tpq = doc.ticks_per_quarter();
        match self.source {
            SeedSource::Nothing => {
                let mut seed = Seed::empty();
                seed.tempo_map = tempo;
                seed.time_signature = signature;
                Ok((
                    seed,
                    doc.end_tick().div_ceil(doc.ticks_per_bar().max(1)) * doc.ticks_per_bar(),
                ))
            }
            SeedSource::Typed => {
                let mut seed = Seed::from_tokens_text(&self.typed)?;
                seed.tempo_map = tempo;
                seed.time_signature = signature;
                Ok((seed, 0))
            }
            SeedSource::Roll => {
                let bar = doc.ticks_per_bar().max(1);
                let selected = doc.selected_notes();
                let notes: Vec<Note> = if selected.is_empty() {
                    doc.active_part().notes().iter().map(|n| n.note).collect()
                } else {
                    selected.iter().map(|n| n.note).collect()
                };
                if notes.is_empty() {
                    return Err(GenerateError::Seed(
                        "the roll is empty: draw a few notes (pencil tool), select some, or \
                         choose \"typed tokens\" or \"nothing\" as the seed"
                            .into(),
                    ));
                }
                let first = notes.iter().map(|n| n.start).min().unwrap_or(0);
                let last = notes.iter().map(Note::end).max().unwrap_or(0);
                let span = (first / bar * bar)..last.div_ceil(bar) * bar;
                let origin = span.start;
                let seed = Seed::from_notes(&notes, tpq, tempo, signature, Some(span))?;
                Ok((seed, origin))
            }
        }
    }

    /// Starts (or queues) generating variations from the current seed.
    pub fn request_generate(&mut self, ctx: &egui::Context, doc: &Document) {
        let steps = u64::from(self.bars) * u64::from(self.signature(doc).sixteenths_per_bar());
        match self.seed(doc) {
            Ok((seed, origin)) => {
                let options = self.options(steps);
                self.submit(
                    ctx,
                    Request::Continue {
                        seed,
                        origin,
                        options,
                    },
                );
            }
            Err(e) => self.error = Some(e.to_string()),
        }
    }

    /// Starts regenerating the selected span (whole bars) of the active part.
    pub fn request_region(&mut self, ctx: &egui::Context, doc: &Document) {
        let Some((start, end)) = doc.selection_span() else {
            self.error = Some("select the notes of the bar(s) to regenerate first".into());
            return;
        };
        let bar = doc.ticks_per_bar().max(1);
        let region = (start / bar * bar)..end.div_ceil(bar) * bar;
        let notes: Vec<Note> = doc.active_part().notes().iter().map(|n| n.note).collect();
        let request = Request::Region {
            notes,
            ticks_per_quarter: doc.ticks_per_quarter(),
            signature: doc.time_signature(),
            region,
            part: doc.active_index(),
            options: self.options(1),
        };
        self.submit(ctx, request);
    }

    fn submit(&mut self, ctx: &egui::Context, request: Request) {
        if self.running.is_some() {
            // The newest request wins: it runs when the current one is done.
            self.queued = Some(request);
            return;
        }
        let Some(model) = self.model.clone() else {
            self.error = Some(format!("no model: {}", self.model_label));
            return;
        };
        self.error = None;
        self.started = Some(std::time::Instant::now());
        self.running = Some(Job::spawn(ctx, "generate", move || run(&model, request)));
    }

    /// Collects finished work; call every frame.
    pub fn poll(&mut self, ctx: &egui::Context) {
        let Some(job) = &mut self.running else {
            return;
        };
        let outcome = match job.poll() {
            Poll::Pending => return,
            Poll::Done(outcome) => outcome,
            Poll::Lost => Err(GenerateError::Internal(
                "the generation thread stopped".into(),
            )),
        };
        self.running = None;
        self.last_seconds = self.started.take().map(|s| s.elapsed().as_secs_f64());
        match outcome {
            Ok(Output::Variations { list, origin }) => {
                self.cards = list
                    .into_iter()
                    .map(|generated| Card { generated, origin })
                    .collect();
            }
            Ok(Output::Region {
                region,
                part,
                options,
            }) => self.region_choices = Some((region, part, options)),
            Err(e) => self.error = Some(e.to_string()),
        }
        if let Some(next) = self.queued.take() {
            self.submit(ctx, next);
        }
    }
}

impl GeneratePanel {
    /// The panel; returns what the app should do (play a variation).
    pub fn ui(&mut self, ui: &mut egui::Ui, doc: &mut Document) -> Option<GenerateAction> {
        let ctx = ui.ctx().clone();
        let mut action = None;
        ui.label(egui::RichText::new(format!("Model: {}", self.model_label)).small());
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
                    self.model.is_some(),
                    egui::Button::new(egui::RichText::new("✦ Generate").strong()),
                )
                .on_hover_text("Continue the seed: one card per variation (G)");
            if generate_button.clicked() {
                if !self.lock_seed {
                    self.rng_seed = fresh_seed();
                }
                self.request_generate(&ctx, doc);
            }
            if ui
                .add_enabled(
                    self.model.is_some() && doc.selection_span().is_some(),
                    egui::Button::new("Regenerate selected bar(s)"),
                )
                .on_hover_text(
                    "Keep the notes before the selection and write new ones for the bars \
                     it covers, from the left context",
                )
                .clicked()
            {
                self.request_region(&ctx, doc);
            }
            if self.running.is_some() {
                ui.spinner();
            }
        });
        if live && !self.cards.is_empty() {
            self.request_generate(&ctx, doc);
        }
        if let Some(error) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
        if let Some(seconds) = self.last_seconds {
            ui.label(
                egui::RichText::new(format!("generated in {:.1} ms", seconds * 1e3))
                    .small()
                    .weak(),
            );
        }
        if let Some(a) = self.region_ui(ui, doc) {
            action = Some(a);
        }
        if let Some(a) = self.cards_ui(ui, doc) {
            action = Some(a);
        }
        action
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

    fn cards_ui(&mut self, ui: &mut egui::Ui, doc: &mut Document) -> Option<GenerateAction> {
        let mut action = None;
        let mut accept = None;
        for (i, card) in self.cards.iter().enumerate() {
            ui.group(|ui| {
                ui.horizontal(|ui| {
                    ui.strong(&card.generated.piece.title);
                    ui.label(
                        egui::RichText::new(format!("{}", card.generated.key))
                            .small()
                            .weak(),
                    );
                    if ui.small_button("▶ Play").clicked() {
                        action = Some(GenerateAction::Play(card.generated.piece.clone()));
                    }
                    if ui
                        .small_button("✔ Accept")
                        .on_hover_text("Add the continuation to the roll as a new part")
                        .clicked()
                    {
                        accept = Some(i);
                    }
                });
                mini_roll_ui(ui, &card.generated);
            });
        }
        if let Some(i) = accept {
            let card = &self.cards[i];
            let tpq = card.generated.piece.ticks_per_quarter;
            let step = Tick::from(tpq / 4).max(1);
            let seed_end = card.generated.seed_steps as Tick * step;
            let notes: Vec<Note> = card
                .generated
                .piece
                .notes()
                .filter(|n| n.start >= seed_end || seed_end == 0)
                .map(|n| Note {
                    start: n.start + card.origin,
                    ..*n
                })
                .collect();
            let name = card.generated.piece.title.clone();
            // A tune from nothing in another metre: an empty document takes its metre.
            let signature = card.generated.piece.initial_time_signature();
            if doc.parts().iter().all(|p| p.is_empty()) && signature != doc.time_signature() {
                doc.set_time_signature(signature);
            }
            doc.add_part_with_notes(name, PartRole::Variation, notes);
        }
        action
    }

    fn region_ui(&mut self, ui: &mut egui::Ui, doc: &mut Document) -> Option<GenerateAction> {
        let (region, part, choices) = self.region_choices.as_ref()?;
        let mut action = None;
        let mut chosen = None;
        let mut dismiss = false;
        ui.group(|ui| {
            ui.strong("New versions of the selected bar(s)");
            for (i, notes) in choices.iter().enumerate() {
                ui.horizontal(|ui| {
                    ui.label(format!("Option {} ({} notes)", i + 1, notes.len()));
                    if ui
                        .small_button("▶")
                        .on_hover_text("Play the part with this option")
                        .clicked()
                        && let Some(p) = doc.part(*part)
                    {
                        let all: Vec<Note> = p.notes().iter().map(|n| n.note).collect();
                        let spliced = splice_region(&all, region.clone(), notes);
                        if let Ok(mut piece) =
                            Piece::from_notes(doc.ticks_per_quarter(), "option", spliced)
                        {
                            piece.tempo_map = TempoMap::from_bpm(doc.tempo_bpm());
                            action = Some(GenerateAction::Play(piece));
                        }
                    }
                    if ui.small_button("Use this").clicked() {
                        chosen = Some(i);
                    }
                });
            }
            if ui.small_button("Dismiss").clicked() {
                dismiss = true;
            }
        });
        if let Some(i) = chosen {
            let (region, part, choices) = self.region_choices.take()?;
            if doc.set_active_part(part).is_ok() {
                let old: Vec<(crate::edit::NoteId, Note)> = doc
                    .active_part()
                    .notes()
                    .iter()
                    .map(|n| (n.id, n.note))
                    .collect();
                let all: Vec<Note> = old.iter().map(|(_, n)| *n).collect();
                let spliced = splice_region(&all, region, &choices[i]);
                let ids: Vec<_> = old.iter().map(|(id, _)| *id).collect();
                doc.begin_gesture();
                doc.delete_notes(&ids);
                doc.add_notes(spliced);
                doc.end_gesture();
            }
        } else if dismiss {
            self.region_choices = None;
        }
        action
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

/// A small picture of a variation: seed notes grey, the continuation in colour.
fn mini_roll_ui(ui: &mut egui::Ui, generated: &Generated) {
    let width = ui.available_width().max(60.0);
    let (rect, _) = ui.allocate_exact_size(egui::vec2(width, 44.0), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 2.0, ui.visuals().extreme_bg_color);
    let notes: Vec<&Note> = generated.piece.notes().collect();
    let (Some(low), Some(high)) = (
        notes.iter().map(|n| n.pitch.get()).min(),
        notes.iter().map(|n| n.pitch.get()).max(),
    ) else {
        return;
    };
    let end = notes.iter().map(|n| n.end()).max().unwrap_or(1).max(1) as f32;
    let rows = f32::from(high - low + 1);
    let step = Tick::from(generated.piece.ticks_per_quarter / 4).max(1);
    let seed_end = generated.seed_steps as Tick * step;
    for n in notes {
        let x0 = rect.left() + rect.width() * n.start as f32 / end;
        let x1 = rect.left() + rect.width() * n.end() as f32 / end;
        let y = rect.bottom() - rect.height() * (f32::from(n.pitch.get() - low) + 1.0) / rows;
        let colour = if n.start < seed_end {
            egui::Color32::GRAY
        } else {
            egui::Color32::from_rgb(90, 170, 250)
        };
        painter.rect_filled(
            egui::Rect::from_min_max(
                egui::pos2(x0, y),
                egui::pos2(
                    (x1 - 1.0).max(x0 + 1.0),
                    y + (rect.height() / rows).max(2.0),
                ),
            ),
            1.0,
            colour,
        );
    }
}

fn run(model: &TokenModel, request: Request) -> Outcome {
    match request {
        Request::Continue {
            seed,
            origin,
            options,
        } => generate(model, &seed, &options).map(|list| Output::Variations { list, origin }),
        Request::Region {
            notes,
            ticks_per_quarter,
            signature,
            region,
            part,
            options,
        } => regenerate_region(
            model,
            &notes,
            ticks_per_quarter,
            signature,
            region.clone(),
            &options,
        )
        .map(|options| Output::Region {
            region,
            part,
            options,
        }),
    }
}
