//! The Train panel hosted alone in an egui_kittest harness, driven by the labels a user
//! reads: load the demo set, start a tiny run, watch the charts fill, play a sample, pause,
//! single-step, stop; the same for a C-RNN-GAN run, which also resumes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use gan_studio::model::crnn::{CrnnDiscriminatorConfig, CrnnGeneratorConfig};
use gan_studio::model::{DiscriminatorConfig, GeneratorConfig};
use gan_studio::train::TrainConfig;
use gan_studio::train::crnn::CrnnTrainConfig;
use gan_studio::ui::{Notifications, TrainPanel, TrainPanelAction, TrainState};

/// What the harness hosts: the panel, the notifications it reports to, and the actions it
/// returned.
struct Host {
    panel: TrainPanel,
    notifications: Notifications,
    actions: Vec<TrainPanelAction>,
}

/// A model small enough that a step takes milliseconds: embedding 8, LSTM 16, 8 channels,
/// batches of 4, short samples. Many steps, so the run is still going when the test pauses
/// it.
fn tiny_config() -> TrainConfig {
    TrainConfig::new(
        GeneratorConfig::new().with_embedding(8).with_hidden(16),
        DiscriminatorConfig::new().with_channels(8),
    )
    .with_batch_size(4)
    .with_mle_steps(5_000)
    .with_gan_steps(5_000)
    .with_learning_rate(1e-2)
    .with_checkpoint_every(0)
    .with_sample_tokens(32)
    .with_validation_batches(1)
}

fn harness(runs: PathBuf) -> Harness<'static, Host> {
    let mut panel = TrainPanel::new(runs, None);
    panel.set_cache_dir(None);
    panel.set_config(tiny_config());
    let host = Host {
        panel,
        notifications: Notifications::default(),
        actions: Vec::new(),
    };
    Harness::builder()
        .with_size([900.0, 2400.0])
        .build_ui_state(
            |ui, host: &mut Host| {
                host.panel.poll(ui.ctx(), &mut host.notifications);
                egui::ScrollArea::vertical().show(ui, |ui| {
                    if let Some(action) = host.panel.ui(ui, &mut host.notifications) {
                        host.actions.push(action);
                    }
                });
            },
            host,
        )
}

/// Steps the harness until `done` holds, failing after a generous bound (the worker runs on
/// its own thread; this machine may be busy).
fn wait_for(harness: &mut Harness<'static, Host>, what: &str, done: impl Fn(&Host) -> bool) {
    let start = Instant::now();
    while !done(harness.state()) {
        assert!(
            start.elapsed() < Duration::from_secs(180),
            "timed out waiting for {what}; state {:?}, notifications {:?}",
            harness.state().panel.state(),
            harness
                .state()
                .notifications
                .texts()
                .map(|(_, t)| t.to_string())
                .collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(10));
        harness.step();
    }
    harness.step();
}

#[test]
fn start_fills_the_charts_then_pause_single_step_and_stop_change_state() {
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("runs");
    let mut harness = harness(runs.clone());
    harness.step();
    assert_eq!(harness.state().panel.state(), &TrainState::Idle);

    harness.get_by_label("Demo melodies").click();
    wait_for(&mut harness, "the demo set", |h| {
        h.panel.dataset().is_some()
    });
    assert!(
        harness.state().panel.dataset().unwrap().stats.windows.train > 0,
        "the demo set has training windows"
    );

    harness.get_by_label("Start").click();
    wait_for(&mut harness, "loss points", |h| {
        h.panel.loss_point_count() > 0
    });
    assert_eq!(harness.state().panel.state(), &TrainState::Running);
    harness.get_by_label("Pre-training loss (cross-entropy)");
    // Every control (buttons, sliders, number fields, charts) has a name a screen reader
    // (and a test) can find.
    harness.check_accessibility();

    // The first epoch ends with a sample the user can play.
    wait_for(&mut harness, "a sample", |h| !h.panel.samples().is_empty());
    let sample = harness.state().panel.samples()[0].clone();
    assert_eq!(sample.epoch, 0);
    // A whole-tune model writes a tune from its start: 32 tokens at most, fewer when it
    // ends the tune (the <end> marker comes last).
    assert!(!sample.tokens.is_empty() && sample.tokens.len() <= 32);
    if sample.tokens.len() < 32 {
        assert_eq!(
            sample.tokens.last(),
            Some(&gan_studio::music::tokens::END_ID)
        );
    }
    let notes = sample.piece.as_ref().map_or(0, |p| p.note_count());
    assert!(notes > 0, "the sample has notes: {:?}", sample.tokens);
    harness.get_all_by_label("Play").next().unwrap().click();
    harness.step();
    harness.step();
    // The first Play button is the newest sample's (the list shows the newest first): the
    // piece played is that sample, note for note, named by its epoch.
    match harness.state().actions.as_slice() {
        [TrainPanelAction::Play(piece)] => {
            let samples = harness.state().panel.samples();
            let played = samples
                .iter()
                .find(|s| s.piece.as_ref() == Some(piece))
                .unwrap_or_else(|| panic!("the played piece is no sample shown: {piece:?}"));
            assert_eq!(piece.title, format!("Sample of epoch {}", played.epoch));
            assert!(piece.note_count() > 0);
            if samples.len() == 1 {
                assert_eq!(Some(piece), sample.piece.as_ref());
                assert_eq!(piece.note_count(), notes);
            }
        }
        other => panic!("expected one Play action, got {other:?}"),
    }

    harness.get_by_label("Pause").click();
    wait_for(&mut harness, "the pause", |h| {
        h.panel.state() == &TrainState::Paused
    });
    let paused_at = harness.state().panel.steps_done();
    assert!(paused_at < 10_000, "the run was still going");

    // Paused, it stays put; a single step does exactly one step.
    harness.run_steps(5);
    assert_eq!(harness.state().panel.steps_done(), paused_at);
    harness.get_by_label("Single step").click();
    wait_for(&mut harness, "the single step", |h| {
        h.panel.steps_done() == paused_at + 1
    });
    harness.run_steps(5);
    assert_eq!(harness.state().panel.steps_done(), paused_at + 1);
    assert_eq!(harness.state().panel.state(), &TrainState::Paused);

    harness.get_by_label("Stop").click();
    wait_for(&mut harness, "the end of the run", |h| {
        matches!(h.panel.state(), TrainState::Finished { .. })
    });
    assert_eq!(
        harness.state().panel.state(),
        &TrainState::Finished {
            step: paused_at + 1
        }
    );
    // Stop saves a checkpoint in the run's own folder under the runs folder.
    let run_dir = harness.state().panel.run_dir().unwrap().to_path_buf();
    assert!(run_dir.starts_with(&runs), "{}", run_dir.display());
    assert!(run_dir.join("checkpoint.json").is_file());
    // Start is offered again.
    harness.get_by_label("Start");
}

#[test]
fn a_wasserstein_run_charts_the_critic_and_its_estimate() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path().join("runs"));
    let config = tiny_config()
        .with_loss(gan_studio::train::config::GanLoss::WganClip)
        .apply_loss_preset()
        .with_mle_steps(2);
    harness.state_mut().panel.set_config(config);
    harness.get_by_label("Demo melodies").click();
    wait_for(&mut harness, "the demo set", |h| {
        h.panel.dataset().is_some()
    });
    harness.get_by_label("Start").click();
    wait_for(&mut harness, "adversarial steps", |h| {
        h.panel.loss_point_count() > 4
    });
    harness.step();
    harness.get_by_label("Wasserstein estimate: C(real) - C(fake)");
    harness.get_by_label("Critic scores: C(real) and C(fake)");
    assert!(
        harness
            .query_by_label("What D thinks: D(real) and D(fake)")
            .is_none(),
        "BCE's probability chart is not shown for a critic"
    );
    harness.get_by_label("Stop").click();
    wait_for(&mut harness, "the end of the run", |h| {
        matches!(h.panel.state(), TrainState::Finished { .. })
    });
}

/// A C-RNN-GAN small enough that a step takes milliseconds: hidden width 8, windows of 8 notes,
/// batches of 4; many steps, so the run is still going when the test stops it.
fn tiny_crnn_config() -> CrnnTrainConfig {
    CrnnTrainConfig::new(
        CrnnGeneratorConfig::new().with_hidden(8),
        CrnnDiscriminatorConfig::new().with_hidden(8),
    )
    .with_events(8)
    .with_stride(4)
    .with_batch_size(4)
    .with_mle_steps(5_000)
    .with_gan_steps(5_000)
    .with_checkpoint_every(0)
}

#[test]
fn a_crnn_run_charts_its_losses_makes_samples_stops_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("runs");
    let mut harness = harness(runs.clone());
    harness
        .state_mut()
        .panel
        .set_crnn_config(tiny_crnn_config());
    harness.get_by_label("Demo melodies").click();
    wait_for(&mut harness, "the demo set", |h| {
        h.panel.dataset().is_some()
    });
    harness.get_by_label("Start").click();
    wait_for(&mut harness, "loss points", |h| {
        h.panel.loss_point_count() > 0
    });
    assert_eq!(harness.state().panel.state(), &TrainState::Running);
    harness.get_by_label("Pre-training loss (squared error of the next note)");

    // An epoch ends with a melody of one window's notes, which the user can play.
    wait_for(&mut harness, "a sample", |h| !h.panel.samples().is_empty());
    let sample = harness.state().panel.samples()[0].clone();
    let piece = sample.piece.expect("a C-RNN-GAN sample is a melody");
    assert_eq!(piece.note_count(), 8);
    assert_eq!(piece.title, "Sample of epoch 0");
    harness.get_all_by_label("Play").next().unwrap().click();
    harness.step();
    harness.step();
    assert!(
        matches!(harness.state().actions.as_slice(), [TrainPanelAction::Play(p)] if p.note_count() == 8),
        "{:?}",
        harness.state().actions
    );

    // Pause and a single step work as for the token GANs.
    harness.get_by_label("Pause").click();
    wait_for(&mut harness, "the pause", |h| {
        h.panel.state() == &TrainState::Paused
    });
    let paused_at = harness.state().panel.steps_done();
    harness.get_by_label("Single step").click();
    wait_for(&mut harness, "the single step", |h| {
        h.panel.steps_done() == paused_at + 1
    });

    harness.get_by_label("Stop").click();
    wait_for(&mut harness, "the end of the run", |h| {
        matches!(h.panel.state(), TrainState::Finished { .. })
    });
    let stopped = paused_at + 1;
    assert_eq!(
        harness.state().panel.state(),
        &TrainState::Finished { step: stopped }
    );
    let run_dir = harness.state().panel.run_dir().unwrap().to_path_buf();
    assert!(run_dir.starts_with(&runs), "{}", run_dir.display());
    assert!(run_dir.join("crnn-checkpoint.json").is_file());

    // Resuming the folder goes on from the step it stopped at.
    let ctx = harness.ctx.clone();
    let host = harness.state_mut();
    host.panel
        .resume_from(&ctx, run_dir.clone(), &mut host.notifications);
    wait_for(&mut harness, "steps after the resume", |h| {
        h.panel.steps_done() > stopped
    });
    assert_eq!(harness.state().panel.run_dir(), Some(run_dir.as_path()));
    harness.get_by_label("Stop").click();
    wait_for(&mut harness, "the end of the resumed run", |h| {
        matches!(h.panel.state(), TrainState::Finished { .. })
    });
}
