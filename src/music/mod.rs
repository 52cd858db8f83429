//! The music domain: notes, pieces, pitch names, keys, quantization, melody extraction, the
//! flattening of a piece into note events and the token encoding of the source papers. No GUI
//! or machine-learning dependency.

pub mod analysis;
mod error;
pub mod events;
mod key;
pub mod melody;
pub mod metre;
mod note;
mod piece;
mod pitch;
pub mod score;
pub mod spelling;
pub mod tokens;
pub mod transform;

pub use analysis::{KeyEstimate, estimate_key, estimate_piece_key};
pub use error::MusicError;
pub use events::{NoteAction, NoteEvent, note_events};
pub use key::{Key, Mode};
pub use melody::{extract_melody, skyline};
pub use metre::Metre;
pub use note::{Note, Tick, Velocity, sort_notes};
pub use piece::{
    Channel, DEFAULT_MICROS_PER_QUARTER, DEFAULT_TICKS_PER_QUARTER, KeySignatureChange, Part,
    Piece, Program, TempoChange, TempoMap, TimeSignature, TimeSignatureChange,
};
pub use pitch::{Pitch, PitchClass};
pub use tokens::{Token, TokenError, VOCAB_SIZE, VOCAB_VERSION};
pub use transform::{Grid, QuantizeOptions, TransformError, quantize_piece, transpose_piece};
