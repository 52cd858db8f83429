//! The evaluation report: every feature compared, summary figures, the sets' profiles.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::music::Piece;

use super::compare::{self, CompareOptions, FeatureComparison};
use super::copy::CopyReport;
use super::features::Feature;
use super::judge::JudgeReport;
use super::load::SkippedFile;
use super::metrics::PieceMetrics;
use super::notes::NoteStream;
use super::pitch::{self, PITCH_GROUPS};

/// The version of the report's JSON layout (2 added notes per bar, phrase repetition, the
/// judge and the copy check; reports of version 1 still read, without them).
pub const REPORT_VERSION: u32 = 2;

/// The metrics of every piece of a set and the set's pitch histogram. Compute it once for a
/// fixed reference (e.g. the training set) and compare many generated sets against it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SetMetrics {
    /// One entry per piece.
    pub pieces: Vec<PieceMetrics>,
    /// Mean over pieces of each piece's normalized note-count histogram of the 128 MIDI
    /// pitches (pieces without notes count as zeros).
    pub pitch_histogram: Vec<f64>,
}

impl SetMetrics {
    /// The metrics of `pieces`.
    pub fn of(pieces: &[Piece]) -> Self {
        let mut hist = vec![0.0; 128];
        let mut metrics = Vec::with_capacity(pieces.len());
        for piece in pieces {
            let stream = NoteStream::of(piece);
            let counts = pitch::pitch_counts(&stream);
            let total: u64 = counts.iter().sum();
            if total > 0 {
                for (h, c) in hist.iter_mut().zip(counts) {
                    *h += c as f64 / total as f64;
                }
            }
            metrics.push(PieceMetrics::of_stream(&stream, piece.declared_key()));
        }
        if !pieces.is_empty() {
            for h in &mut hist {
                *h /= pieces.len() as f64;
            }
        }
        SetMetrics {
            pieces: metrics,
            pitch_histogram: hist,
        }
    }
}

/// What a report says about one set.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SetSummary {
    /// Where the set came from (a folder, "training set", ...).
    pub label: String,
    /// Pieces in the set.
    pub pieces: usize,
    /// Pieces used in the comparison (at most [`CompareOptions::max_pieces`]).
    pub compared: usize,
    /// Files and tunes left out, with the reason.
    pub skipped: Vec<SkippedFile>,
    /// Mean normalized pitch histogram (128 MIDI pitches).
    pub pitch_histogram: Vec<f64>,
    /// Mean of the pieces' pitch-group (octave) histograms.
    pub pitch_group_histogram: Vec<f64>,
}

/// The headline figures of a report (the model card's columns). The overlap and KL figures
/// come from the compared pieces (at most [`CompareOptions::max_pieces`] per set); the means of
/// pitch std, scale consistency and pitch range are over all pieces of each set.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Mean over features of [`FeatureComparison::overlap`] (the MGEval-style distance
    /// overlap; higher is closer to the reference, 1 at most).
    pub mean_overlap: Option<f64>,
    /// Mean over features of [`FeatureComparison::kl`] in nats (lower is closer).
    pub mean_kl: Option<f64>,
    /// Mean over scalar features of [`FeatureComparison::value_overlap`].
    pub mean_value_overlap: Option<f64>,
    /// Mean per-piece pitch standard deviation of the generated set over that of the
    /// reference set (1 = as varied; a collapsed generator gives much less).
    pub pitch_std_ratio: Option<f64>,
    /// Mean scale consistency of the generated pieces.
    pub scale_consistency_generated: Option<f64>,
    /// Mean scale consistency of the reference pieces.
    pub scale_consistency_reference: Option<f64>,
    /// Mean pitch range (semitones) of the generated pieces.
    pub pitch_range_generated: Option<f64>,
    /// Mean pitch range (semitones) of the reference pieces.
    pub pitch_range_reference: Option<f64>,
    /// Manhattan (L1) distance between the two sets' mean pitch-group (octave) histograms,
    /// 0 (same registers) to 2 (no register in common).
    pub pitch_group_distance: Option<f64>,
    /// Mean notes per bar of the generated pieces.
    #[serde(default)]
    pub notes_per_bar_generated: Option<f64>,
    /// Mean notes per bar of the reference pieces.
    #[serde(default)]
    pub notes_per_bar_reference: Option<f64>,
    /// Mean phrase repetition (share of bars repeating an earlier bar) of the generated
    /// pieces.
    #[serde(default)]
    pub phrase_repetition_generated: Option<f64>,
    /// Mean phrase repetition of the reference pieces.
    #[serde(default)]
    pub phrase_repetition_reference: Option<f64>,
}

/// The copy check of a report: the generated set, and the reference set for scale, against
/// one training set ([`super::CopyIndex`]).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CopyCheck {
    /// Where the training set came from.
    pub training: String,
    /// Training tunes indexed.
    pub training_tunes: usize,
    /// The generated pieces' figures.
    pub generated: CopyReport,
    /// The reference pieces' figures against the same training set (real tunes share folk
    /// formulas with one another, so this is the level to compare with), if computed.
    pub reference: Option<CopyReport>,
}

/// A generated set compared with a reference set.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// [`REPORT_VERSION`].
    pub version: u32,
    /// The generated set.
    pub generated: SetSummary,
    /// The reference set.
    pub reference: SetSummary,
    /// How the sets were compared.
    pub options: CompareOptions,
    /// The headline figures.
    pub summary: Summary,
    /// Every feature of [`Feature::ALL`], in that order.
    pub features: Vec<FeatureComparison>,
    /// The two-sample test between the sets ([`super::judge`]), if run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub judge: Option<JudgeReport>,
    /// The copy check against a training set ([`super::copy`]), if run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy: Option<CopyCheck>,
}

impl Report {
    /// The comparison of one feature.
    pub fn feature(&self, feature: Feature) -> Option<&FeatureComparison> {
        self.features.iter().find(|f| f.feature == feature)
    }

    /// The report as pretty JSON (the densities used for plots are not included).
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }

    /// A plain-text table: one line per feature (means, overlaps, divergence), then the
    /// summary and the skipped files.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let opt = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.3}"));
        let _ = writeln!(
            out,
            "generated: {} ({} pieces, {} skipped)   reference: {} ({} pieces, {} skipped)",
            self.generated.label,
            self.generated.pieces,
            self.generated.skipped.len(),
            self.reference.label,
            self.reference.pieces,
            self.reference.skipped.len()
        );
        let _ = writeln!(
            out,
            "{:<40} {:>10} {:>10} {:>8} {:>8} {:>8}",
            "feature", "generated", "reference", "overlap", "KL", "value OA"
        );
        for f in &self.features {
            let (g, r) = if f.feature.is_scalar() {
                (
                    opt(f.generated_mean.first().copied()),
                    opt(f.reference_mean.first().copied()),
                )
            } else {
                ("-".to_string(), "-".to_string())
            };
            let _ = writeln!(
                out,
                "{:<40} {:>10} {:>10} {:>8} {:>8} {:>8}",
                f.feature.label(),
                g,
                r,
                opt(f.overlap),
                opt(f.kl),
                opt(f.value_overlap)
            );
        }
        let s = &self.summary;
        let _ = writeln!(out);
        let _ = writeln!(out, "mean overlap area         {}", opt(s.mean_overlap));
        let _ = writeln!(out, "mean KL divergence (nats) {}", opt(s.mean_kl));
        let _ = writeln!(
            out,
            "mean value overlap        {}",
            opt(s.mean_value_overlap)
        );
        let _ = writeln!(out, "pitch std generated/real  {}", opt(s.pitch_std_ratio));
        let pairs = [
            (
                "scale consistency",
                s.scale_consistency_generated,
                s.scale_consistency_reference,
            ),
            (
                "pitch range (semitones)",
                s.pitch_range_generated,
                s.pitch_range_reference,
            ),
            (
                "notes per bar",
                s.notes_per_bar_generated,
                s.notes_per_bar_reference,
            ),
            (
                "phrase repetition",
                s.phrase_repetition_generated,
                s.phrase_repetition_reference,
            ),
        ];
        for (name, generated, reference) in pairs {
            let _ = writeln!(
                out,
                "{name:<25} {} (reference {})",
                opt(generated),
                opt(reference)
            );
        }
        let _ = writeln!(
            out,
            "pitch-group L1 distance   {}",
            opt(s.pitch_group_distance)
        );
        if let Some(judge) = &self.judge {
            out.push_str(&judge_table(judge));
        }
        if let Some(copy) = &self.copy {
            out.push_str(&copy_table(copy));
        }
        for (which, set) in [
            ("generated", &self.generated),
            ("reference", &self.reference),
        ] {
            for skip in &set.skipped {
                let _ = writeln!(out, "skipped ({which}): {}: {}", skip.path, skip.reason);
            }
        }
        out
    }
}

/// The judge's lines of [`Report::table`].
fn judge_table(judge: &JudgeReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\njudge: {} melodies per set, {}-fold cross-validation, seed {} (50% = cannot tell)",
        judge.n_per_class, judge.folds, judge.seed
    );
    for (name, score) in [
        ("logistic regression", &judge.linear),
        ("boosted trees", &judge.nonlinear),
    ] {
        let _ = writeln!(
            out,
            "  {name:<20} accuracy {:5.1}%  p = {:.2e}  folds {:.0}%..{:.0}% (sd {:.1})",
            100.0 * score.accuracy,
            score.p_value,
            100.0 * score.fold_min,
            100.0 * score.fold_max,
            100.0 * score.fold_std
        );
    }
    out
}

/// The copy check's lines of [`Report::table`].
fn copy_table(copy: &CopyCheck) -> String {
    let mut out = String::new();
    let opt = |v: Option<f64>, scale: f64| {
        v.map_or_else(|| "-".to_string(), |v| format!("{:.1}", v * scale))
    };
    let _ = writeln!(
        out,
        "\ncopy check against {} ({} tunes)",
        copy.training, copy.training_tunes
    );
    for (name, report) in [
        ("generated", Some(&copy.generated)),
        ("reference", copy.reference.as_ref()),
    ] {
        let Some(r) = report else {
            continue;
        };
        let _ = writeln!(
            out,
            "  {name:<10} longest copied run: max {} notes, mean {}; {}-note patterns found in \
             training: {}%; flagged (run >= {} notes): {} of {}",
            r.max_longest_run,
            opt(r.mean_longest_run, 1.0),
            r.pattern_notes,
            opt(r.mean_pattern_share, 100.0),
            r.flag_run,
            r.flagged,
            r.melodies.len()
        );
    }
    out
}

/// The mean of some values (`None` for none).
pub(crate) fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}

fn mean_group_histogram(pieces: &[PieceMetrics]) -> Vec<f64> {
    let mut h = vec![0.0; PITCH_GROUPS];
    for m in pieces {
        for (a, b) in h.iter_mut().zip(m.pitch_group_histogram) {
            *a += b;
        }
    }
    if !pieces.is_empty() {
        for a in &mut h {
            *a /= pieces.len() as f64;
        }
    }
    h
}

fn set_summary(label: &str, set: &SetMetrics, compared: usize) -> SetSummary {
    SetSummary {
        label: label.to_string(),
        pieces: set.pieces.len(),
        compared,
        skipped: Vec::new(),
        pitch_histogram: set.pitch_histogram.clone(),
        pitch_group_histogram: mean_group_histogram(&set.pieces),
    }
}

/// Compares a generated set with a reference set, feature by feature (see
/// [`super::compare`]), and sums it up. Set summaries get the labels given; their `skipped`
/// lists are empty (the caller that read files fills them in).
pub fn compare_sets(
    generated: &SetMetrics,
    generated_label: &str,
    reference: &SetMetrics,
    reference_label: &str,
    options: &CompareOptions,
) -> Report {
    let gen_pieces = compare::evenly_spaced(&generated.pieces, options.max_pieces);
    let ref_pieces = compare::evenly_spaced(&reference.pieces, options.max_pieces);
    let features: Vec<FeatureComparison> = Feature::ALL
        .iter()
        .map(|&f| compare::compare_feature(f, &gen_pieces, &ref_pieces, options))
        .collect();
    let gen_summary = set_summary(generated_label, generated, gen_pieces.len());
    let ref_summary = set_summary(reference_label, reference, ref_pieces.len());

    let avg =
        |set: &[PieceMetrics], f: fn(&PieceMetrics) -> Option<f64>| mean(set.iter().filter_map(f));
    let gen_std = avg(&generated.pieces, |m| m.pitch_std);
    let ref_std = avg(&reference.pieces, |m| m.pitch_std);
    let summary = Summary {
        mean_overlap: mean(features.iter().filter_map(|f| f.overlap)),
        mean_kl: mean(features.iter().filter_map(|f| f.kl)),
        mean_value_overlap: mean(features.iter().filter_map(|f| f.value_overlap)),
        pitch_std_ratio: match (gen_std, ref_std) {
            (Some(g), Some(r)) if r > 0.0 => Some(g / r),
            _ => None,
        },
        scale_consistency_generated: avg(&generated.pieces, |m| m.scale_consistency),
        scale_consistency_reference: avg(&reference.pieces, |m| m.scale_consistency),
        pitch_range_generated: avg(&generated.pieces, |m| Some(f64::from(m.pitch_range))),
        pitch_range_reference: avg(&reference.pieces, |m| Some(f64::from(m.pitch_range))),
        pitch_group_distance: (!generated.pieces.is_empty() && !reference.pieces.is_empty()).then(
            || {
                pitch::manhattan(
                    &gen_summary.pitch_group_histogram,
                    &ref_summary.pitch_group_histogram,
                )
            },
        ),
        notes_per_bar_generated: avg(&generated.pieces, |m| m.notes_per_bar),
        notes_per_bar_reference: avg(&reference.pieces, |m| m.notes_per_bar),
        phrase_repetition_generated: avg(&generated.pieces, |m| m.phrase_repetition),
        phrase_repetition_reference: avg(&reference.pieces, |m| m.phrase_repetition),
    };
    Report {
        version: REPORT_VERSION,
        generated: gen_summary,
        reference: ref_summary,
        options: options.clone(),
        summary,
        features,
        judge: None,
        copy: None,
    }
}

/// Computes the metrics of both sets of pieces and compares them ([`compare_sets`]) with the
/// labels "generated" and "reference".
pub fn evaluate(generated: &[Piece], reference: &[Piece], options: &CompareOptions) -> Report {
    compare_sets(
        &SetMetrics::of(generated),
        "generated",
        &SetMetrics::of(reference),
        "reference",
        options,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::notes::test_support::piece;

    fn melody(base: u8, step: u8, n: u64) -> Piece {
        piece(
            &(0..n)
                .map(|i| (base + step * i as u8, i * 4, 4))
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn identical_sets_give_full_value_overlap_and_a_pitch_std_ratio_of_one() {
        let set: Vec<Piece> = (0..6)
            .map(|i| melody(55 + i, 1 + i % 3, 4 + u64::from(i)))
            .collect();
        let r = evaluate(&set, &set, &CompareOptions::default());
        assert_eq!(r.features.len(), Feature::ALL.len());
        assert!((r.summary.mean_value_overlap.unwrap() - 1.0).abs() < 1e-9);
        assert!((r.summary.pitch_std_ratio.unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(r.summary.pitch_group_distance, Some(0.0));
        assert!(r.summary.mean_overlap.unwrap() > 0.75);
        assert_eq!(
            r.summary.scale_consistency_generated,
            r.summary.scale_consistency_reference
        );
        let hist_sum: f64 = r.generated.pitch_histogram.iter().sum();
        assert!((hist_sum - 1.0).abs() < 1e-12);
        // The JSON round-trips (the densities are not saved).
        let back: Report = serde_json::from_str(&r.to_json().unwrap()).unwrap();
        assert_eq!(back.summary, r.summary);
        assert!(back.features.iter().all(|f| f.curves.is_none()));
        assert!(r.table().contains("Pitch range (semitones)"));
    }

    #[test]
    fn different_registers_and_a_narrow_generator_are_seen() {
        // Reference: wide melodies around C4; generated: one note repeated, two octaves up.
        let reference: Vec<Piece> = (0..5).map(|i| melody(48 + i, 3 + i, 8)).collect();
        let generated: Vec<Piece> = (0..5).map(|_| melody(84, 0, 8)).collect();
        let r = evaluate(&generated, &reference, &CompareOptions::default());
        assert_eq!(r.summary.pitch_std_ratio, Some(0.0));
        assert_eq!(r.summary.pitch_range_generated, Some(0.0));
        // Generated all in octave group 7 (84..95); reference in groups 4..7 but mostly lower.
        assert!(r.summary.pitch_group_distance.unwrap() > 1.0);
        assert!(r.summary.mean_overlap.unwrap() < 0.5);
    }

    #[test]
    fn empty_sets_do_not_panic() {
        let r = evaluate(&[], &[], &CompareOptions::default());
        assert_eq!(r.summary.mean_overlap, None);
        assert_eq!(r.summary.pitch_std_ratio, None);
        assert_eq!(r.summary.pitch_group_distance, None);
        let one = evaluate(
            &[Piece::default()],
            &[melody(60, 1, 3)],
            &CompareOptions::default(),
        );
        assert_eq!(one.generated.pieces, 1);
        assert_eq!(one.summary.pitch_std_ratio, None);
    }

    #[test]
    fn sets_are_reduced_to_max_pieces() {
        let set: Vec<Piece> = (0..10).map(|i| melody(50 + i, 2, 5)).collect();
        let opts = CompareOptions {
            max_pieces: Some(4),
            ..CompareOptions::default()
        };
        let r = evaluate(&set, &set, &opts);
        assert_eq!((r.generated.pieces, r.generated.compared), (10, 4));
        // 4 pieces: 12 leave-one-out distances.
        let f = r.feature(Feature::PitchMean).unwrap();
        assert_eq!(f.intra_generated.unwrap().count, 12);
        assert_eq!(f.inter.unwrap().count, 16);
    }
}
