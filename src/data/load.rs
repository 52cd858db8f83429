//! Loading a data set: list the sources, use the cache when it holds this exact data set,
//! else read and preprocess every file on a few threads, split, count, and save the cache.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::Sender;

use super::archive::{self, ZipLimits};
use super::cache;
use super::dataset::{Dataset, PieceInfo};
use super::error::DataError;
use super::format::FileFormat;
use super::preprocess::{PreparedPiece, PreprocessConfig, prepare_piece, token_notes};
use super::progress::{Progress, ProgressCallback, Reporter};
use super::source::{DataSource, Input, Origin, list_sources};
use super::split::{Split, assign_splits};
use super::stats::{DatasetStats, Skipped};
use super::windows::{sequence_len, window_count_for};
use crate::abc::{self, AbcFile};
use crate::music::{Key, Piece};

/// How to load: where the cache is, how many threads, where progress goes, how to cancel.
#[derive(Clone)]
pub struct LoadOptions {
    /// The cache folder (e.g. the per-user cache directory); `None` disables the cache.
    pub cache_dir: Option<PathBuf>,
    /// Threads that read and preprocess files (default 2; 0 counts as 1).
    pub threads: usize,
    /// Where progress messages go (see [`Progress`] for their order).
    pub progress: Option<Sender<Progress>>,
    /// Called with every progress message before it is sent, on the reading thread (e.g.
    /// `ctx.request_repaint()` in the GUI).
    pub on_progress: Option<ProgressCallback>,
    /// Set to `true` to stop the import; checked between files.
    pub cancel: Option<Arc<AtomicBool>>,
    /// Safety limits for zip archives.
    pub zip_limits: ZipLimits,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            cache_dir: None,
            threads: 2,
            progress: None,
            on_progress: None,
            cancel: None,
            zip_limits: ZipLimits::default(),
        }
    }
}

impl std::fmt::Debug for LoadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadOptions")
            .field("cache_dir", &self.cache_dir)
            .field("threads", &self.threads)
            .field("progress", &self.progress.is_some())
            .field("on_progress", &self.on_progress.is_some())
            .field("cancel", &self.cancel)
            .field("zip_limits", &self.zip_limits)
            .finish()
    }
}

impl LoadOptions {
    /// Default options with a cache folder.
    pub fn with_cache(cache_dir: impl Into<PathBuf>) -> Self {
        LoadOptions {
            cache_dir: Some(cache_dir.into()),
            ..LoadOptions::default()
        }
    }

    fn cancelled(&self) -> bool {
        self.cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed))
    }
}

/// The source for a path given on the command line ([`DataSource::detect`]), or without one
/// the default training set: the folk set in the data directory when it has been fetched,
/// else the built-in demo melodies.
pub fn source_for(path: Option<&Path>) -> Result<DataSource, DataError> {
    match path {
        Some(path) => DataSource::detect(path),
        None => Ok(DataSource::default_for(
            super::fetch::folk_dir().ok().as_deref(),
        )),
    }
}

/// Loads a data set from sources with the given preprocessing (see the module
/// documentation). Files that fail are listed in [`DatasetStats::skipped`]; the load fails
/// only when a source itself is unusable, nothing usable comes out, or it is cancelled.
pub fn load_dataset(
    sources: &[DataSource],
    config: &PreprocessConfig,
    options: &LoadOptions,
) -> Result<Dataset, DataError> {
    config.validate().map_err(DataError::BadConfig)?;
    if sources.is_empty() {
        return Err(DataError::NoSources);
    }
    let reporter = Reporter::new(options.progress.clone(), options.on_progress.clone());
    let listing = list_sources(sources, &options.zip_limits)?;
    reporter.send(Progress::Started {
        files: listing.inputs.len(),
    });
    let mut key = 0;
    if let Some(dir) = &options.cache_dir {
        key = cache::cache_key(sources, &listing, config, &|| options.cancelled())
            .ok_or(DataError::Cancelled)?;
        let path = cache::cache_path(dir, key);
        match cache::load(&path, key, config) {
            Ok(Some(dataset)) => {
                reporter.send(Progress::CacheHit { path });
                finish(&reporter, &dataset);
                return Ok(dataset);
            }
            Ok(None) => {}
            Err(reason) => reporter.send(Progress::CacheRejected { path, reason }),
        }
    }
    let outcomes = read_all(&listing.inputs, config, options, &reporter)?;
    let mut skipped = listing.refused;
    let dataset = assemble(
        sources,
        config,
        &listing.inputs,
        outcomes,
        &mut skipped,
        key,
    )?;
    if let Some(dir) = &options.cache_dir
        && let Err(e) = cache::save(dir, &dataset)
    {
        reporter.send(Progress::Warning {
            message: format!("the data set was not cached: {e}"),
        });
    }
    finish(&reporter, &dataset);
    Ok(dataset)
}

fn finish(reporter: &Reporter, dataset: &Dataset) {
    reporter.send(Progress::Finished {
        pieces: dataset.pieces.len(),
        train_windows: dataset.window_count(Split::Train),
        from_cache: dataset.from_cache,
    });
}

/// A piece read and preprocessed, before splitting.
struct RawPiece {
    id: String,
    title: String,
    source: String,
    split: Option<Split>,
    prepared: PreparedPiece,
}

/// What one file gave.
#[derive(Default)]
struct Outcome {
    pieces: Vec<RawPiece>,
    skipped: Vec<Skipped>,
}

/// Reads every input on `options.threads` threads; outcomes come back in input order.
fn read_all(
    inputs: &[Input],
    config: &PreprocessConfig,
    options: &LoadOptions,
    reporter: &Reporter,
) -> Result<Vec<Outcome>, DataError> {
    let total = inputs.len();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let threads = options.threads.clamp(1, total.max(1));
    let worker = || {
        let mut mine: Vec<(usize, Outcome)> = Vec::new();
        while !options.cancelled() {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(input) = inputs.get(index) else {
                break;
            };
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                read_input(input, config, &options.zip_limits)
            }))
            .unwrap_or_else(|_| Outcome {
                pieces: Vec::new(),
                skipped: vec![Skipped {
                    item: input.name.clone(),
                    reason: "internal error while reading this file (a bug; please report it)"
                        .to_string(),
                }],
            });
            for skipped in &outcome.skipped {
                reporter.send(Progress::Skipped {
                    item: skipped.item.clone(),
                    reason: skipped.reason.clone(),
                });
            }
            reporter.send(Progress::FileDone {
                name: input.name.clone(),
                done: done.fetch_add(1, Ordering::Relaxed) + 1,
                total,
                pieces: outcome.pieces.len(),
            });
            mine.push((index, outcome));
        }
        mine
    };
    let mut results: Vec<(usize, Outcome)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads).map(|_| scope.spawn(worker)).collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    if options.cancelled() {
        return Err(DataError::Cancelled);
    }
    results.sort_by_key(|(index, _)| *index);
    Ok(results.into_iter().map(|(_, outcome)| outcome).collect())
}

/// Reads and preprocesses one file.
fn read_input(input: &Input, config: &PreprocessConfig, limits: &ZipLimits) -> Outcome {
    let mut outcome = Outcome::default();
    let skip = |reason: String| Skipped {
        item: input.name.clone(),
        reason,
    };
    match input.format {
        FileFormat::Midi => {
            let read = match &input.origin {
                Origin::File(path) => {
                    crate::midi::read_file(path).map_err(|e| e.problem.to_string())
                }
                Origin::Zip { archive, index } => archive::read_entry(archive, *index, limits)
                    .and_then(|bytes| {
                        crate::midi::read_bytes(&bytes, &input.name)
                            .map_err(|e| e.problem.to_string())
                    }),
                Origin::Builtin(_) => Err("built-in text is not MIDI".to_string()),
            };
            match read {
                Ok(file) => {
                    let mut piece = file.piece;
                    if let Some(title) = &input.title {
                        piece.title = title.clone();
                    } else if piece.title.is_empty() {
                        piece.title = stem(&input.name);
                    }
                    add_piece(
                        &mut outcome,
                        input,
                        input.id.clone(),
                        input.name.clone(),
                        piece,
                        config,
                    );
                }
                Err(reason) => outcome.skipped.push(skip(reason)),
            }
        }
        FileFormat::Abc => {
            let file = match &input.origin {
                Origin::File(path) => abc::read_abc_file(path).map_err(|e| match e {
                    abc::AbcError::Io { source, .. } => format!("cannot read the file: {source}"),
                    other => other.to_string(),
                }),
                Origin::Zip { archive, index } => archive::read_entry(archive, *index, limits)
                    .map(|bytes| abc::parse_abc_str(&decode_text(&bytes), &input.name)),
                Origin::Builtin(text) => Ok(abc::parse_abc_str(text, &input.name)),
            };
            match file {
                Ok(file) => add_abc_tunes(&mut outcome, input, file, config),
                Err(reason) => outcome.skipped.push(skip(reason)),
            }
        }
    }
    outcome
}

fn add_abc_tunes(outcome: &mut Outcome, input: &Input, file: AbcFile, config: &PreprocessConfig) {
    if file.tunes.is_empty() {
        outcome.skipped.push(Skipped {
            item: input.name.clone(),
            reason: "no tune in it (no X: field)".to_string(),
        });
    }
    for (position, tune) in file.tunes.into_iter().enumerate() {
        match tune {
            Ok(tune) => {
                let id = format!("{}#{}", input.id, position + 1);
                let name = format!("{} tune X:{} {:?}", input.name, tune.number, tune.title);
                add_piece(outcome, input, id, name, tune.piece, config);
            }
            Err(e) => outcome.skipped.push(Skipped {
                item: format!("{} tune {}", input.name, position + 1),
                reason: e.to_string(),
            }),
        }
    }
}

fn add_piece(
    outcome: &mut Outcome,
    input: &Input,
    id: String,
    name: String,
    piece: Piece,
    config: &PreprocessConfig,
) {
    match prepare_piece(&piece, config) {
        Ok(prepared) => outcome.pieces.push(RawPiece {
            id,
            title: piece.title,
            source: input.name.clone(),
            split: input.split,
            prepared,
        }),
        Err(problem) => outcome.skipped.push(Skipped {
            item: name,
            reason: problem.to_string(),
        }),
    }
}

/// UTF-8 text, or Latin-1 when the bytes are not UTF-8.
fn decode_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// The file stem of a displayed name (`dir/x.mid` or `a.zip!dir/x.mid` give `x`).
fn stem(name: &str) -> String {
    let last = name.rsplit(['/', '\\', '!']).next().unwrap_or(name);
    last.rsplit_once('.')
        .map_or(last, |(stem, _)| stem)
        .to_string()
}

/// Splits the pieces, stores their tokens and counts everything.
fn assemble(
    sources: &[DataSource],
    config: &PreprocessConfig,
    inputs: &[Input],
    outcomes: Vec<Outcome>,
    skipped: &mut Vec<Skipped>,
    key: u64,
) -> Result<Dataset, DataError> {
    let mut raw: Vec<RawPiece> = Vec::new();
    for outcome in outcomes {
        raw.extend(outcome.pieces);
        skipped.extend(outcome.skipped);
    }
    let describe = || {
        sources
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    };
    if raw.is_empty() {
        return Err(DataError::NoUsableMelody {
            sources: describe(),
            files: inputs.len(),
            skipped: skipped.len(),
            first: skipped
                .first()
                .map(|s| format!("; first: {s}"))
                .unwrap_or_default(),
        });
    }
    let ids: Vec<&str> = raw.iter().map(|p| p.id.as_str()).collect();
    let given: Vec<Option<Split>> = raw.iter().map(|p| p.split).collect();
    let splits = assign_splits(&ids, &given, config.validation_fraction, config.seed);

    let mut stats = DatasetStats {
        sources: sources.iter().map(ToString::to_string).collect(),
        files: inputs.len(),
        key_counts: vec![0; 24],
        window_steps: config.window_steps,
        stride: config.stride,
        ..DatasetStats::default()
    };
    let mut tokens: Vec<u8> = Vec::with_capacity(raw.iter().map(|p| p.prepared.tokens.len()).sum());
    let mut pieces = Vec::with_capacity(raw.len());
    let window = config.window_steps as usize;
    let stride = config.stride as usize;
    for (piece, split) in raw.into_iter().zip(splits) {
        let p = piece.prepared;
        let (mut notes, mut lowest, mut highest) = (0u32, u8::MAX, 0u8);
        for (pitch_id, steps) in token_notes(&p.tokens) {
            notes += 1;
            lowest = lowest.min(pitch_id);
            highest = highest.max(pitch_id);
            *stats.durations.entry(steps).or_default() += 1;
        }
        let base = crate::music::Pitch::PIANO_LOW.get();
        let info = PieceInfo {
            id: piece.id,
            title: piece.title,
            source: piece.source,
            split,
            estimated_key: p.estimated_key,
            shift: p.shift,
            notes,
            steps: p.tokens.len() as u32,
            lowest: lowest.saturating_add(base),
            highest: highest.saturating_add(base),
            offset: tokens.len() as u64,
            metre: p.metre,
        };
        stats.pieces.add(split, 1);
        stats.source_notes += p.source_notes as u64;
        stats.notes += u64::from(notes);
        stats.steps += p.tokens.len() as u64;
        stats.folded_notes += p.folded_notes as u64;
        stats.pitch_range = Some(match stats.pitch_range {
            Some((lo, hi)) => (lo.min(info.lowest), hi.max(info.highest)),
            None => (info.lowest, info.highest),
        });
        match p.estimated_key.and_then(key_index) {
            Some(i) => stats.key_counts[i] += 1,
            None => stats.unknown_keys += 1,
        }
        let length = sequence_len(config.layout, p.tokens.len());
        let own = window_count_for(config.layout, length, window, stride, config.short_pieces);
        if length < window {
            stats.short_pieces += 1;
        }
        let copies = if split == Split::Train {
            config
                .augment_shifts
                .iter()
                .filter(|&&s| info.can_shift(s))
                .count()
        } else {
            0
        };
        stats.windows.add(split, own * (1 + copies));
        stats.augmented_windows += own * copies;
        tokens.extend_from_slice(&p.tokens);
        pieces.push(info);
    }
    stats.skipped = std::mem::take(skipped);
    Ok(Dataset {
        config: config.clone(),
        pieces,
        stats,
        from_cache: false,
        cache_key: key,
        tokens,
    })
}

/// The position of a key in [`Key::all`].
fn key_index(key: Key) -> Option<usize> {
    Key::all().position(|k| k == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_of_displayed_names() {
        assert_eq!(stem("dir/x.mid"), "x");
        assert_eq!(stem("a.zip!dir/song.v2.midi"), "song.v2");
        assert_eq!(stem("plain"), "plain");
    }

    #[test]
    fn latin1_text_is_decoded() {
        assert_eq!(decode_text(b"T:K\xf6ln"), "T:Köln");
        assert_eq!(decode_text("T:Köln".as_bytes()), "T:Köln");
    }
}
