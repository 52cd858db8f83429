//! Gaussian kernel density estimates and the two numbers compared between densities: the
//! overlap area and the Kullback-Leibler divergence, both evaluated on one grid shared by the
//! two densities.
//!
//! # Definitions
//! - **Bandwidth.** Scott's rule `h = s n^(-1/5)` (the default, as `scipy.stats.gaussian_kde`)
//!   or Silverman's in scipy's form `h = s (3n/4)^(-1/5)`, where `s` is the sample standard
//!   deviation (n - 1). When `s` is 0 (all values equal) or there is one value, a fallback
//!   bandwidth given by the caller is used, so a point mass becomes a narrow bump instead of
//!   an error.
//! - **Grid.** [`SharedGrid`] spans both samples, from the smallest value minus four times the
//!   widest bandwidth to the largest plus four, in evenly spaced points. Both densities are
//!   sampled on this same grid (the MGEval tool samples each density on its own grid and then
//!   compares values at different abscissas; that is not done here). A bandwidth narrower than
//!   two grid steps is widened to two steps so that no bump falls between grid points.
//! - **Normalization.** Each density is divided by its trapezoid integral over the grid, so it
//!   integrates to exactly 1 there (the mass beyond four bandwidths, under 0.01 %, is dropped).
//! - **Overlap area** `OA = ∫ min(p, q) dx` (trapezoid rule): 1 for equal densities, 0 for
//!   densities with no common support.
//! - **KL divergence** `KL(p || q) = Σ p_i ln(p_i / q_i)` in nats over the grid's cells, with
//!   `p_i`, `q_i` the normalized masses of the cells and `q_i` floored at [`KL_FLOOR`], so the
//!   value stays finite: disjoint densities give about `ln(1 / KL_FLOOR)` ≈ 23 nats.
//! - **Large samples** (more than [`MAX_KDE_SAMPLES`] values) are replaced by that many evenly
//!   spaced order statistics (quantiles) before the density is built, which keeps the shape
//!   and bounds the cost; the bandwidth is that of the reduced sample.

use serde::{Deserialize, Serialize};

/// The bandwidth rule of a kernel density estimate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bandwidth {
    /// Scott's rule, `s n^(-1/5)` (scipy's default).
    #[default]
    Scott,
    /// Silverman's rule as scipy computes it, `s (3n/4)^(-1/5)`.
    Silverman,
}

/// The smallest cell mass of `q` used in the KL divergence.
pub const KL_FLOOR: f64 = 1e-10;

/// Samples above this size are reduced to this many quantiles before a density is built.
pub const MAX_KDE_SAMPLES: usize = 2000;

/// Mean and sample standard deviation (n - 1; 0 for one value). `None` for no values.
pub fn mean_std(values: &[f64]) -> Option<(f64, f64)> {
    if values.is_empty() {
        return None;
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    if values.len() < 2 {
        return Some((mean, 0.0));
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    Some((mean, var.sqrt()))
}

/// The bandwidth of `values` by `rule`, or `fallback` when the rule gives 0 or cannot be
/// applied (fewer than two values, all values equal).
pub fn bandwidth(values: &[f64], rule: Bandwidth, fallback: f64) -> f64 {
    let n = values.len() as f64;
    let std = mean_std(values).map_or(0.0, |(_, s)| s);
    let factor = match rule {
        Bandwidth::Scott => n.powf(-0.2),
        Bandwidth::Silverman => (0.75 * n).powf(-0.2),
    };
    let h = std * factor;
    if h.is_finite() && h > 0.0 {
        h
    } else {
        fallback
    }
}

/// `count` evenly spaced order statistics of `values` (all of them, sorted, when there are
/// no more than `count`).
pub fn quantile_subsample(values: &[f64], count: usize) -> Vec<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    if sorted.len() <= count || count == 0 {
        return sorted;
    }
    let last = (sorted.len() - 1) as f64;
    (0..count)
        .map(|i| {
            let at = (i as f64 * last / (count - 1).max(1) as f64).round() as usize;
            sorted[at.min(sorted.len() - 1)]
        })
        .collect()
}

/// A Gaussian kernel density estimate of one sample.
#[derive(Clone, Debug, PartialEq)]
pub struct Kde {
    samples: Vec<f64>,
    bandwidth: f64,
}

impl Kde {
    /// A density of the finite values of `values` (reduced to [`MAX_KDE_SAMPLES`] quantiles if
    /// larger), with the bandwidth of `rule` or `fallback` (see [`bandwidth`]). `None` when
    /// there is no finite value.
    pub fn new(values: &[f64], rule: Bandwidth, fallback: f64) -> Option<Self> {
        let samples = quantile_subsample(values, MAX_KDE_SAMPLES);
        if samples.is_empty() {
            return None;
        }
        let bandwidth = bandwidth(&samples, rule, fallback.abs().max(f64::MIN_POSITIVE));
        Some(Kde { samples, bandwidth })
    }

    /// The kernel's standard deviation.
    pub fn bandwidth(&self) -> f64 {
        self.bandwidth
    }

    /// The (reduced, sorted) sample.
    pub fn samples(&self) -> &[f64] {
        &self.samples
    }

    /// The density at `x` with bandwidth `h` (not normalized to a grid).
    fn density_with(&self, x: f64, h: f64) -> f64 {
        let norm = 1.0 / (self.samples.len() as f64 * h * (2.0 * std::f64::consts::PI).sqrt());
        // Values beyond 8 bandwidths add less than 1e-14 each: skip them via the sort order.
        let lo = self.samples.partition_point(|&s| s < x - 8.0 * h);
        let hi = self.samples.partition_point(|&s| s <= x + 8.0 * h);
        let sum: f64 = self.samples[lo..hi]
            .iter()
            .map(|s| {
                let z = (x - s) / h;
                (-0.5 * z * z).exp()
            })
            .sum();
        sum * norm
    }

    /// The density at `x`.
    pub fn density(&self, x: f64) -> f64 {
        self.density_with(x, self.bandwidth)
    }
}

/// Evenly spaced points shared by the densities being compared.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SharedGrid {
    /// The points, increasing.
    pub x: Vec<f64>,
}

impl SharedGrid {
    /// A grid of `points` (at least 2) covering every density: from the smallest sample minus
    /// four of the widest bandwidths to the largest plus four.
    pub fn covering(densities: &[&Kde], points: usize) -> Option<Self> {
        let lo = densities
            .iter()
            .filter_map(|d| d.samples.first())
            .copied()
            .reduce(f64::min)?;
        let hi = densities
            .iter()
            .filter_map(|d| d.samples.last())
            .copied()
            .reduce(f64::max)?;
        let h = densities
            .iter()
            .map(|d| d.bandwidth)
            .fold(0.0_f64, f64::max);
        let (lo, hi) = (lo - 4.0 * h, hi + 4.0 * h);
        let points = points.max(2);
        let step = (hi - lo) / (points - 1) as f64;
        if !(step.is_finite() && step > 0.0) {
            return None;
        }
        Some(SharedGrid {
            x: (0..points).map(|i| lo + i as f64 * step).collect(),
        })
    }

    /// The spacing between points.
    pub fn step(&self) -> f64 {
        match (self.x.first(), self.x.get(1)) {
            (Some(a), Some(b)) => b - a,
            _ => 0.0,
        }
    }

    /// `kde` sampled on the grid and normalized to integrate to 1 over it (trapezoid rule).
    /// A bandwidth under two grid steps is widened to two steps.
    pub fn sample(&self, kde: &Kde) -> Vec<f64> {
        let h = kde.bandwidth.max(2.0 * self.step());
        let mut y: Vec<f64> = self.x.iter().map(|&x| kde.density_with(x, h)).collect();
        let area = trapezoid(&y, self.step());
        if area > 0.0 {
            for v in &mut y {
                *v /= area;
            }
        }
        y
    }
}

/// The trapezoid integral of evenly spaced values.
fn trapezoid(y: &[f64], step: f64) -> f64 {
    y.windows(2).map(|w| (w[0] + w[1]) * 0.5 * step).sum()
}

/// The overlap area `∫ min(p, q)` of two densities sampled on the same grid.
pub fn overlap_area(p: &[f64], q: &[f64], step: f64) -> f64 {
    let m: Vec<f64> = p.iter().zip(q).map(|(a, b)| a.min(*b)).collect();
    trapezoid(&m, step).clamp(0.0, 1.0)
}

/// `KL(p || q)` in nats of two densities sampled on the same grid, as masses of the grid's
/// points normalized to sum 1, with `q` floored at [`KL_FLOOR`].
pub fn kl_divergence(p: &[f64], q: &[f64]) -> f64 {
    let sp: f64 = p.iter().sum();
    let sq: f64 = q.iter().sum();
    if sp <= 0.0 || sq <= 0.0 {
        return f64::NAN;
    }
    p.iter()
        .zip(q)
        .map(|(a, b)| {
            let pa = a / sp;
            if pa <= 0.0 {
                return 0.0;
            }
            let qb = (b / sq).max(KL_FLOOR);
            pa * (pa / qb).ln()
        })
        .sum::<f64>()
        .max(0.0)
}

/// Densities of several samples sampled on one grid that covers them all.
#[derive(Clone, Debug, PartialEq)]
pub struct SharedDensities {
    /// The shared grid.
    pub grid: SharedGrid,
    /// One density per sample, in the order given; `None` for a sample without a finite value.
    pub densities: Vec<Option<Vec<f64>>>,
}

/// Builds a density of each sample with `rule` and samples them all on one [`SharedGrid`] of
/// `points`. The fallback bandwidth for a sample without spread is 5 % of the standard
/// deviation of all samples together, or 1e-3 times the magnitude of the values (at least 1)
/// when that is 0 too. `None` when no sample has a finite value.
pub fn shared_densities(
    samples: &[&[f64]],
    rule: Bandwidth,
    points: usize,
) -> Option<SharedDensities> {
    let all: Vec<f64> = samples
        .iter()
        .flat_map(|s| s.iter())
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    let pooled = mean_std(&all).map_or(0.0, |(_, s)| s);
    let magnitude = all.iter().fold(1.0_f64, |m, v| m.max(v.abs()));
    let fallback = if pooled > 0.0 {
        0.05 * pooled
    } else {
        1e-3 * magnitude
    };
    let kdes: Vec<Option<Kde>> = samples
        .iter()
        .map(|s| Kde::new(s, rule, fallback))
        .collect();
    let present: Vec<&Kde> = kdes.iter().flatten().collect();
    let grid = SharedGrid::covering(&present, points)?;
    let densities = kdes
        .iter()
        .map(|k| k.as_ref().map(|k| grid.sample(k)))
        .collect();
    Some(SharedDensities { grid, densities })
}

/// Two densities compared on one grid.
#[derive(Clone, Debug, PartialEq)]
pub struct DensityPair {
    /// The shared grid.
    pub grid: SharedGrid,
    /// The density of the first sample on the grid.
    pub p: Vec<f64>,
    /// The density of the second sample on the grid.
    pub q: Vec<f64>,
    /// `∫ min(p, q)`.
    pub overlap: f64,
    /// `KL(p || q)` in nats.
    pub kl: f64,
}

/// Densities of `a` and `b` on one shared grid (see [`shared_densities`]) with their overlap
/// area and `KL(a || b)`. `None` when either sample has no finite value.
pub fn compare_samples(
    a: &[f64],
    b: &[f64],
    rule: Bandwidth,
    points: usize,
) -> Option<DensityPair> {
    let shared = shared_densities(&[a, b], rule, points)?;
    let mut densities = shared.densities.into_iter();
    let p = densities.next()??;
    let q = densities.next()??;
    let overlap = overlap_area(&p, &q, shared.grid.step());
    let kl = kl_divergence(&p, &q);
    Some(DensityPair {
        grid: shared.grid,
        p,
        q,
        overlap,
        kl,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bandwidth_rules() {
        // Sample std of 1, 2, 3, 4, 5 is sqrt(2.5).
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        let s = 2.5f64.sqrt();
        assert!((bandwidth(&v, Bandwidth::Scott, 9.0) - s * 5f64.powf(-0.2)).abs() < 1e-12);
        assert!((bandwidth(&v, Bandwidth::Silverman, 9.0) - s * 3.75f64.powf(-0.2)).abs() < 1e-12);
        assert_eq!(bandwidth(&[2.0, 2.0], Bandwidth::Scott, 0.5), 0.5);
        assert_eq!(bandwidth(&[2.0], Bandwidth::Scott, 0.5), 0.5);
    }

    #[test]
    fn one_value_density_is_a_normal_curve() {
        let k = Kde::new(&[0.0], Bandwidth::Scott, 1.0).unwrap();
        let peak = 1.0 / (2.0 * std::f64::consts::PI).sqrt();
        assert!((k.density(0.0) - peak).abs() < 1e-12);
        assert!((k.density(1.0) - peak * (-0.5f64).exp()).abs() < 1e-12);
        assert!(Kde::new(&[], Bandwidth::Scott, 1.0).is_none());
        assert!(Kde::new(&[f64::NAN], Bandwidth::Scott, 1.0).is_none());
    }

    #[test]
    fn identical_samples_overlap_fully() {
        let a = [1.0, 2.0, 2.5, 4.0, 7.0];
        let pair = compare_samples(&a, &a, Bandwidth::Scott, 512).unwrap();
        assert!((pair.overlap - 1.0).abs() < 1e-9, "{}", pair.overlap);
        assert!(pair.kl.abs() < 1e-12);
        assert_eq!(pair.p, pair.q);
    }

    #[test]
    fn identical_point_masses_overlap_fully() {
        let pair = compare_samples(&[3.0; 4], &[3.0; 7], Bandwidth::Scott, 512).unwrap();
        assert!((pair.overlap - 1.0).abs() < 1e-9);
        assert!(pair.kl < 1e-9);
    }

    #[test]
    fn disjoint_samples_do_not_overlap() {
        let a = [0.0, 0.1, 0.2, 0.3];
        let b = [10.0, 10.1, 10.2, 10.3];
        let pair = compare_samples(&a, &b, Bandwidth::Scott, 512).unwrap();
        assert!(pair.overlap < 1e-6, "{}", pair.overlap);
        // q is floored: KL is capped near ln(1e10) = 23.03.
        assert!(pair.kl > 15.0 && pair.kl <= (1.0 / KL_FLOOR).ln() + 1e-9);
        // Point masses far apart also give no overlap.
        let points = compare_samples(&[0.0; 3], &[5.0; 3], Bandwidth::Silverman, 512).unwrap();
        assert!(points.overlap < 1e-6);
    }

    #[test]
    fn shifted_normals_overlap_as_computed_by_hand() {
        // Two single-value densities with the same bandwidth h, centres d apart: the overlap
        // of two normals is 2 Phi(-d / 2h). With d = 2h: 2 Phi(-1) = 0.31731.
        let h = 1.0;
        let ka = Kde::new(&[0.0], Bandwidth::Scott, h).unwrap();
        let kb = Kde::new(&[2.0], Bandwidth::Scott, h).unwrap();
        let grid = SharedGrid::covering(&[&ka, &kb], 4001).unwrap();
        let (p, q) = (grid.sample(&ka), grid.sample(&kb));
        let oa = overlap_area(&p, &q, grid.step());
        assert!((oa - 0.317_310_5).abs() < 1e-3, "{oa}");
        // KL of N(0,1) from N(2,1) is d^2 / 2 = 2 nats.
        assert!((kl_divergence(&p, &q) - 2.0).abs() < 1e-2);
        // Both are sampled on the same points.
        assert_eq!(p.len(), q.len());
        assert!((grid.x[0] + 4.0).abs() < 1e-12 && (grid.x[4000] - 6.0).abs() < 1e-12);
    }

    #[test]
    fn large_samples_are_reduced_to_quantiles() {
        let v: Vec<f64> = (0..10_001).rev().map(f64::from).collect();
        let q = quantile_subsample(&v, 5);
        assert_eq!(q, vec![0.0, 2500.0, 5000.0, 7500.0, 10000.0]);
        let k = Kde::new(&v, Bandwidth::Scott, 1.0).unwrap();
        assert_eq!(k.samples().len(), MAX_KDE_SAMPLES);
        assert_eq!(quantile_subsample(&[3.0, 1.0], 5), vec![1.0, 3.0]);
    }
}
