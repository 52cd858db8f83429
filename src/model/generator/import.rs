//! Plain weights back into a burn generator: the inverse of [`Generator::to_weights`], so a
//! shipped weights file (`generator.gsw`, e.g. `models/default/`) can start a training run.

use burn::module::Param;
use burn::nn::{Embedding, GateController, Linear};
use burn::tensor::{Tensor, TensorData};

use super::Generator;
use crate::model::weights::GeneratorWeights;

/// Weights whose sizes do not fit the generator they are loaded into.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("the weights do not fit this generator: {0}")]
pub struct ImportError(String);

/// Replaces the values of a parameter with `values` in the same shape (its id and training
/// state are kept).
fn set<const D: usize>(
    param: Param<Tensor<D>>,
    values: Vec<f32>,
    what: &str,
) -> Result<Param<Tensor<D>>, ImportError> {
    let shape = param.val().dims();
    let expected: usize = shape.iter().product();
    if values.len() != expected {
        return Err(ImportError(format!(
            "{what} has {} values, the generator {expected} ({shape:?})",
            values.len()
        )));
    }
    Ok(param.map(|t| {
        let tracked = t.is_require_grad();
        Tensor::from_data(TensorData::new(values, shape.to_vec()), &t.device())
            .set_require_grad(tracked)
    }))
}

/// The `[rows, H]` matrix of gate `g` out of a packed `[rows, 4H]` matrix.
fn unpack(packed: &[f32], rows: usize, hidden: usize, g: usize) -> Vec<f32> {
    (0..rows)
        .flat_map(|r| {
            let start = r * 4 * hidden + g * hidden;
            packed[start..start + hidden].iter().copied()
        })
        .collect()
}

fn set_embedding(
    embedding: Option<Embedding>,
    values: &[f32],
    what: &str,
) -> Result<Option<Embedding>, ImportError> {
    match (embedding, values.is_empty()) {
        (None, true) => Ok(None),
        (Some(mut e), false) => {
            e.weight = set(e.weight, values.to_vec(), what)?;
            Ok(Some(e))
        }
        (Some(_), true) => Err(ImportError(format!("the weights have no {what}"))),
        (None, false) => Err(ImportError(format!("the generator has no {what}"))),
    }
}

impl Generator {
    /// The generator with the values of `weights` (the same sizes, the same inputs: places and
    /// lookback). Each gate's bias goes to its input transform, the hidden transform's bias
    /// becoming 0 (the engine keeps only their sum).
    pub fn with_weights(self, weights: &GeneratorWeights) -> Result<Generator, ImportError> {
        weights.validate().map_err(|e| ImportError(e.to_string()))?;
        let mut g = self;
        let hidden = g.lstm.d_hidden;
        let [vocab, width] = g.embedding.weight.dims();
        if (weights.vocab_size, weights.embedding_width, weights.hidden) != (vocab, width, hidden) {
            return Err(ImportError(format!(
                "the weights are V {} E {} H {}, the generator V {vocab} E {width} H {hidden}",
                weights.vocab_size, weights.embedding_width, weights.hidden
            )));
        }
        g.embedding.weight = set(g.embedding.weight, weights.embedding.clone(), "embedding")?;
        g.position_embedding = set_embedding(
            g.position_embedding,
            &weights.position_embedding,
            "position embedding",
        )?;
        g.bar_embedding = set_embedding(g.bar_embedding, &weights.bar_embedding, "bar embedding")?;
        g.lookback_embedding = set_embedding(
            g.lookback_embedding,
            &weights.lookback_embedding,
            "lookback embedding",
        )?;
        let gate = |gate: GateController, index: usize| -> Result<GateController, ImportError> {
            let bias = weights.gate_bias[index * hidden..(index + 1) * hidden].to_vec();
            Ok(GateController {
                input_transform: set_linear(
                    gate.input_transform,
                    unpack(&weights.input_weights, width, hidden, index),
                    bias,
                )?,
                hidden_transform: set_linear(
                    gate.hidden_transform,
                    unpack(&weights.hidden_weights, hidden, hidden, index),
                    vec![0.0; hidden],
                )?,
            })
        };
        let forget = g
            .lstm
            .forget_gate
            .take()
            .ok_or_else(|| ImportError("the LSTM has no forget gate".into()))?;
        g.lstm.forget_gate = Some(gate(forget, 1)?);
        g.lstm.input_gate = gate(g.lstm.input_gate, 0)?;
        g.lstm.cell_gate = gate(g.lstm.cell_gate, 2)?;
        g.lstm.output_gate = gate(g.lstm.output_gate, 3)?;
        g.output = set_linear(
            g.output,
            weights.output_weights.clone(),
            weights.output_bias.clone(),
        )?;
        Ok(g)
    }
}

/// A linear layer with these weights and bias (it must have a bias).
fn set_linear(linear: Linear, weight: Vec<f32>, bias: Vec<f32>) -> Result<Linear, ImportError> {
    let old_bias = linear
        .bias
        .ok_or_else(|| ImportError("a layer has no bias".into()))?;
    Ok(Linear {
        weight: set(linear.weight, weight, "a weight matrix")?,
        bias: Some(set(old_bias, bias, "a bias")?),
    })
}
