//! `gan-studio bench dataset`: how fast data sets become cached tokens.
//!
//! 1. **Folk set** (when fetched): the Erk subset from its three ABC files to cached tokens,
//!    cold (an empty cache folder each run: hashing, reading, preprocessing on the configured
//!    threads, saving the cache), then warm (loading the cache file). Targets: under 2 s cold
//!    on 2 cores, under 100 ms warm.
//! 2. **Synthetic MAESTRO**: a MAESTRO v3-shaped folder (CSV metadata with the split column,
//!    `YEAR/name.midi` files) of about 1,300 piano performances and 7 million notes, generated
//!    from a fixed seed (unquantized onsets, two hands, chords, pedal-like overlaps), imported
//!    cold and warm. Target: under 30 s cold.
//!
//! Each figure is the median of several runs and printed as a `name value unit` line.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::bench::{median, peak_rss_mb, time_runs};
use crate::data::{DataSource, Dataset, LoadOptions, PreprocessConfig, Split, load_dataset};
use crate::music::{Note, Part, Piece, Pitch, TempoMap, Velocity, sort_notes};

/// Settings of the data set benchmark.
#[derive(Clone, Debug)]
pub struct DatasetBench {
    /// The folk set's folder (`None`: the data directory's; the part is skipped with a notice
    /// when the set is not there).
    pub folk_dir: Option<PathBuf>,
    /// Timed cold runs of the folk set (its warm loads run 5 times as many).
    pub folk_runs: usize,
    /// Files of the synthetic MAESTRO corpus (0 skips it).
    pub maestro_files: usize,
    /// Notes of the synthetic MAESTRO corpus in all.
    pub maestro_notes: usize,
    /// Timed cold runs of the synthetic MAESTRO corpus.
    pub maestro_runs: usize,
    /// Reading threads.
    pub threads: usize,
    /// Seed of the synthetic corpus.
    pub seed: u64,
}

impl Default for DatasetBench {
    fn default() -> Self {
        DatasetBench {
            folk_dir: None,
            folk_runs: 5,
            maestro_files: 1_300,
            maestro_notes: 7_000_000,
            maestro_runs: 3,
            threads: 2,
            seed: 1,
        }
    }
}

/// What the synthetic MAESTRO corpus holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MaestroCorpus {
    /// MIDI files written.
    pub files: usize,
    /// Their notes.
    pub notes: usize,
    /// Their total size in bytes.
    pub bytes: u64,
}

/// One synthetic piano performance of about `notes` notes at 384 ticks per quarter (as in
/// MAESTRO): a right-hand line with occasional dyads and a left hand of broken chords and
/// bass notes, onsets and releases off the grid by a few ticks, notes overlapping as under
/// the sustain pedal.
pub fn synthetic_performance(rng: &mut StdRng, title: &str, notes: usize) -> anyhow::Result<Piece> {
    const TPQ: u16 = 384;
    let mut piece = Piece::new(TPQ)?;
    piece.title = title.to_string();
    piece.tempo_map = TempoMap::constant(500_000)?;
    let sixteenth = u64::from(TPQ) / 4;
    let jitter = |rng: &mut StdRng, tick: u64| (tick + rng.random_range(0..=24)).saturating_sub(12);
    let mut right = Vec::with_capacity(notes * 3 / 5);
    let mut left = Vec::with_capacity(notes * 2 / 5);
    let (mut tick, mut pitch) = (0u64, 72i32);
    let mut count = 0;
    while count < notes {
        // Right hand: a wandering line, sometimes a dyad a third or sixth below.
        let steps = [1, 1, 2, 2, 2, 3, 4, 4, 6, 8][rng.random_range(0..10)];
        pitch = (pitch + rng.random_range(-4..=4)).clamp(60, 96);
        let length = sixteenth * steps + rng.random_range(0..sixteenth * 2);
        let start = jitter(rng, tick);
        let velocity = Velocity::new(rng.random_range(40..=110))?;
        right.push(Note::new(Pitch::from_i32(pitch)?, start, length, velocity)?);
        count += 1;
        if rng.random_bool(0.25) {
            let below = pitch - [3, 4, 8, 9][rng.random_range(0..4)];
            right.push(Note::new(Pitch::from_i32(below)?, start, length, velocity)?);
            count += 1;
        }
        // Left hand: on each beat a bass note or a broken chord, held long.
        if tick % (4 * sixteenth) == 0 {
            let root = rng.random_range(36..=52);
            for (i, interval) in [0, 7, 12, 16]
                .iter()
                .enumerate()
                .take(rng.random_range(1..=4))
            {
                let start = jitter(rng, tick + i as u64 * sixteenth / 2);
                let velocity = Velocity::new(rng.random_range(30..=90))?;
                left.push(Note::new(
                    Pitch::from_i32(root + interval)?,
                    start,
                    sixteenth * rng.random_range(4..=12),
                    velocity,
                )?);
                count += 1;
            }
        }
        tick += sixteenth * steps.min(4);
    }
    sort_notes(&mut right);
    sort_notes(&mut left);
    piece.parts.push(Part {
        notes: right,
        ..Part::new("Right hand")
    });
    piece.parts.push(Part {
        notes: left,
        ..Part::new("Left hand")
    });
    Ok(piece)
}

/// Writes a synthetic MAESTRO v3-shaped corpus into `dir`: `maestro-v3.0.0.csv` and `files`
/// MIDI files of about `notes / files` notes each (±40%), 75% train, 11% validation, 14%
/// test as in MAESTRO.
pub fn write_maestro_corpus(
    dir: &Path,
    files: usize,
    notes: usize,
    seed: u64,
) -> anyhow::Result<MaestroCorpus> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut corpus = MaestroCorpus::default();
    let mut csv = String::from(
        "canonical_composer,canonical_title,split,year,midi_filename,audio_filename,duration\n",
    );
    let per_file = notes / files.max(1);
    for i in 0..files {
        let year = 2004 + i % 15;
        let name = format!("{year}/synthetic_{i:05}.midi");
        let size = per_file * rng.random_range(60..=140) / 100;
        let piece = synthetic_performance(&mut rng, &format!("Synthetic {i}"), size)?;
        let bytes = crate::midi::write_bytes(&piece)?;
        let path = dir.join(&name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        crate::fsutil::write_atomic(&path, &bytes)
            .with_context(|| format!("writing {}", path.display()))?;
        let split = match rng.random_range(0..100) {
            0..75 => "train",
            75..86 => "validation",
            _ => "test",
        };
        csv.push_str(&format!(
            "\"Composer {}, Synthetic\",\"Piece {i}, op. {}\",{split},{year},{name},{},{:.1}\n",
            i % 60,
            i % 30,
            name.replace(".midi", ".wav"),
            piece.duration_seconds()
        ));
        corpus.files += 1;
        corpus.notes += piece.note_count();
        corpus.bytes += bytes.len() as u64;
    }
    crate::fsutil::write_atomic(&dir.join(crate::data::maestro::MAESTRO_CSV), csv.as_bytes())
        .context("writing the MAESTRO metadata")?;
    Ok(corpus)
}

/// Times cold loads (each into an empty cache folder) and warm loads (from the cache).
/// Returns the cold and warm medians and the last data set.
fn time_loads(
    source: &DataSource,
    cache: &Path,
    threads: usize,
    cold_runs: usize,
    warm_runs: usize,
) -> anyhow::Result<(Duration, Duration, Dataset)> {
    let config = PreprocessConfig::default();
    let options = LoadOptions {
        threads,
        ..LoadOptions::with_cache(cache)
    };
    let sources = std::slice::from_ref(source);
    let mut failure = None;
    let mut last = None;
    let cold = time_runs(0, cold_runs.max(1), || {
        let _ = std::fs::remove_dir_all(cache);
        match load_dataset(sources, &config, &options) {
            Ok(d) => last = Some(d),
            Err(e) => failure = Some(e),
        }
    });
    let mut missed = false;
    let warm = time_runs(1, warm_runs.max(1), || {
        match load_dataset(sources, &config, &options) {
            Ok(d) => {
                missed |= !d.from_cache;
                last = Some(d);
            }
            Err(e) => failure = Some(e),
        }
    });
    if let Some(e) = failure {
        return Err(anyhow::anyhow!(e).context("loading the data set"));
    }
    anyhow::ensure!(!missed, "a warm load did not come from the cache");
    let dataset = last.context("no run completed")?;
    Ok((median(&cold), median(&warm), dataset))
}

fn print_dataset(out: &mut impl Write, prefix: &str, dataset: &Dataset) -> anyhow::Result<()> {
    let stats = &dataset.stats;
    writeln!(out, "{prefix}_pieces {} pieces", stats.pieces.total())?;
    writeln!(out, "{prefix}_skipped {} items", stats.skipped.len())?;
    writeln!(out, "{prefix}_source_notes {} notes", stats.source_notes)?;
    writeln!(out, "{prefix}_melody_notes {} notes", stats.notes)?;
    writeln!(out, "{prefix}_steps {} steps", stats.steps)?;
    writeln!(
        out,
        "{prefix}_train_windows {} windows",
        dataset.window_count(Split::Train)
    )?;
    Ok(())
}

/// Runs the benchmark and prints `name value unit` lines to `out`.
pub fn run(settings: &DatasetBench, out: &mut impl Write) -> anyhow::Result<()> {
    let work =
        std::env::temp_dir().join(format!("gan-studio-bench-dataset-{}", std::process::id()));
    // Removed on a signal too (see `crate::fsutil::track_temporary`).
    let _tracked = crate::fsutil::track_temporary(&work);
    let result = run_in(settings, &work, out);
    let _ = std::fs::remove_dir_all(&work);
    result
}

fn run_in(settings: &DatasetBench, work: &Path, out: &mut impl Write) -> anyhow::Result<()> {
    writeln!(out, "threads {} threads", settings.threads)?;
    let folk = match &settings.folk_dir {
        Some(dir) => Some(dir.clone()),
        None => crate::data::fetch::folk_dir().ok(),
    };
    match folk.filter(|d| crate::data::fetch::folk_is_present_in(d)) {
        Some(dir) => {
            let (cold, warm, dataset) = time_loads(
                &DataSource::Folk(dir),
                &work.join("folk-cache"),
                settings.threads,
                settings.folk_runs,
                settings.folk_runs * 5,
            )?;
            print_dataset(out, "folk", &dataset)?;
            writeln!(out, "folk_cold_ms {:.1} ms", cold.as_secs_f64() * 1e3)?;
            writeln!(out, "folk_warm_ms {:.2} ms", warm.as_secs_f64() * 1e3)?;
        }
        None => writeln!(
            out,
            "folk skipped: the folk set is not fetched (run `gan-studio dataset fetch`)"
        )?,
    }
    out.flush()?;
    if settings.maestro_files > 0 {
        let root = work.join("maestro-v3.0.0");
        let corpus = write_maestro_corpus(
            &root,
            settings.maestro_files,
            settings.maestro_notes,
            settings.seed,
        )?;
        writeln!(out, "maestro_files {} files", corpus.files)?;
        writeln!(out, "maestro_notes {} notes", corpus.notes)?;
        writeln!(out, "maestro_size {:.1} MB", corpus.bytes as f64 / 1e6)?;
        out.flush()?;
        let (cold, warm, dataset) = time_loads(
            &DataSource::Maestro(root),
            &work.join("maestro-cache"),
            settings.threads,
            settings.maestro_runs,
            settings.maestro_runs,
        )?;
        print_dataset(out, "maestro", &dataset)?;
        writeln!(out, "maestro_cold_s {:.2} s", cold.as_secs_f64())?;
        writeln!(out, "maestro_warm_ms {:.1} ms", warm.as_secs_f64() * 1e3)?;
        writeln!(
            out,
            "maestro_notes_per_s {:.0} notes/s",
            corpus.notes as f64 / cold.as_secs_f64().max(1e-9)
        )?;
    }
    if let Some(rss) = peak_rss_mb() {
        writeln!(out, "peak_rss_mb {rss:.0} MB")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_synthetic_maestro_corpus_is_deterministic_and_loads() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let ca = write_maestro_corpus(a.path(), 6, 6_000, 3).unwrap();
        let cb = write_maestro_corpus(b.path(), 6, 6_000, 3).unwrap();
        assert_eq!(ca, cb);
        assert_eq!(ca.files, 6);
        // ±40% per file around 1,000 notes.
        assert!((3_600..=8_400).contains(&ca.notes), "{}", ca.notes);
        let csv = std::fs::read(a.path().join("maestro-v3.0.0.csv")).unwrap();
        assert_eq!(
            csv,
            std::fs::read(b.path().join("maestro-v3.0.0.csv")).unwrap()
        );
        let dataset = load_dataset(
            &[DataSource::Maestro(a.path().into())],
            &PreprocessConfig::default(),
            &LoadOptions::default(),
        )
        .unwrap();
        assert_eq!(dataset.pieces.len(), 6);
        assert!(dataset.stats.skipped.is_empty());
        assert_eq!(dataset.stats.source_notes, ca.notes as u64);
    }
}
