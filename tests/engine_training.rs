//! The training steps move the losses the right way, touch only the right weights, and are
//! reproducible.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod engine_support;

use burn::module::Module;
use burn::tensor::{Device, Int, Tensor, TensorData};
use gan_studio::model::{DiscriminatorConfig, GeneratorConfig};
use gan_studio::music::tokens::VOCAB_SIZE;
use gan_studio::train::checkpoint::adam;
use gan_studio::train::gan::{discriminator_step, fake_and_real, generator_step};
use gan_studio::train::{Phase, StepStats, Trainer};

use engine_support::{small_config, tiny_dataset};

/// burn's RNG is global to the process: tests that seed it and create models run one at a
/// time, or another test's draws fall between a seed and its model.
static RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn device() -> Device {
    Device::flex().autodiff()
}

fn constant_windows(token: i64, rows: usize, steps: usize, device: &Device) -> Tensor<3> {
    let ids = Tensor::<2, Int>::from_data(
        TensorData::new(vec![token; rows * steps], [rows, steps]),
        device,
    );
    ids.one_hot::<3>(VOCAB_SIZE).float()
}

fn weights(module: impl Module) -> Vec<u8> {
    module.into_record().into_bytes().unwrap().to_vec()
}

#[test]
fn mle_loss_falls_well_below_ln_v_on_a_repetitive_set() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let mut trainer =
        Trainer::new(small_config(60, 0), tiny_dataset(dir.path()), &device()).unwrap();
    let stats: Vec<StepStats> = (0..60).map(|_| trainer.train_step().unwrap()).collect();
    let first = stats[0].g_loss;
    let last = stats[59].g_loss;
    assert!(stats.iter().all(|s| s.phase == Phase::Mle));
    // A fresh model guesses about uniformly: ln 92 = 4.52.
    assert!((first - 4.52).abs() < 0.5, "first loss {first}");
    assert!(last < 1.0, "loss after 60 steps {last} (first {first})");
    assert!(stats[59].accuracy.unwrap() > 0.6);
    let validation = trainer.validate().unwrap().expect("a validation split");
    assert!(validation.loss < 1.5, "validation loss {}", validation.loss);
}

#[test]
fn discriminator_learns_to_separate_two_easy_distributions() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let device = device();
    device.seed(7);
    let config = small_config(0, 0);
    let mut discriminator = DiscriminatorConfig::new()
        .with_channels(16)
        .init(&device)
        .unwrap();
    let mut optimizer = adam(&config);
    let mut last = None;
    for step in 1..=40 {
        let real = constant_windows(0, 8, 16, &device);
        let fake = constant_windows(5, 8, 16, &device);
        let (next, stats) =
            discriminator_step(discriminator, &mut optimizer, real, fake, 1e-2, step).unwrap();
        discriminator = next;
        last = Some(stats);
    }
    let last = last.unwrap();
    assert!(last.d_real > 0.9, "D(real) {}", last.d_real);
    assert!(last.d_fake < 0.1, "D(fake) {}", last.d_fake);
    // 2 ln 2 = 1.386 for a D that cannot tell; far below once it can.
    assert!(last.loss < 0.2, "D loss {}", last.loss);
}

#[test]
fn generator_update_moves_the_generator_and_leaves_the_discriminator() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let device = device();
    device.seed(3);
    let config = small_config(0, 0);
    let generator = GeneratorConfig::new()
        .with_embedding(16)
        .with_hidden(32)
        .init(&device)
        .unwrap();
    let discriminator = DiscriminatorConfig::new()
        .with_channels(16)
        .init(&device)
        .unwrap();
    let d_before = weights(discriminator.clone());
    let g_before = weights(generator.clone());
    let batch = Tensor::<2, Int>::from_data(
        TensorData::new(
            (0..8 * 16).map(|i| i64::from(i % 7)).collect::<Vec<_>>(),
            [8, 16],
        ),
        &device,
    );
    let (fake, _real) = fake_and_real(&generator, batch).unwrap();
    let mut optimizer = adam(&config);
    let (generator, loss) =
        generator_step(generator, &discriminator, &mut optimizer, fake, 1e-2, 1).unwrap();
    assert!(loss.is_finite());
    assert_eq!(weights(discriminator), d_before, "D's weights changed");
    assert_ne!(weights(generator), g_before, "G's weights did not change");
}

fn run_steps(seed: u64) -> Vec<(u32, Option<u32>, Option<u32>)> {
    let dir = tempfile::tempdir().unwrap();
    let config = small_config(3, 3).with_seed(seed);
    let mut trainer = Trainer::new(config, tiny_dataset(dir.path()), &device()).unwrap();
    (0..6)
        .map(|_| {
            let s = trainer.train_step().unwrap();
            (
                s.g_loss.to_bits(),
                s.d_loss.map(f32::to_bits),
                s.d_fake.map(f32::to_bits),
            )
        })
        .collect()
}

#[test]
fn same_seed_and_config_give_bit_identical_losses_on_cpu() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let a = run_steps(11);
    let b = run_steps(11);
    assert_eq!(a, b);
    assert!(a[3].1.is_some(), "steps 4..6 are GAN steps");
    assert_ne!(a, run_steps(12), "another seed gives other losses");
}

#[test]
fn gan_phase_follows_mle_phase_and_stays_finite() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let mut trainer =
        Trainer::new(small_config(2, 6), tiny_dataset(dir.path()), &device()).unwrap();
    let stats: Vec<StepStats> = (0..8).map(|_| trainer.train_step().unwrap()).collect();
    assert_eq!(stats[1].phase, Phase::Mle);
    assert_eq!(stats[2].phase, Phase::Gan);
    for s in &stats[2..] {
        assert!(s.g_loss.is_finite() && s.d_loss.unwrap().is_finite());
        let (real, fake) = (s.d_real.unwrap(), s.d_fake.unwrap());
        assert!((0.0..=1.0).contains(&real) && (0.0..=1.0).contains(&fake));
    }
    assert!(trainer.is_done());
    let sample = trainer.sample(&[39, 89, 89], 10, 5).unwrap();
    assert_eq!(sample.len(), 10);
    assert!(sample.iter().all(|&t| (t as usize) < VOCAB_SIZE));
    assert_eq!(
        sample,
        trainer.sample(&[39, 89, 89], 10, 5).unwrap(),
        "same seed, same sample"
    );
}
