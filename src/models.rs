//! Which generator to use: the built-in model, a weights file, or a training run's folder.
//!
//! Generation ([`crate::generate`]) runs plain `f32` weights and knows nothing of training;
//! this module sits above both and reads a run folder's burn checkpoint into weights, so that
//! training may use generation (e.g. to judge each epoch's tunes) without a circle of imports.

use std::path::Path;

use crate::generate::{GenerateError, LstmEngine, TokenModel, WEIGHTS_FILE, weights_file};
use crate::train::checkpoint::MANIFEST_FILE;

pub use crate::generate::default_model;

/// Loads a generator for generation: a `.gsw` weights file, a folder holding one
/// ([`WEIGHTS_FILE`]), or a training run folder (`checkpoint.json`), whose generator is read
/// with burn and converted.
pub fn load_model(path: &Path) -> Result<TokenModel, GenerateError> {
    let model_error = |problem: String| GenerateError::Model {
        path: path.to_path_buf(),
        problem,
    };
    let weights = if path.is_dir() {
        let file = path.join(WEIGHTS_FILE);
        if file.is_file() {
            weights_file::load_weights(&file)?.1
        } else if path.join(MANIFEST_FILE).is_file() {
            let device = crate::train::cpu_device();
            let checkpoint = crate::train::load_checkpoint(path, &device, None)
                .map_err(|e| model_error(e.to_string()))?;
            checkpoint
                .generator
                .to_weights()
                .map_err(|e| model_error(e.to_string()))?
        } else {
            return Err(model_error(format!(
                "the folder has neither {WEIGHTS_FILE} nor a training checkpoint"
            )));
        }
    } else {
        weights_file::load_weights(path)?.1
    };
    let engine = LstmEngine::new(weights).map_err(|e| model_error(e.to_string()))?;
    Ok(TokenModel::Lstm(engine))
}
