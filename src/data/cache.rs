//! The on-disk cache of encoded data sets.
//!
//! # Key
//! A 64-bit hash (FNV-1a) of: the cache format, pipeline and vocabulary versions and
//! the program version; the preprocessing settings (as JSON); every source's kind and path;
//! and for every file its identifier and the hash of its **content** (archives and MAESTRO
//! metadata are hashed whole). Changing a setting, a byte of a file, or adding or removing a
//! file gives another key, hence another cache file: `dataset-<key>.bin` in the cache folder.
//!
//! # File format (little-endian)
//! | bytes | content |
//! |---|---|
//! | 8 | magic `GANSDATA` |
//! | 4 | format version ([`CACHE_FORMAT_VERSION`]) |
//! | 4 | vocabulary version |
//! | 8 | key |
//! | 8 | length `m` of the metadata |
//! | 8 | length `t` of the tokens |
//! | 8 | checksum (FNV-1a) of the metadata and tokens |
//! | m | metadata: JSON of the settings, the pieces and the statistics |
//! | t | token ids, one byte each, all pieces one after another |
//!
//! A file that is short, has another magic, version or key, a wrong checksum, bad JSON,
//! pieces pointing outside the tokens, or a byte outside the vocabulary is rejected (the
//! reason is reported) and the data set is rebuilt and saved again. Files are written
//! atomically ([`crate::fsutil::write_atomic`]); only the newest [`KEEP_CACHE_FILES`] cache
//! files are kept.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::dataset::{Dataset, PieceInfo};
use super::error::DataError;
use super::hash::{StableHasher, hash_bytes};
use super::preprocess::PreprocessConfig;
use super::source::{DataSource, Listing, Origin};
use super::stats::DatasetStats;
use crate::music::tokens::{VOCAB_SIZE, VOCAB_VERSION};

/// The version of the cache file layout.
pub const CACHE_FORMAT_VERSION: u32 = 1;
/// The version of the preprocessing output: bump it when the same settings and files would
/// now give other tokens, so that old caches are not used.
pub const PIPELINE_VERSION: u32 = 2;
/// How many data set cache files are kept in the cache folder.
pub const KEEP_CACHE_FILES: usize = 8;

const MAGIC: &[u8; 8] = b"GANSDATA";
const HEADER_BYTES: usize = 48;

/// The cache file of a key in a folder.
pub fn cache_path(cache_dir: &Path, key: u64) -> PathBuf {
    cache_dir.join(format!("dataset-{key:016x}.bin"))
}

/// Computes the cache key of sources listed in `listing` under `config` (see the module
/// documentation). Reads every file; stops early (returning `None`) when `cancelled` says so.
pub(crate) fn cache_key(
    sources: &[DataSource],
    listing: &Listing,
    config: &PreprocessConfig,
    cancelled: &dyn Fn() -> bool,
) -> Option<u64> {
    let mut h = StableHasher::new();
    h.str("gan-studio data set")
        .u64(u64::from(CACHE_FORMAT_VERSION))
        .u64(u64::from(PIPELINE_VERSION))
        .u64(u64::from(VOCAB_VERSION))
        .str(env!("CARGO_PKG_VERSION"))
        .str(&serde_json::to_string(config).unwrap_or_default());
    h.u64(sources.len() as u64);
    for source in sources {
        // The description (with its path) too, so that reports never show stale paths.
        h.str(source.tag()).str(&source.to_string());
    }
    for (label, hash) in &listing.fingerprints {
        h.str(label).u64(*hash);
    }
    for skipped in &listing.refused {
        h.str(&skipped.item).str(&skipped.reason);
    }
    for input in &listing.inputs {
        if cancelled() {
            return None;
        }
        h.str(&input.id)
            .str(input.split.map_or("", |s| s.name()))
            .str(input.title.as_deref().unwrap_or(""));
        match &input.origin {
            Origin::File(path) => match std::fs::read(path) {
                Ok(bytes) => h.u64(bytes.len() as u64).u64(hash_bytes(&bytes)),
                Err(e) => h.str("unreadable").str(&e.kind().to_string()),
            },
            // Covered by the archive's fingerprint.
            Origin::Zip { index, .. } => h.u64(*index as u64),
            Origin::Builtin(text) => h.u64(hash_bytes(text.as_bytes())),
        };
    }
    Some(h.finish())
}

/// The metadata block, as written.
#[derive(Serialize)]
struct MetaOut<'a> {
    config: &'a PreprocessConfig,
    pieces: &'a [PieceInfo],
    stats: &'a DatasetStats,
}

/// The metadata block, as read.
#[derive(Deserialize)]
struct MetaIn {
    config: PreprocessConfig,
    pieces: Vec<PieceInfo>,
    stats: DatasetStats,
}

/// The bytes of a cache file for a data set.
pub(crate) fn encode(dataset: &Dataset) -> Result<Vec<u8>, String> {
    let meta = serde_json::to_vec(&MetaOut {
        config: &dataset.config,
        pieces: &dataset.pieces,
        stats: &dataset.stats,
    })
    .map_err(|e| e.to_string())?;
    let mut checksum = StableHasher::new();
    checksum.bytes(&meta).bytes(&dataset.tokens);
    let mut out = Vec::with_capacity(HEADER_BYTES + meta.len() + dataset.tokens.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&CACHE_FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&VOCAB_VERSION.to_le_bytes());
    out.extend_from_slice(&dataset.cache_key.to_le_bytes());
    out.extend_from_slice(&(meta.len() as u64).to_le_bytes());
    out.extend_from_slice(&(dataset.tokens.len() as u64).to_le_bytes());
    out.extend_from_slice(&checksum.finish().to_le_bytes());
    out.extend_from_slice(&meta);
    out.extend_from_slice(&dataset.tokens);
    Ok(out)
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    let mut word = [0; 4];
    word.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(word)
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

/// Reads a cache file's bytes back, checking everything (see the module documentation);
/// the error says why the file is unusable.
pub(crate) fn decode(bytes: &[u8], key: u64, config: &PreprocessConfig) -> Result<Dataset, String> {
    if bytes.len() < HEADER_BYTES {
        return Err(format!("the file is too short ({} bytes)", bytes.len()));
    }
    if &bytes[..8] != MAGIC {
        return Err("it is not a data set cache file (wrong magic)".to_string());
    }
    let format = u32_at(bytes, 8);
    if format != CACHE_FORMAT_VERSION {
        return Err(format!(
            "cache format {format}, expected {CACHE_FORMAT_VERSION}"
        ));
    }
    let vocab = u32_at(bytes, 12);
    if vocab != VOCAB_VERSION {
        return Err(format!(
            "vocabulary version {vocab}, expected {VOCAB_VERSION}"
        ));
    }
    if u64_at(bytes, 16) != key {
        return Err("it belongs to other sources or settings (key mismatch)".to_string());
    }
    let meta_len = u64_at(bytes, 24);
    let tokens_len = u64_at(bytes, 32);
    let expected = (HEADER_BYTES as u64)
        .checked_add(meta_len)
        .and_then(|n| n.checked_add(tokens_len));
    if expected != Some(bytes.len() as u64) {
        return Err(format!(
            "the file is {} bytes, but its header announces {HEADER_BYTES} + {meta_len} + \
             {tokens_len}",
            bytes.len()
        ));
    }
    let meta_end = HEADER_BYTES + meta_len as usize;
    let (meta, tokens) = (&bytes[HEADER_BYTES..meta_end], &bytes[meta_end..]);
    let mut checksum = StableHasher::new();
    checksum.bytes(meta).bytes(tokens);
    if checksum.finish() != u64_at(bytes, 40) {
        return Err("the checksum does not match (the file is damaged)".to_string());
    }
    let meta: MetaIn = serde_json::from_slice(meta).map_err(|e| format!("bad metadata: {e}"))?;
    if &meta.config != config {
        return Err("it was made with other settings".to_string());
    }
    if let Some(bad) = tokens.iter().find(|&&id| usize::from(id) >= VOCAB_SIZE) {
        return Err(format!("token id {bad} is outside the vocabulary"));
    }
    let mut end = 0u64;
    for piece in &meta.pieces {
        if piece.offset != end {
            return Err(format!("piece {:?} is not where it should be", piece.id));
        }
        end = piece.offset + u64::from(piece.steps);
    }
    if end != tokens.len() as u64 {
        return Err("the pieces do not cover the tokens".to_string());
    }
    Ok(Dataset {
        config: meta.config,
        pieces: meta.pieces,
        stats: meta.stats,
        from_cache: true,
        cache_key: key,
        tokens: tokens.to_vec(),
    })
}

/// Loads the cache file at `path`, if there is one: `Ok(None)` when there is none,
/// `Err(reason)` when it is unusable.
pub(crate) fn load(
    path: &Path,
    key: u64,
    config: &PreprocessConfig,
) -> Result<Option<Dataset>, String> {
    match std::fs::read(path) {
        Ok(bytes) => decode(&bytes, key, config).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read it: {e}")),
    }
}

/// Saves a data set into the cache folder (created if needed), atomically, then removes
/// all but the newest [`KEEP_CACHE_FILES`] data set cache files.
pub(crate) fn save(cache_dir: &Path, dataset: &Dataset) -> Result<PathBuf, DataError> {
    let path = cache_path(cache_dir, dataset.cache_key);
    std::fs::create_dir_all(cache_dir)
        .map_err(|e| DataError::io("create the cache folder", cache_dir, e))?;
    let bytes = encode(dataset).map_err(|reason| {
        DataError::io("encode the cache", &path, std::io::Error::other(reason))
    })?;
    crate::fsutil::write_atomic(&path, &bytes)
        .map_err(|e| DataError::io("write the cache", &path, e))?;
    prune(cache_dir, &path);
    Ok(path)
}

/// Removes old data set cache files, keeping the newest few and `keep`.
fn prune(cache_dir: &Path, keep: &Path) {
    let Ok(entries) = std::fs::read_dir(cache_dir) else {
        return;
    };
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.starts_with("dataset-") && name.ends_with(".bin") && p != keep
        })
        .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
        .collect();
    files.sort_by_key(|f| std::cmp::Reverse(f.0));
    for (_, old) in files.into_iter().skip(KEEP_CACHE_FILES.saturating_sub(1)) {
        let _ = std::fs::remove_file(old);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::split::Split;

    fn tiny() -> Dataset {
        Dataset {
            config: PreprocessConfig::default(),
            pieces: vec![PieceInfo {
                id: "demo:x#1".into(),
                title: "x".into(),
                source: "x.abc".into(),
                split: Split::Train,
                estimated_key: None,
                shift: 0,
                notes: 1,
                steps: 3,
                lowest: 60,
                highest: 60,
                offset: 0,
                metre: None,
            }],
            stats: DatasetStats::default(),
            from_cache: false,
            cache_key: 42,
            tokens: vec![39, 89, 88],
        }
    }

    #[test]
    fn round_trip_and_every_kind_of_damage_is_caught() {
        let config = PreprocessConfig::default();
        let bytes = encode(&tiny()).unwrap();
        let back = decode(&bytes, 42, &config).unwrap();
        assert!(back.from_cache);
        assert_eq!(back.tokens, vec![39, 89, 88]);
        assert_eq!(back.pieces, tiny().pieces);

        assert!(decode(&bytes, 43, &config).unwrap_err().contains("key"));
        assert!(
            decode(&bytes[..20], 42, &config)
                .unwrap_err()
                .contains("short")
        );
        assert!(
            decode(&bytes[..bytes.len() - 1], 42, &config)
                .unwrap_err()
                .contains("announces")
        );
        let mut flipped = bytes.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert!(
            decode(&flipped, 42, &config)
                .unwrap_err()
                .contains("checksum")
        );
        let mut magic = bytes.clone();
        magic[0] = b'X';
        assert!(decode(&magic, 42, &config).unwrap_err().contains("magic"));
        let other = PreprocessConfig {
            stride: 3,
            ..PreprocessConfig::default()
        };
        assert!(decode(&bytes, 42, &other).unwrap_err().contains("settings"));
        // A token outside the vocabulary, with a checksum that matches: still refused.
        let mut bad = tiny();
        bad.tokens[2] = 200;
        let bad_bytes = encode(&bad).unwrap();
        assert!(
            decode(&bad_bytes, 42, &config)
                .unwrap_err()
                .contains("vocabulary")
        );
        // Pieces that do not cover the tokens.
        let mut gap = tiny();
        gap.pieces[0].steps = 2;
        assert!(
            decode(&encode(&gap).unwrap(), 42, &config)
                .unwrap_err()
                .contains("cover")
        );
    }

    #[test]
    fn old_cache_files_are_pruned() {
        let dir = tempfile::tempdir().unwrap();
        for key in 0..12u64 {
            let mut d = tiny();
            d.cache_key = key;
            save(dir.path(), &d).unwrap();
        }
        let count = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(count, KEEP_CACHE_FILES);
        assert!(cache_path(dir.path(), 11).is_file());
        // Other files in the folder are left alone.
        std::fs::write(dir.path().join("other.bin"), b"x").unwrap();
        save(dir.path(), &tiny()).unwrap();
        assert!(dir.path().join("other.bin").is_file());
    }
}
