//! Trains the C-RNN-GAN variant on the folk set (the model card's C-RNN-GAN row).
//!
//! `cargo run --release --example train_crnn -- OUT_DIR [MLE_STEPS] [GAN_STEPS]`

use std::path::PathBuf;

use gan_studio::data::fetch;
use gan_studio::data::{LoadOptions, PreprocessConfig, load_dataset, source_for};
use gan_studio::model::crnn::{CrnnDiscriminatorConfig, CrnnGeneratorConfig};
use gan_studio::train::crnn::{CrnnRunOptions, CrnnTrainConfig, run_crnn_cli};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().unwrap_or_else(|| "models/crnn".into()));
    let mle_steps: u64 = args.next().map_or(Ok(600), |s| s.parse())?;
    let gan_steps: u64 = args.next().map_or(Ok(600), |s| s.parse())?;
    let source = source_for(None)?;
    let options = LoadOptions {
        cache_dir: fetch::cache_dir().ok(),
        ..LoadOptions::default()
    };
    let dataset = load_dataset(
        std::slice::from_ref(&source),
        &PreprocessConfig::default(),
        &options,
    )?;
    let config = CrnnTrainConfig::new(CrnnGeneratorConfig::new(), CrnnDiscriminatorConfig::new())
        .with_mle_steps(mle_steps)
        .with_gan_steps(gan_steps);
    let started = std::time::Instant::now();
    run_crnn_cli(
        &dataset,
        config,
        &CrnnRunOptions {
            steps: 0,
            out: out.clone(),
            seed: 7,
            resume: false,
            backend: gan_studio::train::backend::BackendChoice::Cpu,
        },
        |s| {
            if s.step % 50 == 0 {
                println!(
                    "step {} {:?} g {:.4} d {:?} elapsed {:.0} s",
                    s.step,
                    s.phase,
                    s.g_loss,
                    s.d_loss,
                    started.elapsed().as_secs_f64()
                );
            }
        },
    )?;
    println!("saved to {}", out.display());
    Ok(())
}
