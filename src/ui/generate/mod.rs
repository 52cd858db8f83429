//! The Generate panel: continue the seed in the roll (or typed tokens) with the model, with a
//! temperature slider, a reproducible RNG seed, variations as cards, and "regenerate this
//! span". This file holds the state and the requests (run on a background job, the newest
//! request wins); [`view`] draws the settings, [`cards`] the results.

mod cards;
mod choice;
mod settings;
mod view;

pub use choice::ModelChoices;
pub use settings::GenerateSettings;

use std::sync::Arc;

use crate::edit::Document;
use crate::generate::{
    GenerateError, GenerateOptions, Generated, Seed, TokenModel, generate, regenerate_region,
};
use crate::music::{Key, Metre, Note, Pitch, TempoMap, Tick, TimeSignature};

use super::job::{Job, Poll};
use super::notify::Notifications;
use super::panel::{ModelKind, ModelOffer, Panel, PanelContext};

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
    /// Which model wrote it: its kind and label.
    model: Option<(ModelKind, String)>,
}

/// The Generate panel's state.
pub struct GeneratePanel {
    models: ModelChoices,
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
    /// Which model the running job uses: its kind and label.
    running_model: Option<(ModelKind, String)>,
    queued: Option<Request>,
    cards: Vec<Card>,
    region_choices: Option<(std::ops::Range<Tick>, usize, Vec<Vec<Note>>)>,
    last_seconds: Option<f64>,
    started: Option<std::time::Instant>,
}

impl Default for GeneratePanel {
    fn default() -> Self {
        GeneratePanel {
            models: ModelChoices::default(),
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
            running_model: None,
            queued: None,
            cards: Vec::new(),
            region_choices: None,
            last_seconds: None,
            started: None,
        }
    }
}

impl GeneratePanel {
    /// Offers `model` as the built-in model; `label` says which model it is (status bar and
    /// panel). It is used unless a run's best is offered or the user chose another.
    pub fn set_model(&mut self, model: Arc<TokenModel>, label: impl Into<String>) {
        self.offer_model(ModelOffer {
            kind: ModelKind::BuiltIn,
            label: label.into(),
            model,
        });
    }

    /// Offers a model (a training run's best or latest weights, see [`ModelChoices`]).
    pub fn offer_model(&mut self, offer: ModelOffer) {
        self.models.offer(offer);
    }

    /// Uses the model of `kind` from now on; `false` when none is offered.
    pub fn choose_model(&mut self, kind: ModelKind) -> bool {
        self.models.choose(kind)
    }

    /// The models offered and the one chosen.
    pub fn models(&self) -> &ModelChoices {
        &self.models
    }

    /// The model in use, if any.
    pub fn model(&self) -> Option<Arc<TokenModel>> {
        self.models.model()
    }

    /// Generates from nothing (no seed) from now on.
    pub fn set_seed_nothing(&mut self) {
        self.source = SeedSource::Nothing;
    }

    /// Says why there is no built-in model.
    pub fn set_model_missing(&mut self, why: impl Into<String>) {
        self.models.set_missing(why);
    }

    /// Which model is in use, in words.
    pub fn model_label(&self) -> &str {
        self.models.label()
    }

    /// Which kind of model wrote each variation on show.
    pub fn variation_models(&self) -> Vec<Option<ModelKind>> {
        self.cards
            .iter()
            .map(|c| c.model.as_ref().map(|m| m.0))
            .collect()
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

    /// Starts (or queues) generating variations from the current seed of `cx.doc`; a seed
    /// that cannot be made is told through `cx.notify`.
    pub fn request_generate(&mut self, cx: &mut PanelContext<'_>) {
        let doc = &*cx.doc;
        let steps = u64::from(self.bars) * u64::from(self.signature(doc).sixteenths_per_bar());
        match self.seed(doc) {
            Ok((seed, origin)) => {
                let options = self.options(steps);
                self.submit(
                    cx.egui,
                    cx.notify,
                    Request::Continue {
                        seed,
                        origin,
                        options,
                    },
                );
            }
            Err(e) => cx.notify.error(e.to_string()),
        }
    }

    /// Starts regenerating the selected span (whole bars) of the active part.
    pub fn request_region(&mut self, cx: &mut PanelContext<'_>) {
        let doc = &*cx.doc;
        let Some((start, end)) = doc.selection_span() else {
            cx.notify
                .error("select the notes of the bar(s) to regenerate first");
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
        self.submit(cx.egui, cx.notify, request);
    }

    fn submit(&mut self, ctx: &egui::Context, notify: &mut Notifications, request: Request) {
        if self.running.is_some() {
            // The newest request wins: it runs when the current one is done.
            self.queued = Some(request);
            return;
        }
        let Some(model) = self.models.model() else {
            notify.error(format!("no model: {}", self.models.label()));
            return;
        };
        self.running_model = self.models.chosen().map(|o| (o.kind, o.label.clone()));
        self.started = Some(std::time::Instant::now());
        self.running = Some(Job::spawn(ctx, "generate", move || run(&model, request)));
    }

    /// Collects finished work (a failure goes to `notify`); call every frame.
    pub fn poll_work(&mut self, ctx: &egui::Context, notify: &mut Notifications) {
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
                let model = self.running_model.take();
                self.cards = list
                    .into_iter()
                    .map(|generated| Card {
                        generated,
                        origin,
                        model: model.clone(),
                    })
                    .collect();
            }
            Ok(Output::Region {
                region,
                part,
                options,
            }) => self.region_choices = Some((region, part, options)),
            Err(e) => notify.error(e.to_string()),
        }
        if let Some(next) = self.queued.take() {
            self.submit(ctx, notify, next);
        }
    }

    /// Adds variation `index` to the document as a new part (see
    /// [`cards::accept_variation`]); `false` when there is no such variation.
    pub fn accept(&self, index: usize, doc: &mut Document) -> bool {
        let Some(card) = self.cards.get(index) else {
            return false;
        };
        cards::accept_variation(doc, &card.generated, card.origin);
        true
    }
}

impl Panel for GeneratePanel {
    fn poll(&mut self, cx: &mut PanelContext<'_>) {
        self.poll_work(cx.egui, cx.notify);
    }

    fn panel_ui(&mut self, ui: &mut egui::Ui, cx: &mut PanelContext<'_>) {
        self.settings_ui(ui, cx);
        self.region_ui(ui, cx);
        self.cards_ui(ui, cx);
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
