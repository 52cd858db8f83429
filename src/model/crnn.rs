//! C-RNN-GAN (Mogren 2016, "C-RNN-GAN: Continuous recurrent neural networks with adversarial
//! training"): a GAN over continuous note events instead of tokens.
//!
//! - [`CrnnGenerator`]: two stacked LSTMs; at every step the input is a noise vector
//!   concatenated with the generator's own previous output (a zero event before the first),
//!   and a linear layer turns the top LSTM's state into the next event's `F` features.
//! - [`CrnnDiscriminator`]: two stacked bidirectional LSTMs (burn's `BiLstm`, one forward and
//!   one reversed `Lstm` each) and a linear layer shared over time giving one real/fake logit
//!   per step; the paper averages the per-step sigmoids over time. The top layer's outputs are
//!   also returned, for the generator's feature-matching loss.
//!
//! Shapes: `b` batch, `t` events, `F` features per event (4: pitch, duration, time since the
//! previous onset, velocity), `Z` noise width, `H` LSTM width.
//!
//! The paper's networks use 350 units per LSTM layer; this project's issue sets 100 (a tenth of
//! the parameters, trainable on a CPU), which is the default here.

use burn::config::Config;
use burn::module::Module;
use burn::nn::{BiLstm, BiLstmConfig, Linear, LinearConfig, Lstm, LstmConfig, LstmState};
use burn::tensor::{Device, Tensor};

use super::config::ModelError;
use super::fused_lstm::lstm_forward;

/// Features per event: pitch, duration, time since the previous onset, velocity.
pub const EVENT_FEATURES: usize = 4;

/// The C-RNN-GAN generator: at each step `[noise (Z), previous event (F)]` -> LSTM(H) ->
/// LSTM(H) -> Linear(F).
#[derive(Config, Debug, PartialEq)]
pub struct CrnnGeneratorConfig {
    /// Features per event `F` (4, see [`EVENT_FEATURES`]).
    #[config(default = 4)]
    pub features: usize,
    /// Width `Z` of the noise vector fed at each step, drawn uniformly from `[0, 1)` (the
    /// paper's reference code uses as many noise values as event features).
    #[config(default = 4)]
    pub noise: usize,
    /// Hidden width `H` of both LSTM layers (100 per this project's issue; the paper has 350).
    #[config(default = 100)]
    pub hidden: usize,
}

/// The C-RNN-GAN discriminator: events `[b, t, F]` -> BiLSTM(H) -> BiLSTM(H) -> Linear(2H -> 1)
/// at each step, a real/fake logit per step.
#[derive(Config, Debug, PartialEq)]
pub struct CrnnDiscriminatorConfig {
    /// Features per event `F` (4, see [`EVENT_FEATURES`]).
    #[config(default = 4)]
    pub features: usize,
    /// Hidden width `H` of each direction of both bidirectional layers (100 per this
    /// project's issue; the paper has 350).
    #[config(default = 100)]
    pub hidden: usize,
}

impl CrnnGeneratorConfig {
    /// Checks that the configuration can build a model.
    pub fn validate(&self) -> Result<(), ModelError> {
        nonzero("the C-RNN-GAN generator's features", self.features)?;
        nonzero("the C-RNN-GAN generator's noise width", self.noise)?;
        nonzero("the C-RNN-GAN generator's hidden width", self.hidden)
    }

    /// Builds a generator with fresh weights on `device` (drawn from the device's RNG: seed it
    /// first for a reproducible model).
    pub fn init(&self, device: &Device) -> Result<CrnnGenerator, ModelError> {
        self.validate()?;
        Ok(CrnnGenerator {
            lstm1: LstmConfig::new(self.noise + self.features, self.hidden, true).init(device),
            lstm2: LstmConfig::new(self.hidden, self.hidden, true).init(device),
            output: LinearConfig::new(self.hidden, self.features).init(device),
            features: self.features,
            noise: self.noise,
        })
    }
}

impl CrnnDiscriminatorConfig {
    /// Checks that the configuration can build a model.
    pub fn validate(&self) -> Result<(), ModelError> {
        nonzero("the C-RNN-GAN discriminator's features", self.features)?;
        nonzero("the C-RNN-GAN discriminator's hidden width", self.hidden)
    }

    /// Builds a discriminator with fresh weights on `device` (drawn from the device's RNG:
    /// seed it first for a reproducible model).
    pub fn init(&self, device: &Device) -> Result<CrnnDiscriminator, ModelError> {
        self.validate()?;
        Ok(CrnnDiscriminator {
            layer1: BiLstmConfig::new(self.features, self.hidden, true).init(device),
            layer2: BiLstmConfig::new(2 * self.hidden, self.hidden, true).init(device),
            output: LinearConfig::new(2 * self.hidden, 1).init(device),
            hidden: self.hidden,
        })
    }
}

/// The C-RNN-GAN generator (see [`CrnnGeneratorConfig`]).
#[derive(Module, Debug)]
pub struct CrnnGenerator {
    lstm1: Lstm,
    lstm2: Lstm,
    output: Linear,
    features: usize,
    noise: usize,
}

/// The recurrent state of both generator layers between two steps.
#[derive(Clone, Debug)]
pub struct CrnnGeneratorState {
    /// The lower LSTM's state (`[b, H]` each).
    pub lower: LstmState<2>,
    /// The upper LSTM's state (`[b, H]` each).
    pub upper: LstmState<2>,
}

impl CrnnGenerator {
    /// Features per event `F`.
    pub fn features(&self) -> usize {
        self.features
    }

    /// Noise width `Z`.
    pub fn noise_width(&self) -> usize {
        self.noise
    }

    /// Teacher forcing: each step reads its noise and the given previous event instead of its
    /// own output. `noise` `[b, t, Z]`, `previous` `[b, t, F]` (row `i` the event before event
    /// `i`) -> the predicted events `[b, t, F]`.
    pub fn forward_teacher(&self, noise: Tensor<3>, previous: Tensor<3>) -> Tensor<3> {
        let x = Tensor::cat(vec![noise, previous], 2); // [b, t, Z+F]
        let (x, _) = lstm_forward(&self.lstm1, x, None); // [b, t, H]
        let (x, _) = lstm_forward(&self.lstm2, x, None); // [b, t, H]
        self.output.forward(x) // [b, t, F]
    }

    /// One free-running step: noise `[b, Z]`, the previous event `[b, F]` and the state after
    /// the previous step (`None` at the start) -> the next event `[b, F]` and the new state.
    pub fn step(
        &self,
        noise: Tensor<2>,
        previous: Tensor<2>,
        state: Option<CrnnGeneratorState>,
    ) -> (Tensor<2>, CrnnGeneratorState) {
        let (lower, upper) = match state {
            Some(s) => (Some(s.lower), Some(s.upper)),
            None => (None, None),
        };
        let x = Tensor::cat(vec![noise, previous], 1).unsqueeze_dim::<3>(1); // [b, 1, Z+F]
        // The layers' last hidden state is their output at this single step; reading it from
        // the state keeps the per-step output buffer out of the backward pass.
        let (_, lower) = lstm_forward(&self.lstm1, x, lower);
        let x = lower.hidden.clone().unsqueeze_dim::<3>(1); // [b, 1, H]
        let (_, upper) = lstm_forward(&self.lstm2, x, upper);
        let event = self.output.forward(upper.hidden.clone()); // [b, F]
        (event, CrnnGeneratorState { lower, upper })
    }

    /// Free-running generation: the noise of every step `[b, t, Z]` -> events `[b, t, F]`, each
    /// step fed its noise and the event the previous step produced (zeros before the first).
    pub fn generate(&self, noise: Tensor<3>) -> Tensor<3> {
        let [batch, steps, _] = noise.dims();
        let device = noise.device();
        let mut previous = Tensor::<2>::zeros([batch, self.features], &device); // [b, F]
        let mut state = None;
        let mut events = Vec::with_capacity(steps);
        for z in noise.iter_dim(1) {
            let z = z.squeeze_dim::<2>(1); // [b, Z]
            let (event, next) = self.step(z, previous, state); // [b, F]
            state = Some(next);
            events.push(event.clone().unsqueeze_dim::<3>(1)); // [b, 1, F]
            previous = event;
        }
        if events.is_empty() {
            return Tensor::zeros([batch, 0, self.features], &device);
        }
        Tensor::cat(events, 1) // [b, t, F]
    }
}

/// What the discriminator says about a batch of event sequences.
#[derive(Clone, Debug)]
pub struct CrnnJudgement {
    /// A real/fake logit per sequence and step `[b, t]` (positive: judged real). The paper's
    /// decision is the mean over time of their sigmoids.
    pub logits: Tensor<2>,
    /// The top bidirectional layer's outputs `[b, t, 2H]` (forward and backward halves), the
    /// features matched by the generator's feature-matching loss.
    pub features: Tensor<3>,
}

/// The C-RNN-GAN discriminator (see [`CrnnDiscriminatorConfig`]).
#[derive(Module, Debug)]
pub struct CrnnDiscriminator {
    layer1: BiLstm,
    layer2: BiLstm,
    output: Linear,
    hidden: usize,
}

impl CrnnDiscriminator {
    /// The width `2H` of the features in [`CrnnJudgement::features`].
    pub fn feature_width(&self) -> usize {
        2 * self.hidden
    }

    /// Judges event sequences `[b, t, F]`: per-step logits and the top layer's features.
    pub fn forward(&self, events: Tensor<3>) -> CrnnJudgement {
        let [batch, steps, _] = events.dims();
        let x = bidirectional(&self.layer1, events); // [b, t, 2H]
        let features = bidirectional(&self.layer2, x); // [b, t, 2H]
        let logits = self.output.forward(features.clone()); // [b, t, 1]
        CrnnJudgement {
            logits: logits.reshape([batch, steps]), // [b, t]
            features,
        }
    }
}

/// A bidirectional layer on `[b, t, E]` -> `[b, t, 2H]`: the forward LSTM's outputs, then
/// the reverse LSTM's, which reads the sequence from its end (so its output at step `i` has
/// seen steps `i..t`). It computes what `BiLstm::forward` does, with the same parameters, but
/// runs both directions through [`lstm_forward`] (the fused kernel where it applies); the
/// reverse direction is the plain LSTM on the time-flipped sequence, flipped back.
pub fn bidirectional(layer: &BiLstm, input: Tensor<3>) -> Tensor<3> {
    let (forward, _) = lstm_forward(&layer.forward, input.clone(), None); // [b, t, H]
    let flipped = input.flip([1]); // [b, t, E], last step first
    let (backward, _) = lstm_forward(&layer.reverse, flipped, None); // [b, t, H]
    Tensor::cat(vec![forward, backward.flip([1])], 2) // [b, t, 2H]
}

fn nonzero(what: &'static str, value: usize) -> Result<(), ModelError> {
    if value == 0 {
        Err(ModelError::ZeroSize { what })
    } else {
        Ok(())
    }
}
