//! Windows: fixed-length slices of a piece's tokens, the training examples of the models.
//!
//! A piece of `len` steps gives windows starting at `0, stride, 2 * stride, ...` as long as
//! the window fits: `(len - window) / stride + 1` windows when `len >= window` (steps after
//! the last window that fits are not used). A piece shorter than one window gives none, or
//! one window padded with rests ([`ShortPieces::PadWithRests`]). An augmented copy of a piece
//! has the same windows, with every pitch moved by its shift.

use super::preprocess::ShortPieces;
use crate::music::tokens::{PITCH_TOKENS, REST_ID};

/// One window: which piece, its first step, and the transposition of an augmented copy
/// (0 for the piece itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WindowRef {
    /// The piece's index in [`super::Dataset::pieces`].
    pub piece: u32,
    /// The first step.
    pub start: u32,
    /// Semitones added to every pitch.
    pub shift: i8,
}

/// How many windows a sequence of `len` steps gives (see the module documentation).
pub fn window_count(len: usize, window: usize, stride: usize, short: ShortPieces) -> usize {
    if window == 0 || stride == 0 {
        return 0;
    }
    if len >= window {
        (len - window) / stride + 1
    } else if len > 0 && short == ShortPieces::PadWithRests {
        1
    } else {
        0
    }
}

/// The first steps of the windows of a sequence of `len` steps.
pub fn window_starts(
    len: usize,
    window: usize,
    stride: usize,
    short: ShortPieces,
) -> impl Iterator<Item = usize> {
    (0..window_count(len, window, stride, short)).map(move |i| i * stride)
}

/// Appends the token ids of one window of `window` steps from `start` to `out`: pitches moved
/// by `shift` (which must keep them on the piano; a pitch that would leave it is clamped),
/// and rests after the end of the sequence.
pub fn push_window(ids: &[u8], start: usize, window: usize, shift: i8, out: &mut Vec<u32>) {
    let top = PITCH_TOKENS as i32 - 1;
    let end = (start + window).min(ids.len());
    let slice = ids.get(start..end).unwrap_or(&[]);
    out.extend(slice.iter().map(|&id| {
        if usize::from(id) < PITCH_TOKENS {
            (i32::from(id) + i32::from(shift)).clamp(0, top) as u32
        } else {
            u32::from(id)
        }
    }));
    out.extend(std::iter::repeat_n(REST_ID, window - slice.len()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::tokens::HOLD_ID;

    #[test]
    fn counts_follow_the_formula() {
        let drop = ShortPieces::Drop;
        // 64-step windows, stride 16: 64 -> 1, 79 -> 1, 80 -> 2, 128 -> 5.
        assert_eq!(window_count(64, 64, 16, drop), 1);
        assert_eq!(window_count(79, 64, 16, drop), 1);
        assert_eq!(window_count(80, 64, 16, drop), 2);
        assert_eq!(window_count(128, 64, 16, drop), 5);
        // Stride 64: no overlap; 200 steps -> windows at 0, 64, 128.
        assert_eq!(window_count(200, 64, 64, drop), 3);
        assert_eq!(
            window_starts(200, 64, 64, drop).collect::<Vec<_>>(),
            vec![0, 64, 128]
        );
        // A stride longer than the window leaves gaps: 200 steps, window 10, stride 100.
        assert_eq!(
            window_starts(200, 10, 100, drop).collect::<Vec<_>>(),
            vec![0, 100]
        );
        assert_eq!(window_count(63, 64, 16, drop), 0);
        assert_eq!(window_count(63, 64, 16, ShortPieces::PadWithRests), 1);
        assert_eq!(window_count(0, 64, 16, ShortPieces::PadWithRests), 0);
    }

    #[test]
    fn windows_are_shifted_and_padded() {
        let hold = HOLD_ID as u8;
        let rest = REST_ID as u8;
        let ids = [39, hold, rest, 41, 87];
        let mut out = Vec::new();
        push_window(&ids, 1, 3, 2, &mut out);
        assert_eq!(out, vec![u32::from(hold), u32::from(rest), 43]);
        out.clear();
        push_window(&ids, 3, 4, -1, &mut out);
        assert_eq!(out, vec![40, 86, REST_ID, REST_ID]);
    }
}
