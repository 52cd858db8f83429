//! C-RNN-GAN checkpoints: a run folder holding both networks, both optimizers' states, the
//! run's configuration and seed, the data set's fingerprint and the step.
//!
//! The layout follows [`crate::train::checkpoint`] with its own names, so a token-GAN run and
//! a C-RNN-GAN run never read each other's files: `crnn-checkpoint.json` (the
//! [`CrnnManifest`]) names `crnn-generator-<step>.bpk`, `crnn-discriminator-<step>.bpk`,
//! `crnn-generator-adam-<step>.bpk` and `crnn-discriminator-adam-<step>.bpk`. A save writes
//! the binary files (each atomically), then replaces the manifest atomically, then deletes the
//! files of older steps; the manifest records each file's length and FNV-1a hash.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::optim::ModuleOptimizer;
use burn::tensor::{Bytes, Device};
use serde::{Deserialize, Serialize};

use super::config::CrnnTrainConfig;
use super::trainer::crnn_adam;
use crate::fsutil::write_atomic;
use crate::model::crnn::{CrnnDiscriminator, CrnnGenerator};
use crate::train::checkpoint::{
    CheckpointError, FileEntry, fnv1a, load_module, load_optimizer, remove_unneeded,
};

/// The version of this layout.
pub const CRNN_CHECKPOINT_FORMAT: u32 = 1;
/// The manifest's file name inside a run folder.
pub const CRNN_MANIFEST_FILE: &str = "crnn-checkpoint.json";
/// The variant name recorded in the manifest.
pub const CRNN_VARIANT: &str = "c-rnn-gan";

/// The manifest of a C-RNN-GAN checkpoint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CrnnManifest {
    /// The layout version ([`CRNN_CHECKPOINT_FORMAT`]).
    pub format: u32,
    /// Always [`CRNN_VARIANT`].
    pub variant: String,
    /// The fingerprint of the data set trained on
    /// ([`crate::train::dataset_fingerprint`]).
    pub dataset_fingerprint: u64,
    /// The run's seed (weights, batch order, noise).
    pub seed: u64,
    /// Training steps done.
    pub step: u64,
    /// The run's configuration.
    pub config: CrnnTrainConfig,
    /// The generator's weights.
    pub generator: FileEntry,
    /// The discriminator's weights.
    pub discriminator: FileEntry,
    /// The generator's Adam state.
    pub generator_optimizer: FileEntry,
    /// The discriminator's Adam state.
    pub discriminator_optimizer: FileEntry,
}

/// What a checkpoint holds, borrowed for saving.
pub struct CrnnParts<'a> {
    /// The run's configuration.
    pub config: &'a CrnnTrainConfig,
    /// The run's seed.
    pub seed: u64,
    /// Steps done.
    pub step: u64,
    /// The data set's fingerprint.
    pub dataset_fingerprint: u64,
    /// The generator.
    pub generator: &'a CrnnGenerator,
    /// The discriminator.
    pub discriminator: &'a CrnnDiscriminator,
    /// The generator's optimizer.
    pub generator_optimizer: &'a ModuleOptimizer,
    /// The discriminator's optimizer.
    pub discriminator_optimizer: &'a ModuleOptimizer,
}

/// A loaded checkpoint.
pub struct CrnnCheckpoint {
    /// Its manifest.
    pub manifest: CrnnManifest,
    /// The generator, on the device given to [`load_crnn_checkpoint`].
    pub generator: CrnnGenerator,
    /// The discriminator.
    pub discriminator: CrnnDiscriminator,
    /// The generator's optimizer with its state.
    pub generator_optimizer: ModuleOptimizer,
    /// The discriminator's optimizer with its state.
    pub discriminator_optimizer: ModuleOptimizer,
}

/// Saves a checkpoint into the run folder `dir` (created if needed) and returns the
/// manifest's path (see the module documentation for the layout).
pub fn save_crnn_checkpoint(dir: &Path, parts: &CrnnParts<'_>) -> Result<PathBuf, CheckpointError> {
    fs::create_dir_all(dir).map_err(|source| io_error(dir, source))?;
    let step = parts.step;
    let record = |name: &str, bytes: Result<Bytes, burn::store::RecordError>| {
        let file = format!("crnn-{name}-{step:08}.bpk");
        let path = dir.join(&file);
        let bytes = bytes.map_err(|e| CheckpointError::Record {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        write_atomic(&path, &bytes).map_err(|source| io_error(&path, source))?;
        Ok::<_, CheckpointError>(FileEntry {
            name: file,
            bytes: bytes.len() as u64,
            fnv1a: fnv1a(&bytes),
        })
    };
    let manifest = CrnnManifest {
        format: CRNN_CHECKPOINT_FORMAT,
        variant: CRNN_VARIANT.to_owned(),
        dataset_fingerprint: parts.dataset_fingerprint,
        seed: parts.seed,
        step,
        config: parts.config.clone(),
        generator: record(
            "generator",
            parts.generator.clone().into_record().into_bytes(),
        )?,
        discriminator: record(
            "discriminator",
            parts.discriminator.clone().into_record().into_bytes(),
        )?,
        generator_optimizer: record("generator-adam", parts.generator_optimizer.into_bytes())?,
        discriminator_optimizer: record(
            "discriminator-adam",
            parts.discriminator_optimizer.into_bytes(),
        )?,
    };
    let path = dir.join(CRNN_MANIFEST_FILE);
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| CheckpointError::BadManifest {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    write_atomic(&path, &json).map_err(|source| io_error(&path, source))?;
    remove_stale(dir, &manifest);
    Ok(path)
}

/// Reads and checks the manifest of the C-RNN-GAN checkpoint in `dir`, without loading
/// weights.
pub fn read_crnn_manifest(dir: &Path) -> Result<CrnnManifest, CheckpointError> {
    let path = dir.join(CRNN_MANIFEST_FILE);
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(CheckpointError::Missing(dir.to_path_buf()));
        }
        Err(source) => return Err(io_error(&path, source)),
    };
    let bad = |reason: String| CheckpointError::BadManifest {
        path: path.clone(),
        reason,
    };
    let manifest: CrnnManifest = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
    if manifest.format != CRNN_CHECKPOINT_FORMAT {
        return Err(CheckpointError::Format {
            path,
            found: manifest.format,
            expected: CRNN_CHECKPOINT_FORMAT,
        });
    }
    if manifest.variant != CRNN_VARIANT {
        return Err(bad(format!(
            "variant {:?}, expected {CRNN_VARIANT:?}",
            manifest.variant
        )));
    }
    let bad_config = |source| CheckpointError::Config {
        path: path.clone(),
        source,
    };
    manifest.config.generator.validate().map_err(bad_config)?;
    manifest
        .config
        .discriminator
        .validate()
        .map_err(bad_config)?;
    manifest.config.validate().map_err(bad)?;
    Ok(manifest)
}

/// Loads the C-RNN-GAN checkpoint in `dir` onto `device` (an autodiff device to go on
/// training). With `expected_dataset`, a checkpoint trained on another data set is refused.
/// Every problem is an error naming the file, never a panic.
pub fn load_crnn_checkpoint(
    dir: &Path,
    device: &Device,
    expected_dataset: Option<u64>,
) -> Result<CrnnCheckpoint, CheckpointError> {
    let manifest = read_crnn_manifest(dir)?;
    let manifest_path = dir.join(CRNN_MANIFEST_FILE);
    if let Some(expected) = expected_dataset
        && manifest.dataset_fingerprint != expected
    {
        return Err(CheckpointError::Dataset {
            path: manifest_path,
            found: manifest.dataset_fingerprint,
            expected,
        });
    }
    let config = &manifest.config;
    let bad_config = |source| CheckpointError::Config {
        path: manifest_path.clone(),
        source,
    };
    let generator = config.generator.init(device).map_err(bad_config)?;
    let discriminator = config.discriminator.init(device).map_err(bad_config)?;
    let generator = load_module(dir, CRNN_MANIFEST_FILE, &manifest.generator, generator)?;
    let discriminator = load_module(
        dir,
        CRNN_MANIFEST_FILE,
        &manifest.discriminator,
        discriminator,
    )?;
    let generator_optimizer = load_optimizer(
        dir,
        CRNN_MANIFEST_FILE,
        &manifest.generator_optimizer,
        crnn_adam(config),
    )?;
    let discriminator_optimizer = load_optimizer(
        dir,
        CRNN_MANIFEST_FILE,
        &manifest.discriminator_optimizer,
        crnn_adam(config),
    )?;
    Ok(CrnnCheckpoint {
        manifest,
        generator,
        discriminator,
        generator_optimizer,
        discriminator_optimizer,
    })
}

/// Removes from the run folder `dir` the `crnn-*.bpk` files the manifest does not name and
/// the temporaries of killed saves (see [`crate::train::checkpoint`]'s cleanup); done after
/// every save and when a run is resumed.
pub(crate) fn remove_stale(dir: &Path, manifest: &CrnnManifest) {
    let keep = [
        manifest.generator.name.as_str(),
        &manifest.discriminator.name,
        &manifest.generator_optimizer.name,
        &manifest.discriminator_optimizer.name,
    ];
    let ours = |name: &str| name.starts_with("crnn-") && name.ends_with(".bpk");
    remove_unneeded(dir, CRNN_MANIFEST_FILE, ours, &keep);
}

fn io_error(path: &Path, source: io::Error) -> CheckpointError {
    CheckpointError::Io {
        path: path.to_path_buf(),
        source,
    }
}
