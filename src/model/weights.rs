//! Plain `f32` weights of a trained generator, for the inference engine in
//! [`crate::generate`] (which runs without burn, so generation is fast and reproducible).

use serde::{Deserialize, Serialize};

use crate::music::metre::{BARS, POSITIONS};
use crate::music::tokens::{LOOKBACKS, MODEL_VOCAB_SIZE};

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
    /// `[P, E]`: the embedding of each (metre, position) id added to the token's
    /// ([`crate::music::metre`]); empty for a model of vocabulary v1, which reads no places.
    #[serde(default)]
    pub position_embedding: Vec<f32>,
    /// `[BARS, E]`: the embedding of each bar id added to the token's; empty for v1.
    #[serde(default)]
    pub bar_embedding: Vec<f32>,
    /// `[LOOKBACKS, E]`: the embedding of each lookback value added to the token's
    /// ([`crate::music::tokens::step_code_with_lookback`]); empty for a model that reads no
    /// lookback.
    #[serde(default)]
    pub lookback_embedding: Vec<f32>,
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
    /// Whether the model reads the place of each step (token vocabulary v2), i.e. has
    /// position and bar embeddings.
    pub fn reads_places(&self) -> bool {
        !self.position_embedding.is_empty() || !self.bar_embedding.is_empty()
    }

    /// Whether the model reads each step's lookback (see [`GeneratorWeights::lookback_embedding`]).
    pub fn reads_lookback(&self) -> bool {
        !self.lookback_embedding.is_empty()
    }

    /// The token vocabulary version the model speaks: 2 when it reads places, else 1.
    pub fn vocab_version(&self) -> u32 {
        if self.reads_places() { 2 } else { 1 }
    }

    /// Checks that every array has the length its shape asks for.
    pub fn validate(&self) -> Result<(), WeightsError> {
        let (v, e, h) = (self.vocab_size, self.embedding_width, self.hidden);
        let (p, bars) = if self.reads_places() {
            (POSITIONS as usize, BARS as usize)
        } else {
            (0, 0)
        };
        if self.reads_lookback() && !self.reads_places() {
            return Err(WeightsError {
                what: "the place embeddings of a model that reads the lookback",
                got: 0,
                expected: (POSITIONS + BARS) as usize * e,
            });
        }
        if self.reads_places() && v != MODEL_VOCAB_SIZE {
            return Err(WeightsError {
                what: "the vocabulary of a model that reads places",
                got: v,
                expected: MODEL_VOCAB_SIZE,
            });
        }
        let checks = [
            (
                "the position embedding",
                self.position_embedding.len(),
                p * e,
            ),
            ("the bar embedding", self.bar_embedding.len(), bars * e),
            (
                "the lookback embedding",
                self.lookback_embedding.len(),
                if self.reads_lookback() {
                    LOOKBACKS as usize * e
                } else {
                    0
                },
            ),
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
