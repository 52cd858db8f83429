//! The Dataset panel: what is loaded, its counts and keys, the files skipped and why, the folk
//! set's licence notice and the button that fetches it. Loading and fetching run on worker
//! threads; the panel only polls them.
//!
//! The panel owns the studio's one data set: loaded once, held in an [`Arc`], and shared with
//! the other panels through [`super::panel::PanelContext::dataset`] (never copied).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{self, Receiver};

use super::folk::FolkProbe;
use super::job::{Job, Poll};
use super::notify::Notifications;
use super::panel::{Panel, PanelContext};
use crate::data::fetch;
use crate::data::{DataSource, Dataset, LoadOptions, PreprocessConfig, Progress, load_dataset};

/// Where loading stands.
enum Load {
    /// Nothing asked yet.
    Idle,
    /// Reading and preprocessing (or reading the cache).
    Running {
        source: String,
        job: Job<Result<Dataset, String>>,
        progress: Receiver<Progress>,
        done: usize,
        total: usize,
        cancel: Arc<AtomicBool>,
    },
    /// Ready, shared with the other panels.
    Loaded(Arc<Dataset>),
    /// Failed, with the message shown in the panel.
    Failed(String),
}

/// The Dataset panel's state.
pub struct DatasetPanel {
    load: Load,
    fetch: Option<Job<Result<PathBuf, String>>>,
    /// Whether the folk set is there (checked off the UI thread).
    folk: FolkProbe,
}

impl DatasetPanel {
    /// A panel whose folk set lives in `data_dir` (`None`: the default data folder).
    pub fn new(data_dir: Option<&std::path::Path>) -> Self {
        DatasetPanel {
            load: Load::Idle,
            fetch: None,
            folk: FolkProbe::new(match data_dir {
                Some(dir) => Some(fetch::folk_dir_in(dir)),
                None => fetch::folk_dir().ok(),
            }),
        }
    }

    /// Whether a load or a fetch is under way (or the first look for the folk set).
    pub fn is_busy(&self) -> bool {
        self.fetch.is_some()
            || matches!(self.load, Load::Running { .. })
            || self.folk.present().is_none()
    }

    /// Whether the folk set is on this machine (as last checked, in the background).
    pub fn folk_present(&self) -> bool {
        self.folk.present() == Some(true)
    }

    /// The loaded data set, if any (the one the whole studio shares).
    pub fn dataset(&self) -> Option<&Arc<Dataset>> {
        match &self.load {
            Load::Loaded(d) => Some(d),
            _ => None,
        }
    }

    /// A one-line state for the status bar.
    pub fn status_text(&self) -> String {
        match &self.load {
            Load::Idle => "data: not loaded".into(),
            Load::Running { done, total, .. } => format!("data: loading {done}/{total}"),
            Load::Loaded(d) => format!(
                "data: {} pieces, {} training windows",
                d.stats.pieces.train + d.stats.pieces.validation + d.stats.pieces.test,
                d.stats.windows.train
            ),
            Load::Failed(_) => "data: failed to load".into(),
        }
    }

    /// Starts loading the default data set (the folk set when present, else the demo set;
    /// which one is decided on the loading thread).
    pub fn load_default(&mut self, ctx: &egui::Context) {
        let folk = self.folk.dir().cloned();
        self.load_with(ctx, "the default data set".into(), move || {
            DataSource::default_for(folk.as_deref())
        });
    }

    /// Starts loading a data set in the background, replacing what is loaded.
    pub fn load_source(&mut self, ctx: &egui::Context, source: DataSource) {
        let name = source.to_string();
        self.load_with(ctx, name, move || source);
    }

    /// Starts loading the data set `source` gives (on the loading thread), shown as `name`.
    fn load_with(
        &mut self,
        ctx: &egui::Context,
        name: String,
        source: impl FnOnce() -> DataSource + Send + 'static,
    ) {
        if let Load::Running { cancel, .. } = &self.load {
            cancel.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        let (sender, progress) = mpsc::channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let repaint = ctx.clone();
        let options = LoadOptions {
            cache_dir: fetch::cache_dir().ok(),
            progress: Some(sender),
            on_progress: Some(Arc::new(move |_: &Progress| repaint.request_repaint())),
            cancel: Some(cancel.clone()),
            ..LoadOptions::default()
        };
        let job = Job::spawn(ctx, "dataset-load", move || {
            let source = source();
            load_dataset(
                std::slice::from_ref(&source),
                &PreprocessConfig::tunes(),
                &options,
            )
            .map_err(|e| e.to_string())
        });
        self.load = Load::Running {
            source: name,
            job,
            progress,
            done: 0,
            total: 0,
            cancel,
        };
    }

    /// Polls the background work, telling `notifications` what failed; call once per frame.
    pub fn poll_work(&mut self, ctx: &egui::Context, notifications: &mut Notifications) {
        self.folk.poll(ctx);
        if let Some(job) = &mut self.fetch {
            match job.poll() {
                Poll::Pending => {}
                Poll::Done(Ok(dir)) => {
                    self.fetch = None;
                    notifications.info(format!("Fetched the folk set into {}", dir.display()));
                    self.folk.set_dir(Some(dir));
                    self.load_default(ctx);
                }
                Poll::Done(Err(message)) => {
                    self.fetch = None;
                    notifications.error(message);
                }
                Poll::Lost => {
                    self.fetch = None;
                    notifications.error("the folk set download stopped unexpectedly");
                }
            }
        }
        if let Load::Running {
            job,
            progress,
            done,
            total,
            ..
        } = &mut self.load
        {
            for message in progress.try_iter() {
                match message {
                    Progress::Started { files } => *total = files,
                    Progress::FileDone {
                        done: d, total: t, ..
                    } => {
                        *done = d;
                        *total = t;
                    }
                    _ => {}
                }
            }
            match job.poll() {
                Poll::Pending => {}
                Poll::Done(Ok(dataset)) => self.load = Load::Loaded(Arc::new(dataset)),
                Poll::Done(Err(message)) => {
                    notifications.error(format!("could not load the data set: {message}"));
                    self.load = Load::Failed(message);
                }
                Poll::Lost => {
                    let message = "the data set loader stopped unexpectedly".to_string();
                    notifications.error(message.clone());
                    self.load = Load::Failed(message);
                }
            }
        }
    }

    fn start_fetch(&mut self, ctx: &egui::Context) {
        let Some(dir) = self.folk.dir().cloned() else {
            return;
        };
        self.fetch = Some(Job::spawn(ctx, "folk-fetch", move || {
            if !fetch::folk_is_present_in(&dir) {
                fetch::fetch_folk_into(&dir, &["python3", "python"])
                    .map_err(|e| format!("could not fetch the folk set: {e}"))?;
            }
            Ok(dir)
        }));
    }

    /// Draws the panel.
    pub fn dataset_ui(&mut self, ui: &mut egui::Ui) {
        ui.heading("Dataset");
        ui.label("The melodies the GAN learns from.");
        ui.add_space(4.0);
        if self.folk.present() == Some(false) {
            self.folk_missing_ui(ui);
            ui.separator();
        }
        match &self.load {
            Load::Idle => {
                ui.label("No data set loaded.");
            }
            Load::Running {
                source,
                done,
                total,
                ..
            } => {
                ui.label(format!("Loading {source}…"));
                let fraction = if *total > 0 {
                    *done as f32 / *total as f32
                } else {
                    0.0
                };
                ui.add(egui::ProgressBar::new(fraction).show_percentage());
            }
            Load::Failed(message) => {
                ui.colored_label(ui.visuals().error_fg_color, message);
            }
            Load::Loaded(dataset) => dataset_stats_ui(ui, dataset),
        }
        if self.folk_present() {
            ui.separator();
            egui::CollapsingHeader::new("Licence of the folk set").show(ui, |ui| {
                ui.label(fetch::FOLK_LICENSE_NOTICE);
            });
        }
    }

    fn folk_missing_ui(&mut self, ui: &mut egui::Ui) {
        ui.label(
            "The Essen folk song set (1,754 German folk tunes, the papers' training data) is not \
             on this machine yet. It is downloaded from PyPI (music21's corpus), never shipped, \
             because its licence allows non-commercial use only. Until then the studio uses its \
             built-in demo melodies.",
        );
        let fetching = self.fetch.is_some();
        ui.horizontal(|ui| {
            if ui
                .add_enabled(!fetching, egui::Button::new("Fetch the folk set"))
                .on_hover_text("Runs `pip download music21==10.5.1` and keeps only the folk songs")
                .clicked()
            {
                self.start_fetch(ui.ctx());
            }
            if fetching {
                ui.spinner();
                ui.label("downloading…");
            }
        });
        ui.label(
            egui::RichText::new("or run: gan-studio dataset fetch")
                .small()
                .weak(),
        );
    }
}

impl Panel for DatasetPanel {
    fn poll(&mut self, cx: &mut PanelContext<'_>) {
        self.poll_work(cx.egui, cx.notify);
    }

    fn panel_ui(&mut self, ui: &mut egui::Ui, _cx: &mut PanelContext<'_>) {
        self.dataset_ui(ui);
    }
}

/// The counts, keys and skipped files of a loaded data set.
fn dataset_stats_ui(ui: &mut egui::Ui, dataset: &Dataset) {
    let stats = &dataset.stats;
    ui.label(egui::RichText::new(stats.sources.join("; ")).strong());
    egui::Grid::new("dataset-stats")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            let p = &stats.pieces;
            ui.label("Pieces");
            ui.label(format!(
                "{} (train {}, validation {})",
                p.train + p.validation + p.test,
                p.train,
                p.validation
            ));
            ui.end_row();
            ui.label("Melody notes");
            ui.label(stats.notes.to_string());
            ui.end_row();
            ui.label("Pitch range");
            ui.label(match stats.pitch_range {
                Some((lo, hi)) => format!("{} – {}", pitch_label(lo), pitch_label(hi)),
                None => "–".into(),
            });
            ui.end_row();
            ui.label("Windows");
            ui.label(format!(
                "{} of {} steps (train {}, validation {})",
                stats.windows.train + stats.windows.validation + stats.windows.test,
                stats.window_steps,
                stats.windows.train,
                stats.windows.validation
            ));
            ui.end_row();
            ui.label("Loaded from");
            ui.label(if dataset.from_cache {
                "cache"
            } else {
                "source files"
            });
            ui.end_row();
        });
    ui.add_space(4.0);
    ui.label("Keys before transposition to C major / A minor:");
    let keys = stats.key_histogram();
    let most = keys.first().map_or(1, |k| k.1.max(1));
    for (key, count) in keys.iter().take(8) {
        ui.horizontal(|ui| {
            ui.add_sized([90.0, 14.0], egui::Label::new(key.to_string()));
            ui.add(
                egui::ProgressBar::new(*count as f32 / most as f32)
                    .desired_width(140.0)
                    .text(count.to_string()),
            );
        });
    }
    if !stats.skipped.is_empty() {
        egui::CollapsingHeader::new(format!("{} skipped", stats.skipped.len())).show(ui, |ui| {
            for skipped in &stats.skipped {
                ui.label(egui::RichText::new(skipped.to_string()).small());
            }
        });
    }
}

fn pitch_label(midi: u8) -> String {
    crate::music::Pitch::new(midi).map_or_else(|_| midi.to_string(), |p| format!("{p} ({midi})"))
}
