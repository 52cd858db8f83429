//! The `reinforce` recipe of the adversarial phase (ScratchGAN, de Masson d'Autume et al.
//! 2019, with the likelihood kept beside it):
//!
//! 1. The generator writes whole tunes from nothing ([`sample_tunes`]: discrete tokens, drawn
//!    at temperature 1 by the generation engine from the generator's current weights).
//! 2. The discriminator scores every step of real and generated tunes
//!    ([`Discriminator::forward_steps`]) and learns to tell them apart step by step (binary
//!    cross-entropy, padding masked). Both sides are one-hot tokens, so D cannot tell a fake
//!    by its softness, the flaw that collapses the pathwise GAN on softmax outputs.
//! 3. Each generated step's reward is `2 sigmoid(D) - 1` (in -1..1); its return adds the
//!    later rewards discounted by `reward_discount`; the advantage is the return less a
//!    moving-average baseline. The generator's loss is REINFORCE's
//!    `-mean(advantage * log p(token))` plus `mle_weight` times the teacher-forced loss on the
//!    real batch.
//!
//! Drawing the tunes with the engine, not burn, keeps a step cheap (256 steps of a batch of 32
//! in tens of milliseconds); the log-probabilities are then computed by the burn generator in
//! one teacher-forced pass over the drawn tunes, so the gradient is exact for the
//! unconstrained distribution (generation's few structural rules, such as a first note
//! instead of a rest, are not part of it: a small bias, documented here).

use burn::optim::GradientsParams;
use burn::tensor::activation::{log_sigmoid, log_softmax, sigmoid};
use burn::tensor::{Device, Int, Tensor, TensorData};

use super::config::TrainConfig;
use super::error::{TrainError, finite, scalar};
use super::gan::{GanOptimizers, GanStats};
use super::grads::{gradient_norm, shift_batch};
use super::losses::next_token_loss;
use super::trainer::rows_tensor;
use crate::generate::melody::MAX_VARIATIONS;
use crate::generate::{GenerateOptions, LstmEngine, Seed, TokenModel, generate};
use crate::model::{Discriminator, Generator};
use crate::music::Metre;
use crate::music::tokens::{END_ID, PAD_ID, START_ID, code_at};

/// The settings of a `reinforce` step (see [`TrainConfig`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReinforceSettings {
    /// The generator's learning rate.
    pub g_learning_rate: f64,
    /// The discriminator's learning rate.
    pub d_learning_rate: f64,
    /// Weight of the likelihood in the generator's loss.
    pub mle_weight: f64,
    /// Discount of later rewards in a step's return.
    pub discount: f64,
    /// How fast the baseline follows the mean return.
    pub baseline_decay: f64,
}

impl ReinforceSettings {
    /// The settings of a run's configuration.
    pub fn from_config(config: &TrainConfig) -> Self {
        Self {
            g_learning_rate: config.gan_generator_lr(),
            d_learning_rate: config.gan_discriminator_lr(),
            mle_weight: config.mle_weight,
            discount: config.reward_discount,
            baseline_decay: config.baseline_decay,
        }
    }
}

/// The moving average of the mean return, subtracted from the returns (none before the first
/// step, which then uses its own mean).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Baseline(Option<f64>);

impl Baseline {
    /// The baseline for returns of mean `mean` (the average so far, or `mean` at first), then
    /// moves the average towards `mean` by `decay`.
    pub fn next(&mut self, mean: f64, decay: f64) -> f64 {
        let now = self.0.unwrap_or(mean);
        self.0 = Some(now + decay * (mean - now));
        now
    }
}

/// The return of every step of `rows` rows of `steps` rewards (row-major): its reward plus
/// the later ones of its row, each step further discounted by `discount`. Steps that are not
/// `valid` (padding) get 0 and add nothing.
pub fn discounted_returns(
    rewards: &[f32],
    valid: &[bool],
    steps: usize,
    discount: f64,
) -> Vec<f32> {
    let mut out = vec![0.0; rewards.len()];
    for (row, (r, v)) in rewards
        .chunks(steps.max(1))
        .zip(valid.chunks(steps.max(1)))
        .enumerate()
    {
        let mut running = 0.0f64;
        for i in (0..r.len()).rev() {
            if v[i] {
                running = f64::from(r[i]) + discount * running;
                out[row * steps + i] = running as f32;
            }
        }
    }
    out
}

/// `rows` tunes drawn from nothing by `generator` in `metre` (temperature 1, each at most
/// `max_steps` steps, ended where the generator ends it), as codes `[rows, t]`:
/// `<start>`, the tokens, `<end>` for a tune that ended, then padding.
pub fn sample_tunes(
    generator: &Generator,
    metre: Metre,
    rows: usize,
    max_steps: usize,
    seed: u64,
    device: &Device,
) -> Result<Tensor<2, Int>, TrainError> {
    let weights = generator
        .to_weights()
        .map_err(|e| TrainError::Device(e.to_string()))?;
    let engine = LstmEngine::new(weights).map_err(|e| TrainError::Device(e.to_string()))?;
    let model = TokenModel::Lstm(engine);
    let mut start = Seed::empty();
    start.time_signature = metre.signature();
    let mut sequences: Vec<Vec<u32>> = Vec::with_capacity(rows);
    let mut chunk_seed = seed;
    while sequences.len() < rows {
        let options = GenerateOptions {
            temperature: 1.0,
            rng_seed: chunk_seed,
            steps: max_steps as u64,
            variations: (rows - sequences.len()).min(MAX_VARIATIONS),
            ..GenerateOptions::default()
        };
        chunk_seed = chunk_seed.wrapping_add(1);
        let drawn =
            generate(&model, &start, &options).map_err(|e| TrainError::Batch(e.to_string()))?;
        for g in drawn {
            let ended = g.tokens.len() < max_steps;
            let mut sequence = Vec::with_capacity(g.tokens.len() + 2);
            sequence.push(START_ID);
            sequence.extend_from_slice(&g.tokens);
            if ended {
                sequence.push(END_ID);
            }
            sequences.push(sequence);
        }
    }
    let width = sequences.iter().map(Vec::len).max().unwrap_or(2).max(2);
    let codes: Vec<Vec<u32>> = sequences
        .iter()
        .map(|s| {
            (0..width)
                .map(|j| {
                    if j < s.len() {
                        code_at(j, metre, |i| s.get(i).copied())
                    } else {
                        PAD_ID
                    }
                })
                .collect()
        })
        .collect();
    Ok(rows_tensor(&codes, device))
}

/// A batch of codes `[b, t]` as the discriminator and the generator's loss need it.
struct Steps {
    /// The generator's inputs, `[b, t-1]`.
    inputs: Tensor<2, Int>,
    /// The tokens they predict, `[b, t-1]`.
    targets: Tensor<2, Int>,
    /// 1 where the target is a token, 0 where it is padding, `[b, t-1]`.
    mask: Tensor<2>,
    /// The one-hot targets, zero at padding, `[b, t-1, V]`.
    one_hot: Tensor<3>,
}

impl Steps {
    fn of(generator: &Generator, codes: Tensor<2, Int>) -> Result<Self, TrainError> {
        let (inputs, targets) = shift_batch(codes)?;
        let targets = generator.tokens_of(targets); // [b, t-1]
        let mask = targets.clone().not_equal_elem(PAD_ID as i64).float(); // [b, t-1]
        let one_hot = targets
            .clone()
            .one_hot::<3>(generator.vocab_size())
            .float()
            .mul(mask.clone().unsqueeze_dim(2)); // [b, t-1, V]
        Ok(Steps {
            inputs,
            targets,
            mask,
            one_hot,
        })
    }
}

/// Binary cross-entropy of per-step logits `[b, t]` against one label, averaged over the
/// steps `mask` keeps.
fn masked_bce(logits: Tensor<2>, mask: Tensor<2>, real: bool) -> Tensor<1> {
    let signed = if real { logits } else { logits.neg() }; // [b, t]
    let count = mask.clone().sum().clamp_min(1.0); // [1]
    (log_sigmoid(signed) * mask).sum().neg() / count // [1]
}

/// The mean of `values` `[b, t]` over the steps `mask` keeps.
fn masked_mean(values: Tensor<2>, mask: Tensor<2>) -> Result<f32, TrainError> {
    let count = mask.clone().sum().clamp_min(1.0); // [1]
    scalar((values * mask).sum() / count)
}

fn values_of(tensor: Tensor<2>) -> Result<Vec<f32>, TrainError> {
    tensor
        .into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .map_err(|e| TrainError::Device(format!("{e:?}")))
}

/// One `reinforce` step: a discriminator update per real batch of `real` (each against the
/// same generated tunes `fake`, codes `[b, t]` from [`sample_tunes`]), then one generator
/// update by REINFORCE with the updated discriminator's per-step rewards, plus the likelihood
/// of the last real batch. `baseline` carries the moving average from step to step.
#[allow(clippy::too_many_arguments)]
pub fn reinforce_step(
    generator: Generator,
    mut discriminator: Discriminator,
    optimizers: GanOptimizers<'_>,
    real: Vec<Tensor<2, Int>>,
    fake: Tensor<2, Int>,
    baseline: &mut Baseline,
    settings: &ReinforceSettings,
    step: u64,
) -> Result<(Generator, Discriminator, GanStats), TrainError> {
    let fake = Steps::of(&generator, fake)?;
    let model_error = |e: crate::model::ModelError| TrainError::Batch(e.to_string());
    let mut last = None;
    let mut updates = 0u32;
    for batch in real {
        let real = Steps::of(&generator, batch)?;
        let real_scores = discriminator
            .forward_steps(real.one_hot.clone())
            .map_err(model_error)?; // [b, t]
        let fake_scores = discriminator
            .forward_steps(fake.one_hot.clone())
            .map_err(model_error)?; // [b, t]
        let d_real = masked_mean(sigmoid(real_scores.clone().detach()), real.mask.clone())?;
        let d_fake = masked_mean(sigmoid(fake_scores.clone().detach()), fake.mask.clone())?;
        let loss = masked_bce(real_scores, real.mask.clone(), true)
            + masked_bce(fake_scores, fake.mask.clone(), false); // [1]
        let d_loss = finite(step, "discriminator loss", scalar(loss.clone())?)?;
        let grads = GradientsParams::from_grads(loss.backward(), &discriminator);
        let d_norm = finite(
            step,
            "discriminator gradient norm",
            gradient_norm(&grads, &discriminator)?,
        )?;
        discriminator =
            optimizers
                .discriminator
                .step(settings.d_learning_rate, discriminator, grads);
        updates += 1;
        last = Some((real, d_loss, d_real, d_fake, d_norm));
    }
    let Some((real, d_loss, d_real, d_fake, d_norm)) = last else {
        return Err(TrainError::Batch(
            "an adversarial step needs at least one batch".into(),
        ));
    };

    // Rewards of the generated steps by the updated discriminator, returns and advantages.
    let [rows, steps] = fake.targets.dims();
    let scores = discriminator
        .detached()
        .forward_steps(fake.one_hot.clone())
        .map_err(model_error)?
        .detach(); // [b, t]
    let rewards: Vec<f32> = values_of(sigmoid(scores).mul_scalar(2.0).sub_scalar(1.0))?;
    let valid: Vec<bool> = values_of(fake.mask.clone().detach())?
        .iter()
        .map(|&m| m > 0.5)
        .collect();
    let returns = discounted_returns(&rewards, &valid, steps, settings.discount);
    let counted = valid.iter().filter(|&&v| v).count().max(1);
    let mean_return = returns
        .iter()
        .zip(&valid)
        .filter(|(_, v)| **v)
        .map(|(r, _)| f64::from(*r))
        .sum::<f64>()
        / counted as f64;
    let base = baseline.next(mean_return, settings.baseline_decay) as f32;
    let advantages: Vec<f32> = returns
        .iter()
        .zip(&valid)
        .map(|(r, &v)| if v { r - base } else { 0.0 })
        .collect();
    let device = fake.mask.device();
    let advantages = Tensor::<2>::from_data(TensorData::new(advantages, [rows, steps]), &device); // [b, t]

    let logits = generator.forward(fake.inputs); // [b, t, V]
    let log_probs = log_softmax(logits, 2)
        .gather(2, fake.targets.unsqueeze_dim(2))
        .reshape([rows, steps]); // [b, t]
    let policy = (log_probs * advantages)
        .sum()
        .neg()
        .div_scalar(counted as f64); // [1]
    let loss = if settings.mle_weight > 0.0 {
        let real_logits = generator.forward(real.inputs); // [b, t, V]
        policy + next_token_loss(real_logits, real.targets).mul_scalar(settings.mle_weight)
    } else {
        policy
    }; // [1]
    let g_loss = finite(step, "generator loss", scalar(loss.clone())?)?;
    let grads = GradientsParams::from_grads(loss.backward(), &generator);
    let g_norm = finite(
        step,
        "generator gradient norm",
        gradient_norm(&grads, &generator)?,
    )?;
    let generator = optimizers
        .generator
        .step(settings.g_learning_rate, generator, grads);
    let stats = GanStats {
        g_loss,
        d_loss,
        d_real,
        d_fake,
        wasserstein: None,
        gradient_penalty: None,
        g_grad_norm: g_norm,
        d_grad_norm: d_norm,
        d_updates: updates,
    };
    Ok((generator, discriminator, stats))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_discount_later_rewards_and_skip_padding() {
        // Two rows of three steps; the second row's last step is padding.
        let rewards = [1.0, 0.0, -1.0, 0.5, 0.5, 9.0];
        let valid = [true, true, true, true, true, false];
        let r = discounted_returns(&rewards, &valid, 3, 0.5);
        // r0 + g * (r1 + g * r2) with g = 0.5.
        let (r0, r1, r2) = (1.0, 0.0, -1.0);
        let expected = [r0 + 0.5 * (r1 + 0.5 * r2), -0.5, -1.0, 0.75, 0.5, 0.0];
        for (got, want) in r.iter().zip(expected) {
            assert!((got - want).abs() < 1e-6, "{r:?}");
        }
        // No discount: each step's own reward only.
        assert_eq!(discounted_returns(&rewards, &valid, 3, 0.0)[0], 1.0);
    }

    #[test]
    fn the_baseline_starts_at_the_first_mean_and_follows_slowly() {
        let mut b = Baseline::default();
        assert_eq!(b.next(2.0, 0.1), 2.0);
        assert_eq!(b.next(12.0, 0.1), 2.0);
        assert!((b.next(0.0, 0.1) - 3.0).abs() < 1e-12);
    }
}
