//! Trains the shipped default model (`models/default/`) on the Essen folk set: MLE
//! pre-training at a higher learning rate, a copy of that checkpoint as the MLE-only
//! baseline, then adversarial (BCE) fine-tuning at the GAN learning rate.
//!
//! `cargo run --release --example train_default -- OUT_DIR [MLE_STEPS] [GAN_STEPS]`

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use gan_studio::data::fetch;
use gan_studio::data::{LoadOptions, PreprocessConfig, load_dataset, source_for};
use gan_studio::model::{DiscriminatorConfig, GeneratorConfig};
use gan_studio::train::{Phase, TrainConfig, Trainer, cpu_device};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().unwrap_or_else(|| "models/run".into()));
    let mle_steps: u64 = args.next().map_or(Ok(2500), |s| s.parse())?;
    let gan_steps: u64 = args.next().map_or(Ok(300), |s| s.parse())?;
    let mle_lr = 1e-3;
    let gan_lr = 2e-4;

    let source = source_for(None)?;
    let options = LoadOptions {
        cache_dir: fetch::cache_dir().ok(),
        ..LoadOptions::default()
    };
    let dataset = Arc::new(load_dataset(
        std::slice::from_ref(&source),
        &PreprocessConfig::default(),
        &options,
    )?);
    println!("data: {}", dataset.stats.sources.join("; "));
    let config = TrainConfig::new(GeneratorConfig::new(), DiscriminatorConfig::new())
        .with_learning_rate(mle_lr)
        .with_mle_steps(mle_steps)
        .with_gan_steps(gan_steps)
        .with_checkpoint_every(0)
        .with_seed(7);
    let device = cpu_device();
    let mut trainer = Trainer::new(config, dataset, &device)?;
    let started = Instant::now();
    let mut window = Vec::new();
    while !trainer.is_done() {
        if trainer.step() == mle_steps && trainer.phase() == Phase::Gan {
            let dir = out.join("mle");
            trainer.save(&dir)?;
            println!(
                "saved MLE-only model to {} after {:.0} s",
                dir.display(),
                started.elapsed().as_secs_f64()
            );
            trainer.set_learning_rate(gan_lr)?;
        }
        let stats = trainer.train_step()?;
        window.push(stats.clone());
        if stats.step % 50 == 0 || trainer.is_done() {
            let n = window.len() as f32;
            let g = window.iter().map(|s| s.g_loss).sum::<f32>() / n;
            let acc = window.iter().filter_map(|s| s.accuracy).sum::<f32>() / n;
            let d = window.iter().filter_map(|s| s.d_loss).sum::<f32>() / n;
            println!(
                "step {} epoch {} {:?} g {g:.4} acc {acc:.3} d {d:.4} {:.2} steps/s elapsed {:.0} s",
                stats.step,
                stats.epoch,
                stats.phase,
                stats.steps_per_second,
                started.elapsed().as_secs_f64()
            );
            window.clear();
        }
        if trainer.at_epoch_end()
            && let Some(v) = trainer.validate()?
        {
            println!("validation after step {}: {v:?}", trainer.step());
        }
    }
    let dir = out.join("gan");
    trainer.save(&dir)?;
    println!(
        "saved GAN model to {} after {:.0} s",
        dir.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
