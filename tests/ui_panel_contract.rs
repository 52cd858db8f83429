//! The panel contract (`gan_studio::ui::panel`): a panel hosted alone through a
//! `PanelContext` reports its errors to the one notification channel, asks the app for
//! things through `AppAction`s, and the studio shares one data set between its panels.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use gan_studio::generate::default_model;
mod ui_support;
use ui_support::step_while;

use gan_studio::ui::{
    AppAction, GeneratePanel, LaunchOptions, Level, ModelKind, ModelOffer, Panel, Shared,
    StudioApp, install_fonts,
};

/// A panel and the state its context borrows from, as the app holds them.
struct Host<P> {
    panel: P,
    shared: Shared,
    fonts: bool,
}

fn host_harness<P: Panel + 'static>(panel: P) -> Harness<'static, Host<P>> {
    let host = Host {
        panel,
        shared: Shared::default(),
        fonts: false,
    };
    Harness::builder()
        .with_size([600.0, 1200.0])
        .build_ui_state(
            |ui, host: &mut Host<P>| {
                let ctx = ui.ctx().clone();
                if !host.fonts {
                    // The studio's fonts (for ✦ ⚄ ♯), in place from the next frame on.
                    install_fonts(&ctx);
                    host.fonts = true;
                    ctx.request_repaint();
                    return;
                }
                let mut cx = host.shared.context(&ctx);
                host.panel.poll(&mut cx);
                host.panel.panel_ui(ui, &mut cx);
            },
            host,
        )
}

fn errors<P>(host: &Host<P>) -> Vec<String> {
    host.shared
        .notifications
        .texts()
        .filter(|(level, _)| *level == Level::Error)
        .map(|(_, text)| text.to_string())
        .collect()
}

#[test]
fn a_generate_error_reaches_the_notification_channel_once_and_not_inline() {
    let mut panel = GeneratePanel::default();
    panel.set_model(Arc::new(default_model().unwrap()), "built-in");
    let mut harness = host_harness(panel);
    harness.run();
    assert!(errors(harness.state()).is_empty());

    // An empty roll cannot seed a generation: the panel says so through the channel.
    harness.get_by_label("✦ Generate").click();
    harness.run();
    let told = errors(harness.state());
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].contains("the roll is empty"), "{told:?}");
    // Told once: not drawn in the panel as well, and not repeated by later frames.
    assert!(
        harness
            .query_by_label_contains("the roll is empty")
            .is_none()
    );
    harness.run_steps(3);
    assert_eq!(errors(harness.state()).len(), 1);
    assert!(harness.state().shared.actions.is_empty());
}

#[test]
fn a_played_variation_becomes_an_app_action() {
    let mut panel = GeneratePanel::default();
    panel.set_model(Arc::new(default_model().unwrap()), "built-in");
    panel.set_seed_nothing();
    panel.set_sampling(3, 1.0, 2);
    let mut harness = host_harness(panel);
    harness.run();
    harness.get_by_label("✦ Generate").click();
    harness.run_steps(2);
    step_while(&mut harness, "generation", |host| host.panel.is_busy());
    assert_eq!(harness.state().panel.variations().len(), 2);
    harness.get_all_by_label("▶ Play").next().unwrap().click();
    harness.run_steps(1);
    let actions = &harness.state().shared.actions;
    assert_eq!(actions.len(), 1, "{actions:?}");
    let AppAction::Play { piece, .. } = &actions[0] else {
        panic!("expected a Play action, got {actions:?}");
    };
    assert_eq!(piece.title, "Variation 1");
    assert!(errors(harness.state()).is_empty());
}

#[test]
fn the_generate_panel_prefers_a_run_s_best_to_its_latest_weights_and_says_which_plays() {
    let model = Arc::new(default_model().unwrap());
    let mut panel = GeneratePanel::default();
    panel.set_model(Arc::clone(&model), "built-in");
    panel.set_seed_nothing();
    panel.set_sampling(3, 1.0, 2);
    // A run publishes its newest weights: the built-in model keeps playing.
    panel.offer_model(ModelOffer {
        kind: ModelKind::RunLatest,
        label: "latest weights of run-1 (step 40)".to_owned(),
        model: Arc::clone(&model),
    });
    let mut harness = host_harness(panel);
    harness.run();
    harness.get_by_label("Generating with: built-in");
    // The judge's best of the run becomes the default.
    harness.state_mut().panel.offer_model(ModelOffer {
        kind: ModelKind::RunBest,
        label: "best of run-1 by the judge (epoch 1, step 20)".to_owned(),
        model: Arc::clone(&model),
    });
    harness.run();
    harness.get_by_label("Generating with: best of run-1 by the judge (epoch 1, step 20)");
    harness.get_by_label("✦ Generate").click();
    harness.run_steps(2);
    step_while(&mut harness, "generation", |host| host.panel.is_busy());
    assert_eq!(
        harness.state().panel.variation_models(),
        [Some(ModelKind::RunBest); 2]
    );
    assert_eq!(harness.get_all_by_label("by the run's best").count(), 2);
    // The user picks the latest weights by hand.
    harness.get_by_label("run's latest").click();
    harness.run();
    harness.get_by_label("Generating with: latest weights of run-1 (step 40)");
    assert_eq!(
        harness.state().panel.models().chosen_kind(),
        Some(ModelKind::RunLatest)
    );
    assert!(errors(harness.state()).is_empty());
}

#[test]
fn the_dataset_and_train_panels_share_one_data_set() {
    let data = tempfile::tempdir().unwrap();
    let options = LaunchOptions {
        data_dir: Some(data.path().to_path_buf()),
        ..LaunchOptions::default()
    };
    let mut harness = Harness::builder()
        .with_size([1280.0, 800.0])
        .build_eframe(move |cc| StudioApp::new(cc, options));
    step_while(&mut harness, "data set load", |app| {
        app.dataset_panel().is_busy()
    });
    let app = harness.state();
    let shown = app.dataset_panel().dataset().expect("demo set loaded");
    let trained = app
        .train_panel()
        .dataset()
        .expect("handed to the Train panel");
    assert!(Arc::ptr_eq(shown, trained), "the Train panel got a copy");
}
