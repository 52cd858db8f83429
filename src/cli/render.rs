//! `gan-studio render FILE.mid --out FILE.wav`: offline rendering with a SoundFont.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::audio::{
    NORMALIZED_PEAK_DBFS, RenderOptions, SampleFormat, SoundFont, render_midi_file_to_wav,
};

/// Arguments of `gan-studio render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The MIDI file to render.
    #[arg(value_name = "FILE.mid")]
    pub input: PathBuf,
    /// The WAV file to write (replaced atomically).
    #[arg(long, value_name = "FILE.wav")]
    pub out: PathBuf,
    /// A SoundFont (.sf2) to play with; default: the built-in piano.
    #[arg(long, value_name = "FILE.sf2")]
    pub soundfont: Option<PathBuf>,
    /// Sample rate in Hz.
    #[arg(long, default_value_t = 44_100, value_name = "44100|48000")]
    pub rate: u32,
    /// Write 32-bit float samples instead of 16-bit integers.
    #[arg(long)]
    pub float: bool,
    /// Seconds to let the sound ring out after the last note.
    #[arg(long, default_value_t = 2.0, value_name = "SECONDS")]
    pub tail: f64,
    /// Keep the synthesizer's own level instead of normalizing the peak to -1 dBFS.
    #[arg(long)]
    pub raw_level: bool,
}

/// Renders the file and prints what was written.
pub fn run(args: &RenderArgs) -> anyhow::Result<ExitCode> {
    if args.rate != 44_100 && args.rate != 48_000 {
        anyhow::bail!("--rate must be 44100 or 48000, got {}", args.rate);
    }
    if !(0.0..=60.0).contains(&args.tail) {
        anyhow::bail!("--tail must be between 0 and 60 seconds, got {}", args.tail);
    }
    let soundfont = args.soundfont.as_deref().map(SoundFont::load).transpose()?;
    let options = RenderOptions {
        sample_rate: args.rate,
        soundfont,
        tail_seconds: args.tail,
        normalize_dbfs: (!args.raw_level).then_some(NORMALIZED_PEAK_DBFS),
        ..RenderOptions::default()
    };
    let format = if args.float {
        SampleFormat::Float32
    } else {
        SampleFormat::Int16
    };
    let summary = render_midi_file_to_wav(&args.input, &args.out, &options, format)?;
    writeln!(
        std::io::stdout(),
        "{}: {:.2} s at {} Hz, peak {:.1} dBFS",
        args.out.display(),
        summary.seconds,
        summary.sample_rate,
        20.0 * summary.peak.max(1e-9).log10()
    )?;
    Ok(ExitCode::SUCCESS)
}
