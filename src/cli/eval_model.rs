//! `gan-studio eval --model`: how good a model's tunes are, generated from nothing metre for
//! metre like the held-out tunes of the data set, judged against them (see
//! [`crate::quality`]); with `--sweep`, at several temperatures (the quality-diversity curve).

use std::io::Write;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;

use crate::data::{LoadOptions, PreprocessConfig, load_dataset, source_for};
use crate::eval::TellingFeature;
use crate::generate::{TokenModel, default_model};
use crate::models::load_model;
use crate::quality::sweep::{PER_METRE_MIN, SweepOptions, SweepPoint, TuneWriter, sweep};
use crate::quality::{HeldOut, Judge, LikeOptions, RealFigures, metre_counts};

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
    /// List this many of the judge's most telling features per model (0: none).
    pub explain: usize,
    /// Write every figure as JSON here.
    pub json: Option<&'a Path>,
}

#[derive(Debug, Serialize)]
struct Output {
    reference: RealFigures,
    metres: Vec<(String, usize)>,
    rows: Vec<SweepPoint>,
    /// Per model, the judge's most telling features (`--explain`).
    telling: Vec<(String, Vec<TellingFeature>)>,
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
    let mut models = Vec::new();
    for name in args.models {
        models.push((
            name.clone(),
            model_of(name).with_context(|| format!("model {name}"))?,
        ));
    }
    let writers: Vec<(String, &dyn TuneWriter)> = models
        .iter()
        .map(|(name, model)| (name.clone(), model as &dyn TuneWriter))
        .collect();
    let options = SweepOptions {
        temperatures: args.temperatures.to_vec(),
        seeds: args.seeds.to_vec(),
        per_metre_min: Some(PER_METRE_MIN),
    };
    let mut written = Ok(());
    let rows = sweep(&judge, &writers, &options, |row| {
        written = print_row(&mut out, row);
        if written.is_ok() {
            ControlFlow::Continue(())
        } else {
            ControlFlow::Break(())
        }
    })?;
    written?;
    writeln!(
        out,
        "judge: cross-validated accuracy of boosted trees telling the generated tunes from the \
         held-out ones (50% = cannot tell); run: longest run of notes found in a training \
         tune; copy: tunes with a run of {} notes or more",
        crate::eval::FLAG_RUN
    )?;
    let mut telling = Vec::new();
    if args.explain > 0 {
        let temperature = args.temperatures.first().copied().unwrap_or(1.0);
        let seed = args.seeds.first().copied().unwrap_or(0);
        for (name, model) in &models {
            let mut features = judge
                .telling_features(model, temperature, seed)
                .map_err(|e| anyhow::anyhow!("model {name}: {e}"))?;
            features.truncate(args.explain);
            print_telling(&mut out, name, temperature, seed, &features)?;
            telling.push((name.clone(), features));
        }
    }
    if let Some(path) = args.json {
        let json = serde_json::to_string_pretty(&Output {
            reference,
            metres,
            rows,
            telling,
        })?;
        crate::fsutil::write_atomic(path, json.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints one model, temperature and seed.
fn print_row(out: &mut impl Write, row: &SweepPoint) -> std::io::Result<()> {
    let q = &row.quality;
    writeln!(
        out,
        "{:<24} {:>5.2} {:>4} {:>6.1}% {:>6.1}% {:>7} {:>6.1} {:>6.2} {:>6.1} {:>7} {:>7} {:>5} {:>5}",
        short(&row.model),
        row.temperature,
        row.rng_seed,
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
    Ok(())
}

/// Prints a model's most telling features.
fn print_telling(
    out: &mut impl Write,
    model: &str,
    temperature: f32,
    seed: u64,
    features: &[TellingFeature],
) -> std::io::Result<()> {
    writeln!(
        out,
        "\nwhat gives {model}'s tunes away (temperature {temperature}, seed {seed}; one feature \
         at a time; AUC: chance a generated tune scores higher than a real one, 0.5 = no \
         difference):"
    )?;
    writeln!(
        out,
        "  {:<48} {:>10} {:>10} {:>6}",
        "feature", "generated", "real", "AUC"
    )?;
    for f in features {
        writeln!(
            out,
            "  {:<48} {:>10.3} {:>10.3} {:>6.3}",
            f.name, f.generated_mean, f.real_mean, f.auc
        )?;
    }
    Ok(())
}

fn percent(value: Option<f64>) -> String {
    value.map_or("-".into(), |v| format!("{:.1}%", 100.0 * v))
}

/// The last 24 characters of a model name.
fn short(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    chars[chars.len().saturating_sub(24)..].iter().collect()
}
