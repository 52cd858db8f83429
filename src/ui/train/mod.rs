//! The Train panel: watch a GAN learn.
//!
//! The panel owns an optional [`TrainWorker`] and never waits on it: each frame
//! [`TrainPanel::poll`] drains its messages with `try_recv` (the worker asks for a repaint
//! after every message). It shows the data set, a preset and the hyperparameters, the run's
//! controls (Start / Pause / Resume / Single step / Stop, resume from a checkpoint folder),
//! live charts ([`crate::ui::charts`]: raw and debiased-EMA curves, NaN shown as a gap), every
//! epoch's sample with a Play button, a mode-collapse warning, and plain-language
//! explanations of what the two networks do. Every kind of run the worker drives (the token
//! GANs and C-RNN-GAN, [`crate::train::TrainingRun`]) is shown the same way.
//!
//! Loading a data set and the folder/file dialogs run on background jobs, as in the Dataset
//! panel; the app may also hand over the Dataset panel's data set with
//! [`TrainPanel::set_dataset`].
//!
//! The files: this one holds the panel's state and what it offers the app; [`protocol`] the
//! run's life (start, resume, controls, the worker's messages) and the data set's loading;
//! [`history`] the curves and samples of a run and their charts; [`view`] the widgets;
//! [`explain`] the guide's prose; [`quality`] the judge's charts; [`settings`] the choices
//! kept between runs.

mod explain;
mod history;
mod protocol;
mod quality;
mod settings;
mod view;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use history::History;
use protocol::{Data, Pick};
use quality::QualityHistory;

pub use history::SampleEntry;
pub use settings::TrainSettings;

use super::charts::{DEFAULT_SMOOTHING, Diversity};
use super::folk::FolkProbe;
use super::panel::ModelKind;
use crate::data::Dataset;
use crate::data::fetch;
use crate::model::weights::GeneratorWeights;
use crate::model::{DiscriminatorConfig, GeneratorConfig};
use crate::music::Piece;
use crate::train::backend::BackendChoice;
use crate::train::crnn::CrnnTrainConfig;
use crate::train::{Preset, RunConfig, StepStats, TrainConfig, TrainWorker};

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

/// The Train panel's state.
pub struct TrainPanel {
    runs_dir: PathBuf,
    /// Whether the folk set is there (checked off the UI thread).
    folk: FolkProbe,
    cache_dir: Option<PathBuf>,
    data: Data,
    preset: Option<Preset>,
    /// The token GANs' configuration; its seed seeds a C-RNN-GAN run too.
    config: TrainConfig,
    /// The C-RNN-GAN configuration when the next run is one (`None`: a token GAN).
    crnn: Option<CrnnTrainConfig>,
    worker: Option<TrainWorker>,
    state: TrainState,
    run_dir: Option<PathBuf>,
    /// Whether the current (or last) run is a C-RNN-GAN (its charts are titled for it).
    crnn_run: bool,
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
    dialog: super::picker::FilePicker<Pick>,
    /// Generator weights the worker published, not yet offered to the Generate panel: the
    /// run's best by the judge and its newest, each with its label.
    new_models: Vec<(ModelKind, String, Arc<GeneratorWeights>)>,
    /// The step of the last generator the judge called the run's best, with its epoch and
    /// accuracy, until its weights arrive.
    pending_best: Option<(u64, u64, f64)>,
    /// Where runs train: the CPU, wgpu, or the GPU when there is one.
    backend: BackendChoice,
    /// The backend the current (or last) run reported, e.g. "cpu (flex)".
    backend_in_use: Option<String>,
}

impl TrainPanel {
    /// A panel whose runs go into folders under `runs_dir` (e.g. `<data dir>/runs`), with the
    /// folk set looked for in `folk_dir`. It starts with the "Quick look" preset and no data.
    pub fn new(runs_dir: PathBuf, folk_dir: Option<PathBuf>) -> Self {
        let mut panel = TrainPanel {
            runs_dir,
            folk: FolkProbe::new(folk_dir),
            cache_dir: fetch::cache_dir().ok(),
            data: Data::None,
            preset: None,
            config: TrainConfig::new(GeneratorConfig::new(), DiscriminatorConfig::new()),
            crnn: None,
            worker: None,
            state: TrainState::Idle,
            run_dir: None,
            crnn_run: false,
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
            dialog: super::picker::FilePicker::new("train"),
            new_models: Vec::new(),
            pending_best: None,
            backend: BackendChoice::Auto,
            backend_in_use: None,
        };
        panel.set_preset(Preset::QuickLook);
        panel
    }

    /// The generators published by the running training since the last call, each once,
    /// with its kind and label: its newest weights (at each epoch end, checkpoint and
    /// finish) and, when the judge liked an epoch's generator best so far, that one. The
    /// Generate panel offers them while training goes on.
    pub fn take_new_models(&mut self) -> Vec<(ModelKind, String, Arc<GeneratorWeights>)> {
        std::mem::take(&mut self.new_models)
    }

    /// The current (or last) run's folder name, for the models' labels.
    fn run_name(&self) -> String {
        self.run_dir
            .as_deref()
            .and_then(Path::file_name)
            .map_or_else(
                || "the run".to_owned(),
                |n| n.to_string_lossy().into_owned(),
            )
    }

    /// Takes generator weights published at `step`: they are the run's newest, and its best
    /// when the judge said so at that step.
    fn offer_weights(&mut self, step: u64, weights: Arc<GeneratorWeights>) {
        let run = self.run_name();
        if let Some((best_step, epoch, accuracy)) = self.pending_best
            && best_step == step
        {
            self.pending_best = None;
            self.new_models
                .retain(|(kind, ..)| *kind != ModelKind::RunBest);
            self.new_models.push((
                ModelKind::RunBest,
                format!(
                    "best of {run} by the judge (epoch {epoch}, step {step}: told apart {:.0}% \
                     of the time)",
                    100.0 * accuracy
                ),
                Arc::clone(&weights),
            ));
        }
        self.new_models
            .retain(|(kind, ..)| *kind != ModelKind::RunLatest);
        self.new_models.push((
            ModelKind::RunLatest,
            format!("latest weights of {run} (step {step})"),
            weights,
        ));
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

    /// The token GANs' configuration as it will start (its seed also seeds a C-RNN-GAN run).
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// The C-RNN-GAN configuration, when the next run is a C-RNN-GAN.
    pub fn crnn_config(&self) -> Option<&CrnnTrainConfig> {
        self.crnn.as_ref()
    }

    /// The next run's configuration, of either kind.
    pub fn run_config(&self) -> RunConfig {
        match &self.crnn {
            Some(config) => RunConfig::Crnn {
                config: config.clone(),
                seed: self.config.seed,
            },
            None => RunConfig::Token(self.config.clone()),
        }
    }

    /// Replaces the configuration with a token GAN's (no preset is shown as chosen
    /// afterwards).
    pub fn set_config(&mut self, config: TrainConfig) {
        self.config = config;
        self.crnn = None;
        self.preset = None;
    }

    /// Makes the next run a C-RNN-GAN of this configuration, seeded by the seed of
    /// [`TrainPanel::config`] (no preset is shown as chosen afterwards).
    pub fn set_crnn_config(&mut self, config: CrnnTrainConfig) {
        self.crnn = Some(config);
        self.preset = None;
    }

    /// Chooses a preset (the seed stays); returns `true` (every preset can run).
    pub fn set_preset(&mut self, preset: Preset) -> bool {
        match preset.run_config() {
            RunConfig::Token(config) => {
                let seed = self.config.seed;
                self.config = config.with_seed(seed);
                self.crnn = None;
            }
            RunConfig::Crnn { config, .. } => self.crnn = Some(config),
        }
        self.preset = Some(preset);
        true
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
        self.history.loss_point_count()
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
            None => format!("compute: {}", view::backend_label(self.backend)),
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::config::GanLoss;

    #[test]
    fn presets_set_the_configuration_of_their_variant_and_keep_the_seed() {
        let mut panel = TrainPanel::new(PathBuf::from("runs"), None);
        assert_eq!(panel.preset(), Some(Preset::QuickLook));
        panel.config.seed = 5;
        assert!(panel.set_preset(Preset::Standard));
        assert_eq!(panel.config().batch_size, 64);
        assert!(panel.set_preset(Preset::WganNoiseL2));
        assert_eq!(panel.config().loss, GanLoss::WganClip);
        assert_eq!(panel.config().seed, 5);
        assert!(panel.set_preset(Preset::CRnnGan));
        assert_eq!(panel.preset(), Some(Preset::CRnnGan));
        match panel.run_config() {
            RunConfig::Crnn { seed, .. } => assert_eq!(seed, 5),
            other => panic!("expected a C-RNN-GAN run, got {other:?}"),
        }
        panel.set_config(TrainConfig::new(
            GeneratorConfig::new(),
            DiscriminatorConfig::new(),
        ));
        assert!(matches!(panel.run_config(), RunConfig::Token(_)));
        assert_eq!(panel.preset(), None);
    }
}
