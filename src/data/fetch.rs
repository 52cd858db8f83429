//! Fetching the default training set: the Erk subset of the Essen folk song collection (1,754
//! German folk tunes in ABC), taken from the `music21` wheel on PyPI.
//!
//! The collection may be used for non-commercial purposes only, so it is never committed or
//! shipped: [`fetch_folk`] downloads the wheel with `python3 -m pip download`, extracts the
//! three Erk files and the license into the per-user data directory, and deletes the wheel.
//! The folder appears whole or not at all (files go to a temporary folder that is renamed).

use std::ffi::OsString;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use thiserror::Error;

/// The environment variable that overrides the data directory.
pub const DATA_DIR_ENV: &str = "GAN_STUDIO_DATA";

/// The `music21` release whose wheel holds the folk set (verified: 10.5.1).
pub const MUSIC21_VERSION: &str = "10.5.1";

/// The files of the folk set, as named in the wheel's `music21/corpus/essenFolksong/` folder
/// and in [`folk_dir`].
pub const FOLK_FILES: [&str; 4] = ["erk10.abc", "erk20.abc", "erk30.abc", "license.txt"];

/// The ABC files of the folk set (the first three of [`FOLK_FILES`]).
pub const FOLK_ABC_FILES: [&str; 3] = ["erk10.abc", "erk20.abc", "erk30.abc"];

/// Where the files sit inside the wheel.
const WHEEL_FOLDER: &str = "music21/corpus/essenFolksong/";

/// Files larger than this inside the wheel are refused (the real ones are under 210 KB).
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// A short notice to show wherever the folk set is used.
pub const FOLK_LICENSE_NOTICE: &str = "The Essen folk song collection (Erk subset) was encoded \
under Helmut Schaffrath and Ewa Dahlig-Turek and converted to ABC by Seymour Shlien; it is \
distributed with music21 for non-commercial use only. GAN Studio downloads it on your machine \
and never redistributes it. See license.txt in the data folder.";

/// Why the folk set could not be fetched. Each message says what is missing and how to get
/// the files by hand.
#[derive(Debug, Error)]
pub enum FetchError {
    /// No home directory to put user data in, and no override.
    #[error("no per-user data directory was found; set {DATA_DIR_ENV} to a folder")]
    NoDataDir,
    /// Python could not be started.
    #[error(
        "Python 3 was not found (tried {tried}); install Python 3 with pip, or fetch by hand:\n{manual}"
    )]
    PythonMissing {
        /// The commands tried.
        tried: String,
        /// The manual commands.
        manual: String,
    },
    /// Python runs but has no pip.
    #[error(
        "pip is not available for {python} ({detail}); install pip (e.g. the python3-pip package), or fetch by hand:\n{manual}"
    )]
    PipMissing {
        /// The Python command.
        python: String,
        /// pip's or Python's own words.
        detail: String,
        /// The manual commands.
        manual: String,
    },
    /// pip ran but could not download the wheel (offline, proxy, PyPI down).
    #[error(
        "pip could not download music21=={MUSIC21_VERSION} (offline?): {detail}\nWhen online, run `gan-studio dataset fetch` again, or fetch by hand:\n{manual}"
    )]
    DownloadFailed {
        /// The end of pip's error output.
        detail: String,
        /// The manual commands.
        manual: String,
    },
    /// pip succeeded but left no wheel.
    #[error("pip reported success but left no wheel ({dir})")]
    NoWheel {
        /// The download folder.
        dir: PathBuf,
    },
    /// The wheel lacks one of the expected files.
    #[error("the wheel has no {name} ({wheel})")]
    MissingInWheel {
        /// The file looked for.
        name: String,
        /// The wheel.
        wheel: PathBuf,
    },
    /// The wheel is not a readable zip archive.
    #[error("cannot read the wheel: {source} ({path})")]
    Zip {
        /// The wheel.
        path: PathBuf,
        /// What the zip reader said.
        #[source]
        source: zip::result::ZipError,
    },
    /// A file-system operation failed.
    #[error("cannot {action}: {source} ({path})")]
    Io {
        /// What was being done, e.g. "create the data folder".
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The system's error.
        #[source]
        source: io::Error,
    },
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> FetchError {
    let path = path.to_path_buf();
    move |source| FetchError::Io {
        action,
        path,
        source,
    }
}

/// The data directory from an override value (the content of [`DATA_DIR_ENV`]) or, when
/// there is none or it is empty, the per-user data directory of the platform
/// (`~/.local/share/gan-studio` on Linux).
pub fn resolve_data_dir(override_value: Option<OsString>) -> Result<PathBuf, FetchError> {
    if let Some(value) = override_value.filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(value));
    }
    directories::ProjectDirs::from("org", "GAN Studio", "gan-studio")
        .map(|dirs| dirs.data_dir().to_path_buf())
        .ok_or(FetchError::NoDataDir)
}

/// The data directory: `$GAN_STUDIO_DATA` if set, else the per-user data directory.
pub fn data_dir() -> Result<PathBuf, FetchError> {
    resolve_data_dir(std::env::var_os(DATA_DIR_ENV))
}

/// Environment variable that overrides the cache directory (encoded data sets).
pub const CACHE_DIR_ENV: &str = "GAN_STUDIO_CACHE";

/// The cache directory: `$GAN_STUDIO_CACHE` if set, else the per-user cache directory of the
/// platform (`~/.cache/gan-studio` on Linux). Everything in it can be rebuilt.
pub fn cache_dir() -> Result<PathBuf, FetchError> {
    if let Some(value) = std::env::var_os(CACHE_DIR_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(value));
    }
    directories::ProjectDirs::from("org", "GAN Studio", "gan-studio")
        .map(|dirs| dirs.cache_dir().join("datasets"))
        .ok_or(FetchError::NoDataDir)
}

/// The folk set's folder inside a data directory.
pub fn folk_dir_in(data_dir: &Path) -> PathBuf {
    data_dir.join("folk")
}

/// The folk set's folder in the data directory ([`data_dir`]`/folk`).
pub fn folk_dir() -> Result<PathBuf, FetchError> {
    data_dir().map(|d| folk_dir_in(&d))
}

/// Whether every file of the folk set is in `dir` and not empty.
pub fn folk_is_present_in(dir: &Path) -> bool {
    FOLK_FILES
        .iter()
        .all(|name| fs::metadata(dir.join(name)).is_ok_and(|m| m.is_file() && m.len() > 0))
}

/// Whether the folk set has been fetched into [`folk_dir`].
pub fn folk_is_present() -> bool {
    folk_dir().is_ok_and(|d| folk_is_present_in(&d))
}

/// The paths of the three ABC files of the folk set in `dir`.
pub fn folk_abc_paths(dir: &Path) -> Vec<PathBuf> {
    FOLK_ABC_FILES.iter().map(|name| dir.join(name)).collect()
}

/// The shell commands that fetch the folk set into `target` by hand.
pub fn manual_fetch_commands(target: &Path) -> String {
    let files: Vec<String> = FOLK_FILES
        .iter()
        .map(|f| format!("'{WHEEL_FOLDER}{f}'"))
        .collect();
    format!(
        "  python3 -m pip download --no-deps music21=={MUSIC21_VERSION} -d /tmp/music21-wheel\n  \
         unzip -j -o /tmp/music21-wheel/music21-{MUSIC21_VERSION}-py3-none-any.whl {} -d '{}'",
        files.join(" "),
        target.display()
    )
}

/// Fetches the folk set into [`folk_dir`] unless it is already there; returns the folder.
pub fn fetch_folk() -> Result<PathBuf, FetchError> {
    let dir = folk_dir()?;
    if folk_is_present_in(&dir) {
        return Ok(dir);
    }
    fetch_folk_into(&dir, &["python3", "python"])?;
    Ok(dir)
}

/// Downloads the wheel with the first of `pythons` that starts and extracts the folk set into
/// `target` (replacing what is there). The wheel goes to a temporary folder that is removed
/// afterwards.
pub fn fetch_folk_into(target: &Path, pythons: &[&str]) -> Result<(), FetchError> {
    let download = TempDir::new(&std::env::temp_dir(), "gan-studio-wheel")?;
    download_wheel(download.path(), target, pythons)?;
    let wheel = find_wheel(download.path())?;
    extract_folk(&wheel, target)
}

/// Runs `python -m pip download` into `dir`.
fn download_wheel(dir: &Path, target: &Path, pythons: &[&str]) -> Result<(), FetchError> {
    let manual = manual_fetch_commands(target);
    for python in pythons {
        let output = Command::new(python)
            .args(["-m", "pip", "download", "--no-deps", "--only-binary=:all:"])
            .args([
                "--disable-pip-version-check",
                "--no-input",
                "--timeout",
                "20",
            ])
            .args(["--retries", "1"])
            .arg(format!("music21=={MUSIC21_VERSION}"))
            .arg("-d")
            .arg(dir)
            .output();
        let output = match output {
            Ok(o) => o,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(FetchError::PythonMissing {
                    tried: format!("{python}: {e}"),
                    manual,
                });
            }
        };
        if output.status.success() {
            return Ok(());
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        let detail = last_lines(&stderr, 3);
        if stderr.contains("No module named pip") {
            return Err(FetchError::PipMissing {
                python: (*python).to_string(),
                detail,
                manual,
            });
        }
        return Err(FetchError::DownloadFailed { detail, manual });
    }
    Err(FetchError::PythonMissing {
        tried: pythons.join(", "),
        manual,
    })
}

/// The last `n` non-empty lines of `text`, joined by " / ".
fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    lines[lines.len().saturating_sub(n)..].join(" / ")
}

/// The downloaded `.whl` in `dir`.
fn find_wheel(dir: &Path) -> Result<PathBuf, FetchError> {
    let entries = fs::read_dir(dir).map_err(io_error("list the download folder", dir))?;
    for entry in entries {
        let path = entry
            .map_err(io_error("list the download folder", dir))?
            .path();
        if path.extension().is_some_and(|e| e == "whl") {
            return Ok(path);
        }
    }
    Err(FetchError::NoWheel {
        dir: dir.to_path_buf(),
    })
}

/// Extracts the folk set's files from the music21 `wheel` into `target`, atomically: the
/// files are written to a temporary folder beside `target` which then replaces it. On error
/// `target` is left as it was.
pub fn extract_folk(wheel: &Path, target: &Path) -> Result<(), FetchError> {
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(io_error("create the data folder", &parent))?;
    let file = fs::File::open(wheel).map_err(io_error("open the wheel", wheel))?;
    let mut archive =
        zip::ZipArchive::new(io::BufReader::new(file)).map_err(|source| FetchError::Zip {
            path: wheel.to_path_buf(),
            source,
        })?;
    let staging = TempDir::new(&parent, ".folk-incoming")?;
    for name in FOLK_FILES {
        let inner = format!("{WHEEL_FOLDER}{name}");
        let mut entry = archive
            .by_name(&inner)
            .map_err(|_| FetchError::MissingInWheel {
                name: inner.clone(),
                wheel: wheel.to_path_buf(),
            })?;
        let mut bytes = Vec::new();
        (&mut entry)
            .take(MAX_FILE_BYTES)
            .read_to_end(&mut bytes)
            .map_err(io_error("read from the wheel", wheel))?;
        let out = staging.path().join(name);
        crate::fsutil::write_atomic(&out, &bytes).map_err(io_error("write", &out))?;
    }
    staging.replace(target)
}

/// A folder removed when dropped unless it was moved into place by [`TempDir::replace`] (and
/// removed on a signal until then: it is tracked, see [`crate::fsutil::track_temporary`]).
struct TempDir {
    path: Option<PathBuf>,
    _tracked: crate::fsutil::TrackedTemporary,
}

impl TempDir {
    /// Makes a new uniquely named folder inside `parent`.
    fn new(parent: &Path, prefix: &str) -> Result<TempDir, FetchError> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = parent.join(format!("{prefix}-{}-{nanos}", std::process::id()));
        let tracked = crate::fsutil::track_temporary(&path);
        fs::create_dir_all(&path).map_err(io_error("create a temporary folder", &path))?;
        Ok(TempDir {
            path: Some(path),
            _tracked: tracked,
        })
    }

    fn path(&self) -> &Path {
        self.path.as_deref().unwrap_or(Path::new("."))
    }

    /// Moves this folder to `target`. An existing `target` is first moved aside and removed
    /// once the new folder is in place.
    fn replace(mut self, target: &Path) -> Result<(), FetchError> {
        let Some(path) = self.path.take() else {
            return Ok(());
        };
        let result = (|| {
            let old = if target.exists() {
                let mut aside = target.as_os_str().to_owned();
                aside.push(format!(".old-{}", std::process::id()));
                let aside = PathBuf::from(aside);
                fs::rename(target, &aside)
                    .map_err(io_error("move the old folk folder aside", target))?;
                Some(aside)
            } else {
                None
            };
            if let Err(source) = fs::rename(&path, target) {
                if let Some(aside) = &old {
                    let _ = fs::rename(aside, target);
                }
                return Err(FetchError::Io {
                    action: "move the fetched files into place",
                    path: target.to_path_buf(),
                    source,
                });
            }
            if let Some(aside) = old {
                let _ = fs::remove_dir_all(aside);
            }
            Ok(())
        })();
        if result.is_err() {
            let _ = fs::remove_dir_all(&path);
        }
        result
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            let _ = fs::remove_dir_all(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// A fake wheel with the given files under the essenFolksong folder plus one other file.
    fn fake_wheel(dir: &Path, names: &[&str]) -> PathBuf {
        let path = dir.join("music21-fake.whl");
        let file = fs::File::create(&path).unwrap();
        let mut zip = zip::ZipWriter::new(file);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for name in names {
            zip.start_file(format!("{WHEEL_FOLDER}{name}"), options)
                .unwrap();
            writeln!(zip, "content of {name}").unwrap();
        }
        zip.start_file(format!("{WHEEL_FOLDER}han1.abc"), options)
            .unwrap();
        zip.write_all(b"not wanted").unwrap();
        zip.finish().unwrap();
        path
    }

    #[test]
    fn the_override_wins_and_empty_means_unset() {
        let dir = resolve_data_dir(Some(OsString::from("/srv/data"))).unwrap();
        assert_eq!(dir, PathBuf::from("/srv/data"));
        let default = resolve_data_dir(None);
        let empty = resolve_data_dir(Some(OsString::new()));
        // Both fall back to the platform directory (or both fail without a home).
        assert_eq!(default.ok(), empty.ok());
        assert_eq!(folk_dir_in(Path::new("/d")), PathBuf::from("/d/folk"));
    }

    #[test]
    fn extraction_takes_exactly_the_four_files() {
        let tmp = tempfile::tempdir().unwrap();
        let wheel = fake_wheel(tmp.path(), &FOLK_FILES);
        let target = tmp.path().join("data").join("folk");
        assert!(!folk_is_present_in(&target));
        extract_folk(&wheel, &target).unwrap();
        assert!(folk_is_present_in(&target));
        let mut names: Vec<String> = fs::read_dir(&target)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            ["erk10.abc", "erk20.abc", "erk30.abc", "license.txt"]
        );
        assert_eq!(
            fs::read_to_string(target.join("erk20.abc")).unwrap(),
            "content of erk20.abc\n"
        );
        // Nothing else is left beside the target.
        assert_eq!(fs::read_dir(tmp.path().join("data")).unwrap().count(), 1);
        // Extracting again replaces the folder cleanly.
        fs::write(target.join("stale.txt"), "old").unwrap();
        extract_folk(&wheel, &target).unwrap();
        assert!(!target.join("stale.txt").exists());
        assert_eq!(fs::read_dir(tmp.path().join("data")).unwrap().count(), 1);
    }

    #[test]
    fn a_wheel_missing_a_file_leaves_the_target_untouched() {
        let tmp = tempfile::tempdir().unwrap();
        let wheel = fake_wheel(tmp.path(), &["erk10.abc", "erk20.abc", "license.txt"]);
        let target = tmp.path().join("folk");
        let err = extract_folk(&wheel, &target).unwrap_err();
        assert!(
            matches!(&err, FetchError::MissingInWheel { name, .. } if name.ends_with("erk30.abc"))
        );
        assert!(!target.exists());
        // Only the wheel remains: the staging folder was removed.
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
        let not_zip = tmp.path().join("bad.whl");
        fs::write(&not_zip, b"this is no zip").unwrap();
        assert!(matches!(
            extract_folk(&not_zip, &target),
            Err(FetchError::Zip { .. })
        ));
    }

    #[test]
    fn missing_python_says_what_to_do() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("folk");
        let err = fetch_folk_into(&target, &["no-such-python-for-gan-studio"]).unwrap_err();
        assert!(matches!(err, FetchError::PythonMissing { .. }));
        let message = err.to_string();
        assert!(message.contains("Python 3 was not found"), "{message}");
        assert!(
            message.contains("pip download --no-deps music21==10.5.1"),
            "{message}"
        );
        assert!(message.contains("erk30.abc"), "{message}");
        assert!(!target.exists());
    }

    #[test]
    fn last_lines_keeps_the_end() {
        assert_eq!(last_lines("a\n\nb\nc\nd\n", 2), "c / d");
        assert_eq!(last_lines("", 3), "");
    }

    /// Downloads the real wheel from PyPI (needs network): `cargo test -- --ignored`.
    #[test]
    #[ignore = "downloads from PyPI"]
    fn fetches_the_real_folk_set() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("folk");
        fetch_folk_into(&target, &["python3", "python"]).unwrap();
        assert!(folk_is_present_in(&target));
        let erk10 = fs::read_to_string(target.join("erk10.abc")).unwrap();
        assert!(erk10.starts_with("X:1") || erk10.contains("\nX:1\n"));
    }
}
