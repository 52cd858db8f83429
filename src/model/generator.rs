//! The LSTM generator: a next-token distribution at every step.

use burn::module::Module;
use burn::nn::{
    Embedding, EmbeddingConfig, GateController, GaussianNoise, GaussianNoiseConfig, Linear,
    LinearConfig, Lstm, LstmConfig, LstmState,
};
use burn::tensor::{Device, Int, Tensor};

use super::config::{GeneratorConfig, ModelError};
use super::fused_lstm::lstm_forward;
use super::weights::GeneratorWeights;
use crate::music::metre::{BARS, PLACES, POSITIONS};
use crate::music::tokens::LOOKBACKS;

mod import;
pub use import::ImportError;

/// The LSTM generator (see [`GeneratorConfig`]).
#[derive(Module, Debug)]
pub struct Generator {
    embedding: Embedding,
    /// The (metre, position) embedding of vocabulary v2 (`None` for v1).
    position_embedding: Option<Embedding>,
    /// The bar-number embedding of vocabulary v2 (`None` for v1).
    bar_embedding: Option<Embedding>,
    /// The embedding of each step's lookback (`None` for a model that reads none).
    lookback_embedding: Option<Embedding>,
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
            position_embedding: self
                .places
                .then(|| EmbeddingConfig::new(POSITIONS as usize, self.embedding).init(device)),
            bar_embedding: self
                .places
                .then(|| EmbeddingConfig::new(BARS as usize, self.embedding).init(device)),
            lookback_embedding: self
                .lookback
                .then(|| EmbeddingConfig::new(LOOKBACKS as usize, self.embedding).init(device)),
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

    /// Whether it reads the place of each step (vocabulary v2): its inputs are then codes
    /// (`token + V * place`, [`crate::music::tokens::step_code`]), else token ids.
    pub fn reads_places(&self) -> bool {
        self.position_embedding.is_some()
    }

    /// The input embedding of `[b, t]` ids or codes: `[b, t, E]`, the token's embedding plus,
    /// for a v2 model, those of the step's (metre, position) and bar.
    fn embed(&self, codes: Tensor<2, Int>) -> Tensor<3> {
        let (Some(positions), Some(bars)) = (&self.position_embedding, &self.bar_embedding) else {
            return self.embedding.forward(codes); // [b, t, E]
        };
        let v = self.vocab_size as i64;
        let tokens = codes.clone().remainder_scalar(v); // [b, t]
        let rest = codes.div_scalar(v); // [b, t]: place + PLACES * lookback
        let places = rest.clone().remainder_scalar(i64::from(PLACES)); // [b, t]
        let position = places.clone().remainder_scalar(i64::from(POSITIONS)); // [b, t]
        let bar = places.div_scalar(i64::from(POSITIONS)); // [b, t]
        let embedded =
            self.embedding.forward(tokens) + positions.forward(position) + bars.forward(bar); // [b, t, E]
        match &self.lookback_embedding {
            Some(lookbacks) => {
                let lookback = rest.div_scalar(i64::from(PLACES)); // [b, t]
                embedded + lookbacks.forward(lookback) // [b, t, E]
            }
            None => embedded,
        }
    }

    /// The token ids of `[b, t]` ids or codes (the codes' tokens for a v2 model).
    pub fn tokens_of(&self, codes: Tensor<2, Int>) -> Tensor<2, Int> {
        if self.reads_places() {
            codes.remainder_scalar(self.vocab_size as i64) // [b, t]
        } else {
            codes
        }
    }

    /// Next-token logits for every position of `tokens` (teacher forcing): `[b, t]` ids (v1)
    /// or codes (v2) -> `[b, t, V]` logits, where position `i` predicts token `i + 1`.
    pub fn forward(&self, tokens: Tensor<2, Int>) -> Tensor<3> {
        let x = self.embed(tokens); // [b, t, E]
        let x = self.noise.forward(x); // [b, t, E]
        let (hidden, _) = lstm_forward(&self.lstm, x, None); // [b, t, H]
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
        let x = self.embed(tokens); // [b, t, E]
        let (hidden, state) = lstm_forward(&self.lstm, x, state); // [b, t, H]
        let last = hidden.slice([0..batch, steps.saturating_sub(1)..steps]); // [b, 1, H]
        let logits = self.output.forward(last); // [b, 1, V]
        (logits.reshape([batch, self.vocab_size]), state) // [b, V]
    }
}

/// Reads a burn tensor's values as `f32`s.
fn values<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>, ExportError> {
    tensor
        .into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .map_err(|e| ExportError(format!("{e:?}")))
}

/// The generator's weights could not be read out of the backend.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("could not read the generator's weights: {0}")]
pub struct ExportError(String);

impl Generator {
    /// The generator's weights as plain arrays (see [`GeneratorWeights`]) for the inference
    /// engine of [`crate::generate`].
    pub fn to_weights(&self) -> Result<GeneratorWeights, ExportError> {
        let lstm = &self.lstm;
        let forget = lstm
            .forget_gate
            .as_ref()
            .ok_or_else(|| ExportError("the LSTM has no forget gate".into()))?;
        let gates = [&lstm.input_gate, forget, &lstm.cell_gate, &lstm.output_gate];
        let hidden = lstm.d_hidden;
        let [vocab_size, embedding_width] = self.embedding.weight.dims();
        // Interleave the four gates' [in, H] matrices into one [in, 4H] matrix.
        let pack =
            |which: fn(&GateController) -> &Linear, rows: usize| -> Result<Vec<f32>, ExportError> {
                let mut packed = vec![0.0; rows * 4 * hidden];
                for (g, gate) in gates.iter().enumerate() {
                    let w = values(which(gate).weight.val())?; // [rows, H]
                    for r in 0..rows {
                        let dst = r * 4 * hidden + g * hidden;
                        packed[dst..dst + hidden].copy_from_slice(&w[r * hidden..(r + 1) * hidden]);
                    }
                }
                Ok(packed)
            };
        let bias_of = |linear: &Linear| -> Result<Vec<f32>, ExportError> {
            match &linear.bias {
                Some(b) => values(b.val()),
                None => Ok(vec![0.0; hidden]),
            }
        };
        let mut gate_bias = Vec::with_capacity(4 * hidden);
        for gate in gates {
            let a = bias_of(&gate.input_transform)?;
            let b = bias_of(&gate.hidden_transform)?;
            gate_bias.extend(a.iter().zip(&b).map(|(x, y)| x + y));
        }
        let table = |e: &Option<Embedding>| -> Result<Vec<f32>, ExportError> {
            e.as_ref()
                .map_or(Ok(Vec::new()), |e| values(e.weight.val()))
        };
        let weights = GeneratorWeights {
            position_embedding: table(&self.position_embedding)?,
            bar_embedding: table(&self.bar_embedding)?,
            lookback_embedding: table(&self.lookback_embedding)?,
            vocab_size,
            embedding_width,
            hidden,
            embedding: values(self.embedding.weight.val())?,
            input_weights: pack(|g| &g.input_transform, embedding_width)?,
            hidden_weights: pack(|g| &g.hidden_transform, hidden)?,
            gate_bias,
            output_weights: values(self.output.weight.val())?,
            output_bias: match &self.output.bias {
                Some(b) => values(b.val())?,
                None => vec![0.0; vocab_size],
            },
        };
        weights.validate().map_err(|e| ExportError(e.to_string()))?;
        Ok(weights)
    }
}
