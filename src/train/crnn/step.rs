//! One step of each C-RNN-GAN phase, as functions of the networks and their optimizers: the
//! teacher-forced MLE step of the generator, the discriminator's update, and the adversarial
//! step with feature matching and the freezing rule.

use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::Tensor;
use burn::tensor::activation::sigmoid;

use crate::model::crnn::{CrnnDiscriminator, CrnnGenerator};
use crate::train::error::{TrainError, finite, scalar};
use crate::train::losses::bce_with_logits;

/// Which updates the freezing rule skips this step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Freeze {
    /// The generator's update is skipped.
    pub generator: bool,
    /// The discriminator's update is skipped.
    pub discriminator: bool,
}

/// The freezing rule of Mogren (2016): a network whose loss is below `threshold` times the
/// other's is the stronger one and is not updated this step ("<": equal shares freeze
/// nothing). With a threshold below 1 at most one side is frozen; 0 never freezes.
///
/// The two losses must be on one scale: the trainer passes the generator's BCE loss
/// (`-log D(fake)`, averaged over steps) and the discriminator's mean BCE over real and fake
/// windows, both `ln 2` when D cannot tell them apart.
pub fn freeze_rule(g_loss: f32, d_loss: f32, threshold: f32) -> Freeze {
    Freeze {
        generator: g_loss < threshold * d_loss,
        discriminator: d_loss < threshold * g_loss,
    }
}

/// Teacher-forced squared error of the generator on real windows `[b, t, F]` with the noise
/// `[b, t, Z]` of each step: step `i` reads event `i - 1` (zeros for the first) and is scored
/// on event `i`. Returns the mean over all `b × t × F` values `[1]`.
pub fn mle_loss(generator: &CrnnGenerator, real: Tensor<3>, noise: Tensor<3>) -> Tensor<1> {
    let [batch, steps, features] = real.dims();
    let device = real.device();
    let start = Tensor::<3>::zeros([batch, 1, features], &device); // [b, 1, F]
    let before = real.clone().slice([0..batch, 0..steps.saturating_sub(1)]); // [b, t-1, F]
    let previous = Tensor::cat(vec![start, before], 1); // [b, t, F]
    let predicted = generator.forward_teacher(noise, previous); // [b, t, F]
    (predicted - real).powi_scalar(2).mean() // [1]
}

/// One MLE step: [`mle_loss`], backward, Adam update. `step` (from 1) names the step in a
/// divergence error. Returns the updated generator and the loss before the update.
pub fn mle_step(
    generator: CrnnGenerator,
    optimizer: &mut ModuleOptimizer,
    real: Tensor<3>,
    noise: Tensor<3>,
    learning_rate: f64,
    step: u64,
) -> Result<(CrnnGenerator, f32), TrainError> {
    let loss = mle_loss(&generator, real, noise);
    let value = finite(step, "C-RNN-GAN MLE loss", scalar(loss.clone())?)?;
    let grads = GradientsParams::from_grads(loss.backward(), &generator);
    Ok((optimizer.step(learning_rate, generator, grads), value))
}

/// The figures of one discriminator update.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CrnnDiscriminatorStats {
    /// The mean BCE over every step of the real (label 1) and fake (label 0) windows.
    pub loss: f32,
    /// Mean per-step D(real) before the update (the paper's decision, averaged over windows).
    pub d_real: f32,
    /// Mean per-step D(fake) before the update.
    pub d_fake: f32,
}

/// The discriminator's loss on a batch judged together, real windows in the first `real_rows`
/// rows of `logits` `[2b, t]` and fake ones after: the mean of the BCE of both halves.
fn discriminator_loss(logits: Tensor<2>, real_rows: usize) -> (Tensor<1>, Tensor<2>, Tensor<2>) {
    let [rows, steps] = logits.dims();
    let real = logits.clone().slice([0..real_rows, 0..steps]); // [b, t]
    let fake = logits.slice([real_rows..rows, 0..steps]); // [b, t]
    let loss = (bce_with_logits(real.clone(), true) + bce_with_logits(fake.clone(), false))
        .mul_scalar(0.5); // [1]
    (loss, real, fake)
}

/// One discriminator update on real and fake windows `[b, t, F]` each (`fake` is detached
/// here): per-step BCE with logits, averaged over steps and windows.
///
/// The paper averages the per-step sigmoids into one decision and takes its BCE; averaging
/// the per-step BCEs instead has the same optimum, never takes the log of a rounded 0, and
/// gives every step its own gradient.
pub fn discriminator_step(
    discriminator: CrnnDiscriminator,
    optimizer: &mut ModuleOptimizer,
    real: Tensor<3>,
    fake: Tensor<3>,
    learning_rate: f64,
    step: u64,
) -> Result<(CrnnDiscriminator, CrnnDiscriminatorStats), TrainError> {
    let [rows, _, _] = real.dims();
    let both = Tensor::cat(vec![real, fake.detach()], 0); // [2b, t, F]
    let judged = discriminator.forward(both);
    let (loss, real_logits, fake_logits) = discriminator_loss(judged.logits, rows);
    let stats = CrnnDiscriminatorStats {
        loss: finite(step, "C-RNN-GAN discriminator loss", scalar(loss.clone())?)?,
        d_real: scalar(sigmoid(real_logits.detach()).mean())?,
        d_fake: scalar(sigmoid(fake_logits.detach()).mean())?,
    };
    let grads = GradientsParams::from_grads(loss.backward(), &discriminator);
    Ok((optimizer.step(learning_rate, discriminator, grads), stats))
}

/// The figures of one adversarial step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CrnnGanStats {
    /// The loss the generator trains on: feature matching, or its BCE when feature matching
    /// is off.
    pub g_loss: f32,
    /// The generator's BCE `-log D(fake)` per step, averaged (what the freezing rule reads).
    pub g_adversarial: f32,
    /// The discriminator's mean BCE over real and fake windows.
    pub d_loss: f32,
    /// Mean per-step D(real) before the updates.
    pub d_real: f32,
    /// Mean per-step D(fake) before the updates.
    pub d_fake: f32,
    /// Which updates the freezing rule skipped.
    pub frozen: Freeze,
}

/// The settings of an adversarial step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GanSettings {
    /// Adam learning rate of both networks.
    pub learning_rate: f64,
    /// The freezing rule's share ([`freeze_rule`]).
    pub freeze_threshold: f32,
    /// Feature matching for the generator (else its BCE).
    pub feature_matching: bool,
}

/// The squared distance between the mean top-layer features of real and fake windows (means
/// over windows and steps, `[2H]` each), averaged over the `2H` features `[1]`.
pub fn feature_matching_loss(real_features: Tensor<3>, fake_features: Tensor<3>) -> Tensor<1> {
    let real_mean = mean_features(real_features); // [2H]
    let fake_mean = mean_features(fake_features); // [2H]
    (fake_mean - real_mean).powi_scalar(2).mean() // [1]
}

fn mean_features(features: Tensor<3>) -> Tensor<1> {
    let [_, _, width] = features.dims();
    features.mean_dim(0).mean_dim(1).reshape([width]) // [2H]
}

/// One adversarial step on real windows `[b, t, F]` and the generator's noise `[b, t, Z]`.
///
/// The generator runs free from the noise; the discriminator judges the real windows and the
/// (detached) generated ones in one batch. The freezing rule compares the generator's BCE
/// with D's loss and skips the stronger side's update. Both updates use the networks as they
/// were before this step (simultaneous updates): the generator's loss goes through the
/// discriminator before D moves, and only the generator's gradients are taken from it.
pub fn gan_step(
    generator: CrnnGenerator,
    discriminator: CrnnDiscriminator,
    optimizers: (&mut ModuleOptimizer, &mut ModuleOptimizer),
    batch: (Tensor<3>, Tensor<3>),
    settings: GanSettings,
    step: u64,
) -> Result<(CrnnGenerator, CrnnDiscriminator, CrnnGanStats), TrainError> {
    let (g_optimizer, d_optimizer) = optimizers;
    let (real, noise) = batch;
    let [rows, steps, _] = real.dims();
    let fake = generator.generate(noise); // [b, t, F]
    let both = Tensor::cat(vec![real, fake.clone().detach()], 0); // [2b, t, F]
    let judged = discriminator.forward(both);
    let (d_loss, real_logits, fake_logits) = discriminator_loss(judged.logits, rows);
    let width = discriminator.feature_width();
    let real_features = judged.features.clone().slice([0..rows, 0..steps, 0..width]); // [b, t, 2H]
    let fake_features = judged.features.slice([rows..2 * rows, 0..steps, 0..width]); // [b, t, 2H]
    let d_value = finite(
        step,
        "C-RNN-GAN discriminator loss",
        scalar(d_loss.clone())?,
    )?;
    let g_adversarial = finite(
        step,
        "C-RNN-GAN generator loss (BCE)",
        scalar(bce_with_logits(fake_logits.clone().detach(), true))?,
    )?;
    let fm_value = scalar(feature_matching_loss(
        real_features.clone().detach(),
        fake_features.detach(),
    ))?;
    let g_value = if settings.feature_matching {
        finite(
            step,
            "C-RNN-GAN generator loss (feature matching)",
            fm_value,
        )?
    } else {
        g_adversarial
    };
    let frozen = freeze_rule(g_adversarial, d_value, settings.freeze_threshold);
    let d_real = scalar(sigmoid(real_logits.detach()).mean())?;
    let d_fake = scalar(sigmoid(fake_logits.detach()).mean())?;

    let generator = if frozen.generator {
        generator
    } else {
        let judged_fake = discriminator.forward(fake); // graph through G
        let loss = if settings.feature_matching {
            feature_matching_loss(real_features.detach(), judged_fake.features)
        } else {
            bce_with_logits(judged_fake.logits, true)
        };
        let grads = GradientsParams::from_grads(loss.backward(), &generator);
        g_optimizer.step(settings.learning_rate, generator, grads)
    };
    let discriminator = if frozen.discriminator {
        discriminator
    } else {
        let grads = GradientsParams::from_grads(d_loss.backward(), &discriminator);
        d_optimizer.step(settings.learning_rate, discriminator, grads)
    };
    let stats = CrnnGanStats {
        g_loss: g_value,
        g_adversarial,
        d_loss: d_value,
        d_real,
        d_fake,
        frozen,
    };
    Ok((generator, discriminator, stats))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stronger_side_is_frozen_below_seventy_percent() {
        // D at 0.3 against G at 1.0: 0.3 < 0.7, D frozen.
        assert_eq!(
            freeze_rule(1.0, 0.3, 0.7),
            Freeze {
                generator: false,
                discriminator: true
            }
        );
        // G at 0.5 against D at 1.0: G frozen.
        assert_eq!(
            freeze_rule(0.5, 1.0, 0.7),
            Freeze {
                generator: true,
                discriminator: false
            }
        );
        // 0.7 exactly is not below 70%: nothing frozen; neither for close losses.
        assert_eq!(freeze_rule(0.7, 1.0, 0.7), Freeze::default());
        assert_eq!(freeze_rule(0.69, 0.75, 0.7), Freeze::default());
        // Threshold 0 never freezes.
        assert_eq!(freeze_rule(0.01, 10.0, 0.0), Freeze::default());
    }
}
