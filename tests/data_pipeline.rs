//! The preprocessing pipeline end to end: transposition of a minor tune written under a major
//! key signature, windows and strides, augmentation, the seeded split, the cache (hits,
//! misses, invalidation, corruption), progress messages and cancellation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod data_support;
mod env_support;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};

use data_support::{line, piece, scale_piece, write_midi};
use gan_studio::data::{
    DataError, DataSource, Dataset, KeyPolicy, LoadOptions, PreprocessConfig, Progress,
    ShortPieces, Split, load_dataset,
};
use gan_studio::music::analysis::estimate_key;
use gan_studio::music::tokens::{PitchText, Token, decode_notes, format_tokens};
use gan_studio::music::{Key, Velocity};

/// A D minor tune as the Essen files write minor tunes: `K:D` (D major's two sharps) with
/// the minor notes spelled out (`=F`, `_B`). Four bars of 4/4: 64 steps.
const D_MINOR_UNDER_D_MAJOR: &str = "\
X:1
T:Minor under a major signature
M:4/4
L:1/8
K:D
D2 =F2 E2 D2 | C2 D2 A,4 | _B,2 A,2 G,2 =F,2 | E,2 C,2 D,4 |]
";

fn write_abc(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("tunes.abc");
    std::fs::write(&path, text).unwrap();
    path
}

fn load_with(
    source: &DataSource,
    config: &PreprocessConfig,
    options: &LoadOptions,
) -> Result<Dataset, DataError> {
    load_dataset(std::slice::from_ref(source), config, options)
}

fn names(dataset: &Dataset, piece: usize) -> String {
    format_tokens(&dataset.piece_tokens(piece), PitchText::Names)
}

#[test]
fn a_minor_tune_under_a_major_signature_is_moved_to_a_minor() {
    let dir = tempfile::tempdir().unwrap();
    let source = DataSource::Abc(vec![write_abc(dir.path(), D_MINOR_UNDER_D_MAJOR)]);
    let dataset = load_with(
        &source,
        &PreprocessConfig::default(),
        &LoadOptions::default(),
    )
    .unwrap();
    let piece = &dataset.pieces[0];
    assert_eq!(piece.estimated_key, Some("D minor".parse().unwrap()));
    // D to A is 5 semitones down (the nearer way).
    assert_eq!(piece.shift, -5);
    // D4 F4 E4 D4 | C#4 D4 A3 | Bb3 A3 G3 F3 | E3 C#3 D3, each moved down a fourth.
    assert_eq!(
        names(&dataset, 0),
        "A3 _ _ _ C4 _ _ _ B3 _ _ _ A3 _ _ _ G#3 _ _ _ A3 _ _ _ E3 _ _ _ _ _ _ _ \
         F3 _ _ _ E3 _ _ _ D3 _ _ _ C3 _ _ _ B2 _ _ _ G#2 _ _ _ A2 _ _ _ _ _ _ _"
    );
    assert_eq!(piece.id, "abc:tunes.abc#1");
    assert_eq!(piece.title, "Minor under a major signature");
    assert_eq!(
        dataset.stats.key_histogram(),
        vec![("D minor".parse().unwrap(), 1)]
    );
    // Trusting the signature instead would have made it C minor (D major -> C major: -2):
    // its F natural becomes E-flat.
    let declared = PreprocessConfig {
        key: KeyPolicy::Declared,
        ..PreprocessConfig::default()
    };
    let wrong = load_with(&source, &declared, &LoadOptions::default()).unwrap();
    assert_eq!(wrong.pieces[0].shift, -2);
    assert!(names(&wrong, 0).starts_with("C4 _ _ _ D#4"));
}

#[test]
fn windows_follow_length_and_stride() {
    let dir = tempfile::tempdir().unwrap();
    let source = DataSource::Abc(vec![write_abc(dir.path(), D_MINOR_UNDER_D_MAJOR)]);
    let count = |window_steps: u32, stride: u32, short_pieces: ShortPieces| {
        let config = PreprocessConfig {
            window_steps,
            stride,
            short_pieces,
            validation_fraction: 0.0,
            ..PreprocessConfig::default()
        };
        let dataset = load_with(&source, &config, &LoadOptions::default()).unwrap();
        let windows = dataset.windows(Split::Train);
        assert_eq!(windows.len(), dataset.window_count(Split::Train));
        windows.iter().map(|w| w.start).collect::<Vec<u32>>()
    };
    // 64 steps: one window of 64; windows of 32 at stride 16 start at 0, 16, 32; at stride
    // 32 at 0 and 32; at stride 40 only at 0 (40 + 32 > 64).
    assert_eq!(count(64, 16, ShortPieces::Drop), vec![0]);
    assert_eq!(count(32, 16, ShortPieces::Drop), vec![0, 16, 32]);
    assert_eq!(count(32, 32, ShortPieces::Drop), vec![0, 32]);
    assert_eq!(count(32, 40, ShortPieces::Drop), vec![0]);
    assert_eq!(count(80, 16, ShortPieces::Drop), Vec::<u32>::new());
    assert_eq!(count(80, 16, ShortPieces::PadWithRests), vec![0]);

    // A padded window ends in rests.
    let config = PreprocessConfig {
        window_steps: 80,
        short_pieces: ShortPieces::PadWithRests,
        validation_fraction: 0.0,
        ..PreprocessConfig::default()
    };
    let dataset = load_with(&source, &config, &LoadOptions::default()).unwrap();
    let ids = dataset.window_ids(dataset.windows(Split::Train)[0]);
    assert_eq!(ids.len(), 80);
    assert!(ids[64..].iter().all(|&id| id == Token::REST.id()));
    assert_eq!(dataset.stats.short_pieces, 1);
}

#[test]
fn augmentation_adds_shifted_copies_that_stay_on_the_piano() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("aug");
    // Middle range: both shifts fit. Top of the piano (up to C8): +3 would leave it.
    write_midi(&root.join("low.mid"), &scale_piece("low", 64));
    let bar = [("C8", 8), ("C7", 8), ("G7", 8), ("C8", 8)];
    let mut high_notes = line(0, &bar);
    high_notes.extend(line(32, &bar));
    write_midi(&root.join("high.mid"), &piece("high", vec![high_notes]));
    let config = PreprocessConfig {
        key: KeyPolicy::Keep,
        augment_shifts: vec![-2, 3],
        validation_fraction: 0.0,
        ..PreprocessConfig::default()
    };
    let dataset = load_with(&DataSource::Folder(root), &config, &LoadOptions::default()).unwrap();
    // Each piece has one window of its own; low gets 2 copies, high only the -2 copy.
    assert_eq!(dataset.window_count(Split::Train), 5);
    assert_eq!(dataset.stats.augmented_windows, 3);
    let windows = dataset.windows(Split::Train);
    assert_eq!(windows.len(), 5);
    let high = dataset
        .pieces
        .iter()
        .position(|p| p.title == "high")
        .unwrap();
    assert_eq!(dataset.augment_shifts(high), vec![-2]);
    let base = windows
        .iter()
        .find(|w| w.piece as usize == high && w.shift == 0)
        .unwrap();
    let down = windows
        .iter()
        .find(|w| w.piece as usize == high && w.shift == -2)
        .unwrap();
    let shifted: Vec<u32> = dataset
        .window_ids(*base)
        .into_iter()
        .map(|id| if id < 88 { id - 2 } else { id })
        .collect();
    assert_eq!(dataset.window_ids(*down), shifted);
    // C8 (id 87) moved down 2 is A#7 (id 85).
    assert_eq!(dataset.window_ids(*down)[0], 85);
}

/// A folder of `n` MIDI files of 64 steps each.
fn many_files(root: &Path, n: usize) {
    for i in 0..n {
        write_midi(
            &root.join(format!("piece{i:03}.mid")),
            &scale_piece(&format!("p{i}"), 64),
        );
    }
}

fn validation_ids(dataset: &Dataset) -> Vec<String> {
    dataset
        .pieces
        .iter()
        .filter(|p| p.split == Split::Validation)
        .map(|p| p.id.clone())
        .collect()
}

#[test]
fn the_split_is_by_piece_and_seeded() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("set");
    many_files(&root, 20);
    let source = DataSource::Folder(root);
    let config = |seed| PreprocessConfig {
        validation_fraction: 0.25,
        seed,
        ..PreprocessConfig::default()
    };
    let options = LoadOptions::default();
    let a = load_with(&source, &config(1), &options).unwrap();
    let again = load_with(&source, &config(1), &options).unwrap();
    let other = load_with(&source, &config(2), &options).unwrap();
    assert_eq!(validation_ids(&a).len(), 5);
    assert_eq!(a.stats.pieces.train, 15);
    assert_eq!(validation_ids(&a), validation_ids(&again));
    assert_eq!(validation_ids(&other).len(), 5);
    assert_ne!(validation_ids(&a), validation_ids(&other));
    // Reading on one thread gives the very same data set.
    let single = load_with(
        &source,
        &config(1),
        &LoadOptions {
            threads: 1,
            ..LoadOptions::default()
        },
    )
    .unwrap();
    assert_eq!(single, a);
    // Every window of a split comes from a piece of that split.
    for split in [Split::Train, Split::Validation] {
        let windows = a.windows(split);
        assert_eq!(windows.len(), a.window_count(split));
        assert!(
            windows
                .iter()
                .all(|w| a.pieces[w.piece as usize].split == split)
        );
    }
    assert_eq!(a.window_count(Split::Validation), 5);
    // Shuffling is seeded too.
    assert_eq!(
        a.shuffled_windows(Split::Train, 9),
        a.shuffled_windows(Split::Train, 9)
    );
    let batch = a.batch_ids(&a.windows(Split::Train)[..3]);
    assert_eq!(batch.len(), 3 * 64);
}

fn cache_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

/// Loads with a cache and returns the data set and the progress messages.
fn load_cached(
    source: &DataSource,
    config: &PreprocessConfig,
    cache: &Path,
) -> (Dataset, Vec<Progress>) {
    let (sender, receiver) = mpsc::channel();
    let options = LoadOptions {
        progress: Some(sender),
        ..LoadOptions::with_cache(cache)
    };
    let dataset = load_with(source, config, &options).unwrap();
    drop(options);
    (dataset, receiver.into_iter().collect())
}

#[test]
fn the_cache_hits_misses_and_rebuilds() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let root = dir.path().join("set");
    many_files(&root, 3);
    let source = DataSource::Folder(root.clone());
    let config = PreprocessConfig::default();

    // Cold: built and saved.
    let (cold, messages) = load_cached(&source, &config, &cache);
    assert!(!cold.from_cache);
    assert!(
        !messages
            .iter()
            .any(|m| matches!(m, Progress::CacheHit { .. }))
    );
    assert_eq!(cache_files(&cache).len(), 1);

    // Warm: the same data set, from the cache, no file read.
    let (warm, messages) = load_cached(&source, &config, &cache);
    assert!(warm.from_cache);
    assert_eq!(warm.pieces, cold.pieces);
    assert_eq!(warm.stats, cold.stats);
    assert_eq!(
        warm.batch_ids(&warm.windows(Split::Train)),
        cold.batch_ids(&cold.windows(Split::Train))
    );
    assert!(
        messages
            .iter()
            .any(|m| matches!(m, Progress::CacheHit { .. }))
    );
    assert!(
        !messages
            .iter()
            .any(|m| matches!(m, Progress::FileDone { .. }))
    );

    // Another setting: a miss, and a second cache file.
    let strided = PreprocessConfig {
        stride: 8,
        ..config.clone()
    };
    let (changed, _) = load_cached(&source, &strided, &cache);
    assert!(!changed.from_cache);
    assert_eq!(cache_files(&cache).len(), 2);
    assert!(load_cached(&source, &strided, &cache).0.from_cache);

    // Rewriting a file with the same content (a new modification time) still hits.
    let first = root.join("piece000.mid");
    let bytes = std::fs::read(&first).unwrap();
    std::fs::write(&first, &bytes).unwrap();
    assert!(load_cached(&source, &config, &cache).0.from_cache);

    // Changing a file's content misses; so does adding a file.
    write_midi(&first, &scale_piece("changed", 80));
    let (edited, _) = load_cached(&source, &config, &cache);
    assert!(!edited.from_cache);
    assert_ne!(edited.stats, cold.stats);
    write_midi(&root.join("piece999.mid"), &scale_piece("new", 64));
    let (added, _) = load_cached(&source, &config, &cache);
    assert!(!added.from_cache);
    assert_eq!(added.pieces.len(), 4);
}

#[test]
fn a_corrupt_cache_file_is_detected_and_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let root = dir.path().join("set");
    many_files(&root, 2);
    let source = DataSource::Folder(root);
    let config = PreprocessConfig::default();
    let (cold, _) = load_cached(&source, &config, &cache);
    let file = cache_files(&cache).pop().unwrap();
    let good = std::fs::read(&file).unwrap();

    let damages: Vec<(&str, Vec<u8>)> = vec![
        ("truncated", good[..good.len() / 2].to_vec()),
        ("flipped", {
            let mut b = good.clone();
            let middle = b.len() / 2;
            b[middle] ^= 0x55;
            b
        }),
        ("empty", Vec::new()),
        (
            "garbage",
            b"definitely not a cache file, but long enough to have a header".to_vec(),
        ),
    ];
    for (what, bytes) in damages {
        std::fs::write(&file, &bytes).unwrap();
        let (rebuilt, messages) = load_cached(&source, &config, &cache);
        assert!(!rebuilt.from_cache, "{what}");
        assert_eq!(rebuilt.pieces, cold.pieces, "{what}");
        let rejected = messages.iter().find_map(|m| match m {
            Progress::CacheRejected { path, reason } => Some((path.clone(), reason.clone())),
            _ => None,
        });
        let (path, reason) = rejected.unwrap_or_else(|| panic!("{what}: not rejected"));
        assert_eq!(path, file, "{what}");
        assert!(!reason.is_empty());
        // It was written again, whole.
        assert_eq!(std::fs::read(&file).unwrap(), good, "{what}");
        assert!(load_cached(&source, &config, &cache).0.from_cache, "{what}");
    }
}

#[test]
fn progress_comes_in_order_and_lists_skips() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("set");
    many_files(&root, 5);
    std::fs::write(root.join("zz_bad.mid"), b"bad").unwrap();
    let (sender, receiver) = mpsc::channel();
    let options = LoadOptions {
        progress: Some(sender),
        ..LoadOptions::default()
    };
    let dataset = load_with(
        &DataSource::Folder(root),
        &PreprocessConfig::default(),
        &options,
    )
    .unwrap();
    drop(options);
    let messages: Vec<Progress> = receiver.into_iter().collect();
    assert_eq!(messages.first(), Some(&Progress::Started { files: 6 }));
    assert_eq!(
        messages.last(),
        Some(&Progress::Finished {
            pieces: 5,
            train_windows: dataset.window_count(Split::Train),
            from_cache: false
        })
    );
    let mut done: Vec<usize> = messages
        .iter()
        .filter_map(|m| match m {
            Progress::FileDone { done, total: 6, .. } => Some(*done),
            _ => None,
        })
        .collect();
    done.sort_unstable();
    assert_eq!(done, vec![1, 2, 3, 4, 5, 6]);
    let skipped: Vec<&Progress> = messages
        .iter()
        .filter(|m| matches!(m, Progress::Skipped { .. }))
        .collect();
    assert_eq!(skipped.len(), 1);
    assert!(matches!(skipped[0], Progress::Skipped { item, .. } if item.ends_with("zz_bad.mid")));
}

#[test]
fn cancelling_stops_the_import() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("set");
    many_files(&root, 200);
    let source = DataSource::Folder(root);
    let cache = dir.path().join("cache");

    // Cancelled before it starts: nothing is read, nothing is cached.
    let flag = Arc::new(AtomicBool::new(true));
    let options = LoadOptions {
        cancel: Some(flag),
        ..LoadOptions::with_cache(&cache)
    };
    assert!(matches!(
        load_with(&source, &PreprocessConfig::default(), &options),
        Err(DataError::Cancelled)
    ));

    // Cancelled when the first file is done: the reading threads stop within a file or two.
    let flag = Arc::new(AtomicBool::new(false));
    let setter = Arc::clone(&flag);
    let (sender, receiver) = mpsc::channel();
    let options = LoadOptions {
        cancel: Some(flag),
        progress: Some(sender),
        on_progress: Some(Arc::new(move |m: &Progress| {
            if matches!(m, Progress::FileDone { .. }) {
                setter.store(true, Ordering::Relaxed);
            }
        })),
        ..LoadOptions::with_cache(&cache)
    };
    assert!(matches!(
        load_with(&source, &PreprocessConfig::default(), &options),
        Err(DataError::Cancelled)
    ));
    drop(options);
    let messages: Vec<Progress> = receiver.into_iter().collect();
    let done = messages
        .iter()
        .filter(|m| matches!(m, Progress::FileDone { .. }))
        .count();
    // At most one more file per thread (2 threads) after the first.
    assert!((1..=3).contains(&done), "{done} files done");
    assert!(
        !messages
            .iter()
            .any(|m| matches!(m, Progress::Finished { .. }))
    );
    assert!(cache_files(&cache).is_empty());
}

#[test]
fn the_folk_set_loads_when_fetched() {
    let Some(dir) = env_support::folk() else {
        return;
    };
    let dataset = load_with(
        &DataSource::Folk(dir),
        &PreprocessConfig::default(),
        &LoadOptions::default(),
    )
    .unwrap();
    println!("{}", dataset.stats);
    // 1,754 tunes in the Erk subset; a few may be refused by the reader, never many.
    assert!(dataset.pieces.len() > 1_700, "{}", dataset.stats);
    // Every melody now lies in C major or A minor: estimating the key of the tokens again
    // finds one of the two (transposition moves the estimate with the notes).
    let c_or_a: [Key; 2] = [Key::C_MAJOR, Key::A_MINOR];
    for (index, piece) in dataset.pieces.iter().enumerate() {
        let notes = decode_notes(&dataset.piece_tokens(index), 480, Velocity::DEFAULT).unwrap();
        let key = estimate_key(&notes).map(|e| e.key);
        assert!(
            key.is_some_and(|k| c_or_a.contains(&k)),
            "{} ({}): {key:?}",
            piece.id,
            piece.title
        );
    }
    let (low, high) = dataset.stats.pitch_range.unwrap();
    assert!((21..=108).contains(&low) && (21..=108).contains(&high));
    // The window count agrees with the formula over the pieces' lengths.
    let expected: usize = dataset
        .pieces
        .iter()
        .map(|p| {
            if p.steps >= 64 {
                (p.steps as usize - 64) / 16 + 1
            } else {
                0
            }
        })
        .sum();
    assert_eq!(dataset.stats.windows.total(), expected);
}
