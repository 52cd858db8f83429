//! Closing the studio mid-training loses nothing: the close is held back while the run saves
//! a checkpoint at the step it reached (with a "Saving the training run…" window), the
//! unsaved document is autosaved, and after a restart the run resumes from that step. The
//! close goes through the same path as a real window's: a `ViewportEvent::Close` in the
//! input, answered (or not) by `ViewportCommand::CancelClose`, as eframe decides.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use egui::{ViewportCommand, ViewportEvent, ViewportId};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use gan_studio::model::{DiscriminatorConfig, GeneratorConfig};
use gan_studio::train::{TrainConfig, read_manifest};
use gan_studio::ui::{LaunchOptions, Notifications, StudioApp, TrainState};

mod ui_support;
use ui_support::step_while;

/// A tiny model (steps of milliseconds), many steps, and a periodic checkpoint far beyond the
/// steps this test trains: the only checkpoint is the one the close makes.
fn tiny_config() -> TrainConfig {
    TrainConfig::new(
        GeneratorConfig::new().with_embedding(8).with_hidden(16),
        DiscriminatorConfig::new().with_channels(8),
    )
    .with_batch_size(4)
    .with_mle_steps(50_000)
    .with_gan_steps(0)
    .with_learning_rate(1e-2)
    .with_checkpoint_every(100_000)
    .with_sample_tokens(16)
    .with_validation_batches(1)
}

fn studio(data: &Path, files: Vec<std::path::PathBuf>) -> Harness<'static, StudioApp> {
    let options = LaunchOptions {
        data_dir: Some(data.to_path_buf()),
        files,
        ..LaunchOptions::default()
    };
    let mut harness = Harness::builder()
        .with_size([1280.0, 800.0])
        .build_eframe(move |cc| StudioApp::new(cc, options));
    step_while(&mut harness, "data set load and file work", |app| {
        app.dataset_panel().is_busy()
            || app.is_busy_with_files()
            || app.train_panel().dataset().is_none()
    });
    harness
}

/// Asks the window to close, as the window manager does, and runs one frame; returns whether
/// the studio let it close (no `CancelClose`).
fn close_window(harness: &mut Harness<'static, StudioApp>) -> bool {
    harness
        .input_mut()
        .viewports
        .entry(ViewportId::ROOT)
        .or_default()
        .events
        .push(ViewportEvent::Close);
    harness.step();
    !root_commands(harness).contains(&ViewportCommand::CancelClose)
}

fn root_commands(harness: &Harness<'static, StudioApp>) -> Vec<ViewportCommand> {
    harness
        .output()
        .viewport_output
        .get(&ViewportId::ROOT)
        .map(|v| v.commands.clone())
        .unwrap_or_default()
}

/// Steps until `done` holds, failing after a generous bound.
fn wait_for(
    harness: &mut Harness<'static, StudioApp>,
    what: &str,
    mut done: impl FnMut(&Harness<'static, StudioApp>) -> bool,
) {
    let start = Instant::now();
    while !done(harness) {
        assert!(
            start.elapsed() < Duration::from_secs(180),
            "timed out waiting for {what}; state {:?}",
            harness.state().train_panel().state()
        );
        std::thread::sleep(Duration::from_millis(10));
        harness.step();
    }
}

/// Starts a tiny run from the Train tab by its labels and waits for `steps` steps.
fn start_training(harness: &mut Harness<'static, StudioApp>, steps: u64) {
    harness
        .state_mut()
        .train_panel_mut()
        .set_config(tiny_config());
    harness.get_by_label("Train").click();
    harness.run_steps(2);
    harness.get_by_label("Start").click();
    wait_for(harness, "the first steps", |h| {
        h.state().train_panel().steps_done() >= steps
    });
}

/// The step numbers of a run folder's step log, in order.
fn logged_steps(run_dir: &Path) -> Vec<u64> {
    std::fs::read_to_string(run_dir.join(gan_studio::train::worker::STATS_FILE))
        .unwrap()
        .lines()
        .map(|line| {
            serde_json::from_str::<serde_json::Value>(line).unwrap()["step"]
                .as_u64()
                .unwrap()
        })
        .collect()
}

#[test]
fn closing_mid_training_saves_the_run_at_its_last_step_and_a_restart_resumes_there() {
    let data = tempfile::tempdir().unwrap();
    let tune = data.path().join("tune.mid");
    ui_support::write_four_note_tune(&tune);

    // A run under way and an unsaved document (an imported file).
    let mut harness = studio(data.path(), vec![tune]);
    assert!(harness.state().has_unsaved_changes());
    start_training(&mut harness, 3);
    assert_eq!(harness.state().train_panel().state(), &TrainState::Running);
    let run_dir = harness
        .state()
        .train_panel()
        .run_dir()
        .unwrap()
        .to_path_buf();
    assert!(
        !run_dir.join("checkpoint.json").exists(),
        "no checkpoint before the close"
    );

    // The first close is held back while the run saves, with a message in the window.
    assert!(!close_window(&mut harness), "the close was not held back");
    assert!(harness.state().is_saving_before_close());
    harness.run_steps(1);
    harness.get_by_label("Saving the training run…");
    // When the checkpoint is saved the studio closes itself: it asks for a Close, and the
    // close that follows goes through.
    wait_for(&mut harness, "the studio to close itself", |h| {
        root_commands(h).contains(&ViewportCommand::Close)
    });
    assert!(
        close_window(&mut harness),
        "the close after saving was held back"
    );
    let TrainState::Finished { step } = harness.state().train_panel().state().clone() else {
        panic!(
            "the run did not finish: {:?}",
            harness.state().train_panel().state()
        );
    };
    assert_eq!(step, harness.state().train_panel().steps_done());
    eframe::App::on_exit(harness.state_mut(), None);
    drop(harness);

    // The checkpoint is at the last step trained, not an earlier periodic one (there is none
    // before step 100,000), and the step log ends there.
    let manifest = read_manifest(&run_dir).unwrap();
    assert_eq!(manifest.step, step);
    assert!(step >= 3);
    assert_eq!(logged_steps(&run_dir).last(), Some(&step));
    // The unsaved document went to the autosave; nothing went wrong at exit.
    assert!(data.path().join("autosave.gsproj").is_file());
    assert!(!data.path().join("exit-problems.log").exists());

    // Restart: the unsaved work is offered back, and the run resumes from the saved step.
    let mut harness = studio(data.path(), Vec::new());
    step_while(&mut harness, "the recovery check", |app| {
        app.is_busy_with_files()
    });
    harness.get_by_label("Recover unsaved work?");
    let ctx = harness.ctx.clone();
    let mut notifications = Notifications::default();
    harness
        .state_mut()
        .train_panel_mut()
        .resume_from(&ctx, run_dir.clone(), &mut notifications);
    assert_eq!(notifications.texts().count(), 0);
    wait_for(&mut harness, "the resumed run to start", |h| {
        h.state().train_panel().state() == &TrainState::Running
    });
    let resumed_at = harness.state().train_panel().steps_done();
    assert!(
        resumed_at >= step,
        "resumed at {resumed_at}, saved at {step}"
    );
    wait_for(&mut harness, "steps after the resume", |h| {
        h.state().train_panel().steps_done() >= step + 2
    });
    harness.state_mut().train_panel_mut().stop();
    wait_for(&mut harness, "the resumed run to stop", |h| {
        matches!(h.state().train_panel().state(), TrainState::Finished { .. })
    });
    // The step log goes on from the saved step: every step once, in order, none lost.
    let steps = logged_steps(&run_dir);
    let end = read_manifest(&run_dir).unwrap().step;
    assert_eq!(steps, (1..=end).collect::<Vec<_>>());
    assert!(end > step);
}

#[test]
fn a_second_close_while_saving_quits_and_the_next_start_tells_why() {
    let data = tempfile::tempdir().unwrap();
    let mut harness = studio(data.path(), Vec::new());
    start_training(&mut harness, 1);
    assert!(!close_window(&mut harness));
    // Closed again before the save is through: it goes at once.
    assert!(close_window(&mut harness), "the second close was held back");
    eframe::App::on_exit(harness.state_mut(), None);
    // Let the run end (the test leaves no thread writing into the folder it removes).
    wait_for(&mut harness, "the run to end", |h| {
        !h.state().train_panel().state().is_active()
    });
    drop(harness);
    let log = std::fs::read_to_string(data.path().join("exit-problems.log")).unwrap();
    assert!(log.contains("before the training run"), "{log}");

    // The next start shows it once, then the log is gone.
    let mut harness = studio(data.path(), Vec::new());
    step_while(&mut harness, "the exit log", |app| app.is_busy_with_files());
    let errors: Vec<String> = harness
        .state()
        .notifications()
        .texts()
        .map(|(_, t)| t.to_string())
        .collect();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("When GAN Studio last closed")),
        "{errors:?}"
    );
    assert!(!data.path().join("exit-problems.log").exists());
}
