//! Milliseconds per MLE and per adversarial step of the C-RNN-GAN at its default
//! configuration with batch 64, on 40 synthetic tunes (`cargo bench --bench crnn_steps`).
//! Prints `name value ms` lines (the median of four steps of each phase); asserts nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use burn::tensor::Device;
use gan_studio::data::{DataSource, LoadOptions, PreprocessConfig, load_dataset};
use gan_studio::model::crnn::{CrnnDiscriminatorConfig, CrnnGeneratorConfig};
use gan_studio::train::Phase;
use gan_studio::train::crnn::{CrnnTrainConfig, CrnnTrainer};

fn main() {
    let dir = tempfile::tempdir().unwrap();
    // 40 tunes of 64 notes with varied pitches and rhythms.
    let mut abc = String::new();
    let notes = ["C", "D", "E", "F", "G", "A", "B", "c"];
    for i in 0..40 {
        abc.push_str(&format!("X:{}\nT:T{i}\nM:4/4\nL:1/8\nK:C\n", i + 1));
        for j in 0..64 {
            let n = notes[(i * 3 + j * 5 + j / 7) % notes.len()];
            let len = if (i + j) % 3 == 0 { "2" } else { "" };
            abc.push_str(&format!("{n}{len} "));
        }
        abc.push_str("|\n\n");
    }
    let path = dir.path().join("bench.abc");
    std::fs::write(&path, abc).unwrap();
    let dataset = load_dataset(
        &[DataSource::Abc(vec![path])],
        &PreprocessConfig::default(),
        &LoadOptions::default(),
    )
    .unwrap();
    let config = CrnnTrainConfig::new(CrnnGeneratorConfig::new(), CrnnDiscriminatorConfig::new())
        .with_mle_steps(4)
        .with_gan_steps(4);
    let mut trainer = CrnnTrainer::new(config, &dataset, 1, &Device::flex().autodiff()).unwrap();
    let mut times = [Vec::new(), Vec::new()];
    for _ in 0..8 {
        let start = std::time::Instant::now();
        let s = trainer.step().unwrap();
        let ms = start.elapsed().as_secs_f64() * 1e3;
        times[usize::from(s.phase == Phase::Gan)].push(ms);
    }
    for (name, mut t) in ["crnn_mle_step_ms", "crnn_gan_step_ms"]
        .into_iter()
        .zip(times)
    {
        t.sort_by(f64::total_cmp);
        println!(
            "{name} {:.1} ms (median of {}: {t:.0?})",
            t[t.len() / 2],
            t.len()
        );
    }
}
