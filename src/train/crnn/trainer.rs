//! A C-RNN-GAN run stepped from the outside: the networks, their optimizers, the event
//! windows and their order, the phase, checkpoints and samples.

use std::path::{Path, PathBuf};

use burn::optim::ModuleOptimizer;
use burn::tensor::{Device, Tensor, TensorData};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::checkpoint::{CrnnParts, load_crnn_checkpoint, remove_stale, save_crnn_checkpoint};
use super::config::{CrnnTrainConfig, crnn_adam};
use super::events::{Event, EventCorpus, EventWindow, FEATURES, piece_from_events};
use super::step::{GanSettings, gan_step, mle_loss, mle_step};
use crate::data::{Dataset, Split};
use crate::model::crnn::{CrnnDiscriminator, CrnnGenerator};
use crate::music::Piece;
use crate::train::error::{TrainError, scalar};
use crate::train::stats::{Phase, StepStats};
use crate::train::store::Networks;
use crate::train::trainer::dataset_fingerprint;

/// The figures of one C-RNN-GAN step: the figures every run reports ([`StepStats`]), with
/// C-RNN-GAN's own (`g_adversarial`, `g_frozen`, `d_frozen`) filled in.
pub type CrnnStepStats = StepStats;

/// A C-RNN-GAN training run.
pub struct CrnnTrainer {
    config: CrnnTrainConfig,
    seed: u64,
    device: Device,
    corpus: EventCorpus,
    fingerprint: u64,
    generator: CrnnGenerator,
    discriminator: CrnnDiscriminator,
    generator_optimizer: ModuleOptimizer,
    discriminator_optimizer: ModuleOptimizer,
    step: u64,
    windows: Vec<EventWindow>,
    windows_epoch: Option<u64>,
    /// The step this session ends at, when earlier than the end of both phases.
    stop_at: Option<u64>,
}

impl CrnnTrainer {
    /// Starts a run on the pieces of `dataset` (decoded to events, keeping its splits):
    /// seeds `device` with `seed`, then creates both networks on `device.autodiff()`.
    pub fn new(
        config: CrnnTrainConfig,
        dataset: &Dataset,
        seed: u64,
        device: &Device,
    ) -> Result<Self, TrainError> {
        let corpus = checked_corpus(&config, dataset)?;
        let device = device.clone().autodiff();
        device.seed(seed);
        let generator = config.generator.init(&device)?;
        let discriminator = config.discriminator.init(&device)?;
        Ok(Self {
            fingerprint: dataset_fingerprint(dataset),
            generator_optimizer: crnn_adam(&config),
            discriminator_optimizer: crnn_adam(&config),
            config,
            seed,
            device,
            corpus,
            generator,
            discriminator,
            step: 0,
            windows: Vec::new(),
            windows_epoch: None,
            stop_at: None,
        })
    }

    /// Continues the run saved in `dir`, on the same data set (refused otherwise): the same
    /// configuration, seed, weights, optimizer states and step, so it goes on exactly as the
    /// run would have. Files a killed save left in `dir` are removed first.
    pub fn load(dir: &Path, dataset: &Dataset, device: &Device) -> Result<Self, TrainError> {
        let device = device.clone().autodiff();
        let fingerprint = dataset_fingerprint(dataset);
        let checkpoint = load_crnn_checkpoint(dir, &device, Some(fingerprint))?;
        let config = checkpoint.manifest.config.clone();
        let corpus = checked_corpus(&config, dataset)?;
        remove_stale(dir, &checkpoint.manifest);
        Ok(Self {
            config,
            seed: checkpoint.manifest.seed,
            device,
            corpus,
            fingerprint,
            generator: checkpoint.generator,
            discriminator: checkpoint.discriminator,
            generator_optimizer: checkpoint.generator_optimizer,
            discriminator_optimizer: checkpoint.discriminator_optimizer,
            step: checkpoint.manifest.step,
            windows: Vec::new(),
            windows_epoch: None,
            stop_at: None,
        })
    }

    /// Saves a checkpoint into the run folder `dir`; returns the manifest's path.
    pub fn save(&self, dir: &Path) -> Result<PathBuf, TrainError> {
        let parts = CrnnParts {
            config: &self.config,
            seed: self.seed,
            step: self.step,
            dataset_fingerprint: self.fingerprint,
            networks: Networks {
                generator: &self.generator,
                discriminator: &self.discriminator,
                generator_optimizer: &self.generator_optimizer,
                discriminator_optimizer: &self.discriminator_optimizer,
            },
        };
        Ok(save_crnn_checkpoint(dir, &parts)?)
    }

    /// The run's configuration.
    pub fn config(&self) -> &CrnnTrainConfig {
        &self.config
    }

    /// The run's seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The event windows trained on.
    pub fn corpus(&self) -> &EventCorpus {
        &self.corpus
    }

    /// Steps done.
    pub fn steps_done(&self) -> u64 {
        self.step
    }

    /// Whether both phases' steps are done, or the steps of [`CrnnTrainer::stop_after`]
    /// (further steps stay adversarial).
    pub fn is_done(&self) -> bool {
        self.step >= self.target_steps()
    }

    /// Ends this session after `steps` more steps (0: at the end of both phases), e.g. a
    /// command line run of a given number of steps.
    pub fn stop_after(&mut self, steps: u64) {
        self.stop_at = (steps > 0).then(|| self.step.saturating_add(steps));
    }

    /// The step this session ends at: the end of both phases, or earlier after
    /// [`CrnnTrainer::stop_after`].
    pub fn target_steps(&self) -> u64 {
        let total = self.config.total_steps();
        self.stop_at.map_or(total, |at| at.min(total))
    }

    /// The device it trains on (autodiff).
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The phase of the next step.
    pub fn phase(&self) -> Phase {
        if self.step < self.config.mle_steps {
            Phase::Mle
        } else {
            Phase::Gan
        }
    }

    /// Batches per epoch (a partial last batch is dropped; a training split smaller than one
    /// batch makes one smaller batch).
    pub fn steps_per_epoch(&self) -> u64 {
        let windows = self.corpus.windows(Split::Train).len();
        (windows / self.config.batch_size.max(1)).max(1) as u64
    }

    /// The generator (on the autodiff device; call `valid()` for inference).
    pub fn generator(&self) -> &CrnnGenerator {
        &self.generator
    }

    /// The discriminator (on the autodiff device).
    pub fn discriminator(&self) -> &CrnnDiscriminator {
        &self.discriminator
    }

    /// Runs one step of the current phase. On a divergence (a NaN or infinite loss) the
    /// error names the step and the networks stay as they were before it.
    pub fn step(&mut self) -> Result<StepStats, TrainError> {
        let (epoch, windows) = self.next_windows()?;
        let step = self.step + 1;
        let real = self.features_tensor(&windows, &self.device);
        let noise = noise_tensor(
            [
                windows.len(),
                self.config.events,
                self.config.generator.noise,
            ],
            noise_seed(self.seed, step),
            &self.device,
        );
        let stats = match self.phase() {
            Phase::Mle => {
                let lr = self.config.mle_learning_rate;
                let (generator, loss) = mle_step(
                    self.generator.clone(),
                    &mut self.generator_optimizer,
                    real,
                    noise,
                    lr,
                    step,
                )?;
                self.generator = generator;
                StepStats {
                    g_frozen: Some(false),
                    d_frozen: Some(false),
                    ..StepStats::new(step, epoch, Phase::Mle, loss, lr)
                }
            }
            Phase::Gan => {
                let settings = GanSettings {
                    learning_rate: self.config.gan_learning_rate,
                    freeze_threshold: self.config.freeze_threshold,
                    feature_matching: self.config.feature_matching,
                };
                let (generator, discriminator, stats) = gan_step(
                    self.generator.clone(),
                    self.discriminator.clone(),
                    (
                        &mut self.generator_optimizer,
                        &mut self.discriminator_optimizer,
                    ),
                    (real, noise),
                    settings,
                    step,
                )?;
                self.generator = generator;
                self.discriminator = discriminator;
                StepStats {
                    g_adversarial: Some(stats.g_adversarial),
                    d_loss: Some(stats.d_loss),
                    d_real: Some(stats.d_real),
                    d_fake: Some(stats.d_fake),
                    g_frozen: Some(stats.frozen.generator),
                    d_frozen: Some(stats.frozen.discriminator),
                    ..StepStats::new(
                        step,
                        epoch,
                        Phase::Gan,
                        stats.g_loss,
                        settings.learning_rate,
                    )
                }
            }
        };
        self.step = step;
        Ok(stats)
    }

    /// The generator's teacher-forced squared error on up to `batches` batches of the
    /// validation split, with fixed noise (`None` when that split has no window).
    pub fn validate(&self, batches: usize) -> Result<Option<f32>, TrainError> {
        let windows = self.corpus.windows(Split::Validation);
        let device = self.device.clone().inner();
        let generator = burn::module::Module::valid(&self.generator);
        let (mut sum, mut weight) = (0.0f64, 0.0f64);
        for (index, chunk) in windows
            .chunks(self.config.batch_size.max(1))
            .take(batches)
            .enumerate()
        {
            let real = self.features_tensor(chunk, &device);
            let shape = [chunk.len(), self.config.events, self.config.generator.noise];
            let noise = noise_tensor(shape, noise_seed(self.seed, index as u64), &device);
            let loss = scalar(mle_loss(&generator, real, noise))?;
            sum += f64::from(loss) * chunk.len() as f64;
            weight += chunk.len() as f64;
        }
        Ok((weight > 0.0).then(|| (sum / weight) as f32))
    }

    /// Generates `count` melodies of `events` notes each from noise drawn with `seed`, as
    /// monophonic pieces on the 16th grid (see [`sample_pieces`]).
    pub fn sample(&self, count: usize, events: usize, seed: u64) -> Result<Vec<Piece>, TrainError> {
        sample_pieces(&self.generator, count, events, seed)
    }

    /// The windows of the next step and their epoch: epoch `e` visits the training windows in
    /// the order drawn from `seed + e`, `batch_size` at a time.
    fn next_windows(&mut self) -> Result<(u64, Vec<EventWindow>), TrainError> {
        let per_epoch = self.steps_per_epoch();
        let epoch = self.step / per_epoch;
        if self.windows_epoch != Some(epoch) {
            self.windows = self
                .corpus
                .shuffled_windows(Split::Train, self.seed.wrapping_add(epoch));
            self.windows_epoch = Some(epoch);
        }
        let size = self.config.batch_size.max(1);
        let index = (self.step % per_epoch) as usize;
        let start = (index * size).min(self.windows.len());
        let end = (start + size).min(self.windows.len());
        let chunk = self.windows[start..end].to_vec();
        if chunk.is_empty() {
            return Err(TrainError::Data(
                "the training split has no window of events".into(),
            ));
        }
        Ok((epoch, chunk))
    }

    fn features_tensor(&self, windows: &[EventWindow], device: &Device) -> Tensor<3> {
        let values = self.corpus.batch_features(windows);
        let shape = [windows.len(), self.config.events, FEATURES];
        Tensor::from_data(TensorData::new(values, shape), device)
    }
}

/// Generates `count` melodies of `events` notes with a generator (any device; it runs in
/// inference mode), its noise drawn with `seed`: each window of generated features is decoded
/// with [`Event::from_features`] (pitch clamped to the piano, durations at least one 16th) and
/// laid out by [`piece_from_events`], titled "C-RNN-GAN sample N".
pub fn sample_pieces(
    generator: &CrnnGenerator,
    count: usize,
    events: usize,
    seed: u64,
) -> Result<Vec<Piece>, TrainError> {
    if count == 0 || events == 0 {
        return Ok(Vec::new());
    }
    let model = burn::module::Module::valid(generator);
    let device = burn::module::Module::devices(&model)
        .into_iter()
        .next()
        .ok_or_else(|| TrainError::Device("the generator has no device".into()))?;
    let noise = noise_tensor([count, events, model.noise_width()], seed, &device);
    let features = model.generate(noise); // [count, events, F]
    let values = features
        .try_into_data()
        .map_err(|e| TrainError::Device(format!("{e:?}")))?
        .try_to_vec::<f32>()
        .map_err(|e| TrainError::Device(format!("{e:?}")))?;
    let width = model.features();
    let mut pieces = Vec::with_capacity(count);
    for (index, window) in values.chunks(events * width).enumerate() {
        let decoded: Vec<Event> = window
            .chunks(width)
            .map(|f| {
                let mut four = [0.0f32; FEATURES];
                for (slot, value) in four.iter_mut().zip(f) {
                    *slot = *value;
                }
                Event::from_features(four)
            })
            .collect();
        let title = format!("C-RNN-GAN sample {}", index + 1);
        let piece = piece_from_events(&decoded, &title)
            .map_err(|e| TrainError::Batch(format!("a generated melody is invalid: {e}")))?;
        pieces.push(piece);
    }
    Ok(pieces)
}

/// Uniform noise in `[0, 1)` of a shape, drawn from an RNG seeded by `seed` (the same seed
/// gives the same noise on any device).
pub fn noise_tensor(shape: [usize; 3], seed: u64, device: &Device) -> Tensor<3> {
    let mut rng = StdRng::seed_from_u64(seed);
    let values: Vec<f32> = (0..shape.iter().product::<usize>())
        .map(|_| rng.random::<f32>())
        .collect();
    Tensor::from_data(TensorData::new(values, shape), device)
}

/// The noise seed of a step: the run's seed and the step mixed (SplitMix64), so a resumed run
/// draws the same noise as an uninterrupted one.
fn noise_seed(seed: u64, step: u64) -> u64 {
    let mut z = seed ^ step.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn checked_corpus(config: &CrnnTrainConfig, dataset: &Dataset) -> Result<EventCorpus, TrainError> {
    config
        .validate()
        .map_err(|e| TrainError::Batch(format!("C-RNN-GAN configuration: {e}")))?;
    let corpus = EventCorpus::from_dataset(dataset, config.events, config.stride);
    if corpus.windows(Split::Train).is_empty() {
        return Err(TrainError::Data(format!(
            "no training piece has {} notes, the length of a C-RNN-GAN window",
            config.events
        )));
    }
    Ok(corpus)
}
