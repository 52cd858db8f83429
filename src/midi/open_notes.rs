//! The notes of one track that have started and not yet ended: one first-in, first-out queue
//! per (channel, pitch), in constant time per event whatever the file does.

/// Channels × pitches.
const KEYS: usize = 16 * 128;
/// The end of a list.
const NIL: u32 = u32::MAX;

/// The key of a (channel, pitch) pair: `channel * 128 + pitch`, below 2048.
pub(super) fn key(channel: u8, pitch: u8) -> usize {
    usize::from(channel & 0x0F) * 128 + usize::from(pitch & 0x7F)
}

/// A started note: what the caller keeps about it, and the next note of its key.
#[derive(Clone, Copy, Debug)]
struct Slot<T> {
    value: T,
    next: u32,
}

/// Per-key FIFO queues of started notes (`T`: whatever the caller needs to find the note
/// again), kept as linked lists in one slab so that neither a thousand overlapping notes on
/// one key nor a thousand notes never released cost more than constant time each. Allocated
/// once per file and reused for every track.
pub(super) struct OpenNotes<T> {
    head: Vec<u32>,
    tail: Vec<u32>,
    slots: Vec<Slot<T>>,
    free: u32,
    open: usize,
}

impl<T: Copy> OpenNotes<T> {
    /// No note sounding.
    pub(super) fn new() -> Self {
        OpenNotes {
            head: vec![NIL; KEYS],
            tail: vec![NIL; KEYS],
            slots: Vec::new(),
            free: NIL,
            open: 0,
        }
    }

    /// A note starts on `key` (see [`key`]).
    pub(super) fn push(&mut self, key: usize, value: T) {
        let key = key % KEYS;
        let slot = Slot { value, next: NIL };
        let index = if self.free == NIL {
            self.slots.push(slot);
            // At most one slot per event of a file below MAX_FILE_BYTES: far below u32::MAX.
            (self.slots.len() - 1) as u32
        } else {
            let index = self.free;
            self.free = self.slots[index as usize].next;
            self.slots[index as usize] = slot;
            index
        };
        match self.tail[key] {
            NIL => self.head[key] = index,
            last => self.slots[last as usize].next = index,
        }
        self.tail[key] = index;
        self.open += 1;
    }

    /// The earliest started note still sounding on `key`, now ended.
    pub(super) fn pop_front(&mut self, key: usize) -> Option<T> {
        let key = key % KEYS;
        let index = self.head[key];
        if index == NIL {
            return None;
        }
        let slot = self.slots[index as usize];
        self.head[key] = slot.next;
        if slot.next == NIL {
            self.tail[key] = NIL;
        }
        self.slots[index as usize].next = self.free;
        self.free = index;
        self.open -= 1;
        Some(slot.value)
    }

    /// Ends every sounding note, calling `f` for each, and empties the table for the next
    /// track.
    pub(super) fn drain(&mut self, mut f: impl FnMut(T)) {
        if self.open > 0 {
            for key in 0..KEYS {
                while let Some(value) = self.pop_front(key) {
                    f(value);
                }
            }
        }
        self.slots.clear();
        self.free = NIL;
        self.open = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_is_first_in_first_out() {
        let mut open = OpenNotes::new();
        open.push(key(0, 60), 'a');
        open.push(key(0, 60), 'b');
        open.push(key(1, 60), 'c');
        assert_eq!(open.pop_front(key(0, 60)), Some('a'));
        open.push(key(0, 60), 'd');
        assert_eq!(open.pop_front(key(0, 60)), Some('b'));
        assert_eq!(open.pop_front(key(0, 60)), Some('d'));
        assert_eq!(open.pop_front(key(0, 60)), None);
        assert_eq!(open.pop_front(key(1, 61)), None);
        assert_eq!(open.pop_front(key(1, 60)), Some('c'));
    }

    #[test]
    fn drain_ends_everything_and_resets() {
        let mut open = OpenNotes::new();
        for i in 0..1000 {
            open.push(key(9, 36), (key(9, 36), i));
        }
        open.push(key(15, 127), (2047, 3));
        let mut ended = Vec::new();
        open.drain(|v| ended.push(v));
        assert_eq!(ended.len(), 1001);
        assert_eq!(ended[0], (key(9, 36), 0));
        assert_eq!(ended[999], (key(9, 36), 999));
        assert_eq!(ended[1000], (2047, 3));
        assert_eq!(open.pop_front(key(9, 36)), None);
        open.push(key(0, 0), (0, 1));
        assert_eq!(open.pop_front(key(0, 0)), Some((0, 1)));
    }
}
