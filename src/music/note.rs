//! Notes: a pitch sounding from a start tick for a number of ticks at a velocity.

use std::num::NonZeroU64;

use serde::{Deserialize, Serialize};

use super::{MusicError, Pitch};

/// A position or a length on a piece's timeline, in MIDI ticks (see [`super::Piece::ticks_per_quarter`]).
pub type Tick = u64;

/// A MIDI note-on velocity, 1..=127 (0 would mean note-off in MIDI, so it is not a velocity).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Velocity(u8);

impl Velocity {
    /// The softest velocity, 1.
    pub const MIN: Velocity = Velocity(1);
    /// The loudest velocity, 127.
    pub const MAX: Velocity = Velocity(127);
    /// A comfortable default, mezzo-forte (80).
    pub const DEFAULT: Velocity = Velocity(80);

    /// Makes a velocity, refusing 0 and values above 127.
    pub fn new(v: u8) -> Result<Self, MusicError> {
        if (1..=127).contains(&v) {
            Ok(Velocity(v))
        } else {
            Err(MusicError::VelocityOutOfRange(i32::from(v)))
        }
    }

    /// Any integer clamped into 1..=127 (for editing gestures that overshoot).
    pub fn saturating(v: i32) -> Self {
        Velocity(v.clamp(1, 127) as u8)
    }

    /// The value, 1..=127.
    pub const fn get(self) -> u8 {
        self.0
    }
}

impl Default for Velocity {
    fn default() -> Self {
        Velocity::DEFAULT
    }
}

impl TryFrom<u8> for Velocity {
    type Error = MusicError;
    fn try_from(value: u8) -> Result<Self, Self::Error> {
        Velocity::new(value)
    }
}

impl From<Velocity> for u8 {
    fn from(v: Velocity) -> u8 {
        v.0
    }
}

/// One note. Its invariants live in its field types: the pitch is 0..=127, the velocity
/// 1..=127 and the duration at least one tick.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Note {
    /// Which key.
    pub pitch: Pitch,
    /// Onset, in ticks from the start of the piece.
    pub start: Tick,
    /// Length in ticks, never zero.
    pub duration: NonZeroU64,
    /// How hard the key was struck.
    pub velocity: Velocity,
}

impl Note {
    /// Makes a note, refusing a zero duration.
    pub fn new(
        pitch: Pitch,
        start: Tick,
        duration: Tick,
        velocity: Velocity,
    ) -> Result<Self, MusicError> {
        let duration = NonZeroU64::new(duration).ok_or(MusicError::ZeroDuration)?;
        Ok(Note {
            pitch,
            start,
            duration,
            velocity,
        })
    }

    /// The tick at which the note stops sounding (exclusive).
    pub fn end(&self) -> Tick {
        self.start.saturating_add(self.duration.get())
    }

    /// Whether the note sounds at `tick` (start inclusive, end exclusive).
    pub fn sounds_at(&self, tick: Tick) -> bool {
        self.start <= tick && tick < self.end()
    }

    /// Sets the duration, refusing zero.
    pub fn set_duration(&mut self, duration: Tick) -> Result<(), MusicError> {
        self.duration = NonZeroU64::new(duration).ok_or(MusicError::ZeroDuration)?;
        Ok(())
    }
}

/// Sorts notes the way every module expects them: by start, then pitch, then duration.
pub fn sort_notes(notes: &mut [Note]) {
    notes.sort_by_key(|n| (n.start, n.pitch, n.duration, n.velocity));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn velocity_range_is_kept() {
        assert!(Velocity::new(0).is_err());
        assert!(Velocity::new(128).is_err());
        assert_eq!(Velocity::new(127).unwrap().get(), 127);
        assert_eq!(Velocity::saturating(500).get(), 127);
        assert_eq!(Velocity::saturating(-3).get(), 1);
        assert!(serde_json::from_str::<Velocity>("0").is_err());
    }

    #[test]
    fn zero_duration_is_refused() {
        assert_eq!(
            Note::new(Pitch::A4, 0, 0, Velocity::DEFAULT),
            Err(MusicError::ZeroDuration)
        );
        let mut n = Note::new(Pitch::A4, 10, 5, Velocity::DEFAULT).unwrap();
        assert!(n.set_duration(0).is_err());
        assert_eq!(n.end(), 15);
        assert!(n.sounds_at(10) && n.sounds_at(14) && !n.sounds_at(15) && !n.sounds_at(9));
        let json = r#"{"pitch":60,"start":0,"duration":0,"velocity":80}"#;
        assert!(serde_json::from_str::<Note>(json).is_err());
    }
}
