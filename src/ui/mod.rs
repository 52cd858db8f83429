//! The studio window (eframe/egui). It owns no domain logic: it shows state and sends
//! commands to the library.
//!
//! # Shape
//! - [`app`]: the top-level eframe app. Routing only: it polls every panel each frame, draws
//!   the one shown, and carries out the [`AppAction`]s they asked for.
//! - [`panel`]: the contract every panel follows: the [`Panel`] trait (poll background work;
//!   draw with `panel_ui`), the [`PanelContext`] it gets (the document, the one notification
//!   channel, the shared data set and model, the list of actions) and the [`AppAction`] enum.
//! - The panels: [`generate`], [`train`], [`dataset_panel`], [`evaluate`], and the sound
//!   settings in [`sound`] (output, playback route, MIDI ports, recording, WAV export).
//! - Shared pieces: `notify` (the toasts), `job` (background work polled each frame),
//!   `files` (the document's file dialog), `picker` (every file dialog: the system's, or the
//!   in-window one where there is none), `charts`, `help`, [`roll`] (the piano roll), [`renderer`].
//!
//! # The error policy (one for the whole window)
//! Every error and every piece of news reaches the user **once, as a notification**
//! ([`Notifications`], a toast): the `notify` of the [`PanelContext`] a panel is given in
//! `poll` and `panel_ui`. A method that can fail outside those either returns its error to
//! the caller or takes the `&mut Notifications` to report to. There are no per-panel queues
//! of messages drained at the next frame and no error shown only as inline text. A panel may
//! keep showing the *state* a failure left behind (a data set that failed to load, a run that
//! failed), next to the toast that told it. Error texts name the file or device and the
//! problem; "information" is for things that are not faults (no sound card, no MIDI).
//!
//! # RULE: no file or device work on the UI thread (`grep -n "RULE" src/ui/mod.rs`)
//! No `std::fs` call, file read or write, file dialog or device call (audio output, MIDI
//! ports, a player thread's join) runs in a frame: it goes on a background `job::Job` (or a
//! thread of its own) and the frame polls for its result, showing a busy indicator meanwhile
//! (a spinner with what is under way). A frame may take only what is cheap and in memory;
//! what it derives from the document is cached by [`crate::edit::Document::revision`]. The
//! file work of the studio's session lives in `app/disk.rs`, whose functions run on jobs (or
//! at exit, after the last frame); `frames.rs` (the `--bench-frames` recorder) is the only
//! other module that may name `std::fs`. `tests/ui_rules.rs` greps `src/ui` for `std::fs`,
//! `fs::`, `File::` and `OpenOptions` outside those two files (test modules aside) and fails
//! when the rule is broken.
//!
//! # Adding a panel (the pattern to copy)
//! 1. Write `src/ui/my_panel.rs` (or a folder `src/ui/my_panel/` when it grows past ~400
//!    lines: state and work in `mod.rs`, drawing in `view.rs`): a struct with its state, and
//!    `impl Panel for MyPanel` with `poll` (collect finished `job::Job` results, report failures
//!    to `cx.notify`; never block) and `panel_ui` (draw; ask the app for things by pushing an
//!    [`AppAction`] to `cx.actions`, e.g. `cx.play(piece, 0.0)`). [`dataset_panel`] is the
//!    smallest example.
//! 2. Add a variant to [`Tab`] (and to `Tab::ALL` and `Tab::label`), a field to the app's
//!    `Panels` and its arm in `Panels::get_mut` (`src/ui/app/mod.rs`).
//! 3. If the panel needs something only the app can do, add a variant to [`AppAction`] and
//!    its arm in `StudioApp::run_actions`.
//! 4. Test it alone in egui_kittest by its labels, hosting a [`Shared`] for its context
//!    (`tests/ui_panel_contract.rs` shows how).

mod app;
mod charts;
pub mod dataset_panel;
pub mod evaluate;
mod files;
mod folk;
pub mod frames;
pub mod generate;
mod help;
mod job;
mod notify;
pub mod panel;
pub mod picker;
pub mod renderer;
pub mod roll;
pub mod sound;
mod train;

pub use crate::train::Preset;
pub use app::{StudioApp, Tab, install_fonts};
pub use dataset_panel::DatasetPanel;
pub use evaluate::EvaluatePanel;
pub use generate::{GeneratePanel, ModelChoices, SeedSource};
pub use notify::{Level, Notifications};
pub use panel::{AppAction, ModelKind, ModelOffer, Panel, PanelContext, Shared};
pub use picker::{DialogChoice, set_dialog_choice};
pub use sound::{OutputOpener, OutputState, Playback, PlaybackSettings, SoundStatus};
pub use train::{SampleEntry, TrainPanel, TrainPanelAction, TrainSettings, TrainState};

use std::time::Duration;

/// How the studio window is launched.
#[derive(Clone, Debug, Default)]
pub struct LaunchOptions {
    /// Close the window by itself after this long (smoke tests and screenshot scripts).
    pub exit_after: Option<Duration>,
    /// Files to open at start (MIDI or ABC).
    pub files: Vec<std::path::PathBuf>,
    /// The data folder (where the folk set lives); `None`: `$GAN_STUDIO_DATA` or the
    /// per-user data folder.
    pub data_dir: Option<std::path::PathBuf>,
    /// Put the studio in a prepared state (for the screenshot script).
    pub scene: Option<Scene>,
    /// Record frame times and memory and write them to this file at exit, repainting
    /// continuously (`gan-studio bench ui`; see [`frames`]).
    pub bench_frames: Option<std::path::PathBuf>,
}

/// Prepared states of the studio for screenshots (`gan-studio --scene ...`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Scene {
    /// A demo melody in the roll with an accepted variation.
    Studio,
    /// Variations generated from a seed, cards on show.
    Generate,
    /// A quick training run under way, with its charts.
    Training,
    /// The evaluation of the model against the data set.
    Evaluate,
    /// The files given on the command line opened once the window is up (not at launch), so
    /// `gan-studio bench ui` can time the frames while big files open.
    Open,
    /// The demo seed in the roll and File > Save as… asked for: the system's dialog, or the
    /// in-window one where there is none (a plain X session, Xvfb).
    SaveAs,
}

/// Where the window keeps its state (panel sizes, the studio's settings) when a data folder is
/// given (`data_dir` or `$GAN_STUDIO_DATA`): inside it, so a studio run on its own folder (a
/// test, the screenshot script, `bench ui`) neither reads nor changes the user's. `None`: the
/// per-user place eframe picks.
fn window_state_dir(options: &LaunchOptions) -> Option<std::path::PathBuf> {
    let data = options.data_dir.clone().or_else(|| {
        std::env::var_os(crate::data::fetch::DATA_DIR_ENV)
            .filter(|v| !v.is_empty())
            .map(std::path::PathBuf::from)
    })?;
    Some(data.join("window"))
}

/// Opens the studio window and runs it until it is closed. Tries the wgpu renderer first and
/// falls back to OpenGL (glow) when no wgpu adapter can be created or only software ones exist
/// (see [`renderer`]; `GAN_STUDIO_RENDERER=wgpu|glow` overrides).
pub fn run(options: LaunchOptions) -> anyhow::Result<()> {
    let choice = renderer::RendererChoice::from_env();
    let native = |renderer| eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("GAN Studio")
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([640.0, 400.0])
            .with_drag_and_drop(true),
        renderer,
        wgpu_options: choice.wgpu_options(),
        persistence_path: window_state_dir(&options),
        ..Default::default()
    };
    let start = |renderer| {
        let options = options.clone();
        eframe::run_native(
            "GAN Studio",
            native(renderer),
            Box::new(move |cc| Ok(Box::new(StudioApp::new(cc, options)))),
        )
    };
    let [first, second] = choice.order();
    match start(first) {
        Ok(()) => Ok(()),
        Err(first_error) => {
            eprintln!("note: the {first} renderer failed ({first_error}); trying {second}");
            start(second).map_err(|second_error| {
                anyhow::anyhow!(
                    "could not open the studio window: {second_error} ({first}: {first_error}). \
                     Is a display available (DISPLAY or WAYLAND_DISPLAY)? \
                     The subcommands (see --help) work without one."
                )
            })
        }
    }
}
