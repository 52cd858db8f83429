//! The convolutional discriminator: a real/fake logit per window.

use burn::module::Module;
use burn::nn::conv::{Conv1d, Conv1dConfig};
use burn::nn::{GaussianNoise, GaussianNoiseConfig, Linear, LinearConfig, PaddingConfig1d};
use burn::tensor::activation::leaky_relu;
use burn::tensor::{Device, Tensor};

use super::config::{DiscriminatorConfig, ModelError};

/// The discriminator (see [`DiscriminatorConfig`]).
#[derive(Module, Debug)]
pub struct Discriminator {
    conv1: Conv1d,
    conv2: Conv1d,
    output: Linear,
    noise: GaussianNoise,
    leaky_slope: f64,
    channels: usize,
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
        Ok(Discriminator {
            conv1: conv(self.vocab_size),
            conv2: conv(self.channels),
            output: LinearConfig::new(self.channels, 1).init(device),
            noise: GaussianNoiseConfig::new(self.noise_std).init(),
            leaky_slope: self.leaky_slope,
            channels: self.channels,
        })
    }
}

impl Discriminator {
    /// Real/fake logits of windows given as one-hot tokens or token distributions:
    /// `[b, t, V]` -> `[b, 1]` (positive: judged real).
    pub fn forward(&self, windows: Tensor<3>) -> Tensor<2> {
        let [batch, _, _] = windows.dims();
        let x = windows.swap_dims(1, 2); // [b, V, t]
        let x = leaky_relu(self.conv1.forward(x), self.leaky_slope); // [b, C, t]
        let x = self.noise.forward(x); // [b, C, t]
        let x = leaky_relu(self.conv2.forward(x), self.leaky_slope); // [b, C, t]
        let x = self.noise.forward(x); // [b, C, t]
        let pooled = x.mean_dim(2).reshape([batch, self.channels]); // [b, C]
        self.output.forward(pooled) // [b, 1]
    }
}
