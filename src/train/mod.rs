//! Training: MLE pre-training and adversarial (BCE GAN) training of the [`crate::model`]
//! networks on token windows from [`crate::data`], checkpoints, and a worker thread the
//! studio and the command line drive through messages.
//!
//! - [`losses`], [`grads`]: BCE on logits, next-token cross-entropy and accuracy; the
//!   teacher-forcing shift and gradient norms.
//! - [`mle`], [`gan`], [`reinforce`]: one step of each phase (and of the REINFORCE recipe of
//!   the adversarial one), as functions of models and optimizers.
//! - [`Trainer`]: a whole token-GAN run (phases, batch order, validation, samples,
//!   checkpoints); [`crnn`]: the C-RNN-GAN run beside it.
//! - [`run`]: the [`TrainingRun`] trait both kinds of run implement; [`stats`]: the figures
//!   every run reports.
//! - [`store`]: the crash-safe run folder's files, shared by both checkpoint layouts;
//!   [`checkpoint`]: the token GANs' manifest.
//! - [`worker`]: the one thread that drives any run, its messages and controls.
//! - [`presets`]: ready-made run configurations for the studio and the command line.
//!
//! - [`backend`]: the CPU or wgpu device to train on.
//!
//! On the CPU (`flex`) backend the same configuration and seed give bit-identical losses.

pub mod backend;
pub mod checkpoint;
pub mod config;
pub mod crnn;
pub mod error;
pub mod gan;
pub mod grads;
pub mod losses;
pub mod mle;
pub mod presets;
pub mod reinforce;
pub mod run;
pub mod stats;
pub mod store;
pub mod trainer;
pub mod worker;

pub use checkpoint::{CheckpointError, Manifest, load_checkpoint, read_manifest};
pub use config::TrainConfig;
pub use error::TrainError;
pub use presets::Preset;
pub use run::{EpochSample, RunConfig, TrainingRun, resume_run};
pub use stats::{Phase, StepStats, Validation};
pub use trainer::{Trainer, dataset_fingerprint};
pub use worker::{Repaint, TrainControl, TrainMessage, TrainWorker, WorkerOptions};

use burn::tensor::Device;

/// The `flex` CPU device (the fastest CPU backend measured here); models are created on its
/// autodiff form. [`backend::select`] chooses between it and wgpu.
pub fn cpu_device() -> Device {
    Device::flex()
}

/// A short name of a device's backend for status lines: "cpu (flex)", or "wgpu (" + the
/// adapter opened + ")".
pub fn device_name(device: &Device) -> String {
    match backend::backend_kind(device) {
        backend::BackendKind::Cpu => "cpu (flex)".to_string(),
        backend::BackendKind::Wgpu => match backend::opened_adapter() {
            Some(adapter) => format!("wgpu ({adapter})"),
            None => "wgpu".to_string(),
        },
    }
}
