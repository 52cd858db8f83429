//! The file work of the studio's session, done where no frame waits for it: every function
//! here runs on a background [`crate::ui::job::Job`], or at exit after the last frame
//! ([`write_exit_log`], the exit-time autosave). This is one of the few modules of `src/ui`
//! allowed to touch the file system (see the rule in [`crate::ui`]).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::edit::{Document, PartRole};
use crate::export::ExportFormat;
use crate::music::Piece;

/// The file in the data folder where problems at exit are written, shown at the next start.
pub(super) const EXIT_LOG: &str = "exit-problems.log";

/// An autosave left by the last run, with a word on its age ("from 5 minute(s) ago").
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Recovery {
    /// The autosave file.
    pub path: PathBuf,
    /// How old it is, for the question (empty when unknown).
    pub age: String,
}

/// What opening a file gave: the new document, made as a piece too (so the frame that takes
/// it need not), and for an import, what it was made from.
pub(super) struct Opened {
    /// A project (it replaces the document), or music imported into a copy of the document
    /// as it was when the job started (it replaces the document if that has not changed
    /// since).
    pub doc: Document,
    /// `doc` as a piece.
    pub piece: Arc<Piece>,
    /// For an import, the revision of the document it started from (`None`: a project).
    pub base: Option<u64>,
}

/// Opens `path`: a project is read whole; a MIDI or ABC file is imported as new parts into
/// `doc` (the document when the job started; an empty document takes the only piece of a
/// file as it is). The error names the file and the problem.
pub(super) fn open(path: &Path, mut doc: Document) -> Result<Opened, String> {
    let is_project = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(crate::edit::project::EXTENSION));
    if is_project {
        let doc = crate::edit::project::load_project(path).map_err(|e| e.to_string())?;
        return Ok(Opened {
            piece: Arc::new(doc.to_piece()),
            doc,
            base: None,
        });
    }
    let pieces = crate::ui::files::read_music(path)?;
    let base = doc.revision();
    let empty = doc.parts().len() == 1 && doc.end_tick() == 0;
    if empty && pieces.len() == 1 {
        doc = Document::from_piece(&pieces[0], PartRole::Imported);
    } else {
        for piece in &pieces {
            doc.import_piece(piece, PartRole::Imported);
        }
    }
    Ok(Opened {
        piece: Arc::new(doc.to_piece()),
        doc,
        base: Some(base),
    })
}

/// Saves `doc` as a project at `path` (atomically; the folder is made if missing).
pub(super) fn save(path: &Path, doc: &Document) -> Result<(), String> {
    crate::edit::project::save_project(path, doc)
        .map_err(|e| crate::ui::files::write_failure_text("Saving the project", path, &e))
}

/// Exports `piece` to `path` in `format`.
pub(super) fn export(path: &Path, piece: &Piece, format: ExportFormat) -> Result<(), String> {
    crate::export::export(path, piece, format).map_err(|e| {
        crate::ui::files::write_failure_text(&format!("Exporting {}", format.label()), path, &e)
    })
}

/// The autosave at `path`, if the last run left one.
pub(super) fn find_recovery(path: &Path) -> Option<Recovery> {
    let meta = std::fs::metadata(path).ok().filter(|m| m.is_file())?;
    let age = meta
        .modified()
        .ok()
        .and_then(|t| t.elapsed().ok())
        .map_or_else(String::new, |e| {
            let minutes = e.as_secs() / 60;
            if minutes < 60 {
                format!(" from {minutes} minute(s) ago")
            } else {
                format!(" from {} hour(s) ago", minutes / 60)
            }
        });
    Some(Recovery {
        path: path.to_path_buf(),
        age,
    })
}

/// Removes a file that may already be gone (an autosave nobody needs).
pub(super) fn remove(path: &Path) -> Result<(), String> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!(
            "could not remove the discarded autosave (it will be offered again): {e}: {}",
            path.display()
        )),
    }
}

/// Appends `problems` to the exit log at `path` (one line each, with the time), making its
/// folder if needed.
pub(super) fn write_exit_log(path: &Path, problems: &[String]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    for problem in problems {
        writeln!(file, "[{seconds}] {problem}")?;
    }
    file.sync_all()
}

/// Reads and removes the exit log at `path`: the problems the last run met at exit (one line
/// each; none when there is no log).
pub(super) fn take_exit_log(path: &Path) -> Result<Vec<String>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("could not read {}: {e}", path.display())),
    };
    remove(path)?;
    Ok(text
        .lines()
        .map(|line| match line.split_once("] ") {
            Some((stamp, rest)) if stamp.starts_with('[') => rest.to_owned(),
            _ => line.to_owned(),
        })
        .filter(|line| !line.trim().is_empty())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exit_log_is_read_once_then_gone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join(EXIT_LOG);
        assert_eq!(take_exit_log(&path).unwrap(), Vec::<String>::new());
        write_exit_log(&path, &["autosave failed: disk full".into()]).unwrap();
        write_exit_log(&path, &["the training run was not saved".into()]).unwrap();
        assert_eq!(
            take_exit_log(&path).unwrap(),
            vec![
                "autosave failed: disk full".to_string(),
                "the training run was not saved".to_string()
            ]
        );
        assert!(!path.exists());
        assert!(take_exit_log(&path).unwrap().is_empty());
    }

    #[test]
    fn an_import_into_an_empty_document_takes_the_piece_and_a_bad_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let abc = dir.path().join("two.abc");
        std::fs::write(
            &abc,
            "X:1\nT:One\nM:4/4\nL:1/8\nK:C\nCDEF GABc|\n\nX:2\nT:Two\nM:3/4\nL:1/8\nK:G\nGAB d2B|\n",
        )
        .unwrap();
        let doc = Document::new();
        let opened = open(&abc, doc.clone()).unwrap();
        assert_eq!(opened.base, Some(doc.revision()));
        assert!(
            opened.doc.parts().len() >= 2,
            "{}",
            opened.doc.parts().len()
        );
        assert_ne!(opened.doc.revision(), doc.revision());
        assert_eq!(*opened.piece, opened.doc.to_piece());
        let missing = dir.path().join("missing.mid");
        let error = open(&missing, doc).err().unwrap();
        assert!(error.contains("missing.mid"), "{error}");
    }
}
