//! `gan-studio train`: train the GAN headless, with a progress bar, checkpoints in a run
//! folder and every step's figures as JSON lines (`stats.jsonl`, written by the training
//! worker) next to the checkpoint.
//!
//! The configuration is built in this order, each layer over the previous one: the defaults
//! of the loss (`--variant`, default BCE; see [`TrainConfig::for_loss`]), or a preset of the
//! studio's catalogue (`--preset NAME`, see [`Preset`]), or the `--config`
//! JSON file (partial files take the defaults of their `loss`); then `--variant`, when it
//! names another loss than the file, switches to that loss with its paper settings; then
//! each hyperparameter flag. A resumed run uses its checkpoint's configuration (only the
//! step counts may be extended) and the data sources recorded in it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use burn::tensor::Device;
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

use super::train_stop::{Stopped, resume_command, stop_on_signal, stopped_by};
use crate::data::fetch;
use crate::data::{DataSource, LoadOptions, PreprocessConfig, load_dataset, source_for};
use crate::quality::{LikeOptions, RealFigures, TuneQuality};
use crate::train::backend::{BackendChoice, select};
use crate::train::checkpoint::MANIFEST_FILE;
use crate::train::config::{GanLoss, GeneratorOutput};
use crate::train::crnn::checkpoint::CRNN_MANIFEST_FILE;
use crate::train::run::is_crnn_run;
use crate::train::{
    Preset, RunConfig, StepStats, TrainConfig, TrainControl, TrainMessage, TrainWorker, Trainer,
    WorkerOptions, device_name, read_manifest,
};

/// The training variants `--variant` offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Variant {
    /// Binary cross-entropy GAN (DCGAN settings: Adam 2e-4, betas 0.5/0.999, k = 1).
    Bce,
    /// WGAN with weight clipping (RMSProp 5e-5, c = 0.01, 5 critic steps per G step).
    WganClip,
    /// WGAN with gradient penalty (Adam 1e-4, betas 0.5/0.9, lambda 10, 5 critic steps).
    WganGp,
    /// Tunes sampled from the generator, scored by D at every step, the generator trained by
    /// REINFORCE with discounted rewards and a moving-average baseline, the likelihood kept at
    /// weight 1 (ScratchGAN: Adam 1e-4, k = 1, discount 0.23, baseline decay 0.08).
    Reinforce,
    /// C-RNN-GAN (Mogren 2016): continuous note events, LSTM generator, bidirectional LSTM
    /// discriminator, feature matching and freezing. Takes `--steps`, `--mle-steps`,
    /// `--dataset`, `--out` and `--seed`; its run folder is resumed with `--resume DIR` and
    /// the same `--dataset`.
    Crnn,
}

impl Variant {
    fn loss(self) -> GanLoss {
        match self {
            Variant::Bce => GanLoss::Bce,
            Variant::WganClip => GanLoss::WganClip,
            Variant::WganGp => GanLoss::WganGp,
            Variant::Reinforce => GanLoss::Reinforce,
            // C-RNN-GAN has its own trainer; its loss is BCE with feature matching.
            Variant::Crnn => GanLoss::Bce,
        }
    }
}

/// What D sees of the generator's output (`--generator-output`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputChoice {
    /// The softmax distributions.
    Softmax,
    /// Straight-through Gumbel-softmax samples.
    GumbelSoftmax,
}

/// The data layout of `--layout`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LayoutArg {
    /// Whole tunes, vocabulary v2 ([`PreprocessConfig::tunes`]).
    Tunes,
    /// Windows of 64 steps, vocabulary v1 ([`PreprocessConfig::default`]).
    Windows,
}

impl LayoutArg {
    /// The preprocessing settings of the layout.
    pub fn preprocess(self) -> PreprocessConfig {
        match self {
            LayoutArg::Tunes => PreprocessConfig::tunes(),
            LayoutArg::Windows => PreprocessConfig::default(),
        }
    }
}

/// Arguments of `gan-studio train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// A JSON training configuration (fields left out take the defaults of its `loss`).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// A folder of MIDI files, a zip archive, a MAESTRO folder or ABC file(s); default: the
    /// folk set when fetched, else the built-in demo melodies (a resumed run: the data it
    /// was trained on).
    #[arg(long, value_name = "PATH")]
    pub dataset: Option<PathBuf>,
    /// The adversarial loss, with its paper's settings.
    #[arg(long, value_enum)]
    pub variant: Option<Variant>,
    /// Start from a preset of the studio's catalogue: quick-look, standard, wgan-noise-l2,
    /// dense-rewards or crnn (the hyperparameter flags still apply over it).
    #[arg(long, value_name = "NAME", value_parser = parse_preset, conflicts_with_all = ["config", "variant"])]
    pub preset: Option<Preset>,
    /// The compute backend.
    #[arg(long, value_enum, default_value = "auto")]
    pub backend: BackendChoice,
    /// Continue the run saved in this folder (its configuration is used, except that
    /// `--steps`/`--mle-steps` may extend it; checkpoints go on being written there).
    #[arg(long, value_name = "DIR", conflicts_with_all = [
        "config", "variant", "preset", "batch", "seed", "lr", "gan_lr", "d_lr", "d_steps", "clip",
        "gp_lambda", "generator_output", "gumbel_temperature", "g_weight_decay", "mle_weight",
        "d_weight_decay", "d_dropout", "d_noise", "g_noise", "minibatch_kernels",
        "checkpoint_every",
    ])]
    pub resume: Option<PathBuf>,
    /// Start the generator from the generator of this run folder (e.g. an MLE-pre-trained
    /// model), a weights file (`.gsw`) or a folder holding one (`models/default`), then train
    /// with this command's configuration (often `--mle-steps 0`).
    #[arg(long, value_name = "DIR", conflicts_with = "resume")]
    pub init_from: Option<PathBuf>,
    /// How the data becomes training sequences: whole tunes with their metre and bar
    /// positions (token vocabulary v2, the default) or the v1 windows of 64 bare tokens.
    #[arg(long, value_enum, default_value = "tunes", conflicts_with = "resume")]
    pub layout: LayoutArg,
    /// After every epoch of a whole-tune run, generate this many tunes from nothing and
    /// judge them against the held-out tunes (printed, and kept in `judge.jsonl`; the best
    /// generator by the judge is kept in `best/`); 0 turns it off.
    #[arg(long, value_name = "N", default_value_t = 96)]
    pub judge_tunes: usize,
    /// Let the generator read each step's lookback, the note four bars before it (whole
    /// tunes only), so it can repeat and vary phrases.
    #[arg(long, conflicts_with = "resume")]
    pub lookback: bool,
    /// Steps of adversarial training (generator updates, after the MLE steps).
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
    /// Seed of the weights, the batch order and the noise.
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Learning rate of the MLE phase (and of the GAN phase unless `--gan-lr`).
    #[arg(long, value_name = "LR")]
    pub lr: Option<f64>,
    /// Learning rate of both networks in the adversarial phase.
    #[arg(long, value_name = "LR")]
    pub gan_lr: Option<f64>,
    /// The discriminator's own learning rate in the adversarial phase.
    #[arg(long, value_name = "LR")]
    pub d_lr: Option<f64>,
    /// Discriminator (critic) updates per generator update.
    #[arg(long, value_name = "K")]
    pub d_steps: Option<usize>,
    /// WGAN-clip's weight clamp c.
    #[arg(long, value_name = "C")]
    pub clip: Option<f64>,
    /// WGAN-GP's penalty weight lambda.
    #[arg(long, value_name = "LAMBDA")]
    pub gp_lambda: Option<f64>,
    /// What the discriminator sees of the generator's output.
    #[arg(long, value_enum)]
    pub generator_output: Option<OutputChoice>,
    /// Gumbel-softmax temperature.
    #[arg(long, value_name = "T")]
    pub gumbel_temperature: Option<f64>,
    /// L2 weight decay of the generator.
    #[arg(long, value_name = "LAMBDA")]
    pub g_weight_decay: Option<f64>,
    /// L2 weight decay of the discriminator.
    #[arg(long, value_name = "LAMBDA")]
    pub d_weight_decay: Option<f64>,
    /// Weight of the likelihood kept in the generator's objective in the adversarial phase
    /// (0: off; the `reinforce` variant's default is 1).
    #[arg(long, value_name = "W")]
    pub mle_weight: Option<f64>,
    /// Dropout rate in the discriminator's hidden layers.
    #[arg(long, value_name = "P")]
    pub d_dropout: Option<f64>,
    /// Gaussian noise (standard deviation) after the discriminator's hidden layers.
    #[arg(long, value_name = "SIGMA")]
    pub d_noise: Option<f64>,
    /// Gaussian noise (standard deviation) after the generator's embedding and LSTM.
    #[arg(long, value_name = "SIGMA")]
    pub g_noise: Option<f64>,
    /// Kernels of minibatch discrimination in the discriminator (0: off).
    #[arg(long, value_name = "B")]
    pub minibatch_kernels: Option<usize>,
    /// Save a checkpoint every this many steps (0: only at the end).
    #[arg(long, value_name = "N")]
    pub checkpoint_every: Option<u64>,
}

/// Runs `gan-studio train`. SIGINT or SIGTERM stops the run with a checkpoint (see
/// [`super::train_stop`]).
pub fn run(args: &TrainArgs) -> anyhow::Result<ExitCode> {
    let crnn_folder = args.resume.as_deref().is_some_and(is_crnn_run);
    if args.variant == Some(Variant::Crnn) || args.preset == Some(Preset::CRnnGan) || crnn_folder {
        return run_crnn(args);
    }
    let mut stdout = std::io::stdout();
    let device = backend_for(args.backend, &mut stdout)?;
    let (config, sources, run_dir, preprocess) = match &args.resume {
        Some(dir) => {
            let manifest = read_manifest(dir)?;
            writeln!(
                stdout,
                "resuming {} at step {}",
                dir.display(),
                manifest.step
            )?;
            // The run's own layout: v2 models read places.
            let preprocess = if manifest.config.generator.places {
                PreprocessConfig::tunes()
            } else {
                PreprocessConfig::default()
            };
            let recorded: Vec<DataSource> =
                manifest.data_sources.iter().map(DataSource::from).collect();
            let sources = match &args.dataset {
                Some(path) => vec![source_for(Some(path))?],
                None if !recorded.is_empty() => recorded,
                None => vec![source_for(None)?],
            };
            (None, sources, dir.clone(), preprocess)
        }
        None => (
            Some(config_from(args)?),
            vec![source_for(args.dataset.as_deref())?],
            run_folder(args.out.as_deref())?,
            args.layout.preprocess(),
        ),
    };
    let dataset = Arc::new(load(&sources, &preprocess)?);
    writeln!(
        stdout,
        "training on {} ({}), run folder {}",
        device_name(&device),
        dataset.stats.sources.join("; "),
        run_dir.display()
    )?;
    if let Some(config) = &config {
        writeln!(
            stdout,
            "loss {}, {} MLE + {} adversarial steps, batch {}, k = {}",
            config.loss.name(),
            config.mle_steps,
            config.gan_steps,
            config.batch_size,
            config.d_steps
        )?;
    }
    let make = {
        let dataset = Arc::clone(&dataset);
        let resume = args.resume.clone();
        let (mle_steps, gan_steps) = (args.mle_steps, args.steps);
        let init_from = args.init_from.clone();
        move || match (resume, config) {
            (Some(dir), _) => Trainer::resume(&dir, dataset, &device).map(|mut trainer| {
                trainer.set_total_steps(mle_steps, gan_steps);
                trainer.with_data_sources(&sources)
            }),
            (None, Some(config)) => {
                let mut trainer = Trainer::new(config, dataset, &device)?;
                if let Some(dir) = &init_from {
                    trainer.init_generator_from(dir)?;
                }
                Ok(trainer.with_data_sources(&sources))
            }
            (None, None) => Err(crate::train::TrainError::Data("no configuration".into())),
        }
    };
    let options = WorkerOptions {
        run_dir: Some(run_dir.clone()),
        judge: (args.judge_tunes > 0).then(|| LikeOptions {
            tunes: args.judge_tunes,
            ..LikeOptions::default()
        }),
        ..WorkerOptions::default()
    };
    let worker = TrainWorker::spawn(make, options).context("starting the training thread")?;
    let resume = resume_command(&run_dir, args.backend, None);
    report(worker, &run_dir.join(MANIFEST_FILE), &resume, &mut stdout)
}

/// The preset of a `--preset` name.
fn parse_preset(name: &str) -> Result<Preset, String> {
    Preset::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = Preset::ALL.iter().map(|p| p.name()).collect();
        format!("no preset {name:?}; the presets are {}", names.join(", "))
    })
}

/// One epoch's judge figures against the real tunes', for the progress output.
fn judged_line(epoch: u64, q: &TuneQuality, real: &RealFigures) -> String {
    let percent = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{:.0}%", 100.0 * v));
    format!(
        "epoch {epoch} judge: {:.1}% (linear {:.1}%; 50% = cannot tell), pitch range {:.1} \
         (real {:.1}), notes/bar {:.2} ({:.2}), bars {:.1} ({:.1}), phrase repetition {} ({}), \
         longest copied run {} notes, {} flagged",
        100.0 * q.judge_accuracy,
        100.0 * q.judge_linear_accuracy,
        q.shape.pitch_range,
        real.shape.pitch_range,
        q.shape.notes_per_bar,
        real.shape.notes_per_bar,
        q.shape.bars,
        real.shape.bars,
        percent(q.phrase_repetition),
        percent(real.phrase_repetition),
        q.copy_longest_run,
        q.copy_flagged,
    )
}

/// Picks the compute backend; `auto` says in one line what it picked and why.
fn backend_for(choice: BackendChoice, out: &mut impl Write) -> anyhow::Result<Device> {
    let compute = select(choice)?;
    if choice == BackendChoice::Auto {
        writeln!(
            out,
            "backend auto picked {}: {}",
            compute.description, compute.reason
        )?;
    } else if let Some(note) = &compute.note {
        writeln!(out, "note: {note}")?;
    }
    Ok(compute.device)
}

/// Shows the messages of a worker of any run until it ends (a signal asks it to stop): a
/// progress bar with steps/s and smoothed losses, epoch figures, samples and checkpoints as
/// lines. A run stopped by a signal ends with where its checkpoint is (`manifest` until a save
/// says otherwise) and the command that resumes it.
fn report(
    worker: TrainWorker,
    manifest: &Path,
    resume: &str,
    stdout: &mut std::io::Stdout,
) -> anyhow::Result<ExitCode> {
    let controls = worker.control_sender();
    stop_on_signal(move || controls.send(TrainControl::Stop));
    let run_dir = manifest.parent().unwrap_or(manifest);
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} steps {per_sec} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut smooth = Smoother::default();
    let mut outcome = Ok(ExitCode::SUCCESS);
    let mut checkpoint = manifest.to_path_buf();
    // A progress bar drawn nowhere (output not a terminal) drops its printed lines: print
    // them plainly then, so logs keep the epochs, samples and checkpoints.
    let say = |text: String| {
        if bar.is_hidden() {
            println!("{text}");
        } else {
            bar.println(text);
        }
    };
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
            }
            TrainMessage::Epoch {
                epoch,
                validation: Some(v),
                ..
            } => match v.accuracy {
                Some(accuracy) => say(format!(
                    "epoch {epoch}: validation loss {:.4}, accuracy {accuracy:.3}",
                    v.loss
                )),
                None => say(format!("epoch {epoch}: validation loss {:.4}", v.loss)),
            },
            TrainMessage::Judged {
                epoch,
                quality,
                reference,
                ..
            } => say(judged_line(epoch, &quality, &reference)),
            TrainMessage::Sample { epoch, tokens, .. } => {
                // Token ids, or a C-RNN-GAN melody's pitches.
                let shown: Vec<String> = tokens.iter().take(32).map(u32::to_string).collect();
                say(format!("epoch {epoch} sample: {}", shown.join(" ")));
            }
            TrainMessage::CheckpointSaved { step, path } => {
                say(format!("step {step}: checkpoint {}", path.display()));
                checkpoint = path;
            }
            TrainMessage::Warning(text) => say(format!("warning: {text}")),
            TrainMessage::Epoch {
                validation: None, ..
            }
            | TrainMessage::Paused { .. }
            | TrainMessage::Resumed
            | TrainMessage::GeneratorWeights { .. } => {}
            TrainMessage::Finished { step } => {
                bar.finish_and_clear();
                if let Some(interrupt) = stopped_by() {
                    let stopped = Stopped {
                        interrupt,
                        step,
                        checkpoint: &checkpoint,
                        resume: resume.to_owned(),
                    };
                    outcome = stopped.report(stdout);
                } else {
                    writeln!(
                        stdout,
                        "finished at step {step}; run folder {}",
                        run_dir.display()
                    )?;
                }
            }
            TrainMessage::Failed(error) => {
                bar.finish_and_clear();
                outcome = Err(anyhow::anyhow!(error));
            }
        }
    }
    outcome
}

/// The configuration of a new run from the flags (see the module documentation).
fn config_from(args: &TrainArgs) -> anyhow::Result<TrainConfig> {
    let mut config = match (&args.config, args.variant) {
        (Some(path), variant) => {
            let mut config = TrainConfig::load_file(path)?;
            if let Some(variant) = variant
                && variant.loss() != config.loss
            {
                config = config.with_loss(variant.loss()).apply_loss_preset();
            }
            config
        }
        (None, variant) => match args.preset.map(Preset::run_config) {
            Some(RunConfig::Token(config)) => config,
            _ => TrainConfig::for_loss(variant.map_or(GanLoss::Bce, Variant::loss)),
        },
    };
    let a = args;
    set(&mut config.gan_steps, a.steps);
    set(&mut config.mle_steps, a.mle_steps);
    set(&mut config.batch_size, a.batch);
    set(&mut config.seed, a.seed);
    set(&mut config.learning_rate, a.lr);
    if a.gan_lr.is_some() {
        config.gan_learning_rate = a.gan_lr;
    }
    if a.d_lr.is_some() {
        config.d_learning_rate = a.d_lr;
    }
    set(&mut config.d_steps, a.d_steps);
    set(&mut config.clip_value, a.clip);
    set(&mut config.gp_lambda, a.gp_lambda);
    set(
        &mut config.generator_output,
        a.generator_output.map(|o| match o {
            OutputChoice::Softmax => GeneratorOutput::Softmax,
            OutputChoice::GumbelSoftmax => GeneratorOutput::GumbelSoftmax,
        }),
    );
    set(&mut config.gumbel_temperature, a.gumbel_temperature);
    set(&mut config.g_weight_decay, a.g_weight_decay);
    set(&mut config.d_weight_decay, a.d_weight_decay);
    set(&mut config.mle_weight, a.mle_weight);
    set(&mut config.discriminator.dropout, a.d_dropout);
    set(&mut config.discriminator.noise_std, a.d_noise);
    set(&mut config.generator.noise_std, a.g_noise);
    if a.lookback {
        config.generator.lookback = true;
    }
    set(
        &mut config.discriminator.minibatch_kernels,
        a.minibatch_kernels,
    );
    set(&mut config.checkpoint_every, a.checkpoint_every);
    config.validate()?;
    Ok(config)
}

fn set<T>(field: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *field = value;
    }
}

fn load(
    sources: &[DataSource],
    preprocess: &PreprocessConfig,
) -> anyhow::Result<crate::data::Dataset> {
    let options = LoadOptions {
        cache_dir: fetch::cache_dir().ok(),
        ..LoadOptions::default()
    };
    Ok(load_dataset(sources, preprocess, &options)?)
}

fn run_folder(out: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(dir) = out {
        return Ok(dir.to_path_buf());
    }
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    Ok(fetch::data_dir()?
        .join("runs")
        .join(format!("run-{seconds}")))
}

/// Debiased exponential smoothing of the losses for the progress line (as TensorBoard does):
/// each average is divided by the weight its updates have gathered, so early values are not
/// pulled towards 0.
#[derive(Default)]
struct Smoother {
    g: Smoothed,
    d: Smoothed,
    w: Smoothed,
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
        match (stats.d_loss, stats.wasserstein) {
            (Some(d), Some(w)) => format!(
                "GAN G {g:.4} D {:.4} W {:.4}",
                self.d.push(d),
                self.w.push(w)
            ),
            (Some(d), None) => format!(
                "GAN G {g:.4} D {:.4} D(real) {:.2} D(fake) {:.2}",
                self.d.push(d),
                stats.d_real.unwrap_or(f32::NAN),
                stats.d_fake.unwrap_or(f32::NAN)
            ),
            _ => format!("MLE loss {g:.4}"),
        }
    }
}

/// `gan-studio train --variant crnn` (or `--preset crnn`, or `--resume` of a C-RNN-GAN run
/// folder): a C-RNN-GAN run on the same worker, with the same progress output and the same
/// reaction to signals. Its run folder does not record its data: a resumed run is given the
/// same `--dataset`.
fn run_crnn(args: &TrainArgs) -> anyhow::Result<ExitCode> {
    use crate::model::crnn::{CrnnDiscriminatorConfig, CrnnGeneratorConfig};
    use crate::train::crnn::{CrnnTrainConfig, CrnnTrainer, read_crnn_manifest};
    let mut stdout = std::io::stdout();
    let (out, resume) = match &args.resume {
        Some(dir) => {
            let step = read_crnn_manifest(dir)?.step;
            writeln!(stdout, "resuming {} at step {step}", dir.display())?;
            (dir.clone(), true)
        }
        None => (run_folder(args.out.as_deref())?, false),
    };
    let device = backend_for(args.backend, &mut stdout)?;
    let dataset = load(
        &[source_for(args.dataset.as_deref())?],
        &PreprocessConfig::default(),
    )?;
    let mut config =
        CrnnTrainConfig::new(CrnnGeneratorConfig::new(), CrnnDiscriminatorConfig::new());
    set(&mut config.mle_steps, args.mle_steps);
    set(&mut config.gan_steps, args.steps);
    set(&mut config.batch_size, args.batch);
    set(&mut config.checkpoint_every, args.checkpoint_every);
    writeln!(
        stdout,
        "C-RNN-GAN on {} ({}), {} MLE + {} adversarial steps, run folder {}",
        device_name(&device),
        dataset.stats.sources.join("; "),
        config.mle_steps,
        config.gan_steps,
        out.display()
    )?;
    let seed = args.seed.unwrap_or(42);
    let make = {
        let out = out.clone();
        move || {
            if resume {
                CrnnTrainer::load(&out, &dataset, &device)
            } else {
                CrnnTrainer::new(config, &dataset, seed, &device)
            }
        }
    };
    let options = WorkerOptions {
        run_dir: Some(out.clone()),
        ..WorkerOptions::default()
    };
    let worker = TrainWorker::spawn(make, options).context("starting the training thread")?;
    let resume = resume_command(&out, args.backend, args.dataset.as_deref());
    report(worker, &out.join(CRNN_MANIFEST_FILE), &resume, &mut stdout)
}
