//! Dense `f32` kernels shared by generation and training: a packed matrix with a
//! register-blocked product, gate functions that vectorize, and strided matrix products on
//! plain slices ([`matmul`]). No burn or GUI dependency.

pub mod matmul;

/// Columns per panel of a [`PackedMatrix`]: two 8-lane AVX vectors.
const PANEL: usize = 16;
/// Batch rows per full register tile of [`gemm_add`].
const TILE_ROWS: usize = 4;

/// A `[k, n]` row-major weight matrix repacked for [`gemm_add`]: `ceil(n / PANEL)` column
/// panels of `PANEL` (16) columns, each stored row after row (`[k, PANEL]`, contiguous, so a
/// tile reads its weights as one stream), the last panel padded with zero columns.
#[derive(Clone, Debug)]
pub struct PackedMatrix {
    /// Rows of the original matrix (the inner dimension of the product).
    k: usize,
    /// Columns of the original matrix (the width of the output).
    n: usize,
    /// `[panels, k, PANEL]`.
    data: Vec<f32>,
}

impl PackedMatrix {
    /// Repacks `w` (`[k, n]`, row-major, `k * n` values).
    pub fn new(w: &[f32], k: usize, n: usize) -> Self {
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
pub fn gemm_add(w: &PackedMatrix, x: &[f32], out: &mut [f32], batch: usize) {
    debug_assert_eq!(w.data.len(), w.n.div_ceil(PANEL) * w.k * PANEL);
    debug_assert!(x.len() >= batch * w.k && out.len() >= batch * w.n);
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        avx2::gemm_add(w, x, out, batch);
        return;
    }
    gemm_add_portable::<false>(w, x, out, batch);
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
pub fn fast_exp(x: f32) -> f32 {
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

/// The logistic function `1 / (1 + e^-x)` through [`fast_exp`] (vectorizes; within 3e-7 of
/// the library's).
#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + fast_exp(-x))
}

/// `tanh x = 2 sigmoid(2x) - 1` through [`fast_exp`] (vectorizes; within 2e-6 of the
/// library's).
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    2.0 * sigmoid(2.0 * x) - 1.0
}

/// Values in [-1, 1) from a fixed linear congruential sequence (test data).
/// The sum of each column of a row-major matrix with `cols` columns (a bias's gradient from
/// the gradient of its outputs, `[rows, cols]` -> `[cols]`).
pub fn column_sums(values: &[f32], cols: usize) -> Vec<f32> {
    let mut sums = vec![0.0f32; cols];
    for row in values.chunks_exact(cols) {
        for (sum, v) in sums.iter_mut().zip(row) {
            *sum += v;
        }
    }
    sums
}

#[cfg(test)]
pub(crate) fn pseudo_random(n: usize, seed: u64) -> Vec<f32> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn fast_exp_holds_over_the_whole_clamped_range() {
        for i in -870..=870 {
            let x = i as f32 * 0.1;
            let relative = (f64::from(fast_exp(x)) - f64::from(x).exp()).abs() / f64::from(x).exp();
            assert!(relative < 1e-5, "e^{x}: relative error {relative}");
        } // Past the clamp: e^87 and e^-87, finite and normal.
        assert_eq!(fast_exp(1e9), fast_exp(87.0));
        assert!(fast_exp(-1e9).is_normal());
    }
}
