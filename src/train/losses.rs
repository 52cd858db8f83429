//! The losses of the two training phases, on logits for numerical stability.

use burn::nn::loss::CrossEntropyLossConfig;
use burn::tensor::activation::log_sigmoid;
use burn::tensor::{Int, Tensor};

use crate::music::tokens::PAD_ID;

/// Binary cross-entropy of real/fake logits `[b, 1]` against one label for the whole batch
/// (`real`: 1, else 0), averaged over the batch: `-log σ(x)` for real, `-log σ(-x)` for fake,
/// computed as log-sigmoid so that large logits neither overflow nor lose precision.
pub fn bce_with_logits(logits: Tensor<2>, real: bool) -> Tensor<1> {
    let signed = if real { logits } else { logits.neg() }; // [b, 1]
    log_sigmoid(signed).mean().neg() // [1]
}

/// Mean next-token cross-entropy (in nats) of logits `[b, t, V]` against target ids `[b, t]`,
/// over the positions whose target is not the padding token [`PAD_ID`].
pub fn next_token_loss(logits: Tensor<3>, targets: Tensor<2, Int>) -> Tensor<1> {
    let [batch, steps, vocab] = logits.dims();
    let device = logits.device();
    let flat_logits = logits.reshape([batch * steps, vocab]); // [b*t, V]
    let flat_targets = targets.reshape([batch * steps]); // [b*t]
    let pad = (vocab > PAD_ID as usize).then(|| vec![PAD_ID as usize]);
    CrossEntropyLossConfig::new()
        .with_pad_tokens(pad)
        .init(&device)
        .forward(flat_logits, flat_targets) // [1]
}

/// The share of positions whose most likely token is the target: logits `[b, t, V]`,
/// targets `[b, t]` -> `[1]` in 0..=1, over the positions whose target is not [`PAD_ID`]. Ties
/// go to the lowest token id.
pub fn next_token_accuracy(logits: Tensor<3>, targets: Tensor<2, Int>) -> Tensor<1> {
    let [batch, steps, _] = logits.dims();
    let predicted = logits.argmax(2).reshape([batch, steps]); // [b, t]
    let counted = targets.clone().not_equal_elem(PAD_ID as i64).float(); // [b, t]
    let right = predicted.equal(targets).float() * counted.clone(); // [b, t]
    right.sum() / counted.sum().clamp_min(1.0) // [1]
}

/// The critic loss of a Wasserstein GAN on scores `[b, 1]`: `mean C(fake) - mean C(real)`
/// (the negated Wasserstein estimate; the critic minimizes it).
pub fn critic_loss(real_scores: Tensor<2>, fake_scores: Tensor<2>) -> Tensor<1> {
    fake_scores.mean() - real_scores.mean() // [1]
}

/// The generator loss of a Wasserstein GAN on the critic's scores of generated windows
/// `[b, 1]`: `-mean C(fake)`.
pub fn wgan_generator_loss(fake_scores: Tensor<2>) -> Tensor<1> {
    fake_scores.mean().neg() // [1]
}

/// The WGAN-GP penalty from the critic's gradients at the interpolates, `[b, t, V]` (one
/// gradient per window): `mean over windows of (|g| - 1)^2`, `|g|` the L2 norm of a window's
/// whole gradient. A 1e-12 under the square root keeps the norm differentiable at 0.
pub fn gradient_penalty(gradients: Tensor<3>) -> Tensor<1> {
    let [batch, _, _] = gradients.dims();
    let norms = gradients
        .square()
        .sum_dim(2)
        .sum_dim(1)
        .reshape([batch])
        .add_scalar(1e-12)
        .sqrt(); // [b]
    norms.sub_scalar(1.0).square().mean() // [1]
}
