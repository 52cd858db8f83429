//! One shape for every kind of training run: the token GANs ([`Trainer`]) and C-RNN-GAN
//! ([`CrnnTrainer`]) both implement [`TrainingRun`] (step, save, sample, validate, report),
//! so the one worker ([`super::worker`]) drives either, and the studio and the command line
//! show either the same way. A new kind of GAN implements this trait, a checkpoint layout on
//! [`super::store`], and a way to be resumed in [`resume_run`].

use std::path::{Path, PathBuf};
use std::sync::Arc;

use burn::tensor::Device;

use super::config::TrainConfig;
use super::crnn::checkpoint::CRNN_MANIFEST_FILE;
use super::crnn::{CrnnTrainConfig, CrnnTrainer};
use super::error::{ConfigError, TrainError};
use super::stats::{StepStats, Validation};
use super::trainer::Trainer;
use crate::data::Dataset;
use crate::model::weights::GeneratorWeights;
use crate::music::Piece;

/// A sample a run made at the end of an epoch.
#[derive(Clone, Debug, PartialEq)]
pub struct EpochSample {
    /// The primer's token ids (token runs; empty otherwise).
    pub primer: Vec<u32>,
    /// The generated token ids after the primer (token runs), or the MIDI pitches of the
    /// sample's notes in order (C-RNN-GAN): what the collapse check compares.
    pub tokens: Vec<u32>,
    /// The sample as a melody, for runs that make notes rather than tokens (C-RNN-GAN);
    /// `None` for token runs, whose tokens the front end decodes.
    pub piece: Option<Piece>,
}

/// A training run stepped from the outside.
pub trait TrainingRun {
    /// Steps done.
    fn steps_done(&self) -> u64;
    /// Steps of the whole run (both phases).
    fn total_steps(&self) -> u64;
    /// Batches per epoch (at least 1).
    fn steps_per_epoch(&self) -> u64;
    /// Save a checkpoint every this many steps (0: only at the end).
    fn checkpoint_every(&self) -> u64;
    /// The device it trains on.
    fn device(&self) -> &Device;
    /// Runs one step of the current phase. On a divergence the networks stay as they were.
    fn train_step(&mut self) -> Result<StepStats, TrainError>;
    /// The end-of-epoch validation figures (`None`: the validation split is empty).
    fn validation(&self) -> Result<Option<Validation>, TrainError>;
    /// The sample of the epoch `epoch` that just ended.
    fn epoch_sample(&self, epoch: u64) -> Result<EpochSample, TrainError>;
    /// Saves a checkpoint into the run folder `dir`; returns its manifest's path.
    fn save(&self, dir: &Path) -> Result<PathBuf, TrainError>;
    /// Uses this learning rate from the next step on (refused by runs that cannot).
    fn set_learning_rate(&mut self, learning_rate: f64) -> Result<(), TrainError>;
    /// The generator as weights the Generate panel and the judge can run (`None`: this
    /// kind of run has no such generator).
    fn generator_weights(&self) -> Option<Result<GeneratorWeights, TrainError>> {
        None
    }
    /// The judge hook: the data set whose held-out tunes the generator's tunes are judged
    /// against after each epoch, for runs whose generator writes whole tunes (`None`: not
    /// judged).
    fn judged_dataset(&self) -> Option<&Dataset> {
        None
    }

    /// Whether every step is done.
    fn is_done(&self) -> bool {
        self.steps_done() >= self.total_steps()
    }
    /// The epoch (from 0) of the next step.
    fn epoch(&self) -> u64 {
        self.steps_done() / self.steps_per_epoch().max(1)
    }
    /// Whether the step just done ended an epoch.
    fn at_epoch_end(&self) -> bool {
        let step = self.steps_done();
        step > 0 && step.is_multiple_of(self.steps_per_epoch().max(1))
    }
}

impl TrainingRun for Trainer {
    fn steps_done(&self) -> u64 {
        self.step()
    }
    fn total_steps(&self) -> u64 {
        self.config().total_steps()
    }
    fn steps_per_epoch(&self) -> u64 {
        Trainer::steps_per_epoch(self)
    }
    fn checkpoint_every(&self) -> u64 {
        self.config().checkpoint_every
    }
    fn device(&self) -> &Device {
        Trainer::device(self)
    }
    fn train_step(&mut self) -> Result<StepStats, TrainError> {
        Trainer::train_step(self)
    }
    fn validation(&self) -> Result<Option<Validation>, TrainError> {
        Ok(self.validate()?.map(|v| Validation {
            loss: v.loss,
            accuracy: Some(v.accuracy),
        }))
    }
    fn epoch_sample(&self, epoch: u64) -> Result<EpochSample, TrainError> {
        let primer = self.default_primer();
        let seed = self.config().seed.wrapping_add(epoch);
        let tokens = self.sample(&primer, self.config().sample_tokens, seed)?;
        Ok(EpochSample {
            primer,
            tokens,
            piece: None,
        })
    }
    fn save(&self, dir: &Path) -> Result<PathBuf, TrainError> {
        Trainer::save(self, dir)
    }
    fn set_learning_rate(&mut self, learning_rate: f64) -> Result<(), TrainError> {
        Trainer::set_learning_rate(self, learning_rate)
    }
    fn generator_weights(&self) -> Option<Result<GeneratorWeights, TrainError>> {
        Some(Trainer::generator_weights(self).map_err(|e| TrainError::Device(e.to_string())))
    }
    fn judged_dataset(&self) -> Option<&Dataset> {
        self.generator().reads_places().then(|| self.dataset())
    }
}

/// Validation batches of a C-RNN-GAN epoch (its configuration has no such setting).
const CRNN_VALIDATION_BATCHES: usize = 4;

impl TrainingRun for CrnnTrainer {
    fn steps_done(&self) -> u64 {
        CrnnTrainer::steps_done(self)
    }
    fn total_steps(&self) -> u64 {
        self.target_steps()
    }
    fn steps_per_epoch(&self) -> u64 {
        CrnnTrainer::steps_per_epoch(self)
    }
    fn checkpoint_every(&self) -> u64 {
        self.config().checkpoint_every
    }
    fn device(&self) -> &Device {
        CrnnTrainer::device(self)
    }
    fn train_step(&mut self) -> Result<StepStats, TrainError> {
        self.step()
    }
    fn validation(&self) -> Result<Option<Validation>, TrainError> {
        Ok(self
            .validate(CRNN_VALIDATION_BATCHES)?
            .map(|loss| Validation {
                loss,
                accuracy: None,
            }))
    }
    fn epoch_sample(&self, epoch: u64) -> Result<EpochSample, TrainError> {
        let seed = self.seed().wrapping_add(epoch);
        let piece = self
            .sample(1, self.config().events, seed)?
            .into_iter()
            .next()
            .ok_or_else(|| TrainError::Batch("the generator made no sample".into()))?;
        let tokens = piece.notes().map(|n| u32::from(n.pitch.get())).collect();
        Ok(EpochSample {
            primer: Vec::new(),
            tokens,
            piece: Some(piece),
        })
    }
    fn save(&self, dir: &Path) -> Result<PathBuf, TrainError> {
        CrnnTrainer::save(self, dir)
    }
    fn set_learning_rate(&mut self, _learning_rate: f64) -> Result<(), TrainError> {
        Err(TrainError::Config(ConfigError::Invalid(
            "a C-RNN-GAN run keeps the learning rates of its configuration".into(),
        )))
    }
}

/// The configuration of a new run of either kind.
#[derive(Clone, Debug, PartialEq)]
pub enum RunConfig {
    /// A token GAN (BCE or Wasserstein), seeded by its configuration.
    Token(TrainConfig),
    /// C-RNN-GAN, with its seed.
    Crnn {
        /// The configuration.
        config: CrnnTrainConfig,
        /// The seed of the weights, the batch order and the noise.
        seed: u64,
    },
}

impl RunConfig {
    /// Starts a run of this configuration on `dataset` and `device`.
    pub fn start(
        self,
        dataset: Arc<Dataset>,
        device: &Device,
    ) -> Result<Box<dyn TrainingRun>, TrainError> {
        Ok(match self {
            RunConfig::Token(config) => Box::new(Trainer::new(config, dataset, device)?),
            RunConfig::Crnn { config, seed } => {
                Box::new(CrnnTrainer::new(config, &dataset, seed, device)?)
            }
        })
    }

    /// The same configuration with the seed `seed`.
    pub fn with_seed(self, seed: u64) -> Self {
        match self {
            RunConfig::Token(config) => RunConfig::Token(config.with_seed(seed)),
            RunConfig::Crnn { config, .. } => RunConfig::Crnn { config, seed },
        }
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        match self {
            RunConfig::Token(config) => config.seed,
            RunConfig::Crnn { seed, .. } => *seed,
        }
    }

    /// Steps of the whole run.
    pub fn total_steps(&self) -> u64 {
        match self {
            RunConfig::Token(config) => config.total_steps(),
            RunConfig::Crnn { config, .. } => config.total_steps(),
        }
    }
}

/// Whether the run folder `dir` holds a C-RNN-GAN run (its manifest, and no token GAN's).
pub fn is_crnn_run(dir: &Path) -> bool {
    dir.join(CRNN_MANIFEST_FILE).exists() && !dir.join(super::checkpoint::MANIFEST_FILE).exists()
}

/// Continues the run saved in `dir` on the same data set, whichever kind it is.
pub fn resume_run(
    dir: &Path,
    dataset: Arc<Dataset>,
    device: &Device,
) -> Result<Box<dyn TrainingRun>, TrainError> {
    Ok(if is_crnn_run(dir) {
        Box::new(CrnnTrainer::load(dir, &dataset, device)?)
    } else {
        Box::new(Trainer::resume(dir, dataset, device)?)
    })
}

impl From<Trainer> for Box<dyn TrainingRun> {
    fn from(run: Trainer) -> Self {
        Box::new(run)
    }
}

impl From<CrnnTrainer> for Box<dyn TrainingRun> {
    fn from(run: CrnnTrainer) -> Self {
        Box::new(run)
    }
}
