//! The LSTM generator's forward pass in plain Rust, for generation: no autodiff bookkeeping,
//! no allocation per step, variations batched so each weight row is read once per step.

use crate::linalg::{PackedMatrix, gemm_add, sigmoid, tanh};
use crate::model::weights::{GeneratorWeights, WeightsError};
use crate::music::metre::{BARS, split_place};
use crate::music::tokens::{lookback_of, split_code};

use super::GenerateError;

/// A trained Embedding -> LSTM -> Linear generator, ready to run.
///
/// The embedding and the input-to-gates product are folded into one table at load time
/// (`[V, 4H]`: a token's gate inputs, biases included), so a step costs one `[b, H] x [H, 4H]`
/// product for the batch plus the `[b, H] x [H, V]` output layer, both with the weights
/// repacked for [`gemm_add`].
#[derive(Clone, Debug)]
pub struct LstmEngine {
    weights: GeneratorWeights,
    /// `[V, 4H]`: embedding(v) x W_ih + gate bias.
    input_table: Vec<f32>,
    /// `[P, 4H]`: position_embedding(p) x W_ih (empty for a v1 model).
    position_table: Vec<f32>,
    /// `[BARS, 4H]`: bar_embedding(b) x W_ih (empty for a v1 model).
    bar_table: Vec<f32>,
    /// `[LOOKBACKS, 4H]`: lookback_embedding(l) x W_ih (empty for a model without lookback).
    lookback_table: Vec<f32>,
    /// W_hh `[H, 4H]`, packed.
    hidden_packed: PackedMatrix,
    /// The output layer `[H, V]`, packed.
    output_packed: PackedMatrix,
}

/// The recurrent state of a batch of sequences (and scratch space reused between steps).
#[derive(Clone, Debug)]
pub struct LstmState {
    batch: usize,
    /// `[b, H]`.
    hidden: Vec<f32>,
    /// `[b, H]`.
    cell: Vec<f32>,
    /// `[b, 4H]` scratch.
    gates: Vec<f32>,
}

impl LstmState {
    /// How many sequences the state holds.
    pub fn batch(&self) -> usize {
        self.batch
    }
}

impl LstmEngine {
    /// Prepares the weights for generation.
    pub fn new(weights: GeneratorWeights) -> Result<Self, WeightsError> {
        weights.validate()?;
        let (v, e, h4) = (
            weights.vocab_size,
            weights.embedding_width,
            4 * weights.hidden,
        );
        // Each embedding row projected into gate space (x W_ih), plus `bias`.
        let project = |table: &[f32], bias: &[f32]| -> Vec<f32> {
            let mut out = Vec::with_capacity(table.len() / e.max(1) * h4);
            for embedded in table.chunks_exact(e) {
                let mut row = bias.to_vec();
                for (k, &x) in embedded.iter().enumerate() {
                    axpy(&mut row, &weights.input_weights[k * h4..(k + 1) * h4], x);
                }
                out.extend_from_slice(&row);
            }
            out
        };
        let zero = vec![0.0; h4];
        let input_table = project(&weights.embedding[..v * e], &weights.gate_bias);
        let position_table = project(&weights.position_embedding, &zero);
        let bar_table = project(&weights.bar_embedding, &zero);
        let lookback_table = project(&weights.lookback_embedding, &zero);
        let hidden_packed = PackedMatrix::new(&weights.hidden_weights, weights.hidden, h4);
        let output_packed = PackedMatrix::new(&weights.output_weights, weights.hidden, v);
        Ok(Self {
            weights,
            input_table,
            position_table,
            bar_table,
            lookback_table,
            hidden_packed,
            output_packed,
        })
    }

    /// The weights it runs.
    pub fn weights(&self) -> &GeneratorWeights {
        &self.weights
    }

    /// The vocabulary size `V`.
    pub fn vocab_size(&self) -> usize {
        self.weights.vocab_size
    }

    /// A zero state for `batch` sequences.
    pub fn start(&self, batch: usize) -> LstmState {
        let h = self.weights.hidden;
        LstmState {
            batch,
            hidden: vec![0.0; batch * h],
            cell: vec![0.0; batch * h],
            gates: vec![0.0; batch * 4 * h],
        }
    }

    /// Whether the model reads the place of each step (vocabulary v2): then
    /// [`LstmEngine::advance`] takes codes (`token + V * place`, see
    /// [`crate::music::tokens::step_code`]), else bare token ids.
    pub fn reads_places(&self) -> bool {
        !self.position_table.is_empty()
    }

    /// Feeds one token per sequence (`tokens.len() == state.batch()`): token ids for a v1
    /// model, codes for a v2 model ([`LstmEngine::reads_places`]).
    pub fn advance(&self, state: &mut LstmState, tokens: &[u32]) -> Result<(), GenerateError> {
        let (v, h) = (self.weights.vocab_size, self.weights.hidden);
        let h4 = 4 * h;
        if tokens.len() != state.batch {
            return Err(GenerateError::Internal(format!(
                "{} tokens fed to a batch of {}",
                tokens.len(),
                state.batch
            )));
        }
        let places = self.reads_places();
        for (b, &code) in tokens.iter().enumerate() {
            let (token, place) = if places { split_code(code) } else { (code, 0) };
            let t = token as usize;
            let (position, bar) = split_place(place);
            let (position, bar) = (position as usize, bar as usize);
            if t >= v || (places && bar >= BARS as usize) {
                return Err(GenerateError::BadToken { id: code, vocab: v });
            }
            let gates = &mut state.gates[b * h4..(b + 1) * h4];
            gates.copy_from_slice(&self.input_table[t * h4..(t + 1) * h4]);
            if places {
                let p = &self.position_table[position * h4..(position + 1) * h4];
                let r = &self.bar_table[bar * h4..(bar + 1) * h4];
                for ((g, p), r) in gates.iter_mut().zip(p).zip(r) {
                    *g += p + r;
                }
            }
            if !self.lookback_table.is_empty() {
                let l = lookback_of(code) as usize;
                let row = self
                    .lookback_table
                    .get(l * h4..(l + 1) * h4)
                    .ok_or(GenerateError::BadToken { id: code, vocab: v })?;
                for (g, l) in gates.iter_mut().zip(row) {
                    *g += l;
                }
            }
        }
        // gates[b] += hidden[b] x W_hh for the whole batch at once.
        gemm_add(
            &self.hidden_packed,
            &state.hidden,
            &mut state.gates,
            state.batch,
        );
        update_cells(&state.gates, &mut state.cell, &mut state.hidden, h);
        Ok(())
    }

    /// The next-token logits of every sequence after the tokens fed so far: `[b, V]` into
    /// `out` (resized as needed).
    pub fn logits(&self, state: &LstmState, out: &mut Vec<f32>) {
        out.clear();
        for _ in 0..state.batch {
            out.extend_from_slice(&self.weights.output_bias);
        }
        gemm_add(&self.output_packed, &state.hidden, out, state.batch);
    }
}

/// [`update_cells_portable`] with 256-bit vector code where the CPU has AVX2 (the same
/// operations, no fused multiply-add, so the same results bit for bit).
fn update_cells(gates: &[f32], cell: &mut [f32], hidden: &mut [f32], h: usize) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        avx2::update_cells(gates, cell, hidden, h);
        return;
    }
    update_cells_portable(gates, cell, hidden, h);
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod avx2 {
    /// [`super::update_cells_portable`] compiled for AVX2.
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    unsafe fn update_cells_avx2(gates: &[f32], cell: &mut [f32], hidden: &mut [f32], h: usize) {
        super::update_cells_portable(gates, cell, hidden, h);
    }

    /// Runs the AVX2 build of the gate math; the caller has checked that the CPU has AVX2.
    pub(super) fn update_cells(gates: &[f32], cell: &mut [f32], hidden: &mut [f32], h: usize) {
        // SAFETY: the only caller checks `is_x86_feature_detected!("avx2")` first, and the
        // function only uses safe, bounds-checked slice code.
        unsafe { update_cells_avx2(gates, cell, hidden, h) }
    }
}

/// The LSTM cell update for every sequence of a batch: from the gate inputs (`[b, 4H]`:
/// input, forget, candidate, output) and the cell state, the new cell and hidden states
/// (`[b, H]` each).
#[inline(always)]
fn update_cells_portable(gates: &[f32], cell: &mut [f32], hidden: &mut [f32], h: usize) {
    let rows = gates
        .chunks_exact(4 * h)
        .zip(cell.chunks_exact_mut(h))
        .zip(hidden.chunks_exact_mut(h));
    for ((gates, cell), hidden) in rows {
        let (input, rest) = gates.split_at(h);
        let (forget, rest) = rest.split_at(h);
        let (candidate, output) = rest.split_at(h);
        let gates = input.iter().zip(forget).zip(candidate.iter().zip(output));
        for ((c, h), ((&i, &f), (&g, &o))) in cell.iter_mut().zip(hidden).zip(gates) {
            *c = sigmoid(f) * *c + sigmoid(i) * tanh(g);
            *h = sigmoid(o) * tanh(*c);
        }
    }
}

/// `y += a * x`, written so the compiler vectorizes it.
#[inline(always)]
fn axpy(y: &mut [f32], x: &[f32], a: f32) {
    for (y, x) in y.iter_mut().zip(x) {
        *y += a * x;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::pseudo_random;

    /// A 1-unit LSTM whose gates are worked out by hand.
    fn tiny() -> GeneratorWeights {
        // V = 2, E = 1, H = 1. Token 0 embeds to 0, token 1 to 1.
        GeneratorWeights {
            vocab_size: 2,
            embedding_width: 1,
            hidden: 1,
            embedding: vec![0.0, 1.0],
            // input, forget, candidate, output weights from the embedding
            input_weights: vec![0.5, 0.0, 1.0, 0.0],
            hidden_weights: vec![0.3, -0.2, 0.1, 0.4],
            gate_bias: vec![0.0, 0.0, 0.0, 0.0],
            output_weights: vec![1.0, -1.0],
            output_bias: vec![0.0, 0.5],
            position_embedding: Vec::new(),
            bar_embedding: Vec::new(),
            lookback_embedding: Vec::new(),
        }
    }

    #[test]
    fn one_step_by_hand() {
        let engine = LstmEngine::new(tiny()).unwrap();
        let mut state = engine.start(2);
        engine.advance(&mut state, &[1, 0]).unwrap();
        // Token 1: i = s(0.5), f = s(0), g = tanh(1), o = s(0); c = i*g; h = o*tanh(c).
        let s = |x: f32| 1.0 / (1.0 + (-x).exp());
        let c = s(0.5) * 1f32.tanh();
        let h = 0.5 * c.tanh();
        assert!((state.cell[0] - c).abs() < 1e-6);
        assert!((state.hidden[0] - h).abs() < 1e-6);
        // Token 0: every gate input is 0, so c = 0.5 * 0 + 0.5 * tanh(0) = 0.
        assert_eq!(state.cell[1], 0.0);
        let mut logits = Vec::new();
        engine.logits(&state, &mut logits);
        assert!((logits[0] - h).abs() < 1e-6);
        assert!((logits[1] - (0.5 - h)).abs() < 1e-6);
        assert_eq!(&logits[2..], &[0.0, 0.5]);
    }

    #[test]
    fn refuses_unknown_tokens_and_bad_batches() {
        let engine = LstmEngine::new(tiny()).unwrap();
        let mut state = engine.start(1);
        assert!(matches!(
            engine.advance(&mut state, &[2]),
            Err(GenerateError::BadToken { id: 2, vocab: 2 })
        ));
        assert!(engine.advance(&mut state, &[0, 1]).is_err());
    }

    #[test]
    fn batch_rows_are_independent() {
        let engine = LstmEngine::new(tiny()).unwrap();
        let mut both = engine.start(2);
        let mut alone = engine.start(1);
        for _ in 0..3 {
            engine.advance(&mut both, &[1, 0]).unwrap();
            engine.advance(&mut alone, &[1]).unwrap();
        }
        assert_eq!(both.hidden[0], alone.hidden[0]);
        assert_eq!(both.cell[0], alone.cell[0]);
    }

    #[test]
    fn cell_update_is_the_same_in_every_build() {
        let h = 37;
        let gates: Vec<f32> = pseudo_random(3 * 4 * h, 8)
            .iter()
            .map(|g| g * 6.0)
            .collect();
        let cell0 = pseudo_random(3 * h, 9);
        let (mut cell, mut hidden) = (cell0.clone(), vec![0.0; 3 * h]);
        update_cells(&gates, &mut cell, &mut hidden, h);
        let (mut cell_p, mut hidden_p) = (cell0.clone(), vec![0.0; 3 * h]);
        update_cells_portable(&gates, &mut cell_p, &mut hidden_p, h);
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&cell), bits(&cell_p));
        assert_eq!(bits(&hidden), bits(&hidden_p));
        // And the values are the LSTM's, by the library's functions.
        let s = |x: f32| 1.0 / (1.0 + (-x).exp());
        for b in 0..3 {
            for j in 0..h {
                let g = |gate: usize| gates[b * 4 * h + gate * h + j];
                let c = s(g(1)) * cell0[b * h + j] + s(g(0)) * g(2).tanh();
                assert!((cell[b * h + j] - c).abs() < 1e-5);
                assert!((hidden[b * h + j] - s(g(3)) * c.tanh()).abs() < 1e-5);
            }
        }
    }
}
