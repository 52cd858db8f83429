//! `gan-studio train`: train the GAN headless, with a progress bar, checkpoints in a run
//! folder and every step's figures as JSON lines (`stats.jsonl`) next to the checkpoint.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use crate::data::{LoadOptions, PreprocessConfig, load_dataset, source_for};
use crate::dataset_fetch;
use crate::fsutil::write_atomic;
use crate::model::{DiscriminatorConfig, GeneratorConfig};
use crate::train::{
    StepStats, TrainConfig, TrainMessage, TrainWorker, Trainer, WorkerOptions, cpu_device,
    device_name, read_manifest,
};

/// The file of step figures in a run folder.
pub const STATS_FILE: &str = "stats.jsonl";

/// Arguments of `gan-studio train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// A folder of MIDI files, a zip archive, a MAESTRO folder or ABC file(s); default: the
    /// folk set when fetched, else the built-in demo melodies.
    #[arg(long, value_name = "PATH")]
    pub dataset: Option<PathBuf>,
    /// Steps of adversarial training (after the MLE pre-training steps).
    #[arg(long, value_name = "N")]
    pub steps: Option<u64>,
    /// Steps of MLE pre-training.
    #[arg(long, value_name = "N")]
    pub mle_steps: Option<u64>,
    /// Windows per batch.
    #[arg(long, value_name = "B")]
    pub batch: Option<usize>,
    /// The run folder for checkpoints and `stats.jsonl`; default: `runs/<time>` in the
    /// per-user data folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Continue the run saved in this folder (its configuration is used, except that
    /// `--steps`/`--mle-steps` may extend it; checkpoints go on being written there).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["batch", "seed"])]
    pub resume: Option<PathBuf>,
    /// Seed of the weights and the batch order.
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
}

/// Runs `gan-studio train`.
pub fn run(args: &TrainArgs) -> anyhow::Result<ExitCode> {
    let dataset = Arc::new(load(args.dataset.as_deref())?);
    let device = cpu_device();
    let (run_dir, mut lines) = match &args.resume {
        Some(dir) => {
            let manifest = read_manifest(dir)?;
            (dir.clone(), read_stats(dir, manifest.step)?)
        }
        None => (run_folder(args.out.as_deref())?, Vec::new()),
    };
    let mut stdout = std::io::stdout();
    writeln!(
        stdout,
        "training on {} ({}), run folder {}",
        device_name(&device),
        dataset.stats.sources.join("; "),
        run_dir.display()
    )?;
    let make = {
        let dataset = Arc::clone(&dataset);
        let resume = args.resume.clone();
        let config = config_from(args);
        let (mle_steps, gan_steps) = (args.mle_steps, args.steps);
        move || match resume {
            Some(dir) => Trainer::resume(&dir, dataset, &device).map(|mut trainer| {
                trainer.set_total_steps(mle_steps, gan_steps);
                trainer
            }),
            None => Trainer::new(config, dataset, &device),
        }
    };
    let options = WorkerOptions {
        run_dir: Some(run_dir.clone()),
        ..WorkerOptions::default()
    };
    let worker = TrainWorker::spawn(make, options).context("starting the training thread")?;
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} steps {per_sec} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut smooth = Smoother::default();
    let mut outcome = Ok(ExitCode::SUCCESS);
    while let Some(message) = worker.recv() {
        match message {
            TrainMessage::Started {
                step, total_steps, ..
            } => {
                bar.set_length(total_steps);
                bar.set_position(step);
            }
            TrainMessage::Step(stats) => {
                bar.set_position(stats.step);
                bar.set_message(smooth.update(&stats));
                lines.push(serde_json::to_string(&stats)?);
            }
            TrainMessage::Epoch {
                epoch, validation, ..
            } => {
                if let Some(v) = validation {
                    bar.println(format!(
                        "epoch {epoch}: validation loss {:.4}, accuracy {:.3}",
                        v.loss, v.accuracy
                    ));
                }
            }
            TrainMessage::Sample { epoch, tokens, .. } => {
                let shown: Vec<String> = tokens.iter().take(32).map(u32::to_string).collect();
                bar.println(format!("epoch {epoch} sample: {}", shown.join(" ")));
            }
            TrainMessage::CheckpointSaved { step, path } => {
                write_stats(&run_dir, &lines, step)?;
                bar.println(format!("step {step}: checkpoint {}", path.display()));
            }
            TrainMessage::Warning(text) => bar.println(format!("warning: {text}")),
            TrainMessage::Paused { .. } | TrainMessage::Resumed => {}
            TrainMessage::Finished { step } => {
                bar.finish_and_clear();
                writeln!(
                    stdout,
                    "finished at step {step}; run folder {}",
                    run_dir.display()
                )?;
            }
            TrainMessage::Failed(error) => {
                bar.finish_and_clear();
                outcome = Err(anyhow::anyhow!(error));
            }
        }
    }
    worker.join();
    outcome
}

fn config_from(args: &TrainArgs) -> TrainConfig {
    let mut config = TrainConfig::new(GeneratorConfig::new(), DiscriminatorConfig::new());
    if let Some(steps) = args.steps {
        config.gan_steps = steps;
    }
    if let Some(steps) = args.mle_steps {
        config.mle_steps = steps;
    }
    if let Some(batch) = args.batch {
        config.batch_size = batch;
    }
    if let Some(seed) = args.seed {
        config.seed = seed;
    }
    config
}

fn load(path: Option<&Path>) -> anyhow::Result<crate::data::Dataset> {
    let source = source_for(path)?;
    let options = LoadOptions {
        cache_dir: dataset_fetch::cache_dir().ok(),
        ..LoadOptions::default()
    };
    Ok(load_dataset(
        std::slice::from_ref(&source),
        &PreprocessConfig::default(),
        &options,
    )?)
}

fn run_folder(out: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(dir) = out {
        return Ok(dir.to_path_buf());
    }
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    Ok(dataset_fetch::data_dir()?
        .join("runs")
        .join(format!("run-{seconds}")))
}

/// The step lines of an earlier run up to `step` (those after the checkpoint are dropped: the
/// resumed run does them again).
fn read_stats(dir: &Path, step: u64) -> anyhow::Result<Vec<String>> {
    let path = dir.join(STATS_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    Ok(text
        .lines()
        .filter(|line| {
            serde_json::from_str::<StepStats>(line).is_ok_and(|stats| stats.step <= step)
        })
        .map(str::to_owned)
        .collect())
}

/// Rewrites `stats.jsonl` atomically with the lines up to the checkpoint's step.
fn write_stats(dir: &Path, lines: &[String], step: u64) -> anyhow::Result<()> {
    let mut text = String::new();
    for line in lines {
        if serde_json::from_str::<StepStats>(line).is_ok_and(|stats| stats.step <= step) {
            text.push_str(line);
            text.push('\n');
        }
    }
    let path = dir.join(STATS_FILE);
    write_atomic(&path, text.as_bytes()).with_context(|| format!("writing {}", path.display()))
}

/// Debiased exponential smoothing of the losses for the progress line (as TensorBoard does):
/// each average is divided by the weight its updates have gathered, so early values are not
/// pulled towards 0.
#[derive(Default)]
struct Smoother {
    g: Smoothed,
    d: Smoothed,
}

#[derive(Default)]
struct Smoothed {
    sum: f64,
    weight: f64,
}

impl Smoothed {
    const DECAY: f64 = 0.9;

    fn push(&mut self, value: f32) -> f64 {
        self.sum = self.sum * Self::DECAY + (1.0 - Self::DECAY) * f64::from(value);
        self.weight = self.weight * Self::DECAY + (1.0 - Self::DECAY);
        self.sum / self.weight
    }
}

impl Smoother {
    fn update(&mut self, stats: &StepStats) -> String {
        let g = self.g.push(stats.g_loss);
        match stats.d_loss {
            Some(d) => format!("GAN G {g:.4} D {:.4}", self.d.push(d)),
            None => format!("MLE loss {g:.4}"),
        }
    }
}
