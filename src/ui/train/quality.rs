//! The Train panel's "could a judge tell?" charts: after every epoch of a whole-tune run, the
//! worker writes tunes from nothing and judges them against the held-out tunes
//! ([`crate::quality::Judge`]); these charts draw the judge's accuracy and, right under it,
//! how much the tunes copy from training tunes, each with the MLE starting point (the last
//! epoch judged before the adversarial phase) as a reference line, then the music figures of
//! the epoch's tunes against the real tunes'. A sentence says whether the GAN phase has made
//! the tunes better or worse than the MLE model's by the judge.

use egui::{Color32, RichText};

use crate::quality::{RealFigures, TuneQuality};
use crate::ui::charts::{self, reference_line, titled_plot_ui};

/// The judged epochs of a run (x = step).
#[derive(Default)]
pub struct QualityHistory {
    judge: Vec<[f64; 2]>,
    linear: Vec<[f64; 2]>,
    range: Vec<[f64; 2]>,
    density: Vec<[f64; 2]>,
    length: Vec<[f64; 2]>,
    phrase: Vec<[f64; 2]>,
    copy_share: Vec<[f64; 2]>,
    /// Share of the epoch's tunes flagged for copying, in %.
    flagged: Vec<[f64; 2]>,
    /// The last epoch judged, with its figures.
    last: Option<(u64, TuneQuality)>,
    /// The real tunes' figures.
    reference: Option<RealFigures>,
    /// The last epoch judged before the adversarial phase began (the MLE model), if it did.
    mle: Option<MleStart>,
}

/// The MLE starting point of the adversarial phase: the figures of the last epoch judged
/// before it (in %).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MleStart {
    /// The step of that epoch.
    pub step: f64,
    /// The judge's accuracy.
    pub accuracy: f64,
    /// 8-note patterns found in a training tune (NaN when unknown).
    pub copy_share: f64,
    /// Tunes flagged for copying.
    pub flagged: f64,
}

/// `value / reference` (NaN, drawn as a gap, when either is missing or the reference is 0).
fn ratio(value: Option<f64>, reference: Option<f64>) -> f64 {
    match (value, reference) {
        (Some(v), Some(r)) if r != 0.0 => v / r,
        _ => f64::NAN,
    }
}

impl QualityHistory {
    /// Adds one judged epoch.
    pub fn push(&mut self, epoch: u64, step: u64, quality: TuneQuality, reference: RealFigures) {
        let x = step as f64;
        self.judge.push([x, 100.0 * quality.judge_accuracy]);
        self.linear.push([x, 100.0 * quality.judge_linear_accuracy]);
        let shape = &quality.shape;
        let real = &reference.shape;
        self.range
            .push([x, ratio(Some(shape.pitch_range), Some(real.pitch_range))]);
        self.density.push([
            x,
            ratio(Some(shape.notes_per_bar), Some(real.notes_per_bar)),
        ]);
        self.length
            .push([x, ratio(Some(shape.bars), Some(real.bars))]);
        self.phrase.push([
            x,
            ratio(quality.phrase_repetition, reference.phrase_repetition),
        ]);
        self.copy_share.push([
            x,
            quality.copy_pattern_share.map_or(f64::NAN, |s| 100.0 * s),
        ]);
        let flagged = if quality.tunes == 0 {
            f64::NAN
        } else {
            100.0 * quality.copy_flagged as f64 / quality.tunes as f64
        };
        self.flagged.push([x, flagged]);
        self.last = Some((epoch, quality));
        self.reference = Some(reference);
    }

    /// Marks where the adversarial phase began: the last judged epoch is the MLE model's
    /// (the starting point), drawn as reference lines from then on. Only the first call
    /// counts; nothing happens before an epoch was judged.
    pub fn mark_adversarial_start(&mut self) {
        if self.mle.is_none()
            && let (Some(judge), Some(share), Some(flagged)) = (
                self.judge.last(),
                self.copy_share.last(),
                self.flagged.last(),
            )
        {
            self.mle = Some(MleStart {
                step: judge[0],
                accuracy: judge[1],
                copy_share: share[1],
                flagged: flagged[1],
            });
        }
    }

    /// The MLE starting point, once the adversarial phase began after a judged epoch.
    pub fn mle_start(&self) -> Option<MleStart> {
        self.mle
    }

    /// The last epoch judged.
    pub fn last(&self) -> Option<&(u64, TuneQuality)> {
        self.last.as_ref()
    }
}

/// The judge's verdict on the last epoch in plain words.
pub fn verdict(epoch: u64, quality: &TuneQuality) -> String {
    format!(
        "Epoch {epoch}: a judge that never saw these tunes told the model's tunes from real \
         folk tunes {:.0}% of the time (50% means it cannot tell them apart).",
        100.0 * quality.judge_accuracy
    )
}

/// Whether the adversarial phase has helped so far, in plain words: the last epoch's
/// judge against the MLE starting point (`None` before the phase began, or when the last
/// epoch judged is the starting point itself). Differences within 2 points count as
/// unchanged.
pub fn gan_verdict(mle: MleStart, history: &QualityHistory) -> Option<String> {
    let (_, last) = history.last()?;
    if history.judge.last().is_none_or(|p| p[0] <= mle.step) {
        return None;
    }
    let now = 100.0 * last.judge_accuracy;
    let trend = if now < mle.accuracy - 2.0 {
        "the GAN is helping: its tunes are harder to tell from real ones than the MLE model's"
    } else if now > mle.accuracy + 2.0 {
        "the GAN is making the tunes worse: they are easier to tell from real ones than the \
         MLE model's"
    } else {
        "no clear change from the MLE model yet"
    };
    let copying = if last.copy_flagged > 0 {
        format!(
            " But {} of its {} tunes copy {} notes or more from a training tune: a judge fooled \
             by copies is no win.",
            last.copy_flagged,
            last.tunes,
            crate::eval::FLAG_RUN
        )
    } else {
        String::new()
    };
    Some(format!(
        "Since the adversarial phase began: judge {:.0}% now against {:.0}% for the MLE model; \
         {trend}.{copying}",
        now, mle.accuracy
    ))
}

/// Draws the judge, copy and music charts (nothing before the first judged epoch).
pub fn quality_charts_ui(ui: &mut egui::Ui, history: &QualityHistory) {
    let Some((epoch, last)) = history.last() else {
        return;
    };
    ui.label(RichText::new(verdict(*epoch, last)).strong());
    let orange = Color32::from_rgb(230, 140, 40);
    let purple = Color32::from_rgb(140, 90, 200);
    let blue = Color32::from_rgb(70, 130, 230);
    let green = Color32::from_rgb(60, 170, 90);
    let red = Color32::from_rgb(220, 80, 60);
    let mle = history.mle_start();
    if let Some(text) = mle.and_then(|m| gan_verdict(m, history)) {
        ui.label(text);
    }
    titled_plot_ui(
        ui,
        "Could a judge tell? (accuracy, %)",
        "train-chart-judge",
        |plot| {
            reference_line(plot, "cannot tell (50%)", 50.0);
            if let Some(m) = mle {
                mle_line(plot, "the MLE model (start of the GAN phase)", m.accuracy);
            }
            charts::draw_series(plot, "judge (boosted trees)", orange, 2.0, &history.judge);
            charts::draw_series(plot, "judge (linear)", purple, 1.0, &history.linear);
        },
    );
    copy_chart_ui(ui, history);
    titled_plot_ui(
        ui,
        "Music figures, the model's tunes / the real tunes' (1 = alike)",
        "train-chart-music",
        |plot| {
            reference_line(plot, "like the real tunes (1)", 1.0);
            charts::draw_series(plot, "pitch range", blue, 2.0, &history.range);
            charts::draw_series(plot, "notes per bar", green, 2.0, &history.density);
            charts::draw_series(plot, "length in bars", purple, 1.5, &history.length);
            charts::draw_series(plot, "phrase repetition", red, 1.5, &history.phrase);
        },
    );
}

/// A dotted reference line for the MLE starting point (NaN: not drawn).
fn mle_line(plot: &mut egui_plot::PlotUi<'_>, name: &str, y: f64) {
    if y.is_finite() {
        plot.hline(
            egui_plot::HLine::new(name, y)
                .color(Color32::from_rgb(60, 170, 90))
                .style(egui_plot::LineStyle::dotted_loose()),
        );
    }
}

/// The copy chart, right under the judge's: 8-note patterns found in a training tune and
/// tunes flagged for copying, against the real tunes and the MLE starting point; the last
/// epoch's longest copied run in words.
fn copy_chart_ui(ui: &mut egui::Ui, history: &QualityHistory) {
    let Some((_, last)) = history.last() else {
        return;
    };
    let orange = Color32::from_rgb(230, 140, 40);
    let red = Color32::from_rgb(220, 80, 60);
    let real_share = history
        .reference
        .as_ref()
        .and_then(|r| r.copy_pattern_share)
        .map(|s| 100.0 * s);
    let mle = history.mle_start();
    titled_plot_ui(
        ui,
        "Copying from training tunes (%)",
        "train-chart-copy",
        |plot| {
            if let Some(y) = real_share {
                reference_line(plot, "real tunes' shared formulas", y);
            }
            if let Some(m) = mle {
                mle_line(plot, "the MLE model: patterns", m.copy_share);
                mle_line(plot, "the MLE model: flagged", m.flagged);
            }
            charts::draw_series(
                plot,
                "8-note patterns found in a training tune",
                orange,
                2.0,
                &history.copy_share,
            );
            charts::draw_series(
                plot,
                "tunes flagged for copying",
                red,
                2.0,
                &history.flagged,
            );
        },
    );
    ui.label(
        RichText::new(format!(
            "Longest run copied from one training tune: {} notes; tunes flagged for copying \
             {} notes or more: {}.",
            last.copy_longest_run,
            crate::eval::FLAG_RUN,
            last.copy_flagged
        ))
        .small(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quality::Shape;

    #[test]
    fn figures_are_drawn_against_the_real_tunes() {
        let mut history = QualityHistory::default();
        assert!(history.last().is_none());
        let reference = RealFigures {
            tunes: 100,
            shape: Shape {
                pitch_range: 12.0,
                notes_per_bar: 4.0,
                bars: 8.0,
            },
            phrase_repetition: Some(0.2),
            copy_pattern_share: Some(0.03),
        };
        let quality = TuneQuality {
            tunes: 96,
            judge_accuracy: 0.7,
            judge_linear_accuracy: 0.6,
            shape: Shape {
                pitch_range: 18.0,
                notes_per_bar: 4.0,
                bars: 6.0,
            },
            phrase_repetition: None,
            copy_pattern_share: Some(0.01),
            ..TuneQuality::default()
        };
        history.push(3, 120, quality, reference);
        assert_eq!(history.flagged, vec![[120.0, 0.0]]);
        assert_eq!(history.judge, vec![[120.0, 70.0]]);
        assert_eq!(history.range, vec![[120.0, 1.5]]);
        assert_eq!(history.density, vec![[120.0, 1.0]]);
        assert_eq!(history.length, vec![[120.0, 0.75]]);
        assert!(history.phrase[0][1].is_nan(), "a missing figure is a gap");
        assert_eq!(history.copy_share, vec![[120.0, 1.0]]);
        history.mark_adversarial_start();
        assert_eq!(history.mle_start().unwrap().accuracy, 70.0);
        let text = verdict(3, &history.last().unwrap().1);
        assert!(text.contains("70%") && text.contains("50%"), "{text}");
    }

    fn judged(accuracy: f64, share: f64, flagged: usize) -> TuneQuality {
        TuneQuality {
            tunes: 50,
            judge_accuracy: accuracy,
            copy_pattern_share: Some(share),
            copy_flagged: flagged,
            copy_longest_run: 9,
            ..TuneQuality::default()
        }
    }

    /// An MLE epoch at step 100 (judge 72%), then the adversarial phase.
    fn history_with_gan_epoch(accuracy: f64, flagged: usize) -> QualityHistory {
        let mut history = QualityHistory::default();
        // No epoch judged yet: nothing to mark.
        history.mark_adversarial_start();
        assert!(history.mle_start().is_none());
        history.push(0, 100, judged(0.72, 0.05, 0), RealFigures::default());
        history.mark_adversarial_start();
        let mle = history.mle_start().unwrap();
        assert_eq!(
            (mle.step, mle.accuracy, mle.copy_share, mle.flagged),
            (100.0, 72.0, 5.0, 0.0)
        );
        assert_eq!(gan_verdict(mle, &history), None, "no GAN epoch yet");
        history.push(
            1,
            200,
            judged(accuracy, 0.2, flagged),
            RealFigures::default(),
        );
        // Later steps of the adversarial phase keep the starting point.
        history.mark_adversarial_start();
        assert_eq!(history.mle_start(), Some(mle));
        history
    }

    #[test]
    fn the_mle_starting_point_is_the_last_epoch_before_the_gan_phase() {
        let worse = history_with_gan_epoch(0.9, 0);
        assert_eq!(worse.flagged.last(), Some(&[200.0, 0.0]));
        let text = gan_verdict(worse.mle_start().unwrap(), &worse).unwrap();
        assert!(text.contains("90% now against 72%"), "{text}");
        assert!(text.contains("making the tunes worse"), "{text}");
        let better = history_with_gan_epoch(0.6, 0);
        let text = gan_verdict(better.mle_start().unwrap(), &better).unwrap();
        assert!(text.contains("the GAN is helping"), "{text}");
        assert!(!text.contains("copy"), "{text}");
        let same = history_with_gan_epoch(0.73, 5);
        let text = gan_verdict(same.mle_start().unwrap(), &same).unwrap();
        assert!(text.contains("no clear change"), "{text}");
        assert!(text.contains("5 of its 50 tunes copy 16 notes"), "{text}");
        assert_eq!(same.flagged.last(), Some(&[200.0, 10.0]));
    }

    #[test]
    fn the_charts_show_the_verdict_against_the_mle_model() {
        use egui_kittest::Harness;
        use egui_kittest::kittest::Queryable;

        let history = history_with_gan_epoch(0.9, 2);
        let mut harness = Harness::builder()
            .with_size([500.0, 1200.0])
            .build_ui_state(
                |ui, h: &mut QualityHistory| quality_charts_ui(ui, h),
                history,
            );
        harness.run();
        harness.get_by_label("Could a judge tell? (accuracy, %)");
        harness.get_by_label("Copying from training tunes (%)");
        harness.get_by_label_contains("judge 90% now against 72% for the MLE model");
        harness.get_by_label_contains("2 of its 50 tunes copy 16 notes or more");
        harness.get_by_label_contains("Longest run copied from one training tune: 9 notes");
    }
}
