//! `gan-studio eval --model`: how good a model's tunes are, generated from nothing metre for
//! metre like the held-out tunes of the data set, judged against them (see
//! [`crate::quality`]); with `--sweep`, at several temperatures (the quality-diversity curve).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use serde::Serialize;

use crate::data::{LoadOptions, PreprocessConfig, load_dataset, source_for};
use crate::generate::{TokenModel, default_model};
use crate::models::load_model;
use crate::quality::{
    HeldOut, Judge, LikeOptions, RealFigures, TuneQuality, generate_like, metre_counts,
};

/// What `eval --model` needs from the command line.
pub struct ModelEval<'a> {
    /// The models: `default` (built in) or a path (run folder, folder or `.gsw` file).
    pub models: &'a [String],
    /// The data set (default: the folk set, else the demo tunes).
    pub dataset: Option<&'a Path>,
    /// Tunes generated per model and temperature.
    pub tunes: usize,
    /// Longest tune in bars (real tunes are cut there too).
    pub bars: u32,
    /// Temperatures.
    pub temperatures: &'a [f32],
    /// RNG seeds: each temperature is measured once per seed.
    pub seeds: &'a [u64],
    /// Write every figure as JSON here.
    pub json: Option<&'a Path>,
}

/// One line of the result.
#[derive(Debug, Serialize)]
struct Row {
    model: String,
    temperature: f32,
    rng_seed: u64,
    quality: TuneQuality,
    /// Distinct 4-note (interval, duration) patterns over all patterns of the set: higher is
    /// more diverse.
    diversity: Option<f64>,
    mean_overlap: Option<f64>,
    /// The judge within each metre with at least [`PER_METRE_MIN`] held-out tunes: (metre,
    /// boosted trees' accuracy).
    per_metre: Vec<(String, f64)>,
    seconds: f64,
}

/// The fewest held-out tunes of a metre for a judge of that metre alone.
const PER_METRE_MIN: usize = 30;

/// The pieces of `pieces` in `metre`.
fn in_metre(
    pieces: &[crate::music::Piece],
    metre: crate::music::Metre,
) -> Vec<crate::music::Piece> {
    pieces
        .iter()
        .filter(|p| crate::music::Metre::of(p.initial_time_signature()) == Ok(metre))
        .cloned()
        .collect()
}

#[derive(Debug, Serialize)]
struct Output {
    reference: RealFigures,
    metres: Vec<(String, usize)>,
    rows: Vec<Row>,
}

fn model_of(name: &str) -> anyhow::Result<TokenModel> {
    if name == "default" {
        return Ok(default_model()?);
    }
    Ok(load_model(&PathBuf::from(name))?)
}

/// Runs the assessment and prints one line per model, temperature and seed.
pub fn run(args: &ModelEval<'_>) -> anyhow::Result<ExitCode> {
    let source = source_for(args.dataset)?;
    let options = LoadOptions {
        cache_dir: crate::data::fetch::cache_dir().ok(),
        ..LoadOptions::default()
    };
    let dataset = load_dataset(
        std::slice::from_ref(&source),
        &PreprocessConfig::tunes(),
        &options,
    )
    .with_context(|| format!("loading {source}"))?;
    let held = HeldOut::from_dataset(&dataset, args.bars);
    if held.real.len() < 10 {
        anyhow::bail!(
            "{source} has only {} held-out tunes in known metres; the judge needs more",
            held.real.len()
        );
    }
    let metres: Vec<(String, usize)> = metre_counts(&held.real)
        .values()
        .map(|(m, c)| (m.to_string(), *c))
        .collect();
    let like = LikeOptions {
        tunes: args.tunes,
        bars: args.bars,
        ..LikeOptions::default()
    };
    let judge = Judge::new(held, like.clone());
    let reference = judge.reference().clone();
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{} held-out tunes ({}), at most {} bars; real: pitch range {:.1}, notes/bar {:.2}, \
         phrase repetition {}, 8-note patterns found in training {}",
        reference.tunes,
        metres
            .iter()
            .map(|(m, c)| format!("{m}: {c}"))
            .collect::<Vec<_>>()
            .join(", "),
        args.bars,
        reference.shape.pitch_range,
        reference.shape.notes_per_bar,
        percent(reference.phrase_repetition),
        percent(reference.copy_pattern_share),
    )?;
    writeln!(
        out,
        "{:<24} {:>5} {:>4} {:>7} {:>7} {:>7} {:>6} {:>6} {:>6} {:>7} {:>7} {:>5} {:>5}",
        "model",
        "temp",
        "seed",
        "judge",
        "linear",
        "overlap",
        "range",
        "n/bar",
        "bars",
        "phrase",
        "diverse",
        "run",
        "copy"
    )?;
    let mut rows = Vec::new();
    for name in args.models {
        let model = model_of(name).with_context(|| format!("model {name}"))?;
        for &temperature in args.temperatures {
            for &seed in args.seeds {
                let start = Instant::now();
                let options = LikeOptions {
                    temperature,
                    rng_seed: seed,
                    ..like.clone()
                };
                let tunes = generate_like(&model, judge.real(), &options)?;
                let quality = judge
                    .judge_tunes(&tunes, seed)
                    .map_err(|e| anyhow::anyhow!("judging {name}: {e}"))?;
                let assessment = crate::quality::assess(&tunes, judge.real());
                let mut row = Row {
                    per_metre: Vec::new(),
                    model: name.clone(),
                    temperature,
                    rng_seed: seed,
                    diversity: crate::quality::pattern_diversity(&tunes, 4),
                    mean_overlap: assessment.mean_overlap,
                    quality,
                    seconds: start.elapsed().as_secs_f64(),
                };
                for (metre, real_count) in metre_counts(judge.real()).values() {
                    if *real_count < PER_METRE_MIN {
                        continue;
                    }
                    let ours: Vec<_> = in_metre(&tunes, *metre);
                    let theirs: Vec<_> = in_metre(judge.real(), *metre);
                    let config = crate::eval::JudgeConfig {
                        bars: Some(args.bars),
                        seed,
                        ..crate::eval::JudgeConfig::default()
                    };
                    if let Ok(r) = crate::eval::two_sample_test(&ours, &theirs, &config) {
                        row.per_metre
                            .push((metre.to_string(), r.nonlinear.accuracy));
                    }
                }
                let q = &row.quality;
                writeln!(
                    out,
                    "{:<24} {:>5.2} {:>4} {:>6.1}% {:>6.1}% {:>7} {:>6.1} {:>6.2} {:>6.1} {:>7} {:>7} {:>5} {:>5}",
                    short(name),
                    temperature,
                    seed,
                    100.0 * q.judge_accuracy,
                    100.0 * q.judge_linear_accuracy,
                    row.mean_overlap.map_or("-".into(), |o| format!("{o:.3}")),
                    q.shape.pitch_range,
                    q.shape.notes_per_bar,
                    q.shape.bars,
                    percent(q.phrase_repetition),
                    row.diversity.map_or("-".into(), |d| format!("{d:.3}")),
                    q.copy_longest_run,
                    q.copy_flagged,
                )?;
                if !row.per_metre.is_empty() {
                    let parts: Vec<String> = row
                        .per_metre
                        .iter()
                        .map(|(m, a)| format!("{m} {:.1}%", 100.0 * a))
                        .collect();
                    writeln!(out, "{:<24}   judge per metre: {}", "", parts.join(", "))?;
                }
                rows.push(row);
            }
        }
    }
    writeln!(
        out,
        "judge: cross-validated accuracy of boosted trees telling the generated tunes from the \
         held-out ones (50% = cannot tell); run: longest run of notes found in a training \
         tune; copy: tunes with a run of {} notes or more",
        crate::eval::FLAG_RUN
    )?;
    if let Some(path) = args.json {
        let json = serde_json::to_string_pretty(&Output {
            reference,
            metres,
            rows,
        })?;
        crate::fsutil::write_atomic(path, json.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn percent(value: Option<f64>) -> String {
    value.map_or("-".into(), |v| format!("{:.1}%", 100.0 * v))
}

/// The last 24 characters of a model name.
fn short(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    chars[chars.len().saturating_sub(24)..].iter().collect()
}
