//! Small numerical helpers of the judge: a seeded random sequence, the binomial tail,
//! standardization and a Cholesky solve.

/// SplitMix64: a small, fixed pseudo-random sequence, so a seed gives the same draws on
/// every machine and with every version of the crate's dependencies.
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A draw in `0..n` (`n >= 1`; the tiny modulo bias does not matter here).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// Shuffles `items` in place (Fisher-Yates).
    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

/// `P(X >= k)` for `X ~ Binomial(n, 1/2)`: the one-sided p-value of `k` right guesses out of
/// `n` against guessing. Exact, summed in log space so that large `n` neither overflows nor
/// underflows to a wrong 0 before the end. 1 for `k == 0`, 0 for `k > n`.
pub fn binomial_tail_half(k: usize, n: usize) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n {
        return 0.0;
    }
    // ln C(n, k), then each next term by the ratio C(n, i + 1) / C(n, i) = (n - i) / (i + 1).
    let mut ln_term: f64 = (1..=k)
        .map(|j| ((n - k + j) as f64).ln() - (j as f64).ln())
        .sum();
    let mut terms = Vec::with_capacity(n - k + 1);
    for i in k..=n {
        terms.push(ln_term);
        if i < n {
            ln_term += ((n - i) as f64).ln() - ((i + 1) as f64).ln();
        }
    }
    let max = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let sum: f64 = terms.iter().map(|t| (t - max).exp()).sum();
    (max + sum.ln() - n as f64 * std::f64::consts::LN_2)
        .exp()
        .min(1.0)
}

/// Per-feature mean and standard deviation of some rows (a feature that does not vary gets
/// a scale of 1, so it becomes 0 everywhere).
pub(crate) struct Standardizer {
    mean: Vec<f64>,
    scale: Vec<f64>,
}

impl Standardizer {
    /// Fits on `rows` (all of the same length, at least one row).
    pub(crate) fn fit(rows: &[&[f64]]) -> Self {
        let d = rows.first().map_or(0, |r| r.len());
        let count = rows.len().max(1) as f64;
        let mut mean = vec![0.0; d];
        for r in rows {
            for (m, x) in mean.iter_mut().zip(r.iter()) {
                *m += x;
            }
        }
        for m in &mut mean {
            *m /= count;
        }
        let mut var = vec![0.0; d];
        for r in rows {
            for ((v, m), x) in var.iter_mut().zip(&mean).zip(r.iter()) {
                *v += (x - m) * (x - m);
            }
        }
        let scale = var
            .iter()
            .map(|v| {
                let s = (v / count).sqrt();
                if s > 1e-12 { s } else { 1.0 }
            })
            .collect();
        Standardizer { mean, scale }
    }

    /// `row` standardized.
    pub(crate) fn apply(&self, row: &[f64]) -> Vec<f64> {
        row.iter()
            .zip(&self.mean)
            .zip(&self.scale)
            .map(|((x, m), s)| (x - m) / s)
            .collect()
    }
}

/// Solves `a x = b` for a symmetric positive definite `a` (`d x d`, row-major; overwritten by
/// its Cholesky factor). `None` if `a` is not positive definite.
pub(crate) fn cholesky_solve(a: &mut [f64], b: &[f64], d: usize) -> Option<Vec<f64>> {
    for j in 0..d {
        let mut diag = a[j * d + j];
        for k in 0..j {
            diag -= a[j * d + k] * a[j * d + k];
        }
        if diag <= 0.0 || !diag.is_finite() {
            return None;
        }
        let diag = diag.sqrt();
        a[j * d + j] = diag;
        for i in j + 1..d {
            let mut s = a[i * d + j];
            for k in 0..j {
                s -= a[i * d + k] * a[j * d + k];
            }
            a[i * d + j] = s / diag;
        }
    }
    // L y = b, then L^T x = y.
    let mut y = b.to_vec();
    for i in 0..d {
        for k in 0..i {
            y[i] -= a[i * d + k] * y[k];
        }
        y[i] /= a[i * d + i];
    }
    for i in (0..d).rev() {
        for k in i + 1..d {
            y[i] -= a[k * d + i] * y[k];
        }
        y[i] /= a[i * d + i];
    }
    Some(y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binomial_tail_by_hand() {
        // n = 4: P(X >= 3) = (4 + 1) / 16.
        assert!((binomial_tail_half(3, 4) - 5.0 / 16.0).abs() < 1e-12);
        assert!((binomial_tail_half(4, 4) - 1.0 / 16.0).abs() < 1e-12);
        assert_eq!(binomial_tail_half(0, 4), 1.0);
        assert_eq!(binomial_tail_half(5, 4), 0.0);
        // Half or fewer right of an even n: at least one half.
        assert!(binomial_tail_half(2, 4) > 0.5);
        // n = 10: P(X >= 8) = (45 + 10 + 1) / 1024.
        assert!((binomial_tail_half(8, 10) - 56.0 / 1024.0).abs() < 1e-12);
    }

    #[test]
    fn binomial_tail_for_large_n_stays_finite_and_ordered() {
        let n = 20_000;
        let p_half = binomial_tail_half(n / 2, n);
        assert!((p_half - 0.5).abs() < 0.01, "{p_half}");
        // 10,300 of 20,000 is 4.24 standard deviations above half: about 1.1e-5.
        let p = binomial_tail_half(10_300, n);
        assert!(p > 5e-6 && p < 2e-5, "{p}");
        let tiny = binomial_tail_half(15_000, n);
        assert!(tiny.is_finite() && tiny < 1e-300, "{tiny}");
        assert!(binomial_tail_half(n, n) >= 0.0);
    }

    #[test]
    fn cholesky_solves_a_small_system() {
        // [[4, 2], [2, 3]] x = [2, 1] -> x = [0.5, 0].
        let mut a = vec![4.0, 2.0, 2.0, 3.0];
        let x = cholesky_solve(&mut a, &[2.0, 1.0], 2).unwrap();
        assert!((x[0] - 0.5).abs() < 1e-12 && x[1].abs() < 1e-12);
        let mut singular = vec![1.0, 1.0, 1.0, 1.0];
        assert!(cholesky_solve(&mut singular, &[1.0, 1.0], 2).is_none());
    }

    #[test]
    fn the_sequence_is_fixed_and_shuffles_are_permutations() {
        let mut a = SplitMix64::new(42);
        let mut b = SplitMix64::new(42);
        assert_eq!(a.next_u64(), b.next_u64());
        let mut items: Vec<usize> = (0..50).collect();
        a.shuffle(&mut items);
        let mut sorted = items.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
        assert_ne!(items, sorted);
    }
}
