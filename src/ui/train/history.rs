//! The Train panel's record of a run: the curves of every step and epoch, the epoch samples
//! with the collapse check, and the charts that draw them.

use egui::{Color32, RichText};

use super::TrainPanel;
use super::quality::quality_charts_ui;
use crate::music::tokens::{decode_notes_lenient, from_ids};
use crate::music::{DEFAULT_TICKS_PER_QUARTER, Piece, Velocity};
use crate::train::config::GanLoss;
use crate::train::{Phase, StepStats, Validation};
use crate::ui::charts::{self, Diversity, SmoothedSeries};

/// One epoch's sample.
#[derive(Clone, Debug)]
pub struct SampleEntry {
    /// The epoch that ended (from 0).
    pub epoch: u64,
    /// Steps done when it was made.
    pub step: u64,
    /// The generated token ids (after the primer), or a C-RNN-GAN melody's pitches.
    pub tokens: Vec<u32>,
    /// The sample as a piece, when it decodes.
    pub piece: Option<Piece>,
}

/// The curves of a run.
#[derive(Default)]
pub(super) struct History {
    mle_loss: SmoothedSeries,
    mle_accuracy: SmoothedSeries,
    g_loss: SmoothedSeries,
    d_loss: SmoothedSeries,
    d_real: SmoothedSeries,
    d_fake: SmoothedSeries,
    pub(super) steps_per_second: SmoothedSeries,
    wasserstein: SmoothedSeries,
    /// Per epoch, x = step.
    validation_loss: SmoothedSeries,
    validation_accuracy: SmoothedSeries,
}

impl History {
    fn all_mut(&mut self) -> [&mut SmoothedSeries; 10] {
        [
            &mut self.mle_loss,
            &mut self.mle_accuracy,
            &mut self.g_loss,
            &mut self.d_loss,
            &mut self.d_real,
            &mut self.d_fake,
            &mut self.steps_per_second,
            &mut self.validation_loss,
            &mut self.validation_accuracy,
            &mut self.wasserstein,
        ]
    }

    /// Forgets every point (a new run).
    pub(super) fn clear(&mut self) {
        for series in self.all_mut() {
            series.clear();
        }
    }

    /// Sets every curve's smoothing.
    pub(super) fn set_smoothing(&mut self, smoothing: f64) {
        for series in self.all_mut() {
            series.set_smoothing(smoothing);
        }
    }

    /// How many points the loss charts hold (pre-training and adversarial generator loss).
    pub(super) fn loss_point_count(&self) -> usize {
        self.mle_loss.len() + self.g_loss.len()
    }

    /// Adds one step's figures.
    pub(super) fn push_step(&mut self, s: &StepStats) {
        let x = s.step as f64;
        let push = |series: &mut SmoothedSeries, value: Option<f32>| {
            if let Some(v) = value {
                series.push(x, f64::from(v));
            }
        };
        match s.phase {
            Phase::Mle => {
                push(&mut self.mle_loss, Some(s.g_loss));
                push(&mut self.mle_accuracy, s.accuracy);
            }
            Phase::Gan => {
                push(&mut self.g_loss, Some(s.g_loss));
                push(&mut self.d_loss, s.d_loss);
                push(&mut self.d_real, s.d_real);
                push(&mut self.d_fake, s.d_fake);
                push(&mut self.wasserstein, s.wasserstein);
            }
        }
        if s.steps_per_second > 0.0 {
            self.steps_per_second.push(x, s.steps_per_second);
        }
    }

    /// Adds one epoch's validation figures.
    pub(super) fn push_validation(&mut self, step: u64, v: &Validation) {
        self.validation_loss.push(step as f64, f64::from(v.loss));
        if let Some(accuracy) = v.accuracy {
            self.validation_accuracy
                .push(step as f64, f64::from(accuracy));
        }
    }
}

impl TrainPanel {
    /// Keeps an epoch's sample (`piece`: given by runs that make notes; token samples are
    /// decoded here) and checks the recent samples' variety; returns a message for the user
    /// when they have just lost it.
    pub(super) fn add_sample(
        &mut self,
        epoch: u64,
        step: u64,
        tokens: Vec<u32>,
        piece: Option<Piece>,
    ) -> Option<String> {
        let piece = match piece {
            Some(mut piece) => {
                piece.title = format!("Sample of epoch {epoch}");
                Some(piece)
            }
            None => sample_piece(&tokens, epoch),
        };
        self.samples.push(SampleEntry {
            epoch,
            step,
            tokens,
            piece,
        });
        let recent: Vec<&[u32]> = self.samples.iter().map(|s| s.tokens.as_slice()).collect();
        let was_collapsed = self.diversity.as_ref().is_some_and(Diversity::collapsed);
        self.diversity = charts::collapse_check(&recent);
        (!was_collapsed && self.diversity.as_ref().is_some_and(Diversity::collapsed)).then(|| {
            format!(
                "The samples are losing their variety (epoch {epoch}): the generator may be \
                 collapsing onto a few patterns. See the Train panel."
            )
        })
    }

    /// The smoothing slider and every chart of the run.
    pub(super) fn charts_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            let label = ui.label("Smoothing");
            let mut smoothing = self.smoothing;
            ui.add(egui::Slider::new(&mut smoothing, 0.0..=0.99))
                .labelled_by(label.id)
                .on_hover_text(
                    "Debiased exponential moving average, as TensorBoard draws it: the faint \
                     line is the raw value of each step, the bold one its running average",
                );
            if smoothing != self.smoothing {
                self.smoothing = smoothing;
                self.history.set_smoothing(smoothing);
            }
        });
        let h = &self.history;
        if h.loss_point_count() == 0 {
            ui.label(RichText::new("The charts fill in once the run starts.").weak());
            return;
        }
        let blue = Color32::from_rgb(70, 130, 230);
        let red = Color32::from_rgb(220, 80, 60);
        let green = Color32::from_rgb(60, 170, 90);
        let grey = Color32::from_rgb(150, 150, 150);
        if !h.mle_loss.is_empty() {
            let title = if self.crnn_run {
                "Pre-training loss (squared error of the next note)"
            } else {
                "Pre-training loss (cross-entropy)"
            };
            chart_ui(
                ui,
                title,
                "train-chart-mle",
                &[
                    ("G loss (pre-training)", blue, &h.mle_loss),
                    ("validation loss", green, &h.validation_loss),
                ],
                None,
            );
        }
        if !h.mle_accuracy.is_empty() {
            chart_ui(
                ui,
                "Next-note accuracy",
                "train-chart-accuracy",
                &[
                    ("training accuracy", blue, &h.mle_accuracy),
                    ("validation accuracy", green, &h.validation_accuracy),
                ],
                None,
            );
        }
        let critic = self
            .last_stats
            .as_ref()
            .and_then(|s| s.loss)
            .is_some_and(GanLoss::is_wasserstein);
        if !h.g_loss.is_empty() && critic {
            chart_ui(
                ui,
                "Adversarial losses (Wasserstein critic)",
                "train-chart-gan",
                &[("G loss", blue, &h.g_loss), ("critic loss", red, &h.d_loss)],
                None,
            );
            chart_ui(
                ui,
                "Wasserstein estimate: C(real) - C(fake)",
                "train-chart-wasserstein",
                &[("Wasserstein estimate", green, &h.wasserstein)],
                Some(("indistinguishable (0)", 0.0)),
            );
            chart_ui(
                ui,
                "Critic scores: C(real) and C(fake)",
                "train-chart-d",
                &[("C(real)", green, &h.d_real), ("C(fake)", red, &h.d_fake)],
                None,
            );
        } else if !h.g_loss.is_empty() {
            let (title, g_name) = if self.crnn_run {
                (
                    "Adversarial losses (G: feature matching)",
                    "G loss (features)",
                )
            } else {
                ("Adversarial losses", "G loss")
            };
            chart_ui(
                ui,
                title,
                "train-chart-gan",
                &[(g_name, blue, &h.g_loss), ("D loss", red, &h.d_loss)],
                Some(("balance (ln 2)", std::f64::consts::LN_2)),
            );
            chart_ui(
                ui,
                "What D thinks: D(real) and D(fake)",
                "train-chart-d",
                &[("D(real)", green, &h.d_real), ("D(fake)", red, &h.d_fake)],
                Some(("undecided (0.5)", 0.5)),
            );
        }
        quality_charts_ui(ui, &self.quality);
        if !h.steps_per_second.is_empty() {
            chart_ui(
                ui,
                "Speed (steps per second)",
                "train-chart-speed",
                &[("steps/s", grey, &h.steps_per_second)],
                None,
            );
        }
    }
}

/// One chart: each series raw (faint) and smoothed (bold), split at non-finite values, with
/// an optional horizontal reference line.
fn chart_ui(
    ui: &mut egui::Ui,
    title: &str,
    id: &str,
    series: &[(&str, Color32, &SmoothedSeries)],
    reference: Option<(&str, f64)>,
) {
    charts::titled_plot_ui(ui, title, id, move |plot| {
        if let Some((name, y)) = reference {
            charts::reference_line(plot, name, y);
        }
        for (name, color, s) in series.iter().filter(|(_, _, s)| !s.is_empty()) {
            let (raw, smoothed) = s.thinned(charts::DRAW_BUCKETS);
            charts::draw_series(plot, name, color.gamma_multiply(0.3), 1.0, &raw);
            charts::draw_series(plot, name, *color, 2.0, &smoothed);
        }
    });
}

/// An epoch's sample as a one-part piece (lenient decoding: the model's output may hold a
/// note it never struck), or `None` when its ids are not tokens.
fn sample_piece(ids: &[u32], epoch: u64) -> Option<Piece> {
    let tokens = from_ids(ids).ok()?;
    let notes = decode_notes_lenient(&tokens, DEFAULT_TICKS_PER_QUARTER, Velocity::DEFAULT).ok()?;
    let mut piece = Piece::from_notes(DEFAULT_TICKS_PER_QUARTER, "Sample", notes).ok()?;
    piece.title = format!("Sample of epoch {epoch}");
    Some(piece)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::tokens::{HOLD_ID, REST_ID};

    #[test]
    fn samples_decode_into_playable_pieces() {
        // C4 (id 60 - 21 = 39) held for 2 steps, a rest, then E4 for one step.
        let ids = [39, HOLD_ID, REST_ID, 43];
        let piece = sample_piece(&ids, 3).unwrap();
        assert_eq!(piece.note_count(), 2);
        let notes: Vec<_> = piece.notes().copied().collect();
        let sixteenth = u64::from(DEFAULT_TICKS_PER_QUARTER) / 4;
        assert_eq!(notes[0].pitch.get(), 60);
        assert_eq!(notes[0].start, 0);
        assert_eq!(notes[0].duration.get(), 2 * sixteenth);
        assert_eq!(notes[1].pitch.get(), 64);
        assert_eq!(notes[1].start, 3 * sixteenth);
        assert_eq!(piece.title, "Sample of epoch 3");
        assert!(sample_piece(&[500], 0).is_none());
    }

    #[test]
    fn validation_without_accuracy_charts_only_the_loss() {
        let mut history = History::default();
        history.push_validation(
            4,
            &Validation {
                loss: 0.5,
                accuracy: None,
            },
        );
        assert_eq!(history.validation_loss.len(), 1);
        assert!(history.validation_accuracy.is_empty());
    }
}
