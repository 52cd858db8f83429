//! Checkpoints: a run folder holding both networks, both optimizers' states, the run's
//! configuration, the vocabulary version, the data set's fingerprint and the step.
//!
//! # Layout and atomicity
//! `checkpoint.json` (the [`Manifest`]) names the binary files of one step:
//! `generator-<step>.bpk`, `discriminator-<step>.bpk`, `generator-adam-<step>.bpk`,
//! `discriminator-adam-<step>.bpk` (burnpack records), written and read by the run folder's
//! one store ([`super::store`], which says why a save is crash-safe). The manifest records
//! each file's length and FNV-1a hash, so a truncated or damaged file is reported as such
//! before burn reads it.

use std::path::{Path, PathBuf};

use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, ModuleOptimizer, RmsPropConfig};
use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use super::config::{OptimizerKind, TrainConfig};
pub use super::store::{CheckpointError, FileEntry, fnv1a};
use super::store::{Layout, NetworkFiles, Networks, RunManifest, config_error};
use crate::data::DataSource;
use crate::model::{Discriminator, Generator};
use crate::music::tokens::{OLDEST_VOCAB_VERSION, VOCAB_VERSION};

/// The version of the checkpoint layout this build writes and reads.
pub const CHECKPOINT_FORMAT: u32 = 1;
/// The manifest's file name inside a run folder.
pub const MANIFEST_FILE: &str = "checkpoint.json";

/// The token GANs' file names.
const LAYOUT: Layout = Layout {
    manifest: MANIFEST_FILE,
    prefix: "",
};

/// The manifest of a checkpoint (`checkpoint.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The layout version ([`CHECKPOINT_FORMAT`]).
    pub format: u32,
    /// The token vocabulary version the models were trained on.
    pub vocab_version: u32,
    /// The fingerprint of the data set trained on ([`super::dataset_fingerprint`]).
    pub dataset_fingerprint: u64,
    /// Training steps done.
    pub step: u64,
    /// The current learning rate (it may have been changed during the run).
    pub learning_rate: f64,
    /// The run's configuration (fields it lacks take their defaults, see
    /// [`TrainConfig::from_json`]).
    #[serde(deserialize_with = "config_with_defaults")]
    pub config: TrainConfig,
    /// Its four binary files.
    #[serde(flatten)]
    pub files: NetworkFiles,
    /// The kind of the generator's optimizer state (Adam in the MLE phase; manifests from
    /// before this field: Adam).
    #[serde(default = "adam_kind")]
    pub generator_optimizer_kind: OptimizerKind,
    /// The kind of the discriminator's optimizer state.
    #[serde(default = "adam_kind")]
    pub discriminator_optimizer_kind: OptimizerKind,
    /// Where the training data came from, so that a resumed run reads the same data (empty
    /// in manifests from before this field, or when not known).
    #[serde(default)]
    pub data_sources: Vec<SourceRecord>,
    /// A learning rate set during the run that replaces the configured ones (none: as
    /// configured).
    #[serde(default)]
    pub learning_rate_override: Option<f64>,
}

impl RunManifest for Manifest {
    fn files(&self) -> &NetworkFiles {
        &self.files
    }
    fn dataset_fingerprint(&self) -> u64 {
        self.dataset_fingerprint
    }
}

fn adam_kind() -> OptimizerKind {
    OptimizerKind::Adam
}

/// A data source as recorded in a manifest (see [`DataSource`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum SourceRecord {
    /// The Essen folk set in a folder.
    Folk {
        /// The folder.
        path: PathBuf,
    },
    /// ABC files.
    Abc {
        /// The files.
        paths: Vec<PathBuf>,
    },
    /// A folder (or one file) of MIDI and ABC files.
    Folder {
        /// The folder or file.
        path: PathBuf,
    },
    /// A zip archive.
    Zip {
        /// The archive.
        path: PathBuf,
    },
    /// A MAESTRO folder.
    Maestro {
        /// The folder.
        path: PathBuf,
    },
    /// The built-in demo melodies.
    Demo,
}

impl From<&DataSource> for SourceRecord {
    fn from(source: &DataSource) -> Self {
        match source {
            DataSource::Folk(path) => SourceRecord::Folk { path: path.clone() },
            DataSource::Abc(paths) => SourceRecord::Abc {
                paths: paths.clone(),
            },
            DataSource::Folder(path) => SourceRecord::Folder { path: path.clone() },
            DataSource::Zip(path) => SourceRecord::Zip { path: path.clone() },
            DataSource::Maestro(path) => SourceRecord::Maestro { path: path.clone() },
            DataSource::Demo => SourceRecord::Demo,
        }
    }
}

impl From<&SourceRecord> for DataSource {
    fn from(record: &SourceRecord) -> Self {
        match record {
            SourceRecord::Folk { path } => DataSource::Folk(path.clone()),
            SourceRecord::Abc { paths } => DataSource::Abc(paths.clone()),
            SourceRecord::Folder { path } => DataSource::Folder(path.clone()),
            SourceRecord::Zip { path } => DataSource::Zip(path.clone()),
            SourceRecord::Maestro { path } => DataSource::Maestro(path.clone()),
            SourceRecord::Demo => DataSource::Demo,
        }
    }
}

fn config_with_defaults<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<TrainConfig, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    TrainConfig::from_value(value).map_err(serde::de::Error::custom)
}

/// What a checkpoint holds, borrowed for saving.
pub struct CheckpointParts<'a> {
    /// The run's configuration.
    pub config: &'a TrainConfig,
    /// Steps done.
    pub step: u64,
    /// The current learning rate.
    pub learning_rate: f64,
    /// The data set's fingerprint.
    pub dataset_fingerprint: u64,
    /// The networks and their optimizers.
    pub networks: Networks<'a, Generator, Discriminator>,
    /// The kind of the generator's optimizer.
    pub generator_optimizer_kind: OptimizerKind,
    /// The kind of the discriminator's optimizer.
    pub discriminator_optimizer_kind: OptimizerKind,
    /// Where the training data came from.
    pub data_sources: &'a [SourceRecord],
    /// A learning rate set during the run that replaces the configured ones.
    pub learning_rate_override: Option<f64>,
}

/// A loaded checkpoint.
pub type Checkpoint = super::store::Checkpoint<Manifest, Generator, Discriminator>;

/// The Adam optimizer a run uses (betas from its configuration, no weight decay).
pub fn adam(config: &TrainConfig) -> ModuleOptimizer {
    optimizer(OptimizerKind::Adam, config, 0.0)
}

/// An optimizer of `kind` with the run's betas (Adam) and an L2 weight decay (`lambda * w`
/// added to the gradient; 0: none). RMSProp has smoothing 0.99 and no momentum, as in the
/// WGAN paper.
pub fn optimizer(kind: OptimizerKind, config: &TrainConfig, weight_decay: f64) -> ModuleOptimizer {
    let decay = (weight_decay > 0.0).then(|| WeightDecayConfig::new(weight_decay as f32));
    match kind {
        OptimizerKind::Adam => AdamConfig::new()
            .with_beta_1(config.beta_1)
            .with_beta_2(config.beta_2)
            .with_weight_decay(decay)
            .init(),
        OptimizerKind::RmsProp => RmsPropConfig::new()
            .with_alpha(0.99)
            .with_momentum(0.0)
            .with_weight_decay(decay)
            .init(),
    }
}

/// Saves a checkpoint into the run folder `dir` (created if needed) and returns the
/// manifest's path. See the module documentation for the layout and why it is crash-safe.
pub fn save_checkpoint(
    dir: &Path,
    parts: &CheckpointParts<'_>,
) -> Result<PathBuf, CheckpointError> {
    let files = LAYOUT.save_networks(dir, parts.step, &parts.networks)?;
    let manifest = Manifest {
        format: CHECKPOINT_FORMAT,
        vocab_version: if parts.config.generator.places {
            VOCAB_VERSION
        } else {
            OLDEST_VOCAB_VERSION
        },
        dataset_fingerprint: parts.dataset_fingerprint,
        step: parts.step,
        learning_rate: parts.learning_rate,
        config: parts.config.clone(),
        files,
        generator_optimizer_kind: parts.generator_optimizer_kind,
        discriminator_optimizer_kind: parts.discriminator_optimizer_kind,
        data_sources: parts.data_sources.to_vec(),
        learning_rate_override: parts.learning_rate_override,
    };
    LAYOUT.write_manifest(dir, &manifest)
}

/// Reads and checks the manifest of the checkpoint in `dir`, without loading weights.
pub fn read_manifest(dir: &Path) -> Result<Manifest, CheckpointError> {
    let (manifest, path): (Manifest, _) = LAYOUT.read_manifest(dir)?;
    if manifest.format != CHECKPOINT_FORMAT {
        return Err(CheckpointError::Format {
            path,
            found: manifest.format,
            expected: CHECKPOINT_FORMAT,
        });
    }
    if !(OLDEST_VOCAB_VERSION..=VOCAB_VERSION).contains(&manifest.vocab_version) {
        return Err(CheckpointError::Vocabulary {
            path,
            found: manifest.vocab_version,
            expected: VOCAB_VERSION,
        });
    }
    let bad_config = config_error(&path);
    manifest.config.generator.validate().map_err(bad_config)?;
    manifest
        .config
        .discriminator
        .validate()
        .map_err(bad_config)?;
    Ok(manifest)
}

/// Loads the checkpoint in `dir` onto `device` (use an autodiff device to go on training).
/// With `expected_dataset`, a checkpoint trained on another data set is refused. Every
/// problem (missing, truncated or damaged files, another vocabulary, weights that do not fit
/// the recorded configuration) is an error naming the file.
pub fn load_checkpoint(
    dir: &Path,
    device: &Device,
    expected_dataset: Option<u64>,
) -> Result<Checkpoint, CheckpointError> {
    let manifest = read_manifest(dir)?;
    LAYOUT.load_checkpoint(dir, manifest, expected_dataset, |manifest| {
        let config = &manifest.config;
        Ok((
            config.generator.init(device)?,
            config.discriminator.init(device)?,
            optimizer(
                manifest.generator_optimizer_kind,
                config,
                config.g_weight_decay,
            ),
            optimizer(
                manifest.discriminator_optimizer_kind,
                config,
                config.d_weight_decay,
            ),
        ))
    })
}

/// Removes from the run folder `dir` what its checkpoint does not need (see
/// [`Layout::remove_stale`]); done after every save and when a run is resumed.
pub(crate) fn remove_stale(dir: &Path, manifest: &Manifest) {
    LAYOUT.remove_stale(dir, manifest);
}
