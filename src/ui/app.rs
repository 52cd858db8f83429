//! The studio's top-level eframe application: the piano roll in the centre, the Generate,
//! Train, Dataset and Evaluate panels at the side, the transport and file menu on top, and a
//! status bar. It owns no domain logic: it routes what the widgets ask for to the library.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::dataset_panel::DatasetPanel;
use super::evaluate_panel::EvaluatePanel;
use super::files::{FileDialog, FileRequest};
use super::generate_panel::{GenerateAction, GeneratePanel};
use super::help;
use super::job::{Job, Poll};
use super::notify::Notifications;
use super::playback::{Playback, PlaybackSettings};
use super::roll::PianoRoll;
use super::train_panel::{TrainPanel, TrainPanelAction};
use super::{LaunchOptions, Scene};
use crate::data::{Dataset, Split};
use crate::edit::{Document, PartRole};
use crate::export::ExportFormat;
use crate::generate::{GenerateOptions, Seed, TokenModel, default_model, generate};
use crate::music::{Piece, Tick};

/// How often the autosave runs while there are unsaved changes.
const AUTOSAVE_EVERY: Duration = Duration::from_secs(20);
/// The eframe storage key of the settings.
const SETTINGS_KEY: &str = "gan-studio-settings";
/// How many recent files are remembered.
const RECENT_LIMIT: usize = 8;

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

/// What is kept between runs.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct Settings {
    playback: PlaybackSettings,
    recent: Vec<PathBuf>,
    welcome_done: bool,
    tab: Tab,
}

/// The studio application state.
pub struct StudioApp {
    started: Instant,
    exit_after: Option<Duration>,
    doc: Document,
    roll: PianoRoll,
    playback: Playback,
    generate: GeneratePanel,
    train: TrainPanel,
    dataset: DatasetPanel,
    evaluate: EvaluatePanel,
    tab: Tab,
    notifications: Notifications,
    files: FileDialog,
    imported: Vec<PathBuf>,
    recent: Vec<PathBuf>,
    project_path: Option<PathBuf>,
    saved_revision: u64,
    autosave_path: Option<PathBuf>,
    autosaved_revision: u64,
    last_autosave: Instant,
    autosave_job: Option<Job<Result<(), String>>>,
    recovery: Option<PathBuf>,
    welcome: bool,
    play_first_variation: bool,
    show_primer: bool,
    show_settings: bool,
    dataset_key: Option<u64>,
    /// Generated, held-out and training melodies for the Evaluate panel.
    eval_job: Option<Job<(Vec<Piece>, Vec<Piece>, Vec<Piece>)>>,
    scene: Option<(Scene, u32)>,
    bench: Option<super::frames::FrameRecorder>,
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
        let recovery = autosave_path.clone().filter(|p| p.is_file());
        let doc = Document::new();
        let mut app = StudioApp {
            started: Instant::now(),
            exit_after: options.exit_after,
            saved_revision: doc.revision(),
            autosaved_revision: doc.revision(),
            doc,
            roll: PianoRoll::default(),
            playback: Playback::new(ctx, settings.playback.clone()),
            generate: GeneratePanel::default(),
            train: TrainPanel::new(runs_dir, folk_dir),
            dataset: DatasetPanel::new(options.data_dir.as_deref()),
            evaluate: EvaluatePanel::new(),
            tab: settings.tab,
            notifications: Notifications::default(),
            files: FileDialog::default(),
            imported: Vec::new(),
            recent: settings.recent,
            project_path: None,
            autosave_path,
            last_autosave: Instant::now(),
            autosave_job: None,
            recovery,
            welcome: !settings.welcome_done && options.files.is_empty() && options.scene.is_none(),
            play_first_variation: false,
            show_primer: false,
            show_settings: false,
            dataset_key: None,
            eval_job: None,
            scene: options.scene.map(|s| (s, 0)),
            bench: options.bench_frames.map(super::frames::FrameRecorder::new),
        };
        match default_model() {
            Ok(model) => app.generate.set_model(
                Arc::new(model),
                "built-in (LSTM, MLE-trained on the Essen folk set)",
            ),
            Err(e) => {
                app.generate.set_model_missing(e.to_string());
                app.notifications.error(e.to_string());
            }
        }
        for path in options.files {
            app.open(path);
        }
        app.dataset.load_default(ctx);
        app
    }

    /// Opens a file: a project replaces the document; a MIDI or ABC file is imported into it
    /// as a new part. A file that cannot be read is reported once, naming it.
    pub fn open(&mut self, path: PathBuf) {
        let is_project = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case(crate::edit::project::EXTENSION));
        if is_project {
            match crate::edit::project::load_project(&path) {
                Ok(doc) => {
                    self.doc = doc;
                    self.saved_revision = self.doc.revision();
                    self.project_path = Some(path.clone());
                    self.remember(path);
                }
                Err(e) => self.notifications.error(e.to_string()),
            }
            return;
        }
        match super::files::read_music(&path) {
            Ok(pieces) => {
                let empty = self.doc.parts().len() == 1 && self.doc.end_tick() == 0;
                for piece in &pieces {
                    if empty && pieces.len() == 1 {
                        self.doc = Document::from_piece(piece, PartRole::Imported);
                    } else {
                        self.doc.import_piece(piece, PartRole::Imported);
                    }
                }
                self.imported.push(path.clone());
                self.remember(path);
            }
            Err(e) => self.notifications.error(e),
        }
    }

    fn remember(&mut self, path: PathBuf) {
        self.recent.retain(|p| p != &path);
        self.recent.insert(0, path);
        self.recent.truncate(RECENT_LIMIT);
    }

    /// The notifications currently shown (for tests).
    pub fn notifications(&self) -> &Notifications {
        &self.notifications
    }

    /// The Dataset panel (for tests).
    pub fn dataset_panel(&self) -> &DatasetPanel {
        &self.dataset
    }

    /// The Generate panel (for tests).
    pub fn generate_panel(&self) -> &GeneratePanel {
        &self.generate
    }

    /// The Generate panel, to change its settings (for tests and scripts).
    pub fn generate_panel_mut(&mut self) -> &mut GeneratePanel {
        &mut self.generate
    }

    /// Shows a side tab.
    pub fn set_tab(&mut self, tab: Tab) {
        self.tab = tab;
    }

    /// The Train panel (for tests).
    pub fn train_panel(&self) -> &TrainPanel {
        &self.train
    }

    /// The document being edited.
    pub fn document(&self) -> &Document {
        &self.doc
    }

    /// Which side tab is shown.
    pub fn tab(&self) -> Tab {
        self.tab
    }

    /// Paths of the MIDI/ABC files imported into the document.
    pub fn open_files(&self) -> impl Iterator<Item = &std::path::Path> {
        self.imported.iter().map(PathBuf::as_path)
    }

    /// Whether the document has changes that are not saved in a project file.
    pub fn has_unsaved_changes(&self) -> bool {
        self.doc.revision() != self.saved_revision
    }

    fn piece(&self) -> Piece {
        self.doc.to_piece()
    }

    fn settings(&self) -> Settings {
        Settings {
            playback: self.playback.settings(),
            recent: self.recent.clone(),
            welcome_done: !self.welcome,
            tab: self.tab,
        }
    }

    /// Saves the project to its file (asking for one the first time).
    fn save(&mut self, ctx: &egui::Context, save_as: bool) {
        match (&self.project_path, save_as) {
            (Some(path), false) => {
                let path = path.clone();
                self.save_to(path);
            }
            _ => self.files.ask(ctx, FileRequest::SaveProject),
        }
    }

    fn save_to(&mut self, path: PathBuf) {
        match crate::edit::project::save_project(&path, &self.doc) {
            Ok(()) => {
                self.saved_revision = self.doc.revision();
                self.project_path = Some(path.clone());
                self.notifications.info(format!("saved {}", path.display()));
                self.remember(path);
            }
            Err(e) => self.notifications.error(e.to_string()),
        }
    }

    fn export(&mut self, mut path: PathBuf, format: ExportFormat) {
        if path.extension().is_none() {
            path.set_extension(format.extension());
        }
        match crate::export::export(&path, &self.piece(), format) {
            Ok(()) => self
                .notifications
                .info(format!("exported {}", path.display())),
            Err(e) => self.notifications.error(e.to_string()),
        }
    }

    fn poll_files(&mut self, ctx: &egui::Context) {
        let Some((request, paths)) = self.files.poll(&mut self.notifications) else {
            return;
        };
        match request {
            FileRequest::Open => {
                for path in paths {
                    self.open(path);
                }
            }
            FileRequest::SaveProject => {
                if let Some(mut path) = paths.into_iter().next() {
                    if path.extension().is_none() {
                        path.set_extension(crate::edit::project::EXTENSION);
                    }
                    self.save_to(path);
                }
            }
            FileRequest::Export(format) => {
                if let Some(path) = paths.into_iter().next() {
                    self.export(path, format);
                }
            }
        }
        ctx.request_repaint();
    }

    /// Writes the autosave in the background when there are changes since the last one.
    fn autosave(&mut self, ctx: &egui::Context) {
        if let Some(job) = &mut self.autosave_job {
            match job.poll() {
                Poll::Pending => return,
                Poll::Done(Ok(())) => {}
                Poll::Done(Err(e)) => self.notifications.error(format!("autosave failed: {e}")),
                Poll::Lost => self
                    .notifications
                    .error("autosave failed: the thread stopped"),
            }
            self.autosave_job = None;
        }
        let Some(path) = self.autosave_path.clone() else {
            return;
        };
        if self.recovery.is_some()
            || self.doc.revision() == self.autosaved_revision
            || self.last_autosave.elapsed() < AUTOSAVE_EVERY
        {
            return;
        }
        self.autosaved_revision = self.doc.revision();
        self.last_autosave = Instant::now();
        let doc = self.doc.clone();
        self.autosave_job = Some(Job::spawn(ctx, "autosave", move || {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
            }
            crate::edit::project::save_project(&path, &doc).map_err(|e| e.to_string())
        }));
    }

    /// Hands the Dataset panel's data set to the Train panel when it changes.
    fn share_dataset(&mut self) {
        let Some(dataset) = self.dataset.dataset() else {
            return;
        };
        if self.dataset_key == Some(dataset.cache_key) || self.train.is_loading() {
            return;
        }
        self.dataset_key = Some(dataset.cache_key);
        if self.train.dataset().is_none() {
            self.train.set_dataset(Arc::new(dataset.clone()));
        }
    }

    /// Generates melodies from the first bars of held-out melodies with the current model and
    /// compares them with those melodies in the Evaluate panel.
    fn start_evaluation(&mut self, ctx: &egui::Context) {
        let (Some(model), Some(dataset)) = (self.generate.model(), self.dataset.dataset()) else {
            self.notifications
                .info("the evaluation needs a model and a loaded data set");
            return;
        };
        let dataset = dataset.clone();
        self.eval_job = Some(Job::spawn(ctx, "evaluation-set", move || {
            let (generated, reference) = evaluation_sets(&model, &dataset, 100);
            (generated, reference, training_melodies(&dataset))
        }));
    }

    fn poll_evaluation(&mut self, ctx: &egui::Context) {
        let Some(job) = &mut self.eval_job else {
            return;
        };
        match job.poll() {
            Poll::Pending => {}
            Poll::Done((generated, reference, training)) => {
                self.eval_job = None;
                if generated.is_empty() {
                    self.notifications
                        .info("no melodies could be generated for the evaluation");
                } else {
                    self.evaluate.start_with(
                        ctx,
                        generated,
                        reference,
                        training,
                        crate::eval::CompareOptions::default(),
                    );
                }
            }
            Poll::Lost => {
                self.eval_job = None;
                self.notifications.error("the evaluation thread stopped");
            }
        }
    }

    fn toolbar_ui(&mut self, ui: &mut egui::Ui) {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| self.file_menu_ui(ui));
            ui.menu_button("Help", |ui| {
                if ui.button("Music primer…").clicked() {
                    self.show_primer = true;
                    ui.close();
                }
                if ui.button("Welcome…").clicked() {
                    self.welcome = true;
                    ui.close();
                }
                if ui.button("Piano-roll keys (?)").clicked() {
                    self.roll.show_help = true;
                    ui.close();
                }
            });
            ui.separator();
            let piece = self.piece();
            self.playback.transport_ui(ui, &piece);
            ui.separator();
            let mut bpm = self.doc.tempo_bpm();
            ui.label("♩ =");
            if ui
                .add(
                    egui::DragValue::new(&mut bpm)
                        .range(20.0..=300.0)
                        .speed(0.5),
                )
                .on_hover_text("Tempo in beats per minute")
                .changed()
            {
                self.doc.set_tempo_bpm(bpm);
            }
            ui.separator();
            if ui
                .button("⚙ Sound & MIDI")
                .on_hover_text("Audio output, SoundFont, MIDI ports, recording")
                .clicked()
            {
                self.show_settings = !self.show_settings;
            }
        });
    }

    fn file_menu_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        if ui.button("New").clicked() {
            self.doc = Document::new();
            self.project_path = None;
            self.saved_revision = self.doc.revision();
            ui.close();
        }
        if ui.button("Open… (project, MIDI, ABC)").clicked() {
            self.files.ask(&ctx, FileRequest::Open);
            ui.close();
        }
        if ui.button("Save project").clicked() {
            self.save(&ctx, false);
            ui.close();
        }
        if ui.button("Save project as…").clicked() {
            self.save(&ctx, true);
            ui.close();
        }
        ui.separator();
        for format in ExportFormat::ALL {
            if ui.button(format!("Export {}…", format.label())).clicked() {
                self.files.ask(&ctx, FileRequest::Export(format));
                ui.close();
            }
        }
        if ui.button("Export WAV…").clicked() {
            let piece = self.piece();
            self.playback.export_wav_dialog(&piece);
            ui.close();
        }
        if !self.recent.is_empty() {
            ui.separator();
            ui.label(egui::RichText::new("Recent").weak());
            let mut chosen = None;
            for path in &self.recent {
                let name = path.file_name().map_or_else(
                    || path.display().to_string(),
                    |n| n.to_string_lossy().into(),
                );
                if ui
                    .button(name)
                    .on_hover_text(path.display().to_string())
                    .clicked()
                {
                    chosen = Some(path.clone());
                }
            }
            if let Some(path) = chosen {
                self.open(path);
                ui.close();
            }
        }
    }

    fn side_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            for (tab, label) in [
                (Tab::Generate, "Generate"),
                (Tab::Train, "Train"),
                (Tab::Dataset, "Dataset"),
                (Tab::Evaluate, "Evaluate"),
            ] {
                ui.selectable_value(&mut self.tab, tab, label);
            }
        });
        ui.separator();
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| match self.tab {
                Tab::Generate => {
                    if let Some(GenerateAction::Play(piece)) = self.generate.ui(ui, &mut self.doc) {
                        self.playback.play(&piece, piece.first_onset_seconds());
                    }
                }
                Tab::Train => {
                    if let Some(TrainPanelAction::Play(piece)) = self.train.ui(ui) {
                        self.playback.play(&piece, 0.0);
                    }
                }
                Tab::Dataset => self.dataset.ui(ui),
                Tab::Evaluate => {
                    ui.horizontal_wrapped(|ui| {
                        let busy = self.eval_job.is_some() || self.evaluate.is_running();
                        if ui
                            .add_enabled(
                                !busy,
                                egui::Button::new("Generate 100 melodies and compare"),
                            )
                            .on_hover_text(
                                "Continue the first bar of up to 100 held-out melodies of \
                                 the data set with the current model, then compare the \
                                 results with the real melodies",
                            )
                            .clicked()
                        {
                            self.start_evaluation(ui.ctx());
                        }
                        if busy {
                            ui.spinner();
                        }
                    });
                    self.evaluate.ui(ui);
                }
            });
    }

    fn status_ui(&self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.label(format!(
                "Model: {} · {}",
                self.generate.model_label(),
                self.train.backend_text()
            ));
            ui.separator();
            self.playback.status_ui(ui);
            ui.separator();
            ui.label(self.train.status_text());
            ui.separator();
            ui.label(self.dataset.status_text());
            ui.separator();
            let saved = match (&self.project_path, self.has_unsaved_changes()) {
                (_, true) => "unsaved changes".to_owned(),
                (Some(p), false) => format!(
                    "saved {}",
                    p.file_name()
                        .map_or_else(String::new, |n| n.to_string_lossy().into())
                ),
                (None, false) => "new project".to_owned(),
            };
            ui.label(saved);
        });
    }

    fn roll_ui(&mut self, ui: &mut egui::Ui) {
        let playhead = self
            .playback
            .is_playing()
            .then(|| self.playback.position_tick());
        let output = self.roll.ui(ui, &mut self.doc, playhead);
        for pitch in output.audition {
            self.playback.audition(pitch);
        }
        if output.toggle_play {
            let piece = self.piece();
            self.playback.toggle(&piece);
        }
        if let Some(tick) = output.seek {
            let seconds = self.piece().seconds_at(tick);
            self.playback.seek(seconds);
        }
        if let Some(region) = output.loop_changed {
            self.playback.set_loop(region);
        }
    }

    fn windows_ui(&mut self, ctx: &egui::Context) {
        if let Some(path) = self.recovery.clone() {
            match help::recovery_ui(ctx, &path) {
                Some(true) => {
                    match crate::edit::project::load_project(&path) {
                        Ok(doc) => {
                            self.doc = doc;
                            self.notifications.info("recovered the unsaved work");
                        }
                        Err(e) => self.notifications.error(e.to_string()),
                    }
                    self.recovery = None;
                }
                Some(false) => {
                    let _ = std::fs::remove_file(&path);
                    self.recovery = None;
                }
                None => {}
            }
        }
        if self.welcome && self.recovery.is_none() {
            match help::welcome_ui(ctx) {
                Some(true) => {
                    self.welcome = false;
                    self.tab = Tab::Generate;
                    self.generate.set_seed_nothing();
                    self.generate.request_generate(ctx, &self.doc);
                    self.play_first_variation = true;
                }
                Some(false) => self.welcome = false,
                None => {}
            }
        }
        if self.show_primer {
            help::primer_ui(ctx, &mut self.show_primer);
        }
        if self.show_settings {
            let mut open = true;
            egui::Window::new("Sound & MIDI")
                .open(&mut open)
                .default_width(380.0)
                .show(ctx, |ui| self.playback.settings_ui(ui));
            self.show_settings = open;
        }
    }
}

impl StudioApp {
    /// Moves a prepared scene (see [`Scene`]) one step on; each step waits for what the
    /// previous one started.
    fn scene_step(&mut self, ctx: &egui::Context) {
        let Some((scene, stage)) = self.scene else {
            return;
        };
        ctx.request_repaint_after(Duration::from_millis(100));
        let next = match (scene, stage) {
            (_, 0) => {
                // A demo tune's first four bars as the seed.
                let tune = crate::abc::parse_abc_str(crate::data::DEMO_ABC, "demo_melodies.abc")
                    .into_pieces()
                    .0
                    .into_iter()
                    .nth(3);
                if let Some(mut piece) = tune {
                    let bar = piece
                        .initial_time_signature()
                        .ticks_per_bar(piece.ticks_per_quarter);
                    for part in &mut piece.parts {
                        part.notes.retain(|n| n.start < 4 * bar);
                    }
                    self.doc = Document::from_piece(&piece, PartRole::Seed);
                    self.roll.key = self.doc.key();
                }
                self.tab = match scene {
                    Scene::Studio | Scene::Generate => Tab::Generate,
                    Scene::Training => Tab::Train,
                    Scene::Evaluate => Tab::Evaluate,
                };
                1
            }
            (Scene::Studio | Scene::Generate, 1) => {
                self.doc.select_all();
                self.generate.request_generate(ctx, &self.doc);
                2
            }
            (Scene::Studio | Scene::Generate, 2) if !self.generate.is_busy() => {
                if scene == Scene::Studio
                    && let Some(first) = self.generate.variations().first()
                {
                    let tpq = first.piece.ticks_per_quarter;
                    let seed_end = first.seed_steps as Tick * Tick::from(tpq / 4);
                    let notes: Vec<_> = first
                        .piece
                        .notes()
                        .filter(|n| n.start >= seed_end)
                        .copied()
                        .collect();
                    self.doc
                        .add_part_with_notes("Variation 1", PartRole::Variation, notes);
                    self.doc.clear_selection();
                }
                3
            }
            (Scene::Training, 1) if self.dataset.dataset().is_some() => {
                self.share_dataset();
                self.train.start(ctx, &mut self.notifications);
                3
            }
            (Scene::Evaluate, 1) if self.dataset.dataset().is_some() => {
                self.start_evaluation(ctx);
                3
            }
            _ => stage,
        };
        self.scene = (next < 3).then_some((scene, next));
    }
}

/// The whole melodies of the data set's training split, decoded: what the Evaluate panel's
/// copy check looks for generated notes in.
fn training_melodies(dataset: &Dataset) -> Vec<Piece> {
    (0..dataset.pieces.len())
        .filter(|&i| dataset.pieces[i].split == Split::Train)
        .filter_map(|i| dataset.decoded_piece(i, usize::MAX))
        .collect()
}

/// Decodes up to `count` held-out melodies (8 bars at most) and continues the first bar of
/// each with `model` (temperature 1, RNG seed = index): the two sets the Evaluate panel
/// compares.
fn evaluation_sets(
    model: &TokenModel,
    dataset: &Dataset,
    count: usize,
) -> (Vec<Piece>, Vec<Piece>) {
    const STEPS: usize = 128;
    const SEED_STEPS: usize = 16;
    let mut generated = Vec::new();
    let mut reference = Vec::new();
    let mut indices: Vec<usize> = (0..dataset.pieces.len())
        .filter(|&i| dataset.pieces[i].split == Split::Validation)
        .collect();
    if indices.is_empty() {
        indices = (0..dataset.pieces.len()).collect();
    }
    for (n, i) in indices.into_iter().enumerate() {
        if generated.len() >= count {
            break;
        }
        let Some(real) = dataset.decoded_piece(i, STEPS) else {
            continue;
        };
        let steps = dataset.piece_ids(i).len().min(STEPS);
        if steps < 2 * SEED_STEPS {
            continue;
        }
        let bar: Tick = real
            .time_signature_at(0)
            .ticks_per_bar(real.ticks_per_quarter);
        let notes: Vec<_> = real.notes().copied().collect();
        let Ok(seed) = Seed::from_notes(
            &notes,
            real.ticks_per_quarter,
            real.tempo_map.clone(),
            real.initial_time_signature(),
            Some(0..bar),
        ) else {
            continue;
        };
        let minor = dataset.pieces[i]
            .estimated_key
            .is_some_and(|k| k.mode == crate::music::Mode::Minor);
        let options = GenerateOptions {
            steps: (steps - SEED_STEPS) as u64,
            rng_seed: n as u64,
            key: Some(if minor {
                crate::music::Key::A_MINOR
            } else {
                crate::music::Key::C_MAJOR
            }),
            ..GenerateOptions::default()
        };
        if let Ok(mut out) = generate(model, &seed, &options)
            && let Some(g) = out.pop()
        {
            generated.push(g.piece);
            reference.push(real);
        }
    }
    (generated, reference)
}

/// Adds DejaVu Sans (shipped in `assets/fonts`, for ♯ ♭ ♪ ✕ and friends) behind egui's own
/// fonts.
fn install_fonts(ctx: &egui::Context) {
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
            self.open(path);
        }
        if ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::S)) {
            self.save(ctx, false);
        }
        if ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::O)) {
            self.files.ask(ctx, FileRequest::Open);
        }
        self.poll_files(ctx);
        self.dataset.poll(ctx, &mut self.notifications);
        self.share_dataset();
        self.playback.poll(ctx, &mut self.notifications);
        if let Some(notes) = self.playback.take_recording()
            && !notes.is_empty()
        {
            self.doc
                .add_part_with_notes("Recorded take", PartRole::Seed, notes);
        }
        self.generate.poll(ctx);
        if self.play_first_variation
            && !self.generate.is_busy()
            && let Some(first) = self.generate.variations().first()
        {
            let piece = first.piece.clone();
            self.playback.play(&piece, piece.first_onset_seconds());
            self.play_first_variation = false;
        }
        self.train.poll(ctx, &mut self.notifications);
        if let Some((step, weights)) = self.train.take_new_weights() {
            match crate::generate::LstmEngine::new((*weights).clone()) {
                Ok(engine) => self.generate.set_model(
                    Arc::new(TokenModel::Lstm(engine)),
                    format!("training run, step {step}"),
                ),
                Err(e) => self.notifications.error(e.to_string()),
            }
        }
        self.evaluate.poll();
        self.poll_evaluation(ctx);
        self.autosave(ctx);
        self.scene_step(ctx);
        if self.playback.is_playing() {
            ctx.request_repaint();
        }
        if let Some(limit) = self.exit_after {
            let elapsed = self.started.elapsed();
            if elapsed >= limit {
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            } else {
                ctx.request_repaint_after(limit - elapsed);
            }
        }
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
        self.notifications.show(&ctx);
        if let Some(bench) = &mut self.bench {
            let running = *self.train.state() == super::TrainState::Running;
            bench.end_frame(running, self.train.steps_done());
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, SETTINGS_KEY, &self.settings());
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        if let Some(Err(e)) = self.bench.as_ref().map(|b| b.write()) {
            eprintln!("error: {e}");
        }
        // Unsaved work goes to the autosave, offered for recovery at the next start; with
        // nothing unsaved there is nothing to recover.
        if let Some(path) = &self.autosave_path {
            if self.has_unsaved_changes() {
                let _ = crate::edit::project::save_project(path, &self.doc);
            } else {
                let _ = std::fs::remove_file(path);
            }
        }
        self.playback.stop();
        self.train.stop();
    }
}
