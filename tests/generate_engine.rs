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

/// A model of vocabulary v2 reads codes (token + place, and the lookback where it reads
/// one): the engine adds the same position, bar and lookback embeddings as the burn generator,
/// its weights survive the weights file, and a model without the lookback ignores it.
#[test]
fn engine_matches_burn_forward_with_places_and_lookback() {
    use gan_studio::generate::weights_file::{weights_from_bytes, weights_to_bytes};
    use gan_studio::music::Metre;
    use gan_studio::music::tokens::{
        MODEL_VOCAB_SIZE, START_ID, lookback_of, sequence_code, step_code, step_code_with_lookback,
    };
    let device = cpu_device();
    let metres: Vec<Metre> = ["6/8", "3/4", "4/4"]
        .iter()
        .map(|m| m.parse().unwrap())
        .collect();
    let (batch, steps) = (3usize, 80usize);
    let codes: Vec<i64> = (0..batch)
        .flat_map(|b| {
            let sequence: Vec<u32> = std::iter::once(START_ID)
                .chain((1..steps).map(|t| ((b * steps + t) * 37 % 90) as u32))
                .collect();
            let metre = metres[b];
            (0..steps).map(move |t| i64::from(sequence_code(&sequence, t, metre)))
        })
        .collect();
    // Every row reaches four bars back (48 steps in 6/8 and 3/4, 64 in 4/4).
    assert!((0..batch).all(|b| lookback_of(codes[b * steps + steps - 1] as u32) > 0));
    for lookback in [false, true] {
        let config = GeneratorConfig::new()
            .with_vocab_size(MODEL_VOCAB_SIZE)
            .with_places(true)
            .with_lookback(lookback)
            .with_embedding(12)
            .with_hidden(24);
        let generator = config.init(&device).unwrap();
        assert!(generator.reads_places());
        let weights = generator.to_weights().unwrap();
        assert_eq!(weights.reads_lookback(), lookback);
        let (header, back) = weights_from_bytes(&weights_to_bytes(&weights, "t").unwrap()).unwrap();
        assert_eq!((header.vocab_version, header.lookback), (2, lookback));
        assert_eq!(back, weights);
        let engine = LstmEngine::new(back).unwrap();
        assert!(engine.reads_places());
        let v = MODEL_VOCAB_SIZE;
        let worst = largest_difference(&generator, &engine, &codes, batch, steps, v);
        assert!(
            worst < 1e-4,
            "lookback {lookback}: largest logit difference {worst}"
        );
        // Another place gives other logits: the places are read; another lookback does so
        // only for a model that reads it.
        let place = |step| metres[0].place_id(step);
        let logits_after = |code: u32| {
            let mut state = engine.start(1);
            engine.advance(&mut state, &[code]).unwrap();
            let mut out = Vec::new();
            engine.logits(&state, &mut out);
            out
        };
        let differ = |a: &[f32], b: &[f32]| a.iter().zip(b).any(|(x, y)| (x - y).abs() > 1e-6);
        let base = logits_after(step_code(60, place(0)));
        assert!(differ(&base, &logits_after(step_code(60, place(5)))));
        let recalled = logits_after(step_code_with_lookback(60, place(0), Some(40)));
        assert_eq!(differ(&base, &recalled), lookback, "lookback {lookback}");
    }
}

/// Plain weights load back into a burn generator (`Generator::with_weights`, what
/// `train --init-from models/default` uses): a fresh generator given another's weights
/// computes that generator's logits and exports the same weights; weights of another size are
/// refused with the sizes named.
#[test]
fn weights_load_back_into_a_burn_generator() {
    use gan_studio::music::tokens::MODEL_VOCAB_SIZE;
    let device = cpu_device();
    let config = GeneratorConfig::new()
        .with_vocab_size(MODEL_VOCAB_SIZE)
        .with_places(true)
        .with_embedding(12)
        .with_hidden(24);
    let source = config.init(&device).unwrap();
    let weights = source.to_weights().unwrap();
    let other = config.init(&device).unwrap();
    assert_ne!(
        other.to_weights().unwrap(),
        weights,
        "two fresh generators differ"
    );
    let loaded = other.with_weights(&weights).unwrap();
    let back = loaded.to_weights().unwrap();
    assert_eq!(back.embedding, weights.embedding);
    assert_eq!(back.position_embedding, weights.position_embedding);
    assert_eq!(back.input_weights, weights.input_weights);
    assert_eq!(back.hidden_weights, weights.hidden_weights);
    assert_eq!(back.output_weights, weights.output_weights);
    let bias_gap = back
        .gate_bias
        .iter()
        .zip(&weights.gate_bias)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(bias_gap < 1e-6, "gate biases differ by {bias_gap}");
    let engine = LstmEngine::new(weights).unwrap();
    let codes: Vec<i64> = (0..2 * 9).map(|i| ((i * 53 + 7) % 2000) as i64).collect();
    let worst = largest_difference(&loaded, &engine, &codes, 2, 9, MODEL_VOCAB_SIZE);
    assert!(worst < 1e-4, "largest logit difference {worst}");

    // On the training (autodiff) device the loaded weights stay trainable.
    let trainable = config
        .init(&device.clone().autodiff())
        .unwrap()
        .with_weights(&loaded.to_weights().unwrap())
        .unwrap();
    let ids = Tensor::<2, Int>::from_data(
        TensorData::new(vec![5i64, 9, 11], [1, 3]),
        &device.clone().autodiff(),
    );
    let grads = trainable.forward(ids).sum().backward();
    let tracked = gan_studio::train::grads::gradient_norm(
        &burn::optim::GradientsParams::from_grads(grads, &trainable),
        &trainable,
    )
    .unwrap();
    assert!(tracked > 0.0, "no gradient reaches the loaded weights");

    let wider = config.clone().with_hidden(32).init(&device).unwrap();
    let error = wider
        .with_weights(&loaded.to_weights().unwrap())
        .unwrap_err()
        .to_string();
    assert!(error.contains("H 24") && error.contains("H 32"), "{error}");
}
