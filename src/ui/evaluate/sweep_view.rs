//! The temperature sweep's widgets: which models, how many tunes, the button, the progress,
//! then the quality-diversity charts (one curve per model, each dot labelled by its
//! temperature), the copy figures and the plain-words guide.
//!
//! How values are drawn: a point without a diversity (no tune had 4 notes) or without a mean
//! overlap is left out of that chart; with several seeds, each dot is their mean and a thin
//! vertical bar their spread.

use egui::{Color32, RichText, Ui};
use egui_plot::{HLine, Legend, Line, LineStyle, Plot, PlotPoint, PlotUi, Points, Text, VLine};

use super::sweep::{SweepResult, SweepState};
use crate::quality::sweep::Curve;
use crate::ui::panel::ModelOffer;

/// The curves' colours, in model order.
const COLORS: [Color32; 4] = [
    Color32::from_rgb(60, 130, 210),
    Color32::from_rgb(214, 96, 40),
    Color32::from_rgb(60, 170, 90),
    Color32::from_rgb(150, 90, 200),
];

/// The guide to the charts, for a beginner.
pub(super) const SWEEP_GUIDE: &str = "Each model wrote tunes from nothing at several \
     temperatures (the number beside each dot). Low temperatures give safe, repetitive tunes; \
     high ones varied but wandering ones, so a model is a whole curve, not one dot. Across: \
     how varied the tunes are (the share of 4-note figures that are not repeats). Up: how \
     often a judge that never saw them told them from real folk tunes (50% means it cannot \
     tell). Lower and further right is better: the model whose curve lies below the other's \
     writes more convincing tunes at the same variety. A model that wins by copying does not \
     win: check the copy figures below the charts.";

/// The settings, the button and the progress line; returns the models to compare when the
/// button was pressed.
pub(super) fn controls_ui(
    ui: &mut Ui,
    state: &mut SweepState,
    offers: &[ModelOffer],
    has_dataset: bool,
) -> Option<Vec<ModelOffer>> {
    ui.strong("Compare models on a temperature sweep");
    if offers.is_empty() {
        ui.label("No model to compare yet.");
        return None;
    }
    ui.horizontal_wrapped(|ui| {
        for offer in offers {
            let mut on = !state.left_out.contains(&offer.kind);
            if ui
                .checkbox(&mut on, offer.kind.name())
                .on_hover_text(&offer.label)
                .changed()
            {
                state.left_out.retain(|k| *k != offer.kind);
                if !on {
                    state.left_out.push(offer.kind);
                }
            }
        }
    });
    ui.horizontal(|ui| {
        let label = ui.label("Tunes per temperature");
        ui.add(egui::Slider::new(&mut state.plan.like.tunes, 16..=224).step_by(16.0))
            .labelled_by(label.id)
            .on_hover_text("More tunes: a steadier judge, a slower sweep");
    });
    ui.horizontal(|ui| {
        let label = ui.label("Seeds");
        let mut seeds = state.plan.options.seeds.len();
        ui.add(egui::Slider::new(&mut seeds, 1..=3))
            .labelled_by(label.id)
            .on_hover_text(
                "Each temperature is measured once per seed; the bars show how much the \
                 judge's figure moves from one set of tunes to the next",
            );
        state.plan.options.seeds = (0..seeds as u64).collect();
    });
    let chosen: Vec<ModelOffer> = offers
        .iter()
        .filter(|o| !state.left_out.contains(&o.kind))
        .cloned()
        .collect();
    let mut start = None;
    ui.horizontal(|ui| {
        let ready = !state.is_running() && has_dataset && !chosen.is_empty();
        if ui
            .add_enabled(ready, egui::Button::new("Compare on a temperature sweep"))
            .on_hover_text(
                "Each model writes tunes from nothing at temperatures 0.6 to 1.4; each set is \
                 judged against the held-out tunes of the data set",
            )
            .on_disabled_hover_text("needs a loaded data set and at least one model")
            .clicked()
        {
            start = Some(chosen.clone());
        }
        if let Some((done, total)) = state.progress() {
            ui.spinner();
            ui.label(format!("{done} of {total} measured…"));
            if ui.button("Cancel").clicked() {
                state.cancel();
            }
        }
    });
    start
}

/// The charts, the copy figures and the guide of a finished sweep.
pub(super) fn result_ui(ui: &mut Ui, result: &SweepResult) {
    ui.strong("Quality against diversity");
    ui.label(SWEEP_GUIDE);
    if result.cancelled {
        ui.label(RichText::new("Cancelled: the curves show what was measured.").weak());
    }
    ui.label(
        RichText::new(format!(
            "{} tunes per temperature and seed, at most {} bars, judged against {} held-out \
             tunes.",
            result.plan.like.tunes, result.plan.like.bars, result.held_out
        ))
        .small(),
    );
    sweep_plot_ui(
        ui,
        "sweep-judge",
        "judge's accuracy (%), lower is better",
        result,
        |p| Some(100.0 * p.judge_accuracy),
        |p| Some((100.0 * p.judge_spread.0, 100.0 * p.judge_spread.1)),
        |plot| {
            plot.hline(
                HLine::new("cannot tell (50%)", 50.0)
                    .color(Color32::from_gray(120))
                    .style(LineStyle::dashed_loose()),
            );
        },
    );
    ui.label(
        RichText::new(
            "Mean overlap: how much the tunes' measures (pitch range, intervals, rhythm…) \
             overlap with the real tunes' (1 = the same). Higher and further right is better.",
        )
        .small(),
    );
    sweep_plot_ui(
        ui,
        "sweep-overlap",
        "mean overlap, higher is better",
        result,
        |p| p.mean_overlap,
        |_| None,
        |_| {},
    );
    copy_ui(ui, &result.curves);
}

/// One chart: y against diversity, one curve per model, dots labelled by temperature, the
/// real tunes' diversity as a dashed vertical line.
fn sweep_plot_ui(
    ui: &mut Ui,
    id: &str,
    y_label: &str,
    result: &SweepResult,
    y: impl Fn(&crate::quality::sweep::CurvePoint) -> Option<f64>,
    spread: impl Fn(&crate::quality::sweep::CurvePoint) -> Option<(f64, f64)>,
    extra: impl FnOnce(&mut PlotUi<'_>),
) {
    Plot::new(id)
        .height(220.0)
        .legend(Legend::default())
        .x_axis_label("diversity (distinct 4-note figures)")
        .y_axis_label(y_label)
        .allow_scroll(false)
        .show(ui, |plot| {
            extra(plot);
            if let Some(x) = result.real_diversity {
                plot.vline(
                    VLine::new("real tunes' diversity", x)
                        .color(Color32::from_gray(120))
                        .style(LineStyle::dashed_loose()),
                );
            }
            for (i, curve) in result.curves.iter().enumerate() {
                let color = COLORS[i % COLORS.len()];
                let name = curve.model.as_str();
                let xy: Vec<(f32, [f64; 2])> = curve
                    .points
                    .iter()
                    .filter_map(|p| Some((p.temperature, [p.diversity?, y(p)?])))
                    .collect();
                let line: Vec<[f64; 2]> = xy.iter().map(|(_, p)| *p).collect();
                plot.line(
                    Line::new(name, line.clone())
                        .id((name, "curve"))
                        .color(color)
                        .width(2.0),
                );
                plot.points(
                    Points::new(name, line)
                        .id((name, "dots"))
                        .color(color)
                        .radius(3.5),
                );
                for (t, [px, py]) in &xy {
                    plot.text(
                        Text::new(name, PlotPoint::new(*px, *py), format!("{t:.1}"))
                            .id((name, "temperature", t.to_bits()))
                            .color(color)
                            .anchor(egui::Align2::LEFT_BOTTOM),
                    );
                }
                for p in curve.points.iter().filter(|p| p.seeds > 1) {
                    if let (Some(x), Some((low, high))) = (p.diversity, spread(p)) {
                        plot.line(
                            Line::new(name, vec![[x, low], [x, high]])
                                .id((name, "spread", p.temperature.to_bits()))
                                .color(color.gamma_multiply(0.6))
                                .width(1.0),
                        );
                    }
                }
            }
        });
}

/// The copy figures of every model and temperature.
fn copy_ui(ui: &mut Ui, curves: &[Curve]) {
    ui.strong("Copied from training tunes?");
    ui.label(
        RichText::new(format!(
            "A tune is flagged when it copies {} notes or more in a row from one training tune \
             (any key). Real folk tunes share short formulas, rarely whole phrases.",
            crate::eval::FLAG_RUN
        ))
        .small(),
    );
    egui::Grid::new("sweep-copy")
        .striped(true)
        .num_columns(4)
        .show(ui, |ui| {
            ui.strong("model");
            ui.strong("temperature");
            ui.strong("tunes flagged");
            ui.strong("longest copied run");
            ui.end_row();
            for curve in curves {
                for p in &curve.points {
                    ui.label(&curve.model);
                    ui.label(format!("{:.1}", p.temperature));
                    ui.label(format!("{} of {}", p.copy_flagged, p.tunes));
                    ui.label(format!("{} notes", p.copy_longest_run));
                    ui.end_row();
                }
            }
        });
}
