//! `gan-studio dataset ...`: get and describe training data.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::data::fetch;
use crate::data::{LoadOptions, PreprocessConfig, Progress, load_dataset, source_for};

/// Arguments of `gan-studio dataset`.
#[derive(Debug, Args)]
pub struct DatasetArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: DatasetCommand,
}

/// The dataset actions.
#[derive(Debug, Subcommand)]
pub enum DatasetCommand {
    /// Download the Essen folk set (Erk subset, ABC) into the per-user data folder, unless it
    /// is already there. Set GAN_STUDIO_DATA to use another folder.
    Fetch,
    /// Load a data set (preprocessing it, or from the cache) and print pieces, notes, pitch
    /// range, key and duration histograms, windows and the files skipped with reasons.
    Stats {
        /// A folder of MIDI files, a zip archive, a MAESTRO folder, or ABC file(s); default:
        /// the folk set when fetched, else the built-in demo melodies.
        path: Option<PathBuf>,
        /// List every skipped file (the default lists the first 20).
        #[arg(long)]
        all_skipped: bool,
        /// Ignore the cache (rebuild it).
        #[arg(long)]
        no_cache: bool,
    },
}

/// Runs a dataset action.
pub fn run(args: &DatasetArgs) -> anyhow::Result<ExitCode> {
    match &args.action {
        DatasetCommand::Stats {
            path,
            all_skipped,
            no_cache,
        } => stats(path.as_deref(), *all_skipped, *no_cache),
        DatasetCommand::Fetch => {
            let dir = fetch::folk_dir()?;
            if fetch::folk_is_present_in(&dir) {
                writeln!(
                    std::io::stdout(),
                    "The folk set is already in {}",
                    dir.display()
                )?;
            } else {
                writeln!(
                    std::io::stdout(),
                    "Fetching the Essen folk set (music21 {})...",
                    fetch::MUSIC21_VERSION
                )?;
                fetch::fetch_folk()?;
                writeln!(std::io::stdout(), "Fetched into {}", dir.display())?;
            }
            writeln!(std::io::stdout(), "\n{}", fetch::FOLK_LICENSE_NOTICE)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn stats(
    path: Option<&std::path::Path>,
    all_skipped: bool,
    no_cache: bool,
) -> anyhow::Result<ExitCode> {
    let source = source_for(path)?;
    let (sender, receiver) = mpsc::channel();
    let options = LoadOptions {
        cache_dir: if no_cache {
            None
        } else {
            Some(fetch::cache_dir()?)
        },
        progress: Some(sender),
        ..LoadOptions::default()
    };
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} files {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let config = PreprocessConfig::default();
    let dataset = std::thread::scope(|scope| {
        // The loader owns the options (and so the sender): the channel closes when it ends.
        let loader =
            scope.spawn(move || load_dataset(std::slice::from_ref(&source), &config, &options));
        for message in receiver.iter() {
            match message {
                Progress::Started { files } => bar.set_length(files as u64),
                Progress::FileDone { done, .. } => bar.set_position(done as u64),
                Progress::CacheHit { path } => {
                    bar.println(format!("loaded from the cache {}", path.display()))
                }
                Progress::CacheRejected { reason, .. } => {
                    bar.println(format!("cache rebuilt: {reason}"))
                }
                Progress::Warning { message } => bar.println(format!("warning: {message}")),
                _ => {}
            }
        }
        loader.join()
    });
    bar.finish_and_clear();
    let dataset = dataset.map_err(|_| anyhow::anyhow!("the data set loader crashed"))??;
    if all_skipped {
        writeln!(std::io::stdout(), "{:#}", dataset.stats)?;
    } else {
        writeln!(std::io::stdout(), "{}", dataset.stats)?;
    }
    Ok(ExitCode::SUCCESS)
}
