//! The training variants: each loss moves the right way, weight clipping, the gradient
//! penalty, k discriminator steps, Gumbel-softmax, the discriminator's regularizers and
//! reproducibility of every variant.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod engine_support;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::{Device, Distribution, Int, Tensor, TensorData};
use gan_studio::model::{Discriminator, DiscriminatorConfig, GeneratorConfig};
use gan_studio::music::tokens::VOCAB_SIZE;
use gan_studio::train::checkpoint::optimizer;
use gan_studio::train::config::{GanLoss, GeneratorOutput, OptimizerKind};
use gan_studio::train::gan::{
    DiscriminatorStats, GanOptimizers, GanSettings, adversarial_step, critic_step,
    fake_and_real_with, gumbel_softmax_straight_through, interpolate_penalty,
};
use gan_studio::train::losses::gradient_penalty;
use gan_studio::train::{Phase, TrainConfig, Trainer};

use engine_support::{small_config, tiny_dataset};

/// burn's RNG is global to the process: tests that seed it and create models run one at a
/// time, or another test's draws fall between a seed and its model.
static RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn device() -> Device {
    Device::flex().autodiff()
}

fn constant_windows(token: i64, rows: usize, steps: usize, device: &Device) -> Tensor<3> {
    let ids = Tensor::<2, Int>::from_data(
        TensorData::new(vec![token; rows * steps], [rows, steps]),
        device,
    );
    ids.one_hot::<3>(VOCAB_SIZE).float()
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().convert::<f32>().try_to_vec().unwrap()
}

fn small_discriminator(device: &Device) -> Discriminator {
    DiscriminatorConfig::new()
        .with_channels(16)
        .init(device)
        .unwrap()
}

fn settings(loss: GanLoss, lr: f64) -> GanSettings {
    GanSettings {
        loss,
        g_learning_rate: lr,
        d_learning_rate: lr,
        ..GanSettings::bce(lr)
    }
}

/// Trains a fresh small D for `steps` updates on real = token 0, fake = token 5.
fn train_critic(
    loss: GanLoss,
    kind: OptimizerKind,
    lr: f64,
    steps: u64,
) -> Vec<DiscriminatorStats> {
    let device = device();
    device.seed(7);
    let mut discriminator = small_discriminator(&device);
    let mut optimizer = optimizer(kind, &small_config(0, 0), 0.0);
    let settings = settings(loss, lr);
    (1..=steps)
        .map(|step| {
            let real = constant_windows(0, 8, 16, &device);
            let fake = constant_windows(5, 8, 16, &device);
            let (next, stats) = critic_step(
                discriminator.clone(),
                &mut optimizer,
                real,
                fake,
                &settings,
                step,
            )
            .unwrap();
            discriminator = next;
            stats
        })
        .collect()
}

#[test]
fn a_wgan_clip_critic_learns_to_separate_two_easy_distributions() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let stats = train_critic(GanLoss::WganClip, OptimizerKind::RmsProp, 1e-3, 40);
    let w = |s: &DiscriminatorStats| s.d_real - s.d_fake;
    let (first, last) = (w(&stats[0]), w(&stats[39]));
    // Clipped weights (|w| <= 0.01) keep the scores small, but the ordering must be learned
    // and the estimate must keep growing.
    assert!(first < 0.001 && last > 0.004, "W {first} -> {last}");
    assert!(last > w(&stats[19]) && w(&stats[19]) > w(&stats[9]));
    assert!(stats[10..].iter().all(|s| s.d_real > s.d_fake));
    // The critic loss is the negated estimate.
    assert!((stats[39].loss + last).abs() < 1e-6);
    assert!(stats.iter().all(|s| s.gradient_penalty.is_none()));
}

#[test]
fn a_wgan_gp_critic_learns_to_separate_two_easy_distributions() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let stats = train_critic(GanLoss::WganGp, OptimizerKind::Adam, 1e-2, 40);
    let last = &stats[39];
    let w = last.d_real - last.d_fake;
    // Real and fake windows differ at all 16 steps: one-hot distance sqrt(32) = 5.7, the
    // most a 1-Lipschitz critic can separate them; a fresh critic scores both about equally.
    assert!(
        (stats[0].d_real - stats[0].d_fake).abs() < 0.5,
        "first {:?}",
        stats[0]
    );
    // The penalty is a soft constraint (lambda 10, at interpolates only), so the estimate
    // may pass the hard bound a little, but not by far.
    assert!(
        w > 1.5 && w < 2.0 * 32f32.sqrt(),
        "W estimate after 40 steps {w}"
    );
    assert!(last.gradient_penalty.unwrap() < 1.0, "{last:?}");
}

#[test]
fn a_bce_discriminator_separates_with_the_general_step_too() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let stats = train_critic(GanLoss::Bce, OptimizerKind::Adam, 1e-2, 40);
    let last = &stats[39];
    assert!(last.d_real > 0.9 && last.d_fake < 0.1, "{last:?}");
    assert!(last.grad_norm.is_finite() && stats[0].grad_norm > 0.0);
}

struct MaxAbs(f32);

impl ModuleVisitor for MaxAbs {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        for v in values(param.val()) {
            self.0 = self.0.max(v.abs());
        }
    }
}

fn max_abs_weight(module: &impl Module) -> f32 {
    let mut visitor = MaxAbs(0.0);
    module.visit(&mut visitor);
    visitor.0
}

#[test]
fn weight_clipping_keeps_every_critic_parameter_within_c() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let device = device();
    device.seed(3);
    let mut discriminator = small_discriminator(&device);
    // A fresh Conv1d(92 -> 16, 5) draws from U(-0.047, 0.047): beyond c.
    assert!(max_abs_weight(&discriminator) > 0.02);
    let mut optimizer = optimizer(OptimizerKind::RmsProp, &small_config(0, 0), 0.0);
    let settings = GanSettings {
        clip_value: 0.02,
        ..settings(GanLoss::WganClip, 1e-1)
    };
    for step in 1..=3 {
        let real = constant_windows(0, 4, 8, &device);
        let fake = constant_windows(5, 4, 8, &device);
        discriminator = critic_step(discriminator, &mut optimizer, real, fake, &settings, step)
            .unwrap()
            .0;
        let max = max_abs_weight(&discriminator);
        assert!(max <= 0.02, "step {step}: a weight of {max}");
        assert!(
            max > 0.019,
            "the clamp should be reached at step {step}: {max}"
        );
    }
    // The clipped critic still trains (its parameters still take gradients).
    let real = constant_windows(0, 4, 8, &device);
    let fake = constant_windows(5, 4, 8, &device);
    let stats = critic_step(discriminator, &mut optimizer, real, fake, &settings, 4)
        .unwrap()
        .1;
    assert!(stats.grad_norm > 0.0);
}

/// Scales the output layer's weight (the only 2-D parameter of a discriminator without
/// minibatch discrimination) by a factor.
struct ScaleOutput(f64);

impl ModuleMapper for ScaleOutput {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        if D == 2 {
            let factor = self.0;
            param.map(|t| t.inner().mul_scalar(factor).autodiff().require_grad())
        } else {
            param
        }
    }
}

fn random_windows(rows: usize, steps: usize, device: &Device) -> Tensor<3> {
    let logits = Tensor::<3>::random(
        [rows, steps, VOCAB_SIZE],
        Distribution::Normal(0.0, 2.0),
        device,
    );
    burn::tensor::activation::softmax(logits, 2)
}

#[test]
fn the_hand_built_input_gradient_matches_autodiff() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let device = device();
    for (dropout, noise) in [(0.0, 0.0), (0.3, 0.1)] {
        device.seed(5);
        let discriminator = DiscriminatorConfig::new()
            .with_channels(16)
            .with_dropout(dropout)
            .with_noise_std(noise)
            .init(&device)
            .unwrap();
        let x = random_windows(3, 12, &device);
        // burn initializes parameters lazily, drawing from the RNG at their first use: use
        // them once before seeding, or the first forward draws the weights too.
        let _ = discriminator.forward(x.clone());
        device.seed(99);
        let (scores, analytic) = discriminator
            .forward_with_input_gradient(x.clone())
            .unwrap();
        device.seed(99); // the same dropout masks and noise
        let tracked = x.detach().require_grad();
        let scores_ad = discriminator.forward(tracked.clone());
        let grads = scores_ad.clone().sum().backward();
        let reference = tracked.grad(&grads).unwrap();
        assert_eq!(values(scores), values(scores_ad), "dropout {dropout}");
        let (a, r) = (values(analytic), values(reference));
        let scale = r.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(scale > 0.0);
        for (i, (a, r)) in a.iter().zip(&r).enumerate() {
            assert!(
                (a - r).abs() <= 1e-4 * scale,
                "dropout {dropout}: element {i}: {a} vs {r}"
            );
        }
    }
}

#[test]
fn the_gradient_penalty_is_zero_for_a_unit_lipschitz_linear_critic_and_large_for_a_steep_one() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let device = device();
    device.seed(11);
    // LeakyReLU with slope 1 is the identity: the critic is linear in its input, so its
    // input gradient is the same everywhere. Scale its output so that the gradient's norm
    // is exactly 1.
    let linear = DiscriminatorConfig::new()
        .with_channels(16)
        .with_leaky_slope(1.0)
        .init(&device)
        .unwrap();
    let probe = random_windows(1, 16, &device);
    let (_, g) = linear.forward_with_input_gradient(probe).unwrap();
    let norm = values(g).iter().map(|v| v * v).sum::<f32>().sqrt();
    assert!(norm > 0.0);
    let unit = linear.clone().map(&mut ScaleOutput(1.0 / f64::from(norm)));
    let steep = linear.map(&mut ScaleOutput(10.0 / f64::from(norm)));
    let real = constant_windows(3, 6, 16, &device);
    let fake = random_windows(6, 16, &device);
    let penalty = |critic: &Discriminator| {
        values(interpolate_penalty(critic, real.clone(), fake.clone()).unwrap())[0]
    };
    let flat = penalty(&unit);
    assert!(flat < 1e-6, "penalty of a 1-Lipschitz linear critic {flat}");
    // Gradient norm 10 everywhere: (10 - 1)^2 = 81.
    let large = penalty(&steep);
    assert!(
        (large - 81.0).abs() < 0.05,
        "penalty of a 10-Lipschitz critic {large}"
    );
    // By hand: per-window norms 0 and 2 give ((0-1)^2 + (2-1)^2) / 2 = 1.
    let mut grads = vec![0.0f32; 2 * 2 * 2];
    grads[4] = 2.0;
    let g = Tensor::<3>::from_data(TensorData::new(grads, [2, 2, 2]), &device);
    assert!((values(gradient_penalty(g))[0] - 1.0).abs() < 1e-5);
}

#[test]
fn the_penalty_pulls_a_steep_critic_back_towards_unit_slope() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let device = device();
    device.seed(13);
    let critic = small_discriminator(&device);
    let (_, g) = critic
        .forward_with_input_gradient(random_windows(1, 16, &device))
        .unwrap();
    let norm = values(g).iter().map(|v| v * v).sum::<f32>().sqrt();
    // About 10-Lipschitz: a penalty near (10 - 1)^2 = 81.
    let critic = critic.map(&mut ScaleOutput(10.0 / f64::from(norm)));
    let mut optimizer = optimizer(OptimizerKind::Adam, &small_config(0, 0), 0.0);
    let settings = settings(GanLoss::WganGp, 1e-2);
    let mut penalties = Vec::new();
    let mut critic = critic;
    for step in 1..=15 {
        let real = constant_windows(0, 8, 16, &device);
        let fake = random_windows(8, 16, &device);
        let (next, stats) =
            critic_step(critic, &mut optimizer, real, fake, &settings, step).unwrap();
        critic = next;
        penalties.push(stats.gradient_penalty.unwrap());
    }
    assert!(penalties[0] > 40.0, "a steep critic {}", penalties[0]);
    assert!(
        penalties[14] < penalties[0] * 0.5,
        "penalty {} -> {}",
        penalties[0],
        penalties[14]
    );
}

#[test]
fn wgan_gp_refuses_minibatch_discrimination() {
    let config = with_discriminator(
        TrainConfig::for_loss(GanLoss::WganGp),
        DiscriminatorConfig::new().with_minibatch_kernels(4),
    );
    let error = config.validate().unwrap_err().to_string();
    assert!(error.contains("minibatch"), "{error}");
    let device = device();
    let critic = DiscriminatorConfig::new()
        .with_channels(8)
        .with_minibatch_kernels(4)
        .init(&device)
        .unwrap();
    assert!(
        critic
            .forward_with_input_gradient(constant_windows(1, 2, 4, &device))
            .is_err()
    );
}

fn batch(rows: usize, steps: usize, device: &Device) -> Tensor<2, Int> {
    let ids: Vec<i64> = (0..rows * steps)
        .map(|i| [39i64, 89, 43, 89, 46][i % 5])
        .collect();
    Tensor::from_data(TensorData::new(ids, [rows, steps]), device)
}

fn weights(module: impl Module) -> Vec<u8> {
    module.into_record().into_bytes().unwrap().to_vec()
}

#[test]
fn k_discriminator_steps_make_k_updates() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let device = device();
    device.seed(17);
    let config = small_config(0, 0);
    let generator = GeneratorConfig::new()
        .with_embedding(16)
        .with_hidden(32)
        .init(&device)
        .unwrap();
    let discriminator = small_discriminator(&device);
    let settings = settings(GanLoss::Bce, 1e-2);

    // Three updates through the adversarial step...
    let (mut opt_g, mut opt_d) = (
        optimizer(OptimizerKind::Adam, &config, 0.0),
        optimizer(OptimizerKind::Adam, &config, 0.0),
    );
    let optimizers = GanOptimizers {
        generator: &mut opt_g,
        discriminator: &mut opt_d,
    };
    let batches = vec![
        batch(4, 12, &device),
        batch(4, 12, &device),
        batch(4, 12, &device),
    ];
    let (_, d_three, stats) = adversarial_step(
        generator.clone(),
        discriminator.clone(),
        optimizers,
        batches,
        &settings,
        1,
    )
    .unwrap();
    assert_eq!(stats.d_updates, 3);

    // ...equal three critic updates made one by one.
    let mut by_hand = discriminator.clone();
    let mut opt = optimizer(OptimizerKind::Adam, &config, 0.0);
    let mut after_one = None;
    for _ in 0..3 {
        let (fake, real) = fake_and_real_with(
            &generator,
            batch(4, 12, &device),
            GeneratorOutput::Softmax,
            1.0,
        )
        .unwrap();
        by_hand = critic_step(by_hand, &mut opt, real, fake, &settings, 1)
            .unwrap()
            .0;
        after_one.get_or_insert_with(|| weights(by_hand.clone()));
    }
    assert_eq!(weights(d_three.clone()), weights(by_hand));
    assert_ne!(
        weights(d_three),
        after_one.unwrap(),
        "more than one update was made"
    );
}

#[test]
fn a_trainer_with_k_critic_steps_reports_k_updates_per_step() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let config = small_config(1, 2)
        .with_loss(GanLoss::WganGp)
        .with_d_steps(3);
    let mut trainer = Trainer::new(config, tiny_dataset(dir.path()), &device()).unwrap();
    let stats: Vec<_> = (0..3).map(|_| trainer.train_step().unwrap()).collect();
    assert_eq!(stats[0].phase, Phase::Mle);
    assert_eq!(stats[0].d_updates, None);
    assert!(stats[0].g_grad_norm.unwrap() > 0.0);
    for s in &stats[1..] {
        assert_eq!(s.d_updates, Some(3));
        assert_eq!(s.loss, Some(GanLoss::WganGp));
        let w = s.wasserstein.unwrap();
        assert_eq!(w, s.d_real.unwrap() - s.d_fake.unwrap());
        assert!(s.gradient_penalty.unwrap().is_finite());
        assert!(s.g_grad_norm.unwrap() > 0.0 && s.d_grad_norm.unwrap() > 0.0);
        assert_eq!(s.d_learning_rate, Some(1e-2));
    }
}

#[test]
fn straight_through_gumbel_softmax_is_one_hot_forward_and_passes_gradients() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let device = device();
    device.seed(19);
    let logits =
        Tensor::<3>::random([3, 5, 7], Distribution::Normal(0.0, 1.0), &device).require_grad();
    let y = gumbel_softmax_straight_through(logits.clone(), 0.5);
    let v = values(y.clone());
    for row in v.chunks(7) {
        assert_eq!(row.iter().filter(|&&x| x == 1.0).count(), 1, "{row:?}");
        assert_eq!(row.iter().filter(|&&x| x == 0.0).count(), 6, "{row:?}");
    }
    // The weighted sum picks the sampled entries; its gradient is the relaxation's, not 0.
    let weights = Tensor::<3>::random([3, 5, 7], Distribution::Normal(0.0, 1.0), &device);
    let grads = (y * weights).sum().backward();
    let g = values(logits.grad(&grads).unwrap());
    assert!(g.iter().any(|x| x.abs() > 1e-4));
    // A lower temperature samples the argmax more often: at 0.01 noise still decides, so
    // check the draw is a real sample: two seeds give different one-hots somewhere.
    device.seed(1);
    let a = values(gumbel_softmax_straight_through(
        logits.clone().detach(),
        1.0,
    ));
    device.seed(2);
    let b = values(gumbel_softmax_straight_through(logits.detach(), 1.0));
    assert_ne!(a, b);
}

#[test]
fn dropout_and_noise_act_only_while_training() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let device = device();
    device.seed(23);
    let discriminator = DiscriminatorConfig::new()
        .with_channels(16)
        .with_dropout(0.5)
        .with_noise_std(0.1)
        .init(&device)
        .unwrap();
    let x = random_windows(4, 8, &device);
    let a = values(discriminator.forward(x.clone()));
    let b = values(discriminator.forward(x.clone()));
    assert_ne!(a, b, "training forwards draw new masks and noise");
    let eval = discriminator.valid();
    let x = x.inner();
    assert_eq!(values(eval.forward(x.clone())), values(eval.forward(x)));
}

#[test]
fn minibatch_discrimination_makes_a_score_depend_on_the_batch() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let device = device();
    device.seed(29);
    let discriminator = DiscriminatorConfig::new()
        .with_channels(16)
        .with_minibatch_kernels(4)
        .with_minibatch_kernel_dims(3)
        .init(&device)
        .unwrap();
    let first = constant_windows(2, 1, 8, &device);
    let same = Tensor::cat(vec![first.clone(), constant_windows(2, 1, 8, &device)], 0);
    let other = Tensor::cat(vec![first, constant_windows(60, 1, 8, &device)], 0);
    let s_same = values(discriminator.forward(same));
    let s_other = values(discriminator.forward(other));
    assert_eq!(s_same.len(), 2);
    assert_ne!(s_same[0], s_other[0], "window 0's score ignores its batch");
    // Without the option, the score of window 0 does not depend on window 1.
    let plain = small_discriminator(&device);
    let a = values(plain.forward(Tensor::cat(
        vec![
            constant_windows(2, 1, 8, &device),
            constant_windows(2, 1, 8, &device),
        ],
        0,
    )));
    let b = values(plain.forward(Tensor::cat(
        vec![
            constant_windows(2, 1, 8, &device),
            constant_windows(60, 1, 8, &device),
        ],
        0,
    )));
    assert_eq!(a[0], b[0]);
}

fn with_discriminator(mut config: TrainConfig, discriminator: DiscriminatorConfig) -> TrainConfig {
    config.discriminator = discriminator;
    config
}

fn variant_losses(config: &TrainConfig) -> Vec<[u32; 5]> {
    let dir = tempfile::tempdir().unwrap();
    let mut trainer = Trainer::new(config.clone(), tiny_dataset(dir.path()), &device()).unwrap();
    (0..4)
        .map(|_| {
            let s = trainer.train_step().unwrap();
            [
                s.g_loss.to_bits(),
                s.d_loss.map_or(0, f32::to_bits),
                s.wasserstein.map_or(0, f32::to_bits),
                s.gradient_penalty.map_or(0, f32::to_bits),
                s.g_grad_norm.map_or(0, f32::to_bits),
            ]
        })
        .collect()
}

#[test]
fn same_seed_and_config_give_bit_identical_losses_for_every_variant() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let regularized = DiscriminatorConfig::new()
        .with_channels(16)
        .with_dropout(0.2)
        .with_noise_std(0.1);
    let configs = [
        small_config(1, 3),
        with_discriminator(
            small_config(1, 3)
                .with_generator_output(GeneratorOutput::GumbelSoftmax)
                .with_g_weight_decay(1e-3)
                .with_d_weight_decay(1e-3),
            regularized.clone().with_minibatch_kernels(4),
        ),
        small_config(1, 3)
            .with_loss(GanLoss::WganClip)
            .with_gan_optimizer(OptimizerKind::RmsProp)
            .with_d_steps(2),
        with_discriminator(
            small_config(1, 3)
                .with_loss(GanLoss::WganGp)
                .with_d_steps(2),
            regularized,
        ),
    ];
    for config in &configs {
        let a = variant_losses(config);
        assert_eq!(a, variant_losses(config), "{:?}", config.loss);
        assert!(a[1][1] != 0, "step 2 is adversarial");
        assert_ne!(
            a,
            variant_losses(&config.clone().with_seed(config.seed + 1)),
            "another seed, other losses"
        );
    }
}

/// The generator's update runs D with untracked weights: the loss's backward gives the
/// generator exactly the gradients it gets through the tracked D, and D none at all.
#[test]
fn a_detached_discriminator_passes_the_same_generator_gradients_and_none_of_its_own() {
    use burn::optim::GradientsParams;
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let device = device();
    device.seed(23);
    let generator = GeneratorConfig::new()
        .with_embedding(16)
        .with_hidden(32)
        .init(&device)
        .unwrap();
    let discriminator = small_discriminator(&device);
    let ids = batch(3, 10, &device);
    let run = |d: &Discriminator| {
        let (fake, _) =
            fake_and_real_with(&generator, ids.clone(), GeneratorOutput::Softmax, 1.0).unwrap();
        let scores = d.forward(fake);
        let mut grads = scores.clone().sum().backward();
        let d_grads = GradientsParams::from_module(&mut grads, d).len();
        let g_grads = GradientsParams::from_module(&mut grads, &generator);
        (values(scores), d_grads, weights_of(&generator, &g_grads))
    };
    let (scores, d_tracked, g_tracked) = run(&discriminator);
    let (scores_detached, d_detached, g_detached) = run(&discriminator.detached());
    assert_eq!(scores, scores_detached);
    assert!(d_tracked > 0, "the tracked D gets gradients");
    assert_eq!(d_detached, 0, "the detached D gets none");
    assert!(g_tracked.iter().any(|v| *v != 0.0));
    assert_eq!(g_tracked, g_detached);
}

/// Every gradient of `module`'s parameters in `grads`, flattened in visiting order.
fn weights_of<M: Module>(module: &M, grads: &burn::optim::GradientsParams) -> Vec<f32> {
    struct Collect<'a> {
        grads: &'a burn::optim::GradientsParams,
        out: Vec<f32>,
    }
    impl ModuleVisitor for Collect<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if let Some(g) = self.grads.get::<D>(param.id) {
                self.out.extend(values(g));
            }
        }
    }
    let mut collect = Collect {
        grads,
        out: Vec::new(),
    };
    module.visit(&mut collect);
    collect.out
}
