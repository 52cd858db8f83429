//! The features compared between sets: scalar metrics and histogram/matrix metrics.

use serde::{Deserialize, Serialize};

use super::metrics::PieceMetrics;

/// One feature of the set comparison. Scalar features are one number per piece; the four
/// histogram/matrix features are vectors (12 or 144 numbers) compared by Euclidean distance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    /// [`PieceMetrics::note_count`].
    NoteCount,
    /// [`PieceMetrics::used_pitches`].
    UsedPitches,
    /// [`PieceMetrics::unique_tones`].
    UniqueTones,
    /// [`PieceMetrics::pitch_range`] (also the tone span).
    PitchRange,
    /// [`PieceMetrics::pitch_mean`].
    PitchMean,
    /// [`PieceMetrics::pitch_std`].
    PitchStd,
    /// [`PieceMetrics::average_pitch_shift`].
    AveragePitchShift,
    /// [`PieceMetrics::average_ioi`].
    AverageIoi,
    /// [`PieceMetrics::scale_consistency`].
    ScaleConsistency,
    /// [`PieceMetrics::pitch_in_scale_rate`].
    PitchInScaleRate,
    /// [`PieceMetrics::polyphony`].
    Polyphony,
    /// [`PieceMetrics::polyphony_rate`].
    PolyphonyRate,
    /// [`PieceMetrics::empty_beat_rate`].
    EmptyBeatRate,
    /// [`PieceMetrics::pitch_entropy`].
    PitchEntropy,
    /// [`PieceMetrics::pitch_class_entropy`].
    PitchClassEntropy,
    /// [`PieceMetrics::repeated_3_note_patterns`].
    #[serde(rename = "repetitions_3")]
    Repetitions3,
    /// [`PieceMetrics::notes_per_bar`].
    NotesPerBar,
    /// [`PieceMetrics::phrase_repetition`].
    PhraseRepetition,
    /// [`PieceMetrics::pitch_class_histogram`] (12 values).
    PitchClassHistogram,
    /// [`PieceMetrics::pitch_class_transitions`] (144 values).
    PitchClassTransitions,
    /// [`PieceMetrics::note_length_histogram`] (12 values).
    NoteLengthHistogram,
    /// [`PieceMetrics::note_length_transitions`] (144 values).
    NoteLengthTransitions,
}

impl Feature {
    /// Every feature, scalars first, in report order.
    pub const ALL: [Feature; 22] = [
        Feature::NoteCount,
        Feature::UsedPitches,
        Feature::UniqueTones,
        Feature::PitchRange,
        Feature::PitchMean,
        Feature::PitchStd,
        Feature::AveragePitchShift,
        Feature::AverageIoi,
        Feature::ScaleConsistency,
        Feature::PitchInScaleRate,
        Feature::Polyphony,
        Feature::PolyphonyRate,
        Feature::EmptyBeatRate,
        Feature::PitchEntropy,
        Feature::PitchClassEntropy,
        Feature::Repetitions3,
        Feature::NotesPerBar,
        Feature::PhraseRepetition,
        Feature::PitchClassHistogram,
        Feature::PitchClassTransitions,
        Feature::NoteLengthHistogram,
        Feature::NoteLengthTransitions,
    ];

    /// The identifier used in JSON and file names (`pitch_range`).
    pub fn key(self) -> &'static str {
        match self {
            Feature::NoteCount => "note_count",
            Feature::UsedPitches => "used_pitches",
            Feature::UniqueTones => "unique_tones",
            Feature::PitchRange => "pitch_range",
            Feature::PitchMean => "pitch_mean",
            Feature::PitchStd => "pitch_std",
            Feature::AveragePitchShift => "average_pitch_shift",
            Feature::AverageIoi => "average_ioi",
            Feature::ScaleConsistency => "scale_consistency",
            Feature::PitchInScaleRate => "pitch_in_scale_rate",
            Feature::Polyphony => "polyphony",
            Feature::PolyphonyRate => "polyphony_rate",
            Feature::EmptyBeatRate => "empty_beat_rate",
            Feature::PitchEntropy => "pitch_entropy",
            Feature::PitchClassEntropy => "pitch_class_entropy",
            Feature::Repetitions3 => "repetitions_3",
            Feature::NotesPerBar => "notes_per_bar",
            Feature::PhraseRepetition => "phrase_repetition",
            Feature::PitchClassHistogram => "pitch_class_histogram",
            Feature::PitchClassTransitions => "pitch_class_transitions",
            Feature::NoteLengthHistogram => "note_length_histogram",
            Feature::NoteLengthTransitions => "note_length_transitions",
        }
    }

    /// A label for people, with the unit where there is one.
    pub fn label(self) -> &'static str {
        match self {
            Feature::NoteCount => "Number of notes",
            Feature::UsedPitches => "Used pitches",
            Feature::UniqueTones => "Unique tones (pitch classes)",
            Feature::PitchRange => "Pitch range (semitones)",
            Feature::PitchMean => "Pitch mean (MIDI)",
            Feature::PitchStd => "Pitch std (semitones)",
            Feature::AveragePitchShift => "Average pitch shift (semitones)",
            Feature::AverageIoi => "Average inter-onset interval (quarters)",
            Feature::ScaleConsistency => "Scale consistency",
            Feature::PitchInScaleRate => "Pitch-in-scale rate",
            Feature::Polyphony => "Polyphony (pitches)",
            Feature::PolyphonyRate => "Polyphony rate",
            Feature::EmptyBeatRate => "Empty-beat rate",
            Feature::PitchEntropy => "Pitch entropy (bits)",
            Feature::PitchClassEntropy => "Pitch-class entropy (bits)",
            Feature::Repetitions3 => "Repeated 3-note patterns",
            Feature::NotesPerBar => "Notes per bar",
            Feature::PhraseRepetition => "Phrase repetition (share of bars)",
            Feature::PitchClassHistogram => "Pitch-class histogram",
            Feature::PitchClassTransitions => "Pitch-class transitions",
            Feature::NoteLengthHistogram => "Note-length histogram",
            Feature::NoteLengthTransitions => "Note-length transitions",
        }
    }

    /// How many numbers the feature has per piece (1 for scalars).
    pub fn dimension(self) -> usize {
        match self {
            Feature::PitchClassHistogram | Feature::NoteLengthHistogram => 12,
            Feature::PitchClassTransitions | Feature::NoteLengthTransitions => 144,
            _ => 1,
        }
    }

    /// Whether the feature is one number per piece.
    pub fn is_scalar(self) -> bool {
        self.dimension() == 1
    }

    /// The feature's values for one piece (matrices row-major, `[from][to]`), or `None` when
    /// the metric is undefined for the piece (the piece is then left out of this feature's
    /// comparison).
    pub fn values(self, m: &PieceMetrics) -> Option<Vec<f64>> {
        let one = |x: f64| Some(vec![x]);
        match self {
            Feature::NoteCount => one(m.note_count as f64),
            Feature::UsedPitches => one(m.used_pitches as f64),
            Feature::UniqueTones => one(m.unique_tones as f64),
            Feature::PitchRange => one(f64::from(m.pitch_range)),
            Feature::PitchMean => m.pitch_mean.and_then(one),
            Feature::PitchStd => m.pitch_std.and_then(one),
            Feature::AveragePitchShift => m.average_pitch_shift.and_then(one),
            Feature::AverageIoi => m.average_ioi.and_then(one),
            Feature::ScaleConsistency => m.scale_consistency.and_then(one),
            Feature::PitchInScaleRate => m.pitch_in_scale_rate.and_then(one),
            Feature::Polyphony => m.polyphony.and_then(one),
            Feature::PolyphonyRate => m.polyphony_rate.and_then(one),
            Feature::EmptyBeatRate => m.empty_beat_rate.and_then(one),
            Feature::PitchEntropy => m.pitch_entropy.and_then(one),
            Feature::PitchClassEntropy => m.pitch_class_entropy.and_then(one),
            Feature::Repetitions3 => one(m.repeated_3_note_patterns as f64),
            Feature::NotesPerBar => m.notes_per_bar.and_then(one),
            Feature::PhraseRepetition => m.phrase_repetition.and_then(one),
            Feature::PitchClassHistogram => Some(m.pitch_class_histogram.to_vec()),
            Feature::PitchClassTransitions => Some(
                m.pitch_class_transitions
                    .iter()
                    .flatten()
                    .copied()
                    .collect(),
            ),
            Feature::NoteLengthHistogram => Some(m.note_length_histogram.to_vec()),
            Feature::NoteLengthTransitions => Some(
                m.note_length_transitions
                    .iter()
                    .flatten()
                    .copied()
                    .collect(),
            ),
        }
    }
}

impl std::fmt::Display for Feature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::notes::test_support::piece;

    #[test]
    fn keys_are_unique_and_match_serde() {
        let mut keys: Vec<&str> = Feature::ALL.iter().map(|f| f.key()).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), Feature::ALL.len());
        for f in Feature::ALL {
            assert_eq!(
                serde_json::to_string(&f).unwrap(),
                format!("\"{}\"", f.key())
            );
        }
    }

    #[test]
    fn values_have_the_stated_dimension_and_none_when_undefined() {
        let m = PieceMetrics::of(&piece(&[(60, 0, 4), (64, 4, 4)]));
        for f in Feature::ALL {
            assert_eq!(f.values(&m).unwrap().len(), f.dimension(), "{f}");
        }
        let empty = PieceMetrics::of(&crate::music::Piece::default());
        assert_eq!(Feature::PitchStd.values(&empty), None);
        assert_eq!(Feature::NoteCount.values(&empty), Some(vec![0.0]));
        // Matrices are row-major: C -> E is row 0, column 4.
        let t = Feature::PitchClassTransitions.values(&m).unwrap();
        assert_eq!(t[4], 1.0);
    }
}
