//! Pitch metrics of a note stream.
//!
//! Every function reads a [`NoteStream`] (all non-drum notes, see there for how chords are
//! ordered). Where MusPy 0.5 has the metric the definition is MusPy's, said on each function;
//! a metric that is undefined for the input (e.g. an entropy of no notes, where MusPy returns
//! NaN) returns `None`.

use std::collections::HashSet;

use super::notes::NoteStream;

/// How many pitch groups [`pitch_group_histogram`] has: the MIDI octaves -1..=9
/// (C-1..B-1, C0..B0, ..., C9..G9).
pub const PITCH_GROUPS: usize = 11;

/// Number of distinct MIDI pitches (MusPy `n_pitches_used`). 0 for no notes.
pub fn used_pitches(stream: &NoteStream) -> usize {
    stream.pitches().collect::<HashSet<_>>().len()
}

/// Number of distinct pitch classes, the "unique tones" of C-RNN-GAN (MusPy
/// `n_pitch_classes_used`). 0 for no notes.
pub fn used_pitch_classes(stream: &NoteStream) -> usize {
    stream
        .pitches()
        .map(|p| p % 12)
        .collect::<HashSet<_>>()
        .len()
}

/// Highest minus lowest pitch in semitones (MusPy `pitch_range`; also C-RNN-GAN's "tone
/// span", the same number). 0 for no notes (MusPy also gives 0 there, but -127 for a piece
/// of drums only, which counts here as no notes).
pub fn pitch_range(stream: &NoteStream) -> u8 {
    let lo = stream.pitches().min();
    let hi = stream.pitches().max();
    match (lo, hi) {
        (Some(lo), Some(hi)) => hi - lo,
        _ => 0,
    }
}

/// Mean MIDI pitch over notes (each note counts once, whatever its length). `None` for no
/// notes.
pub fn pitch_mean(stream: &NoteStream) -> Option<f64> {
    if stream.is_empty() {
        return None;
    }
    let sum: f64 = stream.pitches().map(f64::from).sum();
    Some(sum / stream.notes.len() as f64)
}

/// Population standard deviation of the MIDI pitch over notes (divides by n, not n - 1; one
/// note gives 0). `None` for no notes.
pub fn pitch_std(stream: &NoteStream) -> Option<f64> {
    let mean = pitch_mean(stream)?;
    let var: f64 = stream
        .pitches()
        .map(|p| (f64::from(p) - mean).powi(2))
        .sum::<f64>()
        / stream.notes.len() as f64;
    Some(var.sqrt())
}

/// Mean absolute interval in semitones between consecutive notes of the stream (MGEval's
/// `avg_pitch_shift`). `None` with fewer than two notes.
pub fn average_pitch_shift(stream: &NoteStream) -> Option<f64> {
    let pitches: Vec<i32> = stream.pitches().map(i32::from).collect();
    if pitches.len() < 2 {
        return None;
    }
    let total: i32 = pitches.windows(2).map(|w| (w[1] - w[0]).abs()).sum();
    Some(f64::from(total) / (pitches.len() - 1) as f64)
}

/// Shannon entropy in bits of the normalized histogram of the 128 MIDI pitches, counting
/// notes (MusPy `pitch_entropy`). `None` for no notes.
pub fn pitch_entropy(stream: &NoteStream) -> Option<f64> {
    let mut counts = [0u64; 128];
    for p in stream.pitches() {
        counts[usize::from(p)] += 1;
    }
    entropy_bits(&counts)
}

/// Shannon entropy in bits of the normalized pitch-class histogram, counting notes (MusPy
/// `pitch_class_entropy`). `None` for no notes.
pub fn pitch_class_entropy(stream: &NoteStream) -> Option<f64> {
    let mut counts = [0u64; 12];
    for p in stream.pitches() {
        counts[usize::from(p % 12)] += 1;
    }
    entropy_bits(&counts)
}

/// `-sum p log2 p` of the normalized counts (0 log 0 = 0); `None` when all counts are 0.
fn entropy_bits(counts: &[u64]) -> Option<f64> {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return None;
    }
    let total = total as f64;
    let h = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / total;
            -p * p.log2()
        })
        .sum::<f64>();
    // A single bin gives -1 * log2(1) = -0.0; report +0.
    Some(h.max(0.0))
}

/// Pitch-class histogram weighted by duration: bin `c` (0 = C .. 11 = B) holds the total
/// length of the notes of class `c` over the total length of all notes (notes that overlap
/// both count in full). Sums to 1; all zeros for no notes.
pub fn pitch_class_histogram(stream: &NoteStream) -> [f64; 12] {
    let mut hist = [0.0; 12];
    for n in &stream.notes {
        hist[usize::from(n.pitch.get() % 12)] += n.duration.get() as f64;
    }
    normalize(&mut hist);
    hist
}

/// Pitch-class transition matrix: `m[a][b]` is the share of consecutive note pairs of the
/// stream that go from class `a` to class `b` (MGEval's `pitch_class_transition_matrix`,
/// normalized by the number of pairs so that pieces of any length compare). Sums to 1; all
/// zeros with fewer than two notes.
pub fn pitch_class_transitions(stream: &NoteStream) -> [[f64; 12]; 12] {
    let classes: Vec<usize> = stream.pitches().map(|p| usize::from(p % 12)).collect();
    transition_matrix(&classes)
}

/// The normalized 12x12 matrix of consecutive pairs of `states` (each in 0..12).
pub(crate) fn transition_matrix(states: &[usize]) -> [[f64; 12]; 12] {
    let mut m = [[0.0; 12]; 12];
    for w in states.windows(2) {
        if let (Some(a), Some(b)) = (w.first(), w.get(1))
            && let Some(cell) = m.get_mut(*a).and_then(|row| row.get_mut(*b))
        {
            *cell += 1.0;
        }
    }
    let pairs = states.len().saturating_sub(1);
    if pairs > 0 {
        for row in &mut m {
            for cell in row.iter_mut() {
                *cell /= pairs as f64;
            }
        }
    }
    m
}

/// How often a 3-note pitch pattern repeats: the number of windows of three consecutive
/// pitches of the stream that equal an earlier window (windows may overlap; exact pitches,
/// not intervals). `C D E C D E` has the windows CDE, DEC, ECD, CDE: one repetition.
/// 0 with fewer than four notes.
pub fn repeated_3_note_patterns(stream: &NoteStream) -> usize {
    let pitches: Vec<u8> = stream.pitches().collect();
    let windows = pitches.windows(3);
    let total = windows.len();
    let distinct = pitches.windows(3).collect::<HashSet<_>>().len();
    total - distinct
}

/// Histogram of notes over [`PITCH_GROUPS`] register groups, one per MIDI octave
/// (group `g` holds pitches `12g..12g+11`, i.e. scientific octave `g - 1`), counting notes,
/// normalized to sum 1 (all zeros for no notes). The set comparison takes the Manhattan (L1)
/// distance between the pooled histograms of two sets.
pub fn pitch_group_histogram(stream: &NoteStream) -> [f64; PITCH_GROUPS] {
    let mut hist = [0.0; PITCH_GROUPS];
    for p in stream.pitches() {
        if let Some(bin) = hist.get_mut(usize::from(p / 12)) {
            *bin += 1.0;
        }
    }
    normalize(&mut hist);
    hist
}

/// Note counts per MIDI pitch (128 bins), not normalized.
pub fn pitch_counts(stream: &NoteStream) -> [u64; 128] {
    let mut counts = [0u64; 128];
    for p in stream.pitches() {
        counts[usize::from(p)] += 1;
    }
    counts
}

/// Manhattan (L1) distance between two histograms of the same length (0 = equal, 2 = no
/// shared mass for normalized histograms).
pub fn manhattan(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum()
}

/// Divides by the sum, leaving all zeros alone.
pub(crate) fn normalize(values: &mut [f64]) {
    let total: f64 = values.iter().sum();
    if total > 0.0 {
        for v in values.iter_mut() {
            *v /= total;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::notes::test_support::stream;
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn empty_stream() {
        let s = stream(&[]);
        assert_eq!(used_pitches(&s), 0);
        assert_eq!(used_pitch_classes(&s), 0);
        assert_eq!(pitch_range(&s), 0);
        assert_eq!(pitch_mean(&s), None);
        assert_eq!(pitch_std(&s), None);
        assert_eq!(average_pitch_shift(&s), None);
        assert_eq!(pitch_entropy(&s), None);
        assert_eq!(pitch_class_entropy(&s), None);
        assert_eq!(pitch_class_histogram(&s), [0.0; 12]);
        assert_eq!(pitch_class_transitions(&s), [[0.0; 12]; 12]);
        assert_eq!(repeated_3_note_patterns(&s), 0);
        assert_eq!(pitch_group_histogram(&s), [0.0; PITCH_GROUPS]);
    }

    #[test]
    fn single_note() {
        let s = stream(&[(62, 0, 4)]);
        assert_eq!(used_pitches(&s), 1);
        assert_eq!(used_pitch_classes(&s), 1);
        assert_eq!(pitch_range(&s), 0);
        assert_eq!(pitch_mean(&s), Some(62.0));
        assert_eq!(pitch_std(&s), Some(0.0));
        assert_eq!(average_pitch_shift(&s), None);
        assert_eq!(pitch_entropy(&s), Some(0.0));
        assert_eq!(pitch_class_entropy(&s), Some(0.0));
        let mut one_hot = [0.0; 12];
        one_hot[2] = 1.0;
        assert_eq!(pitch_class_histogram(&s), one_hot);
        assert_eq!(pitch_class_transitions(&s), [[0.0; 12]; 12]);
        let mut group = [0.0; PITCH_GROUPS];
        group[5] = 1.0; // 62 / 12 = 5: octave 4
        assert_eq!(pitch_group_histogram(&s), group);
    }

    #[test]
    fn melody_c_e_g_c() {
        // C4 (1 beat), E4 (1 beat), G4 (2 beats), C5 (half a beat); 4 ticks per quarter.
        let s = stream(&[(60, 0, 4), (64, 4, 4), (67, 8, 8), (72, 16, 2)]);
        assert_eq!(used_pitches(&s), 4);
        assert_eq!(used_pitch_classes(&s), 3);
        assert_eq!(pitch_range(&s), 12);
        // mean (60+64+67+72)/4 = 65.75; deviations -5.75 -1.75 1.25 6.25;
        // squares 33.0625 3.0625 1.5625 39.0625 = 76.75; /4 = 19.1875.
        assert!(close(pitch_mean(&s).unwrap(), 65.75));
        assert!(close(pitch_std(&s).unwrap(), 19.1875f64.sqrt()));
        // |4| + |3| + |5| = 12 over 3 steps.
        assert!(close(average_pitch_shift(&s).unwrap(), 4.0));
        // 4 distinct pitches, one note each: 2 bits; classes C C E G = 1/2,1/4,1/4: 1.5 bits.
        assert!(close(pitch_entropy(&s).unwrap(), 2.0));
        assert!(close(pitch_class_entropy(&s).unwrap(), 1.5));
        // Durations: C 4 + 2 = 6, E 4, G 8, total 18.
        let h = pitch_class_histogram(&s);
        assert!(close(h[0], 6.0 / 18.0) && close(h[4], 4.0 / 18.0) && close(h[7], 8.0 / 18.0));
        assert!(close(h.iter().sum::<f64>(), 1.0));
        // Pairs C->E, E->G, G->C, a third each.
        let m = pitch_class_transitions(&s);
        assert!(close(m[0][4], 1.0 / 3.0) && close(m[4][7], 1.0 / 3.0));
        assert!(close(m[7][0], 1.0 / 3.0));
        assert!(close(m.iter().flatten().sum::<f64>(), 1.0));
        // Groups: 60, 64, 67 in group 5; 72 in group 6.
        let g = pitch_group_histogram(&s);
        assert!(close(g[5], 0.75) && close(g[6], 0.25));
    }

    #[test]
    fn chords_are_read_lowest_note_first() {
        // A C-E chord then G: the stream is C, E, G.
        let s = stream(&[(64, 0, 4), (60, 0, 4), (67, 4, 4)]);
        assert!(close(average_pitch_shift(&s).unwrap(), 3.5));
        let m = pitch_class_transitions(&s);
        assert!(close(m[0][4], 0.5) && close(m[4][7], 0.5));
    }

    #[test]
    fn three_note_patterns_count_repeats_of_earlier_windows() {
        let s = stream(&[
            (60, 0, 1),
            (62, 1, 1),
            (64, 2, 1),
            (60, 3, 1),
            (62, 4, 1),
            (64, 5, 1),
        ]);
        assert_eq!(repeated_3_note_patterns(&s), 1);
        // Seven repeated notes: 5 windows, all the same: 4 repetitions.
        let same: Vec<(u8, u64, u64)> = (0..7).map(|i| (60, i, 1)).collect();
        assert_eq!(repeated_3_note_patterns(&stream(&same)), 4);
        assert_eq!(
            repeated_3_note_patterns(&stream(&[(60, 0, 1), (60, 1, 1), (60, 2, 1)])),
            0
        );
    }

    #[test]
    fn manhattan_distance_of_histograms() {
        assert!(close(manhattan(&[0.5, 0.5, 0.0], &[0.0, 0.5, 0.5]), 1.0));
        assert!(close(manhattan(&[1.0, 0.0], &[0.0, 1.0]), 2.0));
        assert_eq!(manhattan(&[0.25; 4], &[0.25; 4]), 0.0);
    }
}
