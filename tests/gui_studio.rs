//! The studio driven headlessly through egui_kittest, by the labels a user reads.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use gan_studio::music::{Note, Piece, Pitch, Velocity};
use gan_studio::ui::{LaunchOptions, Level, StudioApp};

fn studio(options: LaunchOptions) -> Harness<'static, StudioApp> {
    Harness::builder()
        .with_size([1280.0, 800.0])
        .build_eframe(move |cc| StudioApp::new(cc, options))
}

/// Steps the UI until the data set panel is idle (loading runs on a worker thread).
fn wait_until_idle(harness: &mut Harness<'static, StudioApp>) {
    let start = Instant::now();
    while harness.state().dataset_panel().is_busy() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "data set load did not finish"
        );
        std::thread::sleep(Duration::from_millis(20));
        harness.step();
    }
    harness.run_steps(2);
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
    harness.get_by_label("Fetch the folk set");
    harness.get_by_label("built-in demo melodies");
    harness.get_by_label_contains("non-commercial");
}

#[test]
fn opening_files_lists_good_ones_and_names_bad_ones_once() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("tune.mid");
    let notes = (0..4)
        .map(|i| {
            Note::new(
                Pitch::new(60 + i).unwrap(),
                u64::from(i) * 480,
                480,
                Velocity::DEFAULT,
            )
            .unwrap()
        })
        .collect();
    gan_studio::midi::write_file(&good, &Piece::from_notes(480, "melody", notes).unwrap()).unwrap();
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
    harness.get_by_label_contains("tune.mid");
    harness.get_by_label_contains("4 in 1 part");
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

    // Closing the file removes it from the list.
    harness.get_by_label("Close").click();
    harness.run_steps(2);
    assert_eq!(harness.state().open_files().count(), 0);
}
