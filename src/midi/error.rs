//! Errors of MIDI file reading and writing: which file, and what is wrong with it.

use std::fmt;
use std::io;

use thiserror::Error;

/// A MIDI file could not be read or written. The message names the file, then the problem:
/// `song.mid: the file ends inside a chunk header at byte 22`.
#[derive(Debug, Error)]
#[error("{file}: {problem}")]
pub struct MidiError {
    /// The file (as given by the caller: a path, or a name for bytes held in memory).
    pub file: String,
    /// What went wrong.
    pub problem: MidiProblem,
}

impl MidiError {
    /// An error about `file`.
    pub fn new(file: impl Into<String>, problem: MidiProblem) -> Self {
        MidiError {
            file: file.into(),
            problem,
        }
    }
}

/// The four bytes a chunk starts with, shown as text when printable, else as hex.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkId(pub [u8; 4]);

impl fmt::Display for ChunkId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&describe_bytes(&self.0))
    }
}

/// A few bytes as quoted text when they are all printable ASCII, else as hex: `"MTrk"`,
/// `bytes 00 FF 2F`.
pub(super) fn describe_bytes(bytes: &[u8]) -> String {
    if !bytes.is_empty() && bytes.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
        let text: String = bytes.iter().map(|b| char::from(*b)).collect();
        format!("\"{text}\"")
    } else {
        let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02X}")).collect();
        format!("bytes {}", hex.join(" "))
    }
}

/// What is wrong with a MIDI file (or with a piece that is to be written as one).
#[derive(Debug, Error)]
pub enum MidiProblem {
    /// The operating system refused to read the file.
    #[error("cannot read the file: {0}")]
    Read(io::Error),
    /// The operating system refused to write the file.
    #[error("cannot write the file: {0}")]
    Write(io::Error),
    /// The file is larger than the reader accepts.
    #[error("the file is {size} bytes long, over the limit of {limit} bytes for a MIDI file")]
    TooLarge {
        /// Bytes in the file (at least this many).
        size: u64,
        /// The limit, [`super::MAX_FILE_BYTES`].
        limit: u64,
    },
    /// No bytes at all.
    #[error("the file is empty")]
    Empty,
    /// The file does not start like a Standard MIDI File (the text shows how it starts).
    #[error("not a MIDI file: it starts with {0} instead of \"MThd\"")]
    NotMidi(String),
    /// A RIFF file that is not a proper RMID wrapper around a MIDI file.
    #[error("broken RIFF MIDI (RMID) file: {0}")]
    BadRiff(&'static str),
    /// The bytes stop in the middle of a chunk's 8-byte header.
    #[error("the file ends inside a chunk header at byte {offset}")]
    TruncatedChunkHeader {
        /// Where the chunk header starts.
        offset: usize,
    },
    /// A chunk claims more bytes than the file has left.
    #[error(
        "the {id} chunk at byte {offset} declares {declared} bytes but only {available} remain \
         (the file is truncated or the chunk length is wrong)"
    )]
    ChunkTooLong {
        /// The chunk's type.
        id: ChunkId,
        /// Where the chunk starts.
        offset: usize,
        /// The length the chunk declares.
        declared: u32,
        /// The bytes left after the chunk header.
        available: usize,
    },
    /// Bytes that cannot be a chunk type where a chunk should start (a wrong chunk length
    /// before it, or garbage).
    #[error(
        "expected a chunk at byte {offset} but found {id} (a chunk length before it is wrong, \
         or the file is damaged)"
    )]
    NotAChunk {
        /// Where the chunk was expected.
        offset: usize,
        /// What was found.
        id: ChunkId,
    },
    /// The header chunk is too short to hold format, track count and time division.
    #[error("the MThd header chunk is {0} bytes long, expected at least 6")]
    ShortHeader(u32),
    /// SMF format 2 (independent sequences).
    #[error("SMF format 2 (independent sequences) is not supported; only formats 0 and 1 are")]
    Format2,
    /// A format number that the standard does not define.
    #[error("unknown SMF format {0}; only formats 0 and 1 are supported")]
    UnknownFormat(u16),
    /// A metrical time division of 0 ticks per quarter note.
    #[error("the header gives 0 ticks per quarter note")]
    ZeroTicksPerQuarter,
    /// An SMPTE time division with an unknown frame rate or 0 ticks per frame.
    #[error(
        "bad SMPTE time division: {frames} frames per second (expected 24, 25, 29 or 30) and \
         {ticks_per_frame} ticks per frame (expected at least 1)"
    )]
    BadSmpte {
        /// The frame rate as written (negated in the file).
        frames: i16,
        /// Ticks per frame.
        ticks_per_frame: u8,
    },
    /// The header declares no track at all.
    #[error("the header declares no tracks")]
    NoTracks,
    /// A format 0 file must have exactly one track.
    #[error("a format 0 file has exactly one track, but the header declares {0}")]
    Format0TrackCount(u16),
    /// The header promises more tracks than the file holds.
    #[error("the header declares {declared} tracks but the file holds only {found}")]
    MissingTracks {
        /// Tracks the header declares.
        declared: u16,
        /// Track chunks found.
        found: u16,
    },
    /// An event that cannot be decoded.
    #[error("malformed event in track {track} at byte {offset} of the track ({bytes})")]
    BadEvent {
        /// The track, 1-based.
        track: usize,
        /// Where the event starts inside the track's data.
        offset: usize,
        /// The first bytes of the event (see [`ChunkId`] for the form).
        bytes: String,
    },
    /// The piece's resolution cannot be written.
    #[error("the piece's resolution of {0} ticks per quarter note is outside MIDI's 1..=32767")]
    BadResolution(u16),
    /// More parts than a MIDI file can hold tracks for.
    #[error("{0} parts do not fit in a MIDI file (at most 65,534)")]
    TooManyParts(usize),
    /// Two successive events of a track lie further apart than a MIDI delta time can say.
    #[error(
        "the gap of {gap} ticks before tick {tick} in track {track} is longer than MIDI's \
         largest delta time (268,435,455 ticks)"
    )]
    GapTooLong {
        /// The track, 1-based.
        track: usize,
        /// Where the later event lies.
        tick: u64,
        /// The gap.
        gap: u64,
    },
    /// The MIDI encoder refused the data (a name or a track beyond MIDI's size limits).
    #[error("cannot encode the piece as MIDI: {0}")]
    Encode(&'static str),
}
