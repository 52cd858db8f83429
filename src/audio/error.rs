//! Errors of the sound module: SoundFonts, rendering, WAV files and the output device.

use std::io;
use std::path::PathBuf;

use thiserror::Error;

/// Everything that can go wrong while loading a SoundFont, rendering, writing a WAV file or
/// opening the audio output. Messages name the problem first and the file last.
#[derive(Debug, Error)]
pub enum AudioError {
    /// The SoundFont file could not be read from disk.
    #[error("cannot read the SoundFont ({source}): {}", path.display())]
    ReadSoundFont {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
    /// The bytes are not a SoundFont rustysynth can use (garbage, truncated, damaged,
    /// compressed SF3 samples, ...).
    #[error("not a usable SoundFont ({reason}): {origin}")]
    BadSoundFont {
        /// The file path, or the name of the built-in font.
        origin: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The requested bank/program is not in the SoundFont.
    #[error("the SoundFont has no preset at bank {bank}, program {program}: {origin}")]
    PresetNotFound {
        /// Bank number asked for.
        bank: u16,
        /// Program number asked for.
        program: u8,
        /// The file path, or the name of the built-in font.
        origin: String,
    },
    /// A sample rate the synthesizer does not support.
    #[error("sample rate {0} Hz is not supported (use 16000..=192000, e.g. 44100 or 48000)")]
    BadSampleRate(u32),
    /// A release tail that is negative, not finite or absurdly long.
    #[error("release tail of {0} seconds is invalid (use 0..=60)")]
    BadTail(f64),
    /// A loop region whose end is not after its start, or which is not finite.
    #[error("loop region {start}..{end} s is invalid (the end must come after the start)")]
    BadLoopRegion {
        /// Start in seconds.
        start: f64,
        /// End in seconds.
        end: f64,
    },
    /// A piece too long to render in memory.
    #[error("the piece is too long to render ({0:.0} seconds)")]
    TooLong(f64),
    /// The WAV file could not be written.
    #[error("cannot write the WAV file ({source}): {}", path.display())]
    WriteWav {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: io::Error,
    },
    /// The MIDI file to render could not be read (the message names the file).
    #[error(transparent)]
    Midi(#[from] crate::midi::MidiError),
    /// No audio output device could be opened (no sound card, a headless machine, a device
    /// in use). The studio keeps running and offers WAV export instead.
    #[error("no audio output: {0}")]
    NoOutput(String),
    /// The audio thread is not taking commands (its queue is full: the output has stopped).
    #[error("the audio engine is not responding (its command queue is full)")]
    EngineNotResponding,
}
