//! The music domain: notes, pieces, pitch names, keys, quantization, melody extraction and
//! the token encoding of the source papers. No GUI or machine-learning dependency.

mod error;
mod key;
mod note;
mod piece;
mod pitch;

pub use error::MusicError;
pub use key::{Key, Mode};
pub use note::{Note, Tick, Velocity, sort_notes};
pub use piece::{
    Channel, DEFAULT_MICROS_PER_QUARTER, DEFAULT_TICKS_PER_QUARTER, KeySignatureChange, Part,
    Piece, Program, TempoChange, TempoMap, TimeSignature, TimeSignatureChange,
};
pub(crate) use piece::rescale;
pub use pitch::{Pitch, PitchClass};
