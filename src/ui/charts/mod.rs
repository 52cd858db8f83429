//! The series behind the training charts ([`series`], [`diversity`]), and how they are drawn
//! (here).
//!
//! Pure logic first (tested without a window):
//! - [`Ema`] / [`SmoothedSeries`]: debiased exponential smoothing as TensorBoard does it:
//!   `ema_t = a * ema_(t-1) + (1 - a) * x_t` from `ema_0 = 0`, shown as `ema_t / (1 - a^t)`,
//!   where `t` counts the finite values seen so far. The weight `a` is capped at
//!   [`MAX_SMOOTHING`] (at 1.0 the curve would never move).
//! - Non-finite values (NaN, +inf, -inf): a loss that blew up is shown, not hidden. Such a
//!   value is kept in the raw series, leaves the EMA untouched (it neither counts nor moves
//!   it), and its smoothed value is the raw one, so both lines show a **gap** at that step:
//!   [`finite_segments`] splits a series into runs of finite points, each drawn as its own
//!   line.
//! - [`decimate`]: long runs are thinned before drawing so a frame stays cheap with 100,000
//!   points: the series is cut into equal buckets and each bucket keeps its smallest and
//!   largest value (in step order), so spikes survive; a non-finite value inside a bucket is
//!   kept as a gap marker, so gaps survive too.
//! - [`distinct_ngram_ratio`] and [`collapse_check`]: the mode-collapse warning's figures.

mod diversity;
mod series;

use egui::Color32;
use egui_plot::{Line, PlotPoints, PlotUi};

pub use diversity::{Diversity, collapse_check};
pub use series::{DEFAULT_SMOOTHING, DRAW_BUCKETS, SmoothedSeries, finite_segments};

/// Draws a (thinned) series as lines split at its gaps. All pieces share one legend entry
/// (`name`) and one colour.
pub fn draw_series(
    plot: &mut PlotUi<'_>,
    name: &str,
    color: Color32,
    width: f32,
    points: &[[f64; 2]],
) {
    for (i, run) in finite_segments(points).into_iter().enumerate() {
        plot.line(
            Line::new(name, PlotPoints::new(run.to_vec()))
                .id((name, i))
                .color(color)
                .width(width),
        );
    }
}

/// A titled chart of the Train panel: 130 points high, a legend, steps along x from 0, no
/// scroll zoom (the panel scrolls); `draw` adds the series.
///
/// x always includes 0: with one point and a y span of a rounding error, egui_plot 0.38
/// widens the x span to the y span and its bounds check fails (a debug assertion, seen when
/// the first training step's figures arrive).
pub fn titled_plot_ui(
    ui: &mut egui::Ui,
    title: &str,
    id: &str,
    draw: impl FnOnce(&mut PlotUi<'_>),
) {
    ui.label(egui::RichText::new(title).strong());
    egui_plot::Plot::new(id)
        .height(130.0)
        .legend(egui_plot::Legend::default())
        .x_axis_label("step")
        .include_x(0.0)
        .allow_scroll(false)
        .show(ui, draw);
}

/// A dashed grey horizontal reference line named in the legend.
pub fn reference_line(plot: &mut PlotUi<'_>, name: &str, y: f64) {
    plot.hline(
        egui_plot::HLine::new(name, y)
            .color(Color32::from_gray(120))
            .style(egui_plot::LineStyle::dashed_loose()),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One step whose smoothed and raw values differ by a rounding error (the first step of
    /// a run): the chart draws without egui_plot's bounds assertion.
    #[test]
    fn a_chart_of_one_step_with_a_tiny_y_span_draws() {
        let mut harness = egui_kittest::Harness::builder()
            .with_size([400.0, 300.0])
            .build_ui(|ui| {
                titled_plot_ui(ui, "Loss", "one-step", |plot| {
                    draw_series(plot, "raw", Color32::RED, 1.0, &[[1.0, 0.005859375]]);
                    draw_series(
                        plot,
                        "smoothed",
                        Color32::BLUE,
                        2.0,
                        &[[1.0, 0.005_859_375_000_000_001]],
                    );
                });
            });
        harness.run();
    }
}
