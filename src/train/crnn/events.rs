//! Continuous note events, the data of C-RNN-GAN: one event per melody note, with its pitch,
//! duration, time since the previous onset and velocity, scaled to a few units around 0.
//!
//! # Scaling of the four features
//! | feature | value | scaled |
//! |---|---|---|
//! | pitch | MIDI number `p` | `(p - 60) / 12` (octaves from middle C) |
//! | duration | `d` 16ths, 1..=64 | `log2(1 + d) - 2` |
//! | time since the previous onset | `g` 16ths, 0..=64 | `log2(1 + g) - 2` |
//! | velocity | `v`, 1..=127 | `(v - 64) / 64` |
//!
//! Times are in 16th notes (the data set's grid) on a log scale, so that a 16th, an eighth and
//! a half note are about evenly spaced (-1, -0.42, 1.17) and a long rest does not dominate
//! the squared errors; they are capped at 64 16ths (four 4/4 bars). The first event of a piece
//! counts its time from the piece's start. The data set stores tokens, which carry no
//! velocity: every note of the data has velocity 80 ([`Velocity::DEFAULT`]), so the velocity
//! feature is a constant the generator learns to reproduce.
//!
//! Decoding ([`Event::from_features`]) rounds and clamps: pitches to the piano's keys,
//! durations to 1..=64 16ths, gaps to 0..=64, velocities to 1..=127, NaN to the low end.
//! [`piece_from_events`] lays events out as a monophonic melody on the 16th grid.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::data::windows::window_count;
use crate::data::{Dataset, ShortPieces, Split};
use crate::music::tokens::decode_notes_lenient;
use crate::music::{DEFAULT_TICKS_PER_QUARTER, MusicError, Note, Piece, Pitch, Velocity};

/// Features per event.
pub const FEATURES: usize = 4;
/// The longest duration and gap an event holds, in 16ths (four 4/4 bars).
pub const MAX_SIXTEENTHS: u32 = 64;
/// 16ths per quarter note.
const SIXTEENTHS_PER_QUARTER: u64 = 4;

/// One melody note as C-RNN-GAN sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Event {
    /// The key.
    pub pitch: Pitch,
    /// How long it sounds, in 16ths (1..=[`MAX_SIXTEENTHS`]).
    pub duration: u32,
    /// 16ths from the previous note's onset (or the piece's start) to this one's
    /// (0..=[`MAX_SIXTEENTHS`]).
    pub gap: u32,
    /// How hard it is struck.
    pub velocity: Velocity,
}

impl Event {
    /// The scaled features `[pitch, duration, gap, velocity]` (see the module documentation).
    pub fn features(&self) -> [f32; FEATURES] {
        [
            pitch_feature(f32::from(self.pitch.get())),
            time_feature(self.duration),
            time_feature(self.gap),
            (f32::from(self.velocity.get()) - 64.0) / 64.0,
        ]
    }

    /// The event nearest to scaled features, clamped into range (see the module
    /// documentation).
    pub fn from_features(features: [f32; FEATURES]) -> Event {
        let [pitch, duration, gap, velocity] = features;
        let low = i32::from(Pitch::PIANO_LOW.get());
        let high = i32::from(Pitch::PIANO_HIGH.get());
        let midi = round_clamped(pitch * 12.0 + 60.0, low, high);
        Event {
            pitch: Pitch::from_i32(midi).unwrap_or(Pitch::MIDDLE_C),
            duration: time_from_feature(duration).max(1),
            gap: time_from_feature(gap),
            velocity: Velocity::saturating(round_clamped(velocity * 64.0 + 64.0, 1, 127)),
        }
    }

    /// The same event moved by `shift` semitones, clamped to the piano.
    pub fn shifted(self, shift: i8) -> Event {
        let midi = (i32::from(self.pitch.get()) + i32::from(shift)).clamp(
            i32::from(Pitch::PIANO_LOW.get()),
            i32::from(Pitch::PIANO_HIGH.get()),
        );
        Event {
            pitch: Pitch::from_i32(midi).unwrap_or(self.pitch),
            ..self
        }
    }
}

/// The scaled pitch feature of a MIDI number: octaves from middle C.
pub fn pitch_feature(midi: f32) -> f32 {
    (midi - 60.0) / 12.0
}

/// The scaled feature of a duration or gap in 16ths: `log2(1 + min(n, 64)) - 2`.
pub fn time_feature(sixteenths: u32) -> f32 {
    ((1 + sixteenths.min(MAX_SIXTEENTHS)) as f32).log2() - 2.0
}

/// The 16ths nearest to a scaled time feature, in 0..=64 (NaN gives 0).
pub fn time_from_feature(feature: f32) -> u32 {
    let sixteenths = (feature + 2.0).exp2() - 1.0;
    round_clamped(sixteenths, 0, MAX_SIXTEENTHS as i32) as u32
}

/// Rounds and clamps; NaN gives `low`.
fn round_clamped(value: f32, low: i32, high: i32) -> i32 {
    if value.is_nan() {
        return low;
    }
    (value.round().clamp(low as f32, high as f32)) as i32
}

/// The events of a melody: notes (in any order) at a resolution -> one event per onset on the
/// 16th grid (times rounded to the nearest 16th; notes starting together keep the highest,
/// as the skyline rule does; durations at least one 16th).
pub fn events_from_notes(notes: &[Note], ticks_per_quarter: u16) -> Vec<Event> {
    let tpq = u64::from(ticks_per_quarter.max(1));
    let to_sixteenths = |ticks: u64| (ticks * SIXTEENTHS_PER_QUARTER + tpq / 2) / tpq;
    let mut sorted: Vec<&Note> = notes.iter().collect();
    sorted.sort_by_key(|n| (n.start, std::cmp::Reverse(n.pitch)));
    let mut events: Vec<Event> = Vec::with_capacity(sorted.len());
    let mut last_onset: Option<u64> = None;
    for note in sorted {
        let onset = to_sixteenths(note.start);
        if last_onset == Some(onset) {
            continue;
        }
        let gap = onset - last_onset.unwrap_or(0);
        let duration = to_sixteenths(note.duration.get()).max(1);
        events.push(Event {
            pitch: note.pitch,
            duration: duration.min(u64::from(MAX_SIXTEENTHS)) as u32,
            gap: gap.min(u64::from(MAX_SIXTEENTHS)) as u32,
            velocity: note.velocity,
        });
        last_onset = Some(onset);
    }
    events
}

/// A one-part monophonic piece (480 ticks per quarter, 120 BPM, 4/4) from events: the first
/// onset lies `gap` 16ths after the start, each later one at least one 16th after the
/// previous (a gap of 0 counts as 1), and a note is cut where the next one starts.
pub fn piece_from_events(events: &[Event], title: &str) -> Result<Piece, MusicError> {
    let tpq = DEFAULT_TICKS_PER_QUARTER;
    let tick = u64::from(tpq) / SIXTEENTHS_PER_QUARTER;
    let mut onsets = Vec::with_capacity(events.len());
    let mut onset = 0u64;
    for (index, event) in events.iter().enumerate() {
        let gap = u64::from(event.gap);
        onset += if index == 0 { gap } else { gap.max(1) };
        onsets.push(onset);
    }
    let mut notes = Vec::with_capacity(events.len());
    for (index, event) in events.iter().enumerate() {
        let mut duration = u64::from(event.duration.max(1));
        if let Some(next) = onsets.get(index + 1) {
            duration = duration.min(next - onsets[index]);
        }
        notes.push(Note::new(
            event.pitch,
            onsets[index] * tick,
            duration * tick,
            event.velocity,
        )?);
    }
    let mut piece = Piece::from_notes(tpq, "Melody", notes)?;
    piece.title = title.to_owned();
    Ok(piece)
}

/// One piece's events in a corpus.
#[derive(Clone, Debug, PartialEq)]
pub struct EventSequence {
    /// The piece's index in [`Dataset::pieces`].
    pub piece: usize,
    /// Its split.
    pub split: Split,
    /// Its events.
    pub events: Vec<Event>,
    /// The transpositions of its augmented copies (training pieces only).
    pub shifts: Vec<i8>,
}

/// One window of events: which sequence, its first event and the transposition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventWindow {
    /// Index into [`EventCorpus::sequences`].
    pub sequence: u32,
    /// The first event.
    pub start: u32,
    /// Semitones added to every pitch (0 for the piece itself).
    pub shift: i8,
}

/// The data set as event sequences, cut into windows of `window` events every `stride`
/// events (a piece with fewer than `window` events gives none). Pieces keep the data set's
/// splits; training pieces also give the data set's augmented (transposed) copies.
#[derive(Clone, Debug, PartialEq)]
pub struct EventCorpus {
    /// One sequence per piece that has at least one note.
    pub sequences: Vec<EventSequence>,
    /// Events per window.
    pub window: usize,
    /// Events between the starts of two windows of a piece.
    pub stride: usize,
}

impl EventCorpus {
    /// Decodes every piece of `dataset` from its tokens to events.
    pub fn from_dataset(dataset: &Dataset, window: usize, stride: usize) -> Self {
        let sequences = dataset
            .pieces
            .iter()
            .enumerate()
            .filter_map(|(index, info)| {
                let tokens = dataset.piece_tokens(index);
                let notes = decode_notes_lenient(&tokens, 4, Velocity::DEFAULT).ok()?;
                let events = events_from_notes(&notes, 4);
                (!events.is_empty()).then(|| EventSequence {
                    piece: index,
                    split: info.split,
                    events,
                    shifts: dataset.augment_shifts(index),
                })
            })
            .collect();
        Self {
            sequences,
            window,
            stride,
        }
    }

    /// Every window of a split, sequences in order, each one's own windows first, then those
    /// of its augmented copies.
    pub fn windows(&self, split: Split) -> Vec<EventWindow> {
        let mut out = Vec::new();
        for (index, sequence) in self.sequences.iter().enumerate() {
            if sequence.split != split {
                continue;
            }
            let count = window_count(
                sequence.events.len(),
                self.window,
                self.stride,
                ShortPieces::Drop,
            );
            for shift in std::iter::once(0).chain(sequence.shifts.iter().copied()) {
                out.extend((0..count).map(|i| EventWindow {
                    sequence: index as u32,
                    start: (i * self.stride) as u32,
                    shift,
                }));
            }
        }
        out
    }

    /// The windows of a split in a random order drawn from `seed`.
    pub fn shuffled_windows(&self, split: Split, seed: u64) -> Vec<EventWindow> {
        let mut windows = self.windows(split);
        windows.shuffle(&mut StdRng::seed_from_u64(seed));
        windows
    }

    /// The events of one window, transposed by its shift (empty for a window out of range).
    pub fn window_events(&self, window: EventWindow) -> Vec<Event> {
        let start = window.start as usize;
        self.sequences
            .get(window.sequence as usize)
            .and_then(|s| s.events.get(start..start + self.window))
            .map(|events| events.iter().map(|e| e.shifted(window.shift)).collect())
            .unwrap_or_default()
    }

    /// The scaled features of windows one after another: a `[windows, window, 4]` batch,
    /// row-major.
    pub fn batch_features(&self, windows: &[EventWindow]) -> Vec<f32> {
        let mut out = Vec::with_capacity(windows.len() * self.window * FEATURES);
        for &window in windows {
            for event in self.window_events(window) {
                out.extend_from_slice(&event.features());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(pitch: u8, start: u64, duration: u64) -> Note {
        Note::new(
            Pitch::new(pitch).unwrap(),
            start,
            duration,
            Velocity::DEFAULT,
        )
        .unwrap()
    }

    fn event(pitch: u8, duration: u32, gap: u32) -> Event {
        Event {
            pitch: Pitch::new(pitch).unwrap(),
            duration,
            gap,
            velocity: Velocity::DEFAULT,
        }
    }

    #[test]
    fn features_follow_the_documented_scaling() {
        // C5 (72), a quarter (4 16ths: log2 5 - 2), a half-note gap (8: log2 9 - 2), v 80.
        let f = event(72, 4, 8).features();
        assert_eq!(f[0], 1.0);
        assert!((f[1] - (5f32.log2() - 2.0)).abs() < 1e-6);
        assert!((f[2] - (9f32.log2() - 2.0)).abs() < 1e-6);
        assert_eq!(f[3], 0.25);
        // A 16th is -1, a dotted eighth (3) is 0, gap 0 is -2.
        assert_eq!(time_feature(1), -1.0);
        assert_eq!(time_feature(3), 0.0);
        assert_eq!(time_feature(0), -2.0);
    }

    #[test]
    fn features_decode_back_and_clamp() {
        for e in [event(21, 1, 0), event(60, 3, 4), event(108, 64, 64)] {
            assert_eq!(Event::from_features(e.features()), e);
        }
        let wild = Event::from_features([10.0, -5.0, 9.0, f32::NAN]);
        assert_eq!(wild.pitch, Pitch::PIANO_HIGH);
        assert_eq!(wild.duration, 1);
        assert_eq!(wild.gap, MAX_SIXTEENTHS);
        assert_eq!(wild.velocity, Velocity::MIN);
        let low = Event::from_features([-9.0, f32::NAN, -3.0, 5.0]);
        assert_eq!(low.pitch, Pitch::PIANO_LOW);
        assert_eq!((low.duration, low.gap), (1, 0));
        assert_eq!(low.velocity, Velocity::MAX);
    }

    #[test]
    fn notes_become_events_with_gaps_from_the_previous_onset() {
        // At 4 ticks per quarter one tick is a 16th: E4 at 2 for 2, G4 at 4 for 4 with C4
        // under it (dropped: the highest of an onset is kept), C5 at 12 for 1.
        let notes = [
            note(64, 2, 2),
            note(60, 4, 4),
            note(67, 4, 4),
            note(72, 12, 1),
        ];
        let events = events_from_notes(&notes, 4);
        assert_eq!(
            events,
            vec![event(64, 2, 2), event(67, 4, 2), event(72, 1, 8)]
        );
        // At 480 ticks per quarter a 16th is 120 ticks; 170 ticks round to 1 16th.
        let events = events_from_notes(&[note(60, 240, 170)], 480);
        assert_eq!(events, vec![event(60, 1, 2)]);
    }

    #[test]
    fn events_become_a_monophonic_piece() {
        // Gap 0 after the first event counts as one 16th; the first note is cut there.
        let events = [event(60, 4, 2), event(62, 2, 0), event(64, 8, 4)];
        let piece = piece_from_events(&events, "t").unwrap();
        let notes: Vec<(u8, u64, u64)> = piece
            .notes()
            .map(|n| (n.pitch.get(), n.start, n.duration.get()))
            .collect();
        assert_eq!(notes, vec![(60, 240, 120), (62, 360, 240), (64, 840, 960)]);
        assert_eq!(piece.title, "t");
        assert_eq!(piece.ticks_per_quarter, 480);
    }
}
