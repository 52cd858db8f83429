//! The studio's top-level eframe application: the piano roll in the centre, the panels at the
//! side (see [`crate::ui::panel`]), the transport and file menu on top, and a status bar. It
//! owns no domain logic and no panel's work: each frame it polls every panel, draws the one
//! shown, and carries out the [`AppAction`]s they asked for. The document's life on disk is
//! [`session`], the frame around the panels [`chrome`], the screenshot scenes [`scene`].

mod chrome;
mod closing;
mod disk;
mod scene;
mod session;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::dataset_panel::DatasetPanel;
use super::evaluate::EvaluatePanel;
use super::files::FileRequest;
use super::generate::GeneratePanel;
use super::notify::Notifications;
use super::panel::{AppAction, Panel, Shared};
use super::roll::PianoRoll;
use super::sound::{Playback, PlaybackSettings};
use super::train::TrainPanel;
use super::{LaunchOptions, Scene};
use crate::edit::Document;
use crate::generate::default_model;
use crate::music::Piece;
use closing::Closing;
use session::Session;

/// The eframe storage key of the settings.
const SETTINGS_KEY: &str = "gan-studio-settings";

/// The side panel's tabs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Tab {
    /// Generate from a seed.
    #[default]
    Generate,
    /// Train a model and watch it learn.
    Train,
    /// The data set.
    Dataset,
    /// Compare generated melodies with the data set.
    Evaluate,
}

impl Tab {
    /// Every tab, in the order shown.
    pub const ALL: [Tab; 4] = [Tab::Generate, Tab::Train, Tab::Dataset, Tab::Evaluate];

    /// The tab's label.
    pub fn label(self) -> &'static str {
        match self {
            Tab::Generate => "Generate",
            Tab::Train => "Train",
            Tab::Dataset => "Dataset",
            Tab::Evaluate => "Evaluate",
        }
    }
}

/// The side panels, one per [`Tab`].
struct Panels {
    generate: GeneratePanel,
    train: TrainPanel,
    dataset: DatasetPanel,
    evaluate: EvaluatePanel,
}

impl Panels {
    /// The panel of `tab`.
    fn get_mut(&mut self, tab: Tab) -> &mut dyn Panel {
        match tab {
            Tab::Generate => &mut self.generate,
            Tab::Train => &mut self.train,
            Tab::Dataset => &mut self.dataset,
            Tab::Evaluate => &mut self.evaluate,
        }
    }
}

/// What is kept between runs.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct Settings {
    playback: PlaybackSettings,
    generate: super::generate::GenerateSettings,
    roll: super::roll::RollSettings,
    train: super::train::TrainSettings,
    recent: Vec<PathBuf>,
    welcome_done: bool,
    tab: Tab,
}

/// The studio application state.
pub struct StudioApp {
    started: Instant,
    exit_after: Option<Duration>,
    /// The document, the notifications and the actions: what the panels share.
    shared: Shared,
    session: Session,
    roll: PianoRoll,
    playback: Playback,
    panels: Panels,
    tab: Tab,
    welcome: bool,
    play_first_variation: bool,
    show_primer: bool,
    show_settings: bool,
    /// The data set last handed to the Train panel (its cache key).
    dataset_key: Option<u64>,
    scene: Option<(Scene, u32)>,
    /// Files a scene opens once the window is up (`--scene open`).
    scene_files: Vec<PathBuf>,
    bench: Option<super::frames::FrameRecorder>,
    /// Where closing the window stands.
    closing: Closing,
    /// What could not be kept at exit so far (written to the exit log at exit).
    exit_problems: Vec<String>,
    /// The exit log in the data folder (see [`disk::EXIT_LOG`]).
    exit_log: Option<PathBuf>,
}

impl StudioApp {
    /// Creates the app; called once by eframe when the window opens.
    pub fn new(cc: &eframe::CreationContext<'_>, options: LaunchOptions) -> Self {
        let settings: Settings = cc
            .storage
            .and_then(|s| eframe::get_value(s, SETTINGS_KEY))
            .unwrap_or_default();
        Self::with_settings(&cc.egui_ctx, options, settings)
    }

    /// Creates the app for a given egui context (used by tests without a window).
    pub fn with_context(ctx: &egui::Context, options: LaunchOptions) -> Self {
        Self::with_settings(ctx, options, Settings::default())
    }

    fn with_settings(ctx: &egui::Context, options: LaunchOptions, settings: Settings) -> Self {
        install_fonts(ctx);
        let data_dir = options
            .data_dir
            .clone()
            .or_else(|| crate::data::fetch::data_dir().ok());
        let runs_dir = data_dir
            .as_ref()
            .map_or_else(|| PathBuf::from("runs"), |d| d.join("runs"));
        let folk_dir = data_dir.as_ref().map(|d| d.join("folk"));
        let autosave_path = data_dir
            .as_ref()
            .map(|d| d.join(format!("autosave.{}", crate::edit::project::EXTENSION)));
        let exit_log = data_dir.as_ref().map(|d| d.join(disk::EXIT_LOG));
        let shared = Shared::default();
        let mut app = StudioApp {
            started: Instant::now(),
            exit_after: options.exit_after,
            session: Session::new(
                ctx,
                autosave_path,
                exit_log.clone(),
                settings.recent,
                shared.doc.revision(),
            ),
            shared,
            roll: {
                let mut roll = PianoRoll::default();
                roll.apply_settings(settings.roll);
                roll
            },
            playback: Playback::new(ctx, settings.playback.clone()),
            panels: Panels {
                generate: GeneratePanel::with_settings(settings.generate),
                train: {
                    let mut train = TrainPanel::new(runs_dir, folk_dir);
                    train.apply_settings(settings.train);
                    train
                },
                dataset: DatasetPanel::new(options.data_dir.as_deref()),
                evaluate: EvaluatePanel::new(),
            },
            tab: settings.tab,
            welcome: !settings.welcome_done && options.files.is_empty() && options.scene.is_none(),
            play_first_variation: false,
            show_primer: false,
            show_settings: false,
            dataset_key: None,
            scene: options.scene.map(|s| (s, 0)),
            scene_files: Vec::new(),
            bench: options.bench_frames.map(super::frames::FrameRecorder::new),
            closing: Closing::Open,
            exit_problems: Vec::new(),
            exit_log,
        };
        match default_model() {
            Ok(model) => app.panels.generate.set_model(
                Arc::new(model),
                "built-in (LSTM, MLE-trained on the Essen folk set)",
            ),
            Err(e) => {
                app.panels.generate.set_model_missing(e.to_string());
                app.shared.notifications.error(e.to_string());
            }
        }
        if options.scene == Some(Scene::Open) {
            app.scene_files = options.files;
        } else {
            for path in options.files {
                app.open(ctx, path);
            }
        }
        app.panels.dataset.load_default(ctx);
        app
    }

    /// Opens a file in the background: a project replaces the document; a MIDI or ABC file
    /// is imported into it as new parts. A file that cannot be read is reported once, naming
    /// it.
    pub fn open(&mut self, ctx: &egui::Context, path: PathBuf) {
        self.session.open(ctx, &self.shared, path);
    }

    /// Whether file work (open, save, export, recovery) is under way in the background.
    pub fn is_busy_with_files(&self) -> bool {
        self.session.is_busy()
    }

    /// The document as a piece (for playback and export), cached by its revision.
    fn piece(&mut self) -> Arc<Piece> {
        self.session.piece(&self.shared.doc)
    }

    /// The notifications currently shown (for tests).
    pub fn notifications(&self) -> &Notifications {
        &self.shared.notifications
    }

    /// The Dataset panel (for tests).
    pub fn dataset_panel(&self) -> &DatasetPanel {
        &self.panels.dataset
    }

    /// The Generate panel (for tests).
    pub fn generate_panel(&self) -> &GeneratePanel {
        &self.panels.generate
    }

    /// The Generate panel, to change its settings (for tests and scripts).
    pub fn generate_panel_mut(&mut self) -> &mut GeneratePanel {
        &mut self.panels.generate
    }

    /// Shows a side tab.
    pub fn set_tab(&mut self, tab: Tab) {
        self.tab = tab;
    }

    /// The Train panel (for tests).
    pub fn train_panel(&self) -> &TrainPanel {
        &self.panels.train
    }

    /// The Train panel, to set up or resume a run (for tests and scripts).
    pub fn train_panel_mut(&mut self) -> &mut TrainPanel {
        &mut self.panels.train
    }

    /// The Evaluate panel (for tests).
    pub fn evaluate_panel(&self) -> &EvaluatePanel {
        &self.panels.evaluate
    }

    /// The document being edited.
    pub fn document(&self) -> &Document {
        &self.shared.doc
    }

    /// Which side tab is shown.
    pub fn tab(&self) -> Tab {
        self.tab
    }

    /// Paths of the MIDI/ABC files imported into the document.
    pub fn open_files(&self) -> impl Iterator<Item = &std::path::Path> {
        self.session.imported.iter().map(PathBuf::as_path)
    }

    /// Whether the document has changes that are not saved in a project file.
    pub fn has_unsaved_changes(&self) -> bool {
        self.session.has_unsaved_changes(&self.shared.doc)
    }

    fn settings(&self) -> Settings {
        Settings {
            playback: self.playback.settings(),
            generate: self.panels.generate.settings(),
            roll: self.roll.settings(),
            train: self.panels.train.settings(),
            recent: self.session.recent.clone(),
            welcome_done: !self.welcome,
            tab: self.tab,
        }
    }

    /// Hands the Dataset panel's data set (the same `Arc`, never a copy) to the Train panel
    /// when it changes and the Train panel has none of its own.
    fn share_dataset(&mut self) {
        let Some(dataset) = self.panels.dataset.dataset() else {
            return;
        };
        if self.dataset_key == Some(dataset.cache_key) || self.panels.train.is_loading() {
            return;
        }
        self.dataset_key = Some(dataset.cache_key);
        if self.panels.train.dataset().is_none() {
            self.panels.train.set_dataset(Arc::clone(dataset));
        }
    }

    /// Polls the sound and every panel, shown or not.
    fn poll_panels(&mut self, ctx: &egui::Context) {
        self.shared.dataset = self.panels.dataset.dataset().cloned();
        self.shared.model = self.panels.generate.model();
        self.shared.models = self.panels.generate.models().offers().to_vec();
        let mut cx = self.shared.context(ctx);
        Panel::poll(&mut self.playback, &mut cx);
        for tab in Tab::ALL {
            self.panels.get_mut(tab).poll(&mut cx);
        }
    }

    /// Carries out what the panels asked for, in order.
    fn run_actions(&mut self, ctx: &egui::Context) {
        for action in std::mem::take(&mut self.shared.actions) {
            match action {
                AppAction::Play {
                    piece,
                    from_seconds,
                } => self
                    .playback
                    .play(&piece, from_seconds, &mut self.shared.notifications),
                AppAction::OfferModel(offer) => self.panels.generate.offer_model(offer),
                AppAction::LoadDataset(source) => self.panels.dataset.load_source(ctx, source),
            }
        }
    }
}

/// Adds DejaVu Sans (shipped in `assets/fonts`, for ♯ ♭ ♪ ✕ and friends) behind egui's own
/// fonts (the app does it at start; a test hosting a panel alone does it too).
pub fn install_fonts(ctx: &egui::Context) {
    let mut fonts = egui::FontDefinitions::default();
    fonts.font_data.insert(
        "dejavu".to_owned(),
        Arc::new(egui::FontData::from_static(crate::eval::DEJAVU_SANS)),
    );
    for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
        fonts
            .families
            .entry(family)
            .or_default()
            .push("dejavu".to_owned());
    }
    ctx.set_fonts(fonts);
}

impl eframe::App for StudioApp {
    fn logic(&mut self, ctx: &egui::Context, frame: &mut eframe::Frame) {
        if let Some(bench) = &mut self.bench {
            bench.begin_frame(ctx, frame);
        }
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        });
        for path in dropped {
            self.open(ctx, path);
        }
        if ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::S)) {
            self.session.save(ctx, &mut self.shared, false);
        }
        if ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::O)) {
            self.session
                .files
                .ask(ctx, FileRequest::Open, "", &mut self.shared.notifications);
        }
        if let Some((path, format)) = self.session.poll_files(ctx, &mut self.shared) {
            let piece = self.piece();
            self.session.export(ctx, path, format, piece);
        }
        self.session.poll(ctx, &mut self.shared);
        self.poll_panels(ctx);
        self.share_dataset();
        if self.play_first_variation
            && !self.panels.generate.is_busy()
            && let Some(first) = self.panels.generate.variations().first()
        {
            let piece = first.piece.clone();
            let from = piece.first_onset_seconds();
            self.shared.actions.push(AppAction::Play {
                piece,
                from_seconds: from,
            });
            self.play_first_variation = false;
        }
        self.run_actions(ctx);
        self.session.autosave(ctx, &mut self.shared);
        self.scene_step(ctx);
        if self.playback.is_playing() {
            ctx.request_repaint();
        }
        if let Some(limit) = self.exit_after {
            let elapsed = self.started.elapsed();
            if elapsed < limit {
                ctx.request_repaint_after(limit - elapsed);
            } else if self.closing == Closing::Open {
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
        }
        self.closing_step(ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::Panel::top("toolbar").show(ui, |ui| self.toolbar_ui(ui));
        egui::Panel::bottom("status").show(ui, |ui| self.status_ui(ui));
        egui::Panel::right("side")
            .default_size(380.0)
            .show(ui, |ui| self.side_ui(ui));
        egui::CentralPanel::default().show(ui, |ui| self.roll_ui(ui));
        let ctx = ui.ctx().clone();
        self.windows_ui(&ctx);
        self.closing_ui(&ctx);
        self.run_actions(&ctx);
        self.shared.notifications.show(&ctx);
        if let Some(bench) = &mut self.bench {
            let running = *self.panels.train.state() == super::TrainState::Running;
            bench.end_frame(
                running,
                self.panels.train.steps_done(),
                self.session.is_busy(),
            );
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, SETTINGS_KEY, &self.settings());
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        if let Some(Err(e)) = self.bench.as_ref().map(|b| b.write()) {
            eprintln!("error: {e}");
        }
        self.exit_work();
    }
}
