//! Training of C-RNN-GAN (Mogren 2016), the continuous-event variant beside the token GAN.
//!
//! 1. [`events`]: the data set's melodies as note events (pitch, duration, time since the
//!    previous onset, velocity), scaled, in windows of `N` events on the data set's splits.
//! 2. [`step`]: MLE pre-training of the generator (teacher forcing, squared error on the next
//!    event), then adversarial steps: BCE for the discriminator, feature matching for the
//!    generator, and the freezing rule (skip the stronger side's update while its loss is
//!    under 70% of the other's).
//! 3. [`CrnnTrainer`]: a run stepped from the outside, with atomic checkpoints
//!    ([`checkpoint`]) and samples as monophonic [`crate::music::Piece`]s on the 16th grid.
//!    It is a [`crate::train::TrainingRun`], so the one training worker drives it for the
//!    studio and for `gan-studio train --variant crnn`, as it drives the token GANs.
//!
//! The networks are [`crate::model::crnn`]. Adam optimizes both, with per-tensor gradient
//! clipping. The noise of step `s` is drawn from the run's seed and `s`, so the same
//! configuration and seed give the same run on the CPU, resumed or not.

pub mod checkpoint;
pub mod config;
pub mod events;
pub mod step;
mod trainer;

pub use checkpoint::{CrnnManifest, load_crnn_checkpoint, read_crnn_manifest};
pub use config::{CrnnTrainConfig, crnn_adam};
pub use events::{Event, EventCorpus, EventWindow, piece_from_events};
pub use step::{Freeze, freeze_rule};
pub use trainer::{CrnnStepStats, CrnnTrainer, noise_tensor, sample_pieces};
