//! The LSTM generator's forward pass in plain Rust, for generation: no autodiff bookkeeping,
//! no allocation per step, variations batched so each weight row is read once per step.

use crate::model::weights::{GeneratorWeights, WeightsError};

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
        let mut input_table = Vec::with_capacity(v * h4);
        for token in 0..v {
            let mut row = weights.gate_bias.clone();
            let embedded = &weights.embedding[token * e..(token + 1) * e];
            for (k, &x) in embedded.iter().enumerate() {
                axpy(&mut row, &weights.input_weights[k * h4..(k + 1) * h4], x);
            }
            input_table.extend_from_slice(&row);
        }
        let hidden_packed = PackedMatrix::new(&weights.hidden_weights, weights.hidden, h4);
        let output_packed = PackedMatrix::new(&weights.output_weights, weights.hidden, v);
        Ok(Self {
            weights,
            input_table,
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

/// Columns per panel of a [`PackedMatrix`]: two 8-lane AVX vectors.
const PANEL: usize = 16;
/// Batch rows per full register tile of [`gemm_add`].
const TILE_ROWS: usize = 4;

/// A `[k, n]` row-major weight matrix repacked for [`gemm_add`]: `ceil(n / PANEL)` column
/// panels of [`PANEL`] columns, each stored row after row (`[k, PANEL]`, contiguous, so a
/// tile reads its weights as one stream), the last panel padded with zero columns.
#[derive(Clone, Debug)]
struct PackedMatrix {
    /// Rows of the original matrix (the inner dimension of the product).
    k: usize,
    /// Columns of the original matrix (the width of the output).
    n: usize,
    /// `[panels, k, PANEL]`.
    data: Vec<f32>,
}

impl PackedMatrix {
    /// Repacks `w` (`[k, n]`, row-major, `k * n` values).
    fn new(w: &[f32], k: usize, n: usize) -> Self {
        let mut data = vec![0.0; n.div_ceil(PANEL) * k * PANEL];
        for (p, panel) in data.chunks_exact_mut(k * PANEL).enumerate() {
            let col0 = p * PANEL;
            let width = PANEL.min(n - col0);
            for (row, dst) in panel.chunks_exact_mut(PANEL).enumerate() {
                let src = &w[row * n + col0..row * n + col0 + width];
                dst[..width].copy_from_slice(src);
            }
        }
        Self { k, n, data }
    }
}

/// `out[b] += x[b] x w` for every row `b` of a batch: `x` is `[batch, k]` and `out` is
/// `[batch, n]`, row-major; `w` is the packed `[k, n]` matrix.
///
/// A register-blocked kernel: a tile of outputs (up to 4 batch rows x 16 columns, or fewer
/// rows over more panels) stays in registers for the whole `k` loop, each weight vector is
/// loaded once per tile and multiplied by broadcast `x` values. Every output element is
/// accumulated the same way whatever the batch size and whatever tile it falls in: starting
/// from its value in `out`, adding `x[b][0] w[0][j]`, then `x[b][1] w[1][j]`, ... in order, one
/// rounding per term (fused multiply-add where the CPU has AVX2 and FMA, multiply then add
/// otherwise). So a sequence gets bit-identical results alone or in any batch.
fn gemm_add(w: &PackedMatrix, x: &[f32], out: &mut [f32], batch: usize) {
    debug_assert_eq!(w.data.len(), w.n.div_ceil(PANEL) * w.k * PANEL);
    debug_assert!(x.len() >= batch * w.k && out.len() >= batch * w.n);
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        avx2::gemm_add(w, x, out, batch);
        return;
    }
    gemm_add_portable::<false>(w, x, out, batch);
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
    use super::PackedMatrix;

    /// [`super::gemm_add_portable`] with fused multiply-adds, compiled for AVX2 and FMA.
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    unsafe fn gemm_add_avx2_fma(w: &PackedMatrix, x: &[f32], out: &mut [f32], batch: usize) {
        super::gemm_add_portable::<true>(w, x, out, batch);
    }

    /// Runs the AVX2 + FMA build of the product; the caller has checked that the CPU has both.
    pub(super) fn gemm_add(w: &PackedMatrix, x: &[f32], out: &mut [f32], batch: usize) {
        // SAFETY: the only caller checks `is_x86_feature_detected!` for "avx2" and "fma"
        // first, and the function only uses safe, bounds-checked slice code.
        unsafe { gemm_add_avx2_fma(w, x, out, batch) }
    }

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

/// The body of [`gemm_add`], generic over fused (`FMA`) or separate multiply and add.
///
/// Full tiles of [`TILE_ROWS`] rows walk the panels, all row tiles of a panel one after the
/// other while its weights are in the L1 cache. The 1 to 3 rows left over take more panels
/// per tile instead (3 x 1, 2 x 2, 1 x 4 panels), so there are always enough independent
/// accumulators to hide the multiply-add latency.
#[inline(always)]
fn gemm_add_portable<const FMA: bool>(w: &PackedMatrix, x: &[f32], out: &mut [f32], batch: usize) {
    let (k, n) = (w.k, w.n);
    let panels = n.div_ceil(PANEL);
    let full = batch - batch % TILE_ROWS;
    if full > 0 {
        for p in 0..panels {
            for b in (0..full).step_by(TILE_ROWS) {
                tile::<TILE_ROWS, 1, FMA>(w, p, &x[b * k..], &mut out[b * n..]);
            }
        }
    }
    let (x, out) = (&x[full * k..], &mut out[full * n..]);
    match batch - full {
        3 => panel_groups::<3, 1, FMA>(w, x, out),
        2 => panel_groups::<2, 2, FMA>(w, x, out),
        1 => panel_groups::<1, 4, FMA>(w, x, out),
        _ => {}
    }
}

/// `R` rows of the batch (`x` and `out` start at the first) against every panel, `P` panels
/// per tile, then one at a time for the panels left over.
#[inline(always)]
fn panel_groups<const R: usize, const P: usize, const FMA: bool>(
    w: &PackedMatrix,
    x: &[f32],
    out: &mut [f32],
) {
    let panels = w.n.div_ceil(PANEL);
    let mut p = 0;
    while p + P <= panels {
        tile::<R, P, FMA>(w, p, x, out);
        p += P;
    }
    while p < panels {
        tile::<R, 1, FMA>(w, p, x, out);
        p += 1;
    }
}

/// One register tile: rows `0..R` of `x`/`out` (`[R, k]`, `[R, n]`, row-major) times panels
/// `first..first + P` of `w`. The `R x P x PANEL` accumulators are fixed-size arrays that the
/// compiler keeps in vector registers over the whole `k` loop.
#[inline(always)]
fn tile<const R: usize, const P: usize, const FMA: bool>(
    w: &PackedMatrix,
    first: usize,
    x: &[f32],
    out: &mut [f32],
) {
    let (k, n) = (w.k, w.n);
    // Exact-length views, so the loop below needs no bounds checks.
    let xs: [&[f32]; R] = std::array::from_fn(|r| &x[r * k..][..k]);
    let ws: [&[[f32; PANEL]]; P] = std::array::from_fn(|q| {
        let start = (first + q) * k * PANEL;
        &w.data[start..start + k * PANEL].as_chunks::<PANEL>().0[..k]
    });
    let columns = |q: usize| {
        let col0 = (first + q) * PANEL;
        col0..col0 + PANEL.min(n - col0)
    };
    let mut acc = [[[0f32; PANEL]; P]; R];
    for (r, acc) in acc.iter_mut().enumerate() {
        for (q, acc) in acc.iter_mut().enumerate() {
            let cols = columns(q);
            let mut row = [0f32; PANEL];
            row[..cols.len()].copy_from_slice(&out[r * n + cols.start..r * n + cols.end]);
            *acc = row;
        }
    }
    for i in 0..k {
        for r in 0..R {
            let xv = xs[r][i];
            for q in 0..P {
                let wv = &ws[q][i];
                for c in 0..PANEL {
                    acc[r][q][c] = if FMA {
                        xv.mul_add(wv[c], acc[r][q][c])
                    } else {
                        acc[r][q][c] + xv * wv[c]
                    };
                }
            }
        }
    }
    for (r, acc) in acc.iter().enumerate() {
        for (q, acc) in acc.iter().enumerate() {
            let cols = columns(q);
            let row = *acc;
            out[r * n + cols.start..r * n + cols.end].copy_from_slice(&row[..cols.len()]);
        }
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

/// `e^x` for the gate functions, without a library call so the gate loop vectorizes:
/// `2^(x log2 e)` split into the nearest integer power `n` (built in the exponent bits) and
/// `2^f` for the fraction `f` in [-0.5, 0.5] by its degree-7 Taylor polynomial (truncation
/// error under 1e-8; rounding `x log2 e` to `f32` gives a relative error of about 1e-6 at
/// |x| = 20; sigmoid and tanh built on it stay within 3e-7 of the library's). `n` is found by
/// adding 1.5 x 2^23, which leaves it in the low mantissa bits, rather than by a float to
/// integer cast, whose saturating rules would keep the compiler from vectorizing the loop.
/// Inputs are clamped to +-87, where `e^x` stays a normal `f32`; the gates saturate long
/// before that.
#[inline(always)]
fn fast_exp(x: f32) -> f32 {
    const C: [f32; 8] = [
        1.0,
        std::f32::consts::LN_2,
        0.240_226_5,
        0.055_504_11,
        0.009_618_129,
        0.001_333_355_8,
        0.000_154_035_3,
        0.000_015_252_734,
    ];
    /// 1.5 x 2^23: sums with it in the range used are whole numbers, `n` in the low bits.
    const ROUND: f32 = 12_582_912.0;
    let y = x.clamp(-87.0, 87.0) * std::f32::consts::LOG2_E;
    let shifted = y + ROUND; // rounds y to the nearest integer n (|n| <= 126)
    let f = y - (shifted - ROUND);
    let mut p = C[7];
    for c in C[..7].iter().rev() {
        p = p * f + c;
    }
    let n = shifted.to_bits().wrapping_sub(ROUND.to_bits()); // n, two's complement
    let scale = f32::from_bits(n.wrapping_add(127) << 23);
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

    /// Values in [-1, 1) from a fixed linear congruential sequence.
    fn pseudo_random(n: usize, seed: u64) -> Vec<f32> {
        let mut state = seed;
        (0..n)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                (state >> 40) as f32 / (1u64 << 23) as f32 - 1.0
            })
            .collect()
    }

    /// The product done the plain way, in f64: `out0[b] + x[b] x w`, and beside it the sum
    /// of the terms' magnitudes (the scale of the rounding error).
    fn reference(
        w: &[f32],
        x: &[f32],
        out0: &[f32],
        batch: usize,
        k: usize,
        n: usize,
    ) -> Vec<(f64, f64)> {
        let mut result = Vec::with_capacity(batch * n);
        for b in 0..batch {
            for j in 0..n {
                let start = f64::from(out0[b * n + j]);
                let (mut sum, mut scale) = (start, start.abs());
                for i in 0..k {
                    let term = f64::from(x[b * k + i]) * f64::from(w[i * n + j]);
                    sum += term;
                    scale += term.abs();
                }
                result.push((sum, scale));
            }
        }
        result
    }

    type Kernel = fn(&PackedMatrix, &[f32], &mut [f32], usize);

    /// The dispatched kernel and both bodies (the fused one runs here without the AVX2
    /// build, through the library's `mul_add`).
    const KERNELS: [(&str, Kernel); 3] = [
        ("dispatched", gemm_add),
        ("separate multiply-add", gemm_add_portable::<false>),
        ("fused multiply-add", gemm_add_portable::<true>),
    ];

    #[test]
    fn packing_pads_the_last_panel_with_zeros() {
        // [2, 18]: two panels, the second with 2 real columns and 14 zeros.
        let w: Vec<f32> = (0..36).map(|i| i as f32).collect();
        let packed = PackedMatrix::new(&w, 2, 18);
        assert_eq!(packed.data.len(), 2 * 2 * PANEL);
        let panel0: Vec<f32> = (0..16).chain(18..34).map(|i| i as f32).collect();
        assert_eq!(&packed.data[..2 * PANEL], &panel0[..]);
        let mut panel1 = [0.0; 2 * PANEL];
        panel1[..2].copy_from_slice(&[16.0, 17.0]);
        panel1[PANEL..PANEL + 2].copy_from_slice(&[34.0, 35.0]);
        assert_eq!(&packed.data[2 * PANEL..], &panel1[..]);
    }

    #[test]
    fn kernel_matches_the_plain_product_on_awkward_shapes() {
        for k in [1, 7, 256] {
            for n in [1, 13, 92, 1024] {
                let w = pseudo_random(k * n, (k * n) as u64);
                let packed = PackedMatrix::new(&w, k, n);
                for batch in [1, 3, 5, 8, 9] {
                    let x = pseudo_random(batch * k, 7 + batch as u64);
                    let out0 = pseudo_random(batch * n, 11 + batch as u64);
                    let expected = reference(&w, &x, &out0, batch, k, n);
                    for (name, kernel) in KERNELS {
                        let mut out = out0.clone();
                        kernel(&packed, &x, &mut out, batch);
                        for (index, (&got, &(want, scale))) in out.iter().zip(&expected).enumerate()
                        {
                            let error = (f64::from(got) - want).abs();
                            assert!(
                                error <= 1e-5 * scale.max(1e-30),
                                "{name}, batch {batch}, k {k}, n {n}, element {index}: \
                                 {got} vs {want}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn kernel_rows_are_bit_identical_whatever_the_batch() {
        let k = 256;
        for n in [13, 92, 1024, 1116] {
            let w = pseudo_random(k * n, 3);
            let packed = PackedMatrix::new(&w, k, n);
            let x = pseudo_random(9 * k, 4);
            let out0 = pseudo_random(9 * n, 5);
            for (name, kernel) in KERNELS {
                // Each row computed alone, as a batch of 1.
                let alone: Vec<Vec<f32>> = (0..9)
                    .map(|b| {
                        let mut out = out0[b * n..(b + 1) * n].to_vec();
                        kernel(&packed, &x[b * k..(b + 1) * k], &mut out, 1);
                        out
                    })
                    .collect();
                for batch in 1..=9 {
                    let mut out = out0[..batch * n].to_vec();
                    kernel(&packed, &x[..batch * k], &mut out, batch);
                    for (b, row) in out.chunks_exact(n).enumerate() {
                        let same = row
                            .iter()
                            .zip(&alone[b])
                            .all(|(a, c)| a.to_bits() == c.to_bits());
                        assert!(same, "{name}: row {b} of a batch of {batch}, n {n}");
                    }
                }
            }
        }
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

    #[test]
    fn fast_exp_holds_over_the_whole_clamped_range() {
        for i in -870..=870 {
            let x = i as f32 * 0.1;
            let relative = (f64::from(fast_exp(x)) - f64::from(x).exp()).abs() / f64::from(x).exp();
            assert!(relative < 1e-5, "e^{x}: relative error {relative}");
        }
        // Past the clamp: e^87 and e^-87, finite and normal.
        assert_eq!(fast_exp(1e9), fast_exp(87.0));
        assert!(fast_exp(-1e9).is_normal());
    }
}
