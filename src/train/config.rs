//! The configuration of a training run, saved as JSON with every checkpoint.

use burn::config::Config;

use crate::model::{DiscriminatorConfig, GeneratorConfig};

/// Everything that decides a training run: models, phases, optimizer and seed. The same
/// configuration and seed on the CPU backend give bit-identical losses.
#[derive(Config, Debug, PartialEq)]
pub struct TrainConfig {
    /// The generator.
    pub generator: GeneratorConfig,
    /// The discriminator.
    pub discriminator: DiscriminatorConfig,
    /// Windows per batch.
    #[config(default = 64)]
    pub batch_size: usize,
    /// Steps of MLE pre-training (teacher forcing) before the adversarial phase.
    #[config(default = 1000)]
    pub mle_steps: u64,
    /// Steps of adversarial training after pre-training.
    #[config(default = 2000)]
    pub gan_steps: u64,
    /// Adam learning rate of both networks (2e-4 as in DCGAN).
    #[config(default = 2e-4)]
    pub learning_rate: f64,
    /// Adam's first-moment decay (0.5 as in DCGAN).
    #[config(default = 0.5)]
    pub beta_1: f32,
    /// Adam's second-moment decay.
    #[config(default = 0.999)]
    pub beta_2: f32,
    /// Seed of the weights' initialization and of the batch order.
    #[config(default = 42)]
    pub seed: u64,
    /// Save a checkpoint every this many steps (0: only at the end and on stop).
    #[config(default = 500)]
    pub checkpoint_every: u64,
    /// Length in tokens of the sample generated at the end of each epoch.
    #[config(default = 64)]
    pub sample_tokens: usize,
    /// At most this many validation batches are scored at the end of each epoch.
    #[config(default = 8)]
    pub validation_batches: usize,
}

impl TrainConfig {
    /// All steps of the run, both phases.
    pub fn total_steps(&self) -> u64 {
        self.mle_steps.saturating_add(self.gan_steps)
    }
}
