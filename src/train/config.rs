//! The configuration of a training run, saved as JSON with every checkpoint.
//!
//! # Loading JSON
//! [`TrainConfig::from_json`] (and [`TrainConfig::load_file`] for `--config FILE`) reads a
//! partial configuration: every field left out takes its default, and the defaults are those
//! of the file's `loss` ([`TrainConfig::for_loss`]), so `{"loss": "wgan-clip"}` alone gives
//! the WGAN paper's settings. A key this build does not know is an error (a typo must not be
//! ignored silently). Checkpoint manifests are read the same way, so manifests written before
//! a field existed still load.

use std::path::Path;

use burn::config::Config;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::error::ConfigError;
use crate::model::{DiscriminatorConfig, GeneratorConfig};

/// The adversarial loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GanLoss {
    /// The original GAN: binary cross-entropy on D's logits (non-saturating G loss).
    Bce,
    /// Wasserstein GAN with weight clipping (Arjovsky et al. 2017): critic loss
    /// `mean C(fake) - mean C(real)`, G loss `-mean C(fake)`, every critic parameter clamped to
    /// `[-clip_value, clip_value]` after each critic update.
    WganClip,
    /// Wasserstein GAN with gradient penalty (Gulrajani et al. 2017): the critic loss plus
    /// `gp_lambda * mean (|grad C(x)| - 1)^2` at random interpolates of real and fake windows.
    WganGp,
    /// Discrete tunes sampled from the generator, scored by the discriminator at every step;
    /// the generator learns from those dense rewards by REINFORCE, with discounted returns
    /// and a moving-average baseline (ScratchGAN, de Masson d'Autume et al. 2019). D sees
    /// one-hot tokens on both sides, so it cannot tell fakes by their softness.
    Reinforce,
}

impl GanLoss {
    /// Every loss, in the order the front ends list them.
    pub const ALL: [GanLoss; 4] = [
        GanLoss::Bce,
        GanLoss::WganClip,
        GanLoss::WganGp,
        GanLoss::Reinforce,
    ];

    /// The name used in JSON and on the command line (`bce`, `wgan-clip`, `wgan-gp`,
    /// `reinforce`).
    pub fn name(self) -> &'static str {
        match self {
            GanLoss::Bce => "bce",
            GanLoss::WganClip => "wgan-clip",
            GanLoss::WganGp => "wgan-gp",
            GanLoss::Reinforce => "reinforce",
        }
    }

    /// Whether D is a Wasserstein critic (raw scores, a Wasserstein estimate).
    pub fn is_wasserstein(self) -> bool {
        matches!(self, GanLoss::WganClip | GanLoss::WganGp)
    }
}

/// What the discriminator sees of the generator's output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GeneratorOutput {
    /// The softmax distribution at every step.
    Softmax,
    /// Straight-through Gumbel-softmax (Jang et al. 2017): a one-hot sample in the forward
    /// pass, the gradient of the Gumbel-softmax relaxation at `gumbel_temperature` in the
    /// backward pass.
    GumbelSoftmax,
}

/// The optimizer of the adversarial phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OptimizerKind {
    /// Adam with `beta_1`, `beta_2`.
    Adam,
    /// RMSProp (smoothing 0.99, no momentum, as in the WGAN paper).
    RmsProp,
}

/// Everything that decides a training run: models, phases, losses, optimizers and seed. The
/// same configuration and seed on the CPU backend give bit-identical losses.
///
/// Learning rates: `learning_rate` drives the MLE phase and, unless `gan_learning_rate` is
/// set, the adversarial phase too; `d_learning_rate` sets D's apart from G's.
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
    /// Steps of adversarial training after pre-training (generator updates).
    #[config(default = 2000)]
    pub gan_steps: u64,
    /// Adam learning rate of the MLE phase, and of both networks in the adversarial phase
    /// unless `gan_learning_rate` is set (2e-4 as in DCGAN).
    #[config(default = 2e-4)]
    pub learning_rate: f64,
    /// Adam's first-moment decay, both phases (0.5 as in DCGAN and WGAN-GP).
    #[config(default = 0.5)]
    pub beta_1: f32,
    /// Adam's second-moment decay, both phases (0.999; WGAN-GP uses 0.9).
    #[config(default = 0.999)]
    pub beta_2: f32,
    /// Seed of the weights' initialization, the batch order and all noise.
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
    /// The adversarial loss.
    #[config(default = "GanLoss::Bce")]
    pub loss: GanLoss,
    /// Discriminator (critic) updates per generator update, `k` (1; 5 for both WGANs). Each
    /// uses its own batch of real windows.
    #[config(default = 1)]
    pub d_steps: usize,
    /// The optimizer of both networks in the adversarial phase (Adam; RMSProp for
    /// WGAN-clip). The MLE phase always uses Adam.
    #[config(default = "OptimizerKind::Adam")]
    pub gan_optimizer: OptimizerKind,
    /// Learning rate of both networks in the adversarial phase (none: `learning_rate`;
    /// 5e-5 for WGAN-clip, 1e-4 for WGAN-GP).
    #[config(default = "None")]
    pub gan_learning_rate: Option<f64>,
    /// The discriminator's own learning rate in the adversarial phase (none: the
    /// generator's).
    #[config(default = "None")]
    pub d_learning_rate: Option<f64>,
    /// WGAN-clip: every critic parameter is clamped to `[-clip_value, clip_value]` (0.01).
    #[config(default = 0.01)]
    pub clip_value: f64,
    /// WGAN-GP: weight `lambda` of the gradient penalty (10).
    #[config(default = 10.0)]
    pub gp_lambda: f64,
    /// What D sees of the generator's output.
    #[config(default = "GeneratorOutput::Softmax")]
    pub generator_output: GeneratorOutput,
    /// Temperature of the Gumbel-softmax relaxation (1.0; lower is closer to one-hot).
    #[config(default = 1.0)]
    pub gumbel_temperature: f64,
    /// L2 weight decay of the generator (added to its gradient as `lambda * w`; 0: off).
    #[config(default = 0.0)]
    pub g_weight_decay: f64,
    /// L2 weight decay of the discriminator (0: off).
    #[config(default = 0.0)]
    pub d_weight_decay: f64,
    /// Weight of the likelihood (teacher-forced cross-entropy on the real batch) kept in the
    /// generator's objective during the adversarial phase, beside the adversarial loss (0:
    /// off; 1 for `reinforce`, as the Transformer-GAN of Muhamed et al. 2021 keeps it).
    #[config(default = 0.0)]
    pub mle_weight: f64,
    /// `reinforce`: discount of later steps' rewards in each step's return (0.23, ScratchGAN).
    #[config(default = 0.23)]
    pub reward_discount: f64,
    /// `reinforce`: how fast the baseline (a moving average of the returns) follows them
    /// (0.08, ScratchGAN).
    #[config(default = 0.08)]
    pub baseline_decay: f64,
}

impl TrainConfig {
    /// The default configuration of a loss, with the settings of its paper: BCE as DCGAN
    /// (Adam 2e-4, betas 0.5/0.999, k = 1); WGAN-clip with RMSProp 5e-5, k = 5, c = 0.01;
    /// WGAN-GP with Adam 1e-4, betas 0.5/0.9, k = 5, lambda = 10; `reinforce` with Adam 1e-4,
    /// k = 1, the likelihood kept at weight 1, discount 0.23 and baseline decay 0.08
    /// (ScratchGAN's). The MLE phase keeps Adam at `learning_rate` (2e-4) in every case.
    pub fn for_loss(loss: GanLoss) -> Self {
        let base = TrainConfig::new(GeneratorConfig::new(), DiscriminatorConfig::new());
        base.with_loss(loss).apply_loss_preset()
    }

    /// Sets the loss-dependent fields (`d_steps`, `gan_optimizer`, `gan_learning_rate`,
    /// `beta_2`, `mle_weight`) to the loss's paper settings (see [`TrainConfig::for_loss`]).
    pub fn apply_loss_preset(self) -> Self {
        match self.loss {
            GanLoss::Bce => self
                .with_d_steps(1)
                .with_gan_optimizer(OptimizerKind::Adam)
                .with_gan_learning_rate(None)
                .with_beta_2(0.999)
                .with_mle_weight(0.0),
            GanLoss::WganClip => self
                .with_d_steps(5)
                .with_gan_optimizer(OptimizerKind::RmsProp)
                .with_gan_learning_rate(Some(5e-5))
                .with_beta_2(0.999)
                .with_mle_weight(0.0),
            GanLoss::WganGp => self
                .with_d_steps(5)
                .with_gan_optimizer(OptimizerKind::Adam)
                .with_gan_learning_rate(Some(1e-4))
                .with_beta_2(0.9)
                .with_mle_weight(0.0),
            GanLoss::Reinforce => self
                .with_d_steps(1)
                .with_gan_optimizer(OptimizerKind::Adam)
                .with_gan_learning_rate(Some(1e-4))
                .with_beta_2(0.999)
                .with_mle_weight(1.0),
        }
    }

    /// All steps of the run, both phases.
    pub fn total_steps(&self) -> u64 {
        self.mle_steps.saturating_add(self.gan_steps)
    }

    /// The configuration adapted to a data set's layout: whole tunes
    /// ([`crate::data::Layout::Tunes`], vocabulary v2) need models that read places and know
    /// the padding token; v1 windows leave it as it is.
    pub fn for_layout(mut self, layout: crate::data::Layout) -> Self {
        if layout == crate::data::Layout::Tunes {
            self.generator.places = true;
            self.generator.vocab_size = crate::music::tokens::MODEL_VOCAB_SIZE;
            self.discriminator.vocab_size = crate::music::tokens::MODEL_VOCAB_SIZE;
        }
        self
    }

    /// The generator's learning rate in the adversarial phase.
    pub fn gan_generator_lr(&self) -> f64 {
        self.gan_learning_rate.unwrap_or(self.learning_rate)
    }

    /// The discriminator's learning rate in the adversarial phase.
    pub fn gan_discriminator_lr(&self) -> f64 {
        self.d_learning_rate
            .unwrap_or_else(|| self.gan_generator_lr())
    }

    /// Checks every field (models included); the error names the field and the problem.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.generator.validate()?;
        self.discriminator.validate()?;
        let positive = |what: &'static str, value: f64| {
            if value.is_finite() && value > 0.0 {
                Ok(())
            } else {
                Err(ConfigError::Invalid(format!(
                    "{what} must be a number > 0, got {value}"
                )))
            }
        };
        let non_negative = |what: &'static str, value: f64| {
            if value.is_finite() && value >= 0.0 {
                Ok(())
            } else {
                Err(ConfigError::Invalid(format!(
                    "{what} must be a number >= 0, got {value}"
                )))
            }
        };
        if self.batch_size == 0 {
            return Err(ConfigError::Invalid("batch_size must be at least 1".into()));
        }
        if self.d_steps == 0 {
            return Err(ConfigError::Invalid("d_steps must be at least 1".into()));
        }
        positive("learning_rate", self.learning_rate)?;
        if let Some(lr) = self.gan_learning_rate {
            positive("gan_learning_rate", lr)?;
        }
        if let Some(lr) = self.d_learning_rate {
            positive("d_learning_rate", lr)?;
        }
        for (what, beta) in [("beta_1", self.beta_1), ("beta_2", self.beta_2)] {
            if !(beta.is_finite() && (0.0..1.0).contains(&beta)) {
                return Err(ConfigError::Invalid(format!(
                    "{what} must be a number in [0, 1), got {beta}"
                )));
            }
        }
        positive("clip_value", self.clip_value)?;
        non_negative("gp_lambda", self.gp_lambda)?;
        positive("gumbel_temperature", self.gumbel_temperature)?;
        non_negative("g_weight_decay", self.g_weight_decay)?;
        non_negative("d_weight_decay", self.d_weight_decay)?;
        non_negative("mle_weight", self.mle_weight)?;
        for (what, rate) in [
            ("reward_discount", self.reward_discount),
            ("baseline_decay", self.baseline_decay),
        ] {
            if !(rate.is_finite() && (0.0..=1.0).contains(&rate)) {
                return Err(ConfigError::Invalid(format!(
                    "{what} must be a number in [0, 1], got {rate}"
                )));
            }
        }
        if self.loss == GanLoss::Reinforce && self.discriminator.minibatch_kernels > 0 {
            return Err(ConfigError::Invalid(
                "reinforce cannot be combined with minibatch discrimination (its rewards are \
                 per step; set discriminator.minibatch_kernels to 0)"
                    .into(),
            ));
        }
        if self.loss == GanLoss::WganGp && self.discriminator.minibatch_kernels > 0 {
            return Err(ConfigError::Invalid(
                "wgan-gp cannot be combined with minibatch discrimination (the gradient \
                 penalty is per window; set discriminator.minibatch_kernels to 0)"
                    .into(),
            ));
        }
        Ok(())
    }

    /// Reads a configuration from JSON (see the module documentation: left-out fields take
    /// the defaults of the file's loss; unknown keys are refused). The result is validated.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| ConfigError::Json(e.to_string()))?;
        let config = Self::from_value(value)?;
        config.validate()?;
        Ok(config)
    }

    /// Reads a JSON configuration file (`--config FILE`); the error names the file.
    pub fn load_file(path: &Path) -> Result<Self, ConfigError> {
        let in_file = |source: ConfigError| ConfigError::InFile {
            path: path.to_path_buf(),
            source: Box::new(source),
        };
        let text =
            std::fs::read_to_string(path).map_err(|e| in_file(ConfigError::Io(e.to_string())))?;
        Self::from_json(&text).map_err(in_file)
    }

    /// A configuration from a JSON value over the defaults of its loss, not validated.
    pub(crate) fn from_value(value: Value) -> Result<Self, ConfigError> {
        let Value::Object(given) = value else {
            return Err(ConfigError::Json(
                "the configuration must be a JSON object".into(),
            ));
        };
        let loss = match given.get("loss") {
            Some(loss) => serde_json::from_value::<GanLoss>(loss.clone()).map_err(|_| {
                ConfigError::Json(format!(
                    "loss {loss} is not one of \"bce\", \"wgan-clip\", \"wgan-gp\", \"reinforce\""
                ))
            })?,
            None => GanLoss::Bce,
        };
        let defaults = serde_json::to_value(Self::for_loss(loss))
            .map_err(|e| ConfigError::Json(e.to_string()))?;
        let Value::Object(mut merged) = defaults else {
            return Err(ConfigError::Json("the defaults are not an object".into()));
        };
        merge(&mut merged, given, "")?;
        serde_json::from_value(Value::Object(merged)).map_err(|e| ConfigError::Json(e.to_string()))
    }
}

/// Lays `given` over `base`, object by object; a key `base` lacks is refused.
fn merge(
    base: &mut Map<String, Value>,
    given: Map<String, Value>,
    at: &str,
) -> Result<(), ConfigError> {
    for (key, value) in given {
        let name = format!("{at}{key}");
        match (base.get_mut(&key), value) {
            (None, _) => return Err(ConfigError::UnknownField(name)),
            (Some(Value::Object(inner)), Value::Object(value)) => {
                merge(inner, value, &format!("{name}."))?;
            }
            (Some(slot), value) => *slot = value,
        }
    }
    Ok(())
}
