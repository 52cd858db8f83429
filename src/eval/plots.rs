//! PNG plots of a report: transition-matrix heatmaps (reference and generated side by side)
//! and density curves per feature. Drawn with `plotters` into a memory buffer, text with the
//! embedded DejaVu Sans font, encoded with `png` and saved atomically.
//!
//! How values are treated: heatmap colours are scaled by the largest cell of the two matrices
//! together, so equal colours mean equal shares on both sides; densities are drawn as
//! computed (each integrates to 1 on its grid); a density that could not be computed (too few
//! pieces) is left out of its plot and named as missing in the title.

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::prelude::*;
use plotters::style::FontStyle;

use super::compare::FeatureComparison;
use super::error::EvalError;
use super::features::Feature;
use super::report::Report;
use super::rhythm::NoteLength;

/// DejaVu Sans (Bitstream Vera licence, see `assets/fonts/LICENSE-DejaVu.txt`): text of the
/// plots; it also has the music symbols ♯ ♭ ♮ ♪ and ✕ for the studio.
pub const DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Pitch-class names for heatmap axes.
const PITCH_CLASS_NAMES: [&str; 12] = [
    "C", "C♯", "D", "D♯", "E", "F", "F♯", "G", "G♯", "A", "A♯", "B",
];

const FONT: &str = "sans-serif";
const GENERATED_COLOR: RGBColor = RGBColor(214, 96, 40);
const REFERENCE_COLOR: RGBColor = RGBColor(40, 110, 190);
const INTER_COLOR: RGBColor = RGBColor(90, 90, 90);

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // A failure leaves text undrawn (plotters then reports a font error per text).
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, DEJAVU_SANS);
    });
}

/// Draws into an RGB buffer of `width` x `height` and saves it as PNG at `path`.
fn save_png(
    path: &Path,
    width: u32,
    height: u32,
    draw: impl FnOnce(&DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>) -> Result<(), String>,
) -> Result<(), EvalError> {
    register_font();
    let plot_error = |message: String| EvalError::Plot {
        path: path.to_path_buf(),
        message,
    };
    let mut buffer = vec![0u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut buffer, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| plot_error(e.to_string()))?;
        draw(&root).map_err(plot_error)?;
        root.present().map_err(|e| plot_error(e.to_string()))?;
    }
    let write_error = |source| EvalError::Write {
        path: path.to_path_buf(),
        source,
    };
    crate::fsutil::write_atomic_with(path, |file| {
        let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(std::io::Error::other)?;
        writer
            .write_image_data(&buffer)
            .map_err(std::io::Error::other)?;
        writer.finish().map_err(std::io::Error::other)
    })
    .map_err(write_error)
}

/// White (0) to deep blue (1).
fn heat_color(share: f64) -> RGBColor {
    let t = share.clamp(0.0, 1.0);
    let mix = |from: f64, to: f64| (from + (to - from) * t).round() as u8;
    RGBColor(mix(255.0, 8.0), mix(255.0, 48.0), mix(255.0, 107.0))
}

/// One 12x12 heatmap, row 0 at the top; `scale` is the value drawn at full colour.
fn heatmap(
    area: &DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>,
    title: &str,
    matrix: &[f64],
    labels: &[&str; 12],
    scale: f64,
) -> Result<(), String> {
    let x_fmt = |v: &f64| {
        let i = v.round();
        if (0.0..12.0).contains(&i) {
            labels[i as usize].to_string()
        } else {
            String::new()
        }
    };
    let y_fmt = |v: &f64| {
        let i = 11.0 - v.round();
        if (0.0..12.0).contains(&i) {
            labels[i as usize].to_string()
        } else {
            String::new()
        }
    };
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, 20))
        .margin(8)
        .x_label_area_size(40)
        .y_label_area_size(48)
        .build_cartesian_2d(-0.5f64..11.5f64, -0.5f64..11.5f64)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(12)
        .y_labels(12)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .x_desc("to")
        .y_desc("from")
        .label_style((FONT, 12))
        .draw()
        .map_err(|e| e.to_string())?;
    let scale = if scale > 0.0 { scale } else { 1.0 };
    chart
        .draw_series((0..144).map(|i| {
            let (row, col) = (i / 12, i % 12);
            let value = matrix.get(i).copied().unwrap_or(0.0);
            let (x, y) = (col as f64, 11.0 - row as f64);
            Rectangle::new(
                [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
                heat_color(value / scale).filled(),
            )
        }))
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// Saves the reference and generated mean transition matrices of `feature` side by side.
fn transition_plot(
    report: &Report,
    feature: Feature,
    labels: &[&str; 12],
    path: &Path,
) -> Result<(), EvalError> {
    let Some(f) = report.feature(feature) else {
        return Ok(());
    };
    let scale = f
        .generated_mean
        .iter()
        .chain(&f.reference_mean)
        .fold(0.0_f64, |m, v| m.max(*v));
    save_png(path, 1100, 560, |root| {
        let root = root
            .titled(
                &format!("{} (darkest = {:.3} of all steps)", feature.label(), scale),
                (FONT, 22),
            )
            .map_err(|e| e.to_string())?;
        let (left, right) = root.split_horizontally(550);
        heatmap(
            &left,
            &format!("reference: {}", report.reference.label),
            &f.reference_mean,
            labels,
            scale,
        )?;
        heatmap(
            &right,
            &format!("generated: {}", report.generated.label),
            &f.generated_mean,
            labels,
            scale,
        )
    })
}

/// One panel of density curves.
fn curves_panel(
    area: &DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>,
    title: &str,
    x_desc: &str,
    grid: &[f64],
    series: &[(&str, &[f64], RGBColor)],
) -> Result<(), String> {
    let (Some(&x0), Some(&x1)) = (grid.first(), grid.last()) else {
        return area
            .titled(&format!("{title}: not enough pieces"), (FONT, 16))
            .map(|_| ())
            .map_err(|e| e.to_string());
    };
    let y_max = series
        .iter()
        .flat_map(|(_, y, _)| y.iter())
        .fold(0.0_f64, |m, v| m.max(*v));
    let y_max = if y_max > 0.0 && y_max.is_finite() {
        y_max * 1.08
    } else {
        1.0
    };
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, 18))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(x0..x1, 0.0..y_max)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .x_desc(x_desc)
        .y_desc("density")
        .label_style((FONT, 12))
        .draw()
        .map_err(|e| e.to_string())?;
    for &(name, y, color) in series {
        if y.len() != grid.len() {
            continue;
        }
        chart
            .draw_series(LineSeries::new(
                grid.iter().copied().zip(y.iter().copied()),
                color.stroke_width(2),
            ))
            .map_err(|e| e.to_string())?
            .label(name)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FONT, 13))
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(|e| e.to_string())
}

/// Saves the density curves of one feature: values (scalar features) and distances.
fn kde_plot(f: &FeatureComparison, path: &Path) -> Result<(), EvalError> {
    let Some(curves) = &f.curves else {
        return Ok(());
    };
    let scalar = f.feature.is_scalar();
    let width = if scalar { 1100 } else { 560 };
    save_png(path, width, 420, |root| {
        let root = root
            .titled(f.feature.label(), (FONT, 22))
            .map_err(|e| e.to_string())?;
        let distance_area = if scalar {
            let (left, right) = root.split_horizontally(550);
            curves_panel(
                &left,
                "values",
                f.feature.label(),
                &curves.value_grid,
                &[
                    ("reference", &curves.value_reference, REFERENCE_COLOR),
                    ("generated", &curves.value_generated, GENERATED_COLOR),
                ],
            )?;
            right
        } else {
            root
        };
        curves_panel(
            &distance_area,
            "distances between pieces",
            "Euclidean distance",
            &curves.distance_grid,
            &[
                ("within reference", &curves.intra_reference, REFERENCE_COLOR),
                ("within generated", &curves.intra_generated, GENERATED_COLOR),
                ("generated to reference", &curves.inter, INTER_COLOR),
            ],
        )
    })
}

/// Writes every plot of `report` into `dir` (created if needed) and returns the paths:
/// `pitch_class_transitions.png`, `note_length_transitions.png` and `kde_<feature>.png` for
/// each feature of [`Feature::ALL`]. Densities are only in a report made in this process
/// (they are not saved in JSON); features without them get no KDE plot.
pub fn write_plots(report: &Report, dir: &Path) -> Result<Vec<PathBuf>, EvalError> {
    std::fs::create_dir_all(dir).map_err(|source| EvalError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::new();
    let note_lengths: [&str; 12] = NoteLength::ALL.map(NoteLength::label);
    for (feature, labels, name) in [
        (
            Feature::PitchClassTransitions,
            &PITCH_CLASS_NAMES,
            "pitch_class_transitions.png",
        ),
        (
            Feature::NoteLengthTransitions,
            &note_lengths,
            "note_length_transitions.png",
        ),
    ] {
        let path = dir.join(name);
        transition_plot(report, feature, labels, &path)?;
        written.push(path);
    }
    for f in &report.features {
        if f.curves.is_some() {
            let path = dir.join(format!("kde_{}.png", f.feature.key()));
            kde_plot(f, &path)?;
            written.push(path);
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{CompareOptions, evaluate, notes::test_support::piece};

    #[test]
    fn heat_colors_run_from_white_to_blue() {
        assert_eq!(heat_color(0.0), RGBColor(255, 255, 255));
        assert_eq!(heat_color(1.0), RGBColor(8, 48, 107));
        assert_eq!(heat_color(7.0), heat_color(1.0));
    }

    #[test]
    fn plots_are_written_as_png_files_that_decode() {
        let set: Vec<_> = (0..4u8)
            .map(|i| piece(&[(60 + i, 0, 4), (64, 4, 2), (67 - i, 6, 2), (72, 8, 8)]))
            .collect();
        let report = evaluate(&set, &set, &CompareOptions::default());
        let dir = tempfile::tempdir().unwrap();
        let paths = write_plots(&report, dir.path()).unwrap();
        assert_eq!(paths.len(), 2 + Feature::ALL.len());
        let heat = dir.path().join("pitch_class_transitions.png");
        let decoder =
            png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&heat).unwrap()));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (1100, 560));
        // Something besides white was drawn.
        assert!(buf.iter().any(|&b| b < 200));
    }
}
