//! One adversarial step: `k` discriminator (critic) updates, each on its own batch of real
//! and generated windows, then one generator update through the updated discriminator. The
//! loss is BCE, WGAN with weight clipping or WGAN with gradient penalty ([`GanLoss`]).

use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::activation::{sigmoid, softmax};
use burn::tensor::{Distribution, Int, Tensor};

use super::config::{GanLoss, GeneratorOutput, TrainConfig};
use super::error::{TrainError, finite, scalar};
use super::grads::{gradient_norm, shift_batch};
use super::losses::{
    bce_with_logits, critic_loss, gradient_penalty, next_token_loss, wgan_generator_loss,
};
use crate::model::{Discriminator, Generator};

/// The figures of one adversarial step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GanStats {
    /// The generator's loss: BCE of D's logits on generated windows against "real", or
    /// `-mean C(fake)` for a WGAN.
    pub g_loss: f32,
    /// The discriminator's loss at its last update: BCE on real plus BCE on generated
    /// windows, or `mean C(fake) - mean C(real)` (plus the penalty for WGAN-GP).
    pub d_loss: f32,
    /// Mean D(real) at the last D update, before it: a probability for BCE, the raw critic
    /// score for a WGAN.
    pub d_real: f32,
    /// Mean D(fake) at the last D update, before it (as `d_real`).
    pub d_fake: f32,
    /// The Wasserstein estimate `mean C(real) - mean C(fake)` (WGANs only).
    pub wasserstein: Option<f32>,
    /// The gradient penalty before its weight lambda (WGAN-GP only).
    pub gradient_penalty: Option<f32>,
    /// L2 norm of the generator's gradient (all parameters together).
    pub g_grad_norm: f32,
    /// L2 norm of the discriminator's gradient at its last update.
    pub d_grad_norm: f32,
    /// Discriminator updates done in this step.
    pub d_updates: u32,
}

/// The two networks of a GAN and their optimizers.
pub struct GanOptimizers<'a> {
    /// The generator's optimizer.
    pub generator: &'a mut ModuleOptimizer,
    /// The discriminator's optimizer.
    pub discriminator: &'a mut ModuleOptimizer,
}

/// The loss-related settings of the adversarial phase (see [`TrainConfig`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GanSettings {
    /// The loss.
    pub loss: GanLoss,
    /// WGAN-clip's clamp.
    pub clip_value: f64,
    /// WGAN-GP's penalty weight.
    pub gp_lambda: f64,
    /// What D sees of G's output.
    pub output: GeneratorOutput,
    /// Gumbel-softmax temperature.
    pub gumbel_temperature: f64,
    /// The generator's learning rate.
    pub g_learning_rate: f64,
    /// The discriminator's learning rate.
    pub d_learning_rate: f64,
    /// Weight of the likelihood kept in the generator's objective (0: off).
    pub mle_weight: f64,
}

impl GanSettings {
    /// The settings of a run's configuration.
    pub fn from_config(config: &TrainConfig) -> Self {
        Self {
            loss: config.loss,
            clip_value: config.clip_value,
            gp_lambda: config.gp_lambda,
            output: config.generator_output,
            gumbel_temperature: config.gumbel_temperature,
            g_learning_rate: config.gan_generator_lr(),
            d_learning_rate: config.gan_discriminator_lr(),
            mle_weight: config.mle_weight,
        }
    }

    /// Plain BCE on softmax outputs with one learning rate for both networks.
    pub fn bce(learning_rate: f64) -> Self {
        Self {
            loss: GanLoss::Bce,
            clip_value: 0.01,
            gp_lambda: 10.0,
            output: GeneratorOutput::Softmax,
            gumbel_temperature: 1.0,
            g_learning_rate: learning_rate,
            d_learning_rate: learning_rate,
            mle_weight: 0.0,
        }
    }
}

/// The figures of one discriminator update.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DiscriminatorStats {
    /// The loss: BCE on real windows (label 1) plus BCE on fake ones (label 0), or the
    /// critic loss (plus `lambda` times the penalty).
    pub loss: f32,
    /// Mean D(real) before the update (a probability for BCE, a raw score for a critic).
    pub d_real: f32,
    /// Mean D(fake) before the update.
    pub d_fake: f32,
    /// The gradient penalty before its weight (WGAN-GP only).
    pub gradient_penalty: Option<f32>,
    /// L2 norm of the loss's gradient over D's parameters.
    pub grad_norm: f32,
}

/// One BCE discriminator update on real and fake windows (`[b, t, V]` each; `fake` is
/// detached here, so no gradient reaches whatever made it).
pub fn discriminator_step(
    discriminator: Discriminator,
    optimizer: &mut ModuleOptimizer,
    real: Tensor<3>,
    fake: Tensor<3>,
    learning_rate: f64,
    step: u64,
) -> Result<(Discriminator, DiscriminatorStats), TrainError> {
    let settings = GanSettings::bce(learning_rate);
    critic_step(discriminator, optimizer, real, fake, &settings, step)
}

/// One discriminator (critic) update for any loss: BCE; the WGAN critic loss followed by
/// weight clipping; or the WGAN critic loss plus the gradient penalty at random
/// interpolates `eps * real + (1 - eps) * fake`, `eps ~ U[0, 1)` per window. `fake` is
/// detached here.
pub fn critic_step(
    discriminator: Discriminator,
    optimizer: &mut ModuleOptimizer,
    real: Tensor<3>,
    fake: Tensor<3>,
    settings: &GanSettings,
    step: u64,
) -> Result<(Discriminator, DiscriminatorStats), TrainError> {
    let fake = fake.detach();
    let real_scores = discriminator.forward(real.clone()); // [b, 1]
    let fake_scores = discriminator.forward(fake.clone()); // [b, 1]
    let (d_real, d_fake, loss, penalty) = match settings.loss {
        GanLoss::Bce | GanLoss::Reinforce => {
            let d_real = scalar(sigmoid(real_scores.clone().detach()).mean())?;
            let d_fake = scalar(sigmoid(fake_scores.clone().detach()).mean())?;
            let loss = bce_with_logits(real_scores, true) + bce_with_logits(fake_scores, false);
            (d_real, d_fake, loss, None)
        }
        GanLoss::WganClip | GanLoss::WganGp => {
            let d_real = scalar(real_scores.clone().detach().mean())?;
            let d_fake = scalar(fake_scores.clone().detach().mean())?;
            let loss = critic_loss(real_scores, fake_scores); // [1]
            if settings.loss == GanLoss::WganGp {
                let penalty = interpolate_penalty(&discriminator, real, fake)?; // [1]
                let value = finite(step, "gradient penalty", scalar(penalty.clone())?)?;
                let loss = loss + penalty.mul_scalar(settings.gp_lambda);
                (d_real, d_fake, loss, Some(value))
            } else {
                (d_real, d_fake, loss, None)
            }
        }
    };
    let loss_value = finite(step, "discriminator loss", scalar(loss.clone())?)?;
    let grads = GradientsParams::from_grads(loss.backward(), &discriminator);
    let grad_norm = finite(
        step,
        "discriminator gradient norm",
        gradient_norm(&grads, &discriminator)?,
    )?;
    let mut discriminator = optimizer.step(settings.d_learning_rate, discriminator, grads);
    if settings.loss == GanLoss::WganClip {
        discriminator = discriminator.clip_weights(settings.clip_value);
    }
    let stats = DiscriminatorStats {
        loss: loss_value,
        d_real,
        d_fake,
        gradient_penalty: penalty,
        grad_norm,
    };
    Ok((discriminator, stats))
}

/// The WGAN-GP penalty (before its weight) at random interpolates of real and fake windows
/// `[b, t, V]`, as a differentiable function of the critic's weights (see
/// [`Discriminator::forward_with_input_gradient`] for how, without a double backward).
pub fn interpolate_penalty(
    discriminator: &Discriminator,
    real: Tensor<3>,
    fake: Tensor<3>,
) -> Result<Tensor<1>, TrainError> {
    let [batch, _, _] = real.dims();
    let eps = Tensor::<3>::random([batch, 1, 1], Distribution::Default, &real.device()); // [b, 1, 1]
    let mixed = (real.detach() * eps.clone() + fake.detach() * eps.neg().add_scalar(1.0)).detach(); // [b, t, V]
    let (_, gradients) = discriminator.forward_with_input_gradient(mixed)?; // [b, t, V]
    Ok(gradient_penalty(gradients))
}

/// One BCE generator update through a fixed discriminator: `fake` `[b, t, V]` must still
/// carry the generator's graph. D runs with its parameters untracked, so the loss's backward
/// flows through D to the generator without computing D's weight gradients; only the
/// generator moves. Returns the updated generator and its loss.
pub fn generator_step(
    generator: Generator,
    discriminator: &Discriminator,
    optimizer: &mut ModuleOptimizer,
    fake: Tensor<3>,
    learning_rate: f64,
    step: u64,
) -> Result<(Generator, f32), TrainError> {
    let settings = GanSettings::bce(learning_rate);
    let (generator, loss, _) = generator_update(
        generator,
        discriminator,
        optimizer,
        fake,
        None,
        &settings,
        step,
    )?;
    Ok((generator, loss))
}

/// One generator update for any pathwise loss (BCE against "real", or `-mean C(fake)`), plus
/// `settings.mle_weight` times `likelihood` (the teacher-forced loss of the same pass) when
/// given; returns the updated generator, its loss and its gradient's L2 norm.
pub fn generator_update(
    generator: Generator,
    discriminator: &Discriminator,
    optimizer: &mut ModuleOptimizer,
    fake: Tensor<3>,
    likelihood: Option<Tensor<1>>,
    settings: &GanSettings,
    step: u64,
) -> Result<(Generator, f32, f32), TrainError> {
    let scores = discriminator.detached().forward(fake); // [b, 1]
    let adversarial = match settings.loss {
        GanLoss::WganClip | GanLoss::WganGp => wgan_generator_loss(scores),
        GanLoss::Bce | GanLoss::Reinforce => bce_with_logits(scores, true),
    }; // [1]
    let loss = match likelihood {
        Some(mle) if settings.mle_weight > 0.0 => adversarial + mle.mul_scalar(settings.mle_weight),
        _ => adversarial,
    }; // [1]
    let loss_value = finite(step, "generator loss", scalar(loss.clone())?)?;
    let grads = GradientsParams::from_grads(loss.backward(), &generator);
    let grad_norm = finite(
        step,
        "generator gradient norm",
        gradient_norm(&grads, &generator)?,
    )?;
    let generator = optimizer.step(settings.g_learning_rate, generator, grads);
    Ok((generator, loss_value, grad_norm))
}

/// The generator's fake windows for a real batch `[b, t]`: the softmax of its teacher-forced
/// outputs on tokens 0..t-1, `[b, t-1, V]`, with the real one-hot windows of tokens 1..t
/// they are compared with.
pub fn fake_and_real(
    generator: &Generator,
    batch: Tensor<2, Int>,
) -> Result<(Tensor<3>, Tensor<3>), TrainError> {
    fake_and_real_with(generator, batch, GeneratorOutput::Softmax, 1.0)
}

/// As [`fake_and_real`], with the generator's output shown to D as `output` (softmax, or
/// straight-through Gumbel-softmax at `temperature`).
pub fn fake_and_real_with(
    generator: &Generator,
    batch: Tensor<2, Int>,
    output: GeneratorOutput,
    temperature: f64,
) -> Result<(Tensor<3>, Tensor<3>), TrainError> {
    let forced = teacher_forced(generator, batch, output, temperature)?;
    Ok((forced.fake, forced.real))
}

/// What one teacher-forced pass over a real batch gives the adversarial phase.
struct TeacherForced {
    /// The generator's outputs as D sees them, `[b, t-1, V]`.
    fake: Tensor<3>,
    /// The real one-hot windows, `[b, t-1, V]`.
    real: Tensor<3>,
    /// The likelihood loss of the same pass (mean next-token cross-entropy, padding masked).
    likelihood: Tensor<1>,
}

fn teacher_forced(
    generator: &Generator,
    batch: Tensor<2, Int>,
    output: GeneratorOutput,
    temperature: f64,
) -> Result<TeacherForced, TrainError> {
    let (inputs, targets) = shift_batch(batch)?;
    let targets = generator.tokens_of(targets); // [b, t-1]
    let real = targets.clone().one_hot::<3>(generator.vocab_size()).float(); // [b, t-1, V]
    let logits = generator.forward(inputs); // [b, t-1, V]
    let likelihood = next_token_loss(logits.clone(), targets); // [1]
    let fake = match output {
        GeneratorOutput::Softmax => softmax(logits, 2),
        GeneratorOutput::GumbelSoftmax => gumbel_softmax_straight_through(logits, temperature),
    }; // [b, t-1, V]
    Ok(TeacherForced {
        fake,
        real,
        likelihood,
    })
}

/// Straight-through Gumbel-softmax over the last axis of logits `[b, t, V]`: the forward
/// value is the one-hot of `argmax(logits + g)` (`g` standard Gumbel noise, drawn from the
/// device's RNG), the gradient that of `softmax((logits + g) / temperature)`.
pub fn gumbel_softmax_straight_through(logits: Tensor<3>, temperature: f64) -> Tensor<3> {
    let [batch, steps, vocab] = logits.dims();
    // U in [1e-20, 1): -ln(-ln U) stays finite at both ends.
    let uniform = Tensor::<3>::random(
        [batch, steps, vocab],
        Distribution::Uniform(1e-20, 1.0),
        &logits.device(),
    );
    let gumbel = uniform.log().neg().log().neg(); // [b, t, V]
    let soft = softmax((logits + gumbel).div_scalar(temperature), 2); // [b, t, V]
    let hard = soft
        .clone()
        .detach()
        .argmax(2)
        .reshape([batch, steps])
        .one_hot::<3>(vocab)
        .float(); // [b, t, V]
    hard - soft.clone().detach() + soft
}

/// One BCE GAN step on a batch of real token ids `[b, t]`, one learning rate for both.
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
    let settings = GanSettings::bce(learning_rate);
    adversarial_step(
        generator,
        discriminator,
        optimizers,
        vec![batch],
        &settings,
        step,
    )
}

/// One adversarial step for any loss: one discriminator update per batch of `batches`
/// (`k` batches of real token ids `[b, t]`, each with the generator's fakes for it), then
/// one generator update on the last batch's fakes through the updated discriminator. The
/// figures of D are those of its last update.
pub fn adversarial_step(
    generator: Generator,
    mut discriminator: Discriminator,
    optimizers: GanOptimizers<'_>,
    batches: Vec<Tensor<2, Int>>,
    settings: &GanSettings,
    step: u64,
) -> Result<(Generator, Discriminator, GanStats), TrainError> {
    let mut last = None;
    let mut updates = 0u32;
    for batch in batches {
        let forced = teacher_forced(
            &generator,
            batch,
            settings.output,
            settings.gumbel_temperature,
        )?;
        let (next, stats) = critic_step(
            discriminator,
            optimizers.discriminator,
            forced.real,
            forced.fake.clone(),
            settings,
            step,
        )?;
        discriminator = next;
        updates += 1;
        last = Some((forced.fake, forced.likelihood, stats));
    }
    let Some((fake, likelihood, d)) = last else {
        return Err(TrainError::Batch(
            "an adversarial step needs at least one batch".into(),
        ));
    };
    let (generator, g_loss, g_grad_norm) = generator_update(
        generator,
        &discriminator,
        optimizers.generator,
        fake,
        Some(likelihood),
        settings,
        step,
    )?;
    let stats = GanStats {
        g_loss,
        d_loss: d.loss,
        d_real: d.d_real,
        d_fake: d.d_fake,
        wasserstein: settings
            .loss
            .is_wasserstein()
            .then_some(d.d_real - d.d_fake),
        gradient_penalty: d.gradient_penalty,
        g_grad_norm,
        d_grad_norm: d.grad_norm,
        d_updates: updates,
    };
    Ok((generator, discriminator, stats))
}
