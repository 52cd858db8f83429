//! File-system helpers shared by every module that saves: atomic writes, and the temporary
//! files and folders that must not outlive the process.
//!
//! # Temporaries
//! Every temporary of [`write_atomic`] (and any other registered with [`track_temporary`])
//! is tracked while it exists, so that a command interrupted by a signal can remove them all
//! before it exits ([`remove_tracked_temporaries_then`]). A process killed outright (SIGKILL,
//! a power cut) cannot clean up: [`remove_atomic_leftovers`] finds what such a process left
//! beside its targets.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The suffix of [`write_atomic`]'s temporary files: `.<name>.<pid>.tmp` beside `<name>`.
const TEMPORARY_SUFFIX: &str = ".tmp";

/// Writes `bytes` to `path` atomically: the data goes to a temporary file in the same folder,
/// is flushed to disk (`fsync`), then renamed over the target, and the folder is flushed so
/// the rename itself survives a power cut. A crash, a kill or a full disk never leaves a
/// half-written file behind: the old file stays as it was (a killed process may leave its
/// temporary, see [`remove_atomic_leftovers`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_with(path, |file| file.write_all(bytes))
}

/// Like [`write_atomic`], with the content produced by a closure that writes into the
/// temporary file.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".{}{TEMPORARY_SUFFIX}", std::process::id()));
    let tmp = dir.join(tmp_name);
    let _tracked = track_temporary(&tmp);
    let result = (|| {
        let mut file = File::create(&tmp)?;
        write(&mut file)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)?;
        sync_folder(dir);
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Flushes a folder's entries to disk, so that a rename in it is kept after a power cut. Best
/// effort: some file systems cannot sync a folder, and the renamed file's data is already on
/// disk by then.
fn sync_folder(dir: &Path) {
    #[cfg(unix)]
    if let Ok(folder) = File::open(dir) {
        let _ = folder.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// The temporaries that exist now, by registration number.
struct Registry {
    next: u64,
    paths: BTreeMap<u64, PathBuf>,
}

impl Registry {
    const fn new() -> Self {
        Registry {
            next: 0,
            paths: BTreeMap::new(),
        }
    }

    fn track(&mut self, path: &Path) -> u64 {
        let id = self.next;
        self.next += 1;
        self.paths.insert(id, path.to_path_buf());
        id
    }

    /// Removes every path (files and folders, best effort) and forgets them.
    fn remove_all(&mut self) {
        for path in std::mem::take(&mut self.paths).into_values() {
            let _ = match fs::symlink_metadata(&path) {
                Ok(meta) if meta.is_dir() => remove_folder_in_use(&path),
                Ok(_) => fs::remove_file(&path),
                Err(_) => Ok(()),
            };
        }
    }
}

/// Removes a folder that another thread may still be writing into (a signal arrives while a
/// command fills its temporary folder). A plain `remove_dir_all` can then fail with "folder
/// not empty" when a file appears after it listed the folder; so the folder is first renamed
/// aside (later files under the old path cannot be created), then removed, trying a few times.
fn remove_folder_in_use(path: &Path) -> io::Result<()> {
    let mut aside = path.as_os_str().to_owned();
    aside.push(format!(".removing-{}", std::process::id()));
    let aside = PathBuf::from(aside);
    let target = if fs::rename(path, &aside).is_ok() {
        aside.as_path()
    } else {
        path
    };
    let mut result = fs::remove_dir_all(target);
    for _ in 0..5 {
        if result.is_ok() || !target.exists() {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
        result = fs::remove_dir_all(target);
    }
    result
}

static TRACKED: Mutex<Registry> = Mutex::new(Registry::new());

fn registry() -> MutexGuard<'static, Registry> {
    TRACKED.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A temporary file or folder registered with [`track_temporary`]; dropping it ends the
/// tracking (it does not delete anything: the owner removes or renames the path itself).
#[must_use = "the path is tracked only while this value lives"]
#[derive(Debug)]
pub struct TrackedTemporary {
    id: u64,
}

impl Drop for TrackedTemporary {
    fn drop(&mut self) {
        registry().paths.remove(&self.id);
    }
}

/// Registers a temporary file or folder (whether it exists yet or not) to be removed by
/// [`remove_tracked_temporaries_then`] while the returned value lives.
pub fn track_temporary(path: &Path) -> TrackedTemporary {
    TrackedTemporary {
        id: registry().track(path),
    }
}

/// Removes every tracked temporary (files and folders, best effort), then runs `then` while
/// still holding the registry, so that no thread can start a new temporary in between (a
/// caller that exits the process in `then` leaves none behind). Returns what `then` returns.
pub fn remove_tracked_temporaries_then<T>(then: impl FnOnce() -> T) -> T {
    let mut registry = registry();
    registry.remove_all();
    then()
}

/// The target name of a [`write_atomic`] temporary's file name (`.<name>.<pid>.tmp` gives
/// `<name>`), or `None` when `file_name` is not one.
pub fn atomic_temporary_target(file_name: &str) -> Option<&str> {
    let inner = file_name
        .strip_prefix('.')?
        .strip_suffix(TEMPORARY_SUFFIX)?;
    let (name, pid) = inner.rsplit_once('.')?;
    let is_pid = !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit());
    (is_pid && !name.is_empty()).then_some(name)
}

/// Removes from `dir` the [`write_atomic`] temporaries whose target name `ours` accepts:
/// files a killed process left behind. Call it only where no other process is saving those
/// targets at the same time (a run folder is written by one run). Best effort; returns how
/// many were removed.
pub fn remove_atomic_leftovers(dir: &Path, ours: impl Fn(&str) -> bool) -> usize {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let leftover = name
            .to_str()
            .and_then(atomic_temporary_target)
            .is_some_and(&ours);
        if leftover && fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn failed_write_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        write_atomic(&path, b"old").unwrap();
        let err = write_atomic_with(&path, |_| Err(io::Error::other("disk full")));
        assert!(err.is_err());
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn temporary_names_are_recognized_exactly() {
        assert_eq!(
            atomic_temporary_target(".generator-00000010.bpk.4242.tmp"),
            Some("generator-00000010.bpk")
        );
        assert_eq!(atomic_temporary_target(".a.txt.1.tmp"), Some("a.txt"));
        for not_ours in [
            "generator-00000010.bpk",
            ".hidden",
            ".a.txt.tmp",
            ".a.txt.12x.tmp",
            "a.txt.12.tmp",
            "..12.tmp",
        ] {
            assert_eq!(atomic_temporary_target(not_ours), None, "{not_ours}");
        }
    }

    #[test]
    fn leftovers_of_accepted_targets_are_removed_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        for name in [".a.txt.77.tmp", ".b.txt.78.tmp", "a.txt", ".a.txt.tmp"] {
            fs::write(dir.path().join(name), b"x").unwrap();
        }
        assert_eq!(
            remove_atomic_leftovers(dir.path(), |name| name == "a.txt"),
            1
        );
        let mut left: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, [".a.txt.tmp", ".b.txt.78.tmp", "a.txt"]);
    }

    #[test]
    fn tracked_temporaries_are_removed_on_request_and_untracked_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(".kept-while-tracked.tmp");
        let folder = dir.path().join("work");
        let done = dir.path().join("done.tmp");
        fs::write(&file, b"x").unwrap();
        fs::create_dir_all(folder.join("inner")).unwrap();
        fs::write(&done, b"x").unwrap();
        // A registry of the test's own: the process-wide one serves the other tests.
        let mut registry = Registry::new();
        registry.track(&file);
        registry.track(&folder);
        let finished = registry.track(&done);
        registry.paths.remove(&finished);
        registry.remove_all();
        assert!(!file.exists() && !folder.exists());
        // Its tracking ended before: the file stays.
        assert!(done.exists());
        assert!(registry.paths.is_empty());
        // The process-wide registry forgets a path when its guard is dropped.
        let path = dir.path().join("guarded");
        let guard = track_temporary(&path);
        assert!(registry_holds(&path));
        drop(guard);
        assert!(!registry_holds(&path));
    }

    fn registry_holds(path: &Path) -> bool {
        registry().paths.values().any(|p| p == path)
    }
}
