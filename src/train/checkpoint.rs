//! Checkpoints: a run folder holding both networks, both optimizers' states, the run's
//! configuration, the vocabulary version, the data set's fingerprint and the step.
//!
//! # Layout and atomicity
//! `checkpoint.json` (the [`Manifest`]) names the binary files of one step:
//! `generator-<step>.bpk`, `discriminator-<step>.bpk`, `generator-adam-<step>.bpk`,
//! `discriminator-adam-<step>.bpk` (burnpack records). A save writes the new binary files
//! (each atomically), then replaces the manifest atomically, then deletes the binary files of
//! older steps. A crash at any point leaves a manifest whose files are all present and whole.
//! The manifest records each file's length and FNV-1a hash, so a truncated or damaged file is
//! reported as such before burn reads it.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, ModuleOptimizer, RmsPropConfig};
use burn::store::ModuleRecord;
use burn::tensor::{Bytes, Device};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::config::{OptimizerKind, TrainConfig};
use super::worker::STATS_FILE;
use crate::data::DataSource;
use crate::fsutil::{remove_atomic_leftovers, write_atomic};
use crate::model::{Discriminator, Generator, ModelError};
use crate::music::tokens::{OLDEST_VOCAB_VERSION, VOCAB_VERSION};

/// The version of the checkpoint layout this build writes and reads.
pub const CHECKPOINT_FORMAT: u32 = 1;
/// The manifest's file name inside a run folder.
pub const MANIFEST_FILE: &str = "checkpoint.json";

/// Why a checkpoint could not be saved or loaded.
#[derive(Debug, Error)]
pub enum CheckpointError {
    /// Reading or writing a file failed.
    #[error("checkpoint file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// The folder has no manifest.
    #[error("no checkpoint in {0} (its checkpoint.json is missing)")]
    Missing(PathBuf),
    /// The manifest cannot be read.
    #[error("the checkpoint manifest is damaged ({reason}): {path}")]
    BadManifest {
        /// The manifest.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The layout version is not this build's.
    #[error(
        "the checkpoint has layout version {found}, this build reads version {expected}: {path}"
    )]
    Format {
        /// The manifest.
        path: PathBuf,
        /// Its version.
        found: u32,
        /// This build's version.
        expected: u32,
    },
    /// The checkpoint was trained on another token vocabulary.
    #[error(
        "the checkpoint uses token vocabulary v{found}, this build reads v1 to v{expected}: {path}"
    )]
    Vocabulary {
        /// The manifest.
        path: PathBuf,
        /// Its vocabulary version.
        found: u32,
        /// This build's.
        expected: u32,
    },
    /// The checkpoint was trained on another data set.
    #[error(
        "the checkpoint was trained on another data set (fingerprint {found:016x}, this one is \
         {expected:016x}): {path}"
    )]
    Dataset {
        /// The manifest.
        path: PathBuf,
        /// The fingerprint it records.
        found: u64,
        /// The data set's fingerprint.
        expected: u64,
    },
    /// A file is shorter or longer than the manifest says.
    #[error(
        "the checkpoint file is truncated or altered ({found} bytes, expected {expected}): {path}"
    )]
    Length {
        /// The file.
        path: PathBuf,
        /// Its length.
        found: u64,
        /// The length recorded.
        expected: u64,
    },
    /// A file's content does not match its recorded hash.
    #[error("the checkpoint file is damaged (its content does not match its hash): {path}")]
    Corrupt {
        /// The file.
        path: PathBuf,
    },
    /// burn could not encode or decode a record, or the record does not fit the model.
    #[error("the checkpoint record does not fit ({reason}): {path}")]
    Record {
        /// The file.
        path: PathBuf,
        /// burn's message.
        reason: String,
    },
    /// The recorded configuration cannot build a model.
    #[error("the checkpoint's configuration is invalid ({source}): {path}")]
    Config {
        /// The manifest.
        path: PathBuf,
        /// The problem.
        source: ModelError,
    },
}

/// One binary file of a checkpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Its name inside the run folder (no folder part).
    pub name: String,
    /// Its length in bytes.
    pub bytes: u64,
    /// Its 64-bit FNV-1a hash.
    pub fnv1a: u64,
}

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
    /// The generator's weights.
    pub generator: FileEntry,
    /// The discriminator's weights.
    pub discriminator: FileEntry,
    /// The generator's Adam state.
    pub generator_optimizer: FileEntry,
    /// The discriminator's Adam state.
    pub discriminator_optimizer: FileEntry,
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
    /// The generator.
    pub generator: &'a Generator,
    /// The discriminator.
    pub discriminator: &'a Discriminator,
    /// The generator's optimizer.
    pub generator_optimizer: &'a ModuleOptimizer,
    /// The discriminator's optimizer.
    pub discriminator_optimizer: &'a ModuleOptimizer,
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
pub struct Checkpoint {
    /// Its manifest.
    pub manifest: Manifest,
    /// The generator, on the device given to [`load_checkpoint`].
    pub generator: Generator,
    /// The discriminator.
    pub discriminator: Discriminator,
    /// The generator's optimizer with its state.
    pub generator_optimizer: ModuleOptimizer,
    /// The discriminator's optimizer with its state.
    pub discriminator_optimizer: ModuleOptimizer,
}

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

/// 64-bit FNV-1a of `bytes`.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Saves a checkpoint into the run folder `dir` (created if needed) and returns the
/// manifest's path. See the module documentation for the layout and why it is crash-safe.
pub fn save_checkpoint(
    dir: &Path,
    parts: &CheckpointParts<'_>,
) -> Result<PathBuf, CheckpointError> {
    fs::create_dir_all(dir).map_err(|source| io_error(dir, source))?;
    let step = parts.step;
    let record = |name: &str, bytes: Result<Bytes, burn::store::RecordError>| {
        let path = dir.join(format!("{name}-{step:08}.bpk"));
        let bytes = bytes.map_err(|e| CheckpointError::Record {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        write_file(dir, &path, &bytes)
    };
    let generator = record(
        "generator",
        parts.generator.clone().into_record().into_bytes(),
    )?;
    let discriminator = record(
        "discriminator",
        parts.discriminator.clone().into_record().into_bytes(),
    )?;
    let generator_optimizer = record("generator-adam", parts.generator_optimizer.into_bytes())?;
    let discriminator_optimizer = record(
        "discriminator-adam",
        parts.discriminator_optimizer.into_bytes(),
    )?;
    let manifest = Manifest {
        format: CHECKPOINT_FORMAT,
        vocab_version: if parts.config.generator.places {
            VOCAB_VERSION
        } else {
            OLDEST_VOCAB_VERSION
        },
        dataset_fingerprint: parts.dataset_fingerprint,
        step,
        learning_rate: parts.learning_rate,
        config: parts.config.clone(),
        generator,
        discriminator,
        generator_optimizer,
        discriminator_optimizer,
        generator_optimizer_kind: parts.generator_optimizer_kind,
        discriminator_optimizer_kind: parts.discriminator_optimizer_kind,
        data_sources: parts.data_sources.to_vec(),
        learning_rate_override: parts.learning_rate_override,
    };
    let path = dir.join(MANIFEST_FILE);
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| CheckpointError::BadManifest {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    write_atomic(&path, &json).map_err(|source| io_error(&path, source))?;
    remove_stale(dir, &manifest);
    Ok(path)
}

/// Reads and checks the manifest of the checkpoint in `dir`, without loading weights.
pub fn read_manifest(dir: &Path) -> Result<Manifest, CheckpointError> {
    let path = dir.join(MANIFEST_FILE);
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(CheckpointError::Missing(dir.to_path_buf()));
        }
        Err(source) => return Err(io_error(&path, source)),
    };
    let manifest: Manifest =
        serde_json::from_slice(&bytes).map_err(|e| CheckpointError::BadManifest {
            path: path.clone(),
            reason: e.to_string(),
        })?;
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
    if let Some(expected) = expected_dataset
        && manifest.dataset_fingerprint != expected
    {
        return Err(CheckpointError::Dataset {
            path: dir.join(MANIFEST_FILE),
            found: manifest.dataset_fingerprint,
            expected,
        });
    }
    let config = &manifest.config;
    let manifest_path = dir.join(MANIFEST_FILE);
    let bad_config = |source| CheckpointError::Config {
        path: manifest_path.clone(),
        source,
    };
    let generator = config.generator.init(device).map_err(bad_config)?;
    let discriminator = config.discriminator.init(device).map_err(bad_config)?;
    let generator = load_module(dir, MANIFEST_FILE, &manifest.generator, generator)?;
    let discriminator = load_module(dir, MANIFEST_FILE, &manifest.discriminator, discriminator)?;
    let generator_optimizer = load_optimizer(
        dir,
        MANIFEST_FILE,
        &manifest.generator_optimizer,
        optimizer(
            manifest.generator_optimizer_kind,
            config,
            config.g_weight_decay,
        ),
    )?;
    let discriminator_optimizer = load_optimizer(
        dir,
        MANIFEST_FILE,
        &manifest.discriminator_optimizer,
        optimizer(
            manifest.discriminator_optimizer_kind,
            config,
            config.d_weight_decay,
        ),
    )?;
    Ok(Checkpoint {
        manifest,
        generator,
        discriminator,
        generator_optimizer,
        discriminator_optimizer,
    })
}

/// Loads a module's record from a file named by a manifest (`manifest`: its file name, for
/// errors), checking the file first.
pub(crate) fn load_module<M: Module>(
    dir: &Path,
    manifest: &str,
    entry: &FileEntry,
    module: M,
) -> Result<M, CheckpointError> {
    let (path, bytes) = read_checked(dir, manifest, entry)?;
    let record_error = |e: burn::store::RecordError| CheckpointError::Record {
        path: path.clone(),
        reason: e.to_string(),
    };
    let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes)).map_err(record_error)?;
    module.try_load_record(record).map_err(record_error)
}

/// Loads an optimizer's state from a file named by a manifest, checking the file first.
pub(crate) fn load_optimizer(
    dir: &Path,
    manifest: &str,
    entry: &FileEntry,
    optimizer: ModuleOptimizer,
) -> Result<ModuleOptimizer, CheckpointError> {
    let (path, bytes) = read_checked(dir, manifest, entry)?;
    optimizer
        .from_bytes(Bytes::from_bytes_vec(bytes))
        .map_err(|e| CheckpointError::Record {
            path,
            reason: e.to_string(),
        })
}

/// Reads a binary file named by the manifest and checks its length and hash.
fn read_checked(
    dir: &Path,
    manifest: &str,
    entry: &FileEntry,
) -> Result<(PathBuf, Vec<u8>), CheckpointError> {
    let plain = Path::new(&entry.name)
        .file_name()
        .is_some_and(|name| name == entry.name.as_str());
    if !plain {
        let path = dir.join(manifest);
        return Err(CheckpointError::BadManifest {
            path,
            reason: format!("file name {:?} is not a plain file name", entry.name),
        });
    }
    let path = dir.join(&entry.name);
    let bytes = fs::read(&path).map_err(|source| io_error(&path, source))?;
    let found = bytes.len() as u64;
    if found != entry.bytes {
        return Err(CheckpointError::Length {
            path,
            found,
            expected: entry.bytes,
        });
    }
    if fnv1a(&bytes) != entry.fnv1a {
        return Err(CheckpointError::Corrupt { path });
    }
    Ok((path, bytes))
}

fn write_file(dir: &Path, path: &Path, bytes: &[u8]) -> Result<FileEntry, CheckpointError> {
    write_atomic(path, bytes).map_err(|source| io_error(path, source))?;
    let name = path
        .strip_prefix(dir)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(FileEntry {
        name,
        bytes: bytes.len() as u64,
        fnv1a: fnv1a(bytes),
    })
}

/// Removes from the run folder `dir` what its checkpoint does not need: the `.bpk` files of
/// this layout that the manifest does not name (an older step's, or those of a save that was
/// killed before its manifest was written) and the temporary files a killed save left
/// beside them. Done after every save and when a run is resumed; best effort (a file left
/// behind only costs disk space).
pub(crate) fn remove_stale(dir: &Path, manifest: &Manifest) {
    let ours = |name: &str| {
        (name.starts_with("generator-") || name.starts_with("discriminator-"))
            && name.ends_with(".bpk")
    };
    let keep = [
        manifest.generator.name.as_str(),
        &manifest.discriminator.name,
        &manifest.generator_optimizer.name,
        &manifest.discriminator_optimizer.name,
    ];
    remove_unneeded(dir, MANIFEST_FILE, ours, &keep);
}

/// Deletes the files of a checkpoint layout that the manifest does not name (`ours` tells the
/// layout's binary files, `keep` the manifest's), then the temporaries of interrupted atomic
/// writes of those files, of the manifest `manifest_file` and of the step log.
pub(crate) fn remove_unneeded(
    dir: &Path,
    manifest_file: &str,
    ours: impl Fn(&str) -> bool,
    keep: &[&str],
) {
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if ours(&name) && !keep.contains(&name.as_str()) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
    remove_atomic_leftovers(dir, |name| {
        ours(name) || name == manifest_file || name == STATS_FILE
    });
}

fn io_error(path: &Path, source: io::Error) -> CheckpointError {
    CheckpointError::Io {
        path: path.to_path_buf(),
        source,
    }
}
