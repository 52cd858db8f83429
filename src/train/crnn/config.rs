//! The configuration of a C-RNN-GAN run, saved in its checkpoint manifest.

use burn::config::Config;
use burn::optim::grad_clipping::GradientClippingConfig;
use burn::optim::{AdamConfig, ModuleOptimizer};

use crate::model::crnn::{CrnnDiscriminatorConfig, CrnnGeneratorConfig};

/// Everything that decides a C-RNN-GAN run but the seed: the networks, the event windows, the
/// two phases and the optimizer.
///
/// Mogren (2016) trains with plain gradient descent; this project uses Adam (as the issue
/// asks), with its moments and gradient clipping below.
#[derive(Config, Debug, PartialEq)]
pub struct CrnnTrainConfig {
    /// The generator.
    pub generator: CrnnGeneratorConfig,
    /// The discriminator.
    pub discriminator: CrnnDiscriminatorConfig,
    /// Events per training window.
    #[config(default = 32)]
    pub events: usize,
    /// Events between the starts of two windows of a piece.
    #[config(default = 16)]
    pub stride: usize,
    /// Windows per batch.
    #[config(default = 64)]
    pub batch_size: usize,
    /// Steps of MLE pre-training of the generator (teacher forcing, squared error on the next
    /// event) before the adversarial phase.
    #[config(default = 1000)]
    pub mle_steps: u64,
    /// Steps of adversarial training after pre-training.
    #[config(default = 2000)]
    pub gan_steps: u64,
    /// Adam learning rate of the MLE phase.
    #[config(default = 1e-3)]
    pub mle_learning_rate: f64,
    /// Adam learning rate of both networks in the adversarial phase.
    #[config(default = 2e-4)]
    pub gan_learning_rate: f64,
    /// Adam's first-moment decay (0.5 as in DCGAN).
    #[config(default = 0.5)]
    pub beta_1: f32,
    /// Adam's second-moment decay.
    #[config(default = 0.999)]
    pub beta_2: f32,
    /// Each parameter tensor's gradient is scaled down to at most this L2 norm (the paper's
    /// reference code clips at 5; 0 turns clipping off).
    #[config(default = 5.0)]
    pub grad_clip_norm: f32,
    /// The freezing rule: a network's update is skipped while its loss is below this share of
    /// the other's (0.7 in the paper; 0 never freezes).
    #[config(default = 0.7)]
    pub freeze_threshold: f32,
    /// Train the generator with feature matching (the squared distance between the mean top
    /// discriminator features of real and generated windows), as the paper does; `false`
    /// uses the plain BCE generator loss instead.
    #[config(default = true)]
    pub feature_matching: bool,
    /// Save a checkpoint every this many steps (0: only at the end).
    #[config(default = 500)]
    pub checkpoint_every: u64,
}

impl CrnnTrainConfig {
    /// All steps of the run, both phases.
    pub fn total_steps(&self) -> u64 {
        self.mle_steps.saturating_add(self.gan_steps)
    }

    /// Checks what the networks' configurations do not: sizes, rates and the rule's share.
    pub fn validate(&self) -> Result<(), String> {
        self.generator.validate().map_err(|e| e.to_string())?;
        self.discriminator.validate().map_err(|e| e.to_string())?;
        if self.generator.features != self.discriminator.features {
            return Err(format!(
                "the generator makes {} features per event but the discriminator reads {}",
                self.generator.features, self.discriminator.features
            ));
        }
        if self.generator.features != super::events::FEATURES {
            return Err(format!(
                "events have {} features, the configuration says {}",
                super::events::FEATURES,
                self.generator.features
            ));
        }
        if self.events < 2 || self.stride == 0 || self.batch_size == 0 {
            return Err(format!(
                "windows need at least 2 events, a stride and a batch size of at least 1 (got \
                 {} events, stride {}, batch {})",
                self.events, self.stride, self.batch_size
            ));
        }
        let positive = |rate: f64| rate.is_finite() && rate > 0.0;
        if !positive(self.mle_learning_rate) || !positive(self.gan_learning_rate) {
            return Err(format!(
                "learning rates must be numbers > 0 (got {} and {})",
                self.mle_learning_rate, self.gan_learning_rate
            ));
        }
        if !(0.0..1.0).contains(&self.freeze_threshold) {
            return Err(format!(
                "the freezing threshold must lie in 0..1, got {}",
                self.freeze_threshold
            ));
        }
        if !(self.grad_clip_norm.is_finite() && self.grad_clip_norm >= 0.0) {
            return Err(format!(
                "the gradient clipping norm must be a number >= 0, got {}",
                self.grad_clip_norm
            ));
        }
        Ok(())
    }
}

/// The Adam optimizer of a C-RNN-GAN run: its betas and per-tensor gradient-norm clipping.
pub fn crnn_adam(config: &CrnnTrainConfig) -> ModuleOptimizer {
    let clipping = (config.grad_clip_norm > 0.0)
        .then_some(GradientClippingConfig::Norm(config.grad_clip_norm));
    AdamConfig::new()
        .with_beta_1(config.beta_1)
        .with_beta_2(config.beta_2)
        .with_grad_clipping(clipping)
        .init()
}
