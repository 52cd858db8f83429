//! `gan-studio bench generate`: how fast the generator continues a seed, with the figures the
//! studio needs (the temperature slider regenerates while it is dragged).

use crate::generate::{GenerateError, GenerateOptions, Seed, TokenModel, generate};
use crate::music::Key;

use super::{median, time_runs};

/// One benchmark figure: name, value, unit.
pub type Figure = (String, f64, String);

/// Times generation with `model`: 256 tokens at batch 1 and 8 from a 16-token primer, and 4
/// variations of 8 bars (128 steps) from a one-bar seed; medians of `runs` timed runs after
/// a warm-up.
pub fn run_generate_bench(model: &TokenModel, runs: usize) -> Result<Vec<Figure>, GenerateError> {
    let primer = Seed::from_tokens_text("60 _ _ _ 62 _ 64 _ 65 _ _ _ 67 _ _ _")?;
    let bar_seed = Seed::from_tokens_text("60 _ _ _ 64 _ _ _ 67 _ _ _ 64 _ _ _")?;
    let cases = [
        ("generate_b1_t256_ms", &primer, 1, 256),
        ("generate_b8_t256_ms", &primer, 8, 256),
        ("generate_b4_t128_1bar_seed_ms", &bar_seed, 4, 128),
    ];
    let mut figures = Vec::new();
    for (name, seed, variations, steps) in cases {
        let options = GenerateOptions {
            temperature: 1.0,
            rng_seed: 1,
            steps,
            variations,
            key: Some(Key::C_MAJOR),
            ..GenerateOptions::default()
        };
        // Fail before timing if the model cannot run these options.
        generate(model, seed, &options)?;
        let times = time_runs(2, runs.max(1), || generate(model, seed, &options));
        figures.push((
            name.to_owned(),
            median(&times).as_secs_f64() * 1e3,
            "ms".to_owned(),
        ));
    }
    Ok(figures)
}
