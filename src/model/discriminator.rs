//! The convolutional discriminator (or WGAN critic): a real/fake score per window.

use burn::module::{Module, ModuleMapper, Param};
use burn::nn::conv::{Conv1d, Conv1dConfig};
use burn::nn::{GaussianNoise, GaussianNoiseConfig, Linear, LinearConfig, PaddingConfig1d};
use burn::tensor::{Device, Distribution, Tensor};

use super::config::{DiscriminatorConfig, ModelError};
use super::conv_same::{conv_layer, correlate_same};

/// The discriminator (see [`DiscriminatorConfig`]).
#[derive(Module, Debug)]
pub struct Discriminator {
    conv1: Conv1d,
    conv2: Conv1d,
    output: Linear,
    noise: GaussianNoise,
    minibatch: Option<MinibatchDiscrimination>,
    leaky_slope: f64,
    channels: usize,
    kernel: usize,
    dropout: f64,
}

/// Minibatch discrimination (Salimans et al. 2016; see [`DiscriminatorConfig`]): pooled
/// features `[b, C]` -> `[b, C + B]`.
#[derive(Module, Debug)]
pub struct MinibatchDiscrimination {
    projection: Linear,
    kernels: usize,
    kernel_dims: usize,
}

impl MinibatchDiscrimination {
    /// Appends to each window's features its closeness to the other windows of the batch:
    /// `[b, C]` -> `[b, C + B]`.
    pub fn forward(&self, features: Tensor<2>) -> Tensor<2> {
        let [batch, _] = features.dims();
        let (kernels, dims) = (self.kernels, self.kernel_dims);
        let m = self
            .projection
            .forward(features.clone())
            .reshape([batch, kernels, dims]); // [b, B, K]
        let diff =
            m.clone().reshape([batch, 1, kernels, dims]) - m.reshape([1, batch, kernels, dims]); // [b, b, B, K]
        let l1 = diff.abs().sum_dim(3).reshape([batch, batch, kernels]); // [b, b, B]
        // Sum over j, minus the window's own term exp(0) = 1.
        let closeness = l1
            .neg()
            .exp()
            .sum_dim(1)
            .reshape([batch, kernels])
            .sub_scalar(1.0); // [b, B]
        Tensor::cat(vec![features, closeness], 1) // [b, C + B]
    }
}

impl DiscriminatorConfig {
    /// Builds a discriminator with fresh weights on `device` (drawn from the device's RNG:
    /// seed it first for a reproducible model).
    pub fn init(&self, device: &Device) -> Result<Discriminator, ModelError> {
        self.validate()?;
        let conv = |channels_in| {
            Conv1dConfig::new(channels_in, self.channels, self.kernel)
                .with_padding(PaddingConfig1d::Same)
                .init(device)
        };
        let conv1 = conv(self.vocab_size);
        let conv2 = conv(self.channels);
        let minibatch = (self.minibatch_kernels > 0).then(|| MinibatchDiscrimination {
            projection: LinearConfig::new(
                self.channels,
                self.minibatch_kernels * self.minibatch_kernel_dims,
            )
            .with_bias(false)
            .init(device),
            kernels: self.minibatch_kernels,
            kernel_dims: self.minibatch_kernel_dims,
        });
        Ok(Discriminator {
            conv1,
            conv2,
            output: LinearConfig::new(self.channels + self.minibatch_kernels, 1).init(device),
            noise: GaussianNoiseConfig::new(self.noise_std).init(),
            minibatch,
            leaky_slope: self.leaky_slope,
            channels: self.channels,
            kernel: self.kernel,
            dropout: self.dropout,
        })
    }
}

/// What the hidden layers computed, kept for the input gradient.
struct Hidden {
    /// Features after pooling, `[b, C]`.
    pooled: Tensor<2>,
    /// Features at every step, before pooling, `[b, t, C]`.
    steps: Tensor<3>,
    /// Activations of the first layer before noise and dropout, `[b, t, C]` (positive
    /// exactly where the pre-activation is, the LeakyReLU's slope being `>= 0`).
    a1: Tensor<3>,
    /// Activations of the second layer before noise and dropout, `[b, t, C]`.
    a2: Tensor<3>,
    /// Dropout's scaled keep masks after each hidden layer (training with dropout only).
    keep: Option<(Tensor<3>, Tensor<3>)>,
}

impl Discriminator {
    /// Real/fake logits (or critic scores) of windows given as one-hot tokens or token
    /// distributions: `[b, t, V]` -> `[b, 1]` (positive: judged real).
    pub fn forward(&self, windows: Tensor<3>) -> Tensor<2> {
        let hidden = self.hidden(windows);
        let features = match &self.minibatch {
            Some(minibatch) => minibatch.forward(hidden.pooled), // [b, C + B]
            None => hidden.pooled,                               // [b, C]
        };
        self.output.forward(features) // [b, 1]
    }

    /// A real/fake logit for every step of windows `[b, t, V]` -> `[b, t]`: the output layer
    /// applied before the pooling, so a window's logit in [`Discriminator::forward`] is the
    /// mean of its steps' (the dense reward of ScratchGAN). Positions the caller masks out
    /// are still scored; the convolutions see a few steps either side. Refused with minibatch
    /// discrimination, whose features exist only per window.
    pub fn forward_steps(&self, windows: Tensor<3>) -> Result<Tensor<2>, ModelError> {
        if self.minibatch.is_some() {
            return Err(ModelError::Unsupported(
                "per-step scores need a discriminator without minibatch discrimination",
            ));
        }
        let [batch, steps, _] = windows.dims();
        let hidden = self.hidden(windows);
        let scores = self.output.forward(hidden.steps); // [b, t, 1]
        Ok(scores.reshape([batch, steps])) // [b, t]
    }

    /// Whether minibatch discrimination is on.
    pub fn has_minibatch(&self) -> bool {
        self.minibatch.is_some()
    }

    /// The scores `[b, 1]` of windows `[b, t, V]` together with each score's gradient with
    /// respect to its own window, `[b, t, V]`, as a differentiable function of the weights
    /// (for the WGAN-GP gradient penalty).
    ///
    /// burn 0.22 has no double backward (an autodiff tensor cannot wrap another), so the
    /// input gradient is built here by hand from tracked tensor operations: the chain rule
    /// through the output layer, the mean over time, the LeakyReLUs (their slope, 1 or the
    /// leak, is a constant mask), dropout's masks and the two convolutions (whose input
    /// gradient is the transposed convolution with the same weights). It is exact, not a
    /// finite-difference estimate: `backward` through it gives the same weight gradients as a
    /// double backward would (LeakyReLU's second derivative is zero almost everywhere; the
    /// biases and the additive noise change the gradient only through the masks). Refused
    /// with minibatch discrimination, where a window's score depends on its whole batch.
    pub fn forward_with_input_gradient(
        &self,
        windows: Tensor<3>,
    ) -> Result<(Tensor<2>, Tensor<3>), ModelError> {
        if self.minibatch.is_some() {
            return Err(ModelError::Unsupported(
                "the gradient penalty needs a discriminator without minibatch discrimination",
            ));
        }
        let [_, steps, _] = windows.dims();
        let hidden = self.hidden(windows);
        let scores = self.output.forward(hidden.pooled); // [b, 1]
        let slope = |a: Tensor<3>| {
            a.detach()
                .greater_elem(0.0)
                .float()
                .mul_scalar(1.0 - self.leaky_slope)
                .add_scalar(self.leaky_slope)
        }; // [b, t, C]: dLeakyReLU/dz
        let out_weight = self.output.weight.val().reshape([1, 1, self.channels]); // [1, 1, C]
        // d score / d h2 = w / t at every step; through LeakyReLU and dropout to z2.
        let mut grad = slope(hidden.a2).mul(out_weight.div_scalar(steps as f64)); // [b, t, C]
        if let Some((_, keep2)) = &hidden.keep {
            grad = grad.mul(keep2.clone());
        }
        let grad = conv_same_transposed(grad, self.conv2.weight.val()); // [b, t, C]
        let mut grad = grad.mul(slope(hidden.a1)); // [b, t, C]
        if let Some((keep1, _)) = &hidden.keep {
            grad = grad.mul(keep1.clone());
        }
        let grad = conv_same_transposed(grad, self.conv1.weight.val()); // [b, t, V]
        Ok((scores, grad))
    }

    /// Returns the network with every parameter clamped to `[-limit, limit]` (the weight
    /// clipping of WGAN); parameter ids and gradient tracking are kept.
    pub fn clip_weights(self, limit: f64) -> Self {
        self.map(&mut Clip { limit })
    }

    /// A copy whose parameters are constants (untracked, sharing the same storage): its scores
    /// pass gradients back to its input but cost no weight gradients (the generator's update
    /// through a fixed discriminator). Dropout and noise act as in `self`.
    pub fn detached(&self) -> Self {
        self.clone().map(&mut Detach)
    }

    fn training(&self, x: &Tensor<3>) -> bool {
        self.noise.training.is_enabled() && x.device().is_autodiff()
    }

    /// The hidden layers: `[b, t, V]` -> pooled features `[b, C]` and what the input
    /// gradient needs. The activations stay channel-last (`[b, t, C]`), the layout the
    /// windows come in, and each layer is one operation ([`conv_leaky`]).
    fn hidden(&self, windows: Tensor<3>) -> Hidden {
        let [batch, _, _] = windows.dims();
        let dropout = self.dropout > 0.0 && self.training(&windows);
        let a1 = conv_leaky(windows, &self.conv1, self.leaky_slope); // [b, t, C]
        let h1 = self.noise.forward(a1.clone()); // [b, t, C]
        let keep1 = dropout.then(|| self.keep_mask(&h1));
        let h1 = match &keep1 {
            Some(keep) => h1.mul(keep.clone()),
            None => h1,
        };
        let a2 = conv_leaky(h1, &self.conv2, self.leaky_slope); // [b, t, C]
        let h2 = self.noise.forward(a2.clone()); // [b, t, C]
        let keep2 = dropout.then(|| self.keep_mask(&h2));
        let h2 = match &keep2 {
            Some(keep) => h2.mul(keep.clone()),
            None => h2,
        };
        let pooled = h2.clone().mean_dim(1).reshape([batch, self.channels]); // [b, C]
        Hidden {
            pooled,
            steps: h2,
            a1,
            a2,
            keep: keep1.zip(keep2),
        }
    }

    /// Dropout's mask for `like`: 1 / (1 - rate) where kept, 0 where dropped.
    fn keep_mask(&self, like: &Tensor<3>) -> Tensor<3> {
        let keep = 1.0 - self.dropout;
        Tensor::random(like.shape(), Distribution::Bernoulli(keep), &like.device()).div_scalar(keep)
    }
}

/// One hidden layer: a stride-1, "same"-padded 1-D convolution (cross-correlation, as
/// [`Conv1d`] computes it) of channel-last windows `x` `[b, t, Cin]` with `conv`'s weights
/// `[Cout, Cin, K]` (odd `K`) and bias, then a LeakyReLU of `slope`: `[b, t, Cout]`.
///
/// burn's `Conv1d` wants `[b, Cin, t]` and, on the CPU backend, runs one small product per
/// window for the forward and a convolution for the weight gradient. Here the forward and
/// both gradients are each one large matrix product, with the bias and the activation in the
/// same operation ([`conv_layer`]). The parameters and their layout are `Conv1d`'s, so
/// checkpoints do not change.
pub fn conv_leaky(x: Tensor<3>, conv: &Conv1d, slope: f64) -> Tensor<3> {
    // The weight first: lazily initialized parameters draw from the device's RNG on first use,
    // so this order keeps a seeded model's weights what they were.
    let weight = conv.weight.val();
    let bias = conv.bias.as_ref().map(|bias| bias.val());
    conv_layer(x, weight, bias, slope) // [b, t, Cout]
}

/// The input gradient of a convolution: the transposed convolution of `grad` `[b, t, Cout]`
/// with `weight` `[Cout, Cin, K]`, `[b, t, Cin]`. With stride 1 and padding `(K-1)/2` it is
/// the same-padded correlation with the kernel reversed in time and its channels swapped.
fn conv_same_transposed(grad: Tensor<3>, weight: Tensor<3>) -> Tensor<3> {
    correlate_same(grad, weight.swap_dims(0, 1).flip([2])) // [b, t, Cin]
}

/// Makes every float parameter an untracked constant ([`Discriminator::detached`]).
struct Detach;

impl ModuleMapper for Detach {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        // `map` gives the copy its own, initialized state (a lazy parameter's state is shared
        // with its clones, so changing it in place would freeze the original too).
        param.map(|tensor| tensor.detach()).set_require_grad(false)
    }
}

/// Clamps every float parameter (WGAN weight clipping).
struct Clip {
    limit: f64,
}

impl ModuleMapper for Clip {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let limit = self.limit;
        param.map(|tensor| {
            let tracked = tensor.is_require_grad();
            let autodiff = tensor.device().is_autodiff();
            // Clamped off the graph, then made a leaf again.
            let clipped = tensor.inner().clamp(-limit, limit);
            match (autodiff, tracked) {
                (true, true) => clipped.autodiff().require_grad(),
                (true, false) => clipped.autodiff(),
                (false, _) => clipped,
            }
        })
    }
}
