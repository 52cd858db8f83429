//! A runner for the training benchmark while `gan-studio bench train` is not wired (and for
//! `scripts/bench_train_vs_torch.sh`): ignored by default, prints figures, asserts nothing
//! about time.
//!
//! `GAN_STUDIO_LSTM=stock|fused` picks the LSTM, `GAN_STUDIO_BENCH_RUNS` the timed runs.
//!
//! ```sh
//! RAYON_NUM_THREADS=2 cargo test --release --test fused_lstm_bench -- --ignored --nocapture
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used)]

use gan_studio::bench::train::{TrainBench, run_train_bench};
use gan_studio::model::fused_lstm::LstmKernel;

#[test]
#[ignore = "a benchmark: run with --ignored --nocapture in release"]
fn bench_train() {
    let kernel = match std::env::var("GAN_STUDIO_LSTM").as_deref() {
        Ok("stock") => LstmKernel::Stock,
        _ => LstmKernel::Fused,
    };
    let runs = std::env::var("GAN_STUDIO_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    println!("lstm {kernel:?}");
    let figures = run_train_bench(&TrainBench {
        runs,
        kernel,
        ..TrainBench::default()
    })
    .unwrap();
    assert!(figures.iter().any(|(name, _, _)| name == "mle_step_ms"));
}
