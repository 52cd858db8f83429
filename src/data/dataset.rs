//! An encoded data set: the token sequences of whole pieces, their splits, and the windows
//! and batches cut from them on demand.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use super::error::DataError;
use super::preprocess::Layout;
use super::preprocess::PreprocessConfig;
use super::split::Split;
use super::stats::DatasetStats;
use super::windows::{WindowRef, push_tune_window, push_window, sequence_len, window_starts_for};
use crate::music::Metre;
use crate::music::tokens::Token;
use crate::music::{Key, Pitch};

/// One piece of a data set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PieceInfo {
    /// A stable identifier: `kind:relative/path`, with `#N` for the N-th tune of an ABC file.
    pub id: String,
    /// The title (from the file, the metadata or the file name).
    pub title: String,
    /// The file it came from, as shown to the user.
    pub source: String,
    /// Its split.
    pub split: Split,
    /// The key estimated from its notes, before transposition.
    pub estimated_key: Option<Key>,
    /// The transposition applied to reach C major / A minor, in semitones.
    pub shift: i8,
    /// Melody notes.
    pub notes: u32,
    /// Length in 16th-note steps (tokens).
    pub steps: u32,
    /// Its metre, for whole-tune sequences ([`super::Layout::Tunes`]); `None` for windows.
    #[serde(default)]
    pub metre: Option<Metre>,
    /// The lowest melody pitch after transposition (MIDI number).
    pub lowest: u8,
    /// The highest melody pitch after transposition (MIDI number).
    pub highest: u8,
    /// Where its tokens start in the data set's token store.
    pub offset: u64,
}

impl PieceInfo {
    /// Whether an augmented copy shifted by `shift` semitones stays on the piano.
    pub fn can_shift(&self, shift: i8) -> bool {
        let low = i32::from(self.lowest) + i32::from(shift);
        let high = i32::from(self.highest) + i32::from(shift);
        low >= i32::from(Pitch::PIANO_LOW.get()) && high <= i32::from(Pitch::PIANO_HIGH.get())
    }
}

/// An encoded data set.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// The preprocessing it was made with.
    pub config: PreprocessConfig,
    /// The pieces, in source order.
    pub pieces: Vec<PieceInfo>,
    /// Figures about it, and the files skipped.
    pub stats: DatasetStats,
    /// Whether it was loaded from the cache.
    pub from_cache: bool,
    /// The cache key of its sources and settings.
    pub cache_key: u64,
    /// Token ids of all pieces, one after another.
    pub(crate) tokens: Vec<u8>,
}

impl Dataset {
    /// The token ids (vocabulary v1) of piece `index`; empty for an index out of range.
    pub fn piece_ids(&self, index: usize) -> &[u8] {
        self.pieces
            .get(index)
            .and_then(|p| {
                let start = usize::try_from(p.offset).ok()?;
                self.tokens.get(start..start + p.steps as usize)
            })
            .unwrap_or(&[])
    }

    /// The tokens of piece `index`.
    pub fn piece_tokens(&self, index: usize) -> Vec<Token> {
        self.piece_ids(index)
            .iter()
            .filter_map(|&id| Token::from_id(u32::from(id)).ok())
            .collect()
    }

    /// Piece `index` as a one-part piece (as trained on: transposed to C major / A minor, on
    /// the 16th grid, one velocity), at most `max_steps` 16th steps long, titled as the piece;
    /// `None` for an index out of range or a piece that cannot be decoded.
    pub fn decoded_piece(&self, index: usize, max_steps: usize) -> Option<crate::music::Piece> {
        let info = self.pieces.get(index)?;
        let tokens: Vec<Token> = self
            .piece_tokens(index)
            .into_iter()
            .take(max_steps)
            .collect();
        let velocity = crate::music::Velocity::new(80).ok()?;
        let notes = crate::music::tokens::decode_notes_lenient(
            &tokens,
            crate::music::DEFAULT_TICKS_PER_QUARTER,
            velocity,
        )
        .ok()?;
        let mut piece = crate::music::Piece::from_notes(
            crate::music::DEFAULT_TICKS_PER_QUARTER,
            &info.title,
            notes,
        )
        .ok()?;
        piece.title.clone_from(&info.title);
        Some(piece)
    }

    /// The augmentation shifts that apply to piece `index`: the configured shifts that keep it
    /// on the piano, for training pieces only.
    pub fn augment_shifts(&self, index: usize) -> Vec<i8> {
        match self.pieces.get(index) {
            Some(piece) if piece.split == Split::Train => self
                .config
                .augment_shifts
                .iter()
                .copied()
                .filter(|&s| piece.can_shift(s))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Every window of a split, pieces in order, each piece's own windows first, then those
    /// of its augmented copies.
    pub fn windows(&self, split: Split) -> Vec<WindowRef> {
        let window = self.config.window_steps as usize;
        let stride = self.config.stride as usize;
        let mut windows = Vec::new();
        for (index, piece) in self.pieces.iter().enumerate() {
            if piece.split != split {
                continue;
            }
            let shifts = std::iter::once(0).chain(self.augment_shifts(index));
            for shift in shifts {
                let length = sequence_len(self.config.layout, piece.steps as usize);
                let starts = window_starts_for(
                    self.config.layout,
                    length,
                    window,
                    stride,
                    self.config.short_pieces,
                );
                windows.extend(starts.map(|start| WindowRef {
                    piece: index as u32,
                    start: start as u32,
                    shift,
                }));
            }
        }
        windows
    }

    /// How many windows a split has (from the statistics; no listing is made).
    pub fn window_count(&self, split: Split) -> usize {
        self.stats.windows.get(split)
    }

    /// The windows of a split in a random order drawn from `seed` (e.g. the run's seed plus
    /// the epoch number).
    pub fn shuffled_windows(&self, split: Split, seed: u64) -> Vec<WindowRef> {
        let mut windows = self.windows(split);
        windows.shuffle(&mut StdRng::seed_from_u64(seed));
        windows
    }

    /// The windows of a split in a random order drawn from `seed`, grouped for batches of
    /// `batch` windows of similar length: the shuffled list is cut into groups of 8 batches,
    /// each group sorted by the windows' used length ([`Dataset::window_len`]), and the
    /// batches then shuffled again. With whole tunes, a batch's rows are cut to its longest
    /// window, so this spends far less work on padding; the v1 windows all have one length
    /// and keep the plain shuffled order ([`Dataset::shuffled_windows`]).
    pub fn length_grouped_windows(&self, split: Split, seed: u64, batch: usize) -> Vec<WindowRef> {
        let mut windows = self.shuffled_windows(split, seed);
        if self.config.layout == Layout::Windows {
            return windows;
        }
        let batch = batch.max(1);
        for group in windows.chunks_mut(batch * 8) {
            group.sort_by_key(|&w| self.window_len(w));
        }
        let mut batches: Vec<&[WindowRef]> = windows.chunks(batch).collect();
        batches.shuffle(&mut StdRng::seed_from_u64(seed ^ 0x6261_7463_6865_7321));
        batches.concat()
    }

    /// The tokens of a window that are not padding: at most `window_steps`.
    pub fn window_len(&self, window: WindowRef) -> usize {
        let steps = self
            .pieces
            .get(window.piece as usize)
            .map_or(0, |p| p.steps as usize);
        sequence_len(self.config.layout, steps)
            .saturating_sub(window.start as usize)
            .min(self.config.window_steps as usize)
    }

    /// The token ids of one window: `window_steps` ids, pitches moved by the window's shift,
    /// rests after the end of a short piece.
    pub fn window_ids(&self, window: WindowRef) -> Vec<u32> {
        let mut out = Vec::with_capacity(self.config.window_steps as usize);
        self.push_window_ids(window, &mut out);
        out
    }

    /// Appends the token ids of one window to `out` (see [`Dataset::window_ids`]).
    pub fn push_window_ids(&self, window: WindowRef, out: &mut Vec<u32>) {
        let info = self.pieces.get(window.piece as usize);
        if let (Layout::Tunes, Some(info)) = (self.config.layout, info) {
            push_tune_window(
                self.piece_ids(window.piece as usize),
                info.metre.unwrap_or_default(),
                window.start as usize,
                self.config.window_steps as usize,
                window.shift,
                out,
            );
            return;
        }
        push_window(
            self.piece_ids(window.piece as usize),
            window.start as usize,
            self.config.window_steps as usize,
            window.shift,
            out,
        );
    }

    /// The token ids of several windows one after another: a `[windows.len(), window_steps]`
    /// batch, row-major.
    pub fn batch_ids(&self, windows: &[WindowRef]) -> Vec<u32> {
        let mut out = Vec::with_capacity(windows.len() * self.config.window_steps as usize);
        for &window in windows {
            self.push_window_ids(window, &mut out);
        }
        out
    }

    /// Fails with a clear message when the training split has no window (e.g. every piece is
    /// shorter than a window), which a training run cannot start from.
    pub fn require_training_windows(&self) -> Result<(), DataError> {
        if self.window_count(Split::Train) > 0 {
            return Ok(());
        }
        Err(DataError::NoUsableMelody {
            sources: self.stats.sources.join("; "),
            files: self.stats.files,
            skipped: self.stats.skipped.len(),
            first: format!(
                "; the training split has no window of {} steps ({} pieces, {} shorter than a \
                 window)",
                self.config.window_steps,
                self.stats.pieces.total(),
                self.stats.short_pieces
            ),
        })
    }
}
