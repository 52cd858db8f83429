//! Errors of training.

use thiserror::Error;

use super::checkpoint::CheckpointError;
use crate::model::ModelError;

/// Why a training step or run failed.
#[derive(Debug, Error)]
pub enum TrainError {
    /// A loss came out as NaN or infinite: the run stops and keeps its last good checkpoint.
    #[error(
        "training diverged at step {step}: the {what} is {value} (not a finite number); the \
         last good checkpoint is kept — try a lower learning rate"
    )]
    NonFinite {
        /// The step (counted from 1) that produced it.
        step: u64,
        /// Which quantity.
        what: &'static str,
        /// The value read.
        value: f32,
    },
    /// A model configuration is invalid.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// A batch cannot be trained on.
    #[error("bad training batch: {0}")]
    Batch(String),
    /// A value could not be read back from the device.
    #[error("reading a result from the device failed: {0}")]
    Device(String),
    /// The data set cannot feed a run.
    #[error("the data set cannot be trained on: {0}")]
    Data(String),
    /// A checkpoint could not be saved or loaded.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
}

/// Reads a one-element tensor as `f32`.
pub(crate) fn scalar(tensor: burn::tensor::Tensor<1>) -> Result<f32, TrainError> {
    tensor
        .try_into_scalar::<f32>()
        .map_err(|e| TrainError::Device(e.to_string()))
}

/// Fails with [`TrainError::NonFinite`] when `value` is NaN or infinite.
pub(crate) fn finite(step: u64, what: &'static str, value: f32) -> Result<f32, TrainError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(TrainError::NonFinite { step, what, value })
    }
}
