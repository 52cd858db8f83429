//! `gan-studio bench ...`: benchmarks that print `name value unit` lines.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use crate::bench::dataset::DatasetBench;
use crate::bench::import::ImportBench;

/// Arguments of `gan-studio bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Which benchmark.
    #[command(subcommand)]
    pub which: BenchCommand,
}

/// The benchmarks.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Read a synthetic corpus of MIDI files; compare with Python's mido on the same files.
    Import {
        /// Files in the synthetic corpus.
        #[arg(long, default_value_t = 1000)]
        files: usize,
        /// Timed runs (the median is printed).
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Python interpreter with mido for the comparison (default: $GAN_STUDIO_PYTHON or
        /// python3).
        #[arg(long)]
        python: Option<PathBuf>,
        /// Skip the comparison with mido.
        #[arg(long)]
        no_mido: bool,
    },
    /// Generation speed: 256 tokens at batch 1 and 8, and 4 variations x 8 bars from a
    /// one-bar seed, with the built-in model or `--model`.
    Generate {
        /// A model folder or `.gsw` file (default: the built-in model).
        #[arg(long)]
        model: Option<PathBuf>,
        /// Timed runs (the median is printed).
        #[arg(long, default_value_t = 20)]
        runs: usize,
    },
    /// Training steps (MLE and GAN) of the reference model and burn-side generation, with
    /// the names `../shared/bench/torch_reference.py` prints.
    Train {
        /// The LSTM implementation: `fused` (the default) or `stock` (burn-nn's `Lstm`).
        #[arg(long, default_value = "fused")]
        lstm: String,
        /// Timed runs (the median is printed).
        #[arg(long, default_value_t = 7)]
        runs: usize,
        /// Untimed warm-up runs.
        #[arg(long, default_value_t = 3)]
        warmup: usize,
        /// The compute backend (`auto`: wgpu on a real GPU, else the CPU).
        #[arg(long, value_enum, default_value = "auto")]
        backend: crate::train::backend::BackendChoice,
        /// Windows per batch (the reference configuration: 64).
        #[arg(long, default_value_t = crate::bench::train::BATCH)]
        batch: usize,
        /// The generator's LSTM size (the reference configuration: 256).
        #[arg(long, default_value_t = 256)]
        hidden: usize,
    },
    /// CPU time per frame of the piano roll with 10,000 notes.
    Roll {
        /// Notes in the test document.
        #[arg(long, default_value_t = 10_000)]
        notes: usize,
        /// Frames timed (the median is printed).
        #[arg(long, default_value_t = 60)]
        frames: usize,
    },
    /// Launch time, frame rate and memory of the real studio window, with and without a
    /// training run (needs a display: run it under `xvfb-run -a`).
    Ui {
        /// Plain launches timed for the first frame (the median is printed).
        #[arg(long, default_value_t = 5)]
        launches: usize,
        /// Seconds of the launch that trains (`--scene training`); 0 skips it.
        #[arg(long, default_value_t = 20.0)]
        training_secs: f64,
        /// Seconds of the launch without training (`--scene studio`); 0 skips it.
        #[arg(long, default_value_t = 8.0)]
        studio_secs: f64,
        /// Seconds of the launch that opens the folk set as one ABC file and a 5 MB MIDI file
        /// (`--scene open`), reporting the longest frame; 0 skips it.
        #[arg(long, default_value_t = 20.0)]
        open_secs: f64,
    },
    /// The Erk folk set from ABC to cached tokens (cold and warm), and a synthetic
    /// MAESTRO-sized MIDI corpus.
    Dataset {
        /// Files in the synthetic MAESTRO-sized corpus (0 skips it).
        #[arg(long, default_value_t = 1300)]
        maestro_files: usize,
    },
}

/// Runs a benchmark, printing its figures to standard output.
pub fn run(args: &BenchArgs) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match &args.which {
        BenchCommand::Import {
            files,
            runs,
            python,
            no_mido,
        } => {
            let python = python
                .clone()
                .or_else(|| std::env::var_os("GAN_STUDIO_PYTHON").map(PathBuf::from))
                .unwrap_or_else(|| PathBuf::from("python3"));
            let settings = ImportBench {
                files: *files,
                runs: *runs,
                python: (!no_mido).then_some(python),
                ..ImportBench::default()
            };
            crate::bench::import::run(&settings, &mut out)?;
        }
        BenchCommand::Dataset { maestro_files } => {
            let settings = DatasetBench {
                maestro_files: *maestro_files,
                ..DatasetBench::default()
            };
            crate::bench::dataset::run(&settings, &mut out)?;
        }
        BenchCommand::Train {
            lstm,
            runs,
            warmup,
            backend,
            batch,
            hidden,
        } => {
            let kernel = match lstm.as_str() {
                "fused" => crate::model::fused_lstm::LstmKernel::Fused,
                "stock" => crate::model::fused_lstm::LstmKernel::Stock,
                other => anyhow::bail!("--lstm must be fused or stock, got {other:?}"),
            };
            let settings = crate::bench::train::TrainBench {
                warmup: *warmup,
                runs: *runs,
                kernel,
                backend: *backend,
                batch: *batch,
                hidden: *hidden,
                ..crate::bench::train::TrainBench::default()
            };
            // The figures are printed as they are measured.
            crate::bench::train::run_train_bench(&settings)?;
        }
        BenchCommand::Roll { notes, frames } => {
            for (name, value, unit) in crate::bench::roll::run_roll_bench(*notes, *frames) {
                writeln!(out, "{name} {value:.3} {unit}")?;
            }
        }
        BenchCommand::Ui {
            launches,
            training_secs,
            studio_secs,
            open_secs,
        } => {
            let settings = crate::bench::ui::UiBench {
                launches: *launches,
                training_secs: *training_secs,
                studio_secs: *studio_secs,
                open_secs: *open_secs,
            };
            crate::bench::ui::run(&settings, &mut out)?;
        }
        BenchCommand::Generate { model, runs } => {
            let model = match model {
                Some(path) => crate::models::load_model(path)?,
                None => crate::generate::default_model()?,
            };
            writeln!(out, "# model: {}", model.describe())?;
            for (name, value, unit) in crate::bench::generate::run_generate_bench(&model, *runs)? {
                writeln!(out, "{name} {value:.3} {unit}")?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
