//! The `reinforce` recipe of the adversarial phase: per-step discriminator scores, whole tunes
//! drawn from the generator, the configuration's defaults, and a run that trains both
//! networks.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod engine_support;

use std::sync::Arc;

use burn::module::Module;
use burn::tensor::{Device, Distribution, Tensor};
use gan_studio::data::{Dataset, PreprocessConfig};
use gan_studio::model::{DiscriminatorConfig, GeneratorConfig};
use gan_studio::music::Metre;
use gan_studio::music::tokens::{END_ID, MODEL_VOCAB_SIZE, PAD_ID, START_ID, split_code};
use gan_studio::train::config::GanLoss;
use gan_studio::train::reinforce::sample_tunes;
use gan_studio::train::{Phase, TrainConfig, Trainer};

fn device() -> Device {
    gan_studio::train::cpu_device()
}

#[test]
fn per_step_scores_average_to_the_window_score() {
    let device = device();
    let d = DiscriminatorConfig::new()
        .with_vocab_size(MODEL_VOCAB_SIZE)
        .with_channels(8)
        .init(&device)
        .unwrap();
    let windows = Tensor::<3>::random([3, 12, MODEL_VOCAB_SIZE], Distribution::Default, &device);
    let steps = d.forward_steps(windows.clone()).unwrap(); // [3, 12]
    assert_eq!(steps.dims(), [3, 12]);
    let mean: Vec<f32> = steps
        .mean_dim(1)
        .into_data()
        .convert::<f32>()
        .try_to_vec::<f32>()
        .unwrap();
    let whole: Vec<f32> = d
        .forward(windows)
        .into_data()
        .convert::<f32>()
        .try_to_vec::<f32>()
        .unwrap();
    for (a, b) in mean.iter().zip(&whole) {
        assert!((a - b).abs() < 1e-5, "{mean:?} vs {whole:?}");
    }
    // Minibatch discrimination has no per-step features: refused with a reason.
    let minibatch = DiscriminatorConfig::new()
        .with_vocab_size(MODEL_VOCAB_SIZE)
        .with_channels(8)
        .with_minibatch_kernels(4)
        .init(&device)
        .unwrap();
    let error = minibatch
        .forward_steps(Tensor::zeros([1, 4, MODEL_VOCAB_SIZE], &device))
        .unwrap_err()
        .to_string();
    assert!(error.contains("minibatch"), "{error}");
}

#[test]
fn drawn_tunes_start_end_and_carry_their_metre() {
    let device = device();
    let generator = GeneratorConfig::new()
        .with_vocab_size(MODEL_VOCAB_SIZE)
        .with_places(true)
        .with_embedding(8)
        .with_hidden(16)
        .init(&device)
        .unwrap();
    let metre: Metre = "6/8".parse().unwrap();
    let max_steps = 30;
    let codes = sample_tunes(&generator, metre, 5, max_steps, 3, &device).unwrap();
    let [rows, width] = codes.dims();
    assert_eq!(rows, 5);
    assert!(width <= max_steps + 2, "{width}");
    let values: Vec<i64> = codes
        .into_data()
        .convert::<i64>()
        .try_to_vec::<i64>()
        .unwrap();
    let mut ended = 0;
    for row in values.chunks(width) {
        let tokens: Vec<u32> = row.iter().map(|&c| split_code(c as u32).0).collect();
        assert_eq!(tokens[0], START_ID, "{tokens:?}");
        let pad = tokens.iter().position(|&t| t == PAD_ID).unwrap_or(width);
        assert!(tokens[pad..].iter().all(|&t| t == PAD_ID), "{tokens:?}");
        if let Some(end) = tokens.iter().position(|&t| t == END_ID) {
            assert_eq!(end + 1, pad, "only padding follows the end: {tokens:?}");
            ended += 1;
        } else {
            assert_eq!(
                pad,
                max_steps + 1,
                "a tune that did not end runs to the limit"
            );
        }
        assert!(!tokens[1..pad].contains(&START_ID), "{tokens:?}");
        for (j, &code) in row[..pad].iter().enumerate() {
            assert_eq!(
                split_code(code as u32).1,
                metre.place_id(j as u64),
                "step {j} of {tokens:?}"
            );
        }
    }
    // An untrained generator rarely ends a tune in 30 steps; the count is only reported.
    eprintln!("{ended} of {rows} tunes ended");
}

#[test]
fn the_reinforce_configuration_keeps_the_likelihood_and_refuses_minibatch() {
    let config = TrainConfig::from_json(r#"{"loss": "reinforce"}"#).unwrap();
    assert_eq!(config.loss, GanLoss::Reinforce);
    assert_eq!(config.mle_weight, 1.0);
    assert_eq!(config.reward_discount, 0.23);
    assert_eq!(config.baseline_decay, 0.08);
    assert_eq!(config.d_steps, 1);
    assert_eq!(config.gan_learning_rate, Some(1e-4));
    // Other losses keep the pathwise objective alone unless asked.
    assert_eq!(TrainConfig::for_loss(GanLoss::Bce).mle_weight, 0.0);
    let error = TrainConfig::from_json(
        r#"{"loss": "reinforce", "discriminator": {"minibatch_kernels": 4}}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("minibatch"), "{error}");
    let error = TrainConfig::from_json(r#"{"loss": "reinforce", "reward_discount": 1.5}"#)
        .unwrap_err()
        .to_string();
    assert!(error.contains("reward_discount"), "{error}");
}

/// Sixty short tunes in 3/4 and 4/4, laid out as whole tunes.
fn tune_dataset(dir: &std::path::Path) -> Arc<Dataset> {
    let bars = [
        "C2 E2 G2", "E2 D2 C2", "G2 A2 G2", "F2 E2 D2", "c2 B2 A2", "G4 E2",
    ];
    let mut abc = String::new();
    for i in 0..60 {
        let metre = if i % 2 == 0 { "3/4" } else { "4/4" };
        abc.push_str(&format!("X:{i}\nT:Tune {i}\nM:{metre}\nL:1/8\nK:C\n"));
        for b in 0..4 {
            let bar = bars[(i + b * 7) % bars.len()];
            let extra = if metre == "4/4" { " C2" } else { "" };
            abc.push_str(&format!("{bar}{extra} | "));
        }
        abc.push_str("\n\n");
    }
    let config = PreprocessConfig {
        validation_fraction: 0.2,
        ..PreprocessConfig::tunes()
    };
    engine_support::abc_dataset(&dir.join("tunes.abc"), &abc, &config)
}

fn bytes(module: impl Module) -> Vec<u8> {
    module.into_record().into_bytes().unwrap().to_vec()
}

#[test]
fn a_reinforce_run_trains_both_networks_on_drawn_tunes() {
    let dir = tempfile::tempdir().unwrap();
    let data = tune_dataset(dir.path());
    let config = engine_support::small_config(0, 3)
        .with_loss(GanLoss::Reinforce)
        .apply_loss_preset()
        .for_layout(gan_studio::data::Layout::Tunes);
    let mut trainer = Trainer::new(config, data, &Device::flex()).unwrap();
    let (g0, d0) = (
        bytes(trainer.generator().clone()),
        bytes(trainer.discriminator().clone()),
    );
    for _ in 0..3 {
        let stats = trainer.train_step().unwrap();
        assert_eq!(stats.phase, Phase::Gan);
        assert_eq!(stats.loss, Some(GanLoss::Reinforce));
        let (real, fake) = (stats.d_real.unwrap(), stats.d_fake.unwrap());
        assert!(
            real > 0.0 && real < 1.0 && fake > 0.0 && fake < 1.0,
            "{stats:?}"
        );
        assert!(stats.g_loss.is_finite(), "{stats:?}");
        assert_eq!(stats.d_updates, Some(1));
    }
    assert_ne!(
        bytes(trainer.generator().clone()),
        g0,
        "the generator moved"
    );
    assert_ne!(
        bytes(trainer.discriminator().clone()),
        d0,
        "the discriminator moved"
    );
}
