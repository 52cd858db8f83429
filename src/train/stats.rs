//! What a training step and an epoch's validation report, the same for every kind of run
//! (the token GANs and C-RNN-GAN).

use serde::{Deserialize, Serialize};

use super::config::GanLoss;

/// The two phases of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Teacher-forced maximum likelihood (pre-training).
    Mle,
    /// Adversarial training.
    Gan,
}

/// The figures of one step of any run, as sent to the front ends and written to
/// [`super::store::STATS_FILE`]. Fields that one kind of run does not measure are `None`; the
/// C-RNN-GAN's own fields are left out of a token run's lines, so those read as before.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepStats {
    /// Steps done, counting this one (from 1).
    pub step: u64,
    /// The epoch (from 0) this step's batch came from.
    pub epoch: u64,
    /// The phase.
    pub phase: Phase,
    /// The generator's loss: cross-entropy in the MLE phase, BCE against D in the GAN phase.
    pub g_loss: f32,
    /// Next-token accuracy of the batch (MLE phase only).
    pub accuracy: Option<f32>,
    /// The discriminator's loss (GAN phase only).
    pub d_loss: Option<f32>,
    /// Mean D(real) (GAN phase only).
    pub d_real: Option<f32>,
    /// Mean D(fake) (GAN phase only).
    pub d_fake: Option<f32>,
    /// The generator's learning rate used.
    pub learning_rate: f64,
    /// Steps per second, measured over this step (0 when unknown; lines of C-RNN-GAN runs
    /// written before the runs shared one step log lack it).
    #[serde(default)]
    pub steps_per_second: f64,
    /// The adversarial loss (GAN phase only).
    #[serde(default)]
    pub loss: Option<GanLoss>,
    /// The discriminator's learning rate used (GAN phase only).
    #[serde(default)]
    pub d_learning_rate: Option<f64>,
    /// The Wasserstein estimate `mean C(real) - mean C(fake)` (WGAN losses only; `d_real`
    /// and `d_fake` are then raw critic scores, not probabilities).
    #[serde(default)]
    pub wasserstein: Option<f32>,
    /// The gradient penalty before its weight lambda (WGAN-GP only).
    #[serde(default)]
    pub gradient_penalty: Option<f32>,
    /// L2 norm of the generator's gradient (both phases).
    #[serde(default)]
    pub g_grad_norm: Option<f32>,
    /// L2 norm of the discriminator's gradient at its last update (GAN phase only).
    #[serde(default)]
    pub d_grad_norm: Option<f32>,
    /// Discriminator updates in this step, `k` (GAN phase only).
    #[serde(default)]
    pub d_updates: Option<u32>,
    /// C-RNN-GAN: the generator's BCE `-log D(fake)` (adversarial phase only; its `g_loss` is
    /// the feature-matching loss).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub g_adversarial: Option<f32>,
    /// C-RNN-GAN: the freezing rule skipped the generator's update (`Some(false)` in the MLE
    /// phase).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub g_frozen: Option<bool>,
    /// C-RNN-GAN: the freezing rule skipped the discriminator's update (`Some(false)` in the
    /// MLE phase, which never trains it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub d_frozen: Option<bool>,
}

impl StepStats {
    /// The figures of step `step` of `epoch` in `phase` with the generator's loss and learning
    /// rate, every other figure unknown.
    pub fn new(step: u64, epoch: u64, phase: Phase, g_loss: f32, learning_rate: f64) -> Self {
        StepStats {
            step,
            epoch,
            phase,
            g_loss,
            accuracy: None,
            d_loss: None,
            d_real: None,
            d_fake: None,
            learning_rate,
            steps_per_second: 0.0,
            loss: None,
            d_learning_rate: None,
            wasserstein: None,
            gradient_penalty: None,
            g_grad_norm: None,
            d_grad_norm: None,
            d_updates: None,
            g_adversarial: None,
            g_frozen: None,
            d_frozen: None,
        }
    }
}

/// The end-of-epoch validation figures of a run: the generator's teacher-forced loss on
/// validation windows (cross-entropy for the token GANs, squared error for C-RNN-GAN) and,
/// where the run measures it, its next-token accuracy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Validation {
    /// The loss.
    pub loss: f32,
    /// Share of positions whose most likely token is the right one (token GANs only).
    pub accuracy: Option<f32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_runs_step_line_reads_and_writes_as_before_the_shared_figures() {
        // A line the token trainer wrote before C-RNN-GAN shared these figures.
        let line = r#"{"step":3,"epoch":0,"phase":"gan","g_loss":0.7,"accuracy":null,"d_loss":0.6,"d_real":0.5,"d_fake":0.4,"learning_rate":0.0002,"steps_per_second":9.5,"loss":"bce","d_learning_rate":0.0002,"wasserstein":null,"gradient_penalty":null,"g_grad_norm":1.5,"d_grad_norm":2.5,"d_updates":1}"#;
        let stats: StepStats = serde_json::from_str(line).unwrap();
        assert_eq!((stats.step, stats.g_frozen), (3, None));
        assert_eq!(serde_json::to_string(&stats).unwrap(), line);
    }
}
