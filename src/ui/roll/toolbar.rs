//! The roll's own toolbar strip (tools, grid, snap, part, undo/redo, help) and the "?"
//! overlay listing the keys.

use super::keys::SHORTCUTS;
use super::{PianoRoll, RollOutput, Tool};
use crate::edit::{Document, Scope};
use crate::music::transform::QuantizeMode;
use crate::music::{Grid, QuantizeOptions};

impl PianoRoll {
    /// Draws the toolbar strip.
    pub(crate) fn toolbar_ui(
        &mut self,
        ui: &mut egui::Ui,
        doc: &mut Document,
        out: &mut RollOutput,
    ) {
        ui.horizontal(|ui| {
            for (tool, key) in [(Tool::Pencil, "1"), (Tool::Select, "2"), (Tool::Erase, "3")] {
                ui.selectable_value(&mut self.tool, tool, tool.label())
                    .on_hover_text(format!("{} tool (key {key})", tool.label()));
            }
            ui.separator();
            egui::ComboBox::new((&self.id_salt, "grid"), "Grid")
                .selected_text(self.grid.to_string())
                .width(64.0)
                .show_ui(ui, |ui| {
                    for grid in Grid::all() {
                        ui.selectable_value(&mut self.grid, grid, grid.to_string());
                    }
                });
            ui.checkbox(&mut self.snap, "Snap");
            if ui
                .button("Quantize")
                .on_hover_text("Snap the selection (or everything) to the grid (Q)")
                .clicked()
            {
                let scope = if doc.selection().is_empty() {
                    Scope::All
                } else {
                    Scope::Selection
                };
                let options = QuantizeOptions {
                    grid: self.grid,
                    mode: self.quantize_mode,
                };
                if let Err(e) = doc.quantize(scope, options) {
                    out.problems.push(format!("could not quantize: {e}"));
                }
            }
            let mut ends = self.quantize_mode == QuantizeMode::StartsAndEnds;
            if ui
                .checkbox(&mut ends, "Ends too")
                .on_hover_text("Quantize note ends as well as starts")
                .changed()
            {
                self.quantize_mode = if ends {
                    QuantizeMode::StartsAndEnds
                } else {
                    QuantizeMode::StartsOnly
                };
            }
            ui.separator();
            self.part_picker_ui(ui, doc, out);
            ui.separator();
            if ui
                .add_enabled(doc.can_undo(), egui::Button::new("Undo"))
                .on_hover_text("Ctrl+Z")
                .clicked()
            {
                doc.undo();
            }
            if ui
                .add_enabled(doc.can_redo(), egui::Button::new("Redo"))
                .on_hover_text("Ctrl+Shift+Z")
                .clicked()
            {
                doc.redo();
            }
            ui.checkbox(&mut self.follow_playhead, "Follow")
                .on_hover_text("Page the view to follow the playhead");
            if ui.button("?").on_hover_text("Keyboard shortcuts").clicked() {
                self.show_help = !self.show_help;
            }
        });
    }

    /// The active-part chooser with a visibility toggle for ghost parts.
    fn part_picker_ui(&mut self, ui: &mut egui::Ui, doc: &mut Document, out: &mut RollOutput) {
        let active = doc.active_index();
        let name = doc.active_part().name.clone();
        let mut chosen = active;
        let mut visibility: Vec<(usize, bool)> = Vec::new();
        egui::ComboBox::new((&self.id_salt, "part"), "Part")
            .selected_text(name)
            .show_ui(ui, |ui| {
                for (i, part) in doc.parts().iter().enumerate() {
                    ui.horizontal(|ui| {
                        let mut visible = part.visible;
                        if ui
                            .checkbox(&mut visible, "")
                            .on_hover_text("Show")
                            .changed()
                        {
                            visibility.push((i, visible));
                        }
                        ui.selectable_value(&mut chosen, i, part.name.as_str());
                    });
                }
            });
        for (i, visible) in visibility {
            if let Err(e) = doc.set_part_visible(i, visible) {
                out.problems
                    .push(format!("could not show or hide the part: {e}"));
            }
        }
        if chosen != active
            && let Err(e) = doc.set_active_part(chosen)
        {
            out.problems.push(format!("could not choose the part: {e}"));
        }
    }

    /// The "?" overlay: every key and what it does.
    pub(crate) fn help_ui(&mut self, ui: &egui::Ui, id: egui::Id, grid: egui::Rect) {
        egui::Area::new(id.with("help"))
            .order(egui::Order::Foreground)
            .fixed_pos(grid.left_top() + egui::vec2(16.0, 16.0))
            .show(ui.ctx(), |ui| {
                egui::Frame::popup(ui.style()).show(ui, |ui| {
                    ui.strong("Piano-roll keys");
                    egui::Grid::new(id.with("help_grid"))
                        .num_columns(2)
                        .spacing([16.0, 2.0])
                        .show(ui, |ui| {
                            for (keys, what) in SHORTCUTS {
                                ui.monospace(*keys);
                                ui.label(*what);
                                ui.end_row();
                            }
                        });
                    if ui.button("Close").clicked() {
                        self.show_help = false;
                    }
                });
            });
    }
}
