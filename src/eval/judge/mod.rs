//! The judge: a classifier two-sample test between generated melodies and real ones.
//!
//! A GAN's discriminator is a classifier trained to tell generated from real; the judge is
//! its honest cousin: fresh classifiers, trained on part of the melodies and tested on
//! melodies they never saw. If they guess right no more often than chance (50%), the two sets
//! cannot be told apart by what the classifiers look at.
//!
//! # Procedure
//! 1. Each melody becomes a vector of transposition-invariant features ([`features`]: interval,
//!    duration, key-relative pitch-class, rhythm-in-the-bar, contour and form figures). With
//!    [`JudgeConfig::bars`], both sets are first cut to their first bars
//!    ([`super::bars::first_bars`]) so that length does not give them away.
//! 2. The classes are balanced: the larger set is subsampled to the smaller one's size `n`
//!    (a seeded shuffle), so guessing scores 50%.
//! 3. Stratified `k`-fold cross-validation ([`JudgeConfig::folds`], 10 by default; fewer when
//!    `n` is smaller): melody `j` of each class (in shuffled order) is tested in fold `j mod
//!    k`. In each fold two classifiers are trained on the other folds: L2-regularized logistic
//!    regression on features standardized with the training folds' means and deviations
//!    ([`logistic`]), and gradient-boosted depth-2 trees ([`boost`]).
//! 4. Each classifier's accuracy is its right guesses over all `2n` test melodies; the
//!    p-value is the exact one-sided binomial tail `P(X >= right)` for `X ~ Bin(2n, 1/2)`
//!    ([`binomial_tail_half`]): the chance that a coin would do as well. The folds' own
//!    accuracies give their spread. (Cross-validated guesses are not quite independent, so
//!    the p-value is a guide, as usual for this test.)
//!
//! Everything is deterministic for a given [`JudgeConfig::seed`]. In the release build,
//! 200 + 200 melodies take well under a second on one core.
//!
//! # Reading the result
//! Real-vs-real sets score about 50% (a little below is normal for cross-validation);
//! melodies with shuffled pitches score 90% or more, random-walk pitches about 100%. The
//! non-linear accuracy is the headline figure ([`JudgeReport::accuracy`]).

pub mod boost;
pub mod explain;
pub mod features;
pub mod logistic;
mod stats;

use serde::{Deserialize, Serialize};

use crate::music::Piece;

use super::bars::first_bars;
use super::error::EvalError;

pub use boost::BoostConfig;
pub use explain::{TellingFeature, feature_names, telling_features};
pub use features::{FEATURE_COUNT, melody_features};
pub use logistic::LogisticConfig;
pub use stats::binomial_tail_half;

use stats::{SplitMix64, Standardizer};

/// One melody of a two-sample test: its features, whether it is real, its fold.
type Sample<'a> = (&'a [f64], bool, usize);

/// Settings of the two-sample test.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct JudgeConfig {
    /// Folds of the cross-validation (at least 2; reduced to the class size when that is
    /// smaller).
    pub folds: usize,
    /// Seed of the subsampling and of the fold assignment.
    pub seed: u64,
    /// Cut every melody of both sets to its first this many bars before reading features
    /// (`None`: whole melodies). Use it when one set is longer than the other.
    pub bars: Option<u32>,
    /// The linear classifier.
    pub linear: LogisticConfig,
    /// The non-linear classifier.
    pub nonlinear: BoostConfig,
}

impl Default for JudgeConfig {
    fn default() -> Self {
        JudgeConfig {
            folds: 10,
            seed: 0,
            bars: None,
            linear: LogisticConfig::default(),
            nonlinear: BoostConfig::default(),
        }
    }
}

/// How one classifier did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassifierScore {
    /// Right guesses over all test melodies (0.5 = cannot tell the sets apart).
    pub accuracy: f64,
    /// Right guesses.
    pub correct: usize,
    /// Test melodies (`2n`: every melody of both balanced sets once).
    pub tested: usize,
    /// One-sided exact binomial p-value of `correct` against guessing.
    pub p_value: f64,
    /// The lowest fold accuracy.
    pub fold_min: f64,
    /// The highest fold accuracy.
    pub fold_max: f64,
    /// The standard deviation of the fold accuracies.
    pub fold_std: f64,
}

/// The result of [`two_sample_test`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JudgeReport {
    /// Melodies per class after balancing.
    pub n_per_class: usize,
    /// Folds used.
    pub folds: usize,
    /// Features per melody.
    pub features: usize,
    /// The seed used.
    pub seed: u64,
    /// Logistic regression.
    pub linear: ClassifierScore,
    /// Boosted trees.
    pub nonlinear: ClassifierScore,
}

impl JudgeReport {
    /// The headline accuracy: the non-linear classifier's.
    pub fn accuracy(&self) -> f64 {
        self.nonlinear.accuracy
    }
}

/// The feature vectors of a set of melodies ([`melody_features`]), computed once: a fixed
/// real set can be reused against every epoch's samples.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MelodyFeatures {
    rows: Vec<Vec<f64>>,
}

impl MelodyFeatures {
    /// The features of `pieces`, each first cut to `bars` bars if given (pass the same
    /// value as [`JudgeConfig::bars`]).
    pub fn of(pieces: &[Piece], bars: Option<u32>) -> Self {
        let rows = pieces
            .iter()
            .map(|p| match bars {
                Some(b) => melody_features(&first_bars(p, b)),
                None => melody_features(p),
            })
            .collect();
        MelodyFeatures { rows }
    }

    /// Melodies in the set.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// Runs the two-sample test of the module documentation between `generated` and `real`.
/// Fails when either set has fewer than 2 melodies or `folds < 2`.
pub fn two_sample_test(
    generated: &[Piece],
    real: &[Piece],
    config: &JudgeConfig,
) -> Result<JudgeReport, EvalError> {
    two_sample_test_on(
        &MelodyFeatures::of(generated, config.bars),
        &MelodyFeatures::of(real, config.bars),
        config,
    )
}

/// Right guesses of one classifier in each fold.
struct FoldResults {
    correct: Vec<usize>,
    tested: Vec<usize>,
}

impl FoldResults {
    fn score(&self) -> ClassifierScore {
        let correct: usize = self.correct.iter().sum();
        let tested: usize = self.tested.iter().sum();
        let accuracies: Vec<f64> = self
            .correct
            .iter()
            .zip(&self.tested)
            .filter(|(_, t)| **t > 0)
            .map(|(c, t)| *c as f64 / *t as f64)
            .collect();
        let mean = accuracies.iter().sum::<f64>() / accuracies.len().max(1) as f64;
        let var = accuracies
            .iter()
            .map(|a| (a - mean) * (a - mean))
            .sum::<f64>()
            / accuracies.len().max(1) as f64;
        ClassifierScore {
            accuracy: correct as f64 / tested.max(1) as f64,
            correct,
            tested,
            p_value: binomial_tail_half(correct, tested),
            fold_min: accuracies.iter().copied().fold(f64::INFINITY, f64::min),
            fold_max: accuracies.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            fold_std: var.sqrt(),
        }
    }
}

/// [`two_sample_test`] on features computed beforehand ([`MelodyFeatures::of`]).
pub fn two_sample_test_on(
    generated: &MelodyFeatures,
    real: &MelodyFeatures,
    config: &JudgeConfig,
) -> Result<JudgeReport, EvalError> {
    let n = generated.len().min(real.len());
    if n < 2 || config.folds < 2 {
        return Err(EvalError::TooFewMelodies {
            generated: generated.len(),
            real: real.len(),
            folds: config.folds,
        });
    }
    let folds = config.folds.min(n);
    let mut rng = SplitMix64::new(config.seed);
    // Balanced classes: a shuffled sample of n from each; melody j of a class is in fold
    // j mod folds.
    let mut pick = |len: usize| {
        let mut order: Vec<usize> = (0..len).collect();
        rng.shuffle(&mut order);
        order.truncate(n);
        order
    };
    let generated_order = pick(generated.len());
    let real_order = pick(real.len());
    // (row, label, fold): label true = generated.
    let samples: Vec<(&[f64], bool, usize)> = generated_order
        .iter()
        .enumerate()
        .map(|(j, &i)| (generated.rows[i].as_slice(), true, j % folds))
        .chain(
            real_order
                .iter()
                .enumerate()
                .map(|(j, &i)| (real.rows[i].as_slice(), false, j % folds)),
        )
        .collect();

    let mut linear = FoldResults {
        correct: vec![0; folds],
        tested: vec![0; folds],
    };
    let mut nonlinear = FoldResults {
        correct: vec![0; folds],
        tested: vec![0; folds],
    };
    for fold in 0..folds {
        let (train, test): (Vec<&Sample>, Vec<_>) = samples.iter().partition(|s| s.2 != fold);
        let train_rows: Vec<&[f64]> = train.iter().map(|s| s.0).collect();
        let train_labels: Vec<bool> = train.iter().map(|s| s.1).collect();

        let standardizer = Standardizer::fit(&train_rows);
        let standardized: Vec<Vec<f64>> =
            train_rows.iter().map(|r| standardizer.apply(r)).collect();
        let logistic = logistic::Logistic::fit(&standardized, &train_labels, &config.linear);
        let trees = boost::Boosted::fit(&train_rows, &train_labels, &config.nonlinear);
        for (row, label, _) in &test {
            if logistic.predict(&standardizer.apply(row)) == *label {
                linear.correct[fold] += 1;
            }
            if trees.predict(row) == *label {
                nonlinear.correct[fold] += 1;
            }
        }
        linear.tested[fold] = test.len();
        nonlinear.tested[fold] = test.len();
    }
    Ok(JudgeReport {
        n_per_class: n,
        folds,
        features: FEATURE_COUNT,
        seed: config.seed,
        linear: linear.score(),
        nonlinear: nonlinear.score(),
    })
}

#[cfg(test)]
mod tests;
