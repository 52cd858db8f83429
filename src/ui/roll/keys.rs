//! Keyboard shortcuts of the roll, and the list the "?" overlay shows.

use egui::{Event, Key, Modifiers};

use super::view::Snap;
use super::{PianoRoll, RollOutput, Tool};
use crate::edit::{Document, Scope};
use crate::music::{QuantizeOptions, Tick};

/// The shortcuts as the help overlay lists them: (keys, what they do).
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("1 / 2 / 3", "Pencil / Select / Erase tool"),
    ("Space", "Play / pause"),
    ("Ctrl+Z", "Undo"),
    ("Ctrl+Shift+Z, Ctrl+Y", "Redo"),
    ("Ctrl+A", "Select all"),
    ("Esc", "Cancel the drag, or clear the selection"),
    ("Delete, Backspace", "Delete the selection"),
    ("Up / Down", "Move the selection a semitone"),
    ("Shift+Up / Shift+Down", "Move the selection an octave"),
    ("Left / Right", "Nudge the selection by the grid"),
    ("Shift+Left / Shift+Right", "Nudge the selection by a bar"),
    ("Q", "Quantize the selection (or everything) to the grid"),
    (
        "Ctrl+C / Ctrl+X / Ctrl+V",
        "Copy / cut / paste at the pointer",
    ),
    ("Ctrl+D", "Duplicate the selection right after it"),
    ("Ctrl+wheel", "Zoom time around the pointer"),
    ("Ctrl+Shift+wheel", "Zoom pitch rows"),
    ("Wheel, Shift+wheel", "Scroll up/down, left/right"),
    ("Right click", "Delete the note"),
    (
        "Drag in the ruler",
        "Set the loop region (double-click clears)",
    ),
    ("?", "Show or hide this list"),
];

/// One command from the keyboard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Command {
    Tool(Tool),
    TogglePlay,
    Undo,
    Redo,
    SelectAll,
    Escape,
    Delete,
    Transpose(i32),
    Nudge(i64),
    NudgeBar(i64),
    Quantize,
    Copy,
    Cut,
    Paste,
    Duplicate,
    Help,
}

/// The command of a key press, if any.
fn command(key: Key, m: Modifiers) -> Option<Command> {
    let cmd = m.command || m.ctrl;
    let plain = !cmd && !m.alt;
    Some(match key {
        Key::Z if cmd && m.shift => Command::Redo,
        Key::Z if cmd => Command::Undo,
        Key::Y if cmd => Command::Redo,
        Key::A if cmd => Command::SelectAll,
        Key::C if cmd => Command::Copy,
        Key::X if cmd => Command::Cut,
        Key::V if cmd => Command::Paste,
        Key::D if cmd => Command::Duplicate,
        Key::Num1 if plain => Command::Tool(Tool::Pencil),
        Key::Num2 if plain => Command::Tool(Tool::Select),
        Key::Num3 if plain => Command::Tool(Tool::Erase),
        Key::Space if plain => Command::TogglePlay,
        Key::Escape => Command::Escape,
        Key::Delete | Key::Backspace if plain => Command::Delete,
        Key::ArrowUp if plain => Command::Transpose(if m.shift { 12 } else { 1 }),
        Key::ArrowDown if plain => Command::Transpose(if m.shift { -12 } else { -1 }),
        Key::ArrowLeft if plain && m.shift => Command::NudgeBar(-1),
        Key::ArrowRight if plain && m.shift => Command::NudgeBar(1),
        Key::ArrowLeft if plain => Command::Nudge(-1),
        Key::ArrowRight if plain => Command::Nudge(1),
        Key::Q if plain => Command::Quantize,
        Key::Questionmark | Key::F1 => Command::Help,
        _ => return None,
    })
}

impl PianoRoll {
    /// Reads this frame's key events and applies their commands.
    pub(crate) fn shortcuts(
        &mut self,
        ui: &egui::Ui,
        doc: &mut Document,
        snap: &Snap,
        out: &mut RollOutput,
    ) {
        let commands: Vec<Command> = ui.input(|i| {
            i.events
                .iter()
                .filter_map(|e| match e {
                    Event::Key {
                        key,
                        pressed: true,
                        modifiers,
                        ..
                    } => command(*key, *modifiers),
                    Event::Copy => Some(Command::Copy),
                    Event::Cut => Some(Command::Cut),
                    Event::Paste(_) => Some(Command::Paste),
                    Event::Text(t) if t == "?" => Some(Command::Help),
                    _ => None,
                })
                .collect()
        });
        // "?" arrives both as a key (on some layouts) and as text: act once per frame.
        let mut helped = false;
        for c in commands {
            if c == Command::Help {
                if !helped {
                    self.show_help = !self.show_help;
                }
                helped = true;
                continue;
            }
            self.apply(ui, doc, snap, c, out);
        }
    }

    fn apply(
        &mut self,
        ui: &egui::Ui,
        doc: &mut Document,
        snap: &Snap,
        c: Command,
        out: &mut RollOutput,
    ) {
        match c {
            Command::Tool(t) => self.tool = t,
            Command::TogglePlay => out.toggle_play = true,
            Command::Undo => {
                self.cancel_drag(doc);
                doc.undo();
            }
            Command::Redo => {
                self.cancel_drag(doc);
                doc.redo();
            }
            Command::SelectAll => doc.select_all(),
            Command::Escape => {
                if !self.cancel_drag(doc) {
                    if self.show_help {
                        self.show_help = false;
                    } else {
                        doc.clear_selection();
                    }
                }
            }
            Command::Delete => {
                doc.delete_selection();
            }
            Command::Transpose(semitones) => {
                if doc.transpose_selection(semitones) != 0 {
                    out.audition
                        .extend(doc.selected_notes().iter().take(4).map(|n| n.note.pitch));
                }
            }
            Command::Nudge(steps) => {
                let step = i64::try_from(snap.step()).unwrap_or(1);
                doc.move_selection(step.saturating_mul(steps), 0);
            }
            Command::NudgeBar(bars) => {
                let bar = i64::try_from(doc.ticks_per_bar()).unwrap_or(1);
                doc.move_selection(bar.saturating_mul(bars), 0);
            }
            Command::Quantize => {
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
            Command::Copy | Command::Cut => {
                let count = if c == Command::Copy {
                    doc.copy_selection()
                } else {
                    doc.cut_selection()
                };
                if count > 0 {
                    // Put a summary on the system clipboard too, so the next Ctrl+V reaches
                    // the app as a paste event.
                    ui.ctx().copy_text(clipboard_text(doc));
                }
            }
            Command::Paste => {
                let at = self.paste_position(doc, snap);
                doc.paste_at(at);
            }
            Command::Duplicate => {
                doc.duplicate_selection();
            }
            Command::Help => self.show_help = !self.show_help,
        }
    }

    /// Where Ctrl+V pastes: at the pointer's grid line when it is over the roll, otherwise
    /// right after the selection, otherwise at the left edge of the view.
    fn paste_position(&self, doc: &Document, snap: &Snap) -> Tick {
        if let Some(t) = self.hover_tick {
            return t;
        }
        if let Some((_, end)) = doc.selection_span() {
            return snap.ceil(end);
        }
        snap.ceil(self.scroll_tick.max(0.0) as Tick)
    }
}

/// The clipboard's notes as text: `GAN Studio notes: C4@0+480 E4@480+480 ...`.
fn clipboard_text(doc: &Document) -> String {
    let notes: Vec<String> = doc
        .clipboard()
        .iter()
        .map(|n| format!("{}@{}+{}", n.pitch, n.start, n.duration))
        .collect();
    format!("GAN Studio notes: {}", notes.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_commands() {
        let none = Modifiers::NONE;
        assert_eq!(command(Key::Z, Modifiers::COMMAND), Some(Command::Undo));
        assert_eq!(
            command(Key::Z, Modifiers::COMMAND | Modifiers::SHIFT),
            Some(Command::Redo)
        );
        assert_eq!(
            command(Key::ArrowUp, Modifiers::SHIFT),
            Some(Command::Transpose(12))
        );
        assert_eq!(command(Key::ArrowDown, none), Some(Command::Transpose(-1)));
        assert_eq!(command(Key::Num2, none), Some(Command::Tool(Tool::Select)));
        assert_eq!(command(Key::Num2, Modifiers::COMMAND), None);
        assert_eq!(
            command(Key::D, Modifiers::COMMAND),
            Some(Command::Duplicate)
        );
        assert_eq!(command(Key::D, none), None);
    }
}
