//! One adversarial (BCE) step: the discriminator on real and generated windows, then the
//! generator through the discriminator.

use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::activation::{sigmoid, softmax};
use burn::tensor::{Int, Tensor};

use super::error::{TrainError, finite, scalar};
use super::losses::bce_with_logits;
use super::mle::shift_batch;
use crate::model::{Discriminator, Generator};

/// The figures of one adversarial step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GanStats {
    /// The generator's loss: BCE of D's logits on generated windows against "real".
    pub g_loss: f32,
    /// The discriminator's loss: BCE on real windows plus BCE on generated ones.
    pub d_loss: f32,
    /// Mean D(real): the probability D gives real windows (before its update).
    pub d_real: f32,
    /// Mean D(fake): the probability D gives generated windows (before its update).
    pub d_fake: f32,
}

/// The two networks of a GAN and their optimizers.
pub struct GanOptimizers<'a> {
    /// The generator's Adam.
    pub generator: &'a mut ModuleOptimizer,
    /// The discriminator's Adam.
    pub discriminator: &'a mut ModuleOptimizer,
}

/// The figures of one discriminator update.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DiscriminatorStats {
    /// BCE on real windows (label 1) plus BCE on fake ones (label 0).
    pub loss: f32,
    /// Mean D(real) before the update.
    pub d_real: f32,
    /// Mean D(fake) before the update.
    pub d_fake: f32,
}

/// One discriminator update on real and fake windows (`[b, t, V]` each; `fake` is detached
/// here, so no gradient reaches whatever made it).
pub fn discriminator_step(
    discriminator: Discriminator,
    optimizer: &mut ModuleOptimizer,
    real: Tensor<3>,
    fake: Tensor<3>,
    learning_rate: f64,
    step: u64,
) -> Result<(Discriminator, DiscriminatorStats), TrainError> {
    let real_logits = discriminator.forward(real); // [b, 1]
    let fake_logits = discriminator.forward(fake.detach()); // [b, 1]
    let d_real = scalar(sigmoid(real_logits.clone().detach()).mean())?;
    let d_fake = scalar(sigmoid(fake_logits.clone().detach()).mean())?;
    let loss = bce_with_logits(real_logits, true) + bce_with_logits(fake_logits, false); // [1]
    let loss_value = finite(step, "discriminator loss", scalar(loss.clone())?)?;
    let grads = GradientsParams::from_grads(loss.backward(), &discriminator);
    let discriminator = optimizer.step(learning_rate, discriminator, grads);
    let stats = DiscriminatorStats {
        loss: loss_value,
        d_real,
        d_fake,
    };
    Ok((discriminator, stats))
}

/// One generator update through a fixed discriminator: `fake` `[b, t, V]` must still carry
/// the generator's graph. The loss's backward also reaches D's parameters; only the
/// generator's gradients are taken (`GradientsParams::from_grads(grads, &generator)`) and only
/// the generator moves. Returns the updated generator and its loss.
pub fn generator_step(
    generator: Generator,
    discriminator: &Discriminator,
    optimizer: &mut ModuleOptimizer,
    fake: Tensor<3>,
    learning_rate: f64,
    step: u64,
) -> Result<(Generator, f32), TrainError> {
    let loss = bce_with_logits(discriminator.forward(fake), true); // [1]
    let loss_value = finite(step, "generator loss", scalar(loss.clone())?)?;
    let grads = GradientsParams::from_grads(loss.backward(), &generator);
    let generator = optimizer.step(learning_rate, generator, grads);
    Ok((generator, loss_value))
}

/// The generator's fake windows for a real batch `[b, t]`: the softmax of its teacher-forced
/// outputs on tokens 0..t-1, `[b, t-1, V]`, with the real one-hot windows of tokens 1..t
/// they are compared with.
pub fn fake_and_real(
    generator: &Generator,
    batch: Tensor<2, Int>,
) -> Result<(Tensor<3>, Tensor<3>), TrainError> {
    let (inputs, targets) = shift_batch(batch)?;
    let real = targets.one_hot::<3>(generator.vocab_size()).float(); // [b, t-1, V]
    let fake = softmax(generator.forward(inputs), 2); // [b, t-1, V]
    Ok((fake, real))
}

/// One BCE GAN step on a batch of real token ids `[b, t]`.
///
/// The generator reads the real window's first `t-1` tokens (teacher forcing) and its softmax
/// outputs `[b, t-1, V]` are the fake windows, the real ones being the one-hot tokens 1..t
/// ([`fake_and_real`]). First D is updated on real and detached fake windows
/// ([`discriminator_step`]); then G is updated to make the updated D call its windows real
/// ([`generator_step`]).
pub fn gan_step(
    generator: Generator,
    discriminator: Discriminator,
    optimizers: GanOptimizers<'_>,
    batch: Tensor<2, Int>,
    learning_rate: f64,
    step: u64,
) -> Result<(Generator, Discriminator, GanStats), TrainError> {
    let (fake, real) = fake_and_real(&generator, batch)?;
    let (discriminator, d) = discriminator_step(
        discriminator,
        optimizers.discriminator,
        real,
        fake.clone(),
        learning_rate,
        step,
    )?;
    let (generator, g_loss) = generator_step(
        generator,
        &discriminator,
        optimizers.generator,
        fake,
        learning_rate,
        step,
    )?;
    let stats = GanStats {
        g_loss,
        d_loss: d.loss,
        d_real: d.d_real,
        d_fake: d.d_fake,
    };
    Ok((generator, discriminator, stats))
}
