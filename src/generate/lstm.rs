//! The LSTM generator's forward pass in plain Rust, for generation: no autodiff bookkeeping,
//! no allocation per step, variations batched so each weight row is read once per step.

use crate::model::weights::{GeneratorWeights, WeightsError};

use super::GenerateError;

/// A trained Embedding -> LSTM -> Linear generator, ready to run.
///
/// The embedding and the input-to-gates product are folded into one table at load time
/// (`[V, 4H]`: a token's gate inputs, biases included), so a step costs one `[H] x [H, 4H]`
/// product per variation plus the `[H] x [H, V]` output layer.
#[derive(Clone, Debug)]
pub struct LstmEngine {
    weights: GeneratorWeights,
    /// `[V, 4H]`: embedding(v) x W_ih + gate bias.
    input_table: Vec<f32>,
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
        let mut input_table = Vec::with_capacity(v * h4);
        for token in 0..v {
            let mut row = weights.gate_bias.clone();
            let embedded = &weights.embedding[token * e..(token + 1) * e];
            for (k, &x) in embedded.iter().enumerate() {
                axpy(&mut row, &weights.input_weights[k * h4..(k + 1) * h4], x);
            }
            input_table.extend_from_slice(&row);
        }
        Ok(Self {
            weights,
            input_table,
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

    /// Feeds one token per sequence (`tokens.len() == state.batch()`).
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
        for (b, &token) in tokens.iter().enumerate() {
            let t = token as usize;
            if t >= v {
                return Err(GenerateError::BadToken {
                    id: token,
                    vocab: v,
                });
            }
            state.gates[b * h4..(b + 1) * h4]
                .copy_from_slice(&self.input_table[t * h4..(t + 1) * h4]);
        }
        // gates[b] += hidden[b] x W_hh, four weight rows at a time, so each weight row is read
        // once per step for the whole batch and each gate value is loaded and stored once per
        // four rows.
        matvec_add(
            &self.weights.hidden_weights,
            &state.hidden,
            &mut state.gates,
            state.batch,
            h,
            h4,
        );
        for b in 0..state.batch {
            let gates = &state.gates[b * h4..(b + 1) * h4];
            let (input, rest) = gates.split_at(h);
            let (forget, rest) = rest.split_at(h);
            let (candidate, output) = rest.split_at(h);
            let cell = &mut state.cell[b * h..(b + 1) * h];
            let hidden = &mut state.hidden[b * h..(b + 1) * h];
            for j in 0..h {
                let c = sigmoid(forget[j]) * cell[j] + sigmoid(input[j]) * tanh(candidate[j]);
                cell[j] = c;
                hidden[j] = sigmoid(output[j]) * tanh(c);
            }
        }
        Ok(())
    }

    /// The next-token logits of every sequence after the tokens fed so far: `[b, V]` into
    /// `out` (resized as needed).
    pub fn logits(&self, state: &LstmState, out: &mut Vec<f32>) {
        let (v, h) = (self.weights.vocab_size, self.weights.hidden);
        out.clear();
        for _ in 0..state.batch {
            out.extend_from_slice(&self.weights.output_bias);
        }
        matvec_add(
            &self.weights.output_weights,
            &state.hidden,
            out,
            state.batch,
            h,
            v,
        );
    }
}

/// `out[b] += x[b] x w` for every row `b` of a batch: `w` is `[k, n]`, `x` is `[batch, k]`,
/// `out` is `[batch, n]`, all row-major. Uses 256-bit vector code where the CPU has AVX2 (the
/// same operations in the same order, so the same results bit for bit).
fn matvec_add(w: &[f32], x: &[f32], out: &mut [f32], batch: usize, k: usize, n: usize) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        avx2::matvec_add(w, x, out, batch, k, n);
        return;
    }
    matvec_add_portable(w, x, out, batch, k, n);
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod avx2 {
    /// [`super::matvec_add_portable`] compiled for AVX2; call only after checking the CPU.
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    unsafe fn matvec_add_avx2(
        w: &[f32],
        x: &[f32],
        out: &mut [f32],
        batch: usize,
        k: usize,
        n: usize,
    ) {
        super::matvec_add_portable(w, x, out, batch, k, n);
    }

    /// Runs the AVX2 build of the product; the caller has checked that the CPU has AVX2.
    pub(super) fn matvec_add(
        w: &[f32],
        x: &[f32],
        out: &mut [f32],
        batch: usize,
        k: usize,
        n: usize,
    ) {
        // SAFETY: the only caller checks `is_x86_feature_detected!("avx2")` first, and the
        // function only uses safe, bounds-checked slice code.
        unsafe { matvec_add_avx2(w, x, out, batch, k, n) }
    }
}

/// The portable body of [`matvec_add`]: four rows of `w` are combined per pass over an output
/// row, which the compiler turns into vector code.
#[inline(always)]
fn matvec_add_portable(w: &[f32], x: &[f32], out: &mut [f32], batch: usize, k: usize, n: usize) {
    let mut row = 0;
    while row + 4 <= k {
        let w0 = &w[row * n..(row + 1) * n];
        let w1 = &w[(row + 1) * n..(row + 2) * n];
        let w2 = &w[(row + 2) * n..(row + 3) * n];
        let w3 = &w[(row + 3) * n..(row + 4) * n];
        for b in 0..batch {
            let xs = &x[b * k + row..b * k + row + 4];
            let (a0, a1, a2, a3) = (xs[0], xs[1], xs[2], xs[3]);
            let y = &mut out[b * n..(b + 1) * n];
            for ((((y, p), q), r), s) in y.iter_mut().zip(w0).zip(w1).zip(w2).zip(w3) {
                *y += a0 * p + a1 * q + a2 * r + a3 * s;
            }
        }
        row += 4;
    }
    for r in row..k {
        let wr = &w[r * n..(r + 1) * n];
        for b in 0..batch {
            axpy(&mut out[b * n..(b + 1) * n], wr, x[b * k + r]);
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

/// `e^x` for the gate functions, without a library call so the gate loop vectorizes:
/// `2^(x log2 e)` split into an integer power (built in the exponent bits) and `2^f` for the
/// fraction `f` in (-1, 1) by its degree-9 Taylor polynomial (truncation error under 1e-8;
/// rounding `x log2 e` to `f32` gives a relative error of about 1e-6 at |x| = 20; sigmoid and
/// tanh built on it stay within 3e-7 of the library's). Inputs are clamped to +-87, where `e^x` stays a normal
/// `f32`; the gates saturate long before that.
#[inline(always)]
fn fast_exp(x: f32) -> f32 {
    const C: [f32; 10] = [
        1.0,
        std::f32::consts::LN_2,
        0.240_226_5,
        0.055_504_11,
        0.009_618_129,
        0.001_333_355_8,
        0.000_154_035_3,
        0.000_015_252_734,
        0.000_001_321_548_7,
        0.000_000_101_780_86,
    ];
    let y = x.clamp(-87.0, 87.0) * std::f32::consts::LOG2_E;
    let n = y as i32; // truncates towards zero: f in (-1, 1)
    let f = y - n as f32;
    let mut p = C[9];
    for c in C[..9].iter().rev() {
        p = p * f + c;
    }
    let scale = f32::from_bits(((n + 127) as u32) << 23);
    p * scale
}

#[inline(always)]
fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + fast_exp(-x))
}

#[inline(always)]
fn tanh(x: f32) -> f32 {
    2.0 * sigmoid(2.0 * x) - 1.0
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn fast_gate_functions_match_the_library() {
        let mut worst = (0f32, 0f32, 0f32);
        for i in -20_000..=20_000 {
            let x = i as f32 * 0.001;
            let s = 1.0 / (1.0 + (-x).exp());
            worst.0 = worst.0.max((sigmoid(x) - s).abs());
            worst.1 = worst.1.max((tanh(x) - x.tanh()).abs());
            worst.2 = worst.2.max((fast_exp(x) - x.exp()).abs() / x.exp());
        }
        assert!(
            worst.0 < 1e-6 && worst.1 < 2e-6 && worst.2 < 2e-6,
            "{worst:?}"
        );
        assert_eq!(sigmoid(1e6), 1.0);
        assert!(sigmoid(-1e6) < 1e-30);
        assert!((tanh(-50.0) + 1.0).abs() < 1e-6);
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
}
