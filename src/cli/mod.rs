//! The command line: `gan-studio` with no subcommand opens the studio; subcommands run
//! headless and call the same library functions as the studio.

mod bench;
mod dataset;
mod eval;
mod eval_model;
mod generate;
mod info;
mod interrupt;
mod render;
mod train;
mod train_stop;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

/// The notice of the SoundFonts shipped in `assets/soundfonts/` (the built-in piano is
/// embedded in the binary, so its MIT notice travels with it).
const SOUNDFONT_NOTICE: &str = include_str!("../../assets/soundfonts/NOTICE.md");

/// GAN Studio: sketch a melody, watch a GAN learn music, generate, listen and export.
#[derive(Debug, Parser)]
#[command(name = "gan-studio", version, about, long_about = None)]
pub struct Cli {
    /// What to do; with none, the studio window opens.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Close the studio window by itself after this many seconds (for smoke tests and
    /// screenshot scripts).
    #[arg(long, value_name = "SECONDS")]
    pub exit_after: Option<f64>,

    /// Open the studio in a prepared state (used by scripts/screenshots.sh).
    #[arg(long, value_enum, hide = true)]
    pub scene: Option<crate::ui::Scene>,

    /// Record frame times and memory into this JSON file at exit (used by `bench ui`).
    #[arg(long, value_name = "FILE", hide = true)]
    pub bench_frames: Option<PathBuf>,

    /// MIDI or ABC files to open in the studio.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// The headless subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print format, tracks, notes, length, tempo, time signature and key of MIDI/ABC files.
    Info(info::InfoArgs),
    /// Train the melody GAN (MLE pre-training, then adversarial training) headless.
    Train(train::TrainArgs),
    /// Render a MIDI file to WAV with the built-in piano or a SoundFont.
    Render(render::RenderArgs),
    /// Get or describe training data.
    Dataset(dataset::DatasetArgs),
    /// Print the licences and notices of the data shipped inside the program (the built-in
    /// piano SoundFont) and of the folk set it downloads.
    Licenses,
    /// Compare generated melodies with reference melodies by the symbolic-music metrics.
    Eval(eval::EvalArgs),
    /// Generate melodies from a seed with a trained model.
    Generate(generate::GenerateArgs),
    /// Run a benchmark and print its figures as `name value unit` lines.
    Bench(bench::BenchArgs),
}

/// Parses the command line, runs it, prints any error once (with its causes) and returns the
/// process exit status. A headless command is interrupted cleanly by SIGINT or SIGTERM (see
/// `src/cli/interrupt.rs`).
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.command.is_some() {
        // First, while this is the only thread (it may set an environment variable).
        crate::train::backend::quiet_probe_without_display();
        interrupt::install();
    }
    match run(cli) {
        Ok(code) => code,
        // A closed pipe (`gan-studio info *.mid | head`) is a normal way to stop reading.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        None => {
            let exit_after = match cli.exit_after {
                Some(s) if s.is_finite() && s >= 0.0 => Some(Duration::from_secs_f64(s)),
                Some(s) => anyhow::bail!("--exit-after must be a number of seconds >= 0, got {s}"),
                None => None,
            };
            crate::ui::run(crate::ui::LaunchOptions {
                exit_after,
                files: cli.files,
                data_dir: None,
                scene: cli.scene,
                bench_frames: cli.bench_frames,
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Info(args)) => info::run(&args),
        Some(Command::Bench(args)) => bench::run(&args),
        Some(Command::Licenses) => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            writeln!(out, "{}", SOUNDFONT_NOTICE)?;
            writeln!(out, "## The Essen folk set (downloaded, not shipped)\n")?;
            writeln!(out, "{}", crate::data::fetch::FOLK_LICENSE_NOTICE)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Dataset(args)) => dataset::run(&args),
        Some(Command::Train(args)) => train::run(&args),
        Some(Command::Render(args)) => render::run(&args),
        Some(Command::Eval(args)) => eval::run(&args),
        Some(Command::Generate(args)) => generate::run(&args),
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
