//! Edit operations on the active part: add, delete, move, resize, velocity, transpose,
//! nudge, quantize, clipboard and duplicate. Each call outside a gesture is one undo step.

use std::collections::{BTreeSet, HashMap};
use std::num::NonZeroU64;
use std::ops::Range;

use super::EditError;
use super::document::{DocState, Document, fresh_id};
use super::part::{EditNote, NoteId, clamp_to_piano};
use crate::music::transform::quantize_note;
use crate::music::{Grid, Note, Pitch, QuantizeOptions, Tick, Velocity};

/// Which notes an operation such as quantize acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// The selected notes.
    Selection,
    /// Every note of the active part.
    All,
}

impl DocState {
    fn active_ids(&self, scope: Scope) -> BTreeSet<NoteId> {
        match scope {
            Scope::Selection => self.selection.clone(),
            Scope::All => self.parts[self.active]
                .notes()
                .iter()
                .map(|n| n.id)
                .collect(),
        }
    }
}

/// The shift `(dt, dp)` (ticks, semitones) clamped so that every note in `notes` keeps its start at or after
/// tick 0 and, for notes on the piano, a pitch within A0..=C8. Notes already outside the
/// piano range may move towards it but not further away.
pub fn clamp_shift(notes: &[Note], dt: i64, dp: i32) -> (i64, i32) {
    let Some(min_start) = notes.iter().map(|n| n.start).min() else {
        return (0, 0);
    };
    let min_pitch = notes
        .iter()
        .map(|n| i32::from(n.pitch.get()))
        .min()
        .unwrap_or(60);
    let max_pitch = notes
        .iter()
        .map(|n| i32::from(n.pitch.get()))
        .max()
        .unwrap_or(60);
    let lowest = -i64::try_from(min_start).unwrap_or(i64::MAX);
    let dt = dt.max(lowest);
    let lo = i32::from(Pitch::PIANO_LOW.get()) - min_pitch;
    let hi = i32::from(Pitch::PIANO_HIGH.get()) - max_pitch;
    let dp = dp.clamp(lo.min(0), hi.max(0));
    (dt, dp)
}

/// A note shifted by `dt` ticks and `dp` semitones (clamp first with [`clamp_shift`]; a
/// start saturates at 0 and a pitch that would leave MIDI's range stays as it was).
pub fn shift_note(note: Note, dt: i64, dp: i32) -> Note {
    let pitch = note.pitch.transposed(dp).unwrap_or(note.pitch);
    Note {
        start: note.start.saturating_add_signed(dt),
        pitch,
        ..note
    }
}

impl Document {
    /// Adds a note to the active part (its pitch clamped to the piano's A0..=C8) and
    /// returns its id. Does not change the selection.
    pub fn add_note(&mut self, note: Note) -> NoteId {
        self.add_notes([note])
            .first()
            .copied()
            .unwrap_or(NoteId::new(0))
    }

    /// Adds notes to the active part (pitches clamped to the piano) as one undo step and
    /// returns their ids in the order given.
    pub fn add_notes(&mut self, notes: impl IntoIterator<Item = Note>) -> Vec<NoteId> {
        let notes: Vec<Note> = notes.into_iter().collect();
        self.edit(|s, next_id| {
            let active = s.active;
            let added: Vec<EditNote> = notes
                .iter()
                .map(|&note| EditNote {
                    id: fresh_id(next_id),
                    note: Note {
                        pitch: clamp_to_piano(note.pitch),
                        ..note
                    },
                })
                .collect();
            let ids: Vec<NoteId> = added.iter().map(|n| n.id).collect();
            let changed = !added.is_empty();
            s.parts[active].edit_notes(|all| all.extend(added));
            (ids, changed)
        })
    }

    /// Deletes notes of the active part by id; returns how many were deleted.
    pub fn delete_notes(&mut self, ids: &[NoteId]) -> usize {
        let ids: BTreeSet<NoteId> = ids.iter().copied().collect();
        self.delete_set(&ids)
    }

    /// Deletes the selected notes; returns how many.
    pub fn delete_selection(&mut self) -> usize {
        let ids = self.state.selection.clone();
        self.delete_set(&ids)
    }

    fn delete_set(&mut self, ids: &BTreeSet<NoteId>) -> usize {
        if ids.is_empty() {
            return 0;
        }
        self.edit(|s, _| {
            let active = s.active;
            let removed = s.parts[active].edit_notes(|all| {
                let before = all.len();
                all.retain(|n| !ids.contains(&n.id));
                before - all.len()
            });
            s.selection.retain(|id| !ids.contains(id));
            (removed, removed > 0)
        })
    }

    /// Replaces notes of the active part by id (pitches clamped to the piano); ids not in
    /// the part are ignored. Returns how many notes changed. This is what drags use: they
    /// keep the notes as they were when the drag began and set them anew each frame.
    pub fn update_notes(&mut self, changes: &[(NoteId, Note)]) -> usize {
        let map: HashMap<NoteId, Note> = changes
            .iter()
            .map(|&(id, n)| {
                (
                    id,
                    Note {
                        pitch: clamp_to_piano(n.pitch),
                        ..n
                    },
                )
            })
            .collect();
        self.map_notes(
            |id| map.contains_key(&id),
            |id, note| map.get(&id).copied().unwrap_or(note),
        )
    }

    /// Applies `f` to the notes of the active part for which `pick` holds; returns how
    /// many notes changed.
    fn map_notes(
        &mut self,
        pick: impl Fn(NoteId) -> bool,
        f: impl Fn(NoteId, Note) -> Note,
    ) -> usize {
        // Check first, so an edit that changes nothing does not copy the notes.
        let would_change = self
            .active_part()
            .notes()
            .iter()
            .any(|n| pick(n.id) && f(n.id, n.note) != n.note);
        if !would_change {
            return 0;
        }
        self.edit(|s, _| {
            let active = s.active;
            let count = s.parts[active].edit_notes(|all| {
                let mut count = 0;
                for n in all.iter_mut().filter(|n| pick(n.id)) {
                    let new = f(n.id, n.note);
                    if new != n.note {
                        n.note = new;
                        count += 1;
                    }
                }
                count
            });
            (count, count > 0)
        })
    }

    /// Moves notes of the active part by `dt` ticks and `dp` semitones as a group, clamped
    /// so that no start goes below tick 0 and no pitch leaves A0..=C8 (the group keeps its
    /// shape). Returns the shift actually applied.
    pub fn move_notes(&mut self, ids: &[NoteId], dt: i64, dp: i32) -> (i64, i32) {
        let ids: BTreeSet<NoteId> = ids.iter().copied().collect();
        let notes: Vec<Note> = self
            .active_part()
            .notes()
            .iter()
            .filter(|n| ids.contains(&n.id))
            .map(|n| n.note)
            .collect();
        let (dt, dp) = clamp_shift(&notes, dt, dp);
        if (dt, dp) != (0, 0) {
            self.map_notes(|id| ids.contains(&id), |_, n| shift_note(n, dt, dp));
        }
        (dt, dp)
    }

    /// Moves the selection (see [`Document::move_notes`]); returns the shift applied.
    pub fn move_selection(&mut self, dt: i64, dp: i32) -> (i64, i32) {
        let ids: Vec<NoteId> = self.state.selection.iter().copied().collect();
        self.move_notes(&ids, dt, dp)
    }

    /// Transposes the selection by `semitones` (12 for an octave), clamped as a group to
    /// the piano; returns the shift applied.
    pub fn transpose_selection(&mut self, semitones: i32) -> i32 {
        self.move_selection(0, semitones).1
    }

    /// Lengthens (or with a negative `delta`, shortens) notes by `delta` ticks, each
    /// keeping at least one tick. Returns how many changed.
    pub fn resize_notes(&mut self, ids: &[NoteId], delta: i64) -> usize {
        let ids: BTreeSet<NoteId> = ids.iter().copied().collect();
        self.map_notes(
            |id| ids.contains(&id),
            |_, n| {
                let d = n.duration.get().saturating_add_signed(delta).max(1);
                Note {
                    duration: NonZeroU64::new(d).unwrap_or(n.duration),
                    ..n
                }
            },
        )
    }

    /// Resizes the selection by `delta` ticks (see [`Document::resize_notes`]).
    pub fn resize_selection(&mut self, delta: i64) -> usize {
        let ids: Vec<NoteId> = self.state.selection.iter().copied().collect();
        self.resize_notes(&ids, delta)
    }

    /// Sets the velocity of many notes at once; returns how many changed.
    pub fn set_velocity(&mut self, ids: &[NoteId], velocity: Velocity) -> usize {
        let ids: BTreeSet<NoteId> = ids.iter().copied().collect();
        self.map_notes(|id| ids.contains(&id), |_, n| Note { velocity, ..n })
    }

    /// Sets the velocity of every selected note.
    pub fn set_selection_velocity(&mut self, velocity: Velocity) -> usize {
        let ids: Vec<NoteId> = self.state.selection.iter().copied().collect();
        self.set_velocity(&ids, velocity)
    }

    /// Moves the selection by `steps` grid steps in time (negative: earlier); one step is
    /// the grid's length rounded to whole ticks. Clamped at tick 0; returns the ticks moved.
    pub fn nudge_selection(&mut self, grid: Grid, steps: i64) -> Result<i64, EditError> {
        let step = grid.ticks(self.ticks_per_quarter)?.step().round().max(1.0) as i64;
        Ok(self.move_selection(step.saturating_mul(steps), 0).0)
    }

    /// Snaps notes of the active part to a grid (see
    /// [`crate::music::transform::quantize_note`]); ids and selection are kept. Returns how
    /// many notes changed.
    pub fn quantize(&mut self, scope: Scope, options: QuantizeOptions) -> Result<usize, EditError> {
        let grid = options.grid.ticks(self.ticks_per_quarter)?;
        let ids = self.state.active_ids(scope);
        Ok(self.map_notes(
            |id| ids.contains(&id),
            |_, mut n| {
                quantize_note(&mut n, &grid, options.mode);
                n
            },
        ))
    }

    // ----- clipboard ---------------------------------------------------------------

    /// Copies the selection to the document's clipboard (times relative to the earliest
    /// selected start); returns how many notes were copied. An empty selection leaves the
    /// clipboard as it was.
    pub fn copy_selection(&mut self) -> usize {
        let notes = self.selected_notes();
        let Some(origin) = notes.iter().map(|n| n.note.start).min() else {
            return 0;
        };
        self.clipboard = notes
            .iter()
            .map(|n| Note {
                start: n.note.start - origin,
                ..n.note
            })
            .collect();
        self.clipboard.len()
    }

    /// Copies, then deletes the selection (one undo step); returns how many notes.
    pub fn cut_selection(&mut self) -> usize {
        let count = self.copy_selection();
        self.delete_selection();
        count
    }

    /// The clipboard's notes (starting at tick 0).
    pub fn clipboard(&self) -> &[Note] {
        &self.clipboard
    }

    /// Pastes the clipboard with its first note at `tick` into the active part (one undo
    /// step) and selects the pasted notes; returns their ids.
    pub fn paste_at(&mut self, tick: Tick) -> Vec<NoteId> {
        let notes: Vec<Note> = self
            .clipboard
            .iter()
            .map(|n| Note {
                start: n.start.saturating_add(tick),
                ..*n
            })
            .collect();
        let ids = self.add_notes(notes);
        if !ids.is_empty() {
            self.set_selection(ids.iter().copied());
        }
        ids
    }

    /// Puts a copy of the selection right after it (shifted by the selection's length, from
    /// its earliest start to its latest end), selects the copy and returns its ids. The
    /// clipboard is not touched.
    pub fn duplicate_selection(&mut self) -> Vec<NoteId> {
        let Some((start, end)) = self.selection_span() else {
            return Vec::new();
        };
        let span = end - start;
        let notes: Vec<Note> = self
            .selected_notes()
            .iter()
            .map(|n| Note {
                start: n.note.start.saturating_add(span),
                ..n.note
            })
            .collect();
        let ids = self.add_notes(notes);
        self.set_selection(ids.iter().copied());
        ids
    }

    // ----- queries -------------------------------------------------------------------

    /// The active part's note under `(tick, pitch)`: the one starting latest among those
    /// sounding there.
    pub fn note_at(&self, tick: Tick, pitch: Pitch) -> Option<NoteId> {
        self.active_part()
            .notes_overlapping(tick, tick.saturating_add(1))
            .iter()
            .rev()
            .find(|n| n.note.pitch == pitch && n.note.sounds_at(tick))
            .map(|n| n.id)
    }

    /// The active part's notes that start inside `range`, each cut to end by `range.end`,
    /// with their absolute ticks (what the Generate panel takes as a seed region).
    pub fn seed_region(&self, range: Range<Tick>) -> Vec<Note> {
        self.active_part()
            .notes()
            .iter()
            .filter(|n| range.contains(&n.note.start))
            .filter_map(|n| {
                let end = n.note.end().min(range.end);
                Note::new(
                    n.note.pitch,
                    n.note.start,
                    end - n.note.start,
                    n.note.velocity,
                )
                .ok()
            })
            .collect()
    }
}
