//! The fused LSTM computes what burn-nn's `Lstm` computes: the same outputs, final states and
//! gradients (of the input, the initial state and every gate parameter) within float
//! tolerance, on the same parameters; and the generator's step-by-step generation agrees with
//! its whole-sequence forward.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use burn::module::Module;
use burn::nn::{GateController, Lstm, LstmConfig, LstmState};
use burn::tensor::activation::softmax;
use burn::tensor::{Device, Distribution, Gradients, Int, Tensor, TensorData};
use gan_studio::model::GeneratorConfig;
use gan_studio::model::fused_lstm::{fusable, fused_forward};

const BATCH: usize = 3;
const STEPS: usize = 5;
const INPUT: usize = 4;
const HIDDEN: usize = 6;

fn close(what: &str, got: Tensor<2>, want: Tensor<2>) {
    let got = got.into_data().try_to_vec::<f32>().unwrap();
    let want = want.into_data().try_to_vec::<f32>().unwrap();
    assert_eq!(got.len(), want.len(), "{what}: sizes differ");
    let scale = want.iter().fold(1e-3f32, |m, v| m.max(v.abs()));
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!(
            (g - w).abs() <= 1e-4 * scale + 1e-6,
            "{what}[{i}]: fused {g} vs stock {w}"
        );
    }
}

fn flat<const D: usize>(t: Tensor<D>) -> Tensor<2> {
    let n = t.dims().iter().product::<usize>();
    t.reshape([1, n])
}

/// The gradients of the eight weight and eight bias tensors of an LSTM, named.
fn parameter_grads(lstm: &Lstm, grads: &Gradients) -> Vec<(String, Tensor<2>)> {
    let gates: [(&str, &GateController); 4] = [
        ("input", &lstm.input_gate),
        ("forget", lstm.forget_gate.as_ref().unwrap()),
        ("cell", &lstm.cell_gate),
        ("output", &lstm.output_gate),
    ];
    let mut out = Vec::new();
    for (name, gate) in gates {
        for (side, linear) in [
            ("input", &gate.input_transform),
            ("hidden", &gate.hidden_transform),
        ] {
            let missing = format!("no gradient for {name}.{side}");
            let weight = linear.weight.val().grad(grads).expect(&missing);
            out.push((format!("d {name}.{side}.weight"), weight));
            let bias = linear.bias.as_ref().unwrap().val().grad(grads);
            let bias = bias.expect(&missing).unsqueeze::<2>();
            out.push((format!("d {name}.{side}.bias"), bias));
        }
    }
    out
}

/// A scalar that depends on every output: weighted sums of the hidden states and of both
/// final states, with fixed random weights.
fn loss(outputs: &(Tensor<3>, LstmState<2>), weights: &[Tensor<2>; 3]) -> Tensor<1> {
    let (hidden, state) = outputs;
    let hidden = hidden.clone().reshape(weights[0].dims());
    (hidden * weights[0].clone()).sum()
        + (state.cell.clone() * weights[1].clone()).sum()
        + (state.hidden.clone() * weights[2].clone()).sum()
}

#[test]
fn fused_lstm_matches_burn_nn_outputs_and_gradients() {
    // A batch below one register tile (3 rows) and one with full tiles plus a remainder
    // (9 = 2 x 4 + 1, split over 3 threads as 4 + 4 + 1), hidden widths whose 4H is not a
    // multiple of the 16-column panels.
    fused_matches_stock(BATCH, STEPS, INPUT, HIDDEN, 11);
    fused_matches_stock(9, 7, 5, 13, 12);
}

fn fused_matches_stock(
    batch: usize,
    steps: usize,
    input_width: usize,
    hidden_width: usize,
    seed: u64,
) {
    let device = Device::flex().autodiff();
    device.seed(seed);
    let lstm = LstmConfig::new(input_width, hidden_width, true).init(&device);
    let normal = Distribution::Normal(0.0, 1.0);
    let input = Tensor::<3>::random([batch, steps, input_width], normal, &device);
    let cell = Tensor::<2>::random([batch, hidden_width], normal, &device);
    let hidden = Tensor::<2>::random([batch, hidden_width], normal, &device);
    let weights = [
        Tensor::<2>::random([batch * steps, hidden_width], normal, &device),
        Tensor::<2>::random([batch, hidden_width], normal, &device),
        Tensor::<2>::random([batch, hidden_width], normal, &device),
    ];
    assert!(
        fusable(&lstm, &input),
        "the plain LSTM on flex must take the fused path"
    );

    let run = |fused: bool| {
        let x = input.clone().detach().require_grad();
        let c0 = cell.clone().detach().require_grad();
        let h0 = hidden.clone().detach().require_grad();
        let state = Some(LstmState::new(c0.clone(), h0.clone()));
        let outputs = if fused {
            fused_forward(&lstm, x.clone(), state)
        } else {
            lstm.forward(x.clone(), state)
        };
        let value = loss(&outputs, &weights);
        let grads = value.backward();
        let mut named = vec![
            ("loss".to_string(), value.inner().reshape([1, 1])),
            ("hidden".to_string(), flat(outputs.0.inner())),
            ("final cell".to_string(), outputs.1.cell.inner()),
            ("final hidden".to_string(), outputs.1.hidden.inner()),
            ("d input".to_string(), flat(x.grad(&grads).unwrap())),
            ("d cell0".to_string(), c0.grad(&grads).unwrap()),
            ("d hidden0".to_string(), h0.grad(&grads).unwrap()),
        ];
        named.extend(parameter_grads(&lstm, &grads));
        named
    };
    // The fused layer splits each step's batch over the current rayon pool: one thread and
    // three must give bit-identical results.
    let in_pool = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| run(true))
    };
    let fused = in_pool(1);
    for ((name, one), (_, three)) in fused.iter().zip(in_pool(3)) {
        let bits = |t: &Tensor<2>| {
            t.to_data()
                .iter::<f32>()
                .map(f32::to_bits)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            bits(one),
            bits(&three),
            "{name} (batch {batch}): 1 vs 3 threads"
        );
    }
    let stock = run(false);
    assert_eq!(fused.len(), 7 + 16);
    for ((name, got), (_, want)) in fused.into_iter().zip(stock) {
        close(
            &format!("{name} (batch {batch}, H {hidden_width})"),
            got,
            want,
        );
    }
}

#[test]
fn fused_lstm_matches_burn_nn_without_autodiff_and_from_zero_state() {
    let device = Device::flex();
    device.seed(5);
    let lstm = LstmConfig::new(INPUT, HIDDEN, true).init(&device);
    let input = Tensor::<3>::random([BATCH, STEPS, INPUT], Distribution::Default, &device);
    let (h_fused, s_fused) = fused_forward(&lstm, input.clone(), None);
    let (h_stock, s_stock) = lstm.forward(input, None);
    close("hidden", flat(h_fused), flat(h_stock));
    close("final cell", s_fused.cell, s_stock.cell);
    close("final hidden", s_fused.hidden, s_stock.hidden);
}

#[test]
fn generator_steps_agree_with_its_sequence_forward() {
    // `forward_step` carries the LSTM state between calls; feeding the tokens one by one after
    // a primer must give the same next-token distributions as the teacher-forced forward.
    let device = Device::flex();
    device.seed(7);
    let generator = GeneratorConfig::new()
        .with_embedding(8)
        .with_hidden(12)
        .init(&device)
        .unwrap();
    let ids: Vec<i64> = (0..2 * 9).map(|i| (i * 7 + 3) % 90).collect();
    let tokens = Tensor::<2, Int>::from_data(TensorData::new(ids, [2, 9]), &device);
    let whole = softmax(generator.forward(tokens.clone()), 2); // [2, 9, V]
    let vocab = generator.vocab_size();
    let (logits, mut state) = generator.forward_step(tokens.clone().slice([0..2, 0..4]), None);
    close(
        "after primer",
        softmax(logits, 1),
        whole.clone().slice([0..2, 3..4]).reshape([2, vocab]),
    );
    for t in 4..9 {
        let (logits, next) =
            generator.forward_step(tokens.clone().slice([0..2, t..t + 1]), Some(state));
        state = next;
        close(
            &format!("step {t}"),
            softmax(logits, 1),
            whole.clone().slice([0..2, t..t + 1]).reshape([2, vocab]),
        );
    }
}

#[test]
fn generator_training_gradients_reach_the_lstm_parameters() {
    // Through the whole generator on the autodiff device: every LSTM gate parameter gets a
    // nonzero gradient from a next-token loss.
    let device = Device::flex().autodiff();
    device.seed(3);
    let generator = GeneratorConfig::new()
        .with_embedding(8)
        .with_hidden(12)
        .init(&device)
        .unwrap();
    let ids: Vec<i64> = (0..2 * 6).map(|i| (i * 5 + 1) % 90).collect();
    let tokens = Tensor::<2, Int>::from_data(TensorData::new(ids, [2, 6]), &device);
    let loss = generator.forward(tokens).powf_scalar(2.0).mean();
    let grads = loss.backward();
    let mut seen = 0;
    generator.visit(&mut GradCheck {
        grads: &grads,
        seen: &mut seen,
    });
    // embedding 1 + LSTM 16 + output 2 parameters.
    assert_eq!(seen, 19);
}

struct GradCheck<'a> {
    grads: &'a Gradients,
    seen: &'a mut usize,
}

impl burn::module::ModuleVisitor for GradCheck<'_> {
    fn visit_float<const D: usize>(&mut self, param: &burn::module::Param<Tensor<D>>) {
        let grad = param
            .val()
            .grad(self.grads)
            .expect("a parameter without gradient");
        let norm: f32 = grad.abs().sum().into_scalar();
        assert!(norm > 0.0, "a zero gradient");
        *self.seen += 1;
    }
}
