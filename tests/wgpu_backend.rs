//! The wgpu backend trains the same model as the CPU backend: on whatever adapter this machine
//! has (in CI: Mesa's lavapipe, a software Vulkan adapter that `scripts/test.sh` installs), the
//! same parameters give the same MLE losses within float tolerance over three Adam steps, and a
//! GAN step runs with finite losses. Where wgpu finds no adapter at all, asking for it fails
//! with the clear error the command line shows.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use burn::module::Module;
use burn::optim::AdamConfig;
use burn::tensor::{Device, Int, Tensor, TensorData};
use gan_studio::model::{DiscriminatorConfig, Generator, GeneratorConfig};
use gan_studio::train::backend::{
    self, BackendChoice, BackendError, BackendKind, Plan, adapters, plan, select,
};
use gan_studio::train::device_name;
use gan_studio::train::gan::{GanOptimizers, gan_step};
use gan_studio::train::mle::mle_step;

const BATCH: usize = 4;
const STEPS: usize = 17;

fn batch(device: &Device, round: usize) -> Tensor<2, Int> {
    let vocab = GeneratorConfig::new().vocab_size as i64;
    let ids: Vec<i64> = (0..BATCH * STEPS)
        .map(|i| ((i * 7 + round * 13 + i / 5) as i64) % vocab)
        .collect();
    Tensor::from_data(TensorData::new(ids, [BATCH, STEPS]), device)
}

fn small_generator(device: &Device) -> Generator {
    device.seed(11);
    GeneratorConfig::new()
        .with_embedding(16)
        .with_hidden(24)
        .init(device)
        .unwrap()
}

fn mle_losses(generator: Generator, device: &Device) -> Vec<f32> {
    let mut optimizer = AdamConfig::new().init();
    let mut generator = generator;
    let mut losses = Vec::new();
    for step in 1..=3u64 {
        let (g, stats) = mle_step(
            generator,
            &mut optimizer,
            batch(device, step as usize),
            1e-2,
            step,
        )
        .unwrap();
        generator = g;
        losses.push(stats.loss);
    }
    losses
}

#[test]
fn wgpu_trains_like_the_cpu_or_says_there_is_no_adapter() {
    let found = adapters();
    match plan(BackendChoice::Wgpu, found) {
        Plan::Fail(expected) => {
            assert!(found.is_empty());
            assert_eq!(select(BackendChoice::Wgpu).unwrap_err(), expected);
            assert_eq!(expected, BackendError::NoAdapter);
            eprintln!("no wgpu adapter on this machine: only the error path was checked");
        }
        Plan::Cpu => panic!("an explicit wgpu choice never plans the CPU"),
        Plan::Wgpu(adapter) => {
            let wgpu = select(BackendChoice::Wgpu).unwrap();
            assert_eq!(wgpu.kind, BackendKind::Wgpu);
            assert_eq!(backend::backend_kind(&wgpu.device), BackendKind::Wgpu);
            let name = device_name(&wgpu.device.clone().autodiff());
            assert!(
                name.starts_with("wgpu (") && name.contains(&adapter.name),
                "{name}"
            );
            eprintln!("training on {name}");

            // The same parameters on both devices.
            let cpu = Device::flex().autodiff();
            let gpu = wgpu.device.clone().autodiff();
            // (Forked, so each copy has its own autodiff graph.)
            let generator = small_generator(&cpu);
            let on_gpu = generator.clone().fork(&gpu);
            let cpu_losses = mle_losses(generator, &cpu);
            let gpu_losses = mle_losses(on_gpu, &gpu);
            for (step, (c, g)) in cpu_losses.iter().zip(&gpu_losses).enumerate() {
                assert!(
                    (c - g).abs() <= 1e-3 * c.abs().max(1.0),
                    "step {}: cpu loss {c}, wgpu loss {g}",
                    step + 1
                );
            }
            // Training moved the loss on both (the comparison above is not of constants).
            assert!(cpu_losses[2] < cpu_losses[0], "{cpu_losses:?}");

            // One adversarial step runs on wgpu with finite figures.
            let generator = small_generator(&cpu).fork(&gpu);
            let discriminator = DiscriminatorConfig::new()
                .with_channels(16)
                .init(&gpu)
                .unwrap();
            let (mut opt_g, mut opt_d) = (AdamConfig::new().init(), AdamConfig::new().init());
            let (_, _, stats) = gan_step(
                generator,
                discriminator,
                GanOptimizers {
                    generator: &mut opt_g,
                    discriminator: &mut opt_d,
                },
                batch(&gpu, 9),
                1e-3,
                1,
            )
            .unwrap();
            assert!(
                stats.g_loss.is_finite() && stats.d_loss.is_finite(),
                "{stats:?}"
            );
            assert!((0.0..=1.0).contains(&stats.d_real), "{stats:?}");
        }
    }
}

#[test]
fn auto_never_picks_a_software_adapter() {
    let device = select(BackendChoice::Auto).unwrap();
    let has_gpu = adapters().iter().any(|a| a.kind.is_gpu());
    if !has_gpu {
        assert_eq!(device.kind, BackendKind::Cpu);
        assert_eq!(device.description, "cpu (flex)");
    }
}
