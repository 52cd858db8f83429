//! The Evaluate panel hosted alone in egui_kittest.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

use super::words::percent;
use super::*;
use crate::music::{Note, Pitch, Velocity};

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
