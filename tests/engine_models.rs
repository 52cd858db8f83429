//! Shapes of the models and hand-computed values of the losses.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use burn::tensor::{Device, Int, Tensor, TensorData};
use gan_studio::model::{DiscriminatorConfig, GeneratorConfig, ModelError};
use gan_studio::music::tokens::VOCAB_SIZE;
use gan_studio::train::losses::{bce_with_logits, next_token_accuracy, next_token_loss};

fn device() -> Device {
    Device::flex()
}

fn ids(rows: usize, steps: usize) -> Tensor<2, Int> {
    let data: Vec<i64> = (0..rows * steps).map(|i| (i % VOCAB_SIZE) as i64).collect();
    Tensor::from_data(TensorData::new(data, [rows, steps]), &device())
}

#[test]
fn generator_maps_ids_to_logits_over_the_vocabulary() {
    let generator = GeneratorConfig::new()
        .with_embedding(8)
        .with_hidden(12)
        .init(&device())
        .unwrap();
    assert_eq!(generator.forward(ids(3, 5)).dims(), [3, 5, VOCAB_SIZE]);
    let (logits, state) = generator.forward_step(ids(2, 4), None);
    assert_eq!(logits.dims(), [2, VOCAB_SIZE]);
    assert_eq!(state.hidden.dims(), [2, 12]);
    let (logits, _) = generator.forward_step(ids(2, 1), Some(state));
    assert_eq!(logits.dims(), [2, VOCAB_SIZE]);
}

#[test]
fn the_last_step_logits_equal_the_full_forward_at_the_last_position() {
    let generator = GeneratorConfig::new()
        .with_embedding(8)
        .with_hidden(12)
        .init(&device())
        .unwrap();
    let full = generator
        .forward(ids(2, 6))
        .slice([0..2, 5..6])
        .reshape([2, VOCAB_SIZE]);
    let (step, _) = generator.forward_step(ids(2, 6), None);
    let full: Vec<f32> = full.into_data().try_to_vec().unwrap();
    let step: Vec<f32> = step.into_data().try_to_vec().unwrap();
    for (a, b) in full.iter().zip(&step) {
        assert!((a - b).abs() < 1e-5, "{a} vs {b}");
    }
}

#[test]
fn discriminator_gives_one_logit_per_window() {
    let discriminator = DiscriminatorConfig::new()
        .with_channels(8)
        .init(&device())
        .unwrap();
    let windows = ids(4, 7).one_hot::<3>(VOCAB_SIZE).float();
    assert_eq!(discriminator.forward(windows).dims(), [4, 1]);
}

#[test]
fn invalid_configurations_are_refused_with_a_reason() {
    let even = DiscriminatorConfig::new().with_kernel(4).init(&device());
    assert_eq!(even.err(), Some(ModelError::EvenKernel(4)));
    let noisy = GeneratorConfig::new().with_noise_std(-0.1).init(&device());
    assert!(matches!(noisy.err(), Some(ModelError::BadNoise { .. })));
    let empty = GeneratorConfig::new().with_hidden(0).init(&device());
    assert!(matches!(empty.err(), Some(ModelError::ZeroSize { .. })));
}

#[test]
fn config_defaults_follow_the_papers() {
    let g = GeneratorConfig::new();
    assert_eq!((g.vocab_size, g.embedding, g.hidden), (92, 128, 256));
    let d = DiscriminatorConfig::new();
    assert_eq!((d.channels, d.kernel, d.leaky_slope), (128, 5, 0.2));
}

fn scalar(t: Tensor<1>) -> f32 {
    t.into_scalar::<f32>()
}

#[test]
fn bce_on_logits_matches_hand_computed_values() {
    let logits = || Tensor::<2>::from_floats([[0.0], [2.0]], &device());
    // -ln σ(0) = ln 2 = 0.693147; -ln σ(2) = ln(1 + e^-2) = 0.126928; mean 0.410038.
    assert!((scalar(bce_with_logits(logits(), true)) - 0.410_038).abs() < 1e-5);
    // -ln σ(-0) = 0.693147; -ln σ(-2) = ln(1 + e^2) = 2.126928; mean 1.410038.
    assert!((scalar(bce_with_logits(logits(), false)) - 1.410_038).abs() < 1e-5);
    // Large logits stay finite: -ln σ(-100) = 100.
    let big = Tensor::<2>::from_floats([[100.0]], &device());
    assert!((scalar(bce_with_logits(big, false)) - 100.0).abs() < 1e-3);
}

#[test]
fn uniform_logits_cost_ln_v_and_accuracy_counts_argmax_hits() {
    let zeros = Tensor::<3>::zeros([2, 3, VOCAB_SIZE], &device());
    let loss = scalar(next_token_loss(zeros, ids(2, 3)));
    assert!((loss - (VOCAB_SIZE as f32).ln()).abs() < 1e-4, "{loss}");

    // Logits favouring token 1 everywhere; targets: 1, 0 / 1, 1 -> 3 hits of 4.
    let mut favour = vec![0.0f32; 2 * 2 * VOCAB_SIZE];
    for position in 0..4 {
        favour[position * VOCAB_SIZE + 1] = 5.0;
    }
    let logits = Tensor::<3>::from_data(TensorData::new(favour, [2, 2, VOCAB_SIZE]), &device());
    let targets =
        Tensor::<2, Int>::from_data(TensorData::new(vec![1i64, 0, 1, 1], [2, 2]), &device());
    assert!((scalar(next_token_accuracy(logits, targets)) - 0.75).abs() < 1e-6);
}

/// The discriminator's channel-last layer (convolution, bias, LeakyReLU) agrees with burn's
/// `Conv1d` (channel first) followed by `leaky_relu` in its output and in the gradients of
/// its input, weights and bias, for kernels 1, 3 and 5 (padding 0, 1 and 2), windows shorter
/// than the kernel and slopes 0.2 and 0 (ReLU): the CPU backend's custom operations (the
/// whole layer, and the convolution alone) and the tensor-operation version other backends
/// run.
#[test]
fn the_discriminators_layer_matches_burn_conv1d_and_leaky_relu_with_gradients() {
    use burn::nn::PaddingConfig1d;
    use burn::nn::conv::{Conv1d, Conv1dConfig};
    use burn::tensor::Distribution;
    use burn::tensor::activation::leaky_relu;
    use gan_studio::model::conv_same::{correlate_same, correlate_same_tensor_ops};
    use gan_studio::model::discriminator::conv_leaky;

    let device = Device::flex().autodiff();
    device.seed(21);
    let values = |t: Tensor<3>| t.into_data().try_to_vec::<f32>().unwrap();
    let tensor_ops = |x: Tensor<3>, conv: &Conv1d, slope: f64| {
        let bias = conv.bias.as_ref().unwrap().val().unsqueeze::<3>();
        leaky_relu(
            correlate_same_tensor_ops(x, conv.weight.val()) + bias,
            slope,
        )
    };
    // The convolution alone as the CPU's custom operation (the WGAN-GP input gradient's).
    let correlation = |x: Tensor<3>, conv: &Conv1d, slope: f64| {
        let bias = conv.bias.as_ref().unwrap().val().unsqueeze::<3>();
        leaky_relu(correlate_same(x, conv.weight.val()) + bias, slope)
    };
    type Version<'a> = (&'a str, &'a dyn Fn(Tensor<3>, &Conv1d, f64) -> Tensor<3>);
    let versions: [Version; 3] = [
        ("custom layer operation", &conv_leaky),
        ("custom correlation operation", &correlation),
        ("tensor operations", &tensor_ops),
    ];
    let cases = [
        (1, 6, 0.2),
        (3, 7, 0.2),
        (5, 9, 0.2),
        (5, 2, 0.2),
        (3, 7, 0.0),
    ];
    for ((kernel, steps, slope), (version, conv_leaky)) in cases
        .into_iter()
        .flat_map(|case| versions.iter().map(move |v| (case, *v)))
    {
        let conv = Conv1dConfig::new(4, 3, kernel)
            .with_padding(PaddingConfig1d::Same)
            .init(&device);
        let x = Tensor::<3>::random([2, steps, 4], Distribution::Normal(0.0, 1.0), &device);
        // Weights of the loss, so every output element gets its own gradient.
        let probe = Tensor::<3>::random([2, steps, 3], Distribution::Normal(0.0, 1.0), &device);

        let x_ours = x.clone().detach().require_grad();
        let ours = conv_leaky(x_ours.clone(), &conv, slope); // [b, t, Cout]
        let grads_ours = (ours.clone() * probe.clone()).sum().backward();

        let x_burn = x.detach().require_grad();
        let burn_out = conv.forward(x_burn.clone().swap_dims(1, 2)).swap_dims(1, 2);
        let burn_out = leaky_relu(burn_out, slope);
        let grads_burn = (burn_out.clone() * probe).sum().backward();

        let close = |what: &str, a: Vec<f32>, b: Vec<f32>| {
            assert_eq!(a.len(), b.len(), "kernel {kernel}: {what}");
            for (i, (a, b)) in a.iter().zip(&b).enumerate() {
                assert!(
                    (a - b).abs() <= 1e-5 * (1.0 + b.abs()),
                    "{version}, kernel {kernel}, t {steps}, slope {slope}: {what}[{i}] {a} vs {b}"
                );
            }
        };
        close("output", values(ours), values(burn_out));
        close(
            "input gradient",
            values(x_ours.grad(&grads_ours).unwrap()),
            values(x_burn.grad(&grads_burn).unwrap()),
        );
        let weight = conv.weight.val();
        close(
            "weight gradient",
            values(weight.grad(&grads_ours).unwrap()),
            values(weight.grad(&grads_burn).unwrap()),
        );
        let bias = conv.bias.as_ref().unwrap().val();
        let bias_grad = |g| {
            bias.grad(g)
                .unwrap()
                .into_data()
                .try_to_vec::<f32>()
                .unwrap()
        };
        close(
            "bias gradient",
            bias_grad(&grads_ours),
            bias_grad(&grads_burn),
        );
    }
}
