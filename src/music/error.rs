//! Errors of the music domain.

use thiserror::Error;

/// A value outside what music or MIDI allows.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MusicError {
    /// A pitch outside MIDI's 0..=127.
    #[error("pitch {0} is outside MIDI's range 0..=127")]
    PitchOutOfRange(i32),
    /// Text that is not a pitch name.
    #[error("{0:?} is not a pitch name (expected e.g. C4, F#3, Bb5 or a MIDI number 0..=127)")]
    BadPitchName(String),
    /// A pitch class above 11.
    #[error("pitch class {0} is outside 0..=11")]
    BadPitchClass(u8),
    /// A velocity outside 1..=127.
    #[error("velocity {0} is outside 1..=127")]
    VelocityOutOfRange(i32),
    /// A note of no length.
    #[error("a note must last at least one tick")]
    ZeroDuration,
    /// Text that is not a key name.
    #[error("{0:?} is not a key (expected e.g. C:major, A minor, F#m)")]
    BadKeyName(String),
    /// A MIDI key signature outside -7..=7 accidentals.
    #[error("key signature with {0} sharps/flats is outside -7..=7")]
    BadKeySignature(i8),
    /// A time signature whose denominator is not a power of two up to 64, or numerator 0.
    #[error(
        "time signature {0}/{1} is invalid (numerator 1..=255, denominator a power of two up to 64)"
    )]
    BadTimeSignature(u8, u8),
    /// Text that is not a time signature.
    #[error("{0:?} is not a time signature (expected e.g. 3/4)")]
    BadTimeSignatureText(String),
    /// A resolution of 0 or above MIDI's 32,767 ticks per quarter note.
    #[error("{0} ticks per quarter note is outside 1..=32767")]
    BadTicksPerQuarter(u16),
    /// A tempo of 0 or above MIDI's 24-bit range.
    #[error("tempo of {0} microseconds per quarter note is outside 1..=16777215")]
    BadTempo(u32),
    /// A program number above 127.
    #[error("program {0} is outside 0..=127")]
    ProgramOutOfRange(u8),
    /// A channel index above 15.
    #[error("channel index {0} is outside 0..=15")]
    ChannelOutOfRange(u8),
}
