//! Maximum-likelihood (teacher-forced) training and validation of the generator.

use burn::module::Module;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::{Int, Tensor};

use super::error::{TrainError, finite, scalar};
use super::grads::{gradient_norm, shift_batch};
use super::losses::{next_token_accuracy, next_token_loss};
use crate::model::Generator;

/// The figures of one MLE step or evaluation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MleStats {
    /// Mean next-token cross-entropy, in nats (ln V for a uniform guess).
    pub loss: f32,
    /// Share of positions whose most likely token is the right one.
    pub accuracy: f32,
}

/// One MLE step on a batch of token ids `[b, t]` (on the generator's autodiff device):
/// teacher-forced cross-entropy, backward, Adam update. `step` (from 1) names the step in a
/// divergence error; on error the generator is not returned and the caller keeps its copy.
pub fn mle_step(
    generator: Generator,
    optimizer: &mut ModuleOptimizer,
    batch: Tensor<2, Int>,
    learning_rate: f64,
    step: u64,
) -> Result<(Generator, MleStats), TrainError> {
    let (inputs, targets) = shift_batch(batch)?;
    let targets = generator.tokens_of(targets); // [b, t-1]
    let logits = generator.forward(inputs); // [b, t-1, V]
    let loss = next_token_loss(logits.clone(), targets.clone()); // [1]
    let accuracy = scalar(next_token_accuracy(logits.detach(), targets))?;
    let loss_value = finite(step, "MLE loss", scalar(loss.clone())?)?;
    let grads = GradientsParams::from_grads(loss.backward(), &generator);
    let generator = optimizer.step(learning_rate, generator, grads);
    Ok((
        generator,
        MleStats {
            loss: loss_value,
            accuracy,
        },
    ))
}

/// As [`mle_step`], also returning the L2 norm of the gradient (a NaN or infinite norm is
/// a divergence: the update is not made).
pub fn mle_step_with_norm(
    generator: Generator,
    optimizer: &mut ModuleOptimizer,
    batch: Tensor<2, Int>,
    learning_rate: f64,
    step: u64,
) -> Result<(Generator, MleStats, f32), TrainError> {
    let (inputs, targets) = shift_batch(batch)?;
    let targets = generator.tokens_of(targets); // [b, t-1]
    let logits = generator.forward(inputs); // [b, t-1, V]
    let loss = next_token_loss(logits.clone(), targets.clone()); // [1]
    let accuracy = scalar(next_token_accuracy(logits.detach(), targets))?;
    let loss_value = finite(step, "MLE loss", scalar(loss.clone())?)?;
    let grads = GradientsParams::from_grads(loss.backward(), &generator);
    let norm = finite(
        step,
        "generator gradient norm",
        gradient_norm(&grads, &generator)?,
    )?;
    let generator = optimizer.step(learning_rate, generator, grads);
    let stats = MleStats {
        loss: loss_value,
        accuracy,
    };
    Ok((generator, stats, norm))
}

/// Teacher-forced loss and accuracy of a generator on batches, without training: the mean
/// over the batches, each weighted by its number of positions. `None` for no batch.
pub fn mle_evaluate(
    generator: &Generator,
    batches: impl IntoIterator<Item = Tensor<2, Int>>,
) -> Result<Option<MleStats>, TrainError> {
    let model = generator.valid();
    let (mut loss, mut accuracy, mut weight) = (0.0f64, 0.0f64, 0.0f64);
    for batch in batches {
        let batch = batch.inner();
        let (inputs, targets) = shift_batch(batch)?;
        let targets = model.tokens_of(targets); // [b, t-1]
        let [rows, steps] = targets.dims();
        let logits = model.forward(inputs); // [b, t-1, V]
        let w = (rows * steps) as f64;
        loss += f64::from(scalar(next_token_loss(logits.clone(), targets.clone()))?) * w;
        accuracy += f64::from(scalar(next_token_accuracy(logits, targets))?) * w;
        weight += w;
    }
    Ok((weight > 0.0).then(|| MleStats {
        loss: (loss / weight) as f32,
        accuracy: (accuracy / weight) as f32,
    }))
}
