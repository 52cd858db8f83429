//! A training run stepped from the outside: the models, their optimizers, the batch order
//! and the phase (MLE pre-training, then adversarial), with checkpoints and samples. The
//! worker thread ([`super::worker`]) and tests drive it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use burn::module::Module;
use burn::optim::ModuleOptimizer;
use burn::tensor::activation::softmax;
use burn::tensor::{Device, Int, Tensor, TensorData};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::checkpoint::{
    CheckpointParts, MANIFEST_FILE, SourceRecord, load_checkpoint, optimizer, remove_stale,
    save_checkpoint,
};
use super::config::GanLoss;
use super::config::{OptimizerKind, TrainConfig};
use super::error::TrainError;
use super::gan::{GanOptimizers, GanSettings, GanStats, adversarial_step};
use super::mle::{MleStats, mle_evaluate, mle_step_with_norm};
use super::reinforce::{Baseline, ReinforceSettings, reinforce_step, sample_tunes};
use super::stats::{Phase, StepStats};
use super::store::Networks;
use crate::data::{DataSource, Dataset, Split, WindowRef};
use crate::generate::WEIGHTS_FILE;
use crate::generate::weights_file::load_weights;
use crate::model::generator::ExportError;
use crate::model::weights::GeneratorWeights;
use crate::model::{Discriminator, Generator};
use crate::music::Metre;
use crate::music::tokens::{END_ID, PAD_ID, REST_ID, START_ID, sequence_code};

/// A training run.
pub struct Trainer {
    config: TrainConfig,
    device: Device,
    dataset: Arc<Dataset>,
    fingerprint: u64,
    generator: Generator,
    discriminator: Discriminator,
    generator_optimizer: ModuleOptimizer,
    discriminator_optimizer: ModuleOptimizer,
    generator_optimizer_kind: OptimizerKind,
    discriminator_optimizer_kind: OptimizerKind,
    step: u64,
    learning_rate_override: Option<f64>,
    data_sources: Vec<SourceRecord>,
    windows: Vec<WindowRef>,
    windows_epoch: Option<u64>,
    critic_windows: Vec<WindowRef>,
    critic_epoch: Option<u64>,
    /// The `reinforce` recipe's moving-average baseline (restarted on resume).
    baseline: Baseline,
}

impl Trainer {
    /// Starts a run: seeds `device` with the configuration's seed, then creates both models on
    /// `device.autodiff()`.
    pub fn new(
        config: TrainConfig,
        dataset: Arc<Dataset>,
        device: &Device,
    ) -> Result<Self, TrainError> {
        let config = config.for_layout(dataset.config.layout);
        config.validate()?;
        check_dataset(&config, &dataset)?;
        let device = device.clone().autodiff();
        device.seed(config.seed);
        let generator = config.generator.init(&device)?;
        let discriminator = config.discriminator.init(&device)?;
        let generator_optimizer_kind = if config.mle_steps > 0 {
            OptimizerKind::Adam
        } else {
            config.gan_optimizer
        };
        let discriminator_optimizer_kind = config.gan_optimizer;
        Ok(Self {
            fingerprint: dataset_fingerprint(&dataset),
            generator_optimizer: optimizer(
                generator_optimizer_kind,
                &config,
                config.g_weight_decay,
            ),
            discriminator_optimizer: optimizer(
                discriminator_optimizer_kind,
                &config,
                config.d_weight_decay,
            ),
            generator_optimizer_kind,
            discriminator_optimizer_kind,
            learning_rate_override: None,
            data_sources: Vec::new(),
            config,
            device,
            dataset,
            generator,
            discriminator,
            step: 0,
            windows: Vec::new(),
            windows_epoch: None,
            critic_windows: Vec::new(),
            critic_epoch: None,
            baseline: Baseline::default(),
        })
    }

    /// Records where the data set came from; saved with every checkpoint so that a resumed
    /// run can read the same data ([`Trainer::data_sources`]).
    pub fn with_data_sources(mut self, sources: &[DataSource]) -> Self {
        self.data_sources = sources.iter().map(SourceRecord::from).collect();
        self
    }

    /// Where the data set came from, as recorded (empty when not known).
    pub fn data_sources(&self) -> Vec<DataSource> {
        self.data_sources.iter().map(DataSource::from).collect()
    }

    /// Starts this run's generator from the generator of the run saved in `dir` (fine-tuning,
    /// e.g. adversarial training on top of an MLE-pre-trained model). The sizes of the two
    /// generators must agree; noise settings, the optimizers and the discriminator stay this
    /// run's own.
    ///
    /// `dir` may also be a weights file (`.gsw`) or a folder holding one (such as
    /// `models/default/`): the shipped model can then start a run.
    pub fn init_generator_from(&mut self, dir: &Path) -> Result<(), TrainError> {
        if !dir.join(MANIFEST_FILE).is_file() {
            let file = if dir.is_dir() {
                dir.join(WEIGHTS_FILE)
            } else {
                dir.to_path_buf()
            };
            let (_, weights) = load_weights(&file).map_err(|e| TrainError::Data(e.to_string()))?;
            self.generator = self
                .generator
                .clone()
                .with_weights(&weights)
                .map_err(|e| TrainError::Data(format!("{}: {e}", file.display())))?;
            return Ok(());
        }
        let checkpoint = load_checkpoint(dir, &self.device, None)?;
        let theirs = &checkpoint.manifest.config.generator;
        let ours = &self.config.generator;
        if (theirs.vocab_size, theirs.embedding, theirs.hidden)
            != (ours.vocab_size, ours.embedding, ours.hidden)
        {
            return Err(TrainError::Data(format!(
                "{}: its generator (V {}, E {}, H {}) does not fit this run's (V {}, E {}, H {})",
                dir.display(),
                theirs.vocab_size,
                theirs.embedding,
                theirs.hidden,
                ours.vocab_size,
                ours.embedding,
                ours.hidden
            )));
        }
        let record = checkpoint.generator.into_record();
        self.generator = self.generator.clone().load_record(record);
        Ok(())
    }

    /// Continues the run saved in `dir`, on the same data set (refused otherwise). Files a
    /// killed save left in `dir` are removed first.
    pub fn resume(dir: &Path, dataset: Arc<Dataset>, device: &Device) -> Result<Self, TrainError> {
        let device = device.clone().autodiff();
        let fingerprint = dataset_fingerprint(&dataset);
        let checkpoint = load_checkpoint(dir, &device, Some(fingerprint))?;
        let manifest = &checkpoint.manifest;
        let config = manifest.config.clone();
        config.validate()?;
        check_dataset(&config, &dataset)?;
        remove_stale(dir, manifest);
        // Manifests from before the override field: a changed rate shows as a difference.
        let learning_rate_override = manifest.learning_rate_override.or_else(|| {
            (manifest.learning_rate != config.learning_rate).then_some(manifest.learning_rate)
        });
        Ok(Self {
            device,
            dataset,
            fingerprint,
            generator_optimizer_kind: manifest.generator_optimizer_kind,
            discriminator_optimizer_kind: manifest.discriminator_optimizer_kind,
            step: manifest.step,
            learning_rate_override,
            data_sources: manifest.data_sources.clone(),
            config,
            generator: checkpoint.generator,
            discriminator: checkpoint.discriminator,
            generator_optimizer: checkpoint.generator_optimizer,
            discriminator_optimizer: checkpoint.discriminator_optimizer,
            windows: Vec::new(),
            windows_epoch: None,
            critic_windows: Vec::new(),
            critic_epoch: None,
            baseline: Baseline::default(),
        })
    }

    /// Changes how many MLE and adversarial steps the run has in all, e.g. to go on training
    /// a resumed run for longer; steps already done stay done.
    pub fn set_total_steps(&mut self, mle_steps: Option<u64>, gan_steps: Option<u64>) {
        if let Some(n) = mle_steps {
            self.config.mle_steps = n;
        }
        if let Some(n) = gan_steps {
            self.config.gan_steps = n;
        }
    }

    /// The device the run trains on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The run's configuration.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// Steps done.
    pub fn step(&self) -> u64 {
        self.step
    }

    /// Whether every step of both phases is done.
    pub fn is_done(&self) -> bool {
        self.step >= self.config.total_steps()
    }

    /// The phase of the next step.
    pub fn phase(&self) -> Phase {
        if self.step < self.config.mle_steps {
            Phase::Mle
        } else {
            Phase::Gan
        }
    }

    /// Batches per epoch (the last, partial batch of an epoch is dropped; a training split
    /// smaller than one batch makes one smaller batch).
    pub fn steps_per_epoch(&self) -> u64 {
        let windows = self.dataset.window_count(Split::Train);
        (windows / self.config.batch_size.max(1)).max(1) as u64
    }

    /// The epoch (from 0) of the next step.
    pub fn epoch(&self) -> u64 {
        self.step / self.steps_per_epoch()
    }

    /// The generator's learning rate for the next step (the configured one of its phase, or
    /// the one set by [`Trainer::set_learning_rate`]).
    pub fn learning_rate(&self) -> f64 {
        match (self.learning_rate_override, self.phase()) {
            (Some(lr), _) => lr,
            (None, Phase::Mle) => self.config.learning_rate,
            (None, Phase::Gan) => self.config.gan_generator_lr(),
        }
    }

    /// The discriminator's learning rate for the next adversarial step.
    pub fn discriminator_learning_rate(&self) -> f64 {
        self.learning_rate_override
            .unwrap_or_else(|| self.config.gan_discriminator_lr())
    }

    /// Sets the learning rate of both networks, in both phases, from the next step on
    /// (replacing the configured ones; saved with the checkpoint).
    pub fn set_learning_rate(&mut self, learning_rate: f64) -> Result<(), TrainError> {
        if learning_rate.is_finite() && learning_rate > 0.0 {
            self.learning_rate_override = Some(learning_rate);
            Ok(())
        } else {
            Err(TrainError::Batch(format!(
                "the learning rate must be a number > 0, got {learning_rate}"
            )))
        }
    }

    /// The fingerprint of the data set trained on.
    pub fn dataset_fingerprint(&self) -> u64 {
        self.fingerprint
    }

    /// The data set it trains on.
    pub fn dataset(&self) -> &Dataset {
        &self.dataset
    }

    /// The generator (on the autodiff device; call `valid()` for inference).
    pub fn generator(&self) -> &Generator {
        &self.generator
    }

    /// The discriminator (on the autodiff device).
    pub fn discriminator(&self) -> &Discriminator {
        &self.discriminator
    }

    /// The generator's current weights as plain arrays, for the Generate panel's inference
    /// engine (the same weights [`super::TrainMessage::GeneratorWeights`] carries).
    pub fn generator_weights(&self) -> Result<GeneratorWeights, ExportError> {
        self.generator.to_weights()
    }

    /// Runs one step of the current phase. On a divergence the models stay as they were
    /// before the step.
    pub fn train_step(&mut self) -> Result<StepStats, TrainError> {
        let epoch = self.epoch();
        let phase = self.phase();
        let lr = self.learning_rate();
        let mut batches = match phase {
            Phase::Mle => Vec::new(),
            Phase::Gan => self.critic_batches()?,
        };
        batches.push(self.next_batch()?);
        let step = self.step + 1;
        let stats = match phase {
            Phase::Mle => {
                let batch = batches
                    .pop()
                    .ok_or_else(|| TrainError::Data("no batch".into()))?;
                let (generator, stats, g_grad_norm) = mle_step_with_norm(
                    self.generator.clone(),
                    &mut self.generator_optimizer,
                    batch,
                    lr,
                    step,
                )?;
                self.generator = generator;
                StepStats {
                    accuracy: Some(stats.accuracy),
                    g_grad_norm: Some(g_grad_norm),
                    ..StepStats::new(step, epoch, Phase::Mle, stats.loss, lr)
                }
            }
            Phase::Gan => {
                self.enter_gan_phase();
                let mut settings = GanSettings::from_config(&self.config);
                settings.g_learning_rate = lr;
                settings.d_learning_rate = self.discriminator_learning_rate();
                let (generator, discriminator, stats) =
                    self.adversarial(batches, &settings, step)?;
                self.generator = generator;
                self.discriminator = discriminator;
                StepStats {
                    d_loss: Some(stats.d_loss),
                    d_real: Some(stats.d_real),
                    d_fake: Some(stats.d_fake),
                    loss: Some(settings.loss),
                    d_learning_rate: Some(settings.d_learning_rate),
                    wasserstein: stats.wasserstein,
                    gradient_penalty: stats.gradient_penalty,
                    g_grad_norm: Some(stats.g_grad_norm),
                    d_grad_norm: Some(stats.d_grad_norm),
                    d_updates: Some(stats.d_updates),
                    ..StepStats::new(step, epoch, Phase::Gan, stats.g_loss, lr)
                }
            }
        };
        self.step = step;
        Ok(stats)
    }

    /// One adversarial step of the run's loss on its real `batches`.
    fn adversarial(
        &mut self,
        batches: Vec<Tensor<2, Int>>,
        settings: &GanSettings,
        step: u64,
    ) -> Result<(Generator, Discriminator, GanStats), TrainError> {
        if self.config.loss != GanLoss::Reinforce {
            let optimizers = GanOptimizers {
                generator: &mut self.generator_optimizer,
                discriminator: &mut self.discriminator_optimizer,
            };
            return adversarial_step(
                self.generator.clone(),
                self.discriminator.clone(),
                optimizers,
                batches,
                settings,
                step,
            );
        }
        let fake = self.sampled_tunes(step)?;
        let mut reinforce = ReinforceSettings::from_config(&self.config);
        reinforce.g_learning_rate = settings.g_learning_rate;
        reinforce.d_learning_rate = settings.d_learning_rate;
        let optimizers = GanOptimizers {
            generator: &mut self.generator_optimizer,
            discriminator: &mut self.discriminator_optimizer,
        };
        reinforce_step(
            self.generator.clone(),
            self.discriminator.clone(),
            optimizers,
            batches,
            fake,
            &mut self.baseline,
            &reinforce,
            step,
        )
    }

    /// The generated tunes of adversarial step `step` (`reinforce`): a batch drawn from
    /// nothing in the metre of a training tune picked by the step (so metres come as often as
    /// in the training data), as long as a training window at most.
    fn sampled_tunes(&self, step: u64) -> Result<Tensor<2, Int>, TrainError> {
        let metres: Vec<Metre> = self
            .dataset
            .pieces
            .iter()
            .filter(|p| p.split == Split::Train)
            .filter_map(|p| p.metre)
            .collect();
        let seed = self.config.seed ^ 0x5A3F_1E5E_ED00_0000 ^ step;
        let mut rng = StdRng::seed_from_u64(seed);
        let metre = if metres.is_empty() {
            Metre::default()
        } else {
            metres[rng.random_range(0..metres.len())]
        };
        let max_steps = (self.dataset.config.window_steps as usize)
            .saturating_sub(2)
            .max(1);
        sample_tunes(
            &self.generator,
            metre,
            self.config.batch_size.max(1),
            max_steps,
            rng.random(),
            &self.device,
        )
    }

    /// Whether the step just done ended an epoch.
    pub fn at_epoch_end(&self) -> bool {
        self.step > 0 && self.step.is_multiple_of(self.steps_per_epoch())
    }

    /// Teacher-forced loss and accuracy on up to `validation_batches` batches of the
    /// validation split (`None` when it has no window).
    pub fn validate(&self) -> Result<Option<MleStats>, TrainError> {
        let windows = self.dataset.windows(Split::Validation);
        let size = self.config.batch_size.max(1);
        let device = self.device.clone().inner();
        let batches: Vec<_> = windows
            .chunks(size)
            .take(self.config.validation_batches)
            .map(|chunk| ids_tensor(&self.dataset, chunk, &device))
            .collect();
        mle_evaluate(&self.generator, batches)
    }

    /// Generates `length` tokens after a primer of token ids, sampling each from the
    /// generator's distribution with an RNG seeded by `seed`. Returns only the new tokens.
    /// A model that reads places (v2) starts a tune from its `<start>` marker in the metre of
    /// the first validation piece ([`Trainer::sample_metre`]), the primer after it, and stops
    /// early at its `<end>` marker (returned last).
    pub fn sample(&self, primer: &[u32], length: usize, seed: u64) -> Result<Vec<u32>, TrainError> {
        sample_tokens(
            &self.generator,
            primer,
            length,
            seed,
            self.sample_metre(),
            &self.device.clone().inner(),
        )
    }

    /// The metre of the epoch samples of a model that reads places: that of the first
    /// validation piece (else the first training piece, else 4/4).
    pub fn sample_metre(&self) -> Metre {
        let first = |split| self.dataset.pieces.iter().find(|p| p.split == split);
        first(Split::Validation)
            .or_else(|| first(Split::Train))
            .and_then(|p| p.metre)
            .unwrap_or_default()
    }

    /// A primer for the epoch samples: the first 16 tokens of the first validation window, or
    /// of the first training window; none for a model that reads places (its samples start
    /// from nothing, as a tune does).
    pub fn default_primer(&self) -> Vec<u32> {
        if self.generator.reads_places() {
            return Vec::new();
        }
        let first = self
            .dataset
            .windows(Split::Validation)
            .first()
            .copied()
            .or_else(|| self.dataset.windows(Split::Train).first().copied());
        let mut ids = first
            .map(|w| self.dataset.window_ids(w))
            .unwrap_or_default();
        ids.truncate(16);
        ids
    }

    /// Saves a checkpoint into the run folder `dir`.
    pub fn save(&self, dir: &Path) -> Result<PathBuf, TrainError> {
        let parts = CheckpointParts {
            config: &self.config,
            step: self.step,
            learning_rate: self.learning_rate(),
            generator_optimizer_kind: self.generator_optimizer_kind,
            discriminator_optimizer_kind: self.discriminator_optimizer_kind,
            data_sources: &self.data_sources,
            learning_rate_override: self.learning_rate_override,
            dataset_fingerprint: self.fingerprint,
            networks: Networks {
                generator: &self.generator,
                discriminator: &self.discriminator,
                generator_optimizer: &self.generator_optimizer,
                discriminator_optimizer: &self.discriminator_optimizer,
            },
        };
        Ok(save_checkpoint(dir, &parts)?)
    }

    /// The generator's optimizer becomes the adversarial phase's kind (a fresh one) when the
    /// MLE phase used another.
    fn enter_gan_phase(&mut self) {
        if self.generator_optimizer_kind != self.config.gan_optimizer {
            self.generator_optimizer_kind = self.config.gan_optimizer;
            self.generator_optimizer = optimizer(
                self.generator_optimizer_kind,
                &self.config,
                self.config.g_weight_decay,
            );
        }
    }

    /// The `k - 1` extra real batches of the next adversarial step's critic updates (the
    /// step's own batch, from [`Trainer::next_batch`], is the last one). They come from a
    /// second pass over the training windows with its own shuffles (seeded from the run's
    /// seed), indexed by the adversarial step, so a resumed run draws the same ones.
    fn critic_batches(&mut self) -> Result<Vec<Tensor<2, Int>>, TrainError> {
        let extra = self.config.d_steps.saturating_sub(1) as u64;
        let gan_index = self.step.saturating_sub(self.config.mle_steps);
        let per_epoch = self.steps_per_epoch();
        let size = self.config.batch_size.max(1);
        let mut batches = Vec::with_capacity(extra as usize);
        for j in 0..extra {
            let n = gan_index.saturating_mul(extra).saturating_add(j);
            let epoch = n / per_epoch;
            if self.critic_epoch != Some(epoch) {
                let seed = (self.config.seed ^ 0xC817_1C5E_ED00_0000).wrapping_add(epoch);
                self.critic_windows = self.dataset.shuffled_windows(Split::Train, seed);
                self.critic_epoch = Some(epoch);
            }
            let index = (n % per_epoch) as usize;
            let start = (index * size).min(self.critic_windows.len());
            let end = (start + size).min(self.critic_windows.len());
            let chunk = &self.critic_windows[start..end];
            if chunk.is_empty() {
                return Err(TrainError::Data("the training split has no window".into()));
            }
            batches.push(ids_tensor(&self.dataset, chunk, &self.device));
        }
        Ok(batches)
    }

    /// The batch of the next step: epoch `e` visits the training windows in the order drawn
    /// from `seed + e`, `batch_size` at a time.
    fn next_batch(&mut self) -> Result<Tensor<2, Int>, TrainError> {
        let epoch = self.epoch();
        if self.windows_epoch != Some(epoch) {
            self.windows = self.dataset.length_grouped_windows(
                Split::Train,
                self.config.seed.wrapping_add(epoch),
                self.config.batch_size,
            );
            self.windows_epoch = Some(epoch);
        }
        let size = self.config.batch_size.max(1);
        let index = (self.step % self.steps_per_epoch()) as usize;
        let start = (index * size).min(self.windows.len());
        let end = (start + size).min(self.windows.len());
        let chunk = &self.windows[start..end];
        if chunk.is_empty() {
            return Err(TrainError::Data("the training split has no window".into()));
        }
        Ok(ids_tensor(&self.dataset, chunk, &self.device))
    }
}

/// Token ids (codes, for whole tunes) of windows as a `[windows, steps]` tensor on `device`:
/// `window_steps` columns, less the trailing columns that are padding in every row.
pub fn ids_tensor(dataset: &Dataset, windows: &[WindowRef], device: &Device) -> Tensor<2, Int> {
    let window = dataset.config.window_steps as usize;
    let ids = dataset.batch_ids(windows);
    let used = ids
        .chunks(window.max(1))
        .map(|row| row.iter().rposition(|&c| c != PAD_ID).map_or(0, |i| i + 1))
        .max()
        .unwrap_or(0)
        .max(2.min(window));
    let ids: Vec<i64> = ids
        .chunks(window.max(1))
        .flat_map(|row| row[..used].iter().map(|&c| i64::from(c)))
        .collect();
    Tensor::from_data(TensorData::new(ids, [windows.len(), used]), device)
}

/// Token ids `[rows][steps]` (all rows the same length) as a `[rows, steps]` tensor.
pub fn rows_tensor(rows: &[Vec<u32>], device: &Device) -> Tensor<2, Int> {
    let steps = rows.first().map_or(0, Vec::len);
    let ids: Vec<i64> = rows.iter().flatten().map(|&id| i64::from(id)).collect();
    Tensor::from_data(TensorData::new(ids, [rows.len(), steps]), device)
}

/// Samples `length` tokens from a generator after a primer, each drawn from the softmax of
/// its logits with an RNG seeded by `seed`.
///
/// A v1 model (bare ids) starts from the primer, or from the rest token for an empty one. A
/// model that reads places (v2) starts from the `<start>` marker, then the primer, every
/// token read with its place in `metre`; the padding and `<start>` tokens are never drawn,
/// and drawing `<end>` ends the sample (the `<end>` is returned last).
pub fn sample_tokens(
    generator: &Generator,
    primer: &[u32],
    length: usize,
    seed: u64,
    metre: Metre,
    device: &Device,
) -> Result<Vec<u32>, TrainError> {
    let model = generator.valid();
    let places = model.reads_places();
    let mut rng = StdRng::seed_from_u64(seed);
    // The code of the last token of `sequence` (v2: index j predicts step j, with its
    // lookback).
    let code_of_last = |sequence: &[u32]| {
        let j = sequence.len().saturating_sub(1);
        if places {
            sequence_code(sequence, j, metre)
        } else {
            sequence.get(j).copied().unwrap_or(REST_ID)
        }
    };
    let context: Vec<u32> = if places {
        std::iter::once(START_ID)
            .chain(primer.iter().copied())
            .collect()
    } else if primer.is_empty() {
        vec![REST_ID]
    } else {
        primer.to_vec()
    };
    let codes: Vec<u32> = (1..=context.len())
        .map(|n| code_of_last(&context[..n]))
        .collect();
    let mut sequence = context;
    let mut input = rows_tensor(&[codes], device);
    let mut state = None;
    let mut out = Vec::with_capacity(length);
    for _ in 0..length {
        let (logits, next_state) = model.forward_step(input, state); // [1, V]
        state = Some(next_state);
        let mut probs = softmax(logits, 1)
            .try_into_data()
            .map_err(|e| TrainError::Device(format!("{e:?}")))?
            .try_to_vec::<f32>()
            .map_err(|e| TrainError::Device(format!("{e:?}")))?;
        if places {
            for banned in [START_ID, PAD_ID] {
                if let Some(p) = probs.get_mut(banned as usize) {
                    *p = 0.0;
                }
            }
            let total: f32 = probs.iter().sum();
            probs
                .iter_mut()
                .for_each(|p| *p /= total.max(f32::MIN_POSITIVE));
        }
        let token = draw(&probs, rng.random::<f32>());
        out.push(token);
        if places && token == END_ID {
            break;
        }
        sequence.push(token);
        input = rows_tensor(&[vec![code_of_last(&sequence)]], device);
    }
    Ok(out)
}

/// The index where the running sum of `probs` first exceeds `u` (the last index if rounding
/// leaves `u` above the total).
fn draw(probs: &[f32], u: f32) -> u32 {
    let mut sum = 0.0;
    for (i, &p) in probs.iter().enumerate() {
        sum += p;
        if u < sum {
            return i as u32;
        }
    }
    probs.len().saturating_sub(1) as u32
}

/// A 64-bit fingerprint of a data set's content as trained on: its windows' length, and
/// each piece's split and tokens.
pub fn dataset_fingerprint(dataset: &Dataset) -> u64 {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&dataset.config.window_steps.to_le_bytes());
    for (index, piece) in dataset.pieces.iter().enumerate() {
        bytes.push(piece.split as u8);
        bytes.extend_from_slice(&(piece.steps).to_le_bytes());
        bytes.extend_from_slice(dataset.piece_ids(index));
    }
    super::checkpoint::fnv1a(&bytes)
}

fn check_dataset(config: &TrainConfig, dataset: &Dataset) -> Result<(), TrainError> {
    if config.batch_size == 0 {
        return Err(TrainError::Batch(
            "the batch size must be at least 1".into(),
        ));
    }
    if dataset.config.window_steps < 2 {
        return Err(TrainError::Data(format!(
            "windows of {} steps are too short to predict a next token",
            dataset.config.window_steps
        )));
    }
    dataset
        .require_training_windows()
        .map_err(|e| TrainError::Data(e.to_string()))
}
