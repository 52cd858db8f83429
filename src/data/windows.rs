//! Windows: fixed-length slices of a piece's tokens, the training examples of the models.
//!
//! A piece of `len` steps gives windows starting at `0, stride, 2 * stride, ...` as long as
//! the window fits: `(len - window) / stride + 1` windows when `len >= window` (steps after
//! the last window that fits are not used). A piece shorter than one window gives none, or
//! one window padded with rests ([`ShortPieces::PadWithRests`]). An augmented copy of a piece
//! has the same windows, with every pitch moved by its shift.
//!
//! With the whole-tune layout ([`Layout::Tunes`], vocabulary v2) a piece of `n` steps is the
//! sequence `<start> s0 .. s(n-1) <end>` of `n + 2` tokens ([`sequence_len`]), each read with
//! its place ([`push_tune_window`]). A sequence that fits a window is one window, padded with
//! [`PAD_ID`]; a longer one gives windows every `stride` tokens and one more that ends with
//! the `<end>` marker, so every tune's ending is learned.

use super::preprocess::{Layout, ShortPieces};
use crate::music::Metre;
use crate::music::tokens::{END_ID, PAD_ID, PITCH_TOKENS, REST_ID, START_ID, code_at};

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

/// The length of the training sequence of a piece of `steps` steps: the steps themselves,
/// plus the two markers with [`Layout::Tunes`].
pub fn sequence_len(layout: Layout, steps: usize) -> usize {
    match layout {
        Layout::Windows => steps,
        Layout::Tunes => steps + 2,
    }
}

/// How many windows a sequence of `len` tokens gives under a layout.
pub fn window_count_for(
    layout: Layout,
    len: usize,
    window: usize,
    stride: usize,
    short: ShortPieces,
) -> usize {
    window_starts_for(layout, len, window, stride, short).count()
}

/// The first tokens of the windows of a sequence of `len` tokens under a layout (see the
/// module documentation).
pub fn window_starts_for(
    layout: Layout,
    len: usize,
    window: usize,
    stride: usize,
    short: ShortPieces,
) -> Box<dyn Iterator<Item = usize>> {
    match layout {
        Layout::Windows => Box::new(window_starts(len, window, stride, short)),
        Layout::Tunes if window == 0 || stride == 0 || len == 0 => Box::new(std::iter::empty()),
        Layout::Tunes if len <= window => Box::new(std::iter::once(0)),
        Layout::Tunes => {
            let last = len - window;
            let regular = (0..=last).step_by(stride);
            let tail = (!last.is_multiple_of(stride)).then_some(last);
            Box::new(regular.chain(tail))
        }
    }
}

/// Appends one window of a whole-tune sequence (see the module documentation) as `window`
/// codes ([`step_code`]) to `out`: tokens `start..start + window` of
/// `<start> ids.. <end>`, pitches moved by `shift` (clamped to the piano), each with the place
/// of the step it predicts in `metre`; [`PAD_ID`] after the end.
pub fn push_tune_window(
    ids: &[u8],
    metre: Metre,
    start: usize,
    window: usize,
    shift: i8,
    out: &mut Vec<u32>,
) {
    let top = PITCH_TOKENS as i32 - 1;
    let len = ids.len() + 2;
    let token_at = |j: usize| {
        if j == 0 {
            START_ID
        } else if j == len - 1 {
            END_ID
        } else {
            let id = u32::from(ids[j - 1]);
            if (id as usize) < PITCH_TOKENS {
                (id as i32 + i32::from(shift)).clamp(0, top) as u32
            } else {
                id
            }
        }
    };
    for j in start..start + window {
        if j >= len {
            out.push(PAD_ID);
            continue;
        }
        // Index j predicts step j (the <start> marker predicts step 0), with its lookback.
        out.push(code_at(j, metre, |i| Some(token_at(i))));
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
    fn tune_windows_cover_the_whole_tune_and_its_end() {
        let drop = ShortPieces::Drop;
        let starts = |len| window_starts_for(Layout::Tunes, len, 8, 4, drop).collect::<Vec<_>>();
        assert_eq!(starts(5), vec![0]);
        assert_eq!(starts(8), vec![0]);
        assert_eq!(starts(12), vec![0, 4]);
        // 13 tokens: windows at 0 and 4, then one ending on the <end> marker.
        assert_eq!(starts(13), vec![0, 4, 5]);
        assert_eq!(window_count_for(Layout::Tunes, 13, 8, 4, drop), 3);
        assert_eq!(sequence_len(Layout::Tunes, 11), 13);
        assert_eq!(sequence_len(Layout::Windows, 11), 11);
    }

    #[test]
    fn tune_windows_code_like_generation_with_the_lookback() {
        use crate::music::tokens::{lookback_of, sequence_code};
        let metre: Metre = "2/4".parse().unwrap();
        // Five bars of 2/4 (40 steps): notes and holds.
        let ids: Vec<u8> = (0..40u8)
            .map(|k| if k % 3 == 0 { 30 + k } else { HOLD_ID as u8 })
            .collect();
        let mut out = Vec::new();
        push_tune_window(&ids, metre, 0, 44, 0, &mut out);
        // The sequence generation builds: <start>, the steps, <end>.
        let sequence: Vec<u32> = std::iter::once(START_ID)
            .chain(ids.iter().map(|&id| u32::from(id)))
            .chain([END_ID])
            .collect();
        for (j, &code) in out.iter().enumerate().take(sequence.len()) {
            assert_eq!(code, sequence_code(&sequence, j, metre), "index {j}");
        }
        // Four bars of 2/4 are 32 steps: index 32 predicts step 32, whose lookback is step 0.
        assert_eq!(lookback_of(out[31]), 0);
        assert_eq!(lookback_of(out[32]), u32::from(ids[0]) + 1);
        assert_eq!(lookback_of(out[33]), u32::from(ids[1]) + 1);
        // A later window keeps the lookback of its absolute indices.
        let mut later = Vec::new();
        push_tune_window(&ids, metre, 30, 10, 0, &mut later);
        assert_eq!(later, out[30..40]);
    }

    #[test]
    fn tune_windows_carry_markers_places_and_padding() {
        use crate::music::tokens::{split_code, step_code};
        let hold = HOLD_ID as u8;
        let metre: Metre = "3/4".parse().unwrap();
        // Two steps: a note and its hold.
        let mut out = Vec::new();
        push_tune_window(&[39, hold], metre, 0, 6, 2, &mut out);
        let tokens: Vec<u32> = out.iter().map(|&c| split_code(c).0).collect();
        assert_eq!(tokens, vec![START_ID, 41, HOLD_ID, END_ID, PAD_ID, PAD_ID]);
        // <start> reads the place of step 0, the note that of step 1, <end>'s input step 3.
        for (j, &code) in out.iter().take(4).enumerate() {
            assert_eq!(split_code(code).1, metre.place_id(j as u64), "index {j}");
        }
        // A window from index 2 keeps the places of its steps.
        out.clear();
        push_tune_window(&[39, hold], metre, 2, 2, 0, &mut out);
        assert_eq!(
            out,
            vec![
                step_code(HOLD_ID, metre.place_id(2)),
                step_code(END_ID, metre.place_id(3))
            ]
        );
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
