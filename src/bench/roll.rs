//! Benchmark: roll. CPU time per frame of the piano roll ([`crate::ui::roll::PianoRoll`])
//! holding many notes, run headless on an `egui::Context` (layout and painting, then
//! tessellation into triangles, as a real frame does before the GPU gets it).
//!
//! Two views are measured: the default zoom (a few bars visible, the common case) and
//! zoomed out so that the whole piece is visible (the worst case: every note painted).
//! Each frame moves the pointer over the grid (hit tests) and advances the playhead.

use std::time::Instant;

use egui::{Event, Pos2, RawInput, Rect, vec2};

use super::median_f64;
use crate::edit::{Document, PartRole};
use crate::music::{Note, Pitch, Velocity};
use crate::ui::roll::PianoRoll;

/// The window the roll is laid out in.
const SCREEN: [f32; 2] = [1280.0, 800.0];

/// A document with `notes` notes in the seed part (a deterministic four-voice texture of
/// 16ths and 8ths) and a ghost part of a quarter as many.
pub fn bench_document(notes: usize) -> Document {
    let mut doc = Document::new();
    doc.add_notes(texture(notes, 0x2545_F491));
    doc.add_part_with_notes(
        "Ghost",
        PartRole::Variation,
        texture(notes / 4, 0x9E37_79B9),
    );
    doc.clear_history();
    doc
}

/// `count` notes: four voices stepping by 16ths, pitches from a small linear congruential
/// generator, lengths of a 16th or an 8th.
fn texture(count: usize, seed: u64) -> Vec<Note> {
    let mut state = seed;
    let mut next = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        (state >> 33) as u32
    };
    (0..count)
        .filter_map(|i| {
            let voice = (i % 4) as u32;
            let step = (i / 4) as u64;
            let pitch = 48 + voice * 8 + next() % 12;
            let duration = if next() % 2 == 0 { 120 } else { 240 };
            let velocity = Velocity::saturating(40 + (next() % 80) as i32);
            Note::new(
                Pitch::new(pitch as u8).ok()?,
                step * 120,
                duration,
                velocity,
            )
            .ok()
        })
        .collect()
}

/// Runs `frames` frames (after 5 warm-up frames) of each view and returns
/// `(name, value, unit)` rows: median milliseconds per frame for the widget pass, for
/// tessellation and for both, plus the note count and the cost of one frame of dragging
/// every note.
pub fn run_roll_bench(notes: usize, frames: usize) -> Vec<(String, f64, String)> {
    let frames = frames.max(1);
    let mut rows = vec![("roll_notes".to_owned(), notes as f64, "notes".to_owned())];
    for (name, zoomed_out) in [("default_view", false), ("whole_piece", true)] {
        let mut doc = bench_document(notes);
        let mut roll = PianoRoll::default();
        if zoomed_out {
            // Fit the whole piece into the grid's width (about 1200 points).
            let quarters = doc.end_tick() as f32 / f32::from(doc.ticks_per_quarter());
            roll.px_per_quarter = (1200.0 / quarters.max(1.0)).max(0.01);
            roll.row_height = 6.0;
        }
        let ctx = egui::Context::default();
        let mut ui_ms = Vec::with_capacity(frames);
        let mut tess_ms = Vec::with_capacity(frames);
        let mut total_ms = Vec::with_capacity(frames);
        for frame in 0..frames + 5 {
            let x = 200.0 + (frame % 50) as f32 * 20.0;
            let input = RawInput {
                screen_rect: Some(Rect::from_min_size(Pos2::ZERO, vec2(SCREEN[0], SCREEN[1]))),
                events: vec![Event::PointerMoved(Pos2::new(x, 400.0))],
                ..RawInput::default()
            };
            let playhead = Some(frame as f64 * 30.0);
            let start = Instant::now();
            let mut output = ctx.run_ui(input, |ui| {
                roll.ui(ui, &mut doc, playhead);
            });
            let laid_out = Instant::now();
            let shapes = std::mem::take(&mut output.shapes);
            let primitives = ctx.tessellate(shapes, output.pixels_per_point);
            // No renderer takes the font texture here.
            output.textures_delta.clear();
            std::hint::black_box(&primitives);
            let done = Instant::now();
            if frame >= 5 {
                ui_ms.push((laid_out - start).as_secs_f64() * 1e3);
                tess_ms.push((done - laid_out).as_secs_f64() * 1e3);
                total_ms.push((done - start).as_secs_f64() * 1e3);
            }
        }
        let ms = "ms".to_owned();
        rows.push((format!("roll_{name}_ui_ms"), median_f64(&ui_ms), ms.clone()));
        rows.push((
            format!("roll_{name}_tessellate_ms"),
            median_f64(&tess_ms),
            ms.clone(),
        ));
        rows.push((format!("roll_{name}_frame_ms"), median_f64(&total_ms), ms));
    }
    rows.push((
        "roll_drag_all_notes_ms".to_owned(),
        drag_all_ms(notes, frames),
        "ms".to_owned(),
    ));
    rows
}

/// Median milliseconds of one frame's document update while every note is dragged (what a
/// move of the whole selection costs per frame, besides painting).
fn drag_all_ms(notes: usize, frames: usize) -> f64 {
    let mut doc = bench_document(notes);
    doc.select_all();
    let origin: Vec<(crate::edit::NoteId, Note)> = doc
        .selected_notes()
        .iter()
        .map(|n| (n.id, n.note))
        .collect();
    doc.begin_gesture();
    let times: Vec<f64> = (0..frames)
        .map(|frame| {
            let dt = (frame % 8) as i64 * 120;
            let start = Instant::now();
            let changes: Vec<_> = origin
                .iter()
                .map(|(id, n)| (*id, crate::edit::shift_note(*n, dt, 0)))
                .collect();
            doc.update_notes(&changes);
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    doc.end_gesture();
    median_f64(&times)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bench_document_has_the_notes_asked_for() {
        let doc = bench_document(1000);
        assert_eq!(doc.active_part().len(), 1000);
        assert_eq!(doc.part(1).map(|p| p.len()), Some(250));
        // 1000 notes in 4 voices: 250 steps of 120 ticks; the last may be an 8th.
        assert!(doc.end_tick() >= 249 * 120 + 120);
    }

    #[test]
    fn the_bench_runs_and_reports_every_figure() {
        let rows = run_roll_bench(200, 2);
        assert_eq!(rows.len(), 8);
        assert!(rows.iter().all(|(_, v, _)| v.is_finite() && *v >= 0.0));
    }
}
