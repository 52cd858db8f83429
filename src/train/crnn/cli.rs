//! The headless C-RNN-GAN run behind `gan-studio train --variant crnn`: steps, checkpoints in
//! a run folder, and every step's figures as JSON lines (`stats.jsonl`) next to them.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::checkpoint::read_crnn_manifest;
use super::config::CrnnTrainConfig;
use super::trainer::{CrnnStepStats, CrnnTrainer};
use crate::data::Dataset;
use crate::fsutil::write_atomic;
use crate::train::backend::{BackendChoice, select};

/// The file of step figures in a run folder.
pub const CRNN_STATS_FILE: &str = "stats.jsonl";

/// How to run.
#[derive(Clone, Debug, PartialEq)]
pub struct CrnnRunOptions {
    /// Steps to run now; 0 runs until both phases of the configuration are done.
    pub steps: u64,
    /// The run folder (created if needed).
    pub out: PathBuf,
    /// The seed of a new run (a resumed run keeps its own).
    pub seed: u64,
    /// Continue the run saved in `out` (its configuration is used, the one given is not).
    pub resume: bool,
    /// The compute backend.
    pub backend: BackendChoice,
}

/// Trains C-RNN-GAN on `dataset` as `options` say, calling `progress` after each step.
/// Checkpoints go to `options.out` every `checkpoint_every` steps and at the end, and the step
/// figures to `stats.jsonl` beside them (rewritten atomically at each checkpoint; a resumed
/// run keeps the lines up to its checkpoint). On a divergence the last checkpoint stays and
/// the error names the step. Returns the manifest's path.
pub fn run_crnn_cli(
    dataset: &Dataset,
    config: CrnnTrainConfig,
    options: &CrnnRunOptions,
    progress: impl FnMut(&CrnnStepStats),
) -> anyhow::Result<PathBuf> {
    run_crnn_cli_until(dataset, config, options, progress, || false)
}

/// [`run_crnn_cli`] that also ends early, with a checkpoint at the steps done, once `stop`
/// returns true (it is asked before each step; the step under way is finished first).
pub fn run_crnn_cli_until(
    dataset: &Dataset,
    config: CrnnTrainConfig,
    options: &CrnnRunOptions,
    mut progress: impl FnMut(&CrnnStepStats),
    stop: impl Fn() -> bool,
) -> anyhow::Result<PathBuf> {
    let device = select(options.backend)?.device;
    let out = options.out.as_path();
    let (mut trainer, mut lines) = if options.resume {
        let manifest = read_crnn_manifest(out)?;
        let trainer = CrnnTrainer::load(out, dataset, &device)?;
        (trainer, read_stats(out, manifest.step)?)
    } else {
        (
            CrnnTrainer::new(config, dataset, options.seed, &device)?,
            Vec::new(),
        )
    };
    let every = trainer.config().checkpoint_every;
    let target = if options.steps == 0 {
        trainer.config().total_steps()
    } else {
        trainer.steps_done().saturating_add(options.steps)
    };
    while trainer.steps_done() < target && !stop() {
        let stats = trainer.step()?;
        lines.push(serde_json::to_string(&stats)?);
        progress(&stats);
        if every > 0 && stats.step.is_multiple_of(every) {
            save(&trainer, out, &lines)?;
        }
    }
    save(&trainer, out, &lines)
}

fn save(trainer: &CrnnTrainer, out: &Path, lines: &[String]) -> anyhow::Result<PathBuf> {
    let path = trainer.save(out)?;
    let mut text = lines.join("\n");
    if !text.is_empty() {
        text.push('\n');
    }
    let stats = out.join(CRNN_STATS_FILE);
    write_atomic(&stats, text.as_bytes())
        .with_context(|| format!("writing {}", stats.display()))?;
    Ok(path)
}

/// The step lines of an earlier run up to `step`.
fn read_stats(dir: &Path, step: u64) -> anyhow::Result<Vec<String>> {
    let path = dir.join(CRNN_STATS_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    Ok(text
        .lines()
        .filter(|line| {
            serde_json::from_str::<CrnnStepStats>(line).is_ok_and(|stats| stats.step <= step)
        })
        .map(str::to_owned)
        .collect())
}
