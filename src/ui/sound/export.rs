//! WAV export and the file dialogs of the sound settings (SoundFont, WAV file): the system's
//! or the in-window one (see [`crate::ui::picker`]); the export renders on its own thread.

use std::path::PathBuf;

use super::Playback;
use crate::audio::{
    NORMALIZED_PEAK_DBFS, RenderOptions, RenderSummary, SampleFormat, render_piece_to_wav,
};
use crate::music::Piece;
use crate::ui::job::{Job, Poll};
use crate::ui::notify::Notifications;
use crate::ui::picker::{Ask, AskKind, FilePicker};

/// A file dialog under way, and what its answer is for.
enum Dialog {
    SoundFont,
    ExportWav(Box<Piece>),
}

/// The WAV export and file dialog under way, if any.
pub(super) struct Exports {
    export: Option<(PathBuf, Job<Result<RenderSummary, String>>)>,
    dialog: FilePicker<Dialog>,
}

impl Default for Exports {
    fn default() -> Self {
        Exports {
            export: None,
            dialog: FilePicker::new("sound"),
        }
    }
}

impl Exports {
    /// Whether a WAV export is running.
    pub(super) fn is_busy(&self) -> bool {
        self.export.is_some()
    }

    /// Whether a file dialog is open.
    pub(super) fn dialog_open(&self) -> bool {
        self.dialog.is_open()
    }
}

impl Playback {
    /// Sets the name the transport bar's "Export WAV…" suggests (the document's: see
    /// [`Playback::export_wav_dialog`]).
    pub fn set_file_stem(&mut self, stem: &str) {
        if self.file_stem != stem {
            self.file_stem = stem.to_string();
        }
    }

    /// Renders `piece` with the current SoundFont and preset into a 16-bit WAV file at
    /// 44.1 kHz on a worker thread, its peak normalized to -1 dBFS unless the settings keep
    /// the raw level; the result is reported to `notify` at a later
    /// [`Playback::poll`].
    pub fn export_wav(&mut self, piece: &Piece, path: PathBuf, notify: &mut Notifications) {
        if self.export.export.is_some() {
            notify.info("A WAV export is already running; try again when it is done.");
            return;
        }
        let options = RenderOptions {
            soundfont: self.font.clone(),
            program: self.settings.preset,
            normalize_dbfs: (!self.settings.wav_raw_level).then_some(NORMALIZED_PEAK_DBFS),
            ..RenderOptions::default()
        };
        let piece = piece.clone();
        let out = path.clone();
        let job = Job::spawn(&self.ctx, "wav-export", move || {
            render_piece_to_wav(&piece, &out, &options, SampleFormat::Int16)
                .map_err(|e| crate::ui::files::write_failure_text("Exporting WAV", &out, &e))
        });
        self.export.export = Some((path, job));
    }

    /// Whether a WAV export is running.
    pub fn is_exporting(&self) -> bool {
        self.export.is_busy()
    }

    /// Asks for a file name (see [`crate::ui::picker`]; `stem` suggested, else the piece's
    /// title when `stem` is empty), then exports `piece` there. While another dialog of the
    /// sound settings is open, says so instead.
    pub fn export_wav_dialog(&mut self, piece: &Piece, stem: &str, notify: &mut Notifications) {
        let stem = if stem.trim().is_empty() {
            &piece.title
        } else {
            stem
        };
        let name = format!("{}.wav", safe_file_stem(stem));
        let ask =
            Ask::new("Export WAV audio", AskKind::SaveFile(name)).filter("WAV audio", &["wav"]);
        let purpose = Dialog::ExportWav(Box::new(piece.clone()));
        if !self.export.dialog.ask(&self.ctx, purpose, ask) {
            notify.info("A file dialog is already open: finish it first.");
        }
    }

    /// Asks for a SoundFont file (see [`crate::ui::picker`]), then loads it.
    pub fn load_soundfont_dialog(&mut self) {
        let ask = Ask::new("Choose a SoundFont", AskKind::OpenFile).filter("SoundFont", &["sf2"]);
        self.export.dialog.ask(&self.ctx, Dialog::SoundFont, ask);
    }

    pub(super) fn poll_exports(&mut self, notify: &mut Notifications) {
        if let Some((path, job)) = &mut self.export.export {
            match job.poll() {
                Poll::Pending => {}
                Poll::Done(result) => {
                    let path = path.clone();
                    self.export.export = None;
                    match result {
                        Ok(summary) => notify.info(format!(
                            "Exported {:.1} s of audio to {}",
                            summary.seconds,
                            path.display()
                        )),
                        Err(e) => notify.error(e),
                    }
                }
                Poll::Lost => {
                    let path = path.clone();
                    self.export.export = None;
                    notify.error(format!(
                        "the WAV export stopped unexpectedly: {}",
                        path.display()
                    ));
                }
            }
        }
        if let Some((dialog, paths)) = self.export.dialog.poll()
            && let Some(mut path) = paths.into_iter().next()
        {
            match dialog {
                Dialog::SoundFont => self.set_soundfont(Some(path)),
                Dialog::ExportWav(piece) => {
                    if path.extension().is_none() {
                        path.set_extension("wav");
                    }
                    self.export_wav(&piece, path, notify);
                }
            }
        }
    }
}

/// A file stem made of a title: letters, digits, '-' and '_' kept, the rest '_'.
fn safe_file_stem(title: &str) -> String {
    let stem: String = title
        .trim()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if stem.is_empty() {
        "piece".to_string()
    } else {
        stem
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_are_safe() {
        assert_eq!(safe_file_stem("My tune: take 2/3"), "My_tune__take_2_3");
        assert_eq!(safe_file_stem("  "), "piece");
    }
}
