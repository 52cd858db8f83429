//! Plain `f32` weights of a trained generator, for the inference engine in
//! [`crate::generate`] (which runs without burn, so generation is fast and reproducible).

use serde::{Deserialize, Serialize};

/// The weights of an Embedding -> LSTM -> Linear generator as plain row-major arrays.
///
/// Gates are packed in the order input, forget, cell (candidate), output: for a gate `g` and
/// hidden unit `j`, column `g * H + j` of the `4H`-wide matrices.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GeneratorWeights {
    /// Token vocabulary size `V`.
    pub vocab_size: usize,
    /// Embedding width `E`.
    pub embedding_width: usize,
    /// Hidden width `H`.
    pub hidden: usize,
    /// `[V, E]`: row `v` is the embedding of token `v`.
    pub embedding: Vec<f32>,
    /// `[E, 4H]`: input-to-gates weights.
    pub input_weights: Vec<f32>,
    /// `[H, 4H]`: hidden-to-gates weights.
    pub hidden_weights: Vec<f32>,
    /// `[4H]`: the sum of the input and hidden biases of each gate.
    pub gate_bias: Vec<f32>,
    /// `[H, V]`: hidden-to-logits weights.
    pub output_weights: Vec<f32>,
    /// `[V]`: logit biases.
    pub output_bias: Vec<f32>,
}

/// Weights whose sizes do not agree with their declared shape.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("generator weights: {what} has {got} values, expected {expected}")]
pub struct WeightsError {
    /// The array.
    pub what: &'static str,
    /// Its length.
    pub got: usize,
    /// The length its shape asks for.
    pub expected: usize,
}

impl GeneratorWeights {
    /// Checks that every array has the length its shape asks for.
    pub fn validate(&self) -> Result<(), WeightsError> {
        let (v, e, h) = (self.vocab_size, self.embedding_width, self.hidden);
        let checks = [
            ("the embedding", self.embedding.len(), v * e),
            ("the input weights", self.input_weights.len(), e * 4 * h),
            ("the hidden weights", self.hidden_weights.len(), h * 4 * h),
            ("the gate bias", self.gate_bias.len(), 4 * h),
            ("the output weights", self.output_weights.len(), h * v),
            ("the output bias", self.output_bias.len(), v),
        ];
        for (what, got, expected) in checks {
            if got != expected {
                return Err(WeightsError {
                    what,
                    got,
                    expected,
                });
            }
        }
        Ok(())
    }
}
