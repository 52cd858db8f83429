//! Painting: row backgrounds with the scale highlight, bar/beat/grid lines, ghost notes of
//! the other parts, the active part's notes, the keyboard, the ruler with the loop region,
//! the velocity lane and the playhead.
//!
//! Only what is visible is looked at: notes are found by binary search over the sorted
//! notes (see [`crate::edit::DocPart::notes_overlapping`]), and rectangles go into one mesh
//! per layer instead of one shape each.

use egui::epaint::Mesh;
use egui::{Align2, Color32, FontId, Painter, Rect, Stroke, StrokeKind, pos2};

use super::PianoRoll;
use super::interact::{bar_width, pitch_label};
use super::view::{Layout, View};
use crate::edit::{DocPart, Document};
use crate::music::{Pitch, PitchClass, Tick};

/// Part colours; a part's colour index picks one (modulo the length).
pub const PALETTE: [Color32; 8] = [
    Color32::from_rgb(86, 156, 255),
    Color32::from_rgb(255, 150, 60),
    Color32::from_rgb(90, 200, 120),
    Color32::from_rgb(220, 100, 200),
    Color32::from_rgb(240, 210, 70),
    Color32::from_rgb(80, 210, 210),
    Color32::from_rgb(240, 90, 90),
    Color32::from_rgb(160, 130, 250),
];

/// The colour of a part's colour index.
pub fn part_colour(index: u8) -> Color32 {
    PALETTE[usize::from(index) % PALETTE.len()]
}

const ROW_WHITE: Color32 = Color32::from_rgb(46, 48, 54);
const ROW_BLACK: Color32 = Color32::from_rgb(36, 38, 43);
const ROW_SCALE: Color32 = Color32::from_rgb(54, 60, 72);
const ROW_TONIC: Color32 = Color32::from_rgb(64, 72, 92);
const LINE_STEP: Color32 = Color32::from_rgb(56, 58, 64);
const LINE_BEAT: Color32 = Color32::from_rgb(70, 72, 80);
const LINE_BAR: Color32 = Color32::from_rgb(110, 112, 122);
const LINE_OCTAVE: Color32 = Color32::from_rgb(26, 27, 30);
const PLAYHEAD: Color32 = Color32::from_rgb(255, 80, 80);
const LOOP_FILL: Color32 = Color32::from_rgba_premultiplied(40, 60, 30, 40);
const SELECT_OUTLINE: Color32 = Color32::WHITE;
const NOTE_BORDER: Color32 = Color32::from_rgb(20, 20, 24);

/// Notes narrower than this (points) are drawn without a border.
const THIN_NOTE: f32 = 5.0;

/// Above this many visible notes, note names are not written inside the notes.
const MAX_NOTE_LABELS: usize = 300;

/// Scales a colour's brightness by `f` (0..=1).
fn shade(c: Color32, f: f32) -> Color32 {
    let s = |v: u8| (f32::from(v) * f).round().clamp(0.0, 255.0) as u8;
    Color32::from_rgba_unmultiplied(s(c.r()), s(c.g()), s(c.b()), c.a())
}

/// A colour mixed towards white by `f` (0..=1).
fn lighten(c: Color32, f: f32) -> Color32 {
    let m = |v: u8| (f32::from(v) + (255.0 - f32::from(v)) * f).round() as u8;
    Color32::from_rgb(m(c.r()), m(c.g()), m(c.b()))
}

impl PianoRoll {
    /// Paints everything but the toolbar.
    pub(crate) fn paint(
        &self,
        ui: &egui::Ui,
        doc: &Document,
        view: &View,
        layout: &Layout,
        playhead: Option<f64>,
    ) {
        let grid_painter = ui.painter_at(layout.grid);
        self.paint_rows(&grid_painter, view);
        self.paint_lines(&grid_painter, doc, view, layout.grid.y_range());
        if let Some(region) = &self.loop_region {
            paint_loop(&grid_painter, view, region, layout.grid);
        }
        for part in ghost_parts(doc) {
            paint_ghosts(&grid_painter, view, part);
        }
        paint_notes(&grid_painter, doc, view);
        if let Some(band) = self.rubber_band() {
            grid_painter.rect(
                band,
                0.0,
                Color32::from_rgba_unmultiplied(120, 160, 255, 30),
                Stroke::new(1.0, Color32::from_rgb(140, 180, 255)),
                StrokeKind::Inside,
            );
        }

        self.paint_keys(&ui.painter_at(layout.keys), view, layout.keys);
        self.paint_ruler(&ui.painter_at(layout.ruler), doc, view, layout.ruler);
        if layout.velocity.height() > 0.0 {
            let lane = ui.painter_at(layout.velocity.union(layout.velocity_label));
            paint_velocity(&lane, doc, view, layout);
        }

        if let Some(tick) = playhead.filter(|t| t.is_finite()) {
            let x = view.x(tick);
            if (layout.grid.left()..=layout.grid.right()).contains(&x) {
                let full = layout.ruler.union(layout.grid).union(layout.velocity);
                ui.painter_at(full)
                    .vline(x, full.y_range(), Stroke::new(1.5, PLAYHEAD));
            }
        }
    }

    /// One band per visible pitch: black-key rows darker, the key's scale lighter.
    fn paint_rows(&self, painter: &Painter, view: &View) {
        let (lo, hi) = view.visible_pitches();
        let mask = self.key.map(|k| k.scale_mask());
        let tonic = self.key.map(|k| k.tonic.get());
        let mut mesh = Mesh::default();
        for p in lo..=hi {
            let pc = p % 12;
            let y = view.row_top(p);
            let row = Rect::from_min_max(
                pos2(view.grid.left(), y),
                pos2(view.grid.right(), y + view.row_height),
            );
            let colour = match (mask, tonic) {
                (Some(_), Some(t)) if t == pc => ROW_TONIC,
                (Some(m), _) if m[usize::from(pc)] => ROW_SCALE,
                _ if PitchClass::wrapping(i32::from(pc)).is_black_key() => ROW_BLACK,
                _ => ROW_WHITE,
            };
            mesh.add_colored_rect(row, colour);
            // A dark line under each C marks the octaves; thin lines between rows otherwise.
            if view.row_height >= 6.0 || pc == 0 {
                let line_colour = if pc == 0 { LINE_OCTAVE } else { ROW_BLACK };
                let bottom = row.bottom();
                mesh.add_colored_rect(
                    Rect::from_min_max(pos2(row.left(), bottom - 1.0), pos2(row.right(), bottom)),
                    line_colour,
                );
            }
        }
        painter.add(mesh);
    }

    /// Grid-step, beat and bar lines, each only when they are far enough apart to read.
    fn paint_lines(&self, painter: &Painter, doc: &Document, view: &View, y: egui::Rangef) {
        let (t0, t1) = view.visible_ticks();
        let mut mesh = Mesh::default();
        let mut line = |tick: Tick, colour: Color32, width: f32| {
            let x = view.x(tick as f64);
            mesh.add_colored_rect(
                Rect::from_min_max(pos2(x - width / 2.0, y.min), pos2(x + width / 2.0, y.max)),
                colour,
            );
        };
        let beat = doc.ticks_per_beat();
        let bar = doc.ticks_per_bar();
        if let Ok(grid) = self.grid.ticks(doc.ticks_per_quarter())
            && grid.step() * view.px_per_tick >= 6.0
        {
            let first = grid.nearest_index(t0).saturating_sub(1);
            let mut i = first;
            while grid.line(i) <= t1 {
                let tick = grid.line(i);
                if !tick.is_multiple_of(beat) {
                    line(tick, LINE_STEP, 1.0);
                }
                i += 1;
            }
        }
        if beat as f64 * view.px_per_tick >= 5.0 {
            let mut tick = t0 / beat * beat;
            while tick <= t1 {
                if !tick.is_multiple_of(bar) {
                    line(tick, LINE_BEAT, 1.0);
                }
                tick += beat;
            }
        }
        let every = bar_stride(bar as f64 * view.px_per_tick, 4.0);
        let stride = bar * every;
        let mut tick = t0 / stride * stride;
        while tick <= t1 {
            line(tick, LINE_BAR, 1.0);
            tick += stride;
        }
        painter.add(mesh);
    }

    /// The keyboard at the left: white and black keys, names on every C (and on every key
    /// when rows are tall enough), the key under the pointer or being played highlighted.
    fn paint_keys(&self, painter: &Painter, view: &View, rect: Rect) {
        let (lo, hi) = view.visible_pitches();
        painter.rect_filled(rect, 0.0, Color32::from_rgb(20, 20, 22));
        let hover_pitch = painter
            .ctx()
            .input(|i| i.pointer.hover_pos())
            .filter(|p| rect.contains(*p))
            .map(|p| view.pitch_at(p.y));
        let font = FontId::proportional((view.row_height - 3.0).clamp(7.0, 12.0));
        for p in lo..=hi {
            let y = view.row_top(p);
            let black = PitchClass::wrapping(i32::from(p)).is_black_key();
            let active = self.keyboard_key == Some(p) || hover_pitch == Some(i32::from(p));
            let full = Rect::from_min_max(
                pos2(rect.left(), y),
                pos2(rect.right(), y + view.row_height),
            );
            let key = if black {
                Rect::from_min_max(
                    full.min,
                    pos2(rect.left() + rect.width() * 0.62, full.bottom()),
                )
            } else {
                full
            };
            if black {
                painter.rect_filled(
                    full.shrink2(egui::vec2(0.0, 0.5)),
                    0.0,
                    Color32::from_rgb(225, 225, 220),
                );
            }
            let colour = match (black, active) {
                (_, true) => Color32::from_rgb(120, 170, 255),
                (true, false) => Color32::from_rgb(30, 30, 34),
                (false, false) => Color32::from_rgb(235, 235, 230),
            };
            painter.rect_filled(key.shrink2(egui::vec2(0.0, 0.5)), 1.0, colour);
            let is_c = p % 12 == 0;
            if (is_c || (view.row_height >= 13.0 && !black))
                && let Ok(pitch) = Pitch::new(p)
            {
                let text_colour = if active {
                    Color32::WHITE
                } else {
                    Color32::from_rgb(40, 40, 48)
                };
                painter.text(
                    pos2(rect.right() - 3.0, y + view.row_height / 2.0),
                    Align2::RIGHT_CENTER,
                    // The keyboard names its keys plainly; notes are spelled for the key.
                    pitch_label(pitch, None),
                    font.clone(),
                    text_colour,
                );
            }
        }
    }

    /// The ruler: bar numbers, beat ticks and the loop region.
    fn paint_ruler(&self, painter: &Painter, doc: &Document, view: &View, rect: Rect) {
        painter.rect_filled(rect, 0.0, Color32::from_rgb(30, 31, 35));
        if let Some(region) = &self.loop_region {
            let r = Rect::from_min_max(
                pos2(view.x(region.start as f64), rect.top()),
                pos2(view.x(region.end as f64), rect.bottom()),
            );
            painter.rect_filled(r, 0.0, Color32::from_rgb(70, 110, 60));
        }
        let (t0, t1) = view.visible_ticks();
        let bar = doc.ticks_per_bar();
        let beat = doc.ticks_per_beat();
        if beat as f64 * view.px_per_tick >= 5.0 {
            let mut tick = t0 / beat * beat;
            while tick <= t1 {
                let x = view.x(tick as f64);
                painter.vline(
                    x,
                    (rect.bottom() - 4.0)..=rect.bottom(),
                    Stroke::new(1.0, LINE_BEAT),
                );
                tick += beat;
            }
        }
        let every = bar_stride(bar as f64 * view.px_per_tick, 28.0);
        let stride = bar * every;
        let mut tick = t0 / stride * stride;
        let font = FontId::proportional(11.0);
        while tick <= t1 {
            let x = view.x(tick as f64);
            painter.vline(x, rect.y_range(), Stroke::new(1.0, LINE_BAR));
            painter.text(
                pos2(x + 3.0, rect.center().y),
                Align2::LEFT_CENTER,
                (tick / bar + 1).to_string(),
                font.clone(),
                Color32::from_rgb(200, 200, 205),
            );
            tick += stride;
        }
    }
}

/// How many bars apart labelled bar lines must be (a power of two) so they are at least
/// `min_px` apart.
fn bar_stride(bar_px: f64, min_px: f64) -> u64 {
    let mut every = 1u64;
    while (every as f64) * bar_px < min_px && every < 1 << 20 {
        every *= 2;
    }
    every
}

/// The loop region shaded on the note grid.
fn paint_loop(painter: &Painter, view: &View, region: &std::ops::Range<Tick>, grid: Rect) {
    let r = Rect::from_min_max(
        pos2(view.x(region.start as f64), grid.top()),
        pos2(view.x(region.end as f64), grid.bottom()),
    );
    painter.rect_filled(r.intersect(grid), 0.0, LOOP_FILL);
}

/// The visible notes of a part that are in view: binary search, then a check of the end
/// and the pitch rows.
fn visible<'a>(
    part: &'a DocPart,
    view: &View,
) -> impl Iterator<Item = &'a crate::edit::EditNote> + 'a {
    let (t0, t1) = view.visible_ticks();
    let (lo, hi) = view.visible_pitches();
    part.notes_overlapping(t0, t1)
        .iter()
        .filter(move |n| n.note.end() > t0 && (lo..=hi).contains(&n.note.pitch.get()))
}

/// At most this many other parts are drawn faintly behind the active one (a document of a
/// whole tune collection holds thousands of parts, stacked on one another: drawing them all
/// costs far more than a frame can afford, and adds nothing one can see).
const MAX_GHOST_PARTS: usize = 24;

/// The visible parts drawn faintly behind the active one: the [`MAX_GHOST_PARTS`] nearest to
/// it in the part list.
fn ghost_parts(doc: &Document) -> impl Iterator<Item = &DocPart> {
    let active = doc.active_index();
    let parts = doc.parts();
    let before = parts[..active.min(parts.len())]
        .iter()
        .rev()
        .filter(|p| p.visible)
        .take(MAX_GHOST_PARTS / 2);
    let after = parts
        .iter()
        .skip(active + 1)
        .filter(|p| p.visible)
        .take(MAX_GHOST_PARTS / 2);
    before.chain(after)
}

/// Another part's notes, faint and without borders.
fn paint_ghosts(painter: &Painter, view: &View, part: &DocPart) {
    let colour = part_colour(part.colour).gamma_multiply(0.35);
    let mut mesh = Mesh::default();
    for n in visible(part, view) {
        let r = view.note_rect(&n.note).intersect(view.grid.expand(2.0));
        mesh.add_colored_rect(r.shrink2(egui::vec2(0.0, 1.0)), colour);
    }
    painter.add(mesh);
}

/// The active part's notes: colour by part, brightness by velocity, a dark border, a white
/// one when selected, the note's name inside when there is room.
fn paint_notes(painter: &Painter, doc: &Document, view: &View) {
    let part = doc.active_part();
    let base = part_colour(part.colour);
    let mut mesh = Mesh::default();
    let mut labels = Vec::new();
    let mut count = 0usize;
    for n in visible(part, view) {
        count += 1;
        let r = view.note_rect(&n.note).intersect(view.grid.expand(2.0));
        let r = Rect::from_min_max(r.min, pos2(r.max.x.max(r.min.x + 2.0), r.max.y));
        let selected = doc.is_selected(n.id);
        let v = f32::from(n.note.velocity.get()) / 127.0;
        let fill = if selected {
            lighten(base, 0.45)
        } else {
            shade(base, 0.55 + 0.45 * v)
        };
        if r.width() < THIN_NOTE && !selected {
            // Zoomed far out a border would cover the whole note: fill only.
            mesh.add_colored_rect(r, fill);
        } else {
            let border = if selected {
                SELECT_OUTLINE
            } else {
                NOTE_BORDER
            };
            mesh.add_colored_rect(r, border);
            let inner = r.shrink(if selected { 1.5 } else { 1.0 });
            if inner.is_positive() {
                mesh.add_colored_rect(inner, fill);
            }
        }
        if view.row_height >= 11.0 && r.width() >= 30.0 {
            labels.push((r, n.note.pitch));
        }
    }
    painter.add(mesh);
    if count <= MAX_NOTE_LABELS {
        let font = FontId::proportional((view.row_height - 4.0).clamp(7.0, 11.0));
        for (r, pitch) in labels {
            painter.text(
                pos2(r.left() + 3.0, r.center().y),
                Align2::LEFT_CENTER,
                pitch_label(pitch, doc.key()),
                font.clone(),
                Color32::from_rgb(15, 15, 20),
            );
        }
    }
}

/// The velocity lane: one bar per visible note of the active part, selected ones bright;
/// zoomed out (more notes than a third of the lane's points), the loudest per column.
fn paint_velocity(painter: &Painter, doc: &Document, view: &View, layout: &Layout) {
    let lane = layout.velocity;
    painter.rect_filled(lane, 0.0, Color32::from_rgb(28, 29, 33));
    painter.rect_filled(layout.velocity_label, 0.0, Color32::from_rgb(20, 20, 22));
    painter.text(
        layout.velocity_label.center(),
        Align2::CENTER_CENTER,
        "Velocity",
        FontId::proportional(10.0),
        Color32::from_rgb(170, 170, 175),
    );
    let half = lane.bottom() - lane.height() * 63.0 / 126.0;
    painter.hline(lane.x_range(), half, Stroke::new(1.0, LINE_STEP));
    let part = doc.active_part();
    let base = part_colour(part.colour);
    let (t0, t1) = view.visible_ticks();
    let notes = part.notes_overlapping(t0, t1);
    let bar_top = |velocity: u8| {
        let v = f32::from(velocity.saturating_sub(1)) / 126.0;
        lane.bottom() - (lane.height() - 2.0) * v - 2.0
    };
    let colour = |selected: bool| {
        if selected {
            lighten(base, 0.45)
        } else {
            shade(base, 0.8)
        }
    };
    let mut mesh = Mesh::default();
    if notes.len() as f32 > lane.width() / 3.0 {
        // Zoomed out: one bar per point column, the loudest note starting there (drawn
        // selected if any selected note starts there).
        let columns = lane.width().max(0.0) as usize + 1;
        let mut loudest = vec![(0u8, false); columns];
        for n in notes {
            let x = view.x(n.note.start as f64) - lane.left();
            if (0.0..columns as f32).contains(&x) {
                let cell = &mut loudest[x as usize];
                cell.0 = cell.0.max(n.note.velocity.get());
                cell.1 |= doc.is_selected(n.id);
            }
        }
        for (i, &(velocity, selected)) in loudest.iter().enumerate() {
            if velocity > 0 {
                let x = lane.left() + i as f32;
                mesh.add_colored_rect(
                    Rect::from_min_max(pos2(x, bar_top(velocity)), pos2(x + 1.0, lane.bottom())),
                    colour(selected),
                );
            }
        }
    } else {
        for n in notes {
            let x = view.x(n.note.start as f64);
            if x > lane.right() || x + 8.0 < lane.left() {
                continue;
            }
            let width = bar_width(view, &n.note);
            mesh.add_colored_rect(
                Rect::from_min_max(
                    pos2(x, bar_top(n.note.velocity.get())),
                    pos2(x + width, lane.bottom()),
                ),
                colour(doc.is_selected(n.id)),
            );
        }
    }
    painter.add(mesh);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_labels_thin_out_when_zoomed_out() {
        assert_eq!(bar_stride(100.0, 28.0), 1);
        assert_eq!(bar_stride(10.0, 28.0), 4);
        assert_eq!(bar_stride(0.5, 28.0), 64);
    }

    #[test]
    fn only_the_parts_nearest_the_active_one_are_drawn_behind_it() {
        let mut doc = Document::new();
        for i in 0..100 {
            doc.add_part_with_notes(format!("tune {i}"), crate::edit::PartRole::Imported, vec![]);
        }
        doc.set_active_part(50).unwrap();
        let names: Vec<&str> = ghost_parts(&doc).map(|p| p.name.as_str()).collect();
        assert_eq!(names.len(), MAX_GHOST_PARTS);
        assert!(!names.contains(&doc.active_part().name.as_str()));
        assert!(names.contains(&doc.parts()[49].name.as_str()));
        assert!(names.contains(&doc.parts()[51].name.as_str()));
        assert!(!names.contains(&doc.parts()[0].name.as_str()));
        // A small document: every other part.
        let mut small = Document::new();
        small.add_part_with_notes("two", crate::edit::PartRole::Imported, vec![]);
        assert_eq!(ghost_parts(&small).count(), 1);
    }

    #[test]
    fn palette_wraps() {
        assert_eq!(part_colour(0), part_colour(8));
        assert_ne!(part_colour(0), part_colour(1));
    }
}
