//! What a data set holds, for `gan-studio dataset stats` and the GUI: [`DatasetStats`].

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::split::Split;
use crate::music::{Key, Pitch};

/// A file or piece left out of a data set, and why.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Skipped {
    /// The file (a path, or `archive.zip!entry`) or the piece (`file#tune`).
    pub item: String,
    /// Why it was left out.
    pub reason: String,
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.item, self.reason)
    }
}

/// A count per split.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SplitCounts {
    /// In the training split.
    pub train: usize,
    /// In the validation split.
    pub validation: usize,
    /// In the test split.
    pub test: usize,
}

impl SplitCounts {
    /// The count of one split.
    pub fn get(&self, split: Split) -> usize {
        match split {
            Split::Train => self.train,
            Split::Validation => self.validation,
            Split::Test => self.test,
        }
    }

    /// Adds `n` to one split.
    pub fn add(&mut self, split: Split, n: usize) {
        match split {
            Split::Train => self.train += n,
            Split::Validation => self.validation += n,
            Split::Test => self.test += n,
        }
    }

    /// All splits together.
    pub fn total(&self) -> usize {
        self.train + self.validation + self.test
    }
}

/// Figures about a data set. `Display` prints a readable report listing at most 20 skipped
/// items; the alternate form (`{:#}`) lists them all.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetStats {
    /// The sources, described.
    pub sources: Vec<String>,
    /// Files read (including those that gave no piece).
    pub files: usize,
    /// Pieces per split (augmented copies not counted).
    pub pieces: SplitCounts,
    /// Pitched notes in the source pieces that were kept, before melody extraction.
    pub source_notes: u64,
    /// Notes of the melodies (augmented copies not counted).
    pub notes: u64,
    /// Token steps (16th notes) of the melodies.
    pub steps: u64,
    /// The lowest and highest melody pitch after transposition (MIDI numbers).
    pub pitch_range: Option<(u8, u8)>,
    /// How many pieces were estimated in each key, in [`Key::all`] order (C major .. B
    /// major, C minor .. B minor), before transposition.
    pub key_counts: Vec<usize>,
    /// Pieces with no key estimate.
    pub unknown_keys: usize,
    /// How many melody notes last each length, in 16th-note steps.
    pub durations: BTreeMap<u32, u64>,
    /// Steps per window.
    pub window_steps: u32,
    /// Steps between windows.
    pub stride: u32,
    /// Windows per split; the training count includes augmented copies.
    pub windows: SplitCounts,
    /// Training windows that come from augmented (transposed) copies.
    pub augmented_windows: usize,
    /// Pieces shorter than one window.
    pub short_pieces: usize,
    /// Melody notes moved by octaves into the piano range after transposition.
    pub folded_notes: u64,
    /// Files and pieces left out, with their reasons.
    pub skipped: Vec<Skipped>,
}

/// The name of a note length in 16th-note steps.
fn duration_name(steps: u32) -> String {
    match steps {
        1 => "16th".to_string(),
        2 => "8th".to_string(),
        3 => "dotted 8th".to_string(),
        4 => "quarter".to_string(),
        6 => "dotted quarter".to_string(),
        8 => "half".to_string(),
        12 => "dotted half".to_string(),
        16 => "whole".to_string(),
        n => format!("{n}/16"),
    }
}

fn pitch_name(midi: u8) -> String {
    Pitch::new(midi).map_or_else(|_| midi.to_string(), |p| format!("{p} ({midi})"))
}

impl DatasetStats {
    /// The estimated keys with their counts, most frequent first (ties in [`Key::all`]
    /// order), leaving out keys with no piece.
    pub fn key_histogram(&self) -> Vec<(Key, usize)> {
        let mut keys: Vec<(Key, usize)> = Key::all()
            .zip(self.key_counts.iter().copied())
            .filter(|&(_, n)| n > 0)
            .collect();
        keys.sort_by_key(|k| std::cmp::Reverse(k.1));
        keys
    }
}

impl fmt::Display for DatasetStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Data set: {}", self.sources.join("; "))?;
        writeln!(f, "  files read     {}", self.files)?;
        let p = &self.pieces;
        writeln!(
            f,
            "  pieces         {} (train {}, validation {}, test {}), {} shorter than a window",
            p.total(),
            p.train,
            p.validation,
            p.test,
            self.short_pieces
        )?;
        writeln!(
            f,
            "  melody notes   {} (from {} notes in the sources), {} steps of a 16th",
            self.notes, self.source_notes, self.steps
        )?;
        match self.pitch_range {
            Some((low, high)) => writeln!(
                f,
                "  pitch range    {} .. {} (after transposition to C major / A minor{})",
                pitch_name(low),
                pitch_name(high),
                if self.folded_notes > 0 {
                    format!(
                        "; {} notes folded by octaves into the piano",
                        self.folded_notes
                    )
                } else {
                    String::new()
                }
            )?,
            None => writeln!(f, "  pitch range    none")?,
        }
        let w = &self.windows;
        writeln!(
            f,
            "  windows        {} of {} steps, stride {} (train {}{}, validation {}, test {})",
            w.total(),
            self.window_steps,
            self.stride,
            w.train,
            if self.augmented_windows > 0 {
                format!(" incl. {} augmented", self.augmented_windows)
            } else {
                String::new()
            },
            w.validation,
            w.test
        )?;
        let keys: Vec<String> = self
            .key_histogram()
            .iter()
            .map(|(key, n)| format!("{key} {n}"))
            .chain((self.unknown_keys > 0).then(|| format!("unknown {}", self.unknown_keys)))
            .collect();
        writeln!(
            f,
            "  keys           {}",
            if keys.is_empty() {
                "none".to_string()
            } else {
                keys.join(", ")
            }
        )?;
        let total: u64 = self.durations.values().sum();
        let durations: Vec<String> = self
            .durations
            .iter()
            .map(|(&steps, &n)| {
                let share = 100.0 * n as f64 / total.max(1) as f64;
                format!("{} {n} ({share:.1}%)", duration_name(steps))
            })
            .collect();
        writeln!(
            f,
            "  durations      {}",
            if durations.is_empty() {
                "none".to_string()
            } else {
                durations.join(", ")
            }
        )?;
        writeln!(f, "  skipped        {}", self.skipped.len())?;
        let shown = if f.alternate() {
            self.skipped.len()
        } else {
            20
        };
        for skipped in self.skipped.iter().take(shown) {
            writeln!(f, "    {skipped}")?;
        }
        if self.skipped.len() > shown {
            writeln!(f, "    ... and {} more", self.skipped.len() - shown)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_shows_every_figure() {
        let mut key_counts = vec![0; 24];
        key_counts[0] = 3; // C major
        key_counts[21] = 5; // A minor
        let stats = DatasetStats {
            sources: vec!["files in /x".into()],
            files: 4,
            pieces: SplitCounts {
                train: 7,
                validation: 1,
                test: 0,
            },
            source_notes: 120,
            notes: 100,
            steps: 400,
            pitch_range: Some((57, 81)),
            key_counts,
            unknown_keys: 0,
            durations: BTreeMap::from([(1, 25), (2, 50), (3, 25)]),
            window_steps: 64,
            stride: 16,
            windows: SplitCounts {
                train: 12,
                validation: 2,
                test: 0,
            },
            augmented_windows: 6,
            short_pieces: 1,
            folded_notes: 0,
            skipped: (0..25)
                .map(|i| Skipped {
                    item: format!("f{i}.mid"),
                    reason: "bad".into(),
                })
                .collect(),
        };
        let text = stats.to_string();
        for expected in [
            "files read     4",
            "pieces         8 (train 7, validation 1, test 0), 1 shorter than a window",
            "melody notes   100 (from 120 notes in the sources), 400 steps",
            "pitch range    A3 (57) .. A5 (81)",
            "windows        14 of 64 steps, stride 16 (train 12 incl. 6 augmented, validation 2",
            "keys           A minor 5, C major 3",
            "durations      16th 25 (25.0%), 8th 50 (50.0%), dotted 8th 25 (25.0%)",
            "skipped        25",
            "    f0.mid: bad",
            "    ... and 5 more",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
        assert!(!text.contains("f20.mid"));
        assert!(format!("{stats:#}").contains("f24.mid: bad"));
    }
}
