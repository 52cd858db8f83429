//! Whole runs through the worker: the step log, published generator weights, divergence,
//! configuration files, and checkpoints that remember their data and load when older.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod engine_support;

use std::sync::Arc;

use burn::tensor::Device;
use gan_studio::data::DataSource;
use gan_studio::train::config::GanLoss;
use gan_studio::train::error::ConfigError;
use gan_studio::train::worker::STATS_FILE;
use gan_studio::train::{
    StepStats, TrainConfig, TrainControl, TrainError, TrainMessage, TrainWorker, Trainer,
    WorkerOptions, load_checkpoint, read_manifest,
};

use engine_support::{small_config, tiny_dataset};

/// burn's RNG is global to the process: tests that seed it and create models run one at a
/// time, or another test's draws fall between a seed and its model.
static RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn collect(worker: &TrainWorker) -> Vec<TrainMessage> {
    let mut messages = Vec::new();
    while let Some(message) = worker.recv() {
        messages.push(message);
    }
    messages
}

fn run_worker(
    config: TrainConfig,
    dir: &std::path::Path,
    run: &std::path::Path,
) -> Vec<TrainMessage> {
    let data = tiny_dataset(dir);
    let make = move || Trainer::new(config, data, &Device::flex());
    let options = WorkerOptions {
        run_dir: Some(run.to_path_buf()),
        ..WorkerOptions::default()
    };
    let worker = TrainWorker::spawn(make, options).unwrap();
    let messages = collect(&worker);
    worker.join();
    messages
}

fn read_log(run: &std::path::Path) -> Vec<StepStats> {
    std::fs::read_to_string(run.join(STATS_FILE))
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn every_step_is_logged_as_a_json_line_and_a_resume_keeps_the_log_consistent() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let config = small_config(2, 2)
        .with_loss(GanLoss::WganClip)
        .with_d_steps(2)
        .with_checkpoint_every(3);
    let messages = run_worker(config, dir.path(), &run);
    assert!(matches!(
        messages.last(),
        Some(TrainMessage::Finished { step: 4 })
    ));
    let log = read_log(&run);
    let steps: Vec<u64> = log.iter().map(|s| s.step).collect();
    assert_eq!(steps, [1, 2, 3, 4]);
    // The same figures as the Step messages.
    let sent: Vec<&StepStats> = messages
        .iter()
        .filter_map(|m| match m {
            TrainMessage::Step(s) => Some(s),
            _ => None,
        })
        .collect();
    assert_eq!(sent.len(), 4);
    for (logged, sent) in log.iter().zip(sent) {
        assert_eq!(logged.g_loss, sent.g_loss);
        assert_eq!(logged.wasserstein, sent.wasserstein);
    }
    assert!(log[0].wasserstein.is_none() && log[0].g_grad_norm.is_some());
    assert!(log[3].wasserstein.is_some() && log[3].d_updates == Some(2));

    // A run that crashed after step 3's checkpoint with step 4 already logged: a run folder
    // with a checkpoint at step 3 and the full log.
    let data = tiny_dataset(dir.path());
    let run3 = dir.path().join("run3");
    std::fs::create_dir_all(&run3).unwrap();
    std::fs::copy(run.join(STATS_FILE), run3.join(STATS_FILE)).unwrap();
    let mut early = Trainer::new(
        small_config(2, 2)
            .with_loss(GanLoss::WganClip)
            .with_d_steps(2)
            .with_checkpoint_every(3),
        data.clone(),
        &Device::flex(),
    )
    .unwrap();
    for _ in 0..3 {
        early.train_step().unwrap();
    }
    early.save(&run3).unwrap();
    let make = {
        let run3 = run3.clone();
        move || Trainer::resume(&run3, data, &Device::flex())
    };
    let options = WorkerOptions {
        run_dir: Some(run3.clone()),
        ..WorkerOptions::default()
    };
    let worker = TrainWorker::spawn(make, options).unwrap();
    let _ = collect(&worker);
    worker.join();
    let steps: Vec<u64> = read_log(&run3).iter().map(|s| s.step).collect();
    assert_eq!(
        steps,
        [1, 2, 3, 4],
        "step 4's old line replaced, not repeated"
    );
    // The resumed run does step 4 exactly as the uninterrupted one did.
    assert_eq!(read_log(&run3)[3].g_loss, log[3].g_loss);
}

#[test]
fn the_worker_publishes_generator_weights_at_epochs_checkpoints_and_the_end() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let config = small_config(3, 0)
        .with_checkpoint_every(2)
        .with_batch_size(64);
    let messages = run_worker(config, dir.path(), &run);
    let published: Vec<(u64, &Arc<_>)> = messages
        .iter()
        .filter_map(|m| match m {
            TrainMessage::GeneratorWeights { step, weights } => Some((*step, weights)),
            _ => None,
        })
        .collect();
    let epochs: Vec<u64> = messages
        .iter()
        .filter_map(|m| match m {
            TrainMessage::Epoch { step, .. } => Some(*step),
            _ => None,
        })
        .collect();
    let mut expected: Vec<u64> = epochs.clone();
    expected.extend([2, 3]);
    expected.sort_unstable();
    expected.dedup();
    let steps: Vec<u64> = published.iter().map(|(s, _)| *s).collect();
    assert_eq!(steps, expected, "epochs at {epochs:?}");
    let (_, last) = published.last().unwrap();
    assert_eq!(last.vocab_size, gan_studio::music::tokens::VOCAB_SIZE);
    assert_eq!((last.embedding_width, last.hidden), (16, 32));
    // The last weights are those of the saved generator.
    let data = tiny_dataset(dir.path());
    let resumed = Trainer::resume(&run, data, &Device::flex()).unwrap();
    assert_eq!(***last, resumed.generator_weights().unwrap());
}

#[test]
fn a_diverging_run_stops_naming_the_step_and_keeps_its_last_good_checkpoint() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let data = tiny_dataset(dir.path());
    let make = move || {
        Trainer::new(
            small_config(30, 0).with_checkpoint_every(1),
            data,
            &Device::flex(),
        )
    };
    let options = WorkerOptions {
        run_dir: Some(run.clone()),
        start_paused: true,
        background: false,
        repaint: None,
        judge: None,
    };
    let worker = TrainWorker::spawn(make, options).unwrap();
    worker.send(TrainControl::Step);
    worker.send(TrainControl::SetLearningRate(1e38));
    worker.send(TrainControl::Resume);
    let messages = collect(&worker);
    worker.join();
    let Some(TrainMessage::Failed(error)) = messages.last() else {
        panic!("the run should fail: {:?}", messages.last());
    };
    let last_step = messages
        .iter()
        .filter_map(|m| match m {
            TrainMessage::Step(s) => Some(s.step),
            _ => None,
        })
        .max()
        .unwrap();
    let last_saved = messages
        .iter()
        .filter_map(|m| match m {
            TrainMessage::CheckpointSaved { step, .. } => Some(*step),
            _ => None,
        })
        .max()
        .unwrap();
    assert!(
        error.contains(&format!("at step {}", last_step + 1)) && error.contains("not a finite"),
        "{error}"
    );
    assert!(last_step < 30);
    assert_eq!(last_saved, last_step);
    let manifest = read_manifest(&run).unwrap();
    assert_eq!(manifest.step, last_saved);
    load_checkpoint(&run, &Device::flex().autodiff(), None).unwrap();
}

#[test]
fn a_checkpoint_remembers_its_data_sources() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let data = tiny_dataset(dir.path());
    let sources = vec![DataSource::Abc(vec![dir.path().join("tiny.abc")])];
    let mut trainer = Trainer::new(small_config(2, 0), data.clone(), &Device::flex())
        .unwrap()
        .with_data_sources(&sources);
    trainer.train_step().unwrap();
    trainer.save(&run).unwrap();
    let manifest = read_manifest(&run).unwrap();
    assert_eq!(manifest.data_sources.len(), 1);
    let resumed = Trainer::resume(&run, data, &Device::flex()).unwrap();
    assert_eq!(resumed.data_sources(), sources);
}

#[test]
fn a_manifest_from_before_the_variants_still_loads() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let data = tiny_dataset(dir.path());
    let mut trainer = Trainer::new(small_config(2, 1), data.clone(), &Device::flex()).unwrap();
    trainer.train_step().unwrap();
    trainer.save(&run).unwrap();
    // Strip every field this issue added.
    let path = run.join("checkpoint.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let manifest = json.as_object_mut().unwrap();
    for key in [
        "generator_optimizer_kind",
        "discriminator_optimizer_kind",
        "data_sources",
        "learning_rate_override",
    ] {
        manifest.remove(key).unwrap();
    }
    let config = manifest["config"].as_object_mut().unwrap();
    for key in [
        "loss",
        "d_steps",
        "gan_optimizer",
        "gan_learning_rate",
        "d_learning_rate",
        "clip_value",
        "gp_lambda",
        "generator_output",
        "gumbel_temperature",
        "g_weight_decay",
        "d_weight_decay",
    ] {
        config.remove(key).unwrap();
    }
    let d = config["discriminator"].as_object_mut().unwrap();
    for key in ["dropout", "minibatch_kernels", "minibatch_kernel_dims"] {
        d.remove(key).unwrap();
    }
    std::fs::write(&path, serde_json::to_vec(&json).unwrap()).unwrap();
    let mut resumed = Trainer::resume(&run, data, &Device::flex()).unwrap();
    assert_eq!(resumed.config(), trainer.config());
    assert_eq!(resumed.train_step().unwrap(), trainer.train_step().unwrap());
}

#[test]
fn a_partial_config_file_takes_the_defaults_of_its_loss() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let config = TrainConfig::from_json(r#"{"loss": "wgan-gp", "batch_size": 32}"#).unwrap();
    assert_eq!(config.loss, GanLoss::WganGp);
    assert_eq!(config.batch_size, 32);
    assert_eq!((config.d_steps, config.gan_learning_rate), (5, Some(1e-4)));
    assert_eq!((config.beta_1, config.beta_2), (0.5, 0.9));
    assert_eq!(config.gp_lambda, 10.0);
    let clip = TrainConfig::from_json(r#"{"loss": "wgan-clip"}"#).unwrap();
    assert_eq!(clip, TrainConfig::for_loss(GanLoss::WganClip));
    assert_eq!(clip.clip_value, 0.01);
    assert_eq!(
        clip.gan_optimizer,
        gan_studio::train::config::OptimizerKind::RmsProp
    );
    // Nested objects merge field by field.
    let nested = TrainConfig::from_json(r#"{"discriminator": {"dropout": 0.25}}"#).unwrap();
    assert_eq!(nested.discriminator.dropout, 0.25);
    assert_eq!(nested.discriminator.channels, 128);
}

#[test]
fn bad_config_files_are_reported_with_the_file_and_the_problem() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (r#"{"loss": "wgan"}"#, "loss \"wgan\""),
        (
            r#"{"discriminator": {"chanels": 3}}"#,
            "unknown field \"discriminator.chanels\"",
        ),
        (r#"{"batch_size": 0}"#, "batch_size must be at least 1"),
        (r#"{"d_steps": -1}"#, "not valid"),
        (
            r#"{"discriminator": {"dropout": 1.5}}"#,
            "dropout must be a number in [0, 1)",
        ),
        ("{not json", "not valid"),
    ];
    for (i, (text, problem)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("bad-{i}.json"));
        std::fs::write(&path, text).unwrap();
        let error = TrainConfig::load_file(&path).unwrap_err();
        assert!(matches!(error, ConfigError::InFile { .. }));
        let message = error.to_string();
        assert!(message.contains(problem), "{text}: {message}");
        assert!(message.ends_with(&path.display().to_string()), "{message}");
    }
    let missing = dir.path().join("missing.json");
    let message = TrainConfig::load_file(&missing).unwrap_err().to_string();
    assert!(message.contains("cannot read") && message.contains("missing.json"));
    // An invalid configuration cannot start a run either.
    let bad = small_config(1, 0).with_d_steps(0);
    let data = tiny_dataset(dir.path());
    let error = Trainer::new(bad, data, &Device::flex()).err().unwrap();
    assert!(matches!(error, TrainError::Config(_)), "{error}");
}

/// 60 short tunes in 3/4 and 4/4, some with a pickup, in one ABC file.
fn tune_dataset(dir: &std::path::Path) -> Arc<gan_studio::data::Dataset> {
    use gan_studio::data::PreprocessConfig;
    let bars = [
        "C2 E2 G2", "E2 D2 C2", "G2 A2 G2", "F2 E2 D2", "c2 B2 A2", "G4 E2",
    ];
    let mut abc = String::new();
    for i in 0..60 {
        let (metre, pickup) = if i % 2 == 0 {
            ("3/4", "G|")
        } else {
            ("4/4", "")
        };
        abc.push_str(&format!(
            "X:{i}\nT:Tune {i}\nM:{metre}\nL:1/8\nK:C\n{pickup}"
        ));
        for b in 0..6 {
            let bar = bars[(i + b * 7) % bars.len()];
            let extra = if metre == "4/4" { " C2" } else { "" };
            abc.push_str(&format!("{bar}{extra} | "));
        }
        abc.push_str("\n\n");
    }
    let config = PreprocessConfig {
        validation_fraction: 0.3,
        ..PreprocessConfig::tunes()
    };
    engine_support::abc_dataset(&dir.join("tunes.abc"), &abc, &config)
}

#[test]
fn a_whole_tune_run_is_judged_every_epoch_and_keeps_its_best_generator() {
    use gan_studio::quality::LikeOptions;
    use gan_studio::train::worker::{BEST_WEIGHTS, JUDGE_FILE};
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let data = tune_dataset(dir.path());
    assert!(data.pieces.iter().all(|p| p.metre.is_some()));
    let config = small_config(0, 0).with_batch_size(8);
    let per_epoch = {
        let probe = Trainer::new(config.clone(), Arc::clone(&data), &Device::flex()).unwrap();
        probe.steps_per_epoch()
    };
    let config = config.with_mle_steps(2 * per_epoch);
    let make = move || Trainer::new(config, data, &Device::flex());
    let options = WorkerOptions {
        run_dir: Some(run.clone()),
        judge: Some(LikeOptions {
            tunes: 20,
            bars: 4,
            ..LikeOptions::default()
        }),
        ..WorkerOptions::default()
    };
    let worker = TrainWorker::spawn(make, options).unwrap();
    let messages = collect(&worker);
    worker.join();
    let judged: Vec<_> = messages
        .iter()
        .filter_map(|m| match m {
            TrainMessage::Judged {
                epoch,
                quality,
                reference,
                best,
                ..
            } => Some((*epoch, quality.clone(), reference.clone(), *best)),
            _ => None,
        })
        .collect();
    assert_eq!(
        judged.iter().map(|j| j.0).collect::<Vec<_>>(),
        vec![0, 1],
        "{messages:?}"
    );
    // The first epoch without copying is the best so far; a later one only when the judge
    // is fooled more often than by every earlier one without copying.
    let mut best_so_far: Option<f64> = None;
    for (epoch, quality, _, best) in &judged {
        let expected =
            quality.copy_flagged == 0 && best_so_far.is_none_or(|b| quality.judge_accuracy < b);
        assert_eq!(*best, expected, "epoch {epoch}: {quality:?}");
        if expected {
            best_so_far = Some(quality.judge_accuracy);
        }
    }
    for (_, quality, reference, _) in &judged {
        assert!(quality.tunes >= 20, "{quality:?}");
        assert!((0.0..=1.0).contains(&quality.judge_accuracy));
        assert!(reference.tunes >= 10, "{reference:?}");
        assert!(reference.shape.pitch_range > 0.0);
    }
    let lines = std::fs::read_to_string(run.join(JUDGE_FILE)).unwrap();
    assert_eq!(lines.lines().count(), 2);
    // The best generator is a weights file of vocabulary v2 that generates in its metre.
    let model = gan_studio::models::load_model(&run.join(BEST_WEIGHTS)).unwrap();
    assert!(model.reads_places());
}
