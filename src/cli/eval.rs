//! `gan-studio eval`: compare generated melodies with reference melodies by the
//! symbolic-music metrics, print a table, write the JSON report and PNG plots.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use serde::Serialize;

use crate::eval::{
    Bandwidth, CompareOptions, EvalError, LoadedSet, PieceMetrics, SetMetrics, compare_sets,
    load_dir, write_plots,
};

/// Arguments of `gan-studio eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Folder of generated pieces (MIDI and ABC files, read recursively).
    #[arg(long, value_name = "DIR")]
    pub generated: PathBuf,

    /// Folder of reference pieces (MIDI and ABC files, read recursively).
    #[arg(long, value_name = "DIR")]
    pub reference: PathBuf,

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
    let generated = load(&args.generated, "generated")?;
    let reference = load(&args.reference, "reference")?;
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
        &args.generated.display().to_string(),
        &ref_metrics,
        &args.reference.display().to_string(),
        &options,
    );
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
        if let Some(path) = &args.out {
            writeln!(out, "report: {}", path.display())?;
        }
        if let Some(dir) = &args.plots {
            writeln!(out, "plots: {plot_count} PNG files in {}", dir.display())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
