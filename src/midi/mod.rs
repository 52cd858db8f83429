//! Standard MIDI Files: reading SMF format 0 and 1 into a [`Piece`](crate::music::Piece),
//! writing a piece as SMF format 1, and a one-line summary of a file for `gan-studio info`.
//!
//! Events are decoded by `midly` straight from the file's bytes (no copy); the chunk layer
//! (header, track chunks, lengths, track count) is checked here so that a damaged file gives a
//! [`MidiError`] naming the file and the problem instead of being half read in silence.
//!
//! # How a file becomes a piece
//!
//! - **Timeline.** With a ticks-per-quarter header the ticks are kept as they are. With an
//!   SMPTE header (frames per second and ticks per frame) the ticks are kept as well and the
//!   piece gets `ticks_per_quarter = fps × ticks_per_frame` (30 for 29.97 fps) with one constant
//!   tempo of 1,000,000 µs per quarter (1,001,000 µs at 29.97 fps), so a quarter note of the
//!   piece lasts exactly one second of SMPTE time (1.001 s at 29.97) and seconds stay exact.
//!   Tempo events in SMPTE files are ignored (SMPTE time does not depend on tempo).
//! - **Notes.** A NoteOn with velocity 0 is a NoteOff. Notes of the same pitch on the same
//!   channel of the same track may overlap; a NoteOff ends the *earliest* still-sounding one
//!   (first in, first out). A NoteOff with nothing sounding is ignored. A note that is never
//!   released ends at its track's end (the End-of-Track event, or the last event). A note that
//!   ends on the tick it starts lasts one tick (a [`Note`](crate::music::Note) is never empty).
//! - **Parts.** One [`Part`](crate::music::Part) per (track, channel) that has notes, in track
//!   order, then channel order. A part is named after its track's name (the first Track Name
//!   event; text that is not UTF-8 is read as Latin-1), or `Track N` (1-based) when the track
//!   has none; a track with notes on several channels gives parts named `NAME (channel C)`.
//!   Channel 10 (index 9) keeps its index, so its part reports
//!   [`Part::is_drums`](crate::music::Part::is_drums).
//! - **Programs.** A part's program is the first Program Change on its channel in its own
//!   track; failing that, the first on that channel anywhere in the file; failing that 0
//!   (piano). Later program changes are not modelled.
//! - **Tempo, time and key signatures** are gathered from every track into the piece's
//!   [`TempoMap`](crate::music::TempoMap) and signature lists (sorted; when several fall on one
//!   tick the last one read wins). Events with impossible values (tempo 0, a time signature
//!   denominator above 64, a key signature beyond 7 sharps or flats) are skipped and counted
//!   in [`ReadReport`].
//! - **Title.** The name of the first track (in format 1 usually the conductor track);
//!   [`read_file`] falls back on the file's stem when there is none.
//! - **Running status** survives meta and SysEx events (as many sequencers wrote files and
//!   as other readers accept them).
//!
//! # Damaged and unsupported files
//!
//! Empty input, a wrong magic number, a header chunk shorter than 6 bytes, format 2 or an
//! unknown format, 0 ticks per quarter, a bad SMPTE rate, a chunk whose length runs past the
//! end of the file, bytes that are not a chunk where a chunk should start, a malformed event
//! and a file over [`MAX_FILE_BYTES`] are errors. The header's track count is binding: if the
//! file holds fewer track chunks the file is refused ([`MidiProblem::MissingTracks`]); anything
//! after the declared tracks is not read and is counted in [`ReadReport::trailing_bytes`].
//! Chunks of unknown type between tracks are skipped, as the standard asks. A track without
//! an End-of-Track event is accepted and counted. Memory stays proportional to the file: no
//! buffer is sized from a count or length the file declares.
//!
//! # Writing
//!
//! [`write_bytes`] and [`write_file`] produce SMF format 1: a conductor track (the title as
//! its name, time signatures, key signatures, the tempo map) and one track per part (its name,
//! its program change, its notes on its channel as NoteOn/NoteOn-velocity-0 pairs with
//! running status), each ending with End-of-Track. Reading the bytes back gives the same piece,
//! where "the same" means: parts without notes are gone (a part is made from notes); each
//! part's notes are in [`sort_notes`](crate::music::sort_notes) order; at most one time and
//! one key signature per tick (the last); and notes of one pitch in one part that overlap are
//! written the way a keyboard plays them ([`crate::music::events`]: a later start strikes the
//! key again, only the last release lifts it, notes that start together are one strike at the
//! loudest velocity), so they come back as the notes that sound: each one ends where the next
//! strike of its key begins or where the key is lifted. Whatever reads the file (this reader,
//! a sequencer, a hardware synthesizer) hears what the built-in synthesizer plays from the
//! piece, and what was written once survives further reads and writes unchanged (a piece read
//! from someone else's file may hold overlapping notes of one key, which its first write
//! resolves). Names must not end in NUL characters.

mod error;
mod info;
mod open_notes;
mod read;
mod write;

pub use error::{ChunkId, MidiError, MidiProblem};
pub use info::FileInfo;
pub use read::{
    MAX_FILE_BYTES, MidiFile, ReadReport, SmfFormat, SmpteRate, Timing, read_bytes, read_file,
};
pub use write::{write_bytes, write_file};
