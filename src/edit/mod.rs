//! The piano-roll document: parts of notes, selection, edit commands and undo/redo, free of
//! any GUI dependency.
//!
//! A [`Document`] holds several [`DocPart`]s (the user's seed, accepted variations, imported
//! files); one is active and edited, the others are shown as ghosts. Notes carry stable
//! [`NoteId`]s so a selection survives edits. Every edit method is one undo step, or part of
//! the open gesture between [`Document::begin_gesture`] and [`Document::end_gesture`].
//! [`project`] saves and opens a document as a project file, and keeps its autosave.

mod convert;
mod document;
mod error;
mod history;
mod ops;
mod part;
pub mod project;
#[cfg(test)]
mod tests;

pub use document::{Document, TEMPO_RANGE};
pub use error::EditError;
pub use history::DEFAULT_HISTORY_LIMIT;
pub use ops::{Scope, clamp_shift, shift_note};
pub use part::{DocPart, EditNote, NoteId, PartRole};
