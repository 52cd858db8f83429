//! The plain-Rust generation engine computes the same logits as the burn generator it was
//! exported from, step by step and in a batch.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use burn::tensor::{Int, Tensor, TensorData};
use gan_studio::generate::LstmEngine;
use gan_studio::model::{Generator, GeneratorConfig};
use gan_studio::train::cpu_device;

/// Feeds `inputs` (`[batch, steps]`, row-major) to the burn generator at once and to the
/// engine step by step, and returns the largest difference between their logits.
fn largest_difference(
    generator: &Generator,
    engine: &LstmEngine,
    inputs: &[i64],
    batch: usize,
    steps: usize,
    v: usize,
) -> f32 {
    let device = cpu_device();
    let tokens =
        Tensor::<2, Int>::from_data(TensorData::new(inputs.to_vec(), [batch, steps]), &device);
    let logits: Vec<f32> = generator
        .forward(tokens)
        .into_data()
        .convert::<f32>()
        .try_to_vec()
        .unwrap(); // [b, t, V]
    let mut state = engine.start(batch);
    let mut out = Vec::new();
    let mut worst = 0f32;
    for t in 0..steps {
        let column: Vec<u32> = (0..batch).map(|b| inputs[b * steps + t] as u32).collect();
        engine.advance(&mut state, &column).unwrap();
        engine.logits(&state, &mut out);
        for b in 0..batch {
            for k in 0..v {
                let burn = logits[(b * steps + t) * v + k];
                worst = worst.max((burn - out[b * v + k]).abs());
            }
        }
    }
    worst
}

#[test]
fn engine_matches_burn_forward() {
    let device = cpu_device();
    let config = GeneratorConfig::new().with_embedding(12).with_hidden(24);
    let generator = config.init(&device).unwrap();
    let engine = LstmEngine::new(generator.to_weights().unwrap()).unwrap();
    let v = config.vocab_size;
    let (batch, steps) = (3usize, 10usize);
    let ids: Vec<i64> = (0..batch * steps)
        .map(|i| ((i * 37 + 5) % v) as i64)
        .collect();
    let worst = largest_difference(&generator, &engine, &ids, batch, steps, v);
    assert!(worst < 1e-4, "largest logit difference {worst}");
}

/// A model of vocabulary v2 reads codes (token + place): the engine adds the same position
/// and bar embeddings as the burn generator, and its weights survive the weights file.
#[test]
fn engine_matches_burn_forward_with_places() {
    use gan_studio::generate::weights_file::{weights_from_bytes, weights_to_bytes};
    use gan_studio::music::Metre;
    use gan_studio::music::tokens::{MODEL_VOCAB_SIZE, step_code};
    let device = cpu_device();
    let config = GeneratorConfig::new()
        .with_vocab_size(MODEL_VOCAB_SIZE)
        .with_places(true)
        .with_embedding(12)
        .with_hidden(24);
    let generator = config.init(&device).unwrap();
    assert!(generator.reads_places());
    let weights = generator.to_weights().unwrap();
    let (header, back) = weights_from_bytes(&weights_to_bytes(&weights, "t").unwrap()).unwrap();
    assert_eq!(header.vocab_version, 2);
    assert_eq!(back, weights);
    let engine = LstmEngine::new(back).unwrap();
    assert!(engine.reads_places());
    let metres: Vec<Metre> = ["6/8", "3/4", "4/4"]
        .iter()
        .map(|m| m.parse().unwrap())
        .collect();
    let (batch, steps) = (3usize, 40usize);
    let codes: Vec<i64> = (0..batch * steps)
        .map(|i| {
            let (b, t) = (i / steps, i % steps);
            let token = ((i * 37 + 5) % 92) as u32;
            i64::from(step_code(token, metres[b].place_id(t as u64)))
        })
        .collect();
    let v = MODEL_VOCAB_SIZE;
    let worst = largest_difference(&generator, &engine, &codes, batch, steps, v);
    assert!(worst < 1e-4, "largest logit difference {worst}");
    // Another place gives other logits: the places are read.
    let mut a = engine.start(1);
    let mut b = engine.start(1);
    engine
        .advance(&mut a, &[step_code(60, metres[0].place_id(0))])
        .unwrap();
    engine
        .advance(&mut b, &[step_code(60, metres[0].place_id(5))])
        .unwrap();
    let (mut la, mut lb) = (Vec::new(), Vec::new());
    engine.logits(&a, &mut la);
    engine.logits(&b, &mut lb);
    assert!(la.iter().zip(&lb).any(|(x, y)| (x - y).abs() > 1e-6));
}
