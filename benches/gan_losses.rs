//! Milliseconds per adversarial step of each loss at the reference configuration (V = 92,
//! T = 64, batch 64, embedding 128, LSTM 256, 128 discriminator channels), printed, not
//! asserted. Run with `cargo bench --bench gan_losses`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use burn::tensor::{Device, Int, Tensor, TensorData};
use gan_studio::music::tokens::VOCAB_SIZE;
use gan_studio::train::TrainConfig;
use gan_studio::train::checkpoint::optimizer;
use gan_studio::train::config::GanLoss;
use gan_studio::train::gan::{GanOptimizers, GanSettings, adversarial_step};

fn batch(seed: u64, device: &Device) -> Tensor<2, Int> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let ids: Vec<i64> = (0..64 * 64)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % VOCAB_SIZE as u64) as i64
        })
        .collect();
    Tensor::from_data(TensorData::new(ids, [64, 64]), device)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let device = Device::flex().autodiff();
    for (loss, k) in [
        (GanLoss::Bce, 1),
        (GanLoss::WganClip, 1),
        (GanLoss::WganGp, 1),
        (GanLoss::WganClip, 5),
        (GanLoss::WganGp, 5),
    ] {
        let config = TrainConfig::for_loss(loss);
        device.seed(1);
        let mut g = config.generator.init(&device).unwrap();
        let mut d = config.discriminator.init(&device).unwrap();
        let mut opt_g = optimizer(config.gan_optimizer, &config, 0.0);
        let mut opt_d = optimizer(config.gan_optimizer, &config, 0.0);
        let settings = GanSettings::from_config(&config);
        let mut times = Vec::new();
        for step in 0..4u64 {
            let batches = (0..k).map(|j| batch(step * 10 + j, &device)).collect();
            let started = Instant::now();
            let optimizers = GanOptimizers {
                generator: &mut opt_g,
                discriminator: &mut opt_d,
            };
            let (g2, d2, _) =
                adversarial_step(g, d, optimizers, batches, &settings, step + 1).unwrap();
            (g, d) = (g2, d2);
            if step > 0 {
                times.push(started.elapsed().as_secs_f64() * 1e3);
            }
        }
        println!(
            "gan_step_ms_{}_k{k} {:.0} ms",
            loss.name().replace('-', "_"),
            median(times)
        );
    }
}
