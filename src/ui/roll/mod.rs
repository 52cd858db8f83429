//! The piano-roll editor widget.
//!
//! [`PianoRoll`] holds the view state (zoom, scroll, tool, grid, loop region, drags) and
//! edits a [`Document`] it is handed each frame. It never touches audio or files: what the
//! app should do (audition a pitch, play/pause, seek, loop) comes back in a [`RollOutput`].
//!
//! Painting is culled: only the notes whose time span meets the visible ticks are looked
//! at (binary search over the part's sorted notes), and all note rectangles go into one
//! mesh, so a roll of 10,000 notes costs about what its visible notes cost.

mod interact;
mod keys;
mod paint;
mod toolbar;
mod view;

use std::ops::Range;

use egui::{Rect, Sense};

use crate::edit::{Document, NoteId};
use crate::music::transform::QuantizeMode;
use crate::music::{Grid, Key, Pitch, Tick};

use interact::Drag;
pub use keys::SHORTCUTS;
pub use paint::{PALETTE, part_colour};
use view::{HIGH, LOW, Layout, Snap, View};

/// The editing tool, switched by the keys 1, 2, 3 or the toolbar.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Tool {
    /// Click to add a note (drag right to set its length); drag notes to move or resize.
    #[default]
    Pencil,
    /// Click to select, drag on empty space for a rubber band; drag notes to move or resize.
    Select,
    /// Click or drag over notes to delete them.
    Erase,
}

impl Tool {
    /// The tool's name as the toolbar shows it.
    pub fn label(self) -> &'static str {
        match self {
            Tool::Pencil => "Pencil",
            Tool::Select => "Select",
            Tool::Erase => "Erase",
        }
    }
}

/// What the roll asks of the app after a frame. The app routes these to the audio engine
/// and the transport; the roll itself never plays sound.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RollOutput {
    /// Pitches to sound briefly: a key of the keyboard was clicked, or a note was created
    /// or moved to a new pitch.
    pub audition: Vec<Pitch>,
    /// Space was pressed: toggle play/pause.
    pub toggle_play: bool,
    /// Move the playhead here (a click in the ruler).
    pub seek: Option<Tick>,
    /// The loop region changed this frame: `Some(Some(range))` set, `Some(None)` cleared.
    pub loop_changed: Option<Option<Range<Tick>>>,
    /// The document's content changed this frame (an edit, undo or redo).
    pub changed: bool,
    /// Edits asked for this frame that could not be made, in words for the user (e.g. a
    /// quantize grid the document's resolution cannot hold).
    pub problems: Vec<String>,
}

/// The roll's choices that persist between runs (saved with the studio's settings).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct RollSettings {
    /// The grid clicks, drags, nudges and quantize snap to.
    pub grid: Grid,
    /// Whether clicks and drags snap to the grid.
    pub snap: bool,
    /// Whether the view pages to keep the playhead in sight.
    pub follow_playhead: bool,
}

impl Default for RollSettings {
    fn default() -> Self {
        PianoRoll::default().settings()
    }
}

impl PianoRoll {
    /// The choices to persist.
    pub fn settings(&self) -> RollSettings {
        RollSettings {
            grid: self.grid,
            snap: self.snap,
            follow_playhead: self.follow_playhead,
        }
    }

    /// Applies saved choices.
    pub fn apply_settings(&mut self, settings: RollSettings) {
        let RollSettings {
            grid,
            snap,
            follow_playhead,
        } = settings;
        (self.grid, self.snap, self.follow_playhead) = (grid, snap, follow_playhead);
    }
}

/// The piano-roll widget's state. Create one per roll with [`PianoRoll::default`] and call
/// [`PianoRoll::ui`] every frame.
#[derive(Debug)]
pub struct PianoRoll {
    /// The editing tool.
    pub tool: Tool,
    /// The grid clicks, drags, nudges and quantize snap to.
    pub grid: Grid,
    /// Whether clicks and drags snap to the grid.
    pub snap: bool,
    /// What Q does: move starts only (default) or starts and ends.
    pub quantize_mode: QuantizeMode,
    /// Rows of this key's scale are highlighted (the tonic more strongly).
    pub key: Option<Key>,
    /// Horizontal zoom: points per quarter note.
    pub px_per_quarter: f32,
    /// Vertical zoom: points per pitch row.
    pub row_height: f32,
    /// The tick at the left edge of the note grid.
    pub scroll_tick: f64,
    /// The pitch unit at the top edge (pitch `p` spans `p..p+1`; 84.0 shows B5 at the top).
    pub scroll_top: f32,
    /// Whether the view pages to keep the playhead in sight.
    pub follow_playhead: bool,
    /// The loop region, set by dragging in the ruler.
    pub loop_region: Option<Range<Tick>>,
    /// Whether the "?" overlay with the keys is shown.
    pub show_help: bool,
    /// Whether the widget draws its own toolbar strip at the top.
    pub show_toolbar: bool,
    /// The length of the next new note (the last note created, resized or clicked);
    /// `None`: one grid step.
    pub last_duration: Option<Tick>,
    drag: Drag,
    hover_tick: Option<Tick>,
    /// Whether the roll reads keyboard shortcuts (when no other widget has keyboard focus).
    pub keyboard_shortcuts: bool,
    keyboard_key: Option<u8>,
    id_salt: String,
    last_view: Option<View>,
    last_layout: Option<Layout>,
}

impl Default for PianoRoll {
    fn default() -> Self {
        PianoRoll {
            tool: Tool::Pencil,
            grid: Grid::SIXTEENTH,
            snap: true,
            quantize_mode: QuantizeMode::StartsOnly,
            key: None,
            px_per_quarter: 96.0,
            row_height: 14.0,
            scroll_tick: 0.0,
            scroll_top: 84.0,
            follow_playhead: true,
            loop_region: None,
            show_help: false,
            show_toolbar: true,
            last_duration: None,
            drag: Drag::Idle,
            hover_tick: None,
            keyboard_shortcuts: true,
            keyboard_key: None,
            id_salt: "piano_roll".to_owned(),
            last_view: None,
            last_layout: None,
        }
    }
}

/// Limits of the zoom.
const PX_PER_QUARTER: std::ops::RangeInclusive<f32> = 2.0..=1200.0;
const ROW_HEIGHT: std::ops::RangeInclusive<f32> = 4.0..=40.0;

impl PianoRoll {
    /// A roll with its own id salt (for more than one roll in a window).
    pub fn with_id(id_salt: impl Into<String>) -> Self {
        PianoRoll {
            id_salt: id_salt.into(),
            ..PianoRoll::default()
        }
    }

    /// Whether a pointer gesture (drag, rubber band, velocity edit) is under way.
    pub fn is_dragging(&self) -> bool {
        !matches!(self.drag, Drag::Idle)
    }

    /// Scrolls so that `tick` is at the left edge and `pitch` is near the middle.
    pub fn scroll_to(&mut self, tick: Tick, pitch: Option<Pitch>) {
        self.scroll_tick = tick as f64;
        if let Some(p) = pitch {
            self.scroll_top = f32::from(p.get()) + 12.0;
        }
    }

    /// Shows the roll in all the space `ui` has left and edits `doc`. `playhead_ticks` is
    /// the transport's position (fractional ticks), drawn as a line that the view follows.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        doc: &mut Document,
        playhead_ticks: Option<f64>,
    ) -> RollOutput {
        let mut out = RollOutput::default();
        let revision = doc.revision();
        let id = ui.make_persistent_id(&self.id_salt);
        if self.show_toolbar {
            self.toolbar_ui(ui, doc, &mut out);
        }
        let size = ui.available_size().max(egui::vec2(KEYS_MIN_WIDTH, 60.0));
        let (rect, _) = ui.allocate_exact_size(size, Sense::hover());
        let layout = Layout::new(rect);
        self.clamp_view(layout.grid);
        let snap = Snap::new(self.grid, doc.ticks_per_quarter(), self.snap);

        let grid_response = ui.interact(layout.grid, id.with("grid"), Sense::click_and_drag());
        let ruler_response = ui.interact(layout.ruler, id.with("ruler"), Sense::click_and_drag());
        let keys_response = ui.interact(layout.keys, id.with("keys"), Sense::click_and_drag());
        let lane_response = ui.interact(
            layout.velocity,
            id.with("velocity"),
            Sense::click_and_drag(),
        );
        let hovered = grid_response.hovered()
            || ruler_response.hovered()
            || keys_response.hovered()
            || lane_response.hovered();

        if hovered {
            self.scroll_and_zoom(ui, layout.grid, doc.ticks_per_quarter());
        }
        if !self.is_dragging() {
            self.follow(playhead_ticks, layout.grid, doc.ticks_per_quarter());
        }
        let view = self.view(layout.grid, doc.ticks_per_quarter());

        let responses = interact::Responses {
            grid: &grid_response,
            ruler: &ruler_response,
            keys: &keys_response,
            lane: &lane_response,
        };
        self.pointer(ui, doc, &view, &layout, &snap, &responses, &mut out);
        if self.keyboard_shortcuts && ui.memory(|m| m.focused().is_none()) {
            self.shortcuts(ui, doc, &snap, &mut out);
        }

        self.paint(ui, doc, &view, &layout, playhead_ticks);
        if self.show_help {
            self.help_ui(ui, id, layout.grid);
        }
        self.last_view = Some(self.view(layout.grid, doc.ticks_per_quarter()));
        self.last_layout = Some(layout);
        out.changed = doc.revision() != revision;
        out
    }

    /// The view mapping for the current zoom and scroll.
    fn view(&self, grid: Rect, ticks_per_quarter: u16) -> View {
        View {
            grid,
            left_tick: self.scroll_tick,
            px_per_tick: f64::from(self.px_per_quarter) / f64::from(ticks_per_quarter.max(1)),
            top: self.scroll_top,
            row_height: self.row_height,
        }
    }

    /// Keeps zoom and scroll inside their limits for a grid of this size.
    fn clamp_view(&mut self, grid: Rect) {
        if !self.px_per_quarter.is_finite() {
            self.px_per_quarter = 96.0;
        }
        if !self.row_height.is_finite() {
            self.row_height = 14.0;
        }
        if !self.scroll_tick.is_finite() {
            self.scroll_tick = 0.0;
        }
        self.px_per_quarter = self
            .px_per_quarter
            .clamp(*PX_PER_QUARTER.start(), *PX_PER_QUARTER.end());
        self.row_height = self
            .row_height
            .clamp(*ROW_HEIGHT.start(), *ROW_HEIGHT.end());
        self.scroll_tick = self.scroll_tick.max(0.0);
        let rows = grid.height() / self.row_height;
        let max_top = f32::from(HIGH) + 1.0;
        let min_top = (f32::from(LOW) + rows).min(max_top);
        self.scroll_top = if self.scroll_top.is_finite() {
            self.scroll_top.clamp(min_top, max_top)
        } else {
            84.0_f32.clamp(min_top, max_top)
        };
    }

    /// Wheel scrolls (shift+wheel sideways), Ctrl+wheel zooms time around the pointer,
    /// Ctrl+Shift+wheel zooms pitch rows.
    fn scroll_and_zoom(&mut self, ui: &egui::Ui, grid: Rect, ticks_per_quarter: u16) {
        let (zoom, scroll, pointer, shift) = ui.input(|i| {
            (
                i.zoom_delta(),
                i.smooth_scroll_delta,
                i.pointer.hover_pos(),
                i.modifiers.shift,
            )
        });
        let tpq = f64::from(ticks_per_quarter.max(1));
        if zoom != 1.0 && zoom.is_finite() {
            let anchor = pointer.unwrap_or(grid.center());
            if shift {
                let view = self.view(grid, ticks_per_quarter);
                let pitch_units = view.top - (anchor.y - grid.top()) / self.row_height;
                self.row_height =
                    (self.row_height * zoom).clamp(*ROW_HEIGHT.start(), *ROW_HEIGHT.end());
                self.scroll_top = pitch_units + (anchor.y - grid.top()) / self.row_height;
            } else {
                let x = anchor.x.clamp(grid.left(), grid.right());
                let tick = self.view(grid, ticks_per_quarter).tick_at(x);
                self.px_per_quarter = (self.px_per_quarter * zoom)
                    .clamp(*PX_PER_QUARTER.start(), *PX_PER_QUARTER.end());
                let px_per_tick = f64::from(self.px_per_quarter) / tpq;
                self.scroll_tick = (tick - f64::from(x - grid.left()) / px_per_tick).max(0.0);
            }
        } else if scroll != egui::Vec2::ZERO {
            let px_per_tick = f64::from(self.px_per_quarter) / tpq;
            self.scroll_tick = (self.scroll_tick - f64::from(scroll.x) / px_per_tick).max(0.0);
            self.scroll_top += scroll.y / self.row_height;
        }
        self.clamp_view(grid);
    }

    /// Pages the view when the playhead leaves it on the right (or jumps back before it).
    fn follow(&mut self, playhead: Option<f64>, grid: Rect, ticks_per_quarter: u16) {
        let Some(playhead) = playhead.filter(|p| p.is_finite()) else {
            return;
        };
        if !self.follow_playhead {
            return;
        }
        let view = self.view(grid, ticks_per_quarter);
        let right = view.tick_at(grid.right());
        if playhead >= right || playhead < self.scroll_tick {
            self.scroll_tick = playhead.max(0.0);
        }
    }

    /// The screen point of `tick` in the middle of `pitch`'s row, as laid out in the last
    /// frame (`None` before the first frame).
    pub fn screen_pos(&self, tick: f64, pitch: Pitch) -> Option<egui::Pos2> {
        let view = self.last_view?;
        Some(egui::pos2(
            view.x(tick),
            view.row_top(pitch.get()) + view.row_height / 2.0,
        ))
    }

    /// The note grid's rectangle in the last frame.
    pub fn grid_rect(&self) -> Option<Rect> {
        self.last_layout.map(|l| l.grid)
    }

    /// The ruler's rectangle (bar numbers, loop region) in the last frame.
    pub fn ruler_rect(&self) -> Option<Rect> {
        self.last_layout.map(|l| l.ruler)
    }

    /// The keyboard's rectangle in the last frame.
    pub fn keyboard_rect(&self) -> Option<Rect> {
        self.last_layout.map(|l| l.keys)
    }

    /// The velocity lane's rectangle in the last frame (zero height when the roll is too
    /// short to show it).
    pub fn velocity_rect(&self) -> Option<Rect> {
        self.last_layout.map(|l| l.velocity)
    }

    /// The id of the note under `pos` on the grid, and whether the pointer is on its right
    /// edge (to resize). The topmost (latest starting) note wins.
    fn hit(&self, doc: &Document, view: &View, pos: egui::Pos2) -> Option<(NoteId, bool)> {
        if !view.contains(pos) {
            return None;
        }
        let tick = view.tick_at(pos.x).max(0.0);
        let pitch = view.pitch_at(pos.y);
        let slack = 3.0 / view.px_per_tick;
        let from = (tick - slack).max(0.0) as Tick;
        let to = (tick + slack).ceil() as Tick + 1;
        doc.active_part()
            .notes_overlapping(from, to)
            .iter()
            .rev()
            .filter(|n| i32::from(n.note.pitch.get()) == pitch)
            .find_map(|n| {
                let r = view.note_rect(&n.note);
                let width = r.width().max(4.0);
                let left = r.left();
                let right = left + width;
                (pos.x >= left && pos.x <= right).then(|| {
                    let edge = (width / 3.0).min(6.0);
                    (n.id, pos.x >= right - edge)
                })
            })
    }
}

/// The narrowest the widget lets itself be.
const KEYS_MIN_WIDTH: f32 = view::KEYS_WIDTH + 40.0;
