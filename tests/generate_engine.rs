//! The plain-Rust generation engine computes the same logits as the burn generator it was
//! exported from, step by step and in a batch.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use burn::tensor::{Int, Tensor, TensorData};
use gan_studio::generate::LstmEngine;
use gan_studio::model::GeneratorConfig;
use gan_studio::train::cpu_device;

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
    let tokens = Tensor::<2, Int>::from_data(TensorData::new(ids.clone(), [batch, steps]), &device);
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
        let column: Vec<u32> = (0..batch).map(|b| ids[b * steps + t] as u32).collect();
        engine.advance(&mut state, &column).unwrap();
        engine.logits(&state, &mut out);
        for b in 0..batch {
            for k in 0..v {
                let burn = logits[(b * steps + t) * v + k];
                worst = worst.max((burn - out[b * v + k]).abs());
            }
        }
    }
    assert!(worst < 1e-4, "largest logit difference {worst}");
}
