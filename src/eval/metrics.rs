//! All per-piece metrics at once.

use serde::{Deserialize, Serialize};

use crate::music::{Key, Piece};

use super::notes::NoteStream;
use super::phrase;
use super::pitch::{self, PITCH_GROUPS};
use super::rhythm::{self, POLYPHONY_THRESHOLD};
use super::scale;

/// Every per-piece metric of the suite, computed from the piece's [`NoteStream`] (all notes of
/// all non-drum parts). Metrics that are undefined for the piece (most of them for a piece
/// without notes, interval metrics for one note) are `None`; see each function in
/// [`super::pitch`], [`super::rhythm`] and [`super::scale`] for the exact definition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PieceMetrics {
    /// Number of notes (non-drum).
    pub note_count: usize,
    /// Distinct MIDI pitches (MusPy `n_pitches_used`).
    pub used_pitches: usize,
    /// Distinct pitch classes, C-RNN-GAN's "unique tones" (MusPy `n_pitch_classes_used`).
    pub unique_tones: usize,
    /// Highest minus lowest pitch in semitones (MusPy `pitch_range`).
    pub pitch_range: u8,
    /// C-RNN-GAN's "tone span": the same number as `pitch_range` (half-tone steps from the
    /// lowest to the highest tone), kept under its own name for readers of that paper. It is
    /// not a separate feature in set comparisons, so it is not counted twice.
    pub tone_span: u8,
    /// Mean MIDI pitch.
    pub pitch_mean: Option<f64>,
    /// Population standard deviation of the MIDI pitch.
    pub pitch_std: Option<f64>,
    /// Mean absolute interval between consecutive notes, in semitones.
    pub average_pitch_shift: Option<f64>,
    /// Mean inter-onset interval between distinct onsets, in quarter notes.
    pub average_ioi: Option<f64>,
    /// Best pitch-in-scale rate over the 24 major/minor scales (MusPy `scale_consistency`).
    pub scale_consistency: Option<f64>,
    /// The key reaching `scale_consistency` (the first in C..B major, C..B minor order).
    pub best_key: Option<Key>,
    /// Pitch-in-scale rate in `scale_key` (MusPy `pitch_in_scale_rate`).
    pub pitch_in_scale_rate: Option<f64>,
    /// The key `pitch_in_scale_rate` is measured in: the first key signature, else C major.
    pub scale_key: Key,
    /// Mean number of pitches sounding when any sounds (MusPy `polyphony`).
    pub polyphony: Option<f64>,
    /// Share of ticks with more than one pitch sounding, threshold strict (MusPy
    /// `polyphony_rate(music, threshold=1)`).
    pub polyphony_rate: Option<f64>,
    /// Share of empty quarter-note beats (half-open note spans; see
    /// [`rhythm::empty_beat_rate`] for how this differs from MusPy 0.5's code).
    pub empty_beat_rate: Option<f64>,
    /// Entropy of the pitch histogram in bits (MusPy `pitch_entropy`).
    pub pitch_entropy: Option<f64>,
    /// Entropy of the pitch-class histogram in bits (MusPy `pitch_class_entropy`).
    pub pitch_class_entropy: Option<f64>,
    /// 3-note pitch windows repeating an earlier window.
    pub repeated_3_note_patterns: usize,
    /// Notes per bar, bars from the piece's time signatures ([`rhythm::notes_per_bar`]).
    #[serde(default)]
    pub notes_per_bar: Option<f64>,
    /// Share of bars with notes that repeat an earlier bar, exactly or transposed
    /// ([`super::phrase`]).
    #[serde(default)]
    pub phrase_repetition: Option<f64>,
    /// Duration-weighted pitch-class histogram (C..B), sums to 1.
    pub pitch_class_histogram: [f64; 12],
    /// Pitch-class transition shares, `[from][to]`, sum to 1.
    pub pitch_class_transitions: [[f64; 12]; 12],
    /// Note-length class shares (order of [`rhythm::NoteLength::ALL`]), sum to 1.
    pub note_length_histogram: [f64; 12],
    /// Note-length transition shares, `[from][to]`, sum to 1.
    pub note_length_transitions: [[f64; 12]; 12],
    /// Note shares per MIDI octave (register group), sum to 1.
    pub pitch_group_histogram: [f64; PITCH_GROUPS],
}

impl PieceMetrics {
    /// Computes every metric of `piece`.
    pub fn of(piece: &Piece) -> Self {
        let stream = NoteStream::of(piece);
        Self::of_stream(&stream, piece.declared_key())
    }

    /// Computes every metric of a note stream; `declared_key` is the piece's written key, if
    /// any (the key of the pitch-in-scale rate).
    pub fn of_stream(stream: &NoteStream, declared_key: Option<Key>) -> Self {
        let scale_key = scale::reference_key(declared_key);
        let best = scale::scale_consistency(stream);
        let range = pitch::pitch_range(stream);
        PieceMetrics {
            note_count: stream.notes.len(),
            used_pitches: pitch::used_pitches(stream),
            unique_tones: pitch::used_pitch_classes(stream),
            pitch_range: range,
            tone_span: range,
            pitch_mean: pitch::pitch_mean(stream),
            pitch_std: pitch::pitch_std(stream),
            average_pitch_shift: pitch::average_pitch_shift(stream),
            average_ioi: rhythm::average_inter_onset_interval(stream),
            scale_consistency: best.map(|(rate, _)| rate),
            best_key: best.map(|(_, key)| key),
            pitch_in_scale_rate: scale::pitch_in_scale_rate(stream, scale_key),
            scale_key,
            polyphony: rhythm::polyphony(stream),
            polyphony_rate: rhythm::polyphony_rate(stream, POLYPHONY_THRESHOLD),
            empty_beat_rate: rhythm::empty_beat_rate(stream),
            pitch_entropy: pitch::pitch_entropy(stream),
            pitch_class_entropy: pitch::pitch_class_entropy(stream),
            repeated_3_note_patterns: pitch::repeated_3_note_patterns(stream),
            notes_per_bar: rhythm::notes_per_bar(stream),
            phrase_repetition: phrase::bar_repetition(stream).share(),
            pitch_class_histogram: pitch::pitch_class_histogram(stream),
            pitch_class_transitions: pitch::pitch_class_transitions(stream),
            note_length_histogram: rhythm::note_length_histogram(stream),
            note_length_transitions: rhythm::note_length_transitions(stream),
            pitch_group_histogram: pitch::pitch_group_histogram(stream),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::notes::test_support::{drums, piece};
    use super::*;
    use crate::music::{KeySignatureChange, Mode};

    #[test]
    fn empty_piece() {
        let m = PieceMetrics::of(&Piece::default());
        assert_eq!(m.note_count, 0);
        assert_eq!(m.used_pitches, 0);
        assert_eq!(m.unique_tones, 0);
        assert_eq!((m.pitch_range, m.tone_span), (0, 0));
        assert_eq!(m.pitch_mean, None);
        assert_eq!(m.scale_consistency, None);
        assert_eq!(m.best_key, None);
        assert_eq!(m.pitch_in_scale_rate, None);
        assert_eq!(m.polyphony, None);
        assert_eq!(m.polyphony_rate, None);
        assert_eq!(m.empty_beat_rate, None);
        assert_eq!(m.pitch_entropy, None);
        assert_eq!(m.repeated_3_note_patterns, 0);
        assert_eq!(m.notes_per_bar, None);
        assert_eq!(m.phrase_repetition, None);
        assert_eq!(m.scale_key, Key::C_MAJOR);
        // Round trip through JSON (None becomes null and back).
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(serde_json::from_str::<PieceMetrics>(&json).unwrap(), m);
    }

    #[test]
    fn single_note_with_drums_beside_it() {
        let mut p = piece(&[(66, 0, 4)]);
        p.parts.push(drums(&[(36, 0, 1), (38, 8, 1)]));
        p.key_signatures.push(KeySignatureChange {
            tick: 0,
            key: scale::key(2, Mode::Major),
        });
        let m = PieceMetrics::of(&p);
        assert_eq!(m.note_count, 1);
        assert_eq!(m.used_pitches, 1);
        assert_eq!(m.pitch_mean, Some(66.0));
        assert_eq!(m.pitch_std, Some(0.0));
        assert_eq!(m.average_pitch_shift, None);
        assert_eq!(m.average_ioi, None);
        // F# is in D major (declared) but not in C major.
        assert_eq!(m.scale_key, scale::key(2, Mode::Major));
        assert_eq!(m.pitch_in_scale_rate, Some(1.0));
        assert_eq!(m.scale_consistency, Some(1.0));
        assert_eq!(m.polyphony, Some(1.0));
        assert_eq!(m.polyphony_rate, Some(0.0));
        // Drums are not read: the timeline ends with the F# at tick 4, one beat, sounding.
        assert_eq!(m.empty_beat_rate, Some(0.0));
        assert_eq!(m.pitch_entropy, Some(0.0));
        assert_eq!(m.pitch_class_histogram[6], 1.0);
        assert_eq!(m.notes_per_bar, Some(1.0));
        assert_eq!(m.phrase_repetition, Some(0.0));
    }
}
