//! A fused LSTM layer for training and generation speed, reading the parameters of burn-nn's
//! [`Lstm`] (so records and checkpoints are unchanged).
//!
//! burn-nn's `Lstm` runs eight small matrix products and a dozen elementwise operations per
//! time step, each a node of the autodiff graph, and stores every step's hidden state with a
//! `slice_assign` whose backward materializes a full-size zero tensor per step. The fused
//! layer instead:
//!
//! 1. concatenates the four gates' weights into `W_x` `[E, 4H]` and `W_h` `[H, 4H]` (and their
//!    biases into `[4H]`) once per forward, with differentiable tensor operations, so the
//!    gradients land on the original parameters;
//! 2. projects the inputs of all time steps in one matrix product `[b*t, E] x [E, 4H]`;
//! 3. runs the recurrence as **one custom backend operation** ([`FusedLstmBackend`]): per
//!    step one `[b, H] x [H, 4H]` product and the gate math in a single loop; its hand-written
//!    backward runs the recurrence in reverse (one `[b, 4H] x [4H, H]` product per step) and
//!    computes the recurrent weights' gradient in one `[H, b*t] x [b*t, 4H]` product.
//!
//! The custom operation uses burn 0.22's backend-extension mechanism (`#[backend_extension]`,
//! burn's `extension` feature): a trait implemented for the `Flex` CPU backend and for
//! `Autodiff<Flex>` (the latter registering a [`Backward`] step), dispatched from the run-time
//! [`Device`]. On any other backend, another float type, or an LSTM configured differently
//! from the generator's (reverse, clipping, coupled gates, other activations), the layer falls
//! back to burn-nn's `Lstm::forward`.
//!
//! Gates are ordered input, forget, cell (candidate), output, as in
//! [`super::weights::GeneratorWeights`].

use std::borrow::Cow;
use std::sync::atomic::{AtomicU8, Ordering};

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::ops::FloatTensorOps;
use burn::backend::tensor::FloatTensor;
use burn::backend::{
    Autodiff, Backend, Dispatch, DispatchDevice, Flex, TensorMetadata, backend_extension,
};
use burn::nn::activation::Activation;
use burn::nn::{Linear, Lstm, LstmState};
use burn::tensor::{DType, Shape, Tensor, TensorData};

/// Which LSTM implementation the generator runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LstmKernel {
    /// burn-nn's `Lstm::forward`: one graph node per gate operation and step.
    Stock,
    /// The fused layer of this module (falls back to `Stock` where it does not apply).
    #[default]
    Fused,
}

static KERNEL: AtomicU8 = AtomicU8::new(1);

/// Chooses the LSTM implementation for the whole process (benchmarks compare the two; the
/// default is [`LstmKernel::Fused`]).
pub fn set_lstm_kernel(kernel: LstmKernel) {
    KERNEL.store(
        match kernel {
            LstmKernel::Stock => 0,
            LstmKernel::Fused => 1,
        },
        Ordering::Relaxed,
    );
}

/// The LSTM implementation chosen with [`set_lstm_kernel`].
pub fn lstm_kernel() -> LstmKernel {
    match KERNEL.load(Ordering::Relaxed) {
        0 => LstmKernel::Stock,
        _ => LstmKernel::Fused,
    }
}

/// Runs `lstm` on `input` `[b, t, E]` from `state` (zeros when `None`) with the implementation
/// chosen by [`set_lstm_kernel`]: the hidden states `[b, t, H]` and the final state, exactly as
/// `Lstm::forward` returns them.
pub fn lstm_forward(
    lstm: &Lstm,
    input: Tensor<3>,
    state: Option<LstmState<2>>,
) -> (Tensor<3>, LstmState<2>) {
    match lstm_kernel() {
        LstmKernel::Fused if fusable(lstm, &input) => fused_forward(lstm, input, state),
        _ => lstm.forward(input, state),
    }
}

/// Whether the fused layer computes the same function as `lstm.forward` on `input`'s device.
pub fn fusable(lstm: &Lstm, input: &Tensor<3>) -> bool {
    let plain = lstm.batch_first
        && !lstm.reverse
        && lstm.clip.is_none()
        && !lstm.input_forget
        && lstm.forget_gate.is_some()
        && matches!(lstm.gate_activation, Activation::Sigmoid(_))
        && matches!(lstm.cell_activation, Activation::Tanh(_))
        && matches!(lstm.hidden_activation, Activation::Tanh(_));
    let [batch, steps, _] = input.dims();
    let flex = matches!(
        input.device().inner().as_dispatch(),
        DispatchDevice::Flex(_)
    );
    // One step gains nothing from fusing over time, and the weights' concatenation would cost
    // more than it saves (generation feeds one token per call).
    plain && flex && input.dtype() == DType::F32 && batch > 0 && steps > 1
}

/// The fused layer (see the module documentation); callers check [`fusable`] first.
pub fn fused_forward(
    lstm: &Lstm,
    input: Tensor<3>,
    state: Option<LstmState<2>>,
) -> (Tensor<3>, LstmState<2>) {
    let [batch, steps, width] = input.dims();
    let hidden = lstm.d_hidden;
    let device = input.device();
    let gates = match &lstm.forget_gate {
        Some(forget) => [&lstm.input_gate, forget, &lstm.cell_gate, &lstm.output_gate],
        None => return lstm.forward(input, state),
    };
    let w_x = Tensor::cat(
        gates
            .iter()
            .map(|g| g.input_transform.weight.val())
            .collect(),
        1,
    ); // [E, 4H]
    let w_h = Tensor::cat(
        gates
            .iter()
            .map(|g| g.hidden_transform.weight.val())
            .collect(),
        1,
    ); // [H, 4H]
    let biases: Vec<Tensor<1>> = gates
        .iter()
        .filter_map(|g| sum_bias(&g.input_transform, &g.hidden_transform))
        .collect();
    let projected = input.reshape([batch * steps, width]).matmul(w_x); // [b*t, 4H]
    let projected = if biases.len() == 4 {
        projected + Tensor::cat(biases, 0).unsqueeze::<2>() // [b*t, 4H]
    } else {
        projected
    };
    let projected = projected.reshape([batch, steps, 4 * hidden]); // [b, t, 4H]
    let (cell, hidden_state) = match state {
        Some(state) => state.unpack(),
        None => {
            let zeros = Tensor::<2>::zeros([batch, hidden], &device);
            (zeros.clone(), zeros)
        }
    };
    let out = <Dispatch as FusedLstmBackend>::lstm_recurrence(
        projected.into_dispatch(),
        w_h.into_dispatch(),
        hidden_state.into_dispatch(),
        cell.into_dispatch(),
    );
    let out = Tensor::<3>::from_dispatch(out); // [b, t+1, H]
    let hiddens = out.clone().slice([0..batch, 0..steps]); // [b, t, H]
    let last_hidden = out
        .clone()
        .slice([0..batch, steps - 1..steps])
        .reshape([batch, hidden]); // [b, H]
    let last_cell = out
        .slice([0..batch, steps..steps + 1])
        .reshape([batch, hidden]); // [b, H]
    (hiddens, LstmState::new(last_cell, last_hidden))
}

/// The sum of a gate's two biases, `None` when it has none.
fn sum_bias(input: &Linear, hidden: &Linear) -> Option<Tensor<1>> {
    match (&input.bias, &hidden.bias) {
        (Some(a), Some(b)) => Some(a.val() + b.val()),
        (Some(a), None) => Some(a.val()),
        (None, Some(b)) => Some(b.val()),
        (None, None) => None,
    }
}

/// The LSTM recurrence as one backend operation.
#[backend_extension(Flex, Autodiff)]
pub trait FusedLstmBackend: Backend {
    /// `projected` `[b, t, 4H]` (inputs times `W_x` plus biases, gates i, f, g, o), `w_h`
    /// `[H, 4H]`, the initial `hidden` and `cell` `[b, H]` -> `[b, t+1, H]`: rows `0..t` are
    /// the hidden states after each step, row `t` the final cell state.
    fn lstm_recurrence(
        projected: FloatTensor<Self>,
        w_h: FloatTensor<Self>,
        hidden: FloatTensor<Self>,
        cell: FloatTensor<Self>,
    ) -> FloatTensor<Self>;
}

impl FusedLstmBackend for Flex {
    fn lstm_recurrence(
        projected: FlexTensor,
        w_h: FlexTensor,
        hidden: FlexTensor,
        cell: FlexTensor,
    ) -> FlexTensor {
        recurrence_forward(&projected, w_h, &hidden, &cell, false).0
    }
}

impl<C: CheckpointStrategy> FusedLstmBackend for Autodiff<Flex, C> {
    fn lstm_recurrence(
        projected: FloatTensor<Self>,
        w_h: FloatTensor<Self>,
        hidden: FloatTensor<Self>,
        cell: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        let nodes = [projected.node(), w_h.node(), hidden.node(), cell.node()];
        let (p, w, h, c) = (
            projected.into_primitive(),
            w_h.into_primitive(),
            hidden.into_primitive(),
            cell.into_primitive(),
        );
        match RecurrenceBackward
            .prepare::<C>(nodes)
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let (out, tape) = recurrence_forward(&p, w, &h, &c, true);
                match tape {
                    Some(tape) => prep.finish(tape, out),
                    None => prep.finish(Tape::empty(), out),
                }
            }
            OpsKind::UnTracked(prep) => prep.finish(recurrence_forward(&p, w, &h, &c, false).0),
        }
    }
}

/// The backward step of [`FusedLstmBackend::lstm_recurrence`].
#[derive(Debug)]
struct RecurrenceBackward;

/// What the backward pass needs from the forward pass.
#[derive(Clone, Debug)]
struct Tape {
    dims: Dims,
    /// Gate activations i, f, g, o of every step, `[b, t, 4H]`.
    gates: Vec<f32>,
    /// Cell states c_0..c_t, time-major `[t+1, b, H]`.
    cells: Vec<f32>,
    /// The hidden state before each step, `[b, t, H]`.
    previous_hidden: Vec<f32>,
    /// `W_h` `[H, 4H]`.
    w_h: Option<FlexTensor>,
}

impl Tape {
    fn empty() -> Self {
        Tape {
            dims: Dims::default(),
            gates: Vec::new(),
            cells: Vec::new(),
            previous_hidden: Vec::new(),
            w_h: None,
        }
    }
}

#[derive(Clone, Copy, Debug, Default)]
struct Dims {
    batch: usize,
    steps: usize,
    hidden: usize,
}

impl Backward<Flex, 4> for RecurrenceBackward {
    type State = Tape;

    fn backward(self, ops: Ops<Tape, 4>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let grad = grads.consume::<Flex>(&ops.node);
        let [p_node, w_node, h_node, c_node] = ops.parents;
        let tape = ops.state;
        let Some(w_h) = tape.w_h.as_ref() else {
            return;
        };
        let result = recurrence_backward(&tape, w_h, &grad);
        let Dims {
            batch,
            steps,
            hidden,
        } = tape.dims;
        let dz = tensor(result.dz, [batch * steps, 4 * hidden].to_vec()); // [b*t, 4H]
        if let Some(node) = w_node {
            // dW_h = H_prev^T [H, b*t] x dZ [b*t, 4H]
            let h_prev = tensor(tape.previous_hidden, [batch * steps, hidden].to_vec());
            let dw = Flex::float_matmul(Flex::float_transpose(h_prev), dz.clone());
            grads.register::<Flex>(node.id, dw);
        }
        if let Some(node) = p_node {
            let dz = dz.reshape(Shape::from([batch, steps, 4 * hidden].to_vec()));
            grads.register::<Flex>(node.id, dz);
        }
        if let Some(node) = h_node {
            grads.register::<Flex>(node.id, tensor(result.dh0, [batch, hidden].to_vec()));
        }
        if let Some(node) = c_node {
            grads.register::<Flex>(node.id, tensor(result.dc0, [batch, hidden].to_vec()));
        }
    }
}

/// A contiguous `f32` Flex tensor.
fn tensor(values: Vec<f32>, shape: Vec<usize>) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, shape))
}

/// A Flex tensor's values in row-major order (copied only when it is not contiguous).
fn values(t: &FlexTensor) -> Cow<'_, [f32]> {
    match t.as_slice::<f32>() {
        Some(slice) => Cow::Borrowed(slice),
        None => Cow::Owned(
            t.clone()
                .into_data()
                .convert::<f32>()
                .try_to_vec::<f32>()
                .unwrap_or_default(),
        ),
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// `tanh` through one `exp` (libm's `tanhf` goes through the slower `expm1f`); saturates to
/// -1 and 1 without NaN, absolute error about 1e-7.
fn tanh(x: f32) -> f32 {
    2.0 / (1.0 + (-2.0 * x).exp()) - 1.0
}

/// The forward recurrence; with `record`, also the tape for the backward pass.
fn recurrence_forward(
    projected: &FlexTensor,
    w_h: FlexTensor,
    hidden: &FlexTensor,
    cell: &FlexTensor,
    record: bool,
) -> (FlexTensor, Option<Tape>) {
    let dims = projected.shape().dims::<3>();
    let [batch, steps, four_h] = dims;
    let h = four_h / 4;
    let x = values(projected);
    let mut h_t: Vec<f32> = values(hidden).into_owned();
    let mut c_t: Vec<f32> = values(cell).into_owned();
    let mut out = vec![0.0f32; batch * (steps + 1) * h];
    let (mut gates, mut cells, mut previous_hidden) = if record {
        let mut cells = Vec::with_capacity((steps + 1) * batch * h);
        cells.extend_from_slice(&c_t);
        (
            vec![0.0f32; batch * steps * four_h],
            cells,
            vec![0.0f32; batch * steps * h],
        )
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };
    for t in 0..steps {
        let recurrent = Flex::float_matmul(tensor(h_t.clone(), [batch, h].to_vec()), w_h.clone());
        let recurrent = values(&recurrent); // [b, 4H]
        for r in 0..batch {
            let z_x = &x[(r * steps + t) * four_h..][..four_h];
            let z_h = &recurrent[r * four_h..][..four_h];
            if record {
                previous_hidden[(r * steps + t) * h..][..h].copy_from_slice(&h_t[r * h..][..h]);
            }
            for j in 0..h {
                let i = sigmoid(z_x[j] + z_h[j]);
                let f = sigmoid(z_x[h + j] + z_h[h + j]);
                let g = tanh(z_x[2 * h + j] + z_h[2 * h + j]);
                let o = sigmoid(z_x[3 * h + j] + z_h[3 * h + j]);
                let c = f * c_t[r * h + j] + i * g;
                let hv = o * tanh(c);
                c_t[r * h + j] = c;
                h_t[r * h + j] = hv;
                out[(r * (steps + 1) + t) * h + j] = hv;
                if record {
                    let a = &mut gates[(r * steps + t) * four_h..][..four_h];
                    a[j] = i;
                    a[h + j] = f;
                    a[2 * h + j] = g;
                    a[3 * h + j] = o;
                }
            }
        }
        if record {
            cells.extend_from_slice(&c_t);
        }
    }
    for r in 0..batch {
        out[(r * (steps + 1) + steps) * h..][..h].copy_from_slice(&c_t[r * h..][..h]);
    }
    let out = tensor(out, [batch, steps + 1, h].to_vec());
    let tape = record.then(|| Tape {
        dims: Dims {
            batch,
            steps,
            hidden: h,
        },
        gates,
        cells,
        previous_hidden,
        w_h: Some(w_h),
    });
    (out, tape)
}

/// The gradients of the recurrence's inputs.
struct RecurrenceGrads {
    /// d projected, `[b, t, 4H]` (also the pre-activation gate gradients).
    dz: Vec<f32>,
    /// d initial hidden `[b, H]`.
    dh0: Vec<f32>,
    /// d initial cell `[b, H]`.
    dc0: Vec<f32>,
}

/// Runs the recurrence backwards from the output gradient `grad` `[b, t+1, H]`.
fn recurrence_backward(tape: &Tape, w_h: &FlexTensor, grad: &FlexTensor) -> RecurrenceGrads {
    let Dims {
        batch,
        steps,
        hidden: h,
    } = tape.dims;
    let four_h = 4 * h;
    let g_out = values(grad);
    // W_h^T [4H, H], contiguous once for all steps.
    let w_t = Flex::float_transpose(w_h.clone()).to_contiguous();
    let mut dz = vec![0.0f32; batch * steps * four_h];
    let mut dz_t = vec![0.0f32; batch * four_h];
    let mut dh_next = vec![0.0f32; batch * h];
    let mut dc_next = vec![0.0f32; batch * h];
    for r in 0..batch {
        dc_next[r * h..][..h].copy_from_slice(&g_out[(r * (steps + 1) + steps) * h..][..h]);
    }
    for t in (0..steps).rev() {
        let c_now = &tape.cells[(t + 1) * batch * h..][..batch * h];
        let c_prev = &tape.cells[t * batch * h..][..batch * h];
        for r in 0..batch {
            let a = &tape.gates[(r * steps + t) * four_h..][..four_h];
            let g_row = &g_out[(r * (steps + 1) + t) * h..][..h];
            let d = &mut dz_t[r * four_h..][..four_h];
            for j in 0..h {
                let (i, f, g, o) = (a[j], a[h + j], a[2 * h + j], a[3 * h + j]);
                let k = r * h + j;
                let dh = g_row[j] + dh_next[k];
                let tc = tanh(c_now[k]);
                let d_o = dh * tc;
                let dc = dc_next[k] + dh * o * (1.0 - tc * tc);
                d[j] = dc * g * i * (1.0 - i);
                d[h + j] = dc * c_prev[k] * f * (1.0 - f);
                d[2 * h + j] = dc * i * (1.0 - g * g);
                d[3 * h + j] = d_o * o * (1.0 - o);
                dc_next[k] = dc * f;
            }
            dz[(r * steps + t) * four_h..][..four_h].copy_from_slice(d);
        }
        let back = Flex::float_matmul(tensor(dz_t.clone(), [batch, four_h].to_vec()), w_t.clone());
        dh_next.copy_from_slice(&values(&back));
    }
    RecurrenceGrads {
        dz,
        dh0: dh_next,
        dc0: dc_next,
    }
}
