//! The generation engine at the built-in model's size (H 256, V 92): every sequence of a batch
//! gets bit-identical logits whatever the batch size, and the logits are the LSTM's (checked
//! against a plain f64 forward pass).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use gan_studio::generate::LstmEngine;
use gan_studio::model::weights::GeneratorWeights;

const V: usize = 92;
const E: usize = 16;
const H: usize = 256;
const STEPS: usize = 12;

/// Values in [-scale, scale) from a fixed linear congruential sequence.
fn pseudo_random(n: usize, seed: u64, scale: f32) -> Vec<f32> {
    let mut state = seed;
    (0..n)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((state >> 40) as f32 / (1u64 << 23) as f32 - 1.0) * scale
        })
        .collect()
}

fn weights() -> GeneratorWeights {
    GeneratorWeights {
        vocab_size: V,
        embedding_width: E,
        hidden: H,
        embedding: pseudo_random(V * E, 1, 1.0),
        input_weights: pseudo_random(E * 4 * H, 2, 0.3),
        hidden_weights: pseudo_random(H * 4 * H, 3, 0.15),
        gate_bias: pseudo_random(4 * H, 4, 0.1),
        output_weights: pseudo_random(H * V, 5, 0.5),
        output_bias: pseudo_random(V, 6, 0.5),
        position_embedding: Vec::new(),
        bar_embedding: Vec::new(),
        lookback_embedding: Vec::new(),
    }
}

/// The token sequence `row` is fed.
fn tokens(row: usize) -> Vec<u32> {
    (0..STEPS)
        .map(|t| ((row * 31 + t * 17 + 3) % V) as u32)
        .collect()
}

/// The logits after each step (`[STEPS][batch * V]`) for rows `0..batch`.
fn run(engine: &LstmEngine, batch: usize) -> Vec<Vec<f32>> {
    let sequences: Vec<Vec<u32>> = (0..batch).map(tokens).collect();
    let mut state = engine.start(batch);
    let mut out = Vec::new();
    (0..STEPS)
        .map(|t| {
            let column: Vec<u32> = sequences.iter().map(|s| s[t]).collect();
            engine.advance(&mut state, &column).unwrap();
            engine.logits(&state, &mut out);
            out.clone()
        })
        .collect()
}

/// The forward pass of one sequence, plainly, in f64: logits after each step.
fn reference(w: &GeneratorWeights, sequence: &[u32]) -> Vec<Vec<f64>> {
    let s = |x: f64| 1.0 / (1.0 + (-x).exp());
    let (mut h, mut c) = (vec![0f64; H], vec![0f64; H]);
    let mut all = Vec::new();
    for &token in sequence {
        let t = token as usize;
        let mut gates: Vec<f64> = w.gate_bias.iter().map(|&b| f64::from(b)).collect();
        for (j, gate) in gates.iter_mut().enumerate() {
            for e in 0..E {
                *gate +=
                    f64::from(w.embedding[t * E + e]) * f64::from(w.input_weights[e * 4 * H + j]);
            }
            for (i, &hi) in h.iter().enumerate() {
                *gate += hi * f64::from(w.hidden_weights[i * 4 * H + j]);
            }
        }
        for j in 0..H {
            c[j] = s(gates[H + j]) * c[j] + s(gates[j]) * gates[2 * H + j].tanh();
            h[j] = s(gates[3 * H + j]) * c[j].tanh();
        }
        let logits = (0..V)
            .map(|v| {
                let dot: f64 = (0..H)
                    .map(|i| h[i] * f64::from(w.output_weights[i * V + v]))
                    .sum();
                f64::from(w.output_bias[v]) + dot
            })
            .collect();
        all.push(logits);
    }
    all
}

#[test]
fn every_row_is_bit_identical_whatever_the_batch() {
    let engine = LstmEngine::new(weights()).unwrap();
    let alone: Vec<Vec<Vec<f32>>> = (0..9)
        .map(|row| {
            // Row `row` alone: a batch of 1 fed that row's tokens.
            let sequence = tokens(row);
            let mut state = engine.start(1);
            let mut out = Vec::new();
            sequence
                .iter()
                .map(|&token| {
                    engine.advance(&mut state, &[token]).unwrap();
                    engine.logits(&state, &mut out);
                    out.clone()
                })
                .collect()
        })
        .collect();
    for batch in [1, 2, 3, 4, 5, 8, 9] {
        let steps = run(&engine, batch);
        for (t, logits) in steps.iter().enumerate() {
            for (row, got) in logits.chunks_exact(V).enumerate() {
                let want = &alone[row][t];
                let same = got
                    .iter()
                    .zip(want)
                    .all(|(a, b)| a.to_bits() == b.to_bits());
                assert!(same, "batch {batch}, row {row}, step {t}");
            }
        }
    }
}

#[test]
fn logits_match_a_plain_forward_pass() {
    let w = weights();
    let engine = LstmEngine::new(w.clone()).unwrap();
    let batch = 5;
    let steps = run(&engine, batch);
    let mut worst = 0f64;
    for row in 0..batch {
        let expected = reference(&w, &tokens(row));
        for (t, logits) in steps.iter().enumerate() {
            for (v, &got) in logits[row * V..(row + 1) * V].iter().enumerate() {
                worst = worst.max((f64::from(got) - expected[t][v]).abs());
            }
        }
    }
    assert!(worst < 1e-4, "largest logit difference {worst}");
}
