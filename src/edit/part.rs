//! One part of a document: its notes (each with a stable id), name, role and colour.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::music::{Channel, Note, Part, Pitch, Program, Tick};

/// A note's identity inside a document: stays the same while the note is moved, resized or
/// re-velocitied, so a selection survives edits. Never reused within one document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NoteId(u64);

impl NoteId {
    /// Makes an id from its number (ids are normally handed out by the document).
    pub const fn new(raw: u64) -> Self {
        NoteId(raw)
    }

    /// The id's number.
    pub const fn get(self) -> u64 {
        self.0
    }
}

/// A note with its id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EditNote {
    /// The stable id.
    pub id: NoteId,
    /// The note itself.
    pub note: Note,
}

/// Where a part came from: the user's seed, an accepted generated variation, or a file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PartRole {
    /// Drawn by the user; what the generator continues.
    #[default]
    Seed,
    /// A generated variation the user accepted.
    Variation,
    /// Imported from a MIDI or ABC file.
    Imported,
}

/// A part of a document. Its notes are kept sorted by start, then pitch, then id, so the
/// piano roll can find the visible ones by binary search.
///
/// The notes sit behind an [`Arc`], so snapshots for undo share unchanged parts.
#[derive(Clone, Debug, PartialEq)]
pub struct DocPart {
    /// Shown in the part list; written as the MIDI track name.
    pub name: String,
    /// Seed, variation or imported.
    pub role: PartRole,
    /// Index into the roll's colour palette (taken modulo its length).
    pub colour: u8,
    /// Whether the roll shows the part (as ghost notes when it is not the active part).
    pub visible: bool,
    /// The General MIDI instrument for playback and export.
    pub program: Program,
    /// The MIDI channel for playback and export.
    pub channel: Channel,
    notes: Arc<Vec<EditNote>>,
    max_duration: Tick,
}

impl DocPart {
    /// An empty, visible piano part.
    pub fn new(name: impl Into<String>, role: PartRole, colour: u8) -> Self {
        DocPart {
            name: name.into(),
            role,
            colour,
            visible: true,
            program: Program::PIANO,
            channel: Channel::default(),
            notes: Arc::new(Vec::new()),
            max_duration: 0,
        }
    }

    /// The notes, sorted by start, pitch, then id.
    pub fn notes(&self) -> &[EditNote] {
        &self.notes
    }

    /// How many notes.
    pub fn len(&self) -> usize {
        self.notes.len()
    }

    /// Whether the part has no notes.
    pub fn is_empty(&self) -> bool {
        self.notes.is_empty()
    }

    /// The longest note's duration (0 for an empty part).
    pub fn max_duration(&self) -> Tick {
        self.max_duration
    }

    /// The notes that may sound somewhere in `from..to`: a contiguous run of the sorted
    /// notes found by binary search (notes starting at or after `to` are left out, and so
    /// are those starting more than the longest duration before `from`). The run may still
    /// hold notes that end before `from`; check [`Note::end`] to drop them.
    pub fn notes_overlapping(&self, from: Tick, to: Tick) -> &[EditNote] {
        let earliest = from.saturating_sub(self.max_duration);
        let lo = self.notes.partition_point(|n| n.note.start < earliest);
        let hi = self.notes.partition_point(|n| n.note.start < to);
        self.notes.get(lo..hi.max(lo)).unwrap_or(&[])
    }

    /// The note with this id, if the part has it.
    pub fn find(&self, id: NoteId) -> Option<&EditNote> {
        self.notes.iter().find(|n| n.id == id)
    }

    /// The tick after the last note ends (0 when empty).
    pub fn end_tick(&self) -> Tick {
        self.notes.iter().map(|n| n.note.end()).max().unwrap_or(0)
    }

    /// The part as a plain music part (notes in the crate's canonical order).
    pub fn to_part(&self) -> Part {
        let mut notes: Vec<Note> = self.notes.iter().map(|n| n.note).collect();
        crate::music::sort_notes(&mut notes);
        Part {
            name: self.name.clone(),
            program: self.program,
            channel: self.channel,
            notes,
        }
    }

    /// Changes the notes through `f`, then restores the sort order and the cached longest
    /// duration. Copies the notes first if an undo snapshot shares them.
    pub(crate) fn edit_notes<R>(&mut self, f: impl FnOnce(&mut Vec<EditNote>) -> R) -> R {
        let notes = Arc::make_mut(&mut self.notes);
        let result = f(notes);
        sort_edit_notes(notes);
        self.max_duration = notes
            .iter()
            .map(|n| n.note.duration.get())
            .max()
            .unwrap_or(0);
        result
    }

    /// Builds a part from already id'd notes.
    pub(crate) fn with_notes(mut self, notes: Vec<EditNote>) -> Self {
        self.notes = Arc::new(Vec::new());
        self.edit_notes(|n| *n = notes);
        self
    }
}

/// Sorts by start, pitch, then id.
fn sort_edit_notes(notes: &mut [EditNote]) {
    notes.sort_by_key(|n| (n.note.start, n.note.pitch, n.id));
}

/// Clamps a pitch into the piano's 88 keys (A0..=C8).
pub(crate) fn clamp_to_piano(pitch: Pitch) -> Pitch {
    pitch.clamp(Pitch::PIANO_LOW, Pitch::PIANO_HIGH)
}

/// The saved form of a part (borrowed for writing).
#[derive(Serialize)]
struct PartRef<'a> {
    name: &'a str,
    role: PartRole,
    colour: u8,
    visible: bool,
    program: Program,
    channel: Channel,
    notes: &'a [EditNote],
}

/// The saved form of a part (owned for reading).
#[derive(Deserialize)]
struct PartData {
    name: String,
    role: PartRole,
    colour: u8,
    visible: bool,
    #[serde(default)]
    program: Program,
    #[serde(default)]
    channel: Channel,
    notes: Vec<EditNote>,
}

impl Serialize for DocPart {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        PartRef {
            name: &self.name,
            role: self.role,
            colour: self.colour,
            visible: self.visible,
            program: self.program,
            channel: self.channel,
            notes: &self.notes,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for DocPart {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let data = PartData::deserialize(deserializer)?;
        let part = DocPart {
            visible: data.visible,
            program: data.program,
            channel: data.channel,
            ..DocPart::new(data.name, data.role, data.colour)
        };
        Ok(part.with_notes(data.notes))
    }
}
