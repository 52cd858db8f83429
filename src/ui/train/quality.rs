//! The Train panel's "could a judge tell?" charts: after every epoch of a whole-tune run, the
//! worker writes tunes from nothing and judges them against the held-out tunes
//! ([`crate::quality::Judge`]); these charts draw the judge's accuracy, the music figures of
//! the epoch's tunes against the real tunes' and how much they copy from training tunes.

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
    /// The last epoch judged, with its figures.
    last: Option<(u64, TuneQuality)>,
    /// The real tunes' figures.
    reference: Option<RealFigures>,
    /// The judge's accuracy when the adversarial phase began (the MLE model's), if it did.
    mle_accuracy: Option<f64>,
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
        self.last = Some((epoch, quality));
        self.reference = Some(reference);
    }

    /// Marks where the adversarial phase began: the last judged accuracy is the MLE model's,
    /// drawn as a reference line from then on.
    pub fn mark_adversarial_start(&mut self) {
        if self.mle_accuracy.is_none() {
            self.mle_accuracy = self.judge.last().map(|p| p[1]);
        }
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

/// Draws the judge, music and copy charts (nothing before the first judged epoch).
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
    let mle = history.mle_accuracy;
    titled_plot_ui(
        ui,
        "Could a judge tell? (accuracy, %)",
        "train-chart-judge",
        |plot| {
            reference_line(plot, "cannot tell (50%)", 50.0);
            if let Some(y) = mle {
                reference_line(plot, "the MLE model", y);
            }
            charts::draw_series(plot, "judge (boosted trees)", orange, 2.0, &history.judge);
            charts::draw_series(plot, "judge (linear)", purple, 1.0, &history.linear);
        },
    );
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
    let real_share = history
        .reference
        .as_ref()
        .and_then(|r| r.copy_pattern_share)
        .map(|s| 100.0 * s);
    titled_plot_ui(
        ui,
        "Copying: 8-note patterns found in a training tune (%)",
        "train-chart-copy",
        |plot| {
            if let Some(y) = real_share {
                reference_line(plot, "real tunes (folk formulas)", y);
            }
            charts::draw_series(plot, "the model's tunes", orange, 2.0, &history.copy_share);
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
        assert_eq!(history.judge, vec![[120.0, 70.0]]);
        assert_eq!(history.range, vec![[120.0, 1.5]]);
        assert_eq!(history.density, vec![[120.0, 1.0]]);
        assert_eq!(history.length, vec![[120.0, 0.75]]);
        assert!(history.phrase[0][1].is_nan(), "a missing figure is a gap");
        assert_eq!(history.copy_share, vec![[120.0, 1.0]]);
        history.mark_adversarial_start();
        assert_eq!(history.mle_accuracy, Some(70.0));
        let text = verdict(3, &history.last().unwrap().1);
        assert!(text.contains("70%") && text.contains("50%"), "{text}");
    }
}
