//! The non-linear judge: gradient-boosted shallow decision trees on the logistic loss.
//!
//! Each feature is cut into at most [`BoostConfig::bins`] bins at quantiles of the training
//! rows. Every round fits one tree of depth [`BoostConfig::depth`] to the loss's gradient and
//! curvature (second-order boosting: a split's gain is `G_L^2 / (H_L + l2) + G_R^2 / (H_R +
//! l2) - G^2 / (H + l2)`, a leaf's value `-G / (H + l2)`, scaled by the learning rate); a
//! node splits only when the gain is positive and each side has at least `min_child_weight`
//! of curvature. Ties between equal gains go to the first feature and the first cut, so the
//! fit is deterministic.

use serde::{Deserialize, Serialize};

/// Settings of the boosted trees.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BoostConfig {
    /// Trees (boosting rounds).
    pub rounds: usize,
    /// Depth of each tree (1 = stumps; 2 lets a tree combine two features).
    pub depth: usize,
    /// Shrinkage of each tree's values.
    pub learning_rate: f64,
    /// L2 penalty on leaf values.
    pub l2: f64,
    /// Least curvature (sum of `p (1 - p)`) on each side of a split.
    pub min_child_weight: f64,
    /// Bins per feature (2..=256).
    pub bins: usize,
}

impl Default for BoostConfig {
    fn default() -> Self {
        BoostConfig {
            rounds: 100,
            depth: 2,
            learning_rate: 0.1,
            l2: 1.0,
            min_child_weight: 1.0,
            bins: 32,
        }
    }
}

/// Per-feature cut points: a value `x` falls in bin `partition_point(cuts, |c| c < x)`, so
/// `x <= cuts[k]` exactly when its bin is at most `k`.
pub(crate) struct Bins {
    cuts: Vec<Vec<f64>>,
}

impl Bins {
    /// Cut points at quantiles of the rows, midway between distinct neighbouring values.
    pub(crate) fn fit(rows: &[&[f64]], bins: usize) -> Self {
        let d = rows.first().map_or(0, |r| r.len());
        let bins = bins.clamp(2, 256);
        let cuts = (0..d)
            .map(|f| {
                let mut values: Vec<f64> = rows.iter().map(|r| r[f]).collect();
                values.sort_by(f64::total_cmp);
                values.dedup();
                if values.len() <= bins {
                    return values.windows(2).map(|w| 0.5 * (w[0] + w[1])).collect();
                }
                let mut cuts: Vec<f64> = (1..bins)
                    .map(|k| {
                        let i = k * values.len() / bins;
                        0.5 * (values[i - 1] + values[i])
                    })
                    .collect();
                cuts.dedup();
                cuts
            })
            .collect();
        Bins { cuts }
    }

    /// The bins of one row.
    pub(crate) fn apply(&self, row: &[f64]) -> Vec<u8> {
        row.iter()
            .zip(&self.cuts)
            .map(|(x, cuts)| cuts.partition_point(|c| c < x) as u8)
            .collect()
    }

    fn count(&self, feature: usize) -> usize {
        self.cuts[feature].len() + 1
    }
}

/// One node of a tree stored as a full binary tree (children of `k` at `2k + 1`, `2k + 2`).
#[derive(Clone, Copy, Debug)]
enum Node {
    /// Rows with `bin <= cut` go left.
    Split { feature: usize, cut: u8 },
    /// The value added to the margin.
    Leaf(f64),
}

/// Fitted trees.
pub(crate) struct Boosted {
    trees: Vec<Vec<Node>>,
    bins: Bins,
}

fn leaf_of(tree: &[Node], row: &[u8]) -> f64 {
    let mut k = 0;
    loop {
        match tree.get(k) {
            Some(Node::Split { feature, cut }) => {
                k = if row[*feature] <= *cut {
                    2 * k + 1
                } else {
                    2 * k + 2
                };
            }
            Some(Node::Leaf(value)) => return *value,
            None => return 0.0,
        }
    }
}

/// The best split of one node: (gain, feature, cut), if any is allowed.
fn best_split(
    histogram: &[(f64, f64)],
    offsets: &[usize],
    bins: &Bins,
    config: &BoostConfig,
) -> Option<(f64, usize, u8)> {
    let mut best: Option<(f64, usize, u8)> = None;
    let l2 = config.l2;
    for (f, &offset) in offsets.iter().enumerate() {
        let count = bins.count(f);
        let cells = &histogram[offset..offset + count];
        let (g, h) = cells
            .iter()
            .fold((0.0, 0.0), |(g, h), c| (g + c.0, h + c.1));
        let parent = g * g / (h + l2);
        let (mut gl, mut hl) = (0.0, 0.0);
        for (cut, cell) in cells[..count - 1].iter().enumerate() {
            gl += cell.0;
            hl += cell.1;
            let (gr, hr) = (g - gl, h - hl);
            if hl < config.min_child_weight || hr < config.min_child_weight {
                continue;
            }
            let gain = gl * gl / (hl + l2) + gr * gr / (hr + l2) - parent;
            if gain > 1e-12 && best.is_none_or(|b| gain > b.0) {
                best = Some((gain, f, cut as u8));
            }
        }
    }
    best
}

impl Boosted {
    /// Fits on `rows` (raw features) with labels `true` = class 1.
    pub(crate) fn fit(rows: &[&[f64]], labels: &[bool], config: &BoostConfig) -> Self {
        let bins = Bins::fit(rows, config.bins);
        let binned: Vec<Vec<u8>> = rows.iter().map(|r| bins.apply(r)).collect();
        let d = bins.cuts.len();
        let mut offsets = Vec::with_capacity(d);
        let mut cells = 0;
        for f in 0..d {
            offsets.push(cells);
            cells += bins.count(f);
        }
        let depth = config.depth.clamp(1, 8);
        let n = rows.len();
        let mut margin = vec![0.0_f64; n];
        let mut trees = Vec::with_capacity(config.rounds);
        let mut node_of = vec![0usize; n];
        for _ in 0..config.rounds {
            let (gradient, curvature): (Vec<f64>, Vec<f64>) = margin
                .iter()
                .zip(labels)
                .map(|(&m, &y): (&f64, &bool)| {
                    let p = 1.0 / (1.0 + (-m).exp());
                    (p - if y { 1.0 } else { 0.0 }, (p * (1.0 - p)).max(1e-12))
                })
                .unzip();
            let mut tree: Vec<Node> = vec![Node::Leaf(0.0); (1 << (depth + 1)) - 1];
            node_of.iter_mut().for_each(|k| *k = 0);
            // Nodes still open at this level (full-tree indices); closed rows sit in leaves.
            let mut open: Vec<usize> = vec![0];
            for level in 0..=depth {
                let first = (1 << level) - 1;
                let width = 1 << level;
                // Sums per open node: (G, H) and the histogram.
                let mut sums = vec![(0.0, 0.0); width];
                let mut histograms =
                    vec![(0.0, 0.0); if level < depth { width * cells } else { 0 }];
                let mut is_open = vec![false; width];
                for &k in &open {
                    is_open[k - first] = true;
                }
                for i in 0..n {
                    let k = node_of[i];
                    if k < first || k >= first + width || !is_open[k - first] {
                        continue;
                    }
                    let slot = k - first;
                    sums[slot].0 += gradient[i];
                    sums[slot].1 += curvature[i];
                    if level < depth {
                        let base = slot * cells;
                        for (f, &b) in binned[i].iter().enumerate() {
                            let cell = &mut histograms[base + offsets[f] + usize::from(b)];
                            cell.0 += gradient[i];
                            cell.1 += curvature[i];
                        }
                    }
                }
                let mut next_open = Vec::new();
                for &k in &open {
                    let slot = k - first;
                    let split = (level < depth)
                        .then(|| {
                            best_split(
                                &histograms[slot * cells..(slot + 1) * cells],
                                &offsets,
                                &bins,
                                config,
                            )
                        })
                        .flatten();
                    match split {
                        Some((_, feature, cut)) => {
                            tree[k] = Node::Split { feature, cut };
                            next_open.push(2 * k + 1);
                            next_open.push(2 * k + 2);
                        }
                        None => {
                            let (g, h) = sums[slot];
                            tree[k] = Node::Leaf(-config.learning_rate * g / (h + config.l2));
                        }
                    }
                }
                for i in 0..n {
                    if let Node::Split { feature, cut } = tree[node_of[i]]
                        && node_of[i] >= first
                        && node_of[i] < first + width
                    {
                        let k = node_of[i];
                        node_of[i] = if binned[i][feature] <= cut {
                            2 * k + 1
                        } else {
                            2 * k + 2
                        };
                    }
                }
                open = next_open;
                if open.is_empty() {
                    break;
                }
            }
            for (m, row) in margin.iter_mut().zip(&binned) {
                *m += leaf_of(&tree, row);
            }
            trees.push(tree);
        }
        Boosted { trees, bins }
    }

    /// Whether `row` (raw features) is predicted as class 1.
    pub(crate) fn predict(&self, row: &[f64]) -> bool {
        let binned = self.bins.apply(row);
        let margin: f64 = self.trees.iter().map(|t| leaf_of(t, &binned)).sum();
        margin > 0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_put_equal_values_together_and_respect_cuts() {
        let rows: Vec<Vec<f64>> = [1.0, 1.0, 2.0, 3.0, 3.0, 10.0]
            .iter()
            .map(|&x| vec![x])
            .collect();
        let refs: Vec<&[f64]> = rows.iter().map(Vec::as_slice).collect();
        let bins = Bins::fit(&refs, 32);
        // Four distinct values: cuts at 1.5, 2.5, 6.5.
        assert_eq!(bins.cuts[0], vec![1.5, 2.5, 6.5]);
        assert_eq!(bins.apply(&[1.0]), vec![0]);
        assert_eq!(bins.apply(&[2.5]), vec![1]);
        assert_eq!(bins.apply(&[100.0]), vec![3]);
    }

    #[test]
    fn learns_an_interaction_a_linear_model_cannot() {
        // XOR of the signs of two features: depth-2 trees can, a linear model cannot.
        let mut rows = Vec::new();
        let mut labels = Vec::new();
        for i in 0..200 {
            let a = ((i * 37 % 101) as f64 / 50.0) - 1.0;
            let b = ((i * 53 % 97) as f64 / 48.0) - 1.0;
            rows.push(vec![a, b]);
            labels.push((a > 0.0) != (b > 0.0));
        }
        let refs: Vec<&[f64]> = rows.iter().map(Vec::as_slice).collect();
        let model = Boosted::fit(&refs, &labels, &BoostConfig::default());
        let correct = rows
            .iter()
            .zip(&labels)
            .filter(|(x, y)| model.predict(x) == **y)
            .count();
        assert!(correct >= 190, "{correct} of 200");
    }
}
