//! The studio window (eframe/egui). It owns no domain logic: it shows state and sends
//! commands to the library.

mod app;
mod charts;
mod dataset_panel;
pub mod evaluate_panel;
mod files;
pub mod frames;
pub mod generate_panel;
mod help;
mod job;
mod notify;
mod playback;
pub mod renderer;
pub mod roll;
mod train_panel;
mod train_quality;

pub use app::{StudioApp, Tab};
pub use dataset_panel::DatasetPanel;
pub use generate_panel::{GenerateAction, GeneratePanel, SeedSource};
pub use notify::{Level, Notifications};
pub use playback::{OutputOpener, OutputState, Playback, PlaybackSettings};
pub use train_panel::{Preset, SampleEntry, TrainPanel, TrainPanelAction, TrainState};

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
