//! Errors of training.

use std::path::PathBuf;

use thiserror::Error;

use super::store::CheckpointError;
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
    /// The run's configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The compute backend asked for is not available.
    #[error(transparent)]
    Backend(#[from] super::backend::BackendError),
}

/// A training configuration that cannot be read or used.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read the training configuration ({0})")]
    Io(String),
    /// The text is not JSON, or a field has the wrong type.
    #[error("the training configuration is not valid ({0})")]
    Json(String),
    /// A key this build does not know (dotted path for nested ones).
    #[error("the training configuration has an unknown field \"{0}\"")]
    UnknownField(String),
    /// A value is out of range.
    #[error("the training configuration is invalid: {0}")]
    Invalid(String),
    /// A model configuration is invalid.
    #[error("the training configuration is invalid: {0}")]
    Model(#[from] ModelError),
    /// One of the above, in a file.
    #[error("{source}: {path}")]
    InFile {
        /// The file.
        path: PathBuf,
        /// The problem.
        source: Box<ConfigError>,
    },
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
