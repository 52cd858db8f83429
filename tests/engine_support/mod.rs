//! Shared helpers of the engine tests: a tiny repetitive data set and small models.

#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;

use gan_studio::data::{DataSource, Dataset, LoadOptions, PreprocessConfig, load_dataset};
use gan_studio::model::{DiscriminatorConfig, GeneratorConfig};
use gan_studio::train::TrainConfig;

/// Window length of the test data set.
pub const WINDOW: u32 = 16;

/// A data set of ten tunes that all repeat one arpeggio in quarter notes: the next token is
/// almost always predictable. 16-step windows, stride 4, 20% validation.
pub fn tiny_dataset(dir: &std::path::Path) -> Arc<Dataset> {
    let mut abc = String::new();
    for i in 1..=10 {
        abc.push_str(&format!("X:{i}\nT:Arpeggio {i}\nM:4/4\nL:1/8\nK:C\n"));
        for _ in 0..8 {
            abc.push_str("C2 E2 G2 c2 | ");
        }
        abc.push_str("\n\n");
    }
    let config = PreprocessConfig {
        window_steps: WINDOW,
        stride: 4,
        validation_fraction: 0.2,
        ..PreprocessConfig::default()
    };
    abc_dataset(&dir.join("tiny.abc"), &abc, &config)
}

/// Writes `abc` to `path` and loads it as a data set with `config`.
pub fn abc_dataset(path: &std::path::Path, abc: &str, config: &PreprocessConfig) -> Arc<Dataset> {
    std::fs::write(path, abc).unwrap();
    let dataset = load_dataset(
        &[DataSource::Abc(vec![path.to_path_buf()])],
        config,
        &LoadOptions::default(),
    )
    .unwrap();
    Arc::new(dataset)
}

/// A small run configuration: embedding 16, LSTM 32, 16 channels, batch 8.
pub fn small_config(mle_steps: u64, gan_steps: u64) -> TrainConfig {
    TrainConfig::new(
        GeneratorConfig::new().with_embedding(16).with_hidden(32),
        DiscriminatorConfig::new().with_channels(16),
    )
    .with_batch_size(8)
    .with_mle_steps(mle_steps)
    .with_gan_steps(gan_steps)
    .with_learning_rate(1e-2)
    .with_checkpoint_every(0)
    .with_sample_tokens(8)
    .with_validation_batches(2)
}

/// A finished command's standard output and standard error, one after the other.
pub fn text(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
