//! C-RNN-GAN checkpoints: a run folder holding both networks, both optimizers' states, the
//! run's configuration and seed, the data set's fingerprint and the step.
//!
//! The layout follows [`crate::train::checkpoint`] with its own names, so a token-GAN run and
//! a C-RNN-GAN run never read each other's files: `crnn-checkpoint.json` (the
//! [`CrnnManifest`]) names `crnn-generator-<step>.bpk`, `crnn-discriminator-<step>.bpk`,
//! `crnn-generator-adam-<step>.bpk` and `crnn-discriminator-adam-<step>.bpk`, written and
//! read by the run folder's one store ([`crate::train::store`]), as the token GANs' are; the
//! manifest records each file's length and FNV-1a hash.

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use super::config::{CrnnTrainConfig, crnn_adam};
use crate::model::crnn::{CrnnDiscriminator, CrnnGenerator};
use crate::train::store::{
    Checkpoint, CheckpointError, Layout, NetworkFiles, Networks, RunManifest, config_error,
};

/// The version of this layout.
pub const CRNN_CHECKPOINT_FORMAT: u32 = 1;
/// The manifest's file name inside a run folder.
pub const CRNN_MANIFEST_FILE: &str = "crnn-checkpoint.json";
/// The variant name recorded in the manifest.
pub const CRNN_VARIANT: &str = "c-rnn-gan";

/// C-RNN-GAN's file names.
const LAYOUT: Layout = Layout {
    manifest: CRNN_MANIFEST_FILE,
    prefix: "crnn-",
};

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
    /// Its four binary files.
    #[serde(flatten)]
    pub files: NetworkFiles,
}

impl RunManifest for CrnnManifest {
    fn files(&self) -> &NetworkFiles {
        &self.files
    }
    fn dataset_fingerprint(&self) -> u64 {
        self.dataset_fingerprint
    }
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
    /// The networks and their optimizers.
    pub networks: Networks<'a, CrnnGenerator, CrnnDiscriminator>,
}

/// A loaded checkpoint.
pub type CrnnCheckpoint = Checkpoint<CrnnManifest, CrnnGenerator, CrnnDiscriminator>;

/// Saves a checkpoint into the run folder `dir` (created if needed) and returns the
/// manifest's path (see the module documentation for the layout).
pub fn save_crnn_checkpoint(dir: &Path, parts: &CrnnParts<'_>) -> Result<PathBuf, CheckpointError> {
    let files = LAYOUT.save_networks(dir, parts.step, &parts.networks)?;
    let manifest = CrnnManifest {
        format: CRNN_CHECKPOINT_FORMAT,
        variant: CRNN_VARIANT.to_owned(),
        dataset_fingerprint: parts.dataset_fingerprint,
        seed: parts.seed,
        step: parts.step,
        config: parts.config.clone(),
        files,
    };
    LAYOUT.write_manifest(dir, &manifest)
}

/// Reads and checks the manifest of the C-RNN-GAN checkpoint in `dir`, without loading
/// weights.
pub fn read_crnn_manifest(dir: &Path) -> Result<CrnnManifest, CheckpointError> {
    let (manifest, path): (CrnnManifest, _) = LAYOUT.read_manifest(dir)?;
    let bad = |reason: String| CheckpointError::BadManifest {
        path: path.clone(),
        reason,
    };
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
    let bad_config = config_error(&path);
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
    LAYOUT.load_checkpoint(dir, manifest, expected_dataset, |manifest| {
        let config = &manifest.config;
        Ok((
            config.generator.init(device)?,
            config.discriminator.init(device)?,
            crnn_adam(config),
            crnn_adam(config),
        ))
    })
}

/// Removes from the run folder `dir` the C-RNN-GAN files the manifest does not name and the
/// temporaries of killed saves (see [`Layout::remove_stale`]); done after every save and when
/// a run is resumed.
pub(crate) fn remove_stale(dir: &Path, manifest: &CrnnManifest) {
    LAYOUT.remove_stale(dir, manifest);
}
