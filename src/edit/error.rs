//! Errors of document editing.

use thiserror::Error;

use crate::music::TransformError;

/// What can go wrong when editing or loading a [`super::Document`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EditError {
    /// A part index that does not exist.
    #[error("the document has no part number {index} (it has {count})")]
    NoSuchPart {
        /// The index asked for.
        index: usize,
        /// How many parts there are.
        count: usize,
    },
    /// The last part cannot be removed: a document always has one part to edit.
    #[error("the last part of a document cannot be removed")]
    LastPart,
    /// A grid that cannot be used at the document's resolution.
    #[error("grid: {0}")]
    Grid(#[from] TransformError),
    /// A saved document in which two notes share an id.
    #[error("the saved document is damaged: note id {0} is used twice")]
    DuplicateNoteId(u64),
    /// A saved document with no parts.
    #[error("the saved document is damaged: it has no parts")]
    NoParts,
    /// A saved document whose resolution is 0 or above MIDI's limit.
    #[error("the saved document is damaged: {0} ticks per quarter note is outside 1..=32767")]
    BadTicksPerQuarter(u16),
}
