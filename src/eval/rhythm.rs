//! Rhythm and texture metrics: note lengths, inter-onset intervals, polyphony, empty beats.
//!
//! Times are measured in quarter notes (ticks / ticks per quarter), so the metrics do not
//! depend on a file's resolution or tempo.

use serde::{Deserialize, Serialize};

use super::notes::NoteStream;
use super::pitch::{normalize, transition_matrix};

/// The 12 note-length classes of the note-length histogram (MGEval's list), in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteLength {
    /// 4 quarters.
    Whole,
    /// 2 quarters.
    Half,
    /// 1 quarter.
    Quarter,
    /// 1/2 quarter.
    Eighth,
    /// 1/4 quarter.
    Sixteenth,
    /// 3 quarters.
    DottedHalf,
    /// 3/2 quarters.
    DottedQuarter,
    /// 3/4 quarter.
    DottedEighth,
    /// 3/8 quarter.
    DottedSixteenth,
    /// 4/3 quarters (three in a whole note).
    HalfTriplet,
    /// 2/3 quarter (three in a half note).
    QuarterTriplet,
    /// 1/3 quarter (three in a quarter note).
    EighthTriplet,
}

impl NoteLength {
    /// The classes in histogram order.
    pub const ALL: [NoteLength; 12] = [
        NoteLength::Whole,
        NoteLength::Half,
        NoteLength::Quarter,
        NoteLength::Eighth,
        NoteLength::Sixteenth,
        NoteLength::DottedHalf,
        NoteLength::DottedQuarter,
        NoteLength::DottedEighth,
        NoteLength::DottedSixteenth,
        NoteLength::HalfTriplet,
        NoteLength::QuarterTriplet,
        NoteLength::EighthTriplet,
    ];

    /// The nominal length in quarter notes.
    pub fn quarters(self) -> f64 {
        match self {
            NoteLength::Whole => 4.0,
            NoteLength::Half => 2.0,
            NoteLength::Quarter => 1.0,
            NoteLength::Eighth => 0.5,
            NoteLength::Sixteenth => 0.25,
            NoteLength::DottedHalf => 3.0,
            NoteLength::DottedQuarter => 1.5,
            NoteLength::DottedEighth => 0.75,
            NoteLength::DottedSixteenth => 0.375,
            NoteLength::HalfTriplet => 4.0 / 3.0,
            NoteLength::QuarterTriplet => 2.0 / 3.0,
            NoteLength::EighthTriplet => 1.0 / 3.0,
        }
    }

    /// A short label for plots and tables ("1/4", "1/8.", "1/8t").
    pub fn label(self) -> &'static str {
        match self {
            NoteLength::Whole => "1",
            NoteLength::Half => "1/2",
            NoteLength::Quarter => "1/4",
            NoteLength::Eighth => "1/8",
            NoteLength::Sixteenth => "1/16",
            NoteLength::DottedHalf => "1/2.",
            NoteLength::DottedQuarter => "1/4.",
            NoteLength::DottedEighth => "1/8.",
            NoteLength::DottedSixteenth => "1/16.",
            NoteLength::HalfTriplet => "1/2t",
            NoteLength::QuarterTriplet => "1/4t",
            NoteLength::EighthTriplet => "1/8t",
        }
    }

    /// The index in [`NoteLength::ALL`].
    pub fn index(self) -> usize {
        NoteLength::ALL.iter().position(|c| *c == self).unwrap_or(0)
    }

    /// The class nearest to a length in quarter notes, nearest by ratio (distance of the
    /// logarithms), so 0.3 quarters is an eighth triplet (1/3) rather than a 16th (1/4).
    /// Longer than a whole note is a whole note; shorter than a 16th is a 16th. On an exact
    /// tie the class earlier in [`NoteLength::ALL`] wins.
    pub fn nearest(quarters: f64) -> NoteLength {
        let x = quarters.max(f64::MIN_POSITIVE).ln();
        let mut best = NoteLength::Whole;
        let mut best_distance = f64::INFINITY;
        for class in NoteLength::ALL {
            let d = (x - class.quarters().ln()).abs();
            if d < best_distance {
                best = class;
                best_distance = d;
            }
        }
        best
    }
}

/// The class of each note of the stream, in stream order.
fn length_classes(stream: &NoteStream) -> Vec<usize> {
    let tpq = f64::from(stream.ticks_per_quarter);
    stream
        .notes
        .iter()
        .map(|n| NoteLength::nearest(n.duration.get() as f64 / tpq).index())
        .collect()
}

/// Share of notes in each [`NoteLength`] class (order of [`NoteLength::ALL`]), counting
/// notes. Sums to 1; all zeros for no notes.
pub fn note_length_histogram(stream: &NoteStream) -> [f64; 12] {
    let mut hist = [0.0; 12];
    for c in length_classes(stream) {
        if let Some(bin) = hist.get_mut(c) {
            *bin += 1.0;
        }
    }
    normalize(&mut hist);
    hist
}

/// Note-length transition matrix: `m[a][b]` is the share of consecutive note pairs of the
/// stream going from class `a` to class `b` (order of [`NoteLength::ALL`]). Sums to 1; all
/// zeros with fewer than two notes.
pub fn note_length_transitions(stream: &NoteStream) -> [[f64; 12]; 12] {
    transition_matrix(&length_classes(stream))
}

/// Mean time in quarter notes between consecutive distinct onsets (notes starting together
/// share one onset, so a chord is one event). `None` with fewer than two distinct onsets.
pub fn average_inter_onset_interval(stream: &NoteStream) -> Option<f64> {
    let mut onsets: Vec<u64> = stream.notes.iter().map(|n| n.start).collect();
    onsets.dedup();
    let (first, last) = (onsets.first()?, onsets.last()?);
    if onsets.len() < 2 {
        return None;
    }
    let span = (last - first) as f64 / f64::from(stream.ticks_per_quarter);
    Some(span / (onsets.len() - 1) as f64)
}

/// Counts from one sweep over the timeline: for every tick from 0 to the end of the last
/// note, how many distinct pitches sound (notes of one pitch that overlap count once, as in
/// MusPy's boolean piano roll).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Texture {
    /// Ticks from 0 to the end of the last note.
    length: u64,
    /// Ticks where at least one pitch sounds.
    sounding: u64,
    /// Sum over ticks of the number of sounding pitches.
    pitch_ticks: u64,
    /// Ticks where more than `threshold` pitches sound.
    over_threshold: u64,
}

fn texture(stream: &NoteStream, threshold: u32) -> Texture {
    let mut events: Vec<(u64, bool, u8)> = Vec::with_capacity(stream.notes.len() * 2);
    for n in &stream.notes {
        events.push((n.start, true, n.pitch.get()));
        events.push((n.end(), false, n.pitch.get()));
    }
    events.sort_unstable();
    let mut count = [0u32; 128];
    let mut distinct = 0u32;
    let mut t = Texture {
        length: stream.end_tick(),
        ..Texture::default()
    };
    let mut i = 0;
    while i < events.len() {
        let tick = events[i].0;
        while let Some(&(at, on, pitch)) = events.get(i)
            && at == tick
        {
            let c = &mut count[usize::from(pitch)];
            if on {
                if *c == 0 {
                    distinct += 1;
                }
                *c += 1;
            } else {
                *c = c.saturating_sub(1);
                if *c == 0 {
                    distinct = distinct.saturating_sub(1);
                }
            }
            i += 1;
        }
        let next = events.get(i).map_or(tick, |e| e.0);
        let span = next - tick;
        if distinct > 0 {
            t.sounding += span;
            t.pitch_ticks += span * u64::from(distinct);
        }
        if distinct > threshold {
            t.over_threshold += span;
        }
    }
    t
}

/// Mean number of distinct pitches sounding, over the ticks where at least one sounds (MusPy
/// `polyphony`): 1.0 for a melody. `None` for no notes.
pub fn polyphony(stream: &NoteStream) -> Option<f64> {
    let t = texture(stream, u32::MAX);
    (t.sounding > 0).then(|| t.pitch_ticks as f64 / t.sounding as f64)
}

/// The default threshold of [`polyphony_rate`]: more than one pitch, i.e. two or more.
pub const POLYPHONY_THRESHOLD: u32 = 1;

/// Share of ticks, from tick 0 to the end of the last note, where strictly more than
/// `threshold` distinct pitches sound (MusPy `polyphony_rate(music, threshold)`; the test is
/// `>`, not `>=`). Use [`POLYPHONY_THRESHOLD`] (1) for "two or more pitches"; MusPy's own
/// default threshold of 2 counts three or more. `None` for no notes.
pub fn polyphony_rate(stream: &NoteStream, threshold: u32) -> Option<f64> {
    let t = texture(stream, threshold);
    (t.length > 0).then(|| t.over_threshold as f64 / t.length as f64)
}

/// Share of beats (quarter notes, as MusPy counts them) in which no note sounds. The beats
/// are `[b q, (b + 1) q)` for `b` from 0 up to the beat holding the last note's last tick,
/// and a note sounds in every beat its half-open span `[start, end)` touches. `None` for no
/// notes.
///
/// MusPy 0.5's `empty_beat_rate` counts one beat more (`end // q + 1` beats) and marks the beat
/// *after* a note that ends on a beat line as sounding, so a quarter note, a quarter rest and a
/// quarter note give 0 there and 1/3 here; `scripts/muspy_compare.py` shows both.
pub fn empty_beat_rate(stream: &NoteStream) -> Option<f64> {
    let q = u64::from(stream.ticks_per_quarter);
    let end = stream.end_tick();
    if end == 0 {
        return None;
    }
    let beats = end.div_ceil(q);
    let mut sounding = vec![false; usize::try_from(beats).ok()?];
    for n in &stream.notes {
        let first = n.start / q;
        let last = (n.end() - 1) / q;
        for b in first..=last {
            if let Some(cell) = usize::try_from(b).ok().and_then(|b| sounding.get_mut(b)) {
                *cell = true;
            }
        }
    }
    let empty = sounding.iter().filter(|s| !**s).count();
    Some(empty as f64 / beats as f64)
}

/// Notes per bar: the number of notes over the number of bars from the start of the piece
/// to the end of its last note, a bar counting when any part of it lies before that end (so
/// 8 notes ending 1 tick into bar 3 make 8 / 3). Bars follow the piece's time signatures
/// ([`super::bars`]). `None` for no notes.
pub fn notes_per_bar(stream: &NoteStream) -> Option<f64> {
    let grid = super::bars::BarGrid::new(stream.ticks_per_quarter, &stream.time_signatures);
    let bars = grid.count_until(stream.end_tick());
    (bars > 0 && !stream.is_empty()).then(|| stream.notes.len() as f64 / bars as f64)
}

#[cfg(test)]
mod tests {
    use super::super::notes::test_support::stream;
    use super::*;

    #[test]
    fn notes_per_bar_by_hand() {
        assert_eq!(notes_per_bar(&stream(&[])), None);
        // One quarter note: one bar (16 ticks at 4 per quarter).
        assert_eq!(notes_per_bar(&stream(&[(60, 0, 4)])), Some(1.0));
        // Eight eighths fill bar 0 exactly: 8 per bar; a ninth note one tick into bar 1 makes
        // two bars. A rest bar in the middle counts.
        let eighths: Vec<(u8, u64, u64)> = (0..8).map(|i| (60, 2 * i, 2)).collect();
        assert_eq!(notes_per_bar(&stream(&eighths)), Some(8.0));
        let mut more = eighths.clone();
        more.push((62, 16, 1));
        assert_eq!(notes_per_bar(&stream(&more)), Some(4.5));
        assert_eq!(
            notes_per_bar(&stream(&[(60, 0, 4), (62, 32, 4)])),
            Some(2.0 / 3.0)
        );
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn classes_are_nearest_by_ratio() {
        assert_eq!(NoteLength::nearest(1.0), NoteLength::Quarter);
        assert_eq!(NoteLength::nearest(8.0), NoteLength::Whole);
        assert_eq!(NoteLength::nearest(0.01), NoteLength::Sixteenth);
        assert_eq!(NoteLength::nearest(0.3), NoteLength::EighthTriplet);
        assert_eq!(NoteLength::nearest(1.5), NoteLength::DottedQuarter);
        assert_eq!(NoteLength::nearest(2.0 / 3.0), NoteLength::QuarterTriplet);
        assert_eq!(NoteLength::nearest(3.2), NoteLength::DottedHalf);
        assert_eq!(NoteLength::ALL.len(), 12);
        for (i, c) in NoteLength::ALL.iter().enumerate() {
            assert_eq!(c.index(), i);
        }
    }

    #[test]
    fn empty_stream() {
        let s = stream(&[]);
        assert_eq!(note_length_histogram(&s), [0.0; 12]);
        assert_eq!(note_length_transitions(&s), [[0.0; 12]; 12]);
        assert_eq!(average_inter_onset_interval(&s), None);
        assert_eq!(polyphony(&s), None);
        assert_eq!(polyphony_rate(&s, POLYPHONY_THRESHOLD), None);
        assert_eq!(empty_beat_rate(&s), None);
    }

    #[test]
    fn single_note() {
        // A dotted quarter (6 ticks at 4 per quarter) starting on beat 2.
        let s = stream(&[(60, 4, 6)]);
        let mut h = [0.0; 12];
        h[NoteLength::DottedQuarter.index()] = 1.0;
        assert_eq!(note_length_histogram(&s), h);
        assert_eq!(note_length_transitions(&s), [[0.0; 12]; 12]);
        assert_eq!(average_inter_onset_interval(&s), None);
        assert_eq!(polyphony(&s), Some(1.0));
        assert_eq!(polyphony_rate(&s, POLYPHONY_THRESHOLD), Some(0.0));
        // Timeline 0..10: beats [0,4) [4,8) [8,12); the note sounds in beats 1 and 2.
        assert!(close(empty_beat_rate(&s).unwrap(), 1.0 / 3.0));
    }

    #[test]
    fn lengths_and_onsets_of_a_melody() {
        // quarter, eighth, eighth, half at 4 ticks per quarter.
        let s = stream(&[(60, 0, 4), (62, 4, 2), (64, 6, 2), (65, 8, 8)]);
        let h = note_length_histogram(&s);
        assert!(close(h[NoteLength::Quarter.index()], 0.25));
        assert!(close(h[NoteLength::Eighth.index()], 0.5));
        assert!(close(h[NoteLength::Half.index()], 0.25));
        let m = note_length_transitions(&s);
        let (q, e, hf) = (
            NoteLength::Quarter.index(),
            NoteLength::Eighth.index(),
            NoteLength::Half.index(),
        );
        assert!(close(m[q][e], 1.0 / 3.0) && close(m[e][e], 1.0 / 3.0));
        assert!(close(m[e][hf], 1.0 / 3.0));
        // Onsets 0, 4, 6, 8 ticks: 8 ticks = 2 quarters over 3 gaps.
        assert!(close(average_inter_onset_interval(&s).unwrap(), 2.0 / 3.0));
        assert_eq!(polyphony(&s), Some(1.0));
        assert_eq!(empty_beat_rate(&s), Some(0.0));
    }

    #[test]
    fn chords_share_one_onset() {
        let s = stream(&[(60, 0, 4), (64, 0, 4), (67, 8, 4)]);
        // Onsets 0 and 8 ticks: one gap of 2 quarters.
        assert_eq!(average_inter_onset_interval(&s), Some(2.0));
    }

    #[test]
    fn polyphony_counts_distinct_pitches_per_tick_and_the_threshold_is_strict() {
        // Ticks 0..4: C and E (2 pitches); 4..6: nothing; 6..8: C, E, G (3 pitches);
        // plus a second C overlapping the first, which counts once.
        let s = stream(&[
            (60, 0, 4),
            (60, 1, 2),
            (64, 0, 4),
            (60, 6, 2),
            (64, 6, 2),
            (67, 6, 2),
        ]);
        // Sounding ticks: 4 + 2 = 6; pitch-ticks 4*2 + 2*3 = 14.
        assert!(close(polyphony(&s).unwrap(), 14.0 / 6.0));
        // Timeline 8 ticks. > 1 pitch: 6 ticks; > 2: 2 ticks; > 3: none.
        assert!(close(polyphony_rate(&s, 1).unwrap(), 6.0 / 8.0));
        assert!(close(polyphony_rate(&s, 2).unwrap(), 2.0 / 8.0));
        assert_eq!(polyphony_rate(&s, 3), Some(0.0));
        // Exactly two pitches do not pass a threshold of 2 (strict).
        let two = stream(&[(60, 0, 4), (64, 0, 4)]);
        assert_eq!(polyphony_rate(&two, 2), Some(0.0));
        assert_eq!(polyphony_rate(&two, 1), Some(1.0));
    }

    #[test]
    fn polyphony_rate_counts_silence_before_the_first_note() {
        // Silence 0..4, then a two-note chord 4..8.
        let s = stream(&[(60, 4, 4), (64, 4, 4)]);
        assert_eq!(polyphony_rate(&s, 1), Some(0.5));
        assert_eq!(polyphony(&s), Some(2.0));
    }

    #[test]
    fn empty_beats_use_half_open_note_spans() {
        // Quarter, quarter rest, quarter: beats 0 and 2 sound, beat 1 is empty.
        let s = stream(&[(60, 0, 4), (62, 8, 4)]);
        assert!(close(empty_beat_rate(&s).unwrap(), 1.0 / 3.0));
        // A note held over a beat line marks both beats.
        let held = stream(&[(60, 2, 4)]);
        assert_eq!(empty_beat_rate(&held), Some(0.0));
    }
}
