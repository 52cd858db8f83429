//! The studio driven headlessly through egui_kittest, by the labels a user reads.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use gan_studio::ui::{LaunchOptions, Level, StudioApp};

mod ui_support;
use ui_support::step_while;

fn studio(options: LaunchOptions) -> Harness<'static, StudioApp> {
    Harness::builder()
        .with_size([1280.0, 800.0])
        .build_eframe(move |cc| StudioApp::new(cc, options))
}

/// Steps the UI until the data set panel and the file work are idle (both run on worker
/// threads).
fn wait_until_idle(harness: &mut Harness<'static, StudioApp>) {
    step_while(harness, "data set load and file work", |app| {
        app.dataset_panel().is_busy() || app.is_busy_with_files()
    });
}

#[test]
fn without_the_folk_set_the_demo_set_loads_and_fetch_is_offered() {
    let data = tempfile::tempdir().unwrap();
    let mut harness = studio(LaunchOptions {
        data_dir: Some(data.path().to_path_buf()),
        ..LaunchOptions::default()
    });
    wait_until_idle(&mut harness);
    let dataset = harness
        .state()
        .dataset_panel()
        .dataset()
        .expect("demo set loaded");
    assert_eq!(dataset.stats.sources.len(), 1);
    assert!(
        dataset.stats.sources[0].contains("demo"),
        "{:?}",
        dataset.stats.sources
    );
    assert!(dataset.stats.windows.train > 0);
    harness.get_by_label("Dataset").click();
    harness.run_steps(2);
    harness.get_by_label("Fetch the folk set");
    harness.get_by_label("built-in demo melodies");
    harness.get_by_label_contains("non-commercial");
}

#[test]
fn opening_files_imports_good_ones_and_names_bad_ones_once() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("tune.mid");
    ui_support::write_four_note_tune(&good);
    let bad = dir.path().join("broken.mid");
    std::fs::write(&bad, b"MThd garbage").unwrap();
    let data = tempfile::tempdir().unwrap();

    let mut harness = studio(LaunchOptions {
        files: vec![good.clone(), bad.clone()],
        data_dir: Some(data.path().to_path_buf()),
        ..LaunchOptions::default()
    });
    wait_until_idle(&mut harness);
    assert_eq!(
        harness.state().open_files().collect::<Vec<_>>(),
        vec![good.as_path()]
    );
    let doc = harness.state().document();
    let notes: usize = doc.parts().iter().map(|p| p.notes().len()).sum();
    assert_eq!(notes, 4);
    let errors: Vec<String> = harness
        .state()
        .notifications()
        .texts()
        .filter(|(level, _)| *level == Level::Error)
        .map(|(_, text)| text.to_string())
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("broken.mid"), "{errors:?}");
    harness.get_by_label_contains("broken.mid");
}

/// Steps until the Generate panel is idle.
fn wait_for_generation(harness: &mut Harness<'static, StudioApp>) {
    harness.run_steps(2);
    step_while(harness, "generation", |app| app.generate_panel().is_busy());
}

fn variation_tokens(harness: &Harness<'static, StudioApp>) -> Vec<Vec<u32>> {
    harness
        .state()
        .generate_panel()
        .variations()
        .iter()
        .map(|g| g.tokens.clone())
        .collect()
}

#[test]
fn the_welcome_generates_variations_and_the_same_seed_gives_the_same_melodies() {
    let data = tempfile::tempdir().unwrap();
    let mut harness = studio(LaunchOptions {
        data_dir: Some(data.path().to_path_buf()),
        ..LaunchOptions::default()
    });
    harness.run_steps(2);
    harness.get_by_label("♪ Generate and play a melody").click();
    wait_for_generation(&mut harness);
    let first = variation_tokens(&harness);
    assert_eq!(first.len(), 4, "four variations by default");
    // At most eight bars of 16 steps: a tune ends where the model ends it.
    assert!(
        first.iter().all(|t| !t.is_empty() && t.len() <= 128),
        "{:?}",
        first.iter().map(Vec::len).collect::<Vec<_>>()
    );

    // The seed is locked by default: Generate again gives the very same melodies.
    harness.get_by_label("✦ Generate").click();
    wait_for_generation(&mut harness);
    assert_eq!(variation_tokens(&harness), first);

    // Another temperature with the same seed gives other melodies.
    harness
        .state_mut()
        .generate_panel_mut()
        .set_sampling(1, 1.9, 4);
    harness.get_by_label("✦ Generate").click();
    wait_for_generation(&mut harness);
    let hotter = variation_tokens(&harness);
    assert_eq!(hotter.len(), 4);
    assert_ne!(hotter, first);

    // Accepting a variation adds it to the roll as a new part, one undo step.
    let parts_before = harness.state().document().parts().len();
    harness.get_all_by_label("✔ Accept").next().unwrap().click();
    harness.run_steps(2);
    let doc = harness.state().document();
    assert_eq!(doc.parts().len(), parts_before + 1);
    assert!(!doc.parts().last().unwrap().notes().is_empty());
}
