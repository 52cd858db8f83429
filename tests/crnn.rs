//! C-RNN-GAN: shapes, each loss moving the right way, the freezing rule, checkpoints, samples
//! and the headless run.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Mutex;

use burn::module::Module;
use burn::nn::BiLstmConfig;
use burn::tensor::{Device, Tensor, TensorData};
use gan_studio::data::{DataSource, Dataset, LoadOptions, PreprocessConfig, load_dataset};
use gan_studio::model::crnn::{
    CrnnDiscriminator, CrnnDiscriminatorConfig, CrnnGenerator, CrnnGeneratorConfig, bidirectional,
};
use gan_studio::music::Pitch;
use gan_studio::train::crnn::step::{GanSettings, discriminator_step, gan_step, mle_step};
use gan_studio::train::crnn::{
    CrnnStepStats, CrnnTrainConfig, CrnnTrainer, crnn_adam, noise_tensor, read_crnn_manifest,
};
use gan_studio::train::worker::STATS_FILE;
use gan_studio::train::{Phase, StepStats, TrainError, TrainMessage, TrainWorker, WorkerOptions};

/// burn's RNG is global to the process: tests that seed it and create models run one at a
/// time, or another test's draws fall between a seed and its model.
static RNG: Mutex<()> = Mutex::new(());

const HIDDEN: usize = 16;
const EVENTS: usize = 8;

fn device() -> Device {
    Device::flex().autodiff()
}

/// Twelve tunes, each the arpeggio C E G c in quarter notes eight times (32 notes): the next
/// event is always predictable. 20% of the tunes are for validation.
fn arpeggio_dataset(dir: &std::path::Path) -> Dataset {
    let mut abc = String::new();
    for i in 1..=12 {
        abc.push_str(&format!("X:{i}\nT:Arpeggio {i}\nM:4/4\nL:1/8\nK:C\n"));
        for _ in 0..8 {
            abc.push_str("C2 E2 G2 c2 | ");
        }
        abc.push_str("\n\n");
    }
    let path = dir.join("arpeggios.abc");
    std::fs::write(&path, abc).unwrap();
    let config = PreprocessConfig {
        window_steps: 16,
        stride: 4,
        validation_fraction: 0.2,
        ..PreprocessConfig::default()
    };
    load_dataset(
        &[DataSource::Abc(vec![path])],
        &config,
        &LoadOptions::default(),
    )
    .unwrap()
}

/// Hidden width 16, windows of 8 events every 4, batch 8.
fn small_config(mle_steps: u64, gan_steps: u64) -> CrnnTrainConfig {
    CrnnTrainConfig::new(
        CrnnGeneratorConfig::new().with_hidden(HIDDEN),
        CrnnDiscriminatorConfig::new().with_hidden(HIDDEN),
    )
    .with_events(EVENTS)
    .with_stride(4)
    .with_batch_size(8)
    .with_mle_steps(mle_steps)
    .with_gan_steps(gan_steps)
    .with_mle_learning_rate(1e-2)
    .with_gan_learning_rate(1e-2)
    .with_checkpoint_every(0)
}

fn small_networks(device: &Device) -> (CrnnGenerator, CrnnDiscriminator) {
    let g = CrnnGeneratorConfig::new()
        .with_hidden(HIDDEN)
        .init(device)
        .unwrap();
    let d = CrnnDiscriminatorConfig::new()
        .with_hidden(HIDDEN)
        .init(device)
        .unwrap();
    (g, d)
}

fn weights(module: impl Module) -> Vec<u8> {
    module.into_record().into_bytes().unwrap().to_vec()
}

fn filled(
    rows: usize,
    steps: usize,
    mut value: impl FnMut(usize) -> f32,
    device: &Device,
) -> Tensor<3> {
    let values: Vec<f32> = (0..rows * steps * 4).map(&mut value).collect();
    Tensor::from_data(TensorData::new(values, [rows, steps, 4]), device)
}

#[test]
fn networks_have_the_documented_shapes() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let device = device();
    device.seed(1);
    let (g, d) = small_networks(&device);
    let noise = noise_tensor([3, 5, 4], 9, &device);
    assert_eq!(g.generate(noise.clone()).dims(), [3, 5, 4]);
    let previous = filled(3, 5, |_| 0.5, &device);
    assert_eq!(g.forward_teacher(noise, previous.clone()).dims(), [3, 5, 4]);
    let judged = d.forward(previous);
    assert_eq!(judged.logits.dims(), [3, 5]);
    assert_eq!(judged.features.dims(), [3, 5, 2 * HIDDEN]);
    assert_eq!(d.feature_width(), 2 * HIDDEN);
    // The default configurations are the issue's: 100 units, 4 features, 4 noise values.
    let defaults = CrnnGeneratorConfig::new();
    assert_eq!(
        (defaults.hidden, defaults.features, defaults.noise),
        (100, 4, 4)
    );
    assert_eq!(CrnnDiscriminatorConfig::new().hidden, 100);
}

#[test]
fn the_bidirectional_layer_computes_what_burns_bilstm_does() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    for device in [Device::flex(), device()] {
        device.seed(12);
        let layer = BiLstmConfig::new(4, 6, true).init(&device);
        let input = noise_tensor([3, 7, 4], 3, &device);
        let ours = bidirectional(&layer, input.clone());
        let (theirs, _) = layer.forward(input, None);
        assert_eq!(ours.dims(), [3, 7, 12]);
        let diff: f32 = (ours - theirs).abs().max().into_scalar();
        assert!(diff < 1e-5, "largest difference {diff}");
    }
}

#[test]
fn free_running_generation_feeds_back_its_own_output() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let device = Device::flex();
    device.seed(2);
    let (g, _) = small_networks(&device);
    let noise = noise_tensor([2, 6, 4], 4, &device);
    let free = g.generate(noise.clone());
    // Teacher forcing with the free run's own outputs as the previous events (zeros before
    // the first) must give the same events.
    let zeros = Tensor::<3>::zeros([2, 1, 4], &device);
    let previous = Tensor::cat(vec![zeros, free.clone().slice([0..2, 0..5])], 1);
    let forced = g.forward_teacher(noise, previous);
    let diff: f32 = (free - forced).abs().max().into_scalar();
    assert!(diff < 1e-5, "largest difference {diff}");
}

#[test]
fn discriminator_learns_to_separate_constant_from_random_sequences() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let device = device();
    device.seed(7);
    let (_, mut d) = small_networks(&device);
    let config = small_config(0, 0);
    let mut optimizer = crnn_adam(&config);
    let mut last = None;
    for step in 1..=40 {
        // Real: middle C quarter notes; fake: uniform noise in [-2, 2).
        let real = filled(8, EVENTS, |i| [0.0, 0.32, 0.32, 0.25][i % 4], &device);
        let fake = noise_tensor([8, EVENTS, 4], step, &device)
            .mul_scalar(4.0)
            .sub_scalar(2.0);
        let (next, stats) = discriminator_step(d, &mut optimizer, real, fake, 1e-2, step).unwrap();
        d = next;
        last = Some(stats);
    }
    let last = last.unwrap();
    assert!(last.d_real > 0.9, "D(real) {}", last.d_real);
    assert!(last.d_fake < 0.1, "D(fake) {}", last.d_fake);
    // ln 2 = 0.693 for a D that cannot tell; far below once it can.
    assert!(last.loss < 0.15, "D loss {}", last.loss);
}

#[test]
fn mle_loss_falls_on_a_repetitive_set() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let dataset = arpeggio_dataset(dir.path());
    let mut trainer = CrnnTrainer::new(small_config(60, 0), &dataset, 5, &device()).unwrap();
    let before = trainer.validate(4).unwrap().expect("a validation split");
    let stats: Vec<CrnnStepStats> = (0..60).map(|_| trainer.step().unwrap()).collect();
    assert!(
        stats
            .iter()
            .all(|s| s.phase == Phase::Mle && s.d_loss.is_none())
    );
    let first = stats[0].g_loss;
    let last = stats[59].g_loss;
    assert!(last < 0.2 * first, "loss {first} -> {last}");
    let after = trainer.validate(4).unwrap().unwrap();
    assert!(after < 0.2 * before, "validation loss {before} -> {after}");
}

#[test]
fn gan_steps_follow_the_freezing_rule() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let dataset = arpeggio_dataset(dir.path());
    let mut trainer = CrnnTrainer::new(small_config(2, 12), &dataset, 3, &device()).unwrap();
    for _ in 0..14 {
        let s = trainer.step().unwrap();
        if s.phase == Phase::Mle {
            continue;
        }
        let (g, d) = (s.g_adversarial.unwrap(), s.d_loss.unwrap());
        assert!(g.is_finite() && d.is_finite() && s.g_loss.is_finite());
        assert_eq!(
            s.g_frozen,
            Some(g < 0.7 * d),
            "step {}: G {g} D {d}",
            s.step
        );
        assert_eq!(
            s.d_frozen,
            Some(d < 0.7 * g),
            "step {}: G {g} D {d}",
            s.step
        );
        let (real, fake) = (s.d_real.unwrap(), s.d_fake.unwrap());
        assert!((0.0..=1.0).contains(&real) && (0.0..=1.0).contains(&fake));
    }
}

#[test]
fn a_frozen_discriminator_keeps_its_weights_while_the_generator_moves() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let device = device();
    device.seed(11);
    let (g, mut d) = small_networks(&device);
    let config = small_config(0, 0);
    let mut d_optimizer = crnn_adam(&config);
    let real = || filled(8, EVENTS, |i| [0.0, 0.32, 0.32, 0.25][i % 4], &device);
    // Make D much stronger than G: it learns to reject G's untrained output.
    for step in 1..=40 {
        let fake = g.generate(noise_tensor([8, EVENTS, 4], step, &device));
        d = discriminator_step(d, &mut d_optimizer, real(), fake, 1e-2, step)
            .unwrap()
            .0;
    }
    let (d_before, g_before) = (weights(d.clone()), weights(g.clone()));
    let mut g_optimizer = crnn_adam(&config);
    let settings = GanSettings {
        learning_rate: 1e-2,
        freeze_threshold: 0.7,
        feature_matching: true,
    };
    let noise = noise_tensor([8, EVENTS, 4], 99, &device);
    let (g, d, stats) = gan_step(
        g,
        d,
        (&mut g_optimizer, &mut d_optimizer),
        (real(), noise),
        settings,
        41,
    )
    .unwrap();
    assert!(stats.d_loss < 0.7 * stats.g_adversarial, "{stats:?}");
    assert!(stats.frozen.discriminator && !stats.frozen.generator);
    assert_eq!(weights(d), d_before, "a frozen D changed");
    assert_ne!(weights(g), g_before, "G did not move");
}

#[test]
fn a_nan_loss_is_an_error_naming_the_step() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let device = device();
    device.seed(4);
    let (g, _) = small_networks(&device);
    let mut optimizer = crnn_adam(&small_config(0, 0));
    let real = filled(2, EVENTS, |i| if i == 5 { f32::NAN } else { 0.0 }, &device);
    let noise = noise_tensor([2, EVENTS, 4], 1, &device);
    let error =
        mle_step(g, &mut optimizer, real, noise, 1e-3, 17).expect_err("a NaN loss must fail");
    assert!(
        matches!(error, TrainError::NonFinite { step: 17, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("step 17"), "{error}");
}

#[test]
fn save_and_load_give_identical_outputs_and_the_same_next_steps() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let dataset = arpeggio_dataset(dir.path());
    let mut trainer = CrnnTrainer::new(small_config(3, 6), &dataset, 21, &device()).unwrap();
    for _ in 0..4 {
        trainer.step().unwrap();
    }
    let manifest_path = trainer.save(&run).unwrap();
    assert!(manifest_path.ends_with("crnn-checkpoint.json"));
    let manifest = read_crnn_manifest(&run).unwrap();
    assert_eq!((manifest.step, manifest.seed), (4, 21));
    let mut loaded = CrnnTrainer::load(&run, &dataset, &device()).unwrap();
    assert_eq!(loaded.steps_done(), 4);
    assert_eq!(loaded.config(), trainer.config());
    assert_eq!(
        weights(loaded.generator().clone()),
        weights(trainer.generator().clone())
    );
    assert_eq!(
        weights(loaded.discriminator().clone()),
        weights(trainer.discriminator().clone())
    );
    assert_eq!(
        trainer.sample(2, 12, 5).unwrap(),
        loaded.sample(2, 12, 5).unwrap()
    );
    // The optimizers' states came back too: the next (adversarial) steps are bit-identical.
    for _ in 0..3 {
        let a = trainer.step().unwrap();
        let b = loaded.step().unwrap();
        assert_eq!(a.phase, Phase::Gan);
        assert_eq!(a, b);
    }
    // A damaged file is an error naming it, not a panic.
    let file = run.join(&manifest.files.generator.name);
    let mut bytes = std::fs::read(&file).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xFF;
    std::fs::write(&file, bytes).unwrap();
    let error = CrnnTrainer::load(&run, &dataset, &device()).err().unwrap();
    assert!(error.to_string().contains("crnn-generator-"), "{error}");
}

#[test]
fn samples_are_valid_monophonic_pieces_on_the_sixteenth_grid() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let dataset = arpeggio_dataset(dir.path());
    let trainer = CrnnTrainer::new(small_config(0, 0), &dataset, 8, &device()).unwrap();
    let pieces = trainer.sample(3, 20, 1).unwrap();
    assert_eq!(pieces.len(), 3);
    assert_ne!(pieces[0], pieces[1], "each sample has its own noise");
    assert_eq!(pieces, trainer.sample(3, 20, 1).unwrap(), "a seed repeats");
    for piece in &pieces {
        assert_eq!(piece.ticks_per_quarter, 480);
        let notes: Vec<_> = piece.notes().collect();
        assert_eq!(notes.len(), 20);
        for pair in notes.windows(2) {
            assert!(pair[0].end() <= pair[1].start, "overlap in {}", piece.title);
        }
        for note in notes {
            assert!((Pitch::PIANO_LOW..=Pitch::PIANO_HIGH).contains(&note.pitch));
            assert_eq!(note.start % 120, 0);
            assert_eq!(note.duration.get() % 120, 0);
        }
    }
}

/// Drives a C-RNN-GAN run on the training worker (as the studio and `gan-studio train` do)
/// into the run folder `out`; returns every message it sent.
fn run_on_worker(
    make: impl FnOnce() -> Result<CrnnTrainer, TrainError> + Send + 'static,
    out: &std::path::Path,
) -> Vec<TrainMessage> {
    let options = WorkerOptions {
        run_dir: Some(out.to_path_buf()),
        ..WorkerOptions::default()
    };
    let worker = TrainWorker::spawn(make, options).unwrap();
    let mut messages = Vec::new();
    while let Some(message) = worker.recv() {
        if let TrainMessage::Failed(error) = &message {
            panic!("the run failed: {error}");
        }
        messages.push(message);
    }
    messages
}

fn steps_of(messages: &[TrainMessage]) -> Vec<u64> {
    messages
        .iter()
        .filter_map(|m| match m {
            TrainMessage::Step(s) => Some(s.step),
            _ => None,
        })
        .collect()
}

#[test]
fn the_worker_runs_crnn_with_samples_and_an_appended_step_log_and_resumes() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let dataset = std::sync::Arc::new(arpeggio_dataset(dir.path()));
    let out = dir.path().join("run");
    let config = small_config(2, 3).with_checkpoint_every(2);
    let (data, cfg) = (dataset.clone(), config.clone());
    let messages = run_on_worker(
        move || {
            let mut trainer = CrnnTrainer::new(cfg, &data, 6, &device())?;
            trainer.stop_after(3);
            Ok(trainer)
        },
        &out,
    );
    assert_eq!(steps_of(&messages), vec![1, 2, 3]);
    assert_eq!(read_crnn_manifest(&out).unwrap().step, 3);
    // Each epoch ends with a melody of one window's notes, and validation figures.
    let per_epoch = CrnnTrainer::new(config.clone(), &dataset, 6, &device())
        .unwrap()
        .steps_per_epoch();
    let samples: Vec<_> = messages
        .iter()
        .filter_map(|m| match m {
            TrainMessage::Sample { piece, tokens, .. } => Some((piece.clone(), tokens.len())),
            _ => None,
        })
        .collect();
    assert_eq!(
        samples.len() as u64,
        3 / per_epoch,
        "{per_epoch} steps per epoch"
    );
    for (piece, pitches) in &samples {
        assert_eq!(piece.as_ref().unwrap().note_count(), EVENTS);
        assert_eq!(*pitches, EVENTS);
    }
    // The step log is appended at each step, before any checkpoint: it holds step 3 too.
    let logged = |out: &std::path::Path| -> Vec<CrnnStepStats> {
        std::fs::read_to_string(out.join(STATS_FILE))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    assert_eq!(logged(&out).len(), 3);
    // Resuming runs to the end of both phases.
    let (data, from) = (dataset.clone(), out.clone());
    let messages = run_on_worker(move || CrnnTrainer::load(&from, &data, &device()), &out);
    assert_eq!(steps_of(&messages), vec![4, 5]);
    let stats = logged(&out);
    let steps: Vec<u64> = stats.iter().map(|s| s.step).collect();
    assert_eq!(steps, vec![1, 2, 3, 4, 5]);
    assert_eq!(stats[1].phase, Phase::Mle);
    assert_eq!(stats[2].phase, Phase::Gan);
    assert!(stats[4].d_loss.is_some() && stats[4].g_frozen.is_some());
}

/// A run folder written before C-RNN-GAN runs went through the worker (its step log rewritten
/// at each checkpoint, one line per step in C-RNN-GAN's own shape) resumes: its lines up to
/// the checkpoint are kept and read as the shared step figures, the new ones appended.
#[test]
fn a_crnn_run_folder_of_the_earlier_layout_resumes() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let dataset = std::sync::Arc::new(arpeggio_dataset(dir.path()));
    let out = dir.path().join("run");
    let mut trainer = CrnnTrainer::new(small_config(1, 2), &dataset, 4, &device()).unwrap();
    trainer.step().unwrap();
    trainer.step().unwrap();
    trainer.save(&out).unwrap();
    // The lines the earlier headless run wrote, as it wrote them (and one of a step after
    // the checkpoint, which a resume drops).
    let old = [
        r#"{"step":1,"epoch":0,"phase":"mle","g_loss":0.9,"g_adversarial":null,"d_loss":null,"d_real":null,"d_fake":null,"g_frozen":false,"d_frozen":false,"learning_rate":0.01}"#,
        r#"{"step":2,"epoch":0,"phase":"gan","g_loss":0.1,"g_adversarial":0.7,"d_loss":0.6,"d_real":0.5,"d_fake":0.4,"g_frozen":false,"d_frozen":true,"learning_rate":0.01}"#,
        r#"{"step":3,"epoch":0,"phase":"gan","g_loss":0.1,"g_adversarial":0.7,"d_loss":0.6,"d_real":0.5,"d_fake":0.4,"g_frozen":false,"d_frozen":false,"learning_rate":0.01}"#,
    ];
    std::fs::write(out.join(STATS_FILE), old.join("\n") + "\n").unwrap();
    let (data, from) = (dataset.clone(), out.clone());
    let messages = run_on_worker(move || CrnnTrainer::load(&from, &data, &device()), &out);
    assert_eq!(steps_of(&messages), vec![3]);
    let text = std::fs::read_to_string(out.join(STATS_FILE)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        &lines[..2],
        &old[..2],
        "the earlier lines are kept as written"
    );
    let stats: Vec<StepStats> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(stats.len(), 3);
    assert_eq!(stats[1].d_frozen, Some(true));
    assert_eq!(stats[2].step, 3);
    assert_eq!(read_crnn_manifest(&out).unwrap().step, 3);
}
