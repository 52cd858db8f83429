//! Reading a folder of pieces for evaluation: MIDI files and ABC files, never failing on one
//! bad file.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::music::Piece;

use super::error::EvalError;

/// A file (or an ABC tune) left out of an evaluation, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedFile {
    /// The file path (for an ABC tune, the file; the reason names the tune).
    pub path: String,
    /// Why it was left out.
    pub reason: String,
}

/// The pieces read from a folder.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadedSet {
    /// The pieces with at least one pitched note, in file order (path order, then tune order).
    pub pieces: Vec<Piece>,
    /// A name per piece: the path relative to the folder, with `#N` for the N-th (1-based)
    /// tune of an ABC file.
    pub names: Vec<String>,
    /// Files and tunes that were left out.
    pub skipped: Vec<SkippedFile>,
}

/// Whether a path names a MIDI file by its extension (`.mid`, `.midi`, `.smf`, `.kar`, `.rmi`).
fn is_midi(path: &Path) -> bool {
    extension(path).is_some_and(|e| matches!(e.as_str(), "mid" | "midi" | "smf" | "kar" | "rmi"))
}

fn is_abc(path: &Path) -> bool {
    extension(path).is_some_and(|e| e == "abc")
}

fn extension(path: &Path) -> Option<String> {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
}

/// Every file under `dir` (recursively), sorted by path. Sub-folders that cannot be listed are
/// reported as skipped.
fn walk(
    dir: &Path,
    files: &mut Vec<PathBuf>,
    skipped: &mut Vec<SkippedFile>,
) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            if let Err(e) = walk(&path, files, skipped) {
                skipped.push(SkippedFile {
                    path: path.display().to_string(),
                    reason: format!("cannot list the folder: {e}"),
                });
            }
        } else {
            files.push(path);
        }
    }
    Ok(())
}

/// Reads every MIDI file (`.mid`, `.midi`, `.smf`, `.kar`, `.rmi`) and every tune of every ABC
/// file (`.abc`) under `dir`, recursively, in path order; other files are ignored. A file or
/// tune that cannot be read, or has no pitched note, is listed in
/// [`LoadedSet::skipped`] with the reason. Fails only when `dir` itself cannot be listed.
pub fn load_dir(dir: &Path) -> Result<LoadedSet, EvalError> {
    let mut files = Vec::new();
    let mut set = LoadedSet::default();
    walk(dir, &mut files, &mut set.skipped).map_err(|source| EvalError::ReadDir {
        path: dir.to_path_buf(),
        source,
    })?;
    for path in files {
        let name = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .display()
            .to_string();
        if is_midi(&path) {
            match crate::midi::read_file(&path) {
                Ok(file) => set.push(name, file.piece, &path),
                Err(e) => set.skip(&path, e.to_string()),
            }
        } else if is_abc(&path) {
            match crate::abc::read_abc_file(&path) {
                Ok(abc) => {
                    for (i, tune) in abc.tunes.into_iter().enumerate() {
                        match tune {
                            Ok(t) => set.push(format!("{name}#{}", i + 1), t.piece, &path),
                            Err(e) => set.skip(&path, e.to_string()),
                        }
                    }
                }
                Err(e) => set.skip(&path, e.to_string()),
            }
        }
    }
    Ok(set)
}

impl LoadedSet {
    fn push(&mut self, name: String, piece: Piece, path: &Path) {
        if piece.pitched_notes().next().is_none() {
            let what = if name.contains('#') {
                format!("tune {name}")
            } else {
                "the file".to_string()
            };
            self.skip(path, format!("{what} has no pitched (non-drum) note"));
        } else {
            self.names.push(name);
            self.pieces.push(piece);
        }
    }

    fn skip(&mut self, path: &Path, reason: String) {
        self.skipped.push(SkippedFile {
            path: path.display().to_string(),
            reason,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::notes::test_support::piece;

    #[test]
    fn bad_and_empty_files_are_listed_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        crate::midi::write_file(p.join("a.mid"), &piece(&[(60, 0, 4), (62, 4, 4)])).unwrap();
        std::fs::create_dir(p.join("sub")).unwrap();
        crate::midi::write_file(p.join("sub/b.MID"), &piece(&[(64, 0, 4)])).unwrap();
        std::fs::write(p.join("broken.mid"), b"MThd garbage").unwrap();
        crate::midi::write_file(p.join("empty.mid"), &Piece::new(480).unwrap()).unwrap();
        std::fs::write(p.join("notes.txt"), b"not music").unwrap();
        std::fs::write(
            p.join("tunes.abc"),
            "X:1\nT:One\nM:4/4\nL:1/4\nK:C\nCDEF|\n\nX:2\nT:Two\nM:4/4\nL:1/4\nK:C\nGABc|\n",
        )
        .unwrap();
        let set = load_dir(p).unwrap();
        assert_eq!(
            set.names,
            vec!["a.mid", "sub/b.MID", "tunes.abc#1", "tunes.abc#2"]
        );
        assert_eq!(set.pieces.len(), 4);
        assert_eq!(set.skipped.len(), 2, "{:?}", set.skipped);
        assert!(set.skipped.iter().any(|s| s.path.ends_with("broken.mid")));
        assert!(
            set.skipped
                .iter()
                .any(|s| s.path.ends_with("empty.mid") && s.reason.contains("no pitched"))
        );
        assert!(load_dir(&p.join("missing")).is_err());
    }
}
