//! Training: MLE pre-training and adversarial (BCE GAN) training of the [`crate::model`]
//! networks on token windows from [`crate::data`], checkpoints, and a worker thread the
//! studio and the command line drive through messages.
//!
//! - [`losses`]: BCE on logits, next-token cross-entropy and accuracy.
//! - [`mle`], [`gan`]: one step of each phase, as functions of models and optimizers.
//! - [`Trainer`]: a whole run (phases, batch order, validation, samples, checkpoints).
//! - [`checkpoint`]: the crash-safe run folder.
//! - [`worker`]: the thread, its messages and controls.
//!
//! On the CPU (`flex`) backend the same configuration and seed give bit-identical losses.

pub mod checkpoint;
pub mod config;
pub mod crnn;
pub mod error;
pub mod gan;
pub mod losses;
pub mod mle;
pub mod trainer;
pub mod worker;

pub use checkpoint::{CheckpointError, Manifest, load_checkpoint, read_manifest};
pub use config::TrainConfig;
pub use error::TrainError;
pub use trainer::{Phase, StepStats, Trainer, dataset_fingerprint};
pub use worker::{Repaint, TrainControl, TrainMessage, TrainWorker, WorkerOptions};

use burn::tensor::Device;

/// The device training runs on: the `flex` CPU backend (the fastest CPU backend measured
/// here). Models are created on its autodiff form.
pub fn cpu_device() -> Device {
    Device::flex()
}

/// A short name of a device's backend for status lines.
pub fn device_name(_device: &Device) -> &'static str {
    "cpu (flex)"
}
