//! The Evaluate panel hosted alone in egui_kittest.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

use super::words::percent;
use super::*;
use crate::music::{Note, Pitch, Velocity};
use std::sync::Arc;

fn melody(pitches: &[u8]) -> Piece {
    let notes = pitches
        .iter()
        .enumerate()
        .map(|(i, &p)| {
            Note::new(
                Pitch::new(p).unwrap(),
                i as u64 * 240,
                240,
                Velocity::DEFAULT,
            )
            .unwrap()
        })
        .collect();
    Piece::from_notes(480, "m", notes).unwrap()
}

fn sets() -> (Vec<Piece>, Vec<Piece>) {
    let generated = vec![melody(&[60, 62, 64, 65]), melody(&[64, 62, 60, 62])];
    let dataset = vec![
        melody(&[60, 64, 67, 72]),
        melody(&[67, 65, 64, 62, 60]),
        melody(&[57, 60, 64, 69]),
    ];
    (generated, dataset)
}

#[test]
fn a_report_set_from_outside_is_shown() {
    let (generated, dataset) = sets();
    let mut panel = EvaluatePanel::new();
    panel.set_report(evaluate(&generated, &dataset, &CompareOptions::default()));
    let mut harness = Harness::builder()
        .with_size([900.0, 1400.0])
        .build_ui_state(
            |ui, panel: &mut EvaluatePanel| {
                assert_eq!(panel.poll_report(), None);
                panel.report_ui(ui);
            },
            panel,
        );
    harness.run();
    harness.get_by_label("Mean overlap area");
    harness.get_by_label("Pitch-class transitions");
    harness.get_by_label("Note-length transitions");
    harness.get_by_label("Pitch histogram");
    harness.get_by_label("2 generated melodies vs 3 from the data set");
    harness.get_by_label("The judge did not run for this evaluation.");
    harness.get_by_label("Phrase repetition");
}

#[test]
fn the_report_is_computed_in_the_background() {
    let (generated, dataset) = sets();
    let mut harness = Harness::builder()
        .with_size([900.0, 1400.0])
        .build_ui_state(
            |ui, panel: &mut EvaluatePanel| {
                assert_eq!(panel.poll_report(), None);
                panel.report_ui(ui);
            },
            EvaluatePanel::new(),
        );
    harness.get_by_label("No evaluation yet: generate some melodies, then evaluate them.");
    let ctx = harness.ctx.clone();
    harness.state_mut().start(&ctx, generated, dataset);
    assert!(harness.state().is_running());
    let start = Instant::now();
    while harness.state().is_running() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "evaluation did not finish"
        );
        std::thread::sleep(Duration::from_millis(5));
        harness.step();
    }
    harness.run();
    let report = harness.state().report().unwrap();
    assert_eq!(report.generated.pieces, 2);
    assert_eq!(report.reference.label, "data set");
    // Two melodies per set: the judge runs in 2 folds; no training set, no copy check.
    assert_eq!(report.judge.as_ref().unwrap().folds, 2);
    assert!(report.copy.is_none());
    harness.get_by_label("Mean overlap area");
    harness.get_by_label_contains("A judge that never saw these melodies guessed right");
    // Stepwise generated melodies against a data set that leaps: a measure tells them apart,
    // and the panel names it with both averages.
    let (generated, dataset) = sets();
    let top = &telling_features(
        &MelodyFeatures::of(&generated, Some(8)),
        &MelodyFeatures::of(&dataset, Some(8)),
    )[0];
    assert!(top.separation() >= 0.2, "{top:?}");
    harness.get_by_label_contains(&format!(
        "What tells them apart most, one measure at a time (averages): {}: ",
        top.name
    ));
    assert!(
        harness
            .query_by_label("Copied from the training melodies?")
            .is_none()
    );
}

#[test]
fn the_judge_and_the_copy_check_are_put_in_plain_words() {
    let (generated, dataset) = sets();
    // The first generated melody is a training melody moved up a tone.
    let training = vec![melody(&[58, 60, 62, 63]), melody(&[50, 52, 53, 55, 57])];
    let mut harness = Harness::builder()
        .with_size([900.0, 1600.0])
        .build_ui_state(
            |ui, panel: &mut EvaluatePanel| {
                assert_eq!(panel.poll_report(), None);
                panel.report_ui(ui);
            },
            EvaluatePanel::new(),
        );
    let ctx = harness.ctx.clone();
    harness.state_mut().start_with(
        &ctx,
        generated,
        dataset,
        training,
        CompareOptions::default(),
    );
    let start = Instant::now();
    while harness.state().is_running() {
        assert!(start.elapsed() < Duration::from_secs(60), "did not finish");
        std::thread::sleep(Duration::from_millis(5));
        harness.step();
    }
    harness.run();
    let report = harness.state().report().unwrap();
    let copy = report.copy.as_ref().unwrap();
    assert_eq!(copy.training_tunes, 2);
    assert_eq!(copy.generated.max_longest_run, 4);
    let judge = report.judge.as_ref().unwrap();
    harness.get_by_label(&format!(
        "A judge that never saw these melodies guessed right {} of the time (50% means it \
         cannot tell them from the data set).",
        percent(judge.nonlinear.accuracy)
    ));
    harness.get_by_label("Copied from the training melodies?");
    harness.get_by_label(
        "The longest stretch found note for note (any key) in one of the 2 training \
         melodies: 4 notes (on average 3.0).",
    );
    harness.get_by_label("0 of 2 melodies copy 16 notes or more in a row.");
}

#[test]
fn a_temperature_sweep_is_charted_with_its_copy_figures() {
    use crate::quality::LikeOptions;
    use crate::quality::sweep::SweepOptions;

    let held = crate::quality::sweep::tests::demo_held_out(2);
    let model = Arc::new(crate::generate::default_model().unwrap());
    let plan = SweepPlan {
        like: LikeOptions {
            tunes: 12,
            bars: 2,
            ..LikeOptions::default()
        },
        options: SweepOptions {
            temperatures: vec![0.8, 1.2],
            seeds: vec![0, 1],
            per_metre_min: None,
        },
    };
    let mut harness = Harness::builder()
        .with_size([700.0, 1600.0])
        .build_ui_state(
            |ui, panel: &mut EvaluatePanel| {
                assert_eq!(panel.poll_sweep(), None);
                panel.sweep_result_ui(ui);
            },
            EvaluatePanel::new(),
        );
    harness.run();
    assert!(
        harness
            .query_by_label("Quality against diversity")
            .is_none()
    );
    let ctx = harness.ctx.clone();
    harness
        .state_mut()
        .start_sweep(&ctx, held, vec![("built-in model".to_owned(), model)], plan);
    assert!(harness.state().is_sweeping());
    let start = Instant::now();
    while harness.state().is_sweeping() {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "sweep did not finish"
        );
        std::thread::sleep(Duration::from_millis(10));
        harness.step();
    }
    harness.run();
    let result = harness.state().sweep_result().unwrap();
    assert!(!result.cancelled);
    assert_eq!(result.curves.len(), 1);
    let points = &result.curves[0].points;
    assert_eq!(
        points.iter().map(|p| p.temperature).collect::<Vec<_>>(),
        [0.8, 1.2]
    );
    assert!(points.iter().all(|p| p.seeds == 2 && p.diversity.is_some()));
    assert!(result.real_diversity.is_some());
    harness.get_by_label("Quality against diversity");
    harness.get_by_label_contains("Lower and further right is better");
    harness.get_by_label_contains("A model that wins by copying does not");
    harness.get_by_label("Copied from training tunes?");
    harness.get_by_label("longest copied run");
    // In each chart's legend, and in the copy table's two rows (one per temperature).
    assert_eq!(harness.get_all_by_label("built-in model").count(), 4);
    harness.get_by_label("0.8");
    let flagged = format!("{} of {}", points[1].copy_flagged, points[1].tunes);
    assert!(harness.get_all_by_label(&flagged).count() >= 1);
}

#[test]
fn a_sweep_can_be_cancelled() {
    let held = crate::quality::sweep::tests::demo_held_out(2);
    let model = Arc::new(crate::generate::default_model().unwrap());
    let mut plan = SweepPlan::default();
    plan.like.tunes = 12;
    plan.like.bars = 2;
    let mut panel = EvaluatePanel::new();
    let ctx = egui::Context::default();
    panel.start_sweep(&ctx, held, vec![("built-in model".to_owned(), model)], plan);
    panel.cancel_sweep();
    let start = Instant::now();
    while panel.is_sweeping() {
        assert!(start.elapsed() < Duration::from_secs(60), "did not stop");
        std::thread::sleep(Duration::from_millis(10));
        assert_eq!(panel.poll_sweep(), None);
    }
    let result = panel.sweep_result().unwrap();
    assert!(result.cancelled);
    // Stopped after the first of the five temperatures.
    assert_eq!(result.curves[0].points.len(), 1);
}
