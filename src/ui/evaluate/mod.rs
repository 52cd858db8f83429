//! The Evaluate panel: how generated melodies compare with the data set, by the metric suite
//! of [`crate::eval`]. The judge (can a classifier that never saw these melodies tell them
//! from the data set?) and the copy check in plain words, then transition heatmaps side by
//! side, the pitch histogram, density curves per feature and a summary table. The report is
//! computed on a worker thread; the panel never blocks the UI.
//!
//! How values are shown: heatmap colours are scaled by the largest cell of the two matrices,
//! so equal colours mean equal shares on both sides; a metric that could not be computed (too
//! few pieces) shows as "–".
//!
//! This file holds the state, the background work and the panel's frame; [`words`] puts the
//! judge, the copy check and the summary in words, [`plots`] draws the heatmaps and curves.
//! The melodies compared come from [`crate::quality::continuation_sets`].

mod plots;
mod words;

use egui::Ui;

use crate::eval::{
    CompareOptions, CopyCheck, CopyIndex, Feature, JudgeConfig, Report, evaluate, two_sample_test,
};
use crate::music::Piece;
use crate::quality::{ContinuationSets, continuation_sets};

use super::job::{Job, Poll};
use super::panel::{Panel, PanelContext};
use plots::CurveKind;

/// How many held-out melodies the panel's button continues and compares.
const EVALUATION_MELODIES: usize = 100;

/// The Evaluate panel's state.
pub struct EvaluatePanel {
    report: Option<Report>,
    job: Option<Job<(Report, Option<String>)>>,
    /// Pieces in the running job (generated, data set), for the progress line.
    running_sizes: (usize, usize),
    /// Why the judge could not run on the report shown (too few melodies), if it could not.
    judge_note: Option<String>,
    /// The melodies being made for the next comparison.
    sets: Option<Job<ContinuationSets>>,
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
            sets: None,
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

    /// Whether melodies are being made or compared.
    pub fn is_busy(&self) -> bool {
        self.sets.is_some() || self.job.is_some()
    }

    /// Takes the report if the worker is done; the error to tell when the worker was lost.
    #[must_use]
    pub fn poll_report(&mut self) -> Option<String> {
        let job = self.job.as_mut()?;
        match job.poll() {
            Poll::Pending => None,
            Poll::Done((report, judge_note)) => {
                self.job = None;
                self.report = Some(report);
                self.judge_note = judge_note;
                None
            }
            Poll::Lost => {
                self.job = None;
                Some("The evaluation stopped unexpectedly.".to_string())
            }
        }
    }

    /// Continues the first bar of up to 100 held-out melodies of `cx.dataset` with
    /// `cx.model` in the background, then compares them with the real melodies.
    pub fn start_evaluation(&mut self, cx: &mut PanelContext<'_>) {
        let (Some(model), Some(dataset)) = (cx.model.clone(), cx.dataset.clone()) else {
            cx.notify
                .info("the evaluation needs a model and a loaded data set");
            return;
        };
        self.sets = Some(Job::spawn(cx.egui, "evaluation-set", move || {
            continuation_sets(&model, &dataset, EVALUATION_MELODIES)
        }));
    }

    fn poll_sets(&mut self, cx: &mut PanelContext<'_>) {
        let Some(job) = &mut self.sets else {
            return;
        };
        match job.poll() {
            Poll::Pending => {}
            Poll::Done(sets) => {
                self.sets = None;
                if sets.generated.is_empty() {
                    cx.notify
                        .info("no melodies could be generated for the evaluation");
                } else {
                    self.start_with(
                        cx.egui,
                        sets.generated,
                        sets.reference,
                        sets.training,
                        CompareOptions::default(),
                    );
                }
            }
            Poll::Lost => {
                self.sets = None;
                cx.notify.error("the evaluation thread stopped");
            }
        }
    }

    /// Draws the report (or says there is none yet).
    pub fn report_ui(&mut self, ui: &mut Ui) {
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
                words::judge_ui(ui, report.judge.as_ref(), judge_note);
                if let Some(copy) = &report.copy {
                    words::copy_ui(ui, copy);
                }
                ui.separator();
                words::summary_ui(ui, report);
                ui.separator();
                plots::transitions_ui(ui, report);
                ui.separator();
                plots::pitch_histogram_ui(ui, report);
                ui.separator();
                plots::curves_ui(ui, report, &mut feature, &mut curves);
                ui.separator();
                plots::features_table_ui(ui, report);
            });
        self.feature = feature;
        self.curves = curves;
    }
}

impl Panel for EvaluatePanel {
    fn poll(&mut self, cx: &mut PanelContext<'_>) {
        self.poll_sets(cx);
        if let Some(error) = self.poll_report() {
            cx.notify.error(error);
        }
    }

    fn panel_ui(&mut self, ui: &mut Ui, cx: &mut PanelContext<'_>) {
        ui.horizontal_wrapped(|ui| {
            let busy = self.is_busy();
            if ui
                .add_enabled(
                    !busy,
                    egui::Button::new("Generate 100 melodies and compare"),
                )
                .on_hover_text(
                    "Continue the first bar of up to 100 held-out melodies of the data set \
                     with the current model, then compare the results with the real melodies",
                )
                .clicked()
            {
                self.start_evaluation(cx);
            }
            if busy {
                ui.spinner();
            }
        });
        self.report_ui(ui);
    }
}

#[cfg(test)]
mod tests;
