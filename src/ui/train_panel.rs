//! The Train panel: watch the GAN learn.
//!
//! The panel owns an optional [`TrainWorker`] and never waits on it: each frame
//! [`TrainPanel::poll`] drains its messages with `try_recv` (the worker asks for a repaint
//! after every message). It shows the data set, a preset and the hyperparameters, the run's
//! controls (Start / Pause / Resume / Single step / Stop, resume from a checkpoint folder),
//! live charts ([`super::charts`]: raw and debiased-EMA curves, NaN shown as a gap), every
//! epoch's sample with a Play button, a mode-collapse warning, and plain-language
//! explanations of what the two networks do.
//!
//! Loading a data set and the folder/file dialogs run on background jobs, as in the Dataset
//! panel; the app may also hand over the Dataset panel's data set with
//! [`TrainPanel::set_dataset`].

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::model::weights::GeneratorWeights;

use egui::{Color32, RichText};

use super::charts::{self, DEFAULT_SMOOTHING, Diversity, SmoothedSeries};
use super::job::{Job, Poll};
use super::notify::{Level, Notifications};
use super::train_quality::{QualityHistory, quality_charts_ui};
use crate::data::fetch;
use crate::data::{DataSource, Dataset, LoadOptions, PreprocessConfig, load_dataset};
use crate::model::{DiscriminatorConfig, GeneratorConfig};
use crate::music::tokens::{decode_notes_lenient, from_ids};
use crate::music::{DEFAULT_TICKS_PER_QUARTER, Piece, Velocity};
use crate::quality::LikeOptions;
use crate::train::backend::{BackendChoice, select};
use crate::train::config::GanLoss;
use crate::train::{
    Phase, StepStats, TrainConfig, TrainControl, TrainMessage, TrainWorker, Trainer, WorkerOptions,
};

/// What the run is doing.
#[derive(Clone, Debug, PartialEq)]
pub enum TrainState {
    /// No run yet.
    Idle,
    /// The worker is building the models (or loading the checkpoint).
    Starting,
    /// Stepping.
    Running,
    /// Paused: Resume and Single step are offered.
    Paused,
    /// Stop was asked; the worker saves a checkpoint and ends.
    Stopping,
    /// The run ended.
    Finished {
        /// Steps done.
        step: u64,
    },
    /// The run failed (the message says why; the last good checkpoint is kept).
    Failed(String),
}

impl TrainState {
    /// Whether a worker is alive (starting, running, paused or stopping).
    pub fn is_active(&self) -> bool {
        matches!(
            self,
            TrainState::Starting | TrainState::Running | TrainState::Paused | TrainState::Stopping
        )
    }

    /// A short word for the status bar.
    pub fn label(&self) -> &'static str {
        match self {
            TrainState::Idle => "idle",
            TrainState::Starting => "starting",
            TrainState::Running => "training",
            TrainState::Paused => "paused",
            TrainState::Stopping => "stopping",
            TrainState::Finished { .. } => "finished",
            TrainState::Failed(_) => "failed",
        }
    }
}

/// What the panel asks of the app.
#[derive(Clone, Debug, PartialEq)]
pub enum TrainPanelAction {
    /// Play this piece (an epoch's sample).
    Play(Piece),
}

/// Ready-made settings for a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Preset {
    /// A small model for a couple of minutes: enough to hear the samples change.
    QuickLook,
    /// The papers' model sizes and step counts.
    Standard,
    /// WGAN with weight clipping, Gaussian noise in both networks and L2 weight decay (the
    /// report's regularized variant).
    WganNoiseL2,
    /// C-RNN-GAN, an LSTM discriminator (needs the engine's variants).
    CRnnGan,
}

/// Shown on presets the engine cannot run yet.
const NOT_YET: &str = "coming with the engine's variants (the C-RNN-GAN has its own trainer, not yet driven by the studio)";

impl Preset {
    /// Every preset, in menu order.
    pub const ALL: [Preset; 4] = [
        Preset::QuickLook,
        Preset::Standard,
        Preset::WganNoiseL2,
        Preset::CRnnGan,
    ];

    /// Its name in the menu.
    pub fn label(self) -> &'static str {
        match self {
            Preset::QuickLook => "Quick look (2 min)",
            Preset::Standard => "Standard",
            Preset::WganNoiseL2 => "WGAN + noise + L2",
            Preset::CRnnGan => "C-RNN-GAN",
        }
    }

    /// One sentence on what it does.
    pub fn description(self) -> &'static str {
        match self {
            Preset::QuickLook => {
                "A small generator (embedding 64, LSTM 128) and discriminator (64 channels), \
                 batches of 16, 1,000 pre-training and 800 adversarial steps at a higher \
                 learning rate: about two minutes on a 2-core laptop CPU (measured: 29 \
                 pre-training and 11 adversarial steps per second)."
            }
            Preset::Standard => {
                "The papers' sizes (embedding 128, LSTM 256, 128 channels), batches of 64, \
                 1,000 pre-training and 2,000 adversarial steps."
            }
            Preset::WganNoiseL2 => {
                "A Wasserstein critic (weight clipping at 0.01, 5 critic steps per generator \
                 step, RMSProp 5e-5) instead of a real/fake classifier, Gaussian noise (0.1) in \
                 both networks and L2 weight decay (1e-4): steadier training, slower steps."
            }
            Preset::CRnnGan => "Mogren's C-RNN-GAN: an LSTM generator against an LSTM critic.",
        }
    }

    /// The configuration it stands for, or `None` while the engine lacks the variant.
    pub fn config(self) -> Option<TrainConfig> {
        match self {
            Preset::QuickLook => Some(
                TrainConfig::new(
                    GeneratorConfig::new().with_embedding(64).with_hidden(128),
                    DiscriminatorConfig::new().with_channels(64),
                )
                .with_batch_size(16)
                .with_mle_steps(1000)
                .with_gan_steps(800)
                .with_learning_rate(1e-3)
                .with_checkpoint_every(200)
                .with_validation_batches(4),
            ),
            Preset::Standard => Some(TrainConfig::new(
                GeneratorConfig::new(),
                DiscriminatorConfig::new(),
            )),
            Preset::WganNoiseL2 => {
                let mut config = TrainConfig::for_loss(GanLoss::WganClip)
                    .with_g_weight_decay(1e-4)
                    .with_d_weight_decay(1e-4);
                config.generator.noise_std = 0.1;
                config.discriminator.noise_std = 0.1;
                Some(config)
            }
            // The C-RNN-GAN has its own trainer, which the worker does not drive yet.
            Preset::CRnnGan => None,
        }
    }
}

/// One epoch's sample.
#[derive(Clone, Debug)]
pub struct SampleEntry {
    /// The epoch that ended (from 0).
    pub epoch: u64,
    /// Steps done when it was made.
    pub step: u64,
    /// The generated token ids (after the primer).
    pub tokens: Vec<u32>,
    /// The tokens as a piece, when they decode.
    pub piece: Option<Piece>,
}

/// Where the training data stands.
enum Data {
    None,
    Loading {
        label: String,
        job: Job<Result<Dataset, String>>,
    },
    Ready {
        label: String,
        dataset: Arc<Dataset>,
    },
    Failed(String),
}

/// What a background file dialog was opened for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pick {
    Folder,
    Maestro,
    AbcFile,
    Checkpoint,
}

/// The curves of a run.
#[derive(Default)]
struct History {
    mle_loss: SmoothedSeries,
    mle_accuracy: SmoothedSeries,
    g_loss: SmoothedSeries,
    d_loss: SmoothedSeries,
    d_real: SmoothedSeries,
    d_fake: SmoothedSeries,
    steps_per_second: SmoothedSeries,
    wasserstein: SmoothedSeries,
    /// Per epoch, x = step.
    validation_loss: SmoothedSeries,
    validation_accuracy: SmoothedSeries,
}

impl History {
    fn all_mut(&mut self) -> [&mut SmoothedSeries; 10] {
        [
            &mut self.mle_loss,
            &mut self.mle_accuracy,
            &mut self.g_loss,
            &mut self.d_loss,
            &mut self.d_real,
            &mut self.d_fake,
            &mut self.steps_per_second,
            &mut self.validation_loss,
            &mut self.validation_accuracy,
            &mut self.wasserstein,
        ]
    }

    fn push_step(&mut self, s: &StepStats) {
        let x = s.step as f64;
        match s.phase {
            Phase::Mle => {
                self.mle_loss.push(x, f64::from(s.g_loss));
                if let Some(a) = s.accuracy {
                    self.mle_accuracy.push(x, f64::from(a));
                }
            }
            Phase::Gan => {
                self.g_loss.push(x, f64::from(s.g_loss));
                if let Some(d) = s.d_loss {
                    self.d_loss.push(x, f64::from(d));
                }
                if let Some(d) = s.d_real {
                    self.d_real.push(x, f64::from(d));
                }
                if let Some(d) = s.d_fake {
                    self.d_fake.push(x, f64::from(d));
                }
                if let Some(w) = s.wasserstein {
                    self.wasserstein.push(x, f64::from(w));
                }
            }
        }
        if s.steps_per_second > 0.0 {
            self.steps_per_second.push(x, s.steps_per_second);
        }
    }
}

/// The Train panel's state.
pub struct TrainPanel {
    runs_dir: PathBuf,
    folk_dir: Option<PathBuf>,
    cache_dir: Option<PathBuf>,
    data: Data,
    preset: Option<Preset>,
    config: TrainConfig,
    worker: Option<TrainWorker>,
    state: TrainState,
    run_dir: Option<PathBuf>,
    step: u64,
    total_steps: u64,
    steps_per_epoch: u64,
    last_stats: Option<StepStats>,
    last_checkpoint: Option<(u64, PathBuf)>,
    history: History,
    /// The judged epochs ("could a judge tell?" charts).
    quality: QualityHistory,
    smoothing: f64,
    samples: Vec<SampleEntry>,
    diversity: Option<Diversity>,
    dialog: Option<(Pick, Job<Option<PathBuf>>)>,
    /// Messages raised while drawing, handed to the notifications at the next poll.
    pending: Vec<(Level, String)>,
    /// The newest generator weights the worker published, not yet taken.
    new_weights: Option<(u64, Arc<GeneratorWeights>)>,
    /// Where runs train: the CPU, wgpu, or the GPU when there is one.
    backend: BackendChoice,
    /// The backend the current (or last) run reported, e.g. "cpu (flex)".
    backend_in_use: Option<String>,
}

impl TrainPanel {
    /// A panel whose runs go into folders under `runs_dir` (e.g. `<data dir>/runs`), with the
    /// folk set looked for in `folk_dir`. It starts with the "Quick look" preset and no data.
    pub fn new(runs_dir: PathBuf, folk_dir: Option<PathBuf>) -> Self {
        let preset = Preset::QuickLook;
        TrainPanel {
            runs_dir,
            folk_dir,
            cache_dir: fetch::cache_dir().ok(),
            data: Data::None,
            preset: Some(preset),
            config: preset.config().unwrap_or_else(|| {
                TrainConfig::new(GeneratorConfig::new(), DiscriminatorConfig::new())
            }),
            worker: None,
            state: TrainState::Idle,
            run_dir: None,
            step: 0,
            total_steps: 0,
            steps_per_epoch: 0,
            last_stats: None,
            last_checkpoint: None,
            history: History::default(),
            quality: QualityHistory::default(),
            smoothing: DEFAULT_SMOOTHING,
            samples: Vec::new(),
            diversity: None,
            dialog: None,
            pending: Vec::new(),
            new_weights: None,
            backend: BackendChoice::Auto,
            backend_in_use: None,
        }
    }

    /// The newest generator weights published by the running training (at each epoch end,
    /// checkpoint and finish), once: the Generate panel uses them while training goes on.
    pub fn take_new_weights(&mut self) -> Option<(u64, Arc<GeneratorWeights>)> {
        self.new_weights.take()
    }

    /// Where data sets are cached (`None`: no cache). The default is the per-user cache.
    pub fn set_cache_dir(&mut self, dir: Option<PathBuf>) {
        self.cache_dir = dir;
    }

    /// Trains on a data set the app already has (e.g. the Dataset panel's).
    pub fn set_dataset(&mut self, dataset: Arc<Dataset>) {
        let label = dataset.stats.sources.join("; ");
        self.data = Data::Ready { label, dataset };
    }

    /// Starts loading a data set in the background (replacing the one chosen).
    pub fn load_source(&mut self, ctx: &egui::Context, source: DataSource) {
        let label = source.to_string();
        let options = LoadOptions {
            cache_dir: self.cache_dir.clone(),
            ..LoadOptions::default()
        };
        let job = Job::spawn(ctx, "train-data-load", move || {
            load_dataset(
                std::slice::from_ref(&source),
                &PreprocessConfig::tunes(),
                &options,
            )
            .map_err(|e| e.to_string())
        });
        self.data = Data::Loading { label, job };
    }

    /// The data set chosen, once loaded.
    pub fn dataset(&self) -> Option<&Arc<Dataset>> {
        match &self.data {
            Data::Ready { dataset, .. } => Some(dataset),
            _ => None,
        }
    }

    /// Whether a data set is being loaded.
    pub fn is_loading(&self) -> bool {
        matches!(self.data, Data::Loading { .. })
    }

    /// The run's configuration as it will start.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// Replaces the configuration (no preset is shown as chosen afterwards).
    pub fn set_config(&mut self, config: TrainConfig) {
        self.config = config;
        self.preset = None;
    }

    /// Chooses a preset; returns `false` (and changes nothing) for one the engine lacks.
    pub fn set_preset(&mut self, preset: Preset) -> bool {
        match preset.config() {
            Some(mut config) => {
                config.seed = self.config.seed;
                self.config = config;
                self.preset = Some(preset);
                true
            }
            None => false,
        }
    }

    /// The preset in use (`None`: edited by hand or set by [`TrainPanel::set_config`]).
    pub fn preset(&self) -> Option<Preset> {
        self.preset
    }

    /// What the run is doing.
    pub fn state(&self) -> &TrainState {
        &self.state
    }

    /// Steps done in the run (0 before it starts).
    pub fn steps_done(&self) -> u64 {
        self.step
    }

    /// The run folder of the current (or last) run.
    pub fn run_dir(&self) -> Option<&Path> {
        self.run_dir.as_deref()
    }

    /// How many points the loss charts hold (pre-training and adversarial generator loss).
    pub fn loss_point_count(&self) -> usize {
        self.history.mle_loss.len() + self.history.g_loss.len()
    }

    /// Every epoch's sample so far, oldest first.
    pub fn samples(&self) -> &[SampleEntry] {
        &self.samples
    }

    /// The diversity of the recent samples (`None` before three samples).
    pub fn diversity(&self) -> Option<&Diversity> {
        self.diversity.as_ref()
    }

    /// The backend of the current (or last) run, e.g. "cpu (flex)"; before the first run, what
    /// the choice will do.
    pub fn backend_text(&self) -> String {
        match &self.backend_in_use {
            Some(backend) => backend.clone(),
            None => format!("compute: {}", backend_label(self.backend)),
        }
    }

    /// A one-line state for the status bar, e.g. "training: step 120/600".
    pub fn status_text(&self) -> String {
        match &self.state {
            TrainState::Idle => "training: idle".into(),
            TrainState::Failed(_) => "training: failed".into(),
            TrainState::Finished { step } => format!("training: finished at step {step}"),
            state => format!(
                "training: {} (step {}/{})",
                state.label(),
                self.step,
                self.total_steps
            ),
        }
    }

    /// Starts a new run with the configuration on the data set chosen, in a new folder under
    /// the runs folder. Problems are reported through `notifications`.
    pub fn start(&mut self, ctx: &egui::Context, notifications: &mut Notifications) {
        if self.state.is_active() {
            return;
        }
        let Some(dataset) = self.dataset().cloned() else {
            notifications.error("choose a data set before starting a run");
            return;
        };
        let run_dir = new_run_dir(&self.runs_dir);
        let config = self.config.clone();
        let backend = self.backend;
        let make = move || Trainer::new(config, dataset, &select(backend)?.device);
        self.spawn(ctx, make, run_dir, notifications);
    }

    /// Continues the run saved in `dir` on the data set chosen (it must be the same data set;
    /// the worker refuses another). New checkpoints go into the same folder.
    pub fn resume_from(
        &mut self,
        ctx: &egui::Context,
        dir: PathBuf,
        notifications: &mut Notifications,
    ) {
        if self.state.is_active() {
            return;
        }
        let Some(dataset) = self.dataset().cloned() else {
            notifications.error(format!(
                "choose the data set the run was trained on before resuming it: {}",
                dir.display()
            ));
            return;
        };
        let from = dir.clone();
        let backend = self.backend;
        let make = move || Trainer::resume(&from, dataset, &select(backend)?.device);
        self.spawn(ctx, make, dir, notifications);
    }

    fn spawn<F>(
        &mut self,
        ctx: &egui::Context,
        make: F,
        run_dir: PathBuf,
        notifications: &mut Notifications,
    ) where
        F: FnOnce() -> Result<Trainer, crate::train::TrainError> + Send + 'static,
    {
        let repaint_ctx = ctx.clone();
        let options = WorkerOptions {
            run_dir: Some(run_dir.clone()),
            start_paused: false,
            background: true,
            repaint: Some(Arc::new(move || repaint_ctx.request_repaint())),
            judge: Some(LikeOptions {
                tunes: 96,
                ..LikeOptions::default()
            }),
        };
        match TrainWorker::spawn(make, options) {
            Ok(worker) => {
                self.worker = Some(worker);
                self.state = TrainState::Starting;
                self.run_dir = Some(run_dir);
                self.step = 0;
                self.total_steps = 0;
                self.last_stats = None;
                self.last_checkpoint = None;
                for series in self.history.all_mut() {
                    series.clear();
                }
                self.samples.clear();
                self.diversity = None;
                self.quality = QualityHistory::default();
            }
            Err(e) => {
                notifications.error(format!("could not start the training thread: {e}"));
            }
        }
    }

    fn control(&mut self, control: TrainControl) {
        if let Some(worker) = &self.worker {
            worker.send(control);
        }
    }

    /// Asks the run to pause after the step under way.
    pub fn pause(&mut self) {
        if self.state == TrainState::Running {
            self.control(TrainControl::Pause);
        }
    }

    /// Asks a paused run to go on.
    pub fn resume(&mut self) {
        if self.state == TrainState::Paused {
            self.control(TrainControl::Resume);
        }
    }

    /// Runs exactly one step of a paused run.
    pub fn single_step(&mut self) {
        if self.state == TrainState::Paused {
            self.control(TrainControl::Step);
        }
    }

    /// Asks the run to save a checkpoint and end.
    pub fn stop(&mut self) {
        if self.state.is_active() && self.state != TrainState::Stopping {
            self.control(TrainControl::Stop);
            self.state = TrainState::Stopping;
        }
    }

    /// Drains the worker's messages and polls background jobs; call once per frame. Never
    /// blocks.
    pub fn poll(&mut self, ctx: &egui::Context, notifications: &mut Notifications) {
        for (level, text) in self.pending.drain(..) {
            match level {
                Level::Info => notifications.info(text),
                Level::Error => notifications.error(text),
            }
        }
        self.poll_data(notifications);
        self.poll_dialog(ctx, notifications);
        // At most a few thousand messages a frame, so a flood cannot stall the UI.
        for _ in 0..4096 {
            let Some(message) = self.worker.as_ref().and_then(TrainWorker::try_recv) else {
                break;
            };
            self.handle(message, notifications);
        }
    }

    fn poll_data(&mut self, notifications: &mut Notifications) {
        let Data::Loading { label, job } = &mut self.data else {
            return;
        };
        match job.poll() {
            Poll::Pending => {}
            Poll::Done(Ok(dataset)) => {
                let label = std::mem::take(label);
                self.data = Data::Ready {
                    label,
                    dataset: Arc::new(dataset),
                };
            }
            Poll::Done(Err(message)) => {
                notifications.error(format!("could not load the training data: {message}"));
                self.data = Data::Failed(message);
            }
            Poll::Lost => {
                let message = "the data set loader stopped unexpectedly".to_string();
                notifications.error(message.clone());
                self.data = Data::Failed(message);
            }
        }
    }

    fn poll_dialog(&mut self, ctx: &egui::Context, notifications: &mut Notifications) {
        let Some((pick, job)) = &mut self.dialog else {
            return;
        };
        let pick = *pick;
        match job.poll() {
            Poll::Pending => {}
            Poll::Done(path) => {
                self.dialog = None;
                if let Some(path) = path {
                    match pick {
                        Pick::Folder => self.load_source(ctx, DataSource::Folder(path)),
                        Pick::Maestro => self.load_source(ctx, DataSource::Maestro(path)),
                        Pick::AbcFile => self.load_source(ctx, DataSource::Abc(vec![path])),
                        Pick::Checkpoint => self.resume_from(ctx, path, notifications),
                    }
                }
            }
            Poll::Lost => {
                self.dialog = None;
                notifications.error("no file dialog is available here");
            }
        }
    }

    fn open_dialog(&mut self, ctx: &egui::Context, pick: Pick) {
        if self.dialog.is_some() {
            return;
        }
        // The native dialog blocks its thread, so it runs on its own.
        let job = Job::spawn(ctx, "train-dialog", move || match pick {
            Pick::AbcFile => rfd::FileDialog::new()
                .add_filter("ABC tunes", &["abc"])
                .pick_file(),
            Pick::Folder | Pick::Maestro | Pick::Checkpoint => rfd::FileDialog::new().pick_folder(),
        });
        self.dialog = Some((pick, job));
    }

    fn handle(&mut self, message: TrainMessage, notifications: &mut Notifications) {
        match message {
            TrainMessage::Started {
                step,
                total_steps,
                steps_per_epoch,
                backend,
            } => {
                self.backend_in_use = Some(backend);
                self.step = step;
                self.total_steps = total_steps;
                self.steps_per_epoch = steps_per_epoch;
                if self.state == TrainState::Starting {
                    self.state = TrainState::Running;
                }
            }
            TrainMessage::Step(stats) => {
                if stats.phase == Phase::Gan {
                    self.quality.mark_adversarial_start();
                }
                self.step = stats.step;
                self.history.push_step(&stats);
                self.last_stats = Some(stats);
            }
            TrainMessage::Epoch {
                step, validation, ..
            } => {
                if let Some(v) = validation {
                    self.history
                        .validation_loss
                        .push(step as f64, f64::from(v.loss));
                    self.history
                        .validation_accuracy
                        .push(step as f64, f64::from(v.accuracy));
                }
            }
            TrainMessage::Judged {
                epoch,
                step,
                quality,
                reference,
            } => self.quality.push(epoch, step, *quality, *reference),
            TrainMessage::Sample {
                epoch,
                step,
                tokens,
                ..
            } => self.add_sample(epoch, step, tokens, notifications),
            TrainMessage::CheckpointSaved { step, path } => {
                self.last_checkpoint = Some((step, path));
            }
            TrainMessage::Warning(text) => notifications.info(format!("Training: {text}")),
            TrainMessage::Paused { step } => {
                self.step = step;
                if self.state != TrainState::Stopping {
                    self.state = TrainState::Paused;
                }
            }
            TrainMessage::Resumed => {
                if self.state != TrainState::Stopping {
                    self.state = TrainState::Running;
                }
            }
            TrainMessage::Finished { step } => {
                self.step = step;
                self.state = TrainState::Finished { step };
                // The thread is ending; dropping the handle does not wait for it.
                self.worker = None;
                let saved = self
                    .run_dir
                    .as_ref()
                    .map(|d| format!("; checkpoint in {}", d.display()))
                    .unwrap_or_default();
                notifications.info(format!("Training finished after {step} steps{saved}"));
            }
            TrainMessage::GeneratorWeights { step, weights } => {
                self.new_weights = Some((step, weights));
            }
            TrainMessage::Failed(message) => {
                notifications.error(format!("training failed: {message}"));
                self.state = TrainState::Failed(message);
                self.worker = None;
            }
        }
    }

    fn add_sample(
        &mut self,
        epoch: u64,
        step: u64,
        tokens: Vec<u32>,
        notifications: &mut Notifications,
    ) {
        let piece = sample_piece(&tokens, epoch);
        self.samples.push(SampleEntry {
            epoch,
            step,
            tokens,
            piece,
        });
        let recent: Vec<&[u32]> = self.samples.iter().map(|s| s.tokens.as_slice()).collect();
        let was_collapsed = self.diversity.as_ref().is_some_and(Diversity::collapsed);
        self.diversity = charts::collapse_check(&recent);
        if !was_collapsed && self.diversity.as_ref().is_some_and(Diversity::collapsed) {
            notifications.info(format!(
                "The samples are losing their variety (epoch {epoch}): the generator may be \
                 collapsing onto a few patterns. See the Train panel."
            ));
        }
    }

    /// Draws the panel; returns what the user asked of the app (e.g. play a sample).
    pub fn ui(&mut self, ui: &mut egui::Ui) -> Option<TrainPanelAction> {
        let mut action = None;
        ui.heading("Train");
        ui.label("Watch a GAN learn melodies: a generator writes, a critic judges.");
        explanations_ui(ui);
        ui.separator();
        self.data_ui(ui);
        ui.separator();
        self.settings_ui(ui);
        ui.separator();
        self.controls_ui(ui);
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
        let idle = !self.state.is_active() && !self.is_loading() && self.dialog.is_none();
        let folk_present = self
            .folk_dir
            .as_deref()
            .is_some_and(fetch::folk_is_present_in);
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
                && let Some(dir) = self.folk_dir.clone()
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
                    let available = preset.config().is_some();
                    let selected = self.preset == Some(preset);
                    let response = ui
                        .add_enabled(
                            available,
                            egui::Button::selectable(selected, preset.label()),
                        )
                        .on_hover_text(preset.description())
                        .on_disabled_hover_text(NOT_YET);
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
        let before = self.config.clone();
        let mut loss = self.config.loss;
        let mut backend = self.backend;
        let c = &mut self.config;
        egui::Grid::new("train-hyperparameters-grid")
            .num_columns(2)
            .show(ui, |ui| {
                let label = ui.label("Adversarial loss");
                egui::ComboBox::from_id_salt("train-loss")
                    .selected_text(loss.name())
                    .show_ui(ui, |ui| {
                        for choice in GanLoss::ALL {
                            ui.selectable_value(&mut loss, choice, choice.name());
                        }
                    })
                    .response
                    .labelled_by(label.id)
                    .on_hover_text(
                        "bce: the original GAN; wgan-clip / wgan-gp: a Wasserstein critic \
                         (choosing one applies its paper's optimizer settings)",
                    );
                ui.end_row();
                let label = ui.label("Compute");
                egui::ComboBox::from_id_salt("train-backend")
                    .selected_text(backend_label(backend))
                    .show_ui(ui, |ui| {
                        for choice in [BackendChoice::Auto, BackendChoice::Cpu, BackendChoice::Wgpu]
                        {
                            ui.selectable_value(&mut backend, choice, backend_label(choice));
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
                labelled(
                    ui,
                    "Pre-training steps",
                    egui::DragValue::new(&mut c.mle_steps).range(0..=1_000_000),
                );
                labelled(
                    ui,
                    "Adversarial steps",
                    egui::DragValue::new(&mut c.gan_steps).range(0..=1_000_000),
                );
                labelled(
                    ui,
                    "Batch size",
                    egui::DragValue::new(&mut c.batch_size).range(1..=1024),
                );
                labelled(
                    ui,
                    "Learning rate",
                    egui::DragValue::new(&mut c.learning_rate)
                        .range(1e-6..=1e-1)
                        .speed(1e-5)
                        .max_decimals(6),
                );
                labelled(ui, "Random seed", egui::DragValue::new(&mut c.seed));
                labelled(
                    ui,
                    "Checkpoint every (steps)",
                    egui::DragValue::new(&mut c.checkpoint_every).range(0..=1_000_000),
                );
            });
        self.backend = backend;
        if loss != self.config.loss {
            self.config = self.config.clone().with_loss(loss).apply_loss_preset();
        }
        if self.config != before {
            self.preset = None;
        }
    }

    fn controls_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        let mut notifications = Notifications::default();
        ui.horizontal_wrapped(|ui| match &self.state {
            TrainState::Idle | TrainState::Finished { .. } | TrainState::Failed(_) => {
                let ready = self.dataset().is_some();
                if ui
                    .add_enabled(ready, egui::Button::new("Start"))
                    .on_hover_text("Start a new run with these settings")
                    .on_disabled_hover_text("Choose a data set first")
                    .clicked()
                {
                    self.start(&ctx, &mut notifications);
                }
                if ui
                    .add_enabled(
                        ready && self.dialog.is_none(),
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
        // Messages raised by a click reach the app's notifications at the next poll.
        self.pending.extend(
            notifications
                .texts()
                .map(|(level, text)| (level, text.to_string())),
        );
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

    fn charts_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            let label = ui.label("Smoothing");
            let mut smoothing = self.smoothing;
            ui.add(egui::Slider::new(&mut smoothing, 0.0..=0.99))
                .labelled_by(label.id)
                .on_hover_text(
                    "Debiased exponential moving average, as TensorBoard draws it: the faint \
                     line is the raw value of each step, the bold one its running average",
                );
            if smoothing != self.smoothing {
                self.smoothing = smoothing;
                for series in self.history.all_mut() {
                    series.set_smoothing(smoothing);
                }
            }
        });
        let h = &self.history;
        if self.loss_point_count() == 0 {
            ui.label(RichText::new("The charts fill in once the run starts.").weak());
            return;
        }
        let blue = Color32::from_rgb(70, 130, 230);
        let red = Color32::from_rgb(220, 80, 60);
        let green = Color32::from_rgb(60, 170, 90);
        let grey = Color32::from_rgb(150, 150, 150);
        if !h.mle_loss.is_empty() {
            chart_ui(
                ui,
                "Pre-training loss (cross-entropy)",
                "train-chart-mle",
                &[
                    ("G loss (pre-training)", blue, &h.mle_loss),
                    ("validation loss", green, &h.validation_loss),
                ],
                None,
            );
            chart_ui(
                ui,
                "Next-note accuracy",
                "train-chart-accuracy",
                &[
                    ("training accuracy", blue, &h.mle_accuracy),
                    ("validation accuracy", green, &h.validation_accuracy),
                ],
                None,
            );
        }
        let critic = self
            .last_stats
            .as_ref()
            .and_then(|s| s.loss)
            .is_some_and(GanLoss::is_wasserstein);
        if !h.g_loss.is_empty() && critic {
            chart_ui(
                ui,
                "Adversarial losses (Wasserstein critic)",
                "train-chart-gan",
                &[("G loss", blue, &h.g_loss), ("critic loss", red, &h.d_loss)],
                None,
            );
            chart_ui(
                ui,
                "Wasserstein estimate: C(real) - C(fake)",
                "train-chart-wasserstein",
                &[("Wasserstein estimate", green, &h.wasserstein)],
                Some(("indistinguishable (0)", 0.0)),
            );
            chart_ui(
                ui,
                "Critic scores: C(real) and C(fake)",
                "train-chart-d",
                &[("C(real)", green, &h.d_real), ("C(fake)", red, &h.d_fake)],
                None,
            );
        } else if !h.g_loss.is_empty() {
            chart_ui(
                ui,
                "Adversarial losses",
                "train-chart-gan",
                &[("G loss", blue, &h.g_loss), ("D loss", red, &h.d_loss)],
                Some(("balance (ln 2)", std::f64::consts::LN_2)),
            );
            chart_ui(
                ui,
                "What D thinks: D(real) and D(fake)",
                "train-chart-d",
                &[("D(real)", green, &h.d_real), ("D(fake)", red, &h.d_fake)],
                Some(("undecided (0.5)", 0.5)),
            );
        }
        quality_charts_ui(ui, &self.quality);
        if !h.steps_per_second.is_empty() {
            chart_ui(
                ui,
                "Speed (steps per second)",
                "train-chart-speed",
                &[("steps/s", grey, &h.steps_per_second)],
                None,
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

/// A label and a widget in a grid row, the widget named by the label for screen readers and
/// tests.
fn labelled(ui: &mut egui::Ui, label: &str, widget: impl egui::Widget) {
    let label = ui.label(label);
    ui.add(widget).labelled_by(label.id);
    ui.end_row();
}

/// One chart: each series raw (faint) and smoothed (bold), split at non-finite values, with
/// an optional horizontal reference line.
fn chart_ui(
    ui: &mut egui::Ui,
    title: &str,
    id: &str,
    series: &[(&str, Color32, &SmoothedSeries)],
    reference: Option<(&str, f64)>,
) {
    charts::titled_plot_ui(ui, title, id, move |plot| {
        if let Some((name, y)) = reference {
            charts::reference_line(plot, name, y);
        }
        for (name, color, s) in series.iter().filter(|(_, _, s)| !s.is_empty()) {
            let (raw, smoothed) = s.thinned(charts::DRAW_BUCKETS);
            charts::draw_series(plot, name, color.gamma_multiply(0.3), 1.0, &raw);
            charts::draw_series(plot, name, *color, 2.0, &smoothed);
        }
    });
}

/// The plain-language guide to the panel.
fn explanations_ui(ui: &mut egui::Ui) {
    egui::CollapsingHeader::new("What am I looking at?")
        .id_salt("train-explanations")
        .show(ui, |ui| {
            for (title, text) in EXPLANATIONS {
                ui.label(RichText::new(*title).strong());
                ui.label(*text);
                ui.add_space(4.0);
            }
        });
}

/// The guide's paragraphs.
const EXPLANATIONS: &[(&str, &str)] = &[
    (
        "Two networks, one game",
        "The generator (G) writes melodies one 16th-note step at a time: at each step it \
         guesses which note comes next. The discriminator (D, the critic) reads melodies and \
         says how sure it is that they are real ones from the data set rather than G's. G \
         learns by trying to fool D; D learns by not being fooled. Neither is told what makes \
         a good melody: G only ever learns it through D's eyes.",
    ),
    (
        "Pre-training first",
        "Before the game starts, G practises alone: it reads real melodies and learns to \
         predict each next note (teacher forcing). The pre-training loss is how surprised it \
         is by the real next note (lower is better; about 4.5 means pure guessing among 92 \
         tokens), and the accuracy is how often its top guess is right. The validation curves \
         measure the same on melodies it never trains on: if they rise while the training \
         curve falls, G is memorizing instead of learning.",
    ),
    (
        "The adversarial losses",
        "G loss is high when D sees through G's melodies; D loss is high when D is fooled. In \
         a healthy game they hover around each other near ln 2 (0.69), the point where D can \
         no longer tell. If D loss drops to zero and stays there, D has won and G gets no \
         useful hints; if G loss plunges while the samples stop changing, G may have found a \
         trick rather than music.",
    ),
    (
        "D(real) and D(fake)",
        "D's average verdict, from 0 (surely generated) to 1 (surely real), on real melodies \
         and on G's. Early on they sit far apart; as G improves, D(fake) climbs towards \
         D(real) and both drift towards 0.5, where D is only guessing.",
    ),
    (
        "The Wasserstein estimate (WGAN runs)",
        "With a Wasserstein critic, D gives scores instead of probabilities: C(real) and \
         C(fake) are only meaningful relative to each other. Their difference estimates how far \
         apart the real and generated melodies are (the Wasserstein distance, up to a scale): \
         it should shrink towards 0 as G improves, and unlike the BCE losses it tends to fall \
         steadily when training goes well.",
    ),
    (
        "Faint and bold lines",
        "Each step is measured on a small random batch, so raw values jump around (faint \
         line). The bold line is a running average that shows the trend; the Smoothing slider \
         sets how long its memory is. A gap in a line means the value was not a number (the \
         training blew up at that step).",
    ),
    (
        "Samples and mode collapse",
        "At the end of every pass over the data (an epoch) G writes a short melody: play them \
         in order to hear it improve. If the recent samples all sound alike, or keep \
         repeating one figure, G has collapsed onto a few patterns that fool D; the panel \
         warns when the variety of the last four samples falls below a threshold.",
    ),
];

/// A new run folder under `runs_dir`, named by the time (a suffix keeps it unique).
fn new_run_dir(runs_dir: &Path) -> PathBuf {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let base = runs_dir.join(format!("run-{seconds}"));
    let mut dir = base.clone();
    let mut n = 1;
    while dir.exists() {
        n += 1;
        dir = runs_dir.join(format!("run-{seconds}-{n}"));
    }
    dir
}

/// An epoch's sample as a one-part piece (lenient decoding: the model's output may hold a
/// note it never struck), or `None` when its ids are not tokens.
fn sample_piece(ids: &[u32], epoch: u64) -> Option<Piece> {
    let tokens = from_ids(ids).ok()?;
    let notes = decode_notes_lenient(&tokens, DEFAULT_TICKS_PER_QUARTER, Velocity::DEFAULT).ok()?;
    let mut piece = Piece::from_notes(DEFAULT_TICKS_PER_QUARTER, "Sample", notes).ok()?;
    piece.title = format!("Sample of epoch {epoch}");
    Some(piece)
}

/// What the Compute menu calls a backend choice.
fn backend_label(choice: BackendChoice) -> &'static str {
    match choice {
        BackendChoice::Auto => "Automatic (GPU if present)",
        BackendChoice::Cpu => "Processor (CPU)",
        BackendChoice::Wgpu => "Graphics card (wgpu)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::tokens::{HOLD_ID, REST_ID};

    #[test]
    fn samples_decode_into_playable_pieces() {
        // C4 (id 60 - 21 = 39) held for 2 steps, a rest, then E4 for one step.
        let ids = [39, HOLD_ID, REST_ID, 43];
        let piece = sample_piece(&ids, 3).unwrap();
        assert_eq!(piece.note_count(), 2);
        let notes: Vec<_> = piece.notes().copied().collect();
        let sixteenth = u64::from(DEFAULT_TICKS_PER_QUARTER) / 4;
        assert_eq!(notes[0].pitch.get(), 60);
        assert_eq!(notes[0].start, 0);
        assert_eq!(notes[0].duration.get(), 2 * sixteenth);
        assert_eq!(notes[1].pitch.get(), 64);
        assert_eq!(notes[1].start, 3 * sixteenth);
        assert_eq!(piece.title, "Sample of epoch 3");
        assert!(sample_piece(&[500], 0).is_none());
    }

    #[test]
    fn presets_for_missing_variants_are_refused() {
        let mut panel = TrainPanel::new(PathBuf::from("runs"), None);
        assert_eq!(panel.preset(), Some(Preset::QuickLook));
        assert!(panel.set_preset(Preset::Standard));
        assert_eq!(panel.config().batch_size, 64);
        assert!(panel.set_preset(Preset::WganNoiseL2));
        let wgan = panel.config();
        assert_eq!(wgan.loss, GanLoss::WganClip);
        assert_eq!(wgan.d_steps, 5);
        assert_eq!(wgan.generator.noise_std, 0.1);
        assert_eq!(wgan.discriminator.noise_std, 0.1);
        assert!(wgan.g_weight_decay > 0.0 && wgan.d_weight_decay > 0.0);
        assert!(panel.set_preset(Preset::Standard));
        assert!(!panel.set_preset(Preset::CRnnGan));
        assert_eq!(panel.preset(), Some(Preset::Standard));
        let quick = Preset::QuickLook.config().unwrap();
        assert_eq!(quick.total_steps(), 1800);
    }

    #[test]
    fn run_folders_are_new() {
        let dir = tempfile::tempdir().unwrap();
        let first = new_run_dir(dir.path());
        std::fs::create_dir_all(&first).unwrap();
        let second = new_run_dir(dir.path());
        assert_ne!(first, second);
        assert!(second.starts_with(dir.path()));
    }
}
