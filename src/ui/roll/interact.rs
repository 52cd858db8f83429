//! Pointer gestures: create, move, resize, rubber band, erase, velocity drags, loop
//! region in the ruler, auditioning on the keyboard. Each drag that edits the document is
//! one undo step (a gesture from press to release).

use std::collections::BTreeSet;

use egui::{CursorIcon, Pos2, Response};

use super::view::{Layout, Snap, View};
use super::{PianoRoll, RollOutput, Tool};
use crate::edit::{Document, NoteId, clamp_shift, shift_note};
use crate::music::{Note, Pitch, Tick, Velocity};

/// How far (points) the pointer must travel before a press counts as a drag.
const DRAG_SLOP: f32 = 3.0;

/// The pointer gesture under way.
#[derive(Debug, Default)]
pub(crate) enum Drag {
    /// Nothing.
    #[default]
    Idle,
    /// A note just drawn with the pencil; dragging right sets its length.
    Create {
        id: NoteId,
        start: Tick,
        press: Pos2,
        moved: bool,
    },
    /// Notes being moved; `origin` holds them as they were at the press.
    Move {
        grabbed: NoteId,
        origin: Vec<(NoteId, Note)>,
        press: Pos2,
        press_tick: f64,
        press_pitch: i32,
        moved: bool,
        last_pitch: u8,
    },
    /// Notes being resized at their right edge.
    Resize {
        grabbed: NoteId,
        origin: Vec<(NoteId, Note)>,
        press_tick: f64,
    },
    /// A rubber-band selection from `from`; `base` is the selection kept with Shift.
    Rubber {
        from: Pos2,
        to: Pos2,
        base: Option<BTreeSet<NoteId>>,
    },
    /// Deleting the notes the pointer passes over.
    Erase,
    /// Velocity drag: `targets` get the value under the pointer; `None` paints the note
    /// under the pointer.
    Velocity { targets: Option<Vec<NoteId>> },
    /// A drag in the ruler from this tick (a click seeks).
    Loop {
        from: Tick,
        press: Pos2,
        moved: bool,
    },
    /// Playing keys on the keyboard (glissando): the last pitch sounded.
    Keys,
}

/// The responses of the widget's regions this frame.
pub(crate) struct Responses<'a> {
    pub(crate) grid: &'a Response,
    pub(crate) ruler: &'a Response,
    pub(crate) keys: &'a Response,
    pub(crate) lane: &'a Response,
}

/// What the pointer did this frame.
struct PointerState {
    pos: Option<Pos2>,
    pressed: bool,
    down: bool,
    shift: bool,
}

impl PianoRoll {
    /// Handles the pointer for one frame.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn pointer(
        &mut self,
        ui: &egui::Ui,
        doc: &mut Document,
        view: &View,
        layout: &Layout,
        snap: &Snap,
        responses: &Responses<'_>,
        out: &mut RollOutput,
    ) {
        let p = ui.input(|i| PointerState {
            pos: i.pointer.interact_pos().or(i.pointer.hover_pos()),
            pressed: i.pointer.primary_pressed(),
            down: i.pointer.primary_down(),
            shift: i.modifiers.shift,
        });
        self.hover_tick = p
            .pos
            .filter(|pos| view.contains(*pos))
            .map(|pos| snap.floor(view.tick_at_clamped(pos.x)));

        if p.pressed
            && let Some(pos) = p.pos
        {
            if responses.grid.hovered() {
                self.press_grid(doc, view, snap, pos, &p, out);
            } else if responses.lane.hovered() {
                self.press_lane(doc, view, pos);
            } else if responses.ruler.hovered() {
                self.drag = Drag::Loop {
                    from: snap.nearest(view.tick_at_clamped(pos.x)),
                    press: pos,
                    moved: false,
                };
            } else if responses.keys.hovered() {
                let pitch = view.piano_pitch_at(pos.y);
                out.audition.push(pitch);
                self.keyboard_key = Some(pitch.get());
                self.drag = Drag::Keys;
            }
        }

        if self.is_dragging() {
            if let Some(pos) = p.pos {
                self.drag_to(doc, view, layout, snap, pos, out);
            }
            if !p.down {
                self.finish(doc, out);
            }
        } else {
            self.keyboard_key = None;
        }

        // Right click on a note deletes it (pencil and select tools).
        if responses.grid.secondary_clicked()
            && let Some(pos) = responses.grid.interact_pointer_pos()
            && let Some((id, _)) = self.hit(doc, view, pos)
        {
            doc.delete_notes(&[id]);
        }
        if responses.ruler.double_clicked() && self.loop_region.is_some() {
            self.loop_region = None;
            out.loop_changed = Some(None);
        }
        self.cursor(ui, doc, view, responses);
    }

    /// A press on the note grid starts a gesture according to the tool.
    fn press_grid(
        &mut self,
        doc: &mut Document,
        view: &View,
        snap: &Snap,
        pos: Pos2,
        p: &PointerState,
        out: &mut RollOutput,
    ) {
        let hit = self.hit(doc, view, pos);
        if self.tool == Tool::Erase {
            doc.begin_gesture();
            if let Some((id, _)) = hit {
                doc.delete_notes(&[id]);
            }
            self.drag = Drag::Erase;
            return;
        }
        if let Some((id, edge)) = hit {
            if p.shift {
                doc.toggle_selected(id);
                if !doc.is_selected(id) {
                    return;
                }
            } else if !doc.is_selected(id) {
                doc.set_selection([id]);
            }
            let origin: Vec<(NoteId, Note)> = doc
                .selected_notes()
                .iter()
                .map(|n| (n.id, n.note))
                .collect();
            let Some(grabbed) = doc.find_note(id) else {
                return;
            };
            self.last_duration = Some(grabbed.duration.get());
            doc.begin_gesture();
            self.drag = if edge {
                Drag::Resize {
                    grabbed: id,
                    origin,
                    press_tick: view.tick_at(pos.x),
                }
            } else {
                Drag::Move {
                    grabbed: id,
                    origin,
                    press: pos,
                    press_tick: view.tick_at(pos.x),
                    press_pitch: view.pitch_at(pos.y),
                    moved: false,
                    last_pitch: grabbed.pitch.get(),
                }
            };
            return;
        }
        match self.tool {
            Tool::Pencil => {
                let start = snap.floor(view.tick_at_clamped(pos.x));
                let pitch = view.piano_pitch_at(pos.y);
                let duration = self.last_duration.unwrap_or(snap.step()).max(1);
                let Ok(note) = Note::new(pitch, start, duration, Velocity::DEFAULT) else {
                    return;
                };
                doc.begin_gesture();
                let id = doc.add_note(note);
                doc.set_selection([id]);
                out.audition.push(pitch);
                self.drag = Drag::Create {
                    id,
                    start,
                    press: pos,
                    moved: false,
                };
            }
            Tool::Select | Tool::Erase => {
                let base = p.shift.then(|| doc.selection().clone());
                if base.is_none() {
                    doc.clear_selection();
                }
                self.drag = Drag::Rubber {
                    from: pos,
                    to: pos,
                    base,
                };
            }
        }
    }

    /// A press in the velocity lane: on a selected note's bar (or anywhere, with a
    /// selection) edits every selected note; otherwise paints the bars under the pointer.
    fn press_lane(&mut self, doc: &mut Document, view: &View, pos: Pos2) {
        let hit = velocity_hit(doc, view, pos.x);
        let targets = match hit {
            Some(id) if doc.is_selected(id) => Some(doc.selection().iter().copied().collect()),
            None if !doc.selection().is_empty() => Some(doc.selection().iter().copied().collect()),
            _ => None,
        };
        doc.begin_gesture();
        self.drag = Drag::Velocity { targets };
    }

    /// Follows the pointer during a gesture.
    fn drag_to(
        &mut self,
        doc: &mut Document,
        view: &View,
        layout: &Layout,
        snap: &Snap,
        pos: Pos2,
        out: &mut RollOutput,
    ) {
        match &mut self.drag {
            Drag::Idle => {}
            Drag::Create {
                id,
                start,
                press,
                moved,
            } => {
                *moved |= (pos.x - press.x).abs() > DRAG_SLOP;
                if *moved && let Some(note) = doc.find_note(*id) {
                    let end = snap.ceil(view.tick_at_clamped(pos.x));
                    let duration = end.saturating_sub(*start).max(snap.step());
                    if let Ok(resized) = Note::new(note.pitch, *start, duration, note.velocity) {
                        doc.update_notes(&[(*id, resized)]);
                    }
                }
            }
            Drag::Move {
                grabbed,
                origin,
                press,
                press_tick,
                press_pitch,
                moved,
                last_pitch,
            } => {
                *moved |= pos.distance(*press) > DRAG_SLOP;
                if !*moved {
                    return;
                }
                let Some(anchor) = origin.iter().find(|(id, _)| id == grabbed).map(|(_, n)| *n)
                else {
                    return;
                };
                let raw = (anchor.start as f64 + view.tick_at(pos.x) - *press_tick).max(0.0);
                let target = snap.nearest(raw.round() as Tick);
                let dt = target as i64 - anchor.start as i64;
                let dp = view.pitch_at(pos.y) - *press_pitch;
                let notes: Vec<Note> = origin.iter().map(|(_, n)| *n).collect();
                let (dt, dp) = clamp_shift(&notes, dt, dp);
                let changes: Vec<(NoteId, Note)> = origin
                    .iter()
                    .map(|(id, n)| (*id, shift_note(*n, dt, dp)))
                    .collect();
                doc.update_notes(&changes);
                let pitch = shift_note(anchor, 0, dp).pitch;
                if pitch.get() != *last_pitch {
                    *last_pitch = pitch.get();
                    out.audition.push(pitch);
                }
            }
            Drag::Resize {
                grabbed,
                origin,
                press_tick,
            } => {
                let Some(anchor) = origin.iter().find(|(id, _)| id == grabbed).map(|(_, n)| *n)
                else {
                    return;
                };
                let raw = (anchor.end() as f64 + view.tick_at(pos.x) - *press_tick).max(0.0);
                let end = snap.nearest(raw.round() as Tick);
                let min = if self.snap { snap.step() } else { 1 };
                let duration = end.saturating_sub(anchor.start).max(min);
                let delta = duration as i64 - anchor.duration.get() as i64;
                let changes: Vec<(NoteId, Note)> = origin
                    .iter()
                    .map(|(id, n)| {
                        let d = n.duration.get().saturating_add_signed(delta).max(1);
                        (
                            *id,
                            Note::new(n.pitch, n.start, d, n.velocity).unwrap_or(*n),
                        )
                    })
                    .collect();
                doc.update_notes(&changes);
                self.last_duration = Some(duration);
            }
            Drag::Rubber { from, to, base } => {
                *to = pos;
                let rect = egui::Rect::from_two_pos(*from, *to);
                let t0 = view.tick_at_clamped(rect.left());
                let t1 = view.tick_at_clamped(rect.right()) + 1;
                let hi = view.pitch_at(rect.top()).clamp(0, 127) as u8;
                let lo = view.pitch_at(rect.bottom()).clamp(0, 127) as u8;
                match base {
                    Some(b) => {
                        doc.set_selection(b.iter().copied());
                        doc.select_in(t0..t1, lo..=hi, true);
                    }
                    None => doc.select_in(t0..t1, lo..=hi, false),
                }
            }
            Drag::Erase => {
                if let Some((id, _)) = self.hit(doc, view, pos) {
                    doc.delete_notes(&[id]);
                }
            }
            Drag::Velocity { targets } => {
                let lane = layout.velocity;
                let fraction = ((lane.bottom() - pos.y) / lane.height().max(1.0)).clamp(0.0, 1.0);
                let velocity = Velocity::saturating(1 + (fraction * 126.0).round() as i32);
                match targets {
                    Some(ids) => {
                        doc.set_velocity(ids, velocity);
                    }
                    None => {
                        if let Some(id) = velocity_hit(doc, view, pos.x) {
                            doc.set_velocity(&[id], velocity);
                        }
                    }
                }
            }
            Drag::Loop { from, press, moved } => {
                *moved |= (pos.x - press.x).abs() > DRAG_SLOP;
                if *moved {
                    let here = snap.nearest(view.tick_at_clamped(pos.x));
                    let range = (*from).min(here)..(*from).max(here);
                    let region = (!range.is_empty()).then_some(range);
                    if region != self.loop_region {
                        self.loop_region = region.clone();
                        out.loop_changed = Some(region);
                    }
                }
            }
            Drag::Keys => {
                let pitch = view.piano_pitch_at(pos.y);
                if self.keyboard_key != Some(pitch.get()) {
                    self.keyboard_key = Some(pitch.get());
                    out.audition.push(pitch);
                }
            }
        }
    }

    /// Ends the gesture at release.
    fn finish(&mut self, doc: &mut Document, out: &mut RollOutput) {
        match std::mem::take(&mut self.drag) {
            Drag::Create { id, moved, .. } => {
                if moved && let Some(note) = doc.find_note(id) {
                    self.last_duration = Some(note.duration.get());
                }
                doc.end_gesture();
            }
            Drag::Move { .. } | Drag::Resize { .. } | Drag::Erase | Drag::Velocity { .. } => {
                doc.end_gesture();
            }
            Drag::Loop { from, moved, .. } => {
                if !moved {
                    out.seek = Some(from);
                }
            }
            Drag::Rubber { .. } | Drag::Keys | Drag::Idle => {}
        }
        self.keyboard_key = None;
    }

    /// Abandons the gesture under way, reverting what it changed (Esc).
    pub(crate) fn cancel_drag(&mut self, doc: &mut Document) -> bool {
        match std::mem::take(&mut self.drag) {
            Drag::Idle => false,
            Drag::Rubber { base, .. } => {
                doc.set_selection(base.unwrap_or_default());
                true
            }
            _ => {
                doc.cancel_gesture();
                true
            }
        }
    }

    /// The rubber band's rectangle, if one is being drawn.
    pub(crate) fn rubber_band(&self) -> Option<egui::Rect> {
        match &self.drag {
            Drag::Rubber { from, to, .. } => Some(egui::Rect::from_two_pos(*from, *to)),
            _ => None,
        }
    }

    /// Sets the mouse cursor for what a press would do.
    fn cursor(&self, ui: &egui::Ui, doc: &Document, view: &View, responses: &Responses<'_>) {
        let icon = match &self.drag {
            Drag::Move { .. } => Some(CursorIcon::Grabbing),
            Drag::Resize { .. } | Drag::Create { .. } => Some(CursorIcon::ResizeHorizontal),
            Drag::Idle if responses.grid.hovered() => {
                let pos = ui.input(|i| i.pointer.hover_pos());
                match (self.tool, pos.and_then(|p| self.hit(doc, view, p))) {
                    (Tool::Erase, _) => Some(CursorIcon::NotAllowed),
                    (_, Some((_, true))) => Some(CursorIcon::ResizeHorizontal),
                    (_, Some((_, false))) => Some(CursorIcon::Grab),
                    (Tool::Pencil, None) => Some(CursorIcon::Crosshair),
                    (Tool::Select, None) => None,
                }
            }
            _ => None,
        };
        if let Some(icon) = icon {
            ui.ctx().set_cursor_icon(icon);
        }
    }
}

/// The active part's note whose velocity bar lies under `x` (the latest starting).
pub(crate) fn velocity_hit(doc: &Document, view: &View, x: f32) -> Option<NoteId> {
    let tick = view.tick_at(x).max(0.0);
    let slack = 6.0 / view.px_per_tick;
    let from = (tick - slack).max(0.0) as Tick;
    let to = (tick + slack).ceil() as Tick + 1;
    doc.active_part()
        .notes_overlapping(from, to)
        .iter()
        .rev()
        .find(|n| {
            let x0 = view.x(n.note.start as f64);
            let width = bar_width(view, &n.note);
            x >= x0 - 2.0 && x <= x0 + width + 2.0
        })
        .map(|n| n.id)
}

/// The width of a note's velocity bar: its own width, at most 8 points, at least 2.
pub(crate) fn bar_width(view: &View, note: &Note) -> f32 {
    (note.duration.get() as f64 * view.px_per_tick).clamp(2.0, 8.0) as f32
}

/// A pitch as a key or note label, spelled for the document's key (`Bb4` in F major), with
/// sharps when it has none (`F#3`).
pub(crate) fn pitch_label(pitch: Pitch, key: Option<crate::music::Key>) -> String {
    crate::music::spelling::pitch_name(pitch, key)
}
