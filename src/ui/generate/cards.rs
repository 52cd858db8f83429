//! The Generate panel's results: variations as cards (play, accept) and the new versions of
//! a regenerated span. Accepting a variation is [`accept_variation`], the one place that
//! turns a generated continuation into a part of the document.

use super::GeneratePanel;
use crate::edit::{Document, NoteId, PartRole};
use crate::generate::{Generated, splice_region};
use crate::music::{Note, Piece, TempoMap, Tick};
use crate::ui::panel::PanelContext;

/// Adds the continuation of `generated` (its notes after the seed; all of them for a tune
/// from nothing) to `doc` as a new part, moved to start at `origin`, where the seed started
/// in the document. A tune from nothing in another metre gives an empty document its metre.
pub fn accept_variation(doc: &mut Document, generated: &Generated, origin: Tick) {
    let tpq = generated.piece.ticks_per_quarter;
    let step = Tick::from(tpq / 4).max(1);
    let seed_end = generated.seed_steps as Tick * step;
    let notes: Vec<Note> = generated
        .piece
        .notes()
        .filter(|n| n.start >= seed_end || seed_end == 0)
        .map(|n| Note {
            start: n.start + origin,
            ..*n
        })
        .collect();
    let name = generated.piece.title.clone();
    let signature = generated.piece.initial_time_signature();
    if doc.parts().iter().all(|p| p.is_empty()) && signature != doc.time_signature() {
        doc.set_time_signature(signature);
    }
    doc.add_part_with_notes(name, PartRole::Variation, notes);
}

impl GeneratePanel {
    /// One card per variation: its title and key, Play, Accept, and a small picture.
    pub(super) fn cards_ui(&mut self, ui: &mut egui::Ui, cx: &mut PanelContext<'_>) {
        let mut accept = None;
        for (i, card) in self.cards.iter().enumerate() {
            ui.group(|ui| {
                ui.horizontal(|ui| {
                    ui.strong(&card.generated.piece.title);
                    ui.label(
                        egui::RichText::new(format!("{}", card.generated.key))
                            .small()
                            .weak(),
                    );
                    if let Some((kind, label)) = &card.model {
                        ui.label(
                            egui::RichText::new(format!("by the {}", kind.name()))
                                .small()
                                .weak(),
                        )
                        .on_hover_text(label);
                    }
                    if ui.small_button("▶ Play").clicked() {
                        let piece = card.generated.piece.clone();
                        let from = piece.first_onset_seconds();
                        cx.play(piece, from);
                    }
                    if ui
                        .small_button("✔ Accept")
                        .on_hover_text("Add the continuation to the roll as a new part")
                        .clicked()
                    {
                        accept = Some(i);
                    }
                });
                mini_roll_ui(ui, &card.generated);
            });
        }
        if let Some(i) = accept {
            self.accept(i, cx.doc);
        }
    }

    /// The new versions of the selected bars: play one in its part, use one, or dismiss.
    pub(super) fn region_ui(&mut self, ui: &mut egui::Ui, cx: &mut PanelContext<'_>) {
        let Some((region, part, choices)) = self.region_choices.as_ref() else {
            return;
        };
        let mut chosen = None;
        let mut dismiss = false;
        ui.group(|ui| {
            ui.strong("New versions of the selected bar(s)");
            for (i, notes) in choices.iter().enumerate() {
                ui.horizontal(|ui| {
                    ui.label(format!("Option {} ({} notes)", i + 1, notes.len()));
                    if ui
                        .small_button("▶")
                        .on_hover_text("Play the part with this option")
                        .clicked()
                        && let Some(p) = cx.doc.part(*part)
                    {
                        let all: Vec<Note> = p.notes().iter().map(|n| n.note).collect();
                        let spliced = splice_region(&all, region.clone(), notes);
                        if let Ok(mut piece) =
                            Piece::from_notes(cx.doc.ticks_per_quarter(), "option", spliced)
                        {
                            piece.tempo_map = TempoMap::from_bpm(cx.doc.tempo_bpm());
                            let from = piece.first_onset_seconds();
                            cx.play(piece, from);
                        }
                    }
                    if ui.small_button("Use this").clicked() {
                        chosen = Some(i);
                    }
                });
            }
            if ui.small_button("Dismiss").clicked() {
                dismiss = true;
            }
        });
        if let Some(i) = chosen {
            if let Some((region, part, choices)) = self.region_choices.take() {
                use_region_choice(cx.doc, region, part, &choices[i]);
            }
        } else if dismiss {
            self.region_choices = None;
        }
    }
}

/// Replaces the notes of `part` inside `region` by `choice`, as one undo step.
fn use_region_choice(
    doc: &mut Document,
    region: std::ops::Range<Tick>,
    part: usize,
    choice: &[Note],
) {
    if doc.set_active_part(part).is_err() {
        return;
    }
    let old: Vec<(NoteId, Note)> = doc
        .active_part()
        .notes()
        .iter()
        .map(|n| (n.id, n.note))
        .collect();
    let all: Vec<Note> = old.iter().map(|(_, n)| *n).collect();
    let spliced = splice_region(&all, region, choice);
    let ids: Vec<_> = old.iter().map(|(id, _)| *id).collect();
    doc.begin_gesture();
    doc.delete_notes(&ids);
    doc.add_notes(spliced);
    doc.end_gesture();
}

/// A small picture of a variation: seed notes grey, the continuation in colour.
fn mini_roll_ui(ui: &mut egui::Ui, generated: &Generated) {
    let width = ui.available_width().max(60.0);
    let (rect, _) = ui.allocate_exact_size(egui::vec2(width, 44.0), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 2.0, ui.visuals().extreme_bg_color);
    let notes: Vec<&Note> = generated.piece.notes().collect();
    let (Some(low), Some(high)) = (
        notes.iter().map(|n| n.pitch.get()).min(),
        notes.iter().map(|n| n.pitch.get()).max(),
    ) else {
        return;
    };
    let end = notes.iter().map(|n| n.end()).max().unwrap_or(1).max(1) as f32;
    let rows = f32::from(high - low + 1);
    let step = Tick::from(generated.piece.ticks_per_quarter / 4).max(1);
    let seed_end = generated.seed_steps as Tick * step;
    for n in notes {
        let x0 = rect.left() + rect.width() * n.start as f32 / end;
        let x1 = rect.left() + rect.width() * n.end() as f32 / end;
        let y = rect.bottom() - rect.height() * (f32::from(n.pitch.get() - low) + 1.0) / rows;
        let colour = if n.start < seed_end {
            egui::Color32::GRAY
        } else {
            egui::Color32::from_rgb(90, 170, 250)
        };
        painter.rect_filled(
            egui::Rect::from_min_max(
                egui::pos2(x0, y),
                egui::pos2(
                    (x1 - 1.0).max(x0 + 1.0),
                    y + (rect.height() / rows).max(2.0),
                ),
            ),
            1.0,
            colour,
        );
    }
}
