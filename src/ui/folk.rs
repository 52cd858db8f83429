//! Whether the folk set is on this machine, as the panels show it every frame: checked on a
//! background job at first and then every few seconds (or at once after a fetch), never by
//! the frame itself.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::job::{Job, Poll};
use crate::data::fetch;

/// How often the folk set's presence is checked again.
const RECHECK_EVERY: Duration = Duration::from_secs(5);

/// The cached answer to "is the folk set in this folder?".
pub struct FolkProbe {
    dir: Option<PathBuf>,
    present: Option<bool>,
    checked: Option<Instant>,
    job: Option<Job<bool>>,
}

impl FolkProbe {
    /// A probe of the folk set's folder (`None`: there is none; never present). The answer is
    /// unknown until the first check has run.
    pub fn new(dir: Option<PathBuf>) -> Self {
        FolkProbe {
            dir,
            present: None,
            checked: None,
            job: None,
        }
    }

    /// The folder looked in.
    pub fn dir(&self) -> Option<&PathBuf> {
        self.dir.as_ref()
    }

    /// Looks in another folder (checked at the next [`FolkProbe::poll`]).
    pub fn set_dir(&mut self, dir: Option<PathBuf>) {
        self.dir = dir;
        self.recheck();
    }

    /// The answer of the last check (`None`: not checked yet).
    pub fn present(&self) -> Option<bool> {
        self.present
    }

    /// Checks again at the next [`FolkProbe::poll`] (e.g. after a fetch).
    pub fn recheck(&mut self) {
        self.checked = None;
    }

    /// Takes a finished check and starts the next one when it is due; never blocks.
    pub fn poll(&mut self, ctx: &egui::Context) {
        if let Some(job) = &mut self.job {
            match job.poll() {
                Poll::Pending => return,
                Poll::Done(present) => self.present = Some(present),
                Poll::Lost => {}
            }
            self.job = None;
        }
        let Some(dir) = self.dir.clone() else {
            self.present = Some(false);
            return;
        };
        if self.checked.is_some_and(|t| t.elapsed() < RECHECK_EVERY) {
            return;
        }
        self.checked = Some(Instant::now());
        self.job = Some(Job::spawn(ctx, "folk-probe", move || {
            fetch::folk_is_present_in(&dir)
        }));
    }
}
