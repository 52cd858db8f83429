//! The judge's view of a melody: a fixed-length vector of transposition-invariant numbers.
//!
//! Notes are read as every eval metric reads them ([`NoteStream`]); intervals are between
//! consecutive notes, durations are in 16ths (rounded), bars come from the piece's time
//! signatures ([`BarGrid`]). No number depends on the melody's key or absolute register
//! (pitch classes are measured from the estimated tonic), nor on its length (counts are
//! shares or per-bar rates), so sets of different keys and lengths can be compared; melodies
//! should still be of similar length (cut both sets with [`super::JudgeConfig::bars`]), since
//! form figures such as phrase repetition grow with length.
//!
//! The blocks, in order (a melody with too few notes for a block gets zeros there):
//! 1. Interval histogram: shares of intervals below -12, each of -12..=12, above 12 (27).
//! 2. Duration histogram: shares of notes lasting 1, 2, 3, 4, 6, 8, 12, 16 16ths or other,
//!    including lengths off the 16th grid such as triplets (9).
//! 3. Interval bigrams: consecutive interval pairs (each clamped to -12..=12) hashed into 32
//!    buckets, shares (32).
//! 4. (interval class, duration class) pairs: 9 interval classes (big leap, leap, third,
//!    step down; repeat; step, third, leap, big leap up) by 6 classes of the second note's
//!    duration (1, 2, 3, 4, 5-7, 8+ 16ths), shares (54).
//! 5. Key: the duration-weighted pitch-class histogram relative to the tonic of the estimated
//!    key (Krumhansl-Schmuckler, [`crate::music::estimate_key`]), minor or not, the key's
//!    correlation, the share of notes in its scale (15).
//! 6. Start and end: scale degree (semitones above the tonic) of the first and of the last
//!    note, one-hot; first and last note above the median pitch in octaves (clamped to
//!    -2..=2); last note's duration in bars (clamped to 0..=2) (27).
//! 7. Pitch: range, standard deviation, mean and largest absolute interval (the largest
//!    clamped to 24), shares of repeated notes, steps (1-2 semitones) and leaps (5+) (7).
//! 8. Rhythm: notes per bar, rest share (time between the first onset and the last end with
//!    no note sounding), shares of onsets on a beat, on an eighth between beats, off the
//!    eighth grid, of notes held over a bar line, of bars with a note on their downbeat, the
//!    mean and standard deviation of durations (16ths), the share of consecutive notes whose
//!    durations differ (10).
//! 9. Contour: mean length of rising and of falling runs (in intervals, repeats skipped),
//!    share of direction changes, share of leaps (5+) followed by a step back (4).
//! 10. Form: phrase repetition ([`super::super::phrase`]: exactly or transposed, and exactly),
//!     the longest (interval, duration) segment found twice in the melody over its notes,
//!     the share of 4-note patterns already heard earlier in it (4).

use crate::music::{Piece, estimate_key};

use super::super::bars::BarGrid;
use super::super::notes::NoteStream;
use super::super::phrase::bar_repetition;

/// Length of every feature vector.
pub const FEATURE_COUNT: usize = 27 + 9 + 32 + 54 + 15 + 27 + 7 + 10 + 4 + 4;

/// Buckets of the interval-bigram hash.
const BIGRAM_BUCKETS: usize = 32;

/// Appends blocks to a feature vector.
struct Vector(Vec<f64>);

impl Vector {
    /// Appends `counts` divided by `total` (zeros when `total` is 0).
    fn shares(&mut self, counts: &[f64], total: f64) {
        for c in counts {
            self.0.push(if total > 0.0 { c / total } else { 0.0 });
        }
    }

    /// Appends a one-hot block of `size` with `index` set (all zeros for `None`).
    fn one_hot(&mut self, size: usize, index: Option<usize>) {
        for i in 0..size {
            self.0.push(if Some(i) == index { 1.0 } else { 0.0 });
        }
    }

    fn push(&mut self, value: f64) {
        self.0.push(if value.is_finite() { value } else { 0.0 });
    }
}

/// The interval class of blocks 4 (0..9).
fn interval_class(interval: i32) -> usize {
    match interval {
        i32::MIN..=-8 => 0,
        -7..=-5 => 1,
        -4..=-3 => 2,
        -2..=-1 => 3,
        0 => 4,
        1..=2 => 5,
        3..=4 => 6,
        5..=7 => 7,
        _ => 8,
    }
}

/// The duration class of block 4 (0..6) of a duration in 16ths.
fn duration_class(sixteenths: u64) -> usize {
    match sixteenths {
        0..=1 => 0,
        2 => 1,
        3 => 2,
        4 => 3,
        5..=7 => 4,
        _ => 5,
    }
}

/// The bin of block 2 (0..9): exact lengths of 1, 2, 3, 4, 6, 8, 12, 16 16ths, else other.
fn duration_bin(ticks: u64, stream: &NoteStream) -> usize {
    let step = stream.ticks_per_sixteenth();
    if !ticks.is_multiple_of(step) {
        return 8;
    }
    match ticks / step {
        1 => 0,
        2 => 1,
        3 => 2,
        4 => 3,
        6 => 4,
        8 => 5,
        12 => 6,
        16 => 7,
        _ => 8,
    }
}

/// A fixed hash of an interval pair into [`BIGRAM_BUCKETS`] buckets.
fn bigram_bucket(a: i32, b: i32) -> usize {
    let x = ((a.clamp(-12, 12) + 12) * 25 + b.clamp(-12, 12) + 12) as u64 + 1;
    let h = x.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    ((h >> 40) as usize) % BIGRAM_BUCKETS
}

fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        0.0
    } else {
        values.iter().sum::<f64>() / values.len() as f64
    }
}

fn std_dev(values: &[f64]) -> f64 {
    let m = mean(values);
    mean(&values.iter().map(|v| (v - m) * (v - m)).collect::<Vec<_>>()).sqrt()
}

/// The ticks of one beat of the bar's metre: a dotted quarter in compound metres (6/8, 9/8,
/// 12/8, 6/4...), else one `1/denominator` note.
fn beat_ticks(signature: crate::music::TimeSignature, ticks_per_quarter: u16) -> u64 {
    let unit = signature.ticks_per_beat(ticks_per_quarter).max(1);
    let n = signature.numerator();
    if n > 3 && n.is_multiple_of(3) && signature.denominator() >= 4 {
        unit * 3
    } else {
        unit
    }
}

/// The longest stretch of `keys` that occurs at two different places (overlaps allowed).
fn longest_repeat(keys: &[u64]) -> usize {
    // row[j + 1] = length of the common stretch ending at positions i and j (i < j). Walking
    // j downwards, row[j] still holds the value for (i - 1, j - 1) when (i, j) is computed.
    let mut row = vec![0usize; keys.len() + 1];
    let mut best = 0;
    for i in 0..keys.len() {
        for j in (i + 1..keys.len()).rev() {
            row[j + 1] = if keys[i] == keys[j] { row[j] + 1 } else { 0 };
            best = best.max(row[j + 1]);
        }
    }
    best
}

/// The feature vector of one melody ([`FEATURE_COUNT`] numbers, all finite).
pub fn melody_features(piece: &Piece) -> Vec<f64> {
    let stream = NoteStream::of(piece);
    let notes = &stream.notes;
    let n = notes.len();
    let mut v = Vector(Vec::with_capacity(FEATURE_COUNT));
    let pitches: Vec<i32> = notes.iter().map(|x| i32::from(x.pitch.get())).collect();
    let durations: Vec<u64> = notes
        .iter()
        .map(|x| stream.sixteenths(x.duration.get()))
        .collect();
    let intervals: Vec<i32> = pitches.windows(2).map(|w| w[1] - w[0]).collect();
    let steps = intervals.len() as f64;

    // 1. Intervals.
    let mut hist = [0.0; 27];
    for &i in &intervals {
        hist[(i.clamp(-13, 13) + 13) as usize] += 1.0;
    }
    v.shares(&hist, steps);

    // 2. Durations.
    let mut hist = [0.0; 9];
    for x in notes {
        hist[duration_bin(x.duration.get(), &stream)] += 1.0;
    }
    v.shares(&hist, n as f64);

    // 3. Interval bigrams.
    let mut hist = [0.0; BIGRAM_BUCKETS];
    for w in intervals.windows(2) {
        hist[bigram_bucket(w[0], w[1])] += 1.0;
    }
    v.shares(&hist, intervals.len().saturating_sub(1) as f64);

    // 4. (interval, duration) pairs.
    let mut hist = [0.0; 54];
    for (k, &i) in intervals.iter().enumerate() {
        hist[interval_class(i) * 6 + duration_class(durations[k + 1])] += 1.0;
    }
    v.shares(&hist, steps);

    // 5. Key.
    let key = estimate_key(notes.iter());
    let tonic = key.as_ref().map(|k| i32::from(k.key.tonic.get()));
    let degree = |pitch: i32| tonic.map(|t| (pitch - t).rem_euclid(12) as usize);
    let mut hist = [0.0; 12];
    let mut in_scale = 0.0;
    if let Some(k) = &key {
        for x in notes {
            if let Some(d) = degree(i32::from(x.pitch.get())) {
                hist[d] += x.duration.get() as f64;
            }
            if k.key.contains(x.pitch.class()) {
                in_scale += 1.0;
            }
        }
    }
    let total: f64 = hist.iter().sum();
    v.shares(&hist, total);
    v.push(
        if key
            .as_ref()
            .is_some_and(|k| k.key.mode == crate::music::Mode::Minor)
        {
            1.0
        } else {
            0.0
        },
    );
    v.push(key.as_ref().map_or(0.0, |k| k.correlation));
    v.push(if n > 0 { in_scale / n as f64 } else { 0.0 });

    // 6. Start and end.
    v.one_hot(12, pitches.first().and_then(|&p| degree(p)));
    v.one_hot(12, pitches.last().and_then(|&p| degree(p)));
    let mut sorted = pitches.clone();
    sorted.sort_unstable();
    let median = sorted.get(n / 2).copied().unwrap_or(0);
    let octaves =
        |p: Option<&i32>| p.map_or(0.0, |&p| (f64::from(p - median) / 12.0).clamp(-2.0, 2.0));
    v.push(octaves(pitches.first()));
    v.push(octaves(pitches.last()));
    let grid = BarGrid::new(stream.ticks_per_quarter, &stream.time_signatures);
    let last_in_bars = notes.last().map_or(0.0, |x| {
        let bar = grid
            .signature_at(x.start)
            .ticks_per_bar(stream.ticks_per_quarter);
        (x.duration.get() as f64 / bar.max(1) as f64).clamp(0.0, 2.0)
    });
    v.push(last_in_bars);

    // 7. Pitch.
    let range = match (sorted.first(), sorted.last()) {
        (Some(lo), Some(hi)) => f64::from(hi - lo),
        _ => 0.0,
    };
    let as_f64: Vec<f64> = pitches.iter().map(|&p| f64::from(p)).collect();
    let abs_intervals: Vec<f64> = intervals.iter().map(|i| f64::from(i.abs())).collect();
    let share_of = |pred: &dyn Fn(i32) -> bool| {
        if intervals.is_empty() {
            0.0
        } else {
            intervals.iter().filter(|&&i| pred(i)).count() as f64 / steps
        }
    };
    v.push(range);
    v.push(std_dev(&as_f64));
    v.push(mean(&abs_intervals));
    v.push(
        abs_intervals
            .iter()
            .fold(0.0_f64, |m, &x| m.max(x))
            .min(24.0),
    );
    v.push(share_of(&|i| i == 0));
    v.push(share_of(&|i| (1..=2).contains(&i.abs())));
    v.push(share_of(&|i| i.abs() >= 5));

    // 8. Rhythm.
    let end = stream.end_tick();
    let bars = grid.count_until(end).max(1) as f64;
    v.push(n as f64 / bars);
    let (mut covered, mut reach) = (0u64, notes.first().map_or(0, |x| x.start));
    for x in notes {
        let from = x.start.max(reach);
        if x.end() > from {
            covered += x.end() - from;
        }
        reach = reach.max(x.end());
    }
    let span = notes.first().map_or(0, |x| end - x.start);
    v.push(if span > 0 {
        1.0 - covered as f64 / span as f64
    } else {
        0.0
    });
    let eighth = (u64::from(stream.ticks_per_quarter) / 2).max(1);
    let (mut on_beat, mut on_eighth, mut off_grid, mut held_over) = (0.0, 0.0, 0.0, 0.0);
    let mut downbeats = std::collections::HashSet::new();
    for x in notes {
        let bar = grid.bar_of(x.start);
        let position = x.start - grid.start(bar);
        let beat = beat_ticks(grid.signature_at(x.start), stream.ticks_per_quarter);
        if position.is_multiple_of(beat) {
            on_beat += 1.0;
        } else if position.is_multiple_of(eighth) {
            on_eighth += 1.0;
        } else {
            off_grid += 1.0;
        }
        if position == 0 {
            downbeats.insert(bar);
        }
        if x.end() > grid.start(bar + 1) {
            held_over += 1.0;
        }
    }
    v.shares(&[on_beat, on_eighth, off_grid, held_over], n as f64);
    v.push(downbeats.len() as f64 / bars);
    let durations_f: Vec<f64> = durations.iter().map(|&d| d as f64).collect();
    v.push(mean(&durations_f));
    v.push(std_dev(&durations_f));
    let changes = durations.windows(2).filter(|w| w[0] != w[1]).count();
    v.push(if n > 1 {
        changes as f64 / (n - 1) as f64
    } else {
        0.0
    });

    // 9. Contour (repeated notes skipped).
    let moves: Vec<i32> = intervals.iter().copied().filter(|&i| i != 0).collect();
    let (mut up_runs, mut down_runs) = (Vec::new(), Vec::new());
    let mut run = 0.0;
    for (k, &m) in moves.iter().enumerate() {
        run += 1.0;
        let ends = moves
            .get(k + 1)
            .is_none_or(|&next| next.signum() != m.signum());
        if ends {
            if m > 0 {
                up_runs.push(run);
            } else {
                down_runs.push(run);
            }
            run = 0.0;
        }
    }
    v.push(mean(&up_runs));
    v.push(mean(&down_runs));
    let turns = moves
        .windows(2)
        .filter(|w| w[0].signum() != w[1].signum())
        .count();
    v.push(if moves.len() > 1 {
        turns as f64 / (moves.len() - 1) as f64
    } else {
        0.0
    });
    let leaps: Vec<(i32, i32)> = intervals
        .windows(2)
        .map(|w| (w[0], w[1]))
        .filter(|(a, _)| a.abs() >= 5)
        .collect();
    let resolved = leaps
        .iter()
        .filter(|(a, b)| b.signum() == -a.signum() && (1..=2).contains(&b.abs()))
        .count();
    v.push(if leaps.is_empty() {
        0.0
    } else {
        resolved as f64 / leaps.len() as f64
    });

    // 10. Form.
    let bar_rep = bar_repetition(&stream);
    v.push(bar_rep.share().unwrap_or(0.0));
    v.push(if bar_rep.bars > 0 {
        bar_rep.exact as f64 / bar_rep.bars as f64
    } else {
        0.0
    });
    let keys = stream.step_keys();
    v.push(if n > 0 {
        let repeat = longest_repeat(&keys);
        if repeat > 0 {
            (repeat + 1) as f64 / n as f64
        } else {
            0.0
        }
    } else {
        0.0
    });
    let mut seen = std::collections::HashSet::new();
    let (mut patterns, mut heard) = (0.0, 0.0);
    for w in keys.windows(3) {
        patterns += 1.0;
        if !seen.insert(w) {
            heard += 1.0;
        }
    }
    v.push(if patterns > 0.0 {
        heard / patterns
    } else {
        0.0
    });

    debug_assert_eq!(v.0.len(), FEATURE_COUNT);
    v.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::notes::test_support::piece;
    use crate::music::transpose_piece;

    fn tune() -> Piece {
        // Two 4/4 bars (16 ticks each at 4 per quarter) and the first bar again.
        piece(&[
            (60, 0, 4),
            (62, 4, 2),
            (64, 6, 2),
            (65, 8, 4),
            (67, 12, 4),
            (69, 16, 8),
            (67, 24, 4),
            (60, 28, 4),
            (60, 32, 4),
            (62, 36, 2),
            (64, 38, 2),
            (65, 40, 4),
            (67, 44, 4),
        ])
    }

    #[test]
    fn every_melody_gives_the_same_length_and_finite_numbers() {
        for p in [Piece::default(), piece(&[(60, 0, 4)]), tune()] {
            let f = melody_features(&p);
            assert_eq!(f.len(), FEATURE_COUNT);
            assert!(f.iter().all(|x| x.is_finite()));
        }
        assert!(melody_features(&Piece::default()).iter().all(|&x| x == 0.0));
    }

    #[test]
    fn transposing_changes_nothing() {
        let a = melody_features(&tune());
        for semitones in [-7, 5, 12] {
            let mut moved = tune();
            transpose_piece(&mut moved, semitones).unwrap();
            let b = melody_features(&moved);
            // The key correlation may differ in the last bits (sums in another order).
            for (i, (x, y)) in a.iter().zip(&b).enumerate() {
                assert!((x - y).abs() < 1e-9, "{semitones}: feature {i}: {x} vs {y}");
            }
        }
    }

    #[test]
    fn hand_checked_values() {
        let f = melody_features(&tune());
        // Block 1: 12 intervals: +2 four times... count the repeated note (60 -> 60) once.
        let repeats = f[13];
        assert!((repeats - 1.0 / 12.0).abs() < 1e-12);
        // Block 7 starts after 27 + 9 + 32 + 54 + 15 + 27 = 164: range 9 semitones.
        assert_eq!(f[164], 9.0);
        // Block 8: 13 notes over 3 bars.
        assert!((f[171] - 13.0 / 3.0).abs() < 1e-12);
        // No rests between the first onset and the last end.
        assert_eq!(f[172], 0.0);
        // Block 10 (last 4): bar 2 repeats bar 0 exactly: 1 of 3 bars.
        let form = &f[FEATURE_COUNT - 4..];
        assert!((form[0] - 1.0 / 3.0).abs() < 1e-12);
        assert!((form[1] - 1.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn longest_repeat_finds_overlapping_and_separate_repeats() {
        assert_eq!(longest_repeat(&[]), 0);
        assert_eq!(longest_repeat(&[1, 2, 3]), 0);
        assert_eq!(longest_repeat(&[1, 2, 3, 9, 1, 2, 3]), 3);
        assert_eq!(longest_repeat(&[5, 5, 5, 5]), 3);
    }
}
