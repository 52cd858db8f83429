//! Comparing one feature between a generated set and a reference set, the way MGEval does:
//! distance distributions within and between sets, their densities, overlap and divergence.
//!
//! For a feature with values `g_1..g_n` (generated) and `r_1..r_m` (reference), each a number
//! or a vector:
//! - **intra-set distances, leave one out**: for each piece `i` of a set, the Euclidean
//!   distances from `i` to every other piece of the same set (each unordered pair appears
//!   twice, once from each side, as in MGEval's leave-one-out loop);
//! - **inter-set distances**: the distances from every generated piece to every reference
//!   piece;
//! - the three distance samples get Gaussian densities on one shared grid ([`super::kde`]);
//!   the **overlap area** and **KL divergence** `KL(intra || inter)` are computed for the
//!   generated intra-set density against the inter-set density and for the reference
//!   intra-set density against it. The feature's `overlap` is the mean of the two overlaps,
//!   its `kl` the mean of the two divergences. When generated pieces resemble the reference,
//!   distances to reference pieces look like distances within either set and both overlaps
//!   are high; a collapsed generator (all outputs alike) has intra-set distances near 0 and a
//!   low generated overlap.
//! - For scalar features the values themselves are compared too: their densities on one grid,
//!   `value_overlap` and `value_kl = KL(reference || generated)`.
//!
//! A piece for which a metric is undefined (e.g. pitch std of a piece without notes) is left
//! out of that feature only.

use serde::{Deserialize, Serialize};

use super::features::Feature;
use super::kde::{self, Bandwidth};
use super::metrics::PieceMetrics;

/// How sets are compared.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CompareOptions {
    /// The bandwidth rule of every density (Scott by default).
    pub bandwidth: Bandwidth,
    /// Points of each shared grid (512 by default, at least 2).
    pub grid_points: usize,
    /// Each set is reduced to at most this many pieces, evenly spaced in the order given
    /// (500 by default; `None`: no limit). Distances grow with the square of the set size.
    pub max_pieces: Option<usize>,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            bandwidth: Bandwidth::Scott,
            grid_points: 512,
            max_pieces: Some(500),
        }
    }
}

/// Count, mean and sample standard deviation (n - 1) of a sample.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Values.
    pub count: usize,
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation (0 for one value).
    pub std: f64,
}

impl Stats {
    /// The statistics of `values`, `None` when empty.
    pub fn of(values: &[f64]) -> Option<Self> {
        let (mean, std) = kde::mean_std(values)?;
        Some(Stats {
            count: values.len(),
            mean,
            std,
        })
    }
}

/// Densities of one feature on shared grids, for plots (not saved in JSON).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FeatureCurves {
    /// The grid of the distance densities.
    pub distance_grid: Vec<f64>,
    /// Density of the generated set's intra-set distances (empty when undefined).
    pub intra_generated: Vec<f64>,
    /// Density of the reference set's intra-set distances (empty when undefined).
    pub intra_reference: Vec<f64>,
    /// Density of the inter-set distances (empty when undefined).
    pub inter: Vec<f64>,
    /// The grid of the value densities (scalar features only; empty otherwise).
    pub value_grid: Vec<f64>,
    /// Density of the generated values.
    pub value_generated: Vec<f64>,
    /// Density of the reference values.
    pub value_reference: Vec<f64>,
}

/// One feature compared between the generated and the reference set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureComparison {
    /// Which feature.
    pub feature: Feature,
    /// Element-wise mean over generated pieces (one value for scalars, 12 or 144 for the
    /// histograms and matrices, row-major); empty when no piece has the feature.
    pub generated_mean: Vec<f64>,
    /// Element-wise mean over reference pieces.
    pub reference_mean: Vec<f64>,
    /// Statistics of the generated values (scalar features only).
    pub generated_values: Option<Stats>,
    /// Statistics of the reference values (scalar features only).
    pub reference_values: Option<Stats>,
    /// Statistics of the generated set's leave-one-out distances.
    pub intra_generated: Option<Stats>,
    /// Statistics of the reference set's leave-one-out distances.
    pub intra_reference: Option<Stats>,
    /// Statistics of the generated-to-reference distances.
    pub inter: Option<Stats>,
    /// Overlap area of the generated intra-set and the inter-set distance densities.
    pub overlap_generated: Option<f64>,
    /// `KL(generated intra || inter)` in nats.
    pub kl_generated: Option<f64>,
    /// Overlap area of the reference intra-set and the inter-set distance densities.
    pub overlap_reference: Option<f64>,
    /// `KL(reference intra || inter)` in nats.
    pub kl_reference: Option<f64>,
    /// Mean of the available overlaps above (the feature's headline overlap).
    pub overlap: Option<f64>,
    /// Mean of the available divergences above.
    pub kl: Option<f64>,
    /// Overlap area of the generated and reference value densities (scalar features).
    pub value_overlap: Option<f64>,
    /// `KL(reference values || generated values)` in nats (scalar features).
    pub value_kl: Option<f64>,
    /// The densities, for plots; not serialized.
    #[serde(skip)]
    pub curves: Option<FeatureCurves>,
}

/// At most `max` items of `items`, evenly spaced (all of them when `max` is `None` or not
/// smaller than the length).
pub fn evenly_spaced<T: Clone>(items: &[T], max: Option<usize>) -> Vec<T> {
    match max {
        Some(max) if max < items.len() => (0..max)
            .filter_map(|i| items.get(i * items.len() / max).cloned())
            .collect(),
        _ => items.to_vec(),
    }
}

fn euclidean(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt()
}

/// Leave-one-out intra-set distances: for every item, its distances to every other item.
pub fn intra_set_distances(values: &[Vec<f64>]) -> Vec<f64> {
    let mut out = Vec::with_capacity(values.len() * values.len().saturating_sub(1));
    for (i, a) in values.iter().enumerate() {
        for (j, b) in values.iter().enumerate() {
            if i != j {
                out.push(euclidean(a, b));
            }
        }
    }
    out
}

/// Inter-set distances: from every item of `a` to every item of `b`.
pub fn inter_set_distances(a: &[Vec<f64>], b: &[Vec<f64>]) -> Vec<f64> {
    a.iter()
        .flat_map(|x| b.iter().map(move |y| euclidean(x, y)))
        .collect()
}

fn elementwise_mean(values: &[Vec<f64>], dimension: usize) -> Vec<f64> {
    if values.is_empty() {
        return Vec::new();
    }
    let mut mean = vec![0.0; dimension];
    for v in values {
        for (m, x) in mean.iter_mut().zip(v) {
            *m += x;
        }
    }
    for m in &mut mean {
        *m /= values.len() as f64;
    }
    mean
}

fn mean_of(values: &[Option<f64>]) -> Option<f64> {
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    (!present.is_empty()).then(|| present.iter().sum::<f64>() / present.len() as f64)
}

/// Compares one feature of two sets of piece metrics (already reduced to
/// [`CompareOptions::max_pieces`] by the caller).
pub fn compare_feature(
    feature: Feature,
    generated: &[PieceMetrics],
    reference: &[PieceMetrics],
    options: &CompareOptions,
) -> FeatureComparison {
    let gen_values: Vec<Vec<f64>> = generated.iter().filter_map(|m| feature.values(m)).collect();
    let ref_values: Vec<Vec<f64>> = reference.iter().filter_map(|m| feature.values(m)).collect();
    let intra_gen = intra_set_distances(&gen_values);
    let intra_ref = intra_set_distances(&ref_values);
    let inter = inter_set_distances(&gen_values, &ref_values);

    let mut curves = FeatureCurves::default();
    let (mut overlap_generated, mut kl_generated) = (None, None);
    let (mut overlap_reference, mut kl_reference) = (None, None);
    if let Some(shared) = kde::shared_densities(
        &[&intra_gen, &intra_ref, &inter],
        options.bandwidth,
        options.grid_points,
    ) {
        let step = shared.grid.step();
        let mut d = shared.densities.into_iter();
        let (dg, dr, di) = (d.next().flatten(), d.next().flatten(), d.next().flatten());
        if let Some(di) = &di {
            if let Some(dg) = &dg {
                overlap_generated = Some(kde::overlap_area(dg, di, step));
                kl_generated = Some(kde::kl_divergence(dg, di));
            }
            if let Some(dr) = &dr {
                overlap_reference = Some(kde::overlap_area(dr, di, step));
                kl_reference = Some(kde::kl_divergence(dr, di));
            }
        }
        curves.distance_grid = shared.grid.x;
        curves.intra_generated = dg.unwrap_or_default();
        curves.intra_reference = dr.unwrap_or_default();
        curves.inter = di.unwrap_or_default();
    }

    let (mut value_overlap, mut value_kl) = (None, None);
    let (mut generated_values, mut reference_values) = (None, None);
    if feature.is_scalar() {
        let g: Vec<f64> = gen_values
            .iter()
            .filter_map(|v| v.first().copied())
            .collect();
        let r: Vec<f64> = ref_values
            .iter()
            .filter_map(|v| v.first().copied())
            .collect();
        generated_values = Stats::of(&g);
        reference_values = Stats::of(&r);
        if let Some(pair) = kde::compare_samples(&r, &g, options.bandwidth, options.grid_points) {
            value_overlap = Some(pair.overlap);
            value_kl = Some(pair.kl);
            curves.value_grid = pair.grid.x;
            curves.value_reference = pair.p;
            curves.value_generated = pair.q;
        }
    }

    FeatureComparison {
        feature,
        generated_mean: elementwise_mean(&gen_values, feature.dimension()),
        reference_mean: elementwise_mean(&ref_values, feature.dimension()),
        generated_values,
        reference_values,
        intra_generated: Stats::of(&intra_gen),
        intra_reference: Stats::of(&intra_ref),
        inter: Stats::of(&inter),
        overlap_generated,
        kl_generated,
        overlap_reference,
        kl_reference,
        overlap: mean_of(&[overlap_generated, overlap_reference]),
        kl: mean_of(&[kl_generated, kl_reference]),
        value_overlap,
        value_kl,
        curves: Some(curves),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::notes::test_support::piece;

    fn metrics(melodies: &[Vec<(u8, u64, u64)>]) -> Vec<PieceMetrics> {
        melodies
            .iter()
            .map(|m| PieceMetrics::of(&piece(m)))
            .collect()
    }

    /// A melody of `n` quarter notes climbing from `base` by `step` semitones.
    fn scale(base: u8, step: u8, n: u64) -> Vec<(u8, u64, u64)> {
        (0..n).map(|i| (base + step * i as u8, i * 4, 4)).collect()
    }

    #[test]
    fn distances_by_hand() {
        let v = vec![vec![0.0, 0.0], vec![3.0, 4.0], vec![6.0, 8.0]];
        let mut intra = intra_set_distances(&v);
        intra.sort_by(f64::total_cmp);
        assert_eq!(intra, vec![5.0, 5.0, 5.0, 5.0, 10.0, 10.0]);
        let inter = inter_set_distances(&v[..1], &v[1..]);
        assert_eq!(inter, vec![5.0, 10.0]);
        assert!(intra_set_distances(&v[..1]).is_empty());
    }

    #[test]
    fn evenly_spaced_selection() {
        let v: Vec<u32> = (0..10).collect();
        assert_eq!(evenly_spaced(&v, Some(4)), vec![0, 2, 5, 7]);
        assert_eq!(evenly_spaced(&v, Some(20)).len(), 10);
        assert_eq!(evenly_spaced(&v, None).len(), 10);
    }

    #[test]
    fn identical_sets_overlap_in_values_fully_and_in_distances_mostly() {
        let set = metrics(&[
            scale(60, 2, 8),
            scale(62, 1, 6),
            scale(55, 3, 7),
            scale(64, 2, 5),
            scale(59, 1, 9),
            scale(57, 4, 4),
        ]);
        let opts = CompareOptions::default();
        let c = compare_feature(Feature::PitchRange, &set, &set, &opts);
        assert!((c.value_overlap.unwrap() - 1.0).abs() < 1e-9);
        assert!(c.value_kl.unwrap() < 1e-9);
        assert_eq!(c.generated_mean, c.reference_mean);
        // Intra sets are equal; the inter set adds the six zero self-distances.
        assert_eq!(c.overlap_generated, c.overlap_reference);
        assert!(c.overlap.unwrap() > 0.8, "{:?}", c.overlap);
        let m = compare_feature(Feature::PitchClassTransitions, &set, &set, &opts);
        assert_eq!(m.generated_mean.len(), 144);
        // The inter set holds 6 self-distances of 0 among 36 that the intra sets lack, so the
        // overlap stays near 1 - 1/6 rather than 1.
        assert!(m.overlap.unwrap() > 0.7, "{:?}", m.overlap);
        assert_eq!(m.value_overlap, None);
    }

    #[test]
    fn disjoint_sets_do_not_overlap() {
        // Generated: narrow melodies (range 2-4); reference: wide ones (range 24-30).
        let generated = metrics(&[scale(60, 1, 3), scale(60, 1, 4), scale(60, 1, 5)]);
        let reference = metrics(&[scale(48, 4, 7), scale(48, 4, 8), scale(50, 5, 7)]);
        let c = compare_feature(
            Feature::PitchRange,
            &generated,
            &reference,
            &CompareOptions::default(),
        );
        assert!(c.value_overlap.unwrap() < 1e-3, "{:?}", c.value_overlap);
        // Within-set distances are at most 6; between sets at least 20.
        assert!(c.overlap_generated.unwrap() < 1e-3);
        assert!(c.overlap_reference.unwrap() < 1e-3);
        assert!(c.kl.unwrap() > 10.0);
        assert_eq!(c.generated_values.unwrap().mean, 3.0);
        assert_eq!(c.reference_values.unwrap().mean, (24.0 + 28.0 + 30.0) / 3.0);
    }

    #[test]
    fn a_collapsed_generator_has_a_low_generated_overlap() {
        let reference = metrics(&[
            scale(60, 1, 3),
            scale(60, 2, 5),
            scale(60, 3, 6),
            scale(60, 2, 8),
            scale(60, 4, 4),
        ]);
        // Every generated piece is the same melody.
        let generated = metrics(&vec![scale(60, 2, 5); 5]);
        let c = compare_feature(
            Feature::PitchRange,
            &generated,
            &reference,
            &CompareOptions::default(),
        );
        assert_eq!(c.intra_generated.unwrap().mean, 0.0);
        assert!(c.overlap_generated.unwrap() < 0.2);
        assert!(c.overlap_reference.unwrap() > c.overlap_generated.unwrap());
    }

    #[test]
    fn undefined_values_are_left_out_and_tiny_sets_give_none() {
        let with_empty = vec![
            PieceMetrics::of(&crate::music::Piece::default()),
            PieceMetrics::of(&piece(&scale(60, 2, 4))),
        ];
        let c = compare_feature(
            Feature::PitchStd,
            &with_empty,
            &with_empty,
            &CompareOptions::default(),
        );
        // One defined value per set: no intra-set distances.
        assert_eq!(c.generated_values.unwrap().count, 1);
        assert_eq!(c.intra_generated, None);
        assert_eq!(c.overlap_generated, None);
        assert_eq!(c.overlap, None);
        assert_eq!(c.inter.unwrap().count, 1);
    }
}
