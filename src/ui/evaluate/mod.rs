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
//!
//! Above the report, the temperature sweep ([`sweep`], drawn by [`sweep_view`]) compares the
//! studio's models (the built-in one, a training run's best and latest) on the
//! quality-diversity curve, as `gan-studio eval --sweep` does.

mod plots;
mod sweep;
mod sweep_view;
mod words;

pub use sweep::{SweepPlan, SweepResult};

use std::sync::Arc;

use egui::Ui;

use crate::eval::{
    CompareOptions, CopyCheck, CopyIndex, Feature, JudgeConfig, MelodyFeatures, Report,
    TellingFeature, evaluate, telling_features, two_sample_test_on,
};
use crate::generate::TokenModel;
use crate::music::Piece;
use crate::quality::{ContinuationSets, HeldOut, continuation_sets};

use super::job::{Job, Poll};
use super::panel::{Panel, PanelContext};
use plots::CurveKind;

/// How many of the most telling measures the panel names.
const TELLING_SHOWN: usize = 3;

/// What the background evaluation hands back.
struct Evaluated {
    report: Report,
    /// Why the judge could not run, if it could not.
    judge_note: Option<String>,
    /// The most telling measures, best first.
    telling: Vec<TellingFeature>,
}

/// How many held-out melodies the panel's button continues and compares.
const EVALUATION_MELODIES: usize = 100;

/// The Evaluate panel's state.
pub struct EvaluatePanel {
    report: Option<Report>,
    job: Option<Job<Evaluated>>,
    /// Pieces in the running job (generated, data set), for the progress line.
    running_sizes: (usize, usize),
    /// Why the judge could not run on the report shown (too few melodies), if it could not.
    judge_note: Option<String>,
    /// The measures that alone best tell the generated melodies from the data set's.
    telling: Vec<TellingFeature>,
    /// The melodies being made for the next comparison.
    sets: Option<Job<ContinuationSets>>,
    feature: Feature,
    curves: CurveKind,
    /// The temperature sweep.
    sweep: sweep::SweepState,
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
            telling: Vec::new(),
            sets: None,
            feature: Feature::PitchRange,
            curves: CurveKind::Values,
            sweep: sweep::SweepState::default(),
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
            // The features once, for the judge and for what tells the sets apart.
            let generated_features = MelodyFeatures::of(&generated, config.bars);
            let dataset_features = MelodyFeatures::of(&dataset, config.bars);
            let judge_note =
                match two_sample_test_on(&generated_features, &dataset_features, &config) {
                    Ok(judge) => {
                        report.judge = Some(judge);
                        None
                    }
                    Err(e) => Some(e.to_string()),
                };
            let mut telling = telling_features(&generated_features, &dataset_features);
            telling.truncate(TELLING_SHOWN);
            if !training.is_empty() {
                let index = CopyIndex::new(&training);
                report.copy = Some(CopyCheck {
                    training: "training melodies".to_string(),
                    training_tunes: index.tunes(),
                    generated: index.check(&generated),
                    reference: Some(index.check(&dataset)),
                });
            }
            Evaluated {
                report,
                judge_note,
                telling,
            }
        }));
    }

    /// Shows a report computed elsewhere (e.g. by the training worker) and cancels a running
    /// computation.
    pub fn set_report(&mut self, report: Report) {
        self.job = None;
        self.judge_note = None;
        self.telling.clear();
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
            Poll::Done(done) => {
                self.job = None;
                self.report = Some(done.report);
                self.judge_note = done.judge_note;
                self.telling = done.telling;
                None
            }
            Poll::Lost => {
                self.job = None;
                Some("The evaluation stopped unexpectedly.".to_string())
            }
        }
    }

    /// Starts a temperature sweep of `models` (name, model) against the held-out tunes
    /// `held` on a background job (a running sweep is cancelled). `ctx` gets a repaint after
    /// every point measured.
    pub fn start_sweep(
        &mut self,
        ctx: &egui::Context,
        held: HeldOut,
        models: Vec<(String, Arc<TokenModel>)>,
        plan: SweepPlan,
    ) {
        self.sweep.start(ctx, move || Ok(held), models, plan);
    }

    /// Whether a temperature sweep is running.
    pub fn is_sweeping(&self) -> bool {
        self.sweep.is_running()
    }

    /// Asks a running sweep to stop after the point under way.
    pub fn cancel_sweep(&mut self) {
        self.sweep.cancel();
    }

    /// The last sweep's result, if any.
    pub fn sweep_result(&self) -> Option<&SweepResult> {
        self.sweep.result.as_ref()
    }

    /// Takes the sweep's result if its job is done; the error to tell when it failed.
    #[must_use]
    pub fn poll_sweep(&mut self) -> Option<String> {
        self.sweep.poll()
    }

    /// The sweep's settings and button, then its charts once there is a result.
    pub fn sweep_ui(&mut self, ui: &mut Ui, cx: &mut PanelContext<'_>) {
        let chosen = sweep_view::controls_ui(ui, &mut self.sweep, &cx.models, cx.dataset.is_some());
        if let Some(chosen) = chosen {
            match cx.dataset.clone() {
                Some(dataset) => {
                    let models = chosen
                        .into_iter()
                        .map(|o| (o.kind.name().to_owned(), o.model))
                        .collect();
                    let plan = self.sweep.plan.clone();
                    self.sweep.start_on_dataset(cx.egui, dataset, models, plan);
                }
                None => cx.notify.info("the sweep needs a loaded data set"),
            }
        }
        self.sweep_result_ui(ui);
    }

    /// The last sweep's charts (nothing before the first sweep).
    pub fn sweep_result_ui(&self, ui: &mut Ui) {
        if let Some(result) = &self.sweep.result {
            sweep_view::result_ui(ui, result);
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

    /// Draws the report (or says there is none yet) in its own scroll area.
    pub fn report_ui(&mut self, ui: &mut Ui) {
        ui.heading("Evaluate");
        egui::ScrollArea::vertical()
            .id_salt("evaluate-scroll")
            .show(ui, |ui| self.report_contents_ui(ui));
    }

    /// Draws the report (or says there is none yet).
    fn report_contents_ui(&mut self, ui: &mut Ui) {
        ui.strong("Continuations of held-out melodies");
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
        words::judge_ui(ui, report.judge.as_ref(), judge_note);
        if report.judge.is_some() {
            words::telling_ui(ui, &self.telling);
        }
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
        if let Some(error) = self.poll_sweep() {
            cx.notify.error(error);
        }
    }

    fn panel_ui(&mut self, ui: &mut Ui, cx: &mut PanelContext<'_>) {
        ui.heading("Evaluate");
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
        egui::ScrollArea::vertical()
            .id_salt("evaluate-scroll")
            .show(ui, |ui| {
                self.sweep_ui(ui, cx);
                ui.separator();
                self.report_contents_ui(ui);
            });
    }
}

#[cfg(test)]
mod tests;
