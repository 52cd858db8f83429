//! The Evaluate panel: how generated melodies compare with the data set, by the metric suite
//! of [`crate::eval`]. The judge (can a classifier that never saw these melodies tell them
//! from the data set?) and the copy check in plain words, then transition heatmaps side by
//! side, the pitch histogram, density curves per feature and a summary table. The report is
//! computed on a worker thread; the panel never blocks the UI.
//!
//! How values are shown: heatmap colours are scaled by the largest cell of the two matrices,
//! so equal colours mean equal shares on both sides; a metric that could not be computed (too
//! few pieces) shows as "–".

use egui::{Color32, FontId, Rect, Sense, Stroke, Ui, Vec2, pos2, vec2};
use egui_plot::{Bar, BarChart, Legend, Line, Plot};

use crate::eval::{
    CompareOptions, CopyCheck, CopyIndex, Feature, JudgeConfig, JudgeReport, NoteLength, Report,
    evaluate, two_sample_test,
};
use crate::music::Piece;

use super::job::{Job, Poll};

const GENERATED_COLOR: Color32 = Color32::from_rgb(214, 96, 40);
const DATASET_COLOR: Color32 = Color32::from_rgb(60, 130, 210);
const INTER_COLOR: Color32 = Color32::from_rgb(140, 140, 140);

/// Pitch-class names for the heatmap axes (ASCII sharps, so any font can draw them).
const PITCH_CLASS_NAMES: [&str; 12] = [
    "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B",
];

/// Which curves the density plot shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CurveKind {
    /// Densities of the feature's values (scalar features).
    Values,
    /// Densities of the distances within and between the sets.
    Distances,
}

/// The Evaluate panel's state.
pub struct EvaluatePanel {
    report: Option<Report>,
    job: Option<Job<(Report, Option<String>)>>,
    /// Pieces in the running job (generated, data set), for the progress line.
    running_sizes: (usize, usize),
    /// Why the judge could not run on the report shown (too few melodies), if it could not.
    judge_note: Option<String>,
    error: Option<String>,
    feature: Feature,
    curves: CurveKind,
}

impl Default for EvaluatePanel {
    fn default() -> Self {
        Self::new()
    }
}

impl EvaluatePanel {
    /// An empty panel (no report yet).
    pub fn new() -> Self {
        EvaluatePanel {
            report: None,
            job: None,
            running_sizes: (0, 0),
            judge_note: None,
            error: None,
            feature: Feature::PitchRange,
            curves: CurveKind::Values,
        }
    }

    /// Starts computing the report of `generated` against `dataset` on a worker thread with
    /// the default [`CompareOptions`] and the judge; no copy check (see
    /// [`EvaluatePanel::start_with`]). A newer call replaces a running one (its result is
    /// dropped). `ctx` gets a repaint when the report is ready.
    pub fn start(&mut self, ctx: &egui::Context, generated: Vec<Piece>, dataset: Vec<Piece>) {
        self.start_with(
            ctx,
            generated,
            dataset,
            Vec::new(),
            CompareOptions::default(),
        );
    }

    /// Like [`EvaluatePanel::start`], with options and the training melodies for the copy
    /// check (none: no copy check). The judge reads the first 8 bars of each melody.
    pub fn start_with(
        &mut self,
        ctx: &egui::Context,
        generated: Vec<Piece>,
        dataset: Vec<Piece>,
        training: Vec<Piece>,
        options: CompareOptions,
    ) {
        self.running_sizes = (generated.len(), dataset.len());
        self.error = None;
        self.job = Some(Job::spawn(ctx, "evaluate", move || {
            let mut report = evaluate(&generated, &dataset, &options);
            report.generated.label = "generated".to_string();
            report.reference.label = "data set".to_string();
            let config = JudgeConfig {
                bars: Some(8),
                ..JudgeConfig::default()
            };
            let judge_note = match two_sample_test(&generated, &dataset, &config) {
                Ok(judge) => {
                    report.judge = Some(judge);
                    None
                }
                Err(e) => Some(e.to_string()),
            };
            if !training.is_empty() {
                let index = CopyIndex::new(&training);
                report.copy = Some(CopyCheck {
                    training: "training melodies".to_string(),
                    training_tunes: index.tunes(),
                    generated: index.check(&generated),
                    reference: Some(index.check(&dataset)),
                });
            }
            (report, judge_note)
        }));
    }

    /// Shows a report computed elsewhere (e.g. by the training worker) and cancels a running
    /// computation.
    pub fn set_report(&mut self, report: Report) {
        self.job = None;
        self.error = None;
        self.judge_note = None;
        self.report = Some(report);
    }

    /// The report shown, if any.
    pub fn report(&self) -> Option<&Report> {
        self.report.as_ref()
    }

    /// Whether a report is being computed.
    pub fn is_running(&self) -> bool {
        self.job.is_some()
    }

    /// Takes the result of the worker if it is done. [`EvaluatePanel::ui`] calls it each frame.
    pub fn poll(&mut self) {
        let Some(job) = &mut self.job else {
            return;
        };
        match job.poll() {
            Poll::Pending => {}
            Poll::Done((report, judge_note)) => {
                self.job = None;
                self.report = Some(report);
                self.judge_note = judge_note;
            }
            Poll::Lost => {
                self.job = None;
                self.error = Some("The evaluation stopped unexpectedly.".to_string());
            }
        }
    }

    /// Draws the panel.
    pub fn ui(&mut self, ui: &mut Ui) {
        self.poll();
        ui.heading("Evaluate");
        ui.label(
            "How close are the generated melodies to the data set? Each measure is computed \
             for every melody and the two groups are compared.",
        );
        if self.job.is_some() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(format!(
                    "Comparing {} generated melodies with {} from the data set…",
                    self.running_sizes.0, self.running_sizes.1
                ));
            });
        }
        if let Some(error) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
        let Some(report) = &self.report else {
            if self.job.is_none() {
                ui.label("No evaluation yet: generate some melodies, then evaluate them.");
            }
            return;
        };
        let mut feature = self.feature;
        let mut curves = self.curves;
        let judge_note = self.judge_note.as_deref();
        egui::ScrollArea::vertical()
            .id_salt("evaluate-scroll")
            .show(ui, |ui| {
                judge_ui(ui, report.judge.as_ref(), judge_note);
                if let Some(copy) = &report.copy {
                    copy_ui(ui, copy);
                }
                ui.separator();
                summary_ui(ui, report);
                ui.separator();
                transitions_ui(ui, report);
                ui.separator();
                pitch_histogram_ui(ui, report);
                ui.separator();
                curves_ui(ui, report, &mut feature, &mut curves);
                ui.separator();
                features_table_ui(ui, report);
            });
        self.feature = feature;
        self.curves = curves;
    }
}

fn fmt(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_string(), |v| format!("{v:.3}"))
}

/// A share as a whole percentage ("63%").
fn percent(share: f64) -> String {
    format!("{:.0}%", 100.0 * share)
}

/// The judge in plain words.
fn judge_ui(ui: &mut Ui, judge: Option<&JudgeReport>, note: Option<&str>) {
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

/// The copy check in plain words.
fn copy_ui(ui: &mut Ui, copy: &CopyCheck) {
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

fn summary_ui(ui: &mut Ui, report: &Report) {
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

/// The colour of a heatmap cell holding `share` of the largest cell.
fn heat_color(background: Color32, share: f64) -> Color32 {
    let t = share.clamp(0.0, 1.0) as f32;
    let full = Color32::from_rgb(20, 70, 160);
    background.lerp_to_gamma(full, t)
}

/// One 12x12 heatmap drawn with the painter; a tooltip gives the hovered cell's share.
fn heatmap_ui(
    ui: &mut Ui,
    title: &str,
    matrix: &[f64],
    labels: &[&str; 12],
    scale: f64,
    side: f32,
) {
    ui.vertical(|ui| {
        ui.label(title);
        let margin = 34.0;
        let (rect, response) =
            ui.allocate_exact_size(vec2(side + margin, side + margin), Sense::hover());
        let painter = ui.painter_at(rect);
        let grid = Rect::from_min_size(rect.min + vec2(margin, 0.0), Vec2::splat(side));
        let cell = side / 12.0;
        let background = ui.visuals().extreme_bg_color;
        let scale = if scale > 0.0 { scale } else { 1.0 };
        for row in 0..12 {
            for col in 0..12 {
                let value = matrix.get(row * 12 + col).copied().unwrap_or(0.0);
                let min = grid.min + vec2(col as f32 * cell, row as f32 * cell);
                painter.rect_filled(
                    Rect::from_min_size(min, Vec2::splat(cell)),
                    0.0,
                    heat_color(background, value / scale),
                );
            }
        }
        painter.rect_stroke(
            grid,
            0.0,
            Stroke::new(1.0, ui.visuals().weak_text_color()),
            egui::StrokeKind::Outside,
        );
        let font = FontId::proportional(9.0);
        let text_color = ui.visuals().text_color();
        for (i, label) in labels.iter().enumerate() {
            let centre = (i as f32 + 0.5) * cell;
            painter.text(
                pos2(grid.min.x - 3.0, grid.min.y + centre),
                egui::Align2::RIGHT_CENTER,
                *label,
                font.clone(),
                text_color,
            );
            painter.text(
                pos2(grid.min.x + centre, grid.max.y + 3.0),
                egui::Align2::CENTER_TOP,
                *label,
                font.clone(),
                text_color,
            );
        }
        if let Some(pointer) = response.hover_pos()
            && grid.contains(pointer)
        {
            let col = (((pointer.x - grid.min.x) / cell) as usize).min(11);
            let row = (((pointer.y - grid.min.y) / cell) as usize).min(11);
            let value = matrix.get(row * 12 + col).copied().unwrap_or(0.0);
            response.on_hover_text_at_pointer(format!(
                "{} → {}: {:.1} % of steps",
                labels[row],
                labels[col],
                value * 100.0
            ));
        }
    });
}

fn transitions_ui(ui: &mut Ui, report: &Report) {
    let note_lengths: [&str; 12] = NoteLength::ALL.map(NoteLength::label);
    for (feature, labels, explanation) in [
        (
            Feature::PitchClassTransitions,
            &PITCH_CLASS_NAMES,
            "Which note follows which (row: from, column: to). Darker = more often.",
        ),
        (
            Feature::NoteLengthTransitions,
            &note_lengths,
            "Which note length follows which (1/4 = quarter, . = dotted, t = triplet).",
        ),
    ] {
        let Some(f) = report.feature(feature) else {
            continue;
        };
        ui.strong(feature.label());
        ui.label(explanation);
        let scale = f
            .generated_mean
            .iter()
            .chain(&f.reference_mean)
            .fold(0.0_f64, |m, v| m.max(*v));
        let side = ((ui.available_width() - 90.0) / 2.0).clamp(120.0, 260.0);
        ui.horizontal(|ui| {
            heatmap_ui(ui, "Data set", &f.reference_mean, labels, scale, side);
            ui.add_space(12.0);
            heatmap_ui(ui, "Generated", &f.generated_mean, labels, scale, side);
        });
    }
}

fn pitch_histogram_ui(ui: &mut Ui, report: &Report) {
    ui.strong("Pitch histogram");
    ui.label("How often each pitch is played (share of notes).");
    let used = |h: &[f64]| {
        let first = h.iter().position(|v| *v > 0.0);
        let last = h.iter().rposition(|v| *v > 0.0);
        first.zip(last)
    };
    let generated = &report.generated.pitch_histogram;
    let data = &report.reference.pitch_histogram;
    let (lo, hi) = match (used(generated), used(data)) {
        (Some((a, b)), Some((c, d))) => (a.min(c), b.max(d)),
        (Some(r), None) | (None, Some(r)) => r,
        (None, None) => (60, 72),
    };
    let bars = |h: &[f64], offset: f64| -> Vec<Bar> {
        (lo..=hi)
            .map(|p| Bar::new(p as f64 + offset, h.get(p).copied().unwrap_or(0.0)).width(0.4))
            .collect()
    };
    let name_of = |x: f64| {
        let p = x.round();
        if (0.0..=127.0).contains(&p) {
            crate::music::Pitch::new(p as u8).map_or_else(|_| String::new(), |p| p.to_string())
        } else {
            String::new()
        }
    };
    Plot::new("evaluate-pitch-histogram")
        .height(160.0)
        .legend(Legend::default())
        .allow_scroll(false)
        .x_axis_formatter(move |mark, _| name_of(mark.value))
        .show(ui, |plot| {
            plot.bar_chart(BarChart::new("data set", bars(data, -0.2)).color(DATASET_COLOR));
            plot.bar_chart(BarChart::new("generated", bars(generated, 0.2)).color(GENERATED_COLOR));
        });
}

fn curves_ui(ui: &mut Ui, report: &Report, feature: &mut Feature, kind: &mut CurveKind) {
    ui.strong("Density curves");
    ui.horizontal(|ui| {
        egui::ComboBox::new("evaluate-feature", "Measure")
            .selected_text(feature.label())
            .show_ui(ui, |ui| {
                for f in Feature::ALL {
                    ui.selectable_value(feature, f, f.label());
                }
            });
        ui.selectable_value(kind, CurveKind::Values, "Values");
        ui.selectable_value(kind, CurveKind::Distances, "Distances");
    });
    let Some(f) = report.feature(*feature) else {
        return;
    };
    let Some(curves) = &f.curves else {
        ui.label("Curves are only available for an evaluation run in this session.");
        return;
    };
    let values = *kind == CurveKind::Values && f.feature.is_scalar();
    if *kind == CurveKind::Values && !values {
        ui.label("This measure is a table of numbers; its distances are shown instead.");
    }
    ui.label(if values {
        "How the measure is spread over the melodies: the closer the curves, the better."
    } else {
        "How far apart melodies are: generated-to-data-set distances should look like the \
         distances within the data set; if generated melodies are all alike (mode collapse) \
         their own curve sits at 0."
    });
    let line = |name: &str, grid: &[f64], y: &[f64], color: Color32| {
        let points: Vec<[f64; 2]> = grid.iter().zip(y).map(|(x, y)| [*x, *y]).collect();
        Line::new(name.to_string(), points).color(color).width(2.0)
    };
    Plot::new("evaluate-curves")
        .height(200.0)
        .legend(Legend::default())
        .allow_scroll(false)
        .x_axis_label(if values {
            f.feature.label()
        } else {
            "distance"
        })
        .show(ui, |plot| {
            if values {
                if !curves.value_reference.is_empty() {
                    plot.line(line(
                        "data set",
                        &curves.value_grid,
                        &curves.value_reference,
                        DATASET_COLOR,
                    ));
                }
                if !curves.value_generated.is_empty() {
                    plot.line(line(
                        "generated",
                        &curves.value_grid,
                        &curves.value_generated,
                        GENERATED_COLOR,
                    ));
                }
            } else {
                let grid = &curves.distance_grid;
                for (name, y, color) in [
                    ("within data set", &curves.intra_reference, DATASET_COLOR),
                    ("within generated", &curves.intra_generated, GENERATED_COLOR),
                    ("generated to data set", &curves.inter, INTER_COLOR),
                ] {
                    if !y.is_empty() {
                        plot.line(line(name, grid, y, color));
                    }
                }
            }
        });
}

fn features_table_ui(ui: &mut Ui, report: &Report) {
    egui::CollapsingHeader::new("All measures")
        .id_salt("evaluate-all")
        .show(ui, |ui| {
            egui::Grid::new("evaluate-features")
                .striped(true)
                .num_columns(5)
                .show(ui, |ui| {
                    for h in ["Measure", "Generated", "Data set", "Overlap", "KL"] {
                        ui.strong(h);
                    }
                    ui.end_row();
                    for f in &report.features {
                        ui.label(f.feature.label());
                        if f.feature.is_scalar() {
                            ui.monospace(fmt(f.generated_mean.first().copied()));
                            ui.monospace(fmt(f.reference_mean.first().copied()));
                        } else {
                            ui.label("");
                            ui.label("");
                        }
                        ui.monospace(fmt(f.overlap));
                        ui.monospace(fmt(f.kl));
                        ui.end_row();
                    }
                });
        });
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::time::{Duration, Instant};

    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

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
            .build_ui_state(|ui, panel: &mut EvaluatePanel| panel.ui(ui), panel);
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
                |ui, panel: &mut EvaluatePanel| panel.ui(ui),
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
                |ui, panel: &mut EvaluatePanel| panel.ui(ui),
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
}
