//! The evaluation table of `models/README.md`: each model continues the first bar of every
//! held-out (validation) melody of the folk set to the melody's length (at most 8 bars), and
//! the continuations are compared with the real melodies by the evaluation suite.
//!
//! `cargo run --release --example model_card -- [LABEL=KIND:PATH ...]`, where KIND is `lstm`
//! (a run folder or `.gsw` file), `crnn` (a C-RNN-GAN run folder) or `markov` (no path:
//! fitted on the training split). Prints a Markdown table; writes `model_card.json`.

use std::sync::Arc;

use gan_studio::data::fetch;
use gan_studio::data::{LoadOptions, PreprocessConfig, Split, load_dataset, source_for};
use gan_studio::eval::{CompareOptions, evaluate};
use gan_studio::generate::{GenerateOptions, MarkovChain, Seed, TokenModel, generate};
use gan_studio::models::load_model;
use gan_studio::music::tokens::{VOCAB_SIZE, decode_notes_lenient};
use gan_studio::music::{Key, Mode, Note, Piece, Velocity};
use gan_studio::train::cpu_device;
use gan_studio::train::crnn::CrnnTrainer;

const STEPS: usize = 128;
const SEED_STEPS: usize = 16;

struct Held {
    ids: Vec<u32>,
    key: Key,
}

fn piece_of(notes: Vec<Note>, title: &str) -> anyhow::Result<Piece> {
    Ok(Piece::from_notes(480, title, notes)?)
}

/// Teacher-forced next-token accuracy over the held-out melodies.
fn accuracy(model: &TokenModel, held: &[Held]) -> anyhow::Result<f64> {
    let (mut right, mut total) = (0usize, 0usize);
    let mut scores = Vec::new();
    for h in held {
        let mut state = model.start(1);
        for pair in h.ids.windows(2) {
            model.advance(&mut state, &pair[..1])?;
            model.scores(&state, &mut scores)?;
            let best = scores
                .iter()
                .enumerate()
                .fold(
                    (0, f32::NEG_INFINITY),
                    |acc, (i, &s)| if s > acc.1 { (i, s) } else { acc },
                )
                .0;
            right += usize::from(best == pair[1] as usize);
            total += 1;
        }
    }
    Ok(right as f64 / total.max(1) as f64)
}

fn main() -> anyhow::Result<()> {
    let specs: Vec<String> = std::env::args().skip(1).collect();
    let source = source_for(None)?;
    let options = LoadOptions {
        cache_dir: fetch::cache_dir().ok(),
        ..LoadOptions::default()
    };
    let dataset = Arc::new(load_dataset(
        std::slice::from_ref(&source),
        &PreprocessConfig::default(),
        &options,
    )?);
    let velocity = Velocity::new(80)?;
    let mut held = Vec::new();
    let mut reference = Vec::new();
    let mut train_ids = Vec::new();
    for (i, info) in dataset.pieces.iter().enumerate() {
        let ids: Vec<u32> = dataset.piece_ids(i).iter().map(|&b| u32::from(b)).collect();
        match info.split {
            Split::Train => train_ids.push(ids),
            Split::Validation if ids.len() >= 2 * SEED_STEPS => {
                let ids: Vec<u32> = ids.into_iter().take(STEPS).collect();
                let key = match info.estimated_key.map(|k| k.mode) {
                    Some(Mode::Minor) => Key::A_MINOR,
                    _ => Key::C_MAJOR,
                };
                let tokens = gan_studio::music::tokens::from_ids(&ids)?;
                let notes = decode_notes_lenient(&tokens, 480, velocity)?;
                reference.push(piece_of(notes, &info.title)?);
                held.push(Held { ids, key });
            }
            _ => {}
        }
    }
    println!(
        "held-out melodies: {} (first {STEPS} steps each); training melodies: {}",
        held.len(),
        train_ids.len()
    );
    let compare = CompareOptions::default();
    let mut rows = Vec::new();
    let mut json = Vec::new();
    for spec in &specs {
        let (label, rest) = spec
            .split_once('=')
            .unwrap_or((spec.as_str(), spec.as_str()));
        let (kind, path) = rest.split_once(':').unwrap_or((rest, ""));
        let started = std::time::Instant::now();
        let (generated, acc): (Vec<Piece>, Option<f64>) = match kind {
            "crnn" => {
                let trainer = CrnnTrainer::load(path.as_ref(), &dataset, &cpu_device())?;
                let mut pieces = trainer.sample(held.len(), 48, 11)?;
                for p in &mut pieces {
                    for part in &mut p.parts {
                        let limit = (STEPS as u64) * u64::from(p.ticks_per_quarter / 4);
                        part.notes.retain(|n| n.start < limit);
                    }
                }
                (pieces, None)
            }
            "lstm" | "markov" => {
                let model = if kind == "markov" {
                    TokenModel::Markov(MarkovChain::fit(
                        VOCAB_SIZE,
                        train_ids.iter().map(Vec::as_slice),
                    ))
                } else {
                    load_model(path.as_ref())?
                };
                let mut out = Vec::new();
                for (i, h) in held.iter().enumerate() {
                    let seed_text = gan_studio::generate::melody::ids_text(&h.ids[..SEED_STEPS]);
                    let seed = Seed::from_tokens_text(&seed_text)?;
                    let options = GenerateOptions {
                        temperature: 1.0,
                        rng_seed: i as u64,
                        steps: (h.ids.len() - SEED_STEPS) as u64,
                        variations: 1,
                        key: Some(h.key),
                        ..GenerateOptions::default()
                    };
                    let g = generate(&model, &seed, &options)?;
                    out.extend(g.into_iter().map(|g| g.piece));
                }
                let acc = accuracy(&model, &held)?;
                (out, Some(acc))
            }
            other => anyhow::bail!("unknown model kind {other:?} in {spec:?}"),
        };
        let report = evaluate(&generated, &reference, &compare);
        let s = &report.summary;
        let f = |x: Option<f64>| x.map_or("-".to_owned(), |v| format!("{v:.3}"));
        rows.push(format!(
            "| {label} | {} | {} | {} | {} | {} ({}) | {} ({}) |",
            f(s.mean_overlap),
            f(s.mean_kl),
            acc.map_or("-".to_owned(), |a| format!("{:.1}%", a * 100.0)),
            f(s.pitch_std_ratio),
            f(s.scale_consistency_generated),
            f(s.scale_consistency_reference),
            f(s.pitch_range_generated),
            f(s.pitch_range_reference),
        ));
        eprintln!("{label}: {:.1} s", started.elapsed().as_secs_f64());
        json.push(serde_json::json!({"model": label, "accuracy": acc, "summary": s}));
    }
    println!(
        "| model | mean overlap area | mean KL | next-token accuracy | pitch std gen/real | scale consistency gen (real) | pitch range gen (real) |"
    );
    println!("|---|---|---|---|---|---|---|");
    for row in rows {
        println!("{row}");
    }
    std::fs::write("model_card.json", serde_json::to_string_pretty(&json)?)?;
    Ok(())
}
