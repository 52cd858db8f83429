//! The note stream the metrics read: every note of every non-drum part, merged.

use crate::music::{Note, Piece, Tick, TimeSignatureChange};

/// The notes the metrics read, with the piece's resolution and time signatures.
///
/// All notes of all parts that are not on the drum channel are merged into one stream ordered
/// by onset, then pitch, then duration. Polyphony is kept, not reduced to a melody line:
/// metrics over sets of notes (histograms, entropies, polyphony) see every note, and metrics
/// over note-to-note steps (transitions, pitch shift, repeated patterns) read the notes of a
/// chord one after the other, lowest first.
#[derive(Clone, Debug, PartialEq)]
pub struct NoteStream {
    /// The notes, sorted by start, pitch and duration.
    pub notes: Vec<Note>,
    /// Ticks per quarter note of the piece (at least 1).
    pub ticks_per_quarter: u16,
    /// The piece's time signatures, sorted by tick; empty means 4/4 throughout (what the bar
    /// metrics read, see [`super::bars`]).
    pub time_signatures: Vec<TimeSignatureChange>,
}

impl NoteStream {
    /// The pitched notes of `piece`, merged and sorted.
    pub fn of(piece: &Piece) -> Self {
        let mut notes: Vec<Note> = piece.pitched_notes().copied().collect();
        notes.sort_by_key(|n| (n.start, n.pitch, n.duration));
        let mut time_signatures = piece.time_signatures.clone();
        time_signatures.sort_by_key(|c| c.tick);
        NoteStream {
            notes,
            ticks_per_quarter: piece.ticks_per_quarter.max(1),
            time_signatures,
        }
    }

    /// Ticks in one 16th note (at least 1).
    pub fn ticks_per_sixteenth(&self) -> Tick {
        (u64::from(self.ticks_per_quarter) / 4).max(1)
    }

    /// `ticks` in 16th notes, rounded to the nearest (halves up).
    pub fn sixteenths(&self, ticks: Tick) -> u64 {
        let step = self.ticks_per_sixteenth();
        ticks.saturating_add(step / 2) / step
    }

    /// The tick after the last note ends (0 when there are no notes).
    pub fn end_tick(&self) -> Tick {
        self.notes.iter().map(Note::end).max().unwrap_or(0)
    }

    /// The MIDI pitch numbers in stream order.
    pub fn pitches(&self) -> impl Iterator<Item = u8> + '_ {
        self.notes.iter().map(|n| n.pitch.get())
    }

    /// Whether there are no notes.
    pub fn is_empty(&self) -> bool {
        self.notes.is_empty()
    }

    /// One key per pair of consecutive notes (one fewer than the notes): the interval in
    /// semitones and both notes' durations in 16ths, packed into a number. Equal keys mean
    /// equal (interval, duration) steps, whatever the key the melody is in: `k` consecutive
    /// notes of two melodies match, transposed, when their `k - 1` step keys are equal.
    pub(crate) fn step_keys(&self) -> Vec<u64> {
        self.notes
            .windows(2)
            .map(|w| {
                let interval = i64::from(w[1].pitch.get()) - i64::from(w[0].pitch.get());
                // Intervals are within -127..=127; durations are capped at 2^24 - 1 16ths.
                let interval = (interval + 128) as u64;
                let from = self.sixteenths(w[0].duration.get()).min(0xFF_FFFF);
                let to = self.sixteenths(w[1].duration.get()).min(0xFF_FFFF);
                (interval << 48) | (from << 24) | to
            })
            .collect()
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Small builders for hand-computed metric tests.

    use crate::music::{Channel, Note, Part, Piece, Pitch, Velocity};

    use super::NoteStream;

    /// A note at `start` lasting `duration` ticks.
    pub fn note(pitch: u8, start: u64, duration: u64) -> Note {
        Note::new(
            Pitch::new(pitch).unwrap(),
            start,
            duration,
            Velocity::DEFAULT,
        )
        .unwrap()
    }

    /// A one-part piece at 4 ticks per quarter (one tick = a 16th note).
    pub fn piece(notes: &[(u8, u64, u64)]) -> Piece {
        let notes = notes.iter().map(|&(p, s, d)| note(p, s, d)).collect();
        Piece::from_notes(4, "melody", notes).unwrap()
    }

    /// The stream of [`piece`].
    pub fn stream(notes: &[(u8, u64, u64)]) -> NoteStream {
        NoteStream::of(&piece(notes))
    }

    /// A drum part to add to a piece.
    pub fn drums(notes: &[(u8, u64, u64)]) -> Part {
        Part {
            channel: Channel::DRUMS,
            notes: notes.iter().map(|&(p, s, d)| note(p, s, d)).collect(),
            ..Part::new("drums")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;

    #[test]
    fn parts_are_merged_in_onset_then_pitch_order_and_drums_are_left_out() {
        let mut p = piece(&[(67, 4, 4), (60, 0, 4)]);
        let mut second = crate::music::Part::new("second");
        second.notes = vec![note(64, 4, 2)];
        p.parts.push(second);
        p.parts.push(drums(&[(36, 0, 1)]));
        let s = NoteStream::of(&p);
        assert_eq!(s.pitches().collect::<Vec<_>>(), vec![60, 64, 67]);
        assert_eq!(s.end_tick(), 8);
        assert_eq!(s.ticks_per_quarter, 4);
    }

    #[test]
    fn an_empty_piece_has_an_empty_stream() {
        let s = NoteStream::of(&Piece::default());
        assert!(s.is_empty());
        assert_eq!(s.end_tick(), 0);
    }
}
