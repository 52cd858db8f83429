//! `gan-studio eval`: compare generated melodies with reference melodies by the
//! symbolic-music metrics, the judge (a classifier two-sample test) and, given a training
//! set, the copy check; print a table, write the JSON report and PNG plots.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use serde::Serialize;

use crate::eval::{
    Bandwidth, CompareOptions, CopyCheck, CopyIndex, EvalError, JudgeConfig, LoadedSet,
    PieceMetrics, SetMetrics, compare_sets, load_dir, two_sample_test, write_plots,
};

/// Arguments of `gan-studio eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Folder of generated pieces (MIDI and ABC files, read recursively).
    #[arg(long, value_name = "DIR", required_unless_present = "model")]
    pub generated: Option<PathBuf>,

    /// Folder of reference pieces (MIDI and ABC files, read recursively).
    #[arg(long, value_name = "DIR", required_unless_present = "model")]
    pub reference: Option<PathBuf>,

    /// Judge a model instead of two folders: `default` (the built-in model), a training run
    /// folder, a folder with `generator.gsw` or a `.gsw` file; repeat it to compare models.
    /// Tunes are generated from nothing, metre for metre like the held-out tunes of the data
    /// set (`--dataset`), and judged against them.
    #[arg(long, value_name = "MODEL", conflicts_with_all = ["generated", "reference"])]
    pub model: Vec<String>,

    /// With `--model`: the data set whose held-out tunes are the reference (default: the folk
    /// set, else the demo tunes).
    #[arg(long, value_name = "PATH", requires = "model")]
    pub dataset: Option<PathBuf>,

    /// With `--model`: tunes generated per model and temperature.
    #[arg(long, value_name = "N", default_value_t = 224, requires = "model")]
    pub tunes: usize,

    /// With `--model`: sampling temperature.
    #[arg(long, value_name = "T", default_value_t = 1.0, requires = "model")]
    pub temperature: f32,

    /// With `--model`: a temperature sweep instead of one temperature, e.g.
    /// `0.6,0.8,1.0,1.2,1.4` (the quality-diversity curve).
    #[arg(
        long,
        value_name = "T,T,...",
        value_delimiter = ',',
        requires = "model"
    )]
    pub sweep: Vec<f32>,

    /// With `--model`: RNG seeds; each temperature is measured once per seed (the spread
    /// says how much a figure moves from run to run).
    #[arg(
        long,
        value_name = "N,N,...",
        value_delimiter = ',',
        default_value = "0",
        requires = "model"
    )]
    pub seeds: Vec<u64>,

    /// With `--model`: after the table, list the N features of the judge that best tell each
    /// model's tunes from the real ones, one feature at a time (what gives the tunes away).
    #[arg(long, value_name = "N", default_value_t = 0, requires = "model")]
    pub explain: usize,

    /// Write the report as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Write PNG plots (transition heatmaps, density curves) into this folder.
    #[arg(long, value_name = "DIR")]
    pub plots: Option<PathBuf>,

    /// Write every piece's metrics as JSON to this file (used by scripts/muspy_compare.py).
    #[arg(long, value_name = "FILE")]
    pub per_piece: Option<PathBuf>,

    /// Print the JSON report on standard output instead of the table.
    #[arg(long)]
    pub json: bool,

    /// Use Silverman's bandwidth rule instead of Scott's.
    #[arg(long)]
    pub silverman: bool,

    /// Compare at most this many pieces of each set (evenly spaced); 0 means all.
    #[arg(long, value_name = "N", default_value_t = 500)]
    pub max_pieces: usize,

    /// Folder of training pieces for the copy check (how much of each generated melody is
    /// found in a training tune); without it the copy check is skipped.
    #[arg(long, value_name = "DIR")]
    pub training: Option<PathBuf>,

    /// The judge reads the first N bars of every piece of both sets (so that length does
    /// not give a set away); 0 reads whole pieces.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub judge_bars: u32,

    /// Seed of the judge's subsampling and folds.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub judge_seed: u64,

    /// Folds of the judge's cross-validation.
    #[arg(long, value_name = "K", default_value_t = 10)]
    pub judge_folds: usize,
}

/// One piece's metrics with where it came from, as written by `--per-piece`.
#[derive(Debug, Serialize)]
struct PieceEntry<'a> {
    set: &'a str,
    name: &'a str,
    metrics: PieceMetrics,
}

fn load(dir: &Path, which: &str) -> anyhow::Result<LoadedSet> {
    let set = load_dir(dir).with_context(|| format!("reading the {which} set"))?;
    if set.pieces.is_empty() {
        for skip in &set.skipped {
            eprintln!("skipped: {}: {}", skip.path, skip.reason);
        }
        return Err(EvalError::NoPieces {
            path: dir.to_path_buf(),
        })
        .with_context(|| format!("reading the {which} set"));
    }
    Ok(set)
}

fn write_json(path: &Path, json: &str) -> anyhow::Result<()> {
    crate::fsutil::write_atomic(path, json.as_bytes()).map_err(|source| {
        EvalError::Write {
            path: path.to_path_buf(),
            source,
        }
        .into()
    })
}

/// Runs `gan-studio eval`. Unreadable files are listed, not fatal; the command fails only when
/// a folder cannot be listed, holds no readable piece, or an output cannot be written.
pub fn run(args: &EvalArgs) -> anyhow::Result<ExitCode> {
    let (Some(generated_dir), Some(reference_dir)) = (&args.generated, &args.reference) else {
        let temperatures = if args.sweep.is_empty() {
            vec![args.temperature]
        } else {
            args.sweep.clone()
        };
        return super::eval_model::run(&super::eval_model::ModelEval {
            models: &args.model,
            dataset: args.dataset.as_deref(),
            tunes: args.tunes,
            bars: if args.judge_bars == 0 {
                8
            } else {
                args.judge_bars
            },
            temperatures: &temperatures,
            seeds: &args.seeds,
            explain: args.explain,
            json: args.out.as_deref(),
        });
    };
    let generated = load(generated_dir, "generated")?;
    let reference = load(reference_dir, "reference")?;
    let options = CompareOptions {
        bandwidth: if args.silverman {
            Bandwidth::Silverman
        } else {
            Bandwidth::Scott
        },
        max_pieces: (args.max_pieces > 0).then_some(args.max_pieces),
        ..CompareOptions::default()
    };
    let gen_metrics = SetMetrics::of(&generated.pieces);
    let ref_metrics = SetMetrics::of(&reference.pieces);

    if let Some(path) = &args.per_piece {
        let mut entries = Vec::new();
        for (set, loaded, metrics) in [
            ("generated", &generated, &gen_metrics),
            ("reference", &reference, &ref_metrics),
        ] {
            for (name, m) in loaded.names.iter().zip(&metrics.pieces) {
                entries.push(PieceEntry {
                    set,
                    name,
                    metrics: m.clone(),
                });
            }
        }
        write_json(path, &serde_json::to_string_pretty(&entries)?)?;
    }

    let mut report = compare_sets(
        &gen_metrics,
        &generated_dir.display().to_string(),
        &ref_metrics,
        &reference_dir.display().to_string(),
        &options,
    );

    let mut notes = Vec::new();
    let judge_config = JudgeConfig {
        folds: args.judge_folds,
        seed: args.judge_seed,
        bars: (args.judge_bars > 0).then_some(args.judge_bars),
        ..JudgeConfig::default()
    };
    let started = Instant::now();
    match two_sample_test(&generated.pieces, &reference.pieces, &judge_config) {
        Ok(judge) => {
            report.judge = Some(judge);
            notes.push(format!("judge: {:.2} s", started.elapsed().as_secs_f64()));
        }
        Err(e) => notes.push(format!("judge skipped: {e}")),
    }
    match &args.training {
        Some(dir) => {
            let training = load(dir, "training")?;
            let started = Instant::now();
            let index = CopyIndex::new(&training.pieces);
            let indexed = started.elapsed().as_secs_f64();
            let started = Instant::now();
            report.copy = Some(CopyCheck {
                training: dir.display().to_string(),
                training_tunes: index.tunes(),
                generated: index.check(&generated.pieces),
                reference: Some(index.check(&reference.pieces)),
            });
            notes.push(format!(
                "copy check: index {indexed:.2} s, check {:.2} s",
                started.elapsed().as_secs_f64()
            ));
        }
        None => notes.push("copy check skipped: no training set (--training DIR)".to_string()),
    }
    report.generated.skipped = generated.skipped;
    report.reference.skipped = reference.skipped;

    let json = report.to_json()?;
    if let Some(path) = &args.out {
        write_json(path, &json)?;
    }
    let mut plot_count = 0;
    if let Some(dir) = &args.plots {
        plot_count = write_plots(&report, dir)?.len();
    }

    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{json}")?;
    } else {
        write!(out, "{}", report.table())?;
        for note in &notes {
            writeln!(out, "{note}")?;
        }
        if let Some(path) = &args.out {
            writeln!(out, "report: {}", path.display())?;
        }
        if let Some(dir) = &args.plots {
            writeln!(out, "plots: {plot_count} PNG files in {}", dir.display())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
