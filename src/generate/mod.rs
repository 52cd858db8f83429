//! Generation: melodies sampled from a trained generator, continuing a seed.
//!
//! - [`lstm`]: the generator's forward pass in plain Rust (no autodiff), batched.
//! - [`markov`]: the order-2 Markov chain baseline.
//! - [`model`]: either model behind one interface; [`default_model`] is the built-in one,
//!   [`weights_file`] reads and writes `.gsw` files (training run folders are read by
//!   [`crate::models`], which sits above training).
//! - [`sample`]: temperature and masks.
//! - [`seed`]: the seed melody (tokens, notes from the roll, a file).
//! - [`melody`]: [`generate`] and [`regenerate_region`], token sequences to pieces.
//!
//! The model was trained on melodies transposed to C major / A minor, so a seed is moved
//! there first (by its key: the one asked for, else the key estimated from its notes), the
//! continuation is sampled there, and the result is moved back. Every variation draws from its
//! own random stream derived from the RNG seed and its index, so the same inputs give the same
//! melodies every time, whatever the number of variations asked for.

pub mod lstm;
pub mod markov;
pub mod melody;
pub mod model;
pub mod sample;
pub mod seed;
pub mod weights_file;

use std::path::PathBuf;

use thiserror::Error;

pub use lstm::LstmEngine;
pub use markov::MarkovChain;
pub use melody::{GenerateOptions, Generated, generate, regenerate_region, splice_region};
pub use model::{ModelState, TokenModel};
pub use seed::Seed;

/// What can go wrong while generating.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum GenerateError {
    /// An option is out of range.
    #[error("generation options: {0}")]
    BadOptions(String),
    /// The seed cannot be used.
    #[error("seed melody: {0}")]
    Seed(String),
    /// A token id outside the model's vocabulary.
    #[error("token id {id} is outside the model's vocabulary of {vocab}")]
    BadToken {
        /// The id.
        id: u32,
        /// The vocabulary size.
        vocab: usize,
    },
    /// A model file or folder cannot be used.
    #[error("model {}: {problem}", path.display())]
    Model {
        /// The file or folder.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// A bug: an internal invariant does not hold.
    #[error("internal error in generation: {0}")]
    Internal(String),
}

/// The file name of the weights inside a model folder.
pub const WEIGHTS_FILE: &str = "generator.gsw";

/// The weights of the pretrained default model (`models/default/generator.gsw`, see
/// `models/README.md`), built into the program so generation works before any training.
pub const DEFAULT_WEIGHTS: &[u8] = include_bytes!("../../models/default/generator.gsw");

/// The pretrained default model.
pub fn default_model() -> Result<TokenModel, GenerateError> {
    let model_error = |problem: String| GenerateError::Model {
        path: PathBuf::from("models/default/generator.gsw (built in)"),
        problem,
    };
    let (_, weights) = weights_file::weights_from_bytes(DEFAULT_WEIGHTS).map_err(model_error)?;
    let engine = LstmEngine::new(weights).map_err(|e| model_error(e.to_string()))?;
    Ok(TokenModel::Lstm(engine))
}

#[cfg(test)]
mod tests;
