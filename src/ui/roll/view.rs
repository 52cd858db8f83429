//! Geometry of the roll: where the ruler, keyboard, note grid and velocity lane lie, and the
//! mapping between ticks/pitches and screen points.

use egui::{Pos2, Rect, pos2};

use crate::music::{Grid, Note, Pitch, Tick};

/// Height of the ruler (bar numbers, loop region) in points.
pub(crate) const RULER_HEIGHT: f32 = 20.0;
/// Width of the keyboard at the left in points.
pub(crate) const KEYS_WIDTH: f32 = 56.0;
/// Height of the velocity lane in points.
pub(crate) const VELOCITY_HEIGHT: f32 = 72.0;
/// Gap between the note grid and the velocity lane.
pub(crate) const LANE_GAP: f32 = 4.0;

/// The lowest pitch the roll shows (A0).
pub(crate) const LOW: u8 = Pitch::PIANO_LOW.get();
/// The highest pitch the roll shows (C8).
pub(crate) const HIGH: u8 = Pitch::PIANO_HIGH.get();

/// The regions of the widget below its toolbar.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Layout {
    pub(crate) ruler: Rect,
    pub(crate) keys: Rect,
    pub(crate) grid: Rect,
    pub(crate) velocity: Rect,
    /// Left of the velocity lane, under the keyboard (holds its label).
    pub(crate) velocity_label: Rect,
}

impl Layout {
    /// Splits `rect` into the regions; the velocity lane shrinks away when space is short.
    pub(crate) fn new(rect: Rect) -> Self {
        let velocity_h = if rect.height() > 3.0 * VELOCITY_HEIGHT {
            VELOCITY_HEIGHT
        } else {
            0.0
        };
        let left = rect.left();
        let split_x = (left + KEYS_WIDTH).min(rect.right());
        let ruler_bottom = (rect.top() + RULER_HEIGHT).min(rect.bottom());
        let lane_top = (rect.bottom() - velocity_h).max(ruler_bottom);
        let grid_bottom =
            (lane_top - if velocity_h > 0.0 { LANE_GAP } else { 0.0 }).max(ruler_bottom);
        Layout {
            ruler: Rect::from_min_max(pos2(split_x, rect.top()), pos2(rect.right(), ruler_bottom)),
            keys: Rect::from_min_max(pos2(left, ruler_bottom), pos2(split_x, grid_bottom)),
            grid: Rect::from_min_max(pos2(split_x, ruler_bottom), pos2(rect.right(), grid_bottom)),
            velocity: Rect::from_min_max(
                pos2(split_x, lane_top),
                pos2(rect.right(), rect.bottom()),
            ),
            velocity_label: Rect::from_min_max(pos2(left, lane_top), pos2(split_x, rect.bottom())),
        }
    }
}

/// The mapping between the timeline and the note grid's screen area.
///
/// Pitch `p` occupies the band `[p, p + 1)` in "pitch units"; `top` is the pitch unit at the
/// grid's top edge, so higher pitches are further up.
#[derive(Clone, Copy, Debug)]
pub(crate) struct View {
    pub(crate) grid: Rect,
    pub(crate) left_tick: f64,
    pub(crate) px_per_tick: f64,
    pub(crate) top: f32,
    pub(crate) row_height: f32,
}

impl View {
    /// The x of a tick.
    pub(crate) fn x(&self, tick: f64) -> f32 {
        self.grid.left() + ((tick - self.left_tick) * self.px_per_tick) as f32
    }

    /// The (fractional) tick at an x.
    pub(crate) fn tick_at(&self, x: f32) -> f64 {
        self.left_tick + f64::from(x - self.grid.left()) / self.px_per_tick
    }

    /// The tick at an x, clamped at 0 and rounded down.
    pub(crate) fn tick_at_clamped(&self, x: f32) -> Tick {
        self.tick_at(x).max(0.0).floor() as Tick
    }

    /// The top y of the row of `pitch`.
    pub(crate) fn row_top(&self, pitch: u8) -> f32 {
        self.grid.top() + (self.top - f32::from(pitch) - 1.0) * self.row_height
    }

    /// The pitch (possibly outside 0..=127) of the row at `y`; a row's top edge belongs to
    /// it, its bottom edge to the row below.
    pub(crate) fn pitch_at(&self, y: f32) -> i32 {
        (self.top - (y - self.grid.top()) / self.row_height).ceil() as i32 - 1
    }

    /// The pitch at `y` clamped to the piano.
    pub(crate) fn piano_pitch_at(&self, y: f32) -> Pitch {
        let p = self.pitch_at(y).clamp(i32::from(LOW), i32::from(HIGH));
        Pitch::from_i32(p).unwrap_or(Pitch::MIDDLE_C)
    }

    /// The ticks shown, `from..to` (whole ticks, widened to cover partial ones).
    pub(crate) fn visible_ticks(&self) -> (Tick, Tick) {
        let from = self.left_tick.max(0.0).floor() as Tick;
        let to = self.tick_at(self.grid.right()).max(0.0).ceil() as Tick + 1;
        (from, to)
    }

    /// The lowest and highest piano pitch with a visible row.
    pub(crate) fn visible_pitches(&self) -> (u8, u8) {
        let high = self
            .pitch_at(self.grid.top())
            .clamp(i32::from(LOW), i32::from(HIGH));
        let low = self
            .pitch_at(self.grid.bottom() - 0.5)
            .clamp(i32::from(LOW), i32::from(HIGH));
        (low as u8, high as u8)
    }

    /// The rectangle of a note (not clipped).
    pub(crate) fn note_rect(&self, note: &Note) -> Rect {
        let y = self.row_top(note.pitch.get());
        Rect::from_min_max(
            pos2(self.x(note.start as f64), y),
            pos2(self.x(note.end() as f64), y + self.row_height),
        )
    }

    /// Whether a point lies on the note grid.
    pub(crate) fn contains(&self, pos: Pos2) -> bool {
        self.grid.contains(pos)
    }
}

/// Snapping to a grid at a resolution; with snapping off (or a grid finer than a tick)
/// every tick is a line.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Snap {
    grid: Option<crate::music::transform::GridTicks>,
    step: Tick,
}

impl Snap {
    pub(crate) fn new(grid: Grid, ticks_per_quarter: u16, enabled: bool) -> Self {
        let ticks = grid.ticks(ticks_per_quarter).ok();
        let step = ticks.map_or(1, |g| g.step().round().max(1.0) as Tick);
        Snap {
            grid: if enabled { ticks } else { None },
            step,
        }
    }

    /// One grid step in whole ticks (used for new notes and nudges even with snap off).
    pub(crate) fn step(&self) -> Tick {
        self.step
    }

    /// The nearest line.
    pub(crate) fn nearest(&self, tick: Tick) -> Tick {
        self.grid.map_or(tick, |g| g.snap(tick))
    }

    /// The line at or before `tick`.
    pub(crate) fn floor(&self, tick: Tick) -> Tick {
        match self.grid {
            None => tick,
            Some(g) => {
                let i = g.nearest_index(tick);
                if g.line(i) > tick {
                    g.line(i.saturating_sub(1))
                } else {
                    g.line(i)
                }
            }
        }
    }

    /// The line at or after `tick`.
    pub(crate) fn ceil(&self, tick: Tick) -> Tick {
        match self.grid {
            None => tick,
            Some(g) => {
                let i = g.nearest_index(tick);
                if g.line(i) < tick {
                    g.line(i + 1)
                } else {
                    g.line(i)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view() -> View {
        View {
            grid: Rect::from_min_max(pos2(100.0, 50.0), pos2(900.0, 450.0)),
            left_tick: 480.0,
            px_per_tick: 0.25,
            top: 72.0,
            row_height: 10.0,
        }
    }

    #[test]
    fn ticks_and_pitches_map_both_ways() {
        let v = view();
        // 480 at the left edge; 0.25 px per tick: tick 880 is 100 px to the right.
        assert_eq!(v.x(880.0), 200.0);
        assert_eq!(v.tick_at(200.0), 880.0);
        // Top edge is pitch unit 72, so pitch 71's row spans y 50..60.
        assert_eq!(v.row_top(71), 50.0);
        assert_eq!(v.pitch_at(55.0), 71);
        assert_eq!(v.pitch_at(60.0), 70);
        // 400 px of 10 px rows: pitches 32..=71 visible.
        assert_eq!(v.visible_pitches(), (32, 71));
        assert_eq!(v.visible_ticks(), (480, 3681));
    }

    #[test]
    fn snapping_floors_ceils_and_rounds_to_lines() {
        let s = Snap::new(Grid::SIXTEENTH, 480, true);
        assert_eq!(s.step(), 120);
        assert_eq!(s.floor(239), 120);
        assert_eq!(s.floor(240), 240);
        assert_eq!(s.ceil(241), 360);
        assert_eq!(s.nearest(179), 120);
        assert_eq!(s.nearest(181), 240);
        let off = Snap::new(Grid::SIXTEENTH, 480, false);
        assert_eq!(off.floor(239), 239);
        assert_eq!(off.step(), 120);
    }
}
