//! `gan-studio generate`: continue a seed melody with a trained model and write MIDI, ABC or
//! MusicXML files.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use crate::export::ExportFormat;
use crate::generate::{GenerateOptions, Seed, default_model, generate};
use crate::models::load_model;
use crate::music::{Key, Metre, Pitch, TempoMap};

/// Arguments of `gan-studio generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// A model: a training run folder, a folder with `generator.gsw`, or a `.gsw` file;
    /// default: the pretrained model built into the program.
    #[arg(long, value_name = "PATH")]
    pub model: Option<PathBuf>,
    /// The seed as tokens, one per 16th note: MIDI numbers or names, `_` holds, `r` rests,
    /// e.g. "67 _ 67 _ 65 64 _ r".
    #[arg(long, value_name = "TOKENS", conflicts_with = "seed_file")]
    pub seed_melody: Option<String>,
    /// The seed from a MIDI or ABC file (its notes, tempo and metre).
    #[arg(long, value_name = "FILE")]
    pub seed_file: Option<PathBuf>,
    /// The random seed: the same inputs and seed give the same melodies.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub rng_seed: u64,
    /// Sampling temperature: 0 = always the likeliest note, 0.1-2 from safe to adventurous.
    #[arg(long, value_name = "T", default_value_t = 1.0)]
    pub temperature: f32,
    /// Length of the continuation in bars.
    #[arg(long, value_name = "N", default_value_t = 8, conflicts_with = "steps")]
    pub bars: u64,
    /// Length of the continuation in 16th-note steps (instead of bars).
    #[arg(long, value_name = "N")]
    pub steps: Option<u64>,
    /// How many variations.
    #[arg(long, value_name = "K", default_value_t = 1)]
    pub variations: usize,
    /// The key of the piece, e.g. `C:major`, `A minor`, `F#m`; default: the seed's key.
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,
    /// Keep every note in the key's scale.
    #[arg(long)]
    pub constrain: bool,
    /// Lowest pitch allowed (e.g. `C4` or `60`).
    #[arg(long, value_name = "PITCH")]
    pub low: Option<String>,
    /// Highest pitch allowed.
    #[arg(long, value_name = "PITCH")]
    pub high: Option<String>,
    /// Tempo in BPM when the seed gives none (typed seeds).
    #[arg(long, value_name = "BPM")]
    pub tempo: Option<f64>,
    /// The metre of a tune generated from nothing or from typed tokens, e.g. `6/8` (a seed
    /// file brings its own); the models know 4/4, 3/4, 2/4, 6/8, 3/8, 2/2, 9/8, 12/8, 6/4 and
    /// 3/2.
    #[arg(long, value_name = "N/D", conflicts_with = "seed_file")]
    pub metre: Option<String>,
    /// Always generate the full length: do not stop where the model ends the tune (by
    /// default a tune ends when the model ends it, after at most `--bars`).
    #[arg(long)]
    pub full_length: bool,
    /// Folder for the files (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// File format of the melodies: MIDI (`.mid`), ABC (`.abc`) or MusicXML (`.musicxml`).
    #[arg(long, value_enum, default_value_t = ExportFormat::Midi)]
    pub format: ExportFormat,
}

fn parse_pitch(text: &str) -> anyhow::Result<Pitch> {
    text.parse::<Pitch>()
        .map_err(|e| anyhow::anyhow!("bad pitch {text:?}: {e}"))
}

/// Runs `gan-studio generate`.
pub fn run(args: &GenerateArgs) -> anyhow::Result<ExitCode> {
    let model = match &args.model {
        Some(path) => load_model(path)?,
        None => default_model()?,
    };
    let mut seed = match (&args.seed_melody, &args.seed_file) {
        (Some(text), _) => Seed::from_tokens_text(text)?,
        (None, Some(path)) => Seed::from_file(path)?,
        (None, None) => Seed::empty(),
    };
    if let Some(text) = &args.metre {
        let metre: Metre = text
            .parse()
            .map_err(|e| anyhow::anyhow!("bad --metre {text:?}: {e}"))?;
        seed.time_signature = metre.signature();
    }
    if let Some(bpm) = args.tempo {
        if !(bpm.is_finite() && (10.0..=400.0).contains(&bpm)) {
            anyhow::bail!("--tempo must be 10..=400 BPM, got {bpm}");
        }
        seed.tempo_map = TempoMap::from_bpm(bpm);
    }
    let key = args
        .key
        .as_deref()
        .map(|k| {
            k.parse::<Key>()
                .map_err(|e| anyhow::anyhow!("bad --key {k:?}: {e}"))
        })
        .transpose()?;
    let pitch_range = match (&args.low, &args.high) {
        (None, None) => None,
        (low, high) => Some((
            low.as_deref().map_or(Ok(Pitch::PIANO_LOW), parse_pitch)?,
            high.as_deref().map_or(Ok(Pitch::PIANO_HIGH), parse_pitch)?,
        )),
    };
    let steps = args.steps.unwrap_or_else(|| {
        args.bars
            .saturating_mul(u64::from(seed.time_signature.sixteenths_per_bar()))
    });
    let options = GenerateOptions {
        temperature: args.temperature,
        rng_seed: args.rng_seed,
        steps,
        variations: args.variations,
        key,
        constrain_to_key: args.constrain,
        pitch_range,
        stop_at_end: !args.full_length,
    };
    let generated = generate(&model, &seed, &options)?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("could not create {}", args.out.display()))?;
    let mut stdout = std::io::stdout().lock();
    for (i, g) in generated.iter().enumerate() {
        let path = args
            .out
            .join(format!("variation-{}.{}", i + 1, args.format.extension()));
        crate::export::export(&path, &g.piece, args.format)?;
        writeln!(stdout, "{}", path.display())?;
    }
    Ok(ExitCode::SUCCESS)
}
