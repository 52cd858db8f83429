//! The files of a run folder that every kind of run writes the same way: the step log's name,
//! the four binary files of a checkpoint (two networks, two optimizer states) checked by
//! length and FNV-1a hash, the JSON manifest that names them, and the cleanup of what a
//! manifest no longer names. The token GANs ([`super::checkpoint`]) and C-RNN-GAN
//! ([`super::crnn::checkpoint`]) each keep their own manifest type and file names (a
//! [`Layout`]) on top of this one reader and writer.
//!
//! # Atomicity
//! A save writes the new binary files (each atomically), then replaces the manifest
//! atomically, then deletes the binary files of older steps. A crash at any point leaves a
//! manifest whose files are all present and whole.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::optim::ModuleOptimizer;
use burn::store::ModuleRecord;
use burn::tensor::Bytes;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::fsutil::{remove_atomic_leftovers, write_atomic};
use crate::model::ModelError;

/// The file of step figures in a run folder: one step's figures as JSON per line, appended
/// and flushed after every step by the training worker, whatever the kind of run. When a run
/// is resumed, the lines after its checkpoint's step are dropped first (the resumed run does
/// those steps again).
pub const STATS_FILE: &str = "stats.jsonl";

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

/// 64-bit FNV-1a of `bytes`.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The names a kind of run gives its checkpoint files: the manifest, and a prefix before the
/// binary files' `generator-<step>.bpk`, `discriminator-<step>.bpk`,
/// `generator-adam-<step>.bpk` and `discriminator-adam-<step>.bpk`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// The manifest's file name inside a run folder.
    pub manifest: &'static str,
    /// Put before each binary file's name ("" or e.g. "crnn-").
    pub prefix: &'static str,
}

/// The four binary files of a checkpoint, as its manifest names them (flattened into the
/// manifest's JSON object: `generator`, `discriminator`, `generator_optimizer`,
/// `discriminator_optimizer`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkFiles {
    /// The generator's weights.
    pub generator: FileEntry,
    /// The discriminator's weights.
    pub discriminator: FileEntry,
    /// The generator's optimizer state.
    pub generator_optimizer: FileEntry,
    /// The discriminator's optimizer state.
    pub discriminator_optimizer: FileEntry,
}

impl NetworkFiles {
    fn all(&self) -> [&FileEntry; 4] {
        [
            &self.generator,
            &self.discriminator,
            &self.generator_optimizer,
            &self.discriminator_optimizer,
        ]
    }
}

/// The two networks and their optimizers, borrowed for saving.
pub struct Networks<'a, G, D> {
    /// The generator.
    pub generator: &'a G,
    /// The discriminator.
    pub discriminator: &'a D,
    /// The generator's optimizer.
    pub generator_optimizer: &'a ModuleOptimizer,
    /// The discriminator's optimizer.
    pub discriminator_optimizer: &'a ModuleOptimizer,
}

/// Fresh networks and optimizers, to load a checkpoint's state into.
pub type Fresh<G, D> = (G, D, ModuleOptimizer, ModuleOptimizer);

/// A loaded checkpoint of any kind of run: its manifest `M`, its networks and their
/// optimizers with their saved state.
pub struct Checkpoint<M, G, D> {
    /// Its manifest.
    pub manifest: M,
    /// The generator, on the device it was loaded to.
    pub generator: G,
    /// The discriminator.
    pub discriminator: D,
    /// The generator's optimizer with its state.
    pub generator_optimizer: ModuleOptimizer,
    /// The discriminator's optimizer with its state.
    pub discriminator_optimizer: ModuleOptimizer,
}

/// What the store reads in every kind of run's manifest.
pub trait RunManifest {
    /// Its four binary files.
    fn files(&self) -> &NetworkFiles;
    /// The fingerprint of the data set trained on.
    fn dataset_fingerprint(&self) -> u64;
}

impl Layout {
    /// Whether `name` is one of this layout's binary files (of any step).
    fn owns(&self, name: &str) -> bool {
        name.strip_prefix(self.prefix).is_some_and(|rest| {
            (rest.starts_with("generator-") || rest.starts_with("discriminator-"))
                && rest.ends_with(".bpk")
        })
    }

    /// Writes the binary files of step `step` into `dir` (created if needed), each atomically.
    pub fn save_networks<G: Module, D: Module>(
        &self,
        dir: &Path,
        step: u64,
        networks: &Networks<'_, G, D>,
    ) -> Result<NetworkFiles, CheckpointError> {
        fs::create_dir_all(dir).map_err(|source| io_error(dir, source))?;
        let record = |name: &str, bytes: Result<Bytes, burn::store::RecordError>| {
            let file = format!("{}{name}-{step:08}.bpk", self.prefix);
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
        Ok(NetworkFiles {
            generator: record(
                "generator",
                networks.generator.clone().into_record().into_bytes(),
            )?,
            discriminator: record(
                "discriminator",
                networks.discriminator.clone().into_record().into_bytes(),
            )?,
            generator_optimizer: record(
                "generator-adam",
                networks.generator_optimizer.into_bytes(),
            )?,
            discriminator_optimizer: record(
                "discriminator-adam",
                networks.discriminator_optimizer.into_bytes(),
            )?,
        })
    }

    /// Replaces the manifest of `dir` atomically with `manifest`, then removes what it no
    /// longer needs ([`Layout::remove_stale`]). Returns its path.
    pub fn write_manifest<M: Serialize + RunManifest>(
        &self,
        dir: &Path,
        manifest: &M,
    ) -> Result<PathBuf, CheckpointError> {
        let path = dir.join(self.manifest);
        let json = serde_json::to_vec_pretty(manifest).map_err(|e| bad(&path, e))?;
        write_atomic(&path, &json).map_err(|source| io_error(&path, source))?;
        self.remove_stale(dir, manifest);
        Ok(path)
    }

    /// Reads the manifest of `dir` as JSON (no check of its content); returns it and its path.
    pub fn read_manifest<M: DeserializeOwned>(
        &self,
        dir: &Path,
    ) -> Result<(M, PathBuf), CheckpointError> {
        let path = dir.join(self.manifest);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(CheckpointError::Missing(dir.to_path_buf()));
            }
            Err(source) => return Err(io_error(&path, source)),
        };
        let manifest = serde_json::from_slice(&bytes).map_err(|e| bad(&path, e))?;
        Ok((manifest, path))
    }

    /// Loads the checkpoint `manifest` describes: refuses a run trained on another data set
    /// than `expected_dataset`, builds fresh networks and optimizers from the manifest
    /// (`fresh`), then loads the state of each from its file, checking the file's name,
    /// length and hash first. Every problem is an error naming the file.
    pub fn load_checkpoint<M: RunManifest, G: Module, D: Module>(
        &self,
        dir: &Path,
        manifest: M,
        expected_dataset: Option<u64>,
        fresh: impl FnOnce(&M) -> Result<Fresh<G, D>, ModelError>,
    ) -> Result<Checkpoint<M, G, D>, CheckpointError> {
        let path = dir.join(self.manifest);
        let found = manifest.dataset_fingerprint();
        if let Some(expected) = expected_dataset
            && found != expected
        {
            return Err(CheckpointError::Dataset {
                path,
                found,
                expected,
            });
        }
        let (generator, discriminator, g_optimizer, d_optimizer) =
            fresh(&manifest).map_err(config_error(&path))?;
        let [g, d, g_opt, d_opt] = manifest.files().all();
        Ok(Checkpoint {
            generator: self.load_module(dir, g, generator)?,
            discriminator: self.load_module(dir, d, discriminator)?,
            generator_optimizer: self.load_optimizer(dir, g_opt, g_optimizer)?,
            discriminator_optimizer: self.load_optimizer(dir, d_opt, d_optimizer)?,
            manifest,
        })
    }

    fn load_module<M: Module>(
        &self,
        dir: &Path,
        entry: &FileEntry,
        module: M,
    ) -> Result<M, CheckpointError> {
        let (path, bytes) = self.read_checked(dir, entry)?;
        let record_error = |e: burn::store::RecordError| CheckpointError::Record {
            path: path.clone(),
            reason: e.to_string(),
        };
        let record =
            ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes)).map_err(record_error)?;
        module.try_load_record(record).map_err(record_error)
    }

    fn load_optimizer(
        &self,
        dir: &Path,
        entry: &FileEntry,
        optimizer: ModuleOptimizer,
    ) -> Result<ModuleOptimizer, CheckpointError> {
        let (path, bytes) = self.read_checked(dir, entry)?;
        optimizer
            .from_bytes(Bytes::from_bytes_vec(bytes))
            .map_err(|e| CheckpointError::Record {
                path,
                reason: e.to_string(),
            })
    }

    /// Reads a binary file named by the manifest and checks its length and hash.
    fn read_checked(
        &self,
        dir: &Path,
        entry: &FileEntry,
    ) -> Result<(PathBuf, Vec<u8>), CheckpointError> {
        let plain = Path::new(&entry.name)
            .file_name()
            .is_some_and(|name| name == entry.name.as_str());
        if !plain {
            return Err(CheckpointError::BadManifest {
                path: dir.join(self.manifest),
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

    /// Removes from the run folder `dir` what its checkpoint does not need: this layout's
    /// binary files that the manifest does not name (`keep`: an older step's, or those of a
    /// save killed before its manifest was written) and the temporary files a killed save
    /// left beside them, the manifest and the step log. Done after every save and when a run
    /// is resumed; best effort (a file left behind only costs disk space).
    pub fn remove_stale(&self, dir: &Path, manifest: &impl RunManifest) {
        let keep = manifest.files().all();
        if let Ok(entries) = fs::read_dir(dir) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if self.owns(&name) && !keep.iter().any(|k| k.name == name) {
                    let _ = fs::remove_file(entry.path());
                }
            }
        }
        remove_atomic_leftovers(dir, |name| {
            self.owns(name) || name == self.manifest || name == STATS_FILE
        });
    }
}

/// An error of a checkpoint whose recorded configuration cannot build a model
/// (`manifest`: its path).
pub fn config_error(manifest: &Path) -> impl Fn(ModelError) -> CheckpointError + Copy + '_ {
    move |source| CheckpointError::Config {
        path: manifest.to_path_buf(),
        source,
    }
}

fn bad(path: &Path, error: serde_json::Error) -> CheckpointError {
    CheckpointError::BadManifest {
        path: path.to_path_buf(),
        reason: error.to_string(),
    }
}

/// A file error of a checkpoint, naming the file.
pub fn io_error(path: &Path, source: io::Error) -> CheckpointError {
    CheckpointError::Io {
        path: path.to_path_buf(),
        source,
    }
}
