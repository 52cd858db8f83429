//! The Evaluate panel's words: the judge, the copy check and the summary table in plain
//! language.

use egui::Ui;

use crate::eval::{CopyCheck, JudgeReport, Report, TellingFeature};

pub(super) fn fmt(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_string(), |v| format!("{v:.3}"))
}

/// A share as a whole percentage ("63%").
pub(super) fn percent(share: f64) -> String {
    format!("{:.0}%", 100.0 * share)
}

/// The judge in plain words.
pub(super) fn judge_ui(ui: &mut Ui, judge: Option<&JudgeReport>, note: Option<&str>) {
    ui.strong("Could a judge tell?");
    let Some(judge) = judge else {
        ui.label(match note {
            Some(why) => format!("The judge did not run: {why}."),
            None => "The judge did not run for this evaluation.".to_string(),
        });
        return;
    };
    ui.label(format!(
        "A judge that never saw these melodies guessed right {} of the time (50% means it \
         cannot tell them from the data set).",
        percent(judge.nonlinear.accuracy)
    ));
    let chance = if judge.nonlinear.p_value < 0.001 {
        "far too often to be luck".to_string()
    } else if judge.nonlinear.p_value < 0.05 {
        format!(
            "a lucky guesser does this well {:.1}% of the time",
            100.0 * judge.nonlinear.p_value
        )
    } else {
        format!(
            "a coin does as well {:.0}% of the time: no real difference found",
            100.0 * judge.nonlinear.p_value
        )
    };
    ui.label(format!(
        "It learned from {} melodies of each kind, {} rounds, each time tested on melodies it \
         had not seen ({} to {} right per round; {chance}). A simpler, straight-line judge got \
         {}.",
        judge.n_per_class,
        judge.folds,
        percent(judge.nonlinear.fold_min),
        percent(judge.nonlinear.fold_max),
        percent(judge.linear.accuracy)
    ));
}

/// What tells the sets apart, one measure at a time, in plain words: the measures that alone
/// separate them best, with both sets' averages. Measures that barely separate them (less
/// than 0.2 of the way from a coin toss to a clean cut) are not named.
pub(super) fn telling_ui(ui: &mut Ui, telling: &[TellingFeature]) {
    let named: Vec<String> = telling
        .iter()
        .filter(|f| f.separation() >= 0.2)
        .map(|f| {
            format!(
                "{}: {} generated, {} in the data set",
                f.name,
                number(f.generated_mean),
                number(f.real_mean)
            )
        })
        .collect();
    if named.is_empty() {
        ui.label("No single measure tells them apart.");
        return;
    }
    ui.label(format!(
        "What tells them apart most, one measure at a time (averages): {}.",
        named.join("; ")
    ));
}

/// A measure's average with the digits that matter: shares and small figures with two
/// decimals, larger ones with one.
fn number(v: f64) -> String {
    if v.abs() < 10.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.1}")
    }
}

/// The copy check in plain words.
pub(super) fn copy_ui(ui: &mut Ui, copy: &CopyCheck) {
    ui.strong("Copied from the training melodies?");
    let g = &copy.generated;
    let mut lines = vec![format!(
        "The longest stretch found note for note (any key) in one of the {} training melodies: \
         {} notes (on average {:.1}).",
        copy.training_tunes,
        g.max_longest_run,
        g.mean_longest_run.unwrap_or(0.0)
    )];
    if let Some(share) = g.mean_pattern_share {
        let reference = copy
            .reference
            .as_ref()
            .and_then(|r| r.mean_pattern_share)
            .map_or_else(String::new, |r| {
                format!(
                    " (melodies of the data set: {:.1}%: tunes share a few turns)",
                    100.0 * r
                )
            });
        lines.push(format!(
            "{}-note patterns also found in the training melodies: {:.1}%{reference}.",
            g.pattern_notes,
            100.0 * share
        ));
    }
    for line in lines {
        ui.label(line);
    }
    let flagged = format!(
        "{} of {} melodies copy {} notes or more in a row.",
        g.flagged,
        g.melodies.len(),
        g.flag_run
    );
    if g.flagged > 0 {
        ui.colored_label(ui.visuals().warn_fg_color, flagged);
    } else {
        ui.label(flagged);
    }
}

pub(super) fn summary_ui(ui: &mut Ui, report: &Report) {
    let s = &report.summary;
    ui.strong(format!(
        "{} generated melodies vs {} from the data set",
        report.generated.pieces, report.reference.pieces
    ));
    egui::Grid::new("evaluate-summary")
        .striped(true)
        .num_columns(4)
        .show(ui, |ui| {
            ui.strong("Measure");
            ui.strong("Generated");
            ui.strong("Data set");
            ui.strong("What it means");
            ui.end_row();
            let rows: [(&str, String, String, &str); 8] = [
                (
                    "Mean overlap area",
                    fmt(s.mean_overlap),
                    "1".to_string(),
                    "1 = generated melodies vary like the data set (higher is better)",
                ),
                (
                    "Mean KL divergence",
                    fmt(s.mean_kl),
                    "0".to_string(),
                    "0 = same distributions (lower is better)",
                ),
                (
                    "Pitch spread ratio",
                    fmt(s.pitch_std_ratio),
                    "1".to_string(),
                    "pitch standard deviation generated / data set; far below 1 = too narrow",
                ),
                (
                    "Scale consistency",
                    fmt(s.scale_consistency_generated),
                    fmt(s.scale_consistency_reference),
                    "share of notes in the best-fitting major or minor scale",
                ),
                (
                    "Pitch range",
                    fmt(s.pitch_range_generated),
                    fmt(s.pitch_range_reference),
                    "semitones from the lowest to the highest note",
                ),
                (
                    "Register distance",
                    fmt(s.pitch_group_distance),
                    "0".to_string(),
                    "how differently the octaves are used (0 to 2)",
                ),
                (
                    "Notes per bar",
                    fmt(s.notes_per_bar_generated),
                    fmt(s.notes_per_bar_reference),
                    "how busy the melodies are",
                ),
                (
                    "Phrase repetition",
                    fmt(s.phrase_repetition_generated),
                    fmt(s.phrase_repetition_reference),
                    "share of bars that repeat an earlier bar (folk tunes repeat phrases)",
                ),
            ];
            for (name, generated, dataset, help) in rows {
                ui.label(name);
                ui.monospace(generated);
                ui.monospace(dataset);
                ui.label(help);
                ui.end_row();
            }
        });
    let skipped = report.generated.skipped.len() + report.reference.skipped.len();
    if skipped > 0 {
        egui::CollapsingHeader::new(format!("{skipped} file(s) skipped"))
            .id_salt("evaluate-skipped")
            .show(ui, |ui| {
                for s in report
                    .generated
                    .skipped
                    .iter()
                    .chain(&report.reference.skipped)
                {
                    ui.label(format!("{}: {}", s.path, s.reason));
                }
            });
    }
}
