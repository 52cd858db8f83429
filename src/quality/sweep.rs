//! The quality-diversity sweep: each model writes tunes from nothing at several temperatures
//! (and RNG seeds), and each set is judged against the held-out tunes ([`Judge`]): the judge's
//! accuracy and the mean overlap (quality), the distinct-pattern ratio (diversity,
//! [`pattern_diversity`]) and the copy figures. One function ([`sweep`]) serves
//! `gan-studio eval --sweep` and the studio's Evaluate panel; [`curves`] sums the seeds of
//! each temperature into one point of a model's curve.
//!
//! Lowering the temperature buys quality with diversity, so two models are only compared
//! fairly along their whole curves (Caccia et al., "Language GANs Falling Short", 2020): the
//! better model's curve lies lower (the judge is fooled more often) at the same diversity. A
//! model that gets there by copying training tunes does not win: the copy figures say so.

use std::ops::ControlFlow;
use std::time::Instant;

use serde::Serialize;

use super::{
    Judge, LikeOptions, TuneQuality, assess, generate_like, metre_counts, pattern_diversity,
};
use crate::eval::{JudgeConfig, two_sample_test};
use crate::generate::{GenerateError, TokenModel};
use crate::music::{Metre, Piece};

/// The pattern length of the sweep's diversity measure ([`pattern_diversity`]): 4 notes.
pub const DIVERSITY_NOTES: usize = 4;

/// What writes the tunes of a sweep: a model, or anything that makes tunes like the held-out
/// ones (tests use a "model" that hands back training tunes).
pub trait TuneWriter {
    /// Writes `options.tunes` tunes from nothing, shared among the metres of `real` (see
    /// [`generate_like`]).
    fn write_like(
        &self,
        real: &[Piece],
        options: &LikeOptions,
    ) -> Result<Vec<Piece>, GenerateError>;
}

impl TuneWriter for TokenModel {
    fn write_like(
        &self,
        real: &[Piece],
        options: &LikeOptions,
    ) -> Result<Vec<Piece>, GenerateError> {
        generate_like(self, real, options)
    }
}

/// Why a sweep stopped.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// A model could not write its tunes.
    #[error("model {model}: {source}")]
    Generate {
        /// The model's name.
        model: String,
        /// What went wrong.
        source: GenerateError,
    },
    /// The judge could not run on a model's tunes.
    #[error("judging {model}: {message}")]
    Judge {
        /// The model's name.
        model: String,
        /// What went wrong.
        message: String,
    },
}

/// How to sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepOptions {
    /// The temperatures, in the order measured.
    pub temperatures: Vec<f32>,
    /// The RNG seeds: each temperature is measured once per seed (their spread is the judge's
    /// run-to-run spread).
    pub seeds: Vec<u64>,
    /// Also judge within each metre that has at least this many held-out tunes (`None`: not
    /// at all; the command line uses [`PER_METRE_MIN`]).
    pub per_metre_min: Option<usize>,
}

/// The fewest held-out tunes of a metre for a judge of that metre alone (command line).
pub const PER_METRE_MIN: usize = 30;

impl Default for SweepOptions {
    fn default() -> Self {
        SweepOptions {
            temperatures: vec![0.6, 0.8, 1.0, 1.2, 1.4],
            seeds: vec![0],
            per_metre_min: None,
        }
    }
}

/// One model at one temperature and RNG seed.
#[derive(Clone, Debug, Serialize)]
pub struct SweepPoint {
    /// The model's name.
    pub model: String,
    /// The sampling temperature.
    pub temperature: f32,
    /// The RNG seed (of the generation and of the judge's folds).
    pub rng_seed: u64,
    /// The judge, the copy check and the music figures.
    pub quality: TuneQuality,
    /// Distinct 4-note (interval, duration) patterns over all patterns of the set: higher is
    /// more diverse ([`pattern_diversity`]; `None` when no tune has 4 notes).
    pub diversity: Option<f64>,
    /// MGEval mean overlap area against the held-out tunes (1 at best).
    pub mean_overlap: Option<f64>,
    /// The judge within each metre with enough held-out tunes: (metre, boosted trees'
    /// accuracy).
    pub per_metre: Vec<(String, f64)>,
    /// Seconds it took (writing and judging).
    pub seconds: f64,
}

/// Writes `writer`'s tunes at `temperature` with RNG seed `seed` (the judge's tune count and
/// length) and measures them against the judge's held-out tunes.
pub fn measure(
    judge: &Judge,
    name: &str,
    writer: &dyn TuneWriter,
    temperature: f32,
    seed: u64,
    per_metre_min: Option<usize>,
) -> Result<SweepPoint, SweepError> {
    let start = Instant::now();
    let options = LikeOptions {
        temperature,
        rng_seed: seed,
        ..judge.like().clone()
    };
    let tunes = writer
        .write_like(judge.real(), &options)
        .map_err(|source| SweepError::Generate {
            model: name.to_owned(),
            source,
        })?;
    let quality = judge
        .judge_tunes(&tunes, seed)
        .map_err(|message| SweepError::Judge {
            model: name.to_owned(),
            message,
        })?;
    let per_metre = per_metre_min.map_or_else(Vec::new, |min| {
        per_metre_judge(judge, &tunes, min, seed, options.bars)
    });
    Ok(SweepPoint {
        model: name.to_owned(),
        temperature,
        rng_seed: seed,
        diversity: pattern_diversity(&tunes, DIVERSITY_NOTES),
        mean_overlap: assess(&tunes, judge.real()).mean_overlap,
        quality,
        per_metre,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// The judge within each metre with at least `min` held-out tunes (metres where it cannot
/// run are left out).
fn per_metre_judge(
    judge: &Judge,
    tunes: &[Piece],
    min: usize,
    seed: u64,
    bars: u32,
) -> Vec<(String, f64)> {
    let in_metre = |pieces: &[Piece], metre: Metre| -> Vec<Piece> {
        pieces
            .iter()
            .filter(|p| Metre::of(p.initial_time_signature()) == Ok(metre))
            .cloned()
            .collect()
    };
    let config = JudgeConfig {
        bars: Some(bars),
        seed,
        ..JudgeConfig::default()
    };
    metre_counts(judge.real())
        .values()
        .filter(|(_, count)| *count >= min)
        .filter_map(|(metre, _)| {
            let ours = in_metre(tunes, *metre);
            let theirs = in_metre(judge.real(), *metre);
            two_sample_test(&ours, &theirs, &config)
                .ok()
                .map(|r| (metre.to_string(), r.nonlinear.accuracy))
        })
        .collect()
}

/// Measures every model at every temperature and seed of `options` (models first, then
/// temperatures, then seeds), calling `each` after every point; `each` returning
/// [`ControlFlow::Break`] ends the sweep early with the points measured so far. The first
/// model or judge that fails ends it with the error.
pub fn sweep(
    judge: &Judge,
    models: &[(String, &dyn TuneWriter)],
    options: &SweepOptions,
    mut each: impl FnMut(&SweepPoint) -> ControlFlow<()>,
) -> Result<Vec<SweepPoint>, SweepError> {
    let mut points = Vec::new();
    for (name, writer) in models {
        for &temperature in &options.temperatures {
            for &seed in &options.seeds {
                let point = measure(
                    judge,
                    name,
                    *writer,
                    temperature,
                    seed,
                    options.per_metre_min,
                )?;
                let flow = each(&point);
                points.push(point);
                if flow.is_break() {
                    return Ok(points);
                }
            }
        }
    }
    Ok(points)
}

/// The held-out tunes' own diversity, on as many of them as the judge's models write (the
/// ratio falls as a set grows, so sets of one size are compared), `None` when no tune has 4
/// notes.
pub fn real_diversity(judge: &Judge) -> Option<f64> {
    let real = judge.real();
    pattern_diversity(&real[..judge.like().tunes.min(real.len())], DIVERSITY_NOTES)
}

/// One temperature of a model's curve: its seeds summed up.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CurvePoint {
    /// The sampling temperature.
    pub temperature: f32,
    /// Seeds measured.
    pub seeds: usize,
    /// The judge's accuracy, mean over the seeds.
    pub judge_accuracy: f64,
    /// The lowest and highest accuracy over the seeds (the run-to-run spread).
    pub judge_spread: (f64, f64),
    /// Mean overlap, mean over the seeds that have one.
    pub mean_overlap: Option<f64>,
    /// Diversity, mean over the seeds that have one.
    pub diversity: Option<f64>,
    /// Tunes written, over all seeds.
    pub tunes: usize,
    /// Tunes flagged for copying [`crate::eval::FLAG_RUN`] notes or more, over all seeds.
    pub copy_flagged: usize,
    /// The longest run of notes copied from one training tune, over all seeds.
    pub copy_longest_run: usize,
}

/// A model's quality-diversity curve, by temperature.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Curve {
    /// The model's name.
    pub model: String,
    /// One point per temperature, lowest temperature first.
    pub points: Vec<CurvePoint>,
}

/// The curves of `points`: one per model (in the order first met), one point per
/// temperature (its seeds averaged).
pub fn curves(points: &[SweepPoint]) -> Vec<Curve> {
    let mut out: Vec<Curve> = Vec::new();
    for point in points {
        let index = match out.iter().position(|c| c.model == point.model) {
            Some(i) => i,
            None => {
                out.push(Curve {
                    model: point.model.clone(),
                    points: Vec::new(),
                });
                out.len() - 1
            }
        };
        let curve = &mut out[index];
        if !curve
            .points
            .iter()
            .any(|p| p.temperature == point.temperature)
        {
            let same: Vec<&SweepPoint> = points
                .iter()
                .filter(|p| p.model == point.model && p.temperature == point.temperature)
                .collect();
            curve.points.push(curve_point(point.temperature, &same));
        }
    }
    for curve in &mut out {
        curve
            .points
            .sort_by(|a, b| a.temperature.total_cmp(&b.temperature));
    }
    out
}

/// One temperature's seeds summed up (`same` is not empty).
fn curve_point(temperature: f32, same: &[&SweepPoint]) -> CurvePoint {
    let accuracies: Vec<f64> = same.iter().map(|p| p.quality.judge_accuracy).collect();
    let mean = |values: Vec<f64>| -> Option<f64> {
        (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
    };
    CurvePoint {
        temperature,
        seeds: same.len(),
        judge_accuracy: mean(accuracies.clone()).unwrap_or(f64::NAN),
        judge_spread: (
            accuracies.iter().copied().fold(f64::INFINITY, f64::min),
            accuracies.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        ),
        mean_overlap: mean(same.iter().filter_map(|p| p.mean_overlap).collect()),
        diversity: mean(same.iter().filter_map(|p| p.diversity).collect()),
        tunes: same.iter().map(|p| p.quality.tunes).sum(),
        copy_flagged: same.iter().map(|p| p.quality.copy_flagged).sum(),
        copy_longest_run: same
            .iter()
            .map(|p| p.quality.copy_longest_run)
            .max()
            .unwrap_or(0),
    }
}

#[cfg(test)]
pub(crate) mod tests;
