//! The document: parts, the active part, the selection, tempo and metre, and undo/redo.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::EditError;
use super::history::History;
use super::part::{DocPart, EditNote, NoteId, PartRole};
use crate::music::{DEFAULT_TICKS_PER_QUARTER, Key, Note, Tick, TimeSignature};

/// The lowest and highest tempo a document accepts, in quarter notes per minute.
pub const TEMPO_RANGE: std::ops::RangeInclusive<f64> = 10.0..=1000.0;

/// Everything undo restores: content plus the active part and the selection.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct DocState {
    pub(crate) title: String,
    pub(crate) tempo_bpm: f64,
    pub(crate) time_signature: TimeSignature,
    pub(crate) key: Option<Key>,
    pub(crate) parts: Vec<DocPart>,
    pub(crate) active: usize,
    pub(crate) selection: BTreeSet<NoteId>,
}

/// What the piano roll edits: several parts of notes with stable ids, one of them active
/// (edited; the others are shown as ghosts), a selection in the active part, one tempo and
/// one time signature, and an undo history in which one user gesture is one step.
///
/// Resolution: a new document uses [`DEFAULT_TICKS_PER_QUARTER`] (480 ticks per quarter
/// note); one made by [`Document::from_piece`] keeps the piece's resolution; pieces imported
/// into an existing document are rescaled to its resolution.
///
/// Undo: every edit method outside a gesture is one step; between
/// [`Document::begin_gesture`] and [`Document::end_gesture`] all edits form one step.
/// Selection changes alone are not steps, but undo restores the selection of the time.
///
/// Cloning is cheap (the notes of each part are shared until changed), e.g. to save a
/// copy on another thread.
#[derive(Clone, Debug)]
pub struct Document {
    pub(crate) ticks_per_quarter: u16,
    pub(crate) state: DocState,
    pub(crate) next_id: u64,
    pub(crate) clipboard: Vec<Note>,
    pub(crate) history: History<DocState>,
    revision: u64,
}

/// The next revision of any document in the process (see [`Document::revision`]).
fn next_revision() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl Default for Document {
    fn default() -> Self {
        Document::new()
    }
}

impl Document {
    /// An empty document at 480 ticks per quarter note, 120 BPM, 4/4, with one empty
    /// seed part.
    pub fn new() -> Self {
        Document::with_parts(
            DEFAULT_TICKS_PER_QUARTER,
            vec![DocPart::new("Seed", PartRole::Seed, 0)],
        )
    }

    pub(crate) fn with_parts(ticks_per_quarter: u16, parts: Vec<DocPart>) -> Self {
        let next_id = parts
            .iter()
            .flat_map(|p| p.notes().iter().map(|n| n.id.get()))
            .max()
            .map_or(0, |m| m + 1);
        let parts = if parts.is_empty() {
            vec![DocPart::new("Seed", PartRole::Seed, 0)]
        } else {
            parts
        };
        Document {
            ticks_per_quarter: ticks_per_quarter.max(1),
            state: DocState {
                title: String::new(),
                tempo_bpm: 120.0,
                time_signature: TimeSignature::default(),
                key: None,
                parts,
                active: 0,
                selection: BTreeSet::new(),
            },
            next_id,
            clipboard: Vec::new(),
            history: History::default(),
            revision: next_revision(),
        }
    }

    // ----- edit plumbing -------------------------------------------------------------

    /// Runs an edit. `f` returns its result and whether it changed the document; a change
    /// is recorded for undo (its own step, or part of the open gesture).
    pub(crate) fn edit<R>(&mut self, f: impl FnOnce(&mut DocState, &mut u64) -> (R, bool)) -> R {
        let before = (!self.history.in_gesture()).then(|| self.state.clone());
        let (result, changed) = f(&mut self.state, &mut self.next_id);
        if changed {
            self.revision = next_revision();
            let state = &self.state;
            self.history
                .changed(|| before.unwrap_or_else(|| state.clone()));
        }
        result
    }

    /// Opens a gesture: every edit until the matching [`Document::end_gesture`] is one undo
    /// step (a drag over many frames, a paste of many notes). Gestures nest.
    pub fn begin_gesture(&mut self) {
        let state = &self.state;
        self.history.begin(|| state.clone());
    }

    /// Closes the gesture opened by [`Document::begin_gesture`]; returns whether an undo
    /// step was recorded (false when nothing changed or an outer gesture is still open).
    pub fn end_gesture(&mut self) -> bool {
        self.history.end()
    }

    /// Drops the open gesture and puts the document back as it was before it (Esc during a
    /// drag). Returns whether anything was reverted.
    pub fn cancel_gesture(&mut self) -> bool {
        match self.history.cancel() {
            Some(before) => {
                self.state = before;
                self.revision = next_revision();
                true
            }
            None => false,
        }
    }

    /// Whether a gesture is open.
    pub fn in_gesture(&self) -> bool {
        self.history.in_gesture()
    }

    /// Undoes the newest step (closing an open gesture first); false if there is none.
    pub fn undo(&mut self) -> bool {
        while self.history.in_gesture() {
            self.history.end();
        }
        let current = self.state.clone();
        match self.history.undo(current) {
            Some(before) => {
                self.state = before;
                self.revision = next_revision();
                true
            }
            None => false,
        }
    }

    /// Redoes the newest undone step; false if there is none.
    pub fn redo(&mut self) -> bool {
        while self.history.in_gesture() {
            self.history.end();
        }
        let current = self.state.clone();
        match self.history.redo(current) {
            Some(after) => {
                self.state = after;
                self.revision = next_revision();
                true
            }
            None => false,
        }
    }

    /// Whether there is a step to undo.
    pub fn can_undo(&self) -> bool {
        self.history.undo_len() > 0
    }

    /// Whether there is a step to redo.
    pub fn can_redo(&self) -> bool {
        self.history.redo_len() > 0
    }

    /// How many steps can be undone.
    pub fn undo_steps(&self) -> usize {
        self.history.undo_len()
    }

    /// Sets how many undo steps are kept (at least 1; the default is 200).
    pub fn set_history_limit(&mut self, limit: usize) {
        self.history.set_limit(limit);
    }

    /// Forgets the undo history (after loading a project, say).
    pub fn clear_history(&mut self) {
        self.history.clear();
    }

    /// A counter that grows with every change of content (and undo/redo): compare it to a
    /// saved value to know whether the document needs saving or repainting. Revisions are
    /// unique in the process (a new document takes a fresh one too), so a revision names
    /// one content: what is worked out from a document can be cached by it.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    // ----- metadata --------------------------------------------------------------------

    /// Ticks per quarter note.
    pub fn ticks_per_quarter(&self) -> u16 {
        self.ticks_per_quarter
    }

    /// The title (from an imported piece, or set by the user).
    pub fn title(&self) -> &str {
        &self.state.title
    }

    /// Sets the title (an undo step).
    pub fn set_title(&mut self, title: impl Into<String>) {
        let title = title.into();
        self.edit(|s, _| {
            let changed = s.title != title;
            s.title = title;
            ((), changed)
        });
    }

    /// The tempo in quarter notes per minute.
    pub fn tempo_bpm(&self) -> f64 {
        self.state.tempo_bpm
    }

    /// Sets the tempo (clamped to [`TEMPO_RANGE`]; NaN is ignored); an undo step.
    pub fn set_tempo_bpm(&mut self, bpm: f64) {
        if bpm.is_nan() {
            return;
        }
        let bpm = bpm.clamp(*TEMPO_RANGE.start(), *TEMPO_RANGE.end());
        self.edit(|s, _| {
            let changed = s.tempo_bpm != bpm;
            s.tempo_bpm = bpm;
            ((), changed)
        });
    }

    /// The time signature (one for the whole document).
    pub fn time_signature(&self) -> TimeSignature {
        self.state.time_signature
    }

    /// Sets the time signature; an undo step.
    pub fn set_time_signature(&mut self, signature: TimeSignature) {
        self.edit(|s, _| {
            let changed = s.time_signature != signature;
            s.time_signature = signature;
            ((), changed)
        });
    }

    /// The key, if one is set (exported as a key signature).
    pub fn key(&self) -> Option<Key> {
        self.state.key
    }

    /// Sets or clears the key; an undo step.
    pub fn set_key(&mut self, key: Option<Key>) {
        self.edit(|s, _| {
            let changed = s.key != key;
            s.key = key;
            ((), changed)
        });
    }

    /// Ticks in one bar of the document's time signature.
    pub fn ticks_per_bar(&self) -> Tick {
        self.state
            .time_signature
            .ticks_per_bar(self.ticks_per_quarter)
            .max(1)
    }

    /// Ticks in one beat of the document's time signature.
    pub fn ticks_per_beat(&self) -> Tick {
        self.state
            .time_signature
            .ticks_per_beat(self.ticks_per_quarter)
            .max(1)
    }

    /// The tick after the last note of any part ends (0 when empty).
    pub fn end_tick(&self) -> Tick {
        self.state
            .parts
            .iter()
            .map(DocPart::end_tick)
            .max()
            .unwrap_or(0)
    }

    // ----- parts -----------------------------------------------------------------------

    /// Every part, in order.
    pub fn parts(&self) -> &[DocPart] {
        &self.state.parts
    }

    /// The part at `index`.
    pub fn part(&self, index: usize) -> Option<&DocPart> {
        self.state.parts.get(index)
    }

    /// The index of the active (edited) part.
    pub fn active_index(&self) -> usize {
        self.state.active
    }

    /// The active (edited) part.
    pub fn active_part(&self) -> &DocPart {
        // `active` is always a valid index: every method that changes the parts keeps it so.
        &self.state.parts[self.state.active.min(self.state.parts.len() - 1)]
    }

    /// Makes another part the one being edited; clears the selection. Not an undo step.
    pub fn set_active_part(&mut self, index: usize) -> Result<(), EditError> {
        self.check_part(index)?;
        if self.state.active != index {
            self.state.active = index;
            self.state.selection.clear();
        }
        Ok(())
    }

    fn check_part(&self, index: usize) -> Result<(), EditError> {
        if index < self.state.parts.len() {
            Ok(())
        } else {
            Err(EditError::NoSuchPart {
                index,
                count: self.state.parts.len(),
            })
        }
    }

    /// Adds an empty part with the next colour and returns its index; an undo step.
    pub fn add_part(&mut self, name: impl Into<String>, role: PartRole) -> usize {
        let name = name.into();
        self.edit(|s, _| {
            let colour = next_colour(&s.parts);
            s.parts.push(DocPart::new(name, role, colour));
            (s.parts.len() - 1, true)
        })
    }

    /// Adds a part holding `notes` (each gets a new id; pitches are kept as given) and
    /// returns its index; an undo step.
    pub fn add_part_with_notes(
        &mut self,
        name: impl Into<String>,
        role: PartRole,
        notes: impl IntoIterator<Item = Note>,
    ) -> usize {
        let name = name.into();
        self.edit(|s, next_id| {
            let colour = next_colour(&s.parts);
            let notes = notes
                .into_iter()
                .map(|note| EditNote {
                    id: fresh_id(next_id),
                    note,
                })
                .collect();
            s.parts
                .push(DocPart::new(name, role, colour).with_notes(notes));
            (s.parts.len() - 1, true)
        })
    }

    /// Removes a part (not the last one); an undo step. The active index follows its part
    /// (or moves to the previous one when the active part is removed).
    pub fn remove_part(&mut self, index: usize) -> Result<(), EditError> {
        self.check_part(index)?;
        if self.state.parts.len() == 1 {
            return Err(EditError::LastPart);
        }
        self.edit(|s, _| {
            s.parts.remove(index);
            if s.active == index {
                s.selection.clear();
            }
            if s.active >= index && s.active > 0 {
                s.active -= 1;
            }
            ((), true)
        });
        Ok(())
    }

    /// Renames a part; an undo step.
    pub fn rename_part(&mut self, index: usize, name: impl Into<String>) -> Result<(), EditError> {
        self.check_part(index)?;
        let name = name.into();
        self.edit(|s, _| {
            let part = &mut s.parts[index];
            let changed = part.name != name;
            part.name = name;
            ((), changed)
        });
        Ok(())
    }

    /// Shows or hides a part in the roll. Not an undo step.
    pub fn set_part_visible(&mut self, index: usize, visible: bool) -> Result<(), EditError> {
        self.check_part(index)?;
        self.state.parts[index].visible = visible;
        Ok(())
    }

    // ----- selection -------------------------------------------------------------------

    /// The selected notes' ids (all in the active part).
    pub fn selection(&self) -> &BTreeSet<NoteId> {
        &self.state.selection
    }

    /// Whether a note is selected.
    pub fn is_selected(&self, id: NoteId) -> bool {
        self.state.selection.contains(&id)
    }

    /// Selects every note of the active part.
    pub fn select_all(&mut self) {
        let ids = self.active_part().notes().iter().map(|n| n.id).collect();
        self.state.selection = ids;
    }

    /// Clears the selection.
    pub fn clear_selection(&mut self) {
        self.state.selection.clear();
    }

    /// Replaces the selection with the given notes of the active part (others are ignored).
    pub fn set_selection(&mut self, ids: impl IntoIterator<Item = NoteId>) {
        self.state.selection.clear();
        self.add_to_selection(ids);
    }

    /// Adds notes of the active part to the selection (others are ignored).
    pub fn add_to_selection(&mut self, ids: impl IntoIterator<Item = NoteId>) {
        let part = &self.state.parts[self.state.active];
        for id in ids {
            if part.find(id).is_some() {
                self.state.selection.insert(id);
            }
        }
    }

    /// Selects or deselects one note of the active part.
    pub fn toggle_selected(&mut self, id: NoteId) {
        if !self.state.selection.remove(&id) {
            self.add_to_selection([id]);
        }
    }

    /// Selects the active part's notes that overlap the tick range `ticks` and whose pitch
    /// lies in `pitches` (rubber-band selection); with `additive`, keeps the old selection.
    pub fn select_in(
        &mut self,
        ticks: std::ops::Range<Tick>,
        pitches: std::ops::RangeInclusive<u8>,
        additive: bool,
    ) {
        if !additive {
            self.state.selection.clear();
        }
        let part = &self.state.parts[self.state.active];
        for n in part.notes_overlapping(ticks.start, ticks.end) {
            if n.note.end() > ticks.start && pitches.contains(&n.note.pitch.get()) {
                self.state.selection.insert(n.id);
            }
        }
    }

    /// The selected notes, in time order.
    pub fn selected_notes(&self) -> Vec<EditNote> {
        self.active_part()
            .notes()
            .iter()
            .filter(|n| self.state.selection.contains(&n.id))
            .copied()
            .collect()
    }

    /// The earliest start and the latest end of the selection.
    pub fn selection_span(&self) -> Option<(Tick, Tick)> {
        let notes = self.selected_notes();
        let start = notes.iter().map(|n| n.note.start).min()?;
        let end = notes.iter().map(|n| n.note.end()).max()?;
        Some((start, end))
    }

    /// The note with this id in the active part.
    pub fn find_note(&self, id: NoteId) -> Option<Note> {
        self.active_part().find(id).map(|n| n.note)
    }
}

/// Hands out the next note id.
pub(crate) fn fresh_id(next_id: &mut u64) -> NoteId {
    let id = NoteId::new(*next_id);
    *next_id += 1;
    id
}

/// The colour after the highest one in use.
fn next_colour(parts: &[DocPart]) -> u8 {
    parts
        .iter()
        .map(|p| p.colour)
        .max()
        .map_or(0, |c| c.wrapping_add(1))
}

// ----- saving ------------------------------------------------------------------------

/// The version of the saved form.
const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct DocumentRef<'a> {
    version: u32,
    title: &'a str,
    ticks_per_quarter: u16,
    tempo_bpm: f64,
    time_signature: TimeSignature,
    key: Option<Key>,
    active: usize,
    parts: &'a [DocPart],
}

#[derive(Deserialize)]
struct DocumentData {
    #[serde(default)]
    title: String,
    ticks_per_quarter: u16,
    tempo_bpm: f64,
    time_signature: TimeSignature,
    #[serde(default)]
    key: Option<Key>,
    #[serde(default)]
    active: usize,
    parts: Vec<DocPart>,
}

impl Serialize for Document {
    /// Saves the content (title, resolution, tempo, time signature, key, parts with their
    /// notes and ids, the active part); not the selection, clipboard or history.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        DocumentRef {
            version: FORMAT_VERSION,
            title: &self.state.title,
            ticks_per_quarter: self.ticks_per_quarter,
            tempo_bpm: self.state.tempo_bpm,
            time_signature: self.state.time_signature,
            key: self.state.key,
            active: self.state.active,
            parts: &self.state.parts,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Document {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let data = DocumentData::deserialize(deserializer)?;
        Document::from_data(data).map_err(serde::de::Error::custom)
    }
}

impl Document {
    fn from_data(data: DocumentData) -> Result<Self, EditError> {
        if data.ticks_per_quarter == 0 || data.ticks_per_quarter > 0x7FFF {
            return Err(EditError::BadTicksPerQuarter(data.ticks_per_quarter));
        }
        if data.parts.is_empty() {
            return Err(EditError::NoParts);
        }
        let mut seen = std::collections::HashSet::new();
        for n in data.parts.iter().flat_map(|p| p.notes()) {
            if !seen.insert(n.id) {
                return Err(EditError::DuplicateNoteId(n.id.get()));
            }
        }
        let mut doc = Document::with_parts(data.ticks_per_quarter, data.parts);
        doc.state.title = data.title;
        doc.state.tempo_bpm = if data.tempo_bpm.is_nan() {
            120.0
        } else {
            data.tempo_bpm
                .clamp(*TEMPO_RANGE.start(), *TEMPO_RANGE.end())
        };
        doc.state.time_signature = data.time_signature;
        doc.state.key = data.key;
        doc.state.active = data.active.min(doc.state.parts.len() - 1);
        Ok(doc)
    }
}
