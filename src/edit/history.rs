//! Undo and redo by snapshots: one user gesture is one step.
//!
//! A snapshot is taken before the first change of a gesture (as Signal does), so a drag
//! that changes the document over many frames undoes in one step. Snapshots are cheap: the
//! notes of each part sit behind an `Arc` and unchanged parts are shared.

use std::collections::VecDeque;

/// The default number of undo steps kept.
pub const DEFAULT_HISTORY_LIMIT: usize = 200;

/// Undo and redo stacks of snapshots of type `S`, plus the open gesture if any.
#[derive(Clone, Debug)]
pub(crate) struct History<S> {
    undo: VecDeque<S>,
    redo: Vec<S>,
    limit: usize,
    gesture: Option<Gesture<S>>,
}

/// An open gesture: the state before it, how deeply it is nested and whether it changed
/// anything yet.
#[derive(Clone, Debug)]
struct Gesture<S> {
    before: S,
    depth: u32,
    changed: bool,
}

impl<S> Default for History<S> {
    fn default() -> Self {
        History {
            undo: VecDeque::new(),
            redo: Vec::new(),
            limit: DEFAULT_HISTORY_LIMIT,
            gesture: None,
        }
    }
}

impl<S> History<S> {
    /// Opens a gesture (or nests into the open one) with the state before it.
    pub(crate) fn begin(&mut self, before: impl FnOnce() -> S) {
        match &mut self.gesture {
            Some(g) => g.depth += 1,
            None => {
                self.gesture = Some(Gesture {
                    before: before(),
                    depth: 1,
                    changed: false,
                })
            }
        }
    }

    /// Closes one level of the open gesture; the outermost close records one undo step if
    /// anything changed. Returns whether a step was recorded.
    pub(crate) fn end(&mut self) -> bool {
        let Some(g) = &mut self.gesture else {
            return false;
        };
        g.depth = g.depth.saturating_sub(1);
        if g.depth > 0 {
            return false;
        }
        match self.gesture.take() {
            Some(Gesture {
                before,
                changed: true,
                ..
            }) => {
                self.push(before);
                true
            }
            _ => false,
        }
    }

    /// Drops the open gesture and returns the state before it if it changed anything (to
    /// be restored by the caller).
    pub(crate) fn cancel(&mut self) -> Option<S> {
        self.gesture
            .take()
            .and_then(|g| g.changed.then_some(g.before))
    }

    /// Whether a gesture is open.
    pub(crate) fn in_gesture(&self) -> bool {
        self.gesture.is_some()
    }

    /// Records a change: inside a gesture, marks it changed; outside, records `before`
    /// as its own undo step.
    pub(crate) fn changed(&mut self, before: impl FnOnce() -> S) {
        match &mut self.gesture {
            Some(g) => g.changed = true,
            None => self.push(before()),
        }
    }

    fn push(&mut self, before: S) {
        self.redo.clear();
        self.undo.push_back(before);
        while self.undo.len() > self.limit {
            self.undo.pop_front();
        }
    }

    /// Takes the newest undo step, giving `current` to the redo stack.
    pub(crate) fn undo(&mut self, current: S) -> Option<S> {
        let before = self.undo.pop_back()?;
        self.redo.push(current);
        Some(before)
    }

    /// Takes the newest redo step, giving `current` back to the undo stack.
    pub(crate) fn redo(&mut self, current: S) -> Option<S> {
        let after = self.redo.pop()?;
        self.undo.push_back(current);
        Some(after)
    }

    /// Steps that can be undone.
    pub(crate) fn undo_len(&self) -> usize {
        self.undo.len()
    }

    /// Steps that can be redone.
    pub(crate) fn redo_len(&self) -> usize {
        self.redo.len()
    }

    /// Sets how many undo steps are kept (at least 1), dropping the oldest beyond it.
    pub(crate) fn set_limit(&mut self, limit: usize) {
        self.limit = limit.max(1);
        while self.undo.len() > self.limit {
            self.undo.pop_front();
        }
    }

    /// Forgets every step.
    pub(crate) fn clear(&mut self) {
        self.undo.clear();
        self.redo.clear();
        self.gesture = None;
    }
}
