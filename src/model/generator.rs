//! The LSTM generator: a next-token distribution at every step.

use burn::module::Module;
use burn::nn::{
    Embedding, EmbeddingConfig, GaussianNoise, GaussianNoiseConfig, Linear, LinearConfig, Lstm,
    LstmConfig, LstmState,
};
use burn::tensor::{Device, Int, Tensor};

use super::config::{GeneratorConfig, ModelError};

/// The LSTM generator (see [`GeneratorConfig`]).
#[derive(Module, Debug)]
pub struct Generator {
    embedding: Embedding,
    lstm: Lstm,
    output: Linear,
    noise: GaussianNoise,
    vocab_size: usize,
}

impl GeneratorConfig {
    /// Builds a generator with fresh weights on `device` (drawn from the device's RNG: seed it
    /// first for a reproducible model).
    pub fn init(&self, device: &Device) -> Result<Generator, ModelError> {
        self.validate()?;
        Ok(Generator {
            embedding: EmbeddingConfig::new(self.vocab_size, self.embedding).init(device),
            lstm: LstmConfig::new(self.embedding, self.hidden, true).init(device),
            output: LinearConfig::new(self.hidden, self.vocab_size).init(device),
            noise: GaussianNoiseConfig::new(self.noise_std).init(),
            vocab_size: self.vocab_size,
        })
    }
}

impl Generator {
    /// The vocabulary size `V` of its output.
    pub fn vocab_size(&self) -> usize {
        self.vocab_size
    }

    /// Next-token logits for every position of `tokens` (teacher forcing): `[b, t]` ids ->
    /// `[b, t, V]` logits, where position `i` predicts token `i + 1`.
    pub fn forward(&self, tokens: Tensor<2, Int>) -> Tensor<3> {
        let x = self.embedding.forward(tokens); // [b, t, E]
        let x = self.noise.forward(x); // [b, t, E]
        let (hidden, _) = self.lstm.forward(x, None); // [b, t, H]
        let hidden = self.noise.forward(hidden); // [b, t, H]
        self.output.forward(hidden) // [b, t, V]
    }

    /// One step of generation: `[b, t]` ids (a primer, or the last token) and the state after
    /// the previous call -> the logits after the last id `[b, V]` and the new state.
    pub fn forward_step(
        &self,
        tokens: Tensor<2, Int>,
        state: Option<LstmState<2>>,
    ) -> (Tensor<2>, LstmState<2>) {
        let [batch, steps] = tokens.dims();
        let x = self.embedding.forward(tokens); // [b, t, E]
        let (hidden, state) = self.lstm.forward(x, state); // [b, t, H]
        let last = hidden.slice([0..batch, steps.saturating_sub(1)..steps]); // [b, 1, H]
        let logits = self.output.forward(last); // [b, 1, V]
        (logits.reshape([batch, self.vocab_size]), state) // [b, V]
    }
}
