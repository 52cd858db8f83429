//! `gan-studio bench import`: how fast Standard MIDI Files are read, side by side with Python's
//! `mido` reading the same files.
//!
//! A synthetic corpus (SMF format 1, several resolutions, tempo changes, chords, 1 to 4 parts)
//! is written to a temporary folder from a fixed seed; then every file is read from disk and
//! parsed into a [`Piece`], `runs` times after a warm-up. Files are read one at a time and
//! dropped, so memory is bounded by the largest file, not by the corpus. When a Python with
//! `mido` is available the same files are read by `mido.MidiFile` in a child process
//! (`scripts/bench_import_mido.py`), and both figures and their ratio are printed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::Context;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{median, median_f64, peak_rss_mb, time_runs};
use crate::music::{
    Channel, Note, Part, Piece, Pitch, Program, TempoChange, TempoMap, TimeSignature,
    TimeSignatureChange, Velocity, sort_notes,
};

/// The Python helper that reads the same corpus with `mido` (kept in the repository so the
/// comparison can be rerun by hand: `python3 scripts/bench_import_mido.py --runs 5 DIR`).
const MIDO_SCRIPT: &str = include_str!("../../scripts/bench_import_mido.py");

/// Settings of the import benchmark.
#[derive(Clone, Debug)]
pub struct ImportBench {
    /// How many files the synthetic corpus has.
    pub files: usize,
    /// Timed runs over the whole corpus (the median is printed).
    pub runs: usize,
    /// Untimed runs before timing.
    pub warmup: usize,
    /// Seed of the synthetic corpus.
    pub seed: u64,
    /// The Python interpreter that has `mido` (None: skip the comparison).
    pub python: Option<PathBuf>,
}

impl Default for ImportBench {
    fn default() -> Self {
        ImportBench {
            files: 1000,
            runs: 5,
            warmup: 1,
            seed: 1,
            python: Some(PathBuf::from("python3")),
        }
    }
}

/// What was generated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CorpusStats {
    /// Files written.
    pub files: usize,
    /// Their total size in bytes.
    pub bytes: u64,
    /// Their total number of notes.
    pub notes: usize,
    /// The size of the largest file.
    pub largest_file: u64,
}

/// One synthetic piece: 1-4 parts of 50-1,500 notes with chords, a few tempo changes and a
/// time signature, at a random resolution.
pub fn synthetic_piece(rng: &mut StdRng, index: usize) -> anyhow::Result<Piece> {
    const RESOLUTIONS: [u16; 6] = [96, 120, 192, 384, 480, 960];
    let tpq = RESOLUTIONS[rng.random_range(0..RESOLUTIONS.len())];
    let mut piece = Piece::new(tpq)?;
    piece.title = format!("synthetic {index}");
    let step = u64::from(tpq) / 4;
    let mut changes = vec![];
    for i in 0..rng.random_range(1..4u64) {
        changes.push(TempoChange {
            tick: i * 64 * step,
            micros_per_quarter: rng.random_range(300_000..900_000),
        });
    }
    piece.tempo_map = TempoMap::new(changes)?;
    piece.time_signatures.push(TimeSignatureChange {
        tick: 0,
        signature: TimeSignature::new(rng.random_range(2..=7), 4)?,
    });
    for p in 0..rng.random_range(1..=4u8) {
        let mut notes = Vec::new();
        let mut tick = 0;
        for _ in 0..rng.random_range(50..1500) {
            let chord = if rng.random_bool(0.2) { 3 } else { 1 };
            let duration = step * rng.random_range(1..=8);
            for c in 0..chord {
                let pitch = Pitch::new(rng.random_range(36..90u8) + c * 4)?;
                let velocity = Velocity::new(rng.random_range(30..=120))?;
                notes.push(Note::new(pitch, tick, duration, velocity)?);
            }
            tick += step * rng.random_range(1..=6);
        }
        sort_notes(&mut notes);
        // Two chord tones drawn on one key are one strike in a file: keep one.
        notes.dedup_by_key(|n| (n.start, n.pitch));
        piece.parts.push(Part {
            name: format!("part {p}"),
            program: Program::new(rng.random_range(0..8))?,
            channel: Channel::new(p)?,
            notes,
        });
    }
    Ok(piece)
}

/// Writes `files` synthetic MIDI files into `dir` from `seed`.
pub fn write_corpus(dir: &Path, files: usize, seed: u64) -> anyhow::Result<CorpusStats> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut stats = CorpusStats::default();
    for i in 0..files {
        let piece = synthetic_piece(&mut rng, i)?;
        let path = dir.join(format!("synthetic_{i:05}.mid"));
        let bytes = crate::midi::write_bytes(&piece)?;
        crate::fsutil::write_atomic(&path, &bytes)
            .with_context(|| format!("writing {}", path.display()))?;
        stats.files += 1;
        stats.bytes += bytes.len() as u64;
        stats.largest_file = stats.largest_file.max(bytes.len() as u64);
        stats.notes += piece.note_count();
    }
    Ok(stats)
}

/// Reads every file from disk into a piece, one at a time; returns the notes read.
pub fn read_corpus(paths: &[PathBuf]) -> anyhow::Result<usize> {
    let mut notes = 0;
    for path in paths {
        notes += crate::midi::read_file(path)?.piece.note_count();
    }
    Ok(notes)
}

/// Figures reported by the mido helper.
#[derive(Clone, Copy, Debug)]
struct MidoFigures {
    median_seconds: f64,
    notes: usize,
}

fn run_mido(python: &Path, dir: &Path, runs: usize) -> anyhow::Result<MidoFigures> {
    let script = dir.join("bench_import_mido.py");
    std::fs::write(&script, MIDO_SCRIPT)?;
    let output = Command::new(python)
        .arg(&script)
        .arg("--runs")
        .arg(runs.to_string())
        .arg(dir)
        .output()
        .with_context(|| format!("running {}", python.display()))?;
    if !output.status.success() {
        anyhow::bail!(
            "the mido reader failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let mut seconds = Vec::new();
    let mut notes = 0;
    for line in text.lines() {
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("run_seconds"), Some(v)) => seconds.push(v.parse::<f64>()?),
            (Some("notes"), Some(v)) => notes = v.parse()?,
            _ => {}
        }
    }
    if seconds.is_empty() {
        anyhow::bail!("the mido reader printed no timings");
    }
    Ok(MidoFigures {
        median_seconds: median_f64(&seconds),
        notes,
    })
}

/// Runs the benchmark and prints `name value unit` lines to `out`.
pub fn run(settings: &ImportBench, out: &mut impl Write) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("gan-studio-bench-import-{}", std::process::id()));
    // Removed on a signal too (see `crate::fsutil::track_temporary`).
    let _tracked = crate::fsutil::track_temporary(&dir);
    let result = run_in(settings, &dir, out);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn run_in(settings: &ImportBench, dir: &Path, out: &mut impl Write) -> anyhow::Result<()> {
    let stats = write_corpus(dir, settings.files, settings.seed)?;
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "mid"))
        .collect();
    paths.sort();
    let mb = stats.bytes as f64 / 1e6;
    writeln!(out, "corpus_files {} files", stats.files)?;
    writeln!(out, "corpus_size {mb:.2} MB")?;
    writeln!(out, "corpus_notes {} notes", stats.notes)?;
    writeln!(
        out,
        "largest_file {:.1} KB",
        stats.largest_file as f64 / 1e3
    )?;
    out.flush()?;

    let mut notes_read = 0;
    let mut failure = None;
    let times = time_runs(
        settings.warmup,
        settings.runs.max(1),
        || match read_corpus(&paths) {
            Ok(n) => notes_read = n,
            Err(e) => failure = Some(e),
        },
    );
    if let Some(e) = failure {
        return Err(e);
    }
    anyhow::ensure!(
        notes_read == stats.notes,
        "read {notes_read} notes, wrote {}",
        stats.notes
    );
    let ours = median(&times).max(Duration::from_nanos(1)).as_secs_f64();
    writeln!(out, "import_seconds {ours:.4} s")?;
    writeln!(out, "import_mb_per_s {:.1} MB/s", mb / ours)?;
    writeln!(
        out,
        "import_notes_per_s {:.0} notes/s",
        stats.notes as f64 / ours
    )?;
    if let Some(rss) = peak_rss_mb() {
        writeln!(out, "peak_rss_mb {rss:.0} MB")?;
    }
    out.flush()?;

    if let Some(python) = &settings.python {
        match run_mido(python, dir, settings.runs.max(1)) {
            Ok(mido) => {
                writeln!(out, "mido_import_seconds {:.4} s", mido.median_seconds)?;
                writeln!(out, "mido_mb_per_s {:.1} MB/s", mb / mido.median_seconds)?;
                writeln!(
                    out,
                    "mido_notes_per_s {:.0} notes/s",
                    mido.notes as f64 / mido.median_seconds
                )?;
                writeln!(out, "speedup_vs_mido {:.1} x", mido.median_seconds / ours)?;
                if mido.notes != stats.notes {
                    writeln!(
                        out,
                        "warning: mido counted {} notes, we wrote {}",
                        mido.notes, stats.notes
                    )?;
                }
            }
            Err(e) => writeln!(out, "mido comparison skipped: {e:#}")?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corpus_is_deterministic_and_reads_back() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let sa = write_corpus(a.path(), 3, 7).unwrap();
        let sb = write_corpus(b.path(), 3, 7).unwrap();
        assert_eq!(sa, sb);
        assert_eq!(sa.files, 3);
        let mut paths: Vec<_> = std::fs::read_dir(a.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        assert_eq!(read_corpus(&paths).unwrap(), sa.notes);
        let first_a = std::fs::read(&paths[0]).unwrap();
        let first_b = std::fs::read(b.path().join("synthetic_00000.mid")).unwrap();
        assert_eq!(first_a, first_b);
    }
}
