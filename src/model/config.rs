//! The model configurations, saved as JSON next to every checkpoint.

use burn::config::Config;
use thiserror::Error;

use crate::music::tokens::{MODEL_VOCAB_SIZE, VOCAB_SIZE};

/// A model configuration that cannot build a model.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ModelError {
    /// A size is zero.
    #[error("model configuration: {what} must be at least 1, got 0")]
    ZeroSize {
        /// The field.
        what: &'static str,
    },
    /// A noise level is negative or not a number.
    #[error("model configuration: {what} must be a finite number >= 0, got {value}")]
    BadNoise {
        /// The field.
        what: &'static str,
        /// The value given.
        value: f64,
    },
    /// The discriminator's kernel is even, so "same" padding cannot keep the length.
    #[error("model configuration: the discriminator's kernel size must be odd, got {0}")]
    EvenKernel(usize),
    /// A probability is outside `[0, 1)` or not a number.
    #[error("model configuration: {what} must be a number in [0, 1), got {value}")]
    BadRate {
        /// The field.
        what: &'static str,
        /// The value given.
        value: f64,
    },
    /// A model cannot do what was asked of it (e.g. a per-window input gradient of a
    /// discriminator whose windows see each other through minibatch discrimination).
    #[error("model: {0}")]
    Unsupported(&'static str),
}

/// The LSTM generator: Embedding(V, E) -> LSTM(H) -> Linear(V), a distribution over the next
/// token at every step (the token-LSTM of the melody-generation papers).
#[derive(Config, Debug, PartialEq)]
pub struct GeneratorConfig {
    /// Token vocabulary size `V` (vocabulary v1: 88 pitches, rest, hold, start, end).
    #[config(default = "VOCAB_SIZE")]
    pub vocab_size: usize,
    /// Token embedding width `E`.
    #[config(default = 128)]
    pub embedding: usize,
    /// LSTM hidden width `H`.
    #[config(default = 256)]
    pub hidden: usize,
    /// Standard deviation of the Gaussian noise added after the embedding and the LSTM while
    /// training (0 turns it off; the regularizer of the report uses 0.1).
    #[config(default = 0.0)]
    pub noise_std: f64,
    /// Whether the model reads the place of each step (token vocabulary v2: metre, position
    /// in the bar, bar number; see [`crate::music::tokens`]); then `vocab_size` must be
    /// [`MODEL_VOCAB_SIZE`]. Off (v1) by default; training on whole tunes turns it on.
    #[config(default = false)]
    pub places: bool,
    /// Whether the model also reads each step's lookback: the token of the step four bars
    /// before the one it predicts (Magenta's Lookback RNN; see
    /// [`crate::music::tokens::step_code_with_lookback`]), so it can repeat or vary a phrase
    /// as folk tunes do. Needs `places`. Off by default (models trained before it read none).
    #[config(default = false)]
    pub lookback: bool,
}

impl GeneratorConfig {
    /// Checks that the configuration can build a model.
    pub fn validate(&self) -> Result<(), ModelError> {
        nonzero("the generator's vocabulary size", self.vocab_size)?;
        nonzero("the generator's embedding width", self.embedding)?;
        nonzero("the generator's hidden width", self.hidden)?;
        if self.lookback && !self.places {
            return Err(ModelError::Unsupported(
                "a generator that reads the lookback must read places too",
            ));
        }
        if self.places && self.vocab_size != MODEL_VOCAB_SIZE {
            return Err(ModelError::Unsupported(
                "a generator that reads places needs the vocabulary v2 size (93 tokens)",
            ));
        }
        noise("the generator's noise", self.noise_std)
    }
}

/// The discriminator: one-hot tokens or the generator's distributions `[b, t, V]` ->
/// Conv1d(V -> C, k, same) -> LeakyReLU -> Conv1d(C -> C, k, same) -> LeakyReLU -> mean over
/// time -> Linear(C -> 1), a real/fake logit per window (a WGAN critic is the same network,
/// its output read as a raw score).
///
/// Regularizers, all off by default and active only while training (on an autodiff device):
/// Gaussian noise after each hidden layer (`noise_std`), dropout after each hidden layer
/// (`dropout`), and minibatch discrimination (`minibatch_kernels` > 0, Salimans et al. 2016):
/// the pooled features `[b, C]` are projected to `[b, B, K]` (B kernels of K dimensions, no
/// bias); for each window i and kernel k, `o[i, k] = sum over j != i of exp(-L1(M[i, k], M[j,
/// k]))`, and the `[b, B]` result is appended to the features, so the output layer is
/// Linear(C + B -> 1). Minibatch discrimination makes a window's score depend on the rest of
/// its batch, so it cannot be combined with the gradient penalty of WGAN-GP (a per-window
/// penalty).
#[derive(Config, Debug, PartialEq)]
pub struct DiscriminatorConfig {
    /// Token vocabulary size `V` (the input channels).
    #[config(default = "VOCAB_SIZE")]
    pub vocab_size: usize,
    /// Channels `C` of both convolutions.
    #[config(default = 128)]
    pub channels: usize,
    /// Kernel size of both convolutions (odd, so "same" padding keeps the length).
    #[config(default = 5)]
    pub kernel: usize,
    /// Slope of the LeakyReLU for negative inputs (0.2 as in DCGAN).
    #[config(default = 0.2)]
    pub leaky_slope: f64,
    /// Standard deviation of the Gaussian noise added after each hidden layer while training
    /// (0 turns it off; the regularizer of the report uses 0.1).
    #[config(default = 0.0)]
    pub noise_std: f64,
    /// Dropout rate after each hidden layer while training (0 turns it off).
    #[config(default = 0.0)]
    pub dropout: f64,
    /// Kernels `B` of minibatch discrimination (0 turns it off; Salimans et al. use 100 on
    /// images, 16 is plenty for 128 channels).
    #[config(default = 0)]
    pub minibatch_kernels: usize,
    /// Dimensions `K` of each minibatch-discrimination kernel (5 in Salimans et al.).
    #[config(default = 5)]
    pub minibatch_kernel_dims: usize,
}

impl DiscriminatorConfig {
    /// Checks that the configuration can build a model.
    pub fn validate(&self) -> Result<(), ModelError> {
        nonzero("the discriminator's vocabulary size", self.vocab_size)?;
        nonzero("the discriminator's channels", self.channels)?;
        nonzero("the discriminator's kernel size", self.kernel)?;
        if self.kernel.is_multiple_of(2) {
            return Err(ModelError::EvenKernel(self.kernel));
        }
        noise("the discriminator's LeakyReLU slope", self.leaky_slope)?;
        noise("the discriminator's noise", self.noise_std)?;
        rate("the discriminator's dropout", self.dropout)?;
        if self.minibatch_kernels > 0 {
            nonzero(
                "the discriminator's minibatch kernel dimensions",
                self.minibatch_kernel_dims,
            )?;
        }
        Ok(())
    }
}

fn nonzero(what: &'static str, value: usize) -> Result<(), ModelError> {
    if value == 0 {
        Err(ModelError::ZeroSize { what })
    } else {
        Ok(())
    }
}

fn noise(what: &'static str, value: f64) -> Result<(), ModelError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(ModelError::BadNoise { what, value })
    }
}

fn rate(what: &'static str, value: f64) -> Result<(), ModelError> {
    if value.is_finite() && (0.0..1.0).contains(&value) {
        Ok(())
    } else {
        Err(ModelError::BadRate { what, value })
    }
}
