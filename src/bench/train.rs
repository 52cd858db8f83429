//! `gan-studio bench train`: training and generation speed of the reference model, printed
//! with the same names as the PyTorch reference (`shared/bench/torch_reference.py`) so a
//! script can put the two side by side.
//!
//! The reference configuration: the vocabulary's `V`, windows of `T = 64` steps, batch 64,
//! embedding 128, LSTM 256, the PatchGAN discriminator (two Conv1d of 128 channels, kernel 5),
//! Adam with learning rate 2e-4 and betas 0.5/0.999. Each training figure times the real
//! [`crate::train::mle::mle_step`] / [`crate::train::gan::gan_step`] (loss, backward, Adam
//! update, the loss read back to the host) on four fixed random batches in turn; generation
//! feeds a 16-token primer, then samples 256 tokens (temperature 1) with
//! [`Generator::forward_step`], reading each step's logits back to the host.
//!
//! Figures, one per line as `name value unit`, medians of `runs` timed runs after `warmup`:
//! `threads`, `mle_step_ms`, `gan_step_ms`, `generate_b1_t256_ms`, `generate_b8_t256_ms`,
//! `peak_rss_mb`.

use std::io::Write;

use anyhow::Context;
use burn::optim::{AdamConfig, ModuleOptimizer};
use burn::tensor::{Device, Int, Tensor, TensorData};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::bench::{median, peak_rss_mb, time_runs};
use crate::model::fused_lstm::{LstmKernel, set_lstm_kernel};
use crate::model::{DiscriminatorConfig, Generator, GeneratorConfig};
use crate::music::tokens::VOCAB_SIZE;
use crate::train::backend::{BackendChoice, select};
use crate::train::gan::{GanOptimizers, gan_step};
use crate::train::mle::mle_step;

/// Steps of a training window (the model reads `T` tokens and predicts the next `T`).
pub const WINDOW_STEPS: usize = 64;
/// Windows per batch.
pub const BATCH: usize = 64;
/// Learning rate of both optimizers.
pub const LEARNING_RATE: f64 = 2e-4;
/// Tokens of the generation primer.
pub const PRIMER: usize = 16;
/// Tokens generated after the primer.
pub const GENERATED: usize = 256;

/// Settings of the training benchmark.
#[derive(Clone, Debug)]
pub struct TrainBench {
    /// Untimed runs before the timed ones.
    pub warmup: usize,
    /// Timed runs of each training figure (generation uses `min(runs, 5)`, at least 3).
    pub runs: usize,
    /// The LSTM implementation the generator uses.
    pub kernel: LstmKernel,
    /// Seed of the weights and the random batches.
    pub seed: u64,
    /// The compute backend.
    pub backend: BackendChoice,
    /// Windows per batch (the reference: [`BATCH`]).
    pub batch: usize,
    /// LSTM size of the generator (the reference: 256).
    pub hidden: usize,
}

impl Default for TrainBench {
    fn default() -> Self {
        TrainBench {
            warmup: 3,
            runs: 7,
            kernel: LstmKernel::default(),
            seed: 42,
            backend: BackendChoice::Auto,
            batch: BATCH,
            hidden: 256,
        }
    }
}

/// Runs the training benchmark on the device `opts.backend` selects, printing each figure as
/// soon as it is known (after a `# backend: ...` line), and returns them as
/// `(name, value, unit)`.
pub fn run_train_bench(opts: &TrainBench) -> anyhow::Result<Vec<(String, f64, String)>> {
    set_lstm_kernel(opts.kernel);
    let compute = select(opts.backend)?;
    let device = compute.device;
    println!(
        "# backend: {}; batch {}, LSTM {}",
        crate::train::device_name(&device),
        opts.batch,
        opts.hidden
    );
    if let Some(note) = &compute.note {
        println!("# note: {note}");
    }
    let mut figures = Vec::new();
    let mut emit = |name: &str, value: f64, unit: &str| {
        println!("{name} {value:.2} {unit}");
        let _ = std::io::stdout().flush();
        figures.push((name.to_string(), value, unit.to_string()));
    };
    emit("threads", rayon_threads() as f64, "threads");
    let batches = random_batches(opts.seed, opts.batch, &device.clone().autodiff());
    emit("mle_step_ms", mle_ms(opts, &device, &batches)?, "ms");
    emit("gan_step_ms", gan_ms(opts, &device, &batches)?, "ms");
    let generation_runs = opts.runs.clamp(3, 5);
    for batch in [1, 8] {
        let ms = generate_ms(opts, &device, batch, generation_runs)?;
        emit(&format!("generate_b{batch}_t{GENERATED}_ms"), ms, "ms");
    }
    let rss = peak_rss_mb().unwrap_or(f64::NAN);
    emit("peak_rss_mb", rss, "MB");
    Ok(figures)
}

/// Whether burn's CPU backend was built with its `rayon` feature (burn's `rayon` feature in
/// `Cargo.toml`; keep in sync). Without it every flex kernel runs on the calling thread.
pub const FLEX_MULTITHREADED: bool = true;

/// The threads the CPU backend's kernels use: 1 when it is built without `rayon`, else the
/// current rayon pool's (`RAYON_NUM_THREADS` when set, else one per core).
pub fn rayon_threads() -> usize {
    if FLEX_MULTITHREADED {
        rayon::current_num_threads()
    } else {
        1
    }
}

/// Four fixed random batches of `[batch, WINDOW_STEPS + 1]` token ids.
fn random_batches(seed: u64, batch: usize, device: &Device) -> Vec<Tensor<2, Int>> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed);
    (0..4)
        .map(|_| {
            let ids: Vec<i64> = (0..batch * (WINDOW_STEPS + 1))
                .map(|_| rng.random_range(0..VOCAB_SIZE as i64))
                .collect();
            Tensor::from_data(TensorData::new(ids, [batch, WINDOW_STEPS + 1]), device)
        })
        .collect()
}

/// The reference optimizer: Adam with betas 0.5/0.999.
fn adam() -> ModuleOptimizer {
    AdamConfig::new().with_beta_1(0.5).with_beta_2(0.999).init()
}

fn reference_generator(opts: &TrainBench, device: &Device) -> anyhow::Result<Generator> {
    device.seed(opts.seed);
    GeneratorConfig::new()
        .with_hidden(opts.hidden)
        .init(device)
        .context("building the reference generator")
}

/// Median ms of one MLE step.
fn mle_ms(opts: &TrainBench, device: &Device, batches: &[Tensor<2, Int>]) -> anyhow::Result<f64> {
    let mut generator = Some(reference_generator(opts, &device.clone().autodiff())?);
    let mut optimizer = adam();
    let mut step = 0u64;
    let mut failure = None;
    let times = time_runs(opts.warmup, opts.runs, || {
        step += 1;
        let batch = batches[step as usize % batches.len()].clone();
        if let Some(g) = generator.take() {
            match mle_step(g, &mut optimizer, batch, LEARNING_RATE, step) {
                Ok((g, _stats)) => generator = Some(g),
                Err(e) => failure = Some(e),
            }
        }
    });
    match failure {
        Some(e) => Err(e).context("an MLE step of the benchmark failed"),
        None => Ok(median(&times).as_secs_f64() * 1e3),
    }
}

/// Median ms of one GAN step (D update, then G update through D).
fn gan_ms(opts: &TrainBench, device: &Device, batches: &[Tensor<2, Int>]) -> anyhow::Result<f64> {
    let autodiff = device.clone().autodiff();
    let generator = reference_generator(opts, &autodiff)?;
    let discriminator = DiscriminatorConfig::new()
        .init(&autodiff)
        .context("building the reference discriminator")?;
    let mut models = Some((generator, discriminator));
    let (mut opt_g, mut opt_d) = (adam(), adam());
    let mut step = 0u64;
    let mut failure = None;
    let times = time_runs(opts.warmup, opts.runs, || {
        step += 1;
        let batch = batches[step as usize % batches.len()].clone();
        if let Some((g, d)) = models.take() {
            let optimizers = GanOptimizers {
                generator: &mut opt_g,
                discriminator: &mut opt_d,
            };
            match gan_step(g, d, optimizers, batch, LEARNING_RATE, step) {
                Ok((g, d, _stats)) => models = Some((g, d)),
                Err(e) => failure = Some(e),
            }
        }
    });
    match failure {
        Some(e) => Err(e).context("a GAN step of the benchmark failed"),
        None => Ok(median(&times).as_secs_f64() * 1e3),
    }
}

/// Median ms of generating `GENERATED` tokens after a `PRIMER`-token primer for `batch`
/// variations at once.
fn generate_ms(
    opts: &TrainBench,
    device: &Device,
    batch: usize,
    runs: usize,
) -> anyhow::Result<f64> {
    let generator = reference_generator(opts, device)?;
    let mut rng = StdRng::seed_from_u64(opts.seed ^ batch as u64);
    let primer: Vec<i64> = (0..batch * PRIMER)
        .map(|_| rng.random_range(0..VOCAB_SIZE as i64))
        .collect();
    let primer = Tensor::<2, Int>::from_data(TensorData::new(primer, [batch, PRIMER]), device);
    let mut failure = None;
    let times = time_runs(2, runs, || {
        if let Err(e) = generate(&generator, primer.clone(), &mut rng) {
            failure = Some(e);
        }
    });
    match failure {
        Some(e) => Err(e),
        None => Ok(median(&times).as_secs_f64() * 1e3),
    }
}

/// Samples `GENERATED` tokens per row after `primer` `[b, PRIMER]` (temperature 1).
fn generate(
    generator: &Generator,
    primer: Tensor<2, Int>,
    rng: &mut StdRng,
) -> anyhow::Result<Vec<i64>> {
    let device = primer.device();
    let [batch, _] = primer.dims();
    let vocab = generator.vocab_size();
    let (mut logits, mut state) = generator.forward_step(primer, None);
    let mut out = Vec::with_capacity(batch * GENERATED);
    for _ in 0..GENERATED {
        let values = logits
            .into_data()
            .convert::<f32>()
            .try_into_vec::<f32>()
            .map_err(|e| anyhow::anyhow!("reading the generator's logits: {e:?}"))?;
        let ids: Vec<i64> = values
            .chunks(vocab)
            .map(|row| sample(row, rng) as i64)
            .collect();
        out.extend_from_slice(&ids);
        let tokens = Tensor::<2, Int>::from_data(TensorData::new(ids, [batch, 1]), &device);
        (logits, state) = generator.forward_step(tokens, Some(state));
    }
    Ok(out)
}

/// Draws an index from the softmax of `logits`.
fn sample(logits: &[f32], rng: &mut StdRng) -> usize {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let total: f32 = logits.iter().map(|&l| (l - max).exp()).sum();
    let mut u = rng.random::<f32>() * total;
    for (i, &l) in logits.iter().enumerate() {
        u -= (l - max).exp();
        if u <= 0.0 {
            return i;
        }
    }
    logits.len().saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampling_follows_the_softmax() {
        let mut rng = StdRng::seed_from_u64(3);
        // One logit far above the others: its token always wins.
        let logits = [0.0, 40.0, 0.0];
        assert!((0..100).all(|_| sample(&logits, &mut rng) == 1));
        // Two equal logits: each drawn about half of the time.
        let logits = [1.0, 1.0];
        let ones = (0..2000).filter(|_| sample(&logits, &mut rng) == 1).count();
        assert!((800..1200).contains(&ones), "{ones}");
    }
}
