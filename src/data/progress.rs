//! Progress messages of an import, for a GUI or a command-line progress bar.
//!
//! A load sends, in this order: one [`Progress::Started`]; then, when the cache holds the
//! data set, [`Progress::CacheHit`]; otherwise one [`Progress::FileDone`] per file (in any
//! order, since files are read in parallel) with [`Progress::Skipped`] for each file or piece
//! left out; and last [`Progress::Finished`]. [`Progress::CacheRejected`] and
//! [`Progress::Warning`] may come at any point. A cancelled or failed load sends no
//! `Finished`. Messages are sent without blocking; a receiver that went away is ignored.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::Sender;

/// One progress message of an import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Progress {
    /// The sources were listed.
    Started {
        /// How many files will be read (0 when none had to be listed).
        files: usize,
    },
    /// The data set was loaded from the cache; no file is read.
    CacheHit {
        /// The cache file.
        path: PathBuf,
    },
    /// A cache file existed but could not be used; the data set is rebuilt.
    CacheRejected {
        /// The cache file.
        path: PathBuf,
        /// Why it was rejected.
        reason: String,
    },
    /// One file was read (whether or not it gave pieces).
    FileDone {
        /// The file (a path, or `archive.zip!entry`).
        name: String,
        /// How many files are done so far, this one included (1-based).
        done: usize,
        /// How many files there are in all.
        total: usize,
        /// How many pieces it gave.
        pieces: usize,
    },
    /// A file or a piece was left out.
    Skipped {
        /// The file or piece.
        item: String,
        /// Why.
        reason: String,
    },
    /// Something worth telling that did not stop the import (e.g. the cache could not be
    /// written).
    Warning {
        /// The message.
        message: String,
    },
    /// The data set is ready.
    Finished {
        /// Pieces in all splits.
        pieces: usize,
        /// Training windows (augmented copies included).
        train_windows: usize,
        /// Whether it came from the cache.
        from_cache: bool,
    },
}

/// A function called with every progress message, on the thread that produced it (e.g. to
/// ask the GUI for a repaint, or to set the cancel flag).
pub type ProgressCallback = Arc<dyn Fn(&Progress) + Send + Sync>;

/// Where progress goes: an optional channel and an optional callback.
#[derive(Clone, Default)]
pub(crate) struct Reporter {
    sender: Option<Sender<Progress>>,
    callback: Option<ProgressCallback>,
}

impl Reporter {
    pub(crate) fn new(
        sender: Option<Sender<Progress>>,
        callback: Option<ProgressCallback>,
    ) -> Self {
        Reporter { sender, callback }
    }

    /// Calls the callback, then sends the message; a closed channel is ignored (nobody is
    /// listening any more).
    pub(crate) fn send(&self, message: Progress) {
        if let Some(callback) = &self.callback {
            callback(&message);
        }
        if let Some(sender) = &self.sender {
            let _ = sender.send(message);
        }
    }
}
