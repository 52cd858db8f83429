//! The Evaluate panel's pictures: transition heatmaps, the pitch histogram, density curves
//! and the table of all measures.

use egui::{Color32, FontId, Rect, Sense, Stroke, Ui, Vec2, pos2, vec2};
use egui_plot::{Bar, BarChart, Legend, Line, Plot};

use super::words::fmt;
use crate::eval::{Feature, NoteLength, Report};

const GENERATED_COLOR: Color32 = Color32::from_rgb(214, 96, 40);
const DATASET_COLOR: Color32 = Color32::from_rgb(60, 130, 210);
const INTER_COLOR: Color32 = Color32::from_rgb(140, 140, 140);

/// Pitch-class names for the heatmap axes (ASCII sharps, so any font can draw them).
const PITCH_CLASS_NAMES: [&str; 12] = [
    "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B",
];

/// Which curves the density plot shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum CurveKind {
    /// Densities of the feature's values (scalar features).
    Values,
    /// Densities of the distances within and between the sets.
    Distances,
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

pub(super) fn transitions_ui(ui: &mut Ui, report: &Report) {
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

pub(super) fn pitch_histogram_ui(ui: &mut Ui, report: &Report) {
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

pub(super) fn curves_ui(ui: &mut Ui, report: &Report, feature: &mut Feature, kind: &mut CurveKind) {
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

pub(super) fn features_table_ui(ui: &mut Ui, report: &Report) {
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
