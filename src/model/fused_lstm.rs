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
//! 2. runs the rest as **one custom backend operation** ([`FusedLstmBackend`]): the inputs of
//!    all time steps projected in one `[b*t, E] x [E, 4H]` product written on top of the
//!    biases; then per step one `[b, H] x [H, 4H]` product (with `W_h` packed once per pass
//!    for [`crate::linalg::gemm_add`], the generation engine's register-blocked kernel) and
//!    the gate math in one vectorized pass, the batch split over the threads of the current
//!    rayon pool (each row's arithmetic is the same whatever thread runs it, so results do
//!    not depend on the thread count). Its hand-written backward runs the recurrence in
//!    reverse (one `[b, 4H] x [4H, H]` product per step, `W_h^T` packed once) and computes
//!    `dW_h`, `dW_x`, the biases' and the input's gradients in one product (or sum) each.
//!
//! The custom operation uses burn 0.22's backend-extension mechanism (`#[backend_extension]`,
//! burn's `extension` feature): a trait implemented for the `Flex` CPU backend and for
//! `Autodiff<Flex>` (the latter registering a [`Backward`] step), dispatched from the run-time
//! [`Device`](burn::tensor::Device). On any other backend, another float type, or an LSTM
//! configured differently from the generator's (reverse, clipping, coupled gates, other
//! activations), the layer falls back to burn-nn's `Lstm::forward`.
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
use burn::tensor::{DType, Tensor, TensorData};

use rayon::prelude::*;

use super::product::{product, product_into};
use crate::linalg::matmul::View;
use crate::linalg::{PackedMatrix, column_sums, gemm_add, sigmoid, tanh};

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
    let [batch, steps, _] = input.dims();
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
    let bias = if biases.len() == 4 {
        Tensor::cat(biases, 0) // [4H]
    } else {
        Tensor::<1>::zeros([4 * hidden], &device)
    };
    let (cell, hidden_state) = match state {
        Some(state) => state.unpack(),
        None => {
            let zeros = Tensor::<2>::zeros([batch, hidden], &device);
            (zeros.clone(), zeros)
        }
    };
    let out = <Dispatch as FusedLstmBackend>::lstm_layer(
        input.into_dispatch(),
        w_x.into_dispatch(),
        bias.into_dispatch(),
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

/// The LSTM layer as one backend operation.
#[backend_extension(Flex, Autodiff)]
pub trait FusedLstmBackend: Backend {
    /// `input` `[b, t, E]`, `w_x` `[E, 4H]`, `bias` `[4H]` (gates i, f, g, o), `w_h`
    /// `[H, 4H]`, the initial `hidden` and `cell` `[b, H]` -> `[b, t+1, H]`: rows `0..t` are
    /// the hidden states after each step, row `t` the final cell state.
    fn lstm_layer(
        input: FloatTensor<Self>,
        w_x: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        w_h: FloatTensor<Self>,
        hidden: FloatTensor<Self>,
        cell: FloatTensor<Self>,
    ) -> FloatTensor<Self>;
}

impl FusedLstmBackend for Flex {
    fn lstm_layer(
        input: FlexTensor,
        w_x: FlexTensor,
        bias: FlexTensor,
        w_h: FlexTensor,
        hidden: FlexTensor,
        cell: FlexTensor,
    ) -> FlexTensor {
        let inputs = LayerInputs {
            input,
            w_x,
            bias,
            w_h,
        };
        layer_forward(inputs, &hidden, &cell, false).0
    }
}

impl<C: CheckpointStrategy> FusedLstmBackend for Autodiff<Flex, C> {
    fn lstm_layer(
        input: FloatTensor<Self>,
        w_x: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        w_h: FloatTensor<Self>,
        hidden: FloatTensor<Self>,
        cell: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        let nodes = [
            input.node(),
            w_x.node(),
            bias.node(),
            w_h.node(),
            hidden.node(),
            cell.node(),
        ];
        let inputs = LayerInputs {
            input: input.into_primitive(),
            w_x: w_x.into_primitive(),
            bias: bias.into_primitive(),
            w_h: w_h.into_primitive(),
        };
        let (h, c) = (hidden.into_primitive(), cell.into_primitive());
        match LayerBackward.prepare::<C>(nodes).compute_bound().stateful() {
            OpsKind::Tracked(prep) => {
                let (out, tape) = layer_forward(inputs, &h, &c, true);
                match tape {
                    Some(tape) => prep.finish(tape, out),
                    None => prep.finish(Tape::empty(), out),
                }
            }
            OpsKind::UnTracked(prep) => prep.finish(layer_forward(inputs, &h, &c, false).0),
        }
    }
}

/// The layer's tensor inputs other than the initial state (shared storage, not copies); the
/// tape keeps them for the backward pass.
#[derive(Clone, Debug)]
struct LayerInputs {
    /// `[b, t, E]`.
    input: FlexTensor,
    /// `[E, 4H]`.
    w_x: FlexTensor,
    /// `[4H]`.
    bias: FlexTensor,
    /// `[H, 4H]`.
    w_h: FlexTensor,
}

/// The backward step of [`FusedLstmBackend::lstm_layer`].
#[derive(Debug)]
struct LayerBackward;

/// What the backward pass needs from the forward pass.
#[derive(Clone, Debug)]
struct Tape {
    dims: Dims,
    /// Gate activations i, f, g, o of every step, time-major `[t, b, 4H]`.
    gates: Vec<f32>,
    /// Cell states c_0..c_t, time-major `[t+1, b, H]`.
    cells: Vec<f32>,
    /// `tanh` of the cell states c_1..c_t, time-major `[t, b, H]`.
    cell_tanh: Vec<f32>,
    /// The hidden state before each step, `[b, t, H]` (the rows of `dW_h`'s product).
    previous_hidden: Vec<f32>,
    /// The layer's inputs.
    inputs: Option<LayerInputs>,
}

impl Tape {
    fn empty() -> Self {
        Tape {
            dims: Dims::default(),
            gates: Vec::new(),
            cells: Vec::new(),
            cell_tanh: Vec::new(),
            previous_hidden: Vec::new(),
            inputs: None,
        }
    }
}

#[derive(Clone, Copy, Debug, Default)]
struct Dims {
    batch: usize,
    steps: usize,
    hidden: usize,
}

impl Backward<Flex, 6> for LayerBackward {
    type State = Tape;

    fn backward(self, ops: Ops<Tape, 6>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let grad = grads.consume::<Flex>(&ops.node);
        let [x_node, wx_node, b_node, wh_node, h_node, c_node] = ops.parents;
        let tape = ops.state;
        let Some(inputs) = tape.inputs.as_ref() else {
            return;
        };
        let result = recurrence_backward(&tape, &inputs.w_h, &grad);
        let Dims {
            batch,
            steps,
            hidden,
        } = tape.dims;
        let (rows, four_h) = (batch * steps, 4 * hidden);
        let width = inputs.w_x.shape().dims::<2>()[0];
        let dz = &result.dz; // [b*t, 4H]
        let dz_view = View::dense(rows, four_h);
        if let Some(node) = wh_node {
            // dW_h = H_prev^T [H, b*t] x dZ [b*t, 4H]
            let h_prev = View::dense(rows, hidden).transposed();
            let dw = product(&tape.previous_hidden, h_prev, dz, dz_view);
            grads.register::<Flex>(node.id, tensor(dw, [hidden, four_h]));
        }
        if let Some(node) = wx_node {
            // dW_x = X^T [E, b*t] x dZ [b*t, 4H]
            let x = View::dense(rows, width).transposed();
            let dw = product(&values(&inputs.input), x, dz, dz_view);
            grads.register::<Flex>(node.id, tensor(dw, [width, four_h]));
        }
        if let Some(node) = b_node {
            let db = column_sums(dz, four_h);
            grads.register::<Flex>(node.id, tensor(db, [four_h]));
        }
        if let Some(node) = x_node {
            // dX = dZ [b*t, 4H] x W_x^T [4H, E]
            let w_t = View::dense(width, four_h).transposed();
            let dx = product(dz, dz_view, &values(&inputs.w_x), w_t);
            grads.register::<Flex>(node.id, tensor(dx, [batch, steps, width]));
        }
        if let Some(node) = h_node {
            grads.register::<Flex>(node.id, tensor(result.dh0, [batch, hidden]));
        }
        if let Some(node) = c_node {
            grads.register::<Flex>(node.id, tensor(result.dc0, [batch, hidden]));
        }
    }
}

/// A contiguous `f32` Flex tensor.
pub(super) fn tensor<const N: usize>(values: Vec<f32>, shape: [usize; N]) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, shape.to_vec()))
}

/// A Flex tensor's values in row-major order (copied only when it is not contiguous).
pub(super) fn values(t: &FlexTensor) -> Cow<'_, [f32]> {
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

/// The forward pass; with `record`, also the tape for the backward pass.
///
/// The inputs of all steps are projected in one product written on top of the biases
/// (`[b*t, E] x [E, 4H]`, [`product_into`]). `W_h` is repacked once ([`PackedMatrix`]); each step
/// starts the gate inputs from the step's projected rows, adds `h W_h` with [`gemm_add`] and
/// runs the gate math in one vectorized pass ([`cells_forward`]), the batch split over the
/// current rayon pool, with no allocation inside the loop.
fn layer_forward(
    inputs: LayerInputs,
    hidden: &FlexTensor,
    cell: &FlexTensor,
    record: bool,
) -> (FlexTensor, Option<Tape>) {
    let [batch, steps, width] = inputs.input.shape().dims::<3>();
    let [h, four_h] = inputs.w_h.shape().dims::<2>();
    let rows = batch * steps;
    let mut x = Vec::with_capacity(rows * four_h); // [b*t, 4H]
    let bias = values(&inputs.bias);
    for _ in 0..rows {
        x.extend_from_slice(&bias);
    }
    product_into(
        &mut x,
        View::dense(rows, four_h),
        &values(&inputs.input),
        View::dense(rows, width),
        &values(&inputs.w_x),
        View::dense(width, four_h),
        true,
    ); // x W_x + b
    let packed = PackedMatrix::new(&values(&inputs.w_h), h, four_h);
    let mut h_t: Vec<f32> = values(hidden).into_owned();
    let mut c_t: Vec<f32> = values(cell).into_owned();
    let mut z = vec![0.0f32; batch * four_h];
    let mut out = vec![0.0f32; batch * (steps + 1) * h];
    // Without a tape, one step's worth of scratch for what the tape would keep.
    let kept = if record { steps } else { 1 };
    let mut gates = vec![0.0f32; kept * batch * four_h];
    let mut cell_tanh = vec![0.0f32; kept * batch * h];
    let mut cells = Vec::with_capacity(if record { (steps + 1) * batch * h } else { 0 });
    let mut previous_hidden = vec![0.0f32; if record { steps * batch * h } else { 0 }];
    if record {
        cells.extend_from_slice(&c_t);
    }
    let part = rows_per_part(batch);
    for t in 0..steps {
        let slot = if record { t } else { 0 };
        if record {
            for (r, row) in h_t.chunks_exact(h).enumerate() {
                previous_hidden[(r * steps + t) * h..][..h].copy_from_slice(row);
            }
        }
        // One part of the batch, rows `first..`: z = x_t W_x + b + h_{t-1} W_h, then the cells.
        let step = |first: usize, z: &mut [f32], state: CellState<'_>| {
            for (i, row) in z.chunks_exact_mut(four_h).enumerate() {
                row.copy_from_slice(&x[((first + i) * steps + t) * four_h..][..four_h]);
            }
            gemm_add(&packed, state.hidden, z, state.hidden.len() / h); // [rows, 4H]
            cells_forward(z, h, state);
        };
        let activations = &mut gates[slot * batch * four_h..][..batch * four_h];
        let tanh_slot = &mut cell_tanh[slot * batch * h..][..batch * h];
        if part >= batch {
            let state = CellState {
                cell: &mut c_t,
                hidden: &mut h_t,
                activations,
                cell_tanh: tanh_slot,
            };
            step(0, &mut z, state);
        } else {
            z.par_chunks_mut(part * four_h)
                .zip(h_t.par_chunks_mut(part * h))
                .zip(c_t.par_chunks_mut(part * h))
                .zip(activations.par_chunks_mut(part * four_h))
                .zip(tanh_slot.par_chunks_mut(part * h))
                .enumerate()
                .for_each(|(p, ((((z, hidden), cell), activations), cell_tanh))| {
                    let state = CellState {
                        cell,
                        hidden,
                        activations,
                        cell_tanh,
                    };
                    step(p * part, z, state);
                });
        }
        for (r, row) in h_t.chunks_exact(h).enumerate() {
            out[(r * (steps + 1) + t) * h..][..h].copy_from_slice(row);
        }
        if record {
            cells.extend_from_slice(&c_t);
        }
    }
    for r in 0..batch {
        out[(r * (steps + 1) + steps) * h..][..h].copy_from_slice(&c_t[r * h..][..h]);
    }
    let out = tensor(out, [batch, steps + 1, h]);
    let tape = record.then(|| Tape {
        dims: Dims {
            batch,
            steps,
            hidden: h,
        },
        gates,
        cells,
        cell_tanh,
        previous_hidden,
        inputs: Some(inputs),
    });
    (out, tape)
}

/// Rows of the batch each thread of the current rayon pool takes in one step: the whole batch
/// on one thread (or for a batch too small to share), else `batch / threads` rounded up to
/// the product's tile of 4 rows. Each row's arithmetic is the same whatever part it falls in
/// ([`gemm_add`]), so the results do not depend on the number of threads.
fn rows_per_part(batch: usize) -> usize {
    let threads = rayon::current_num_threads();
    if threads <= 1 || batch < 8 {
        return batch;
    }
    batch.div_ceil(threads).next_multiple_of(4)
}

/// What one step of the gate math updates and records, for a batch (or a part of one).
struct CellState<'a> {
    /// The cell states `[b, H]`, updated in place.
    cell: &'a mut [f32],
    /// The hidden states `[b, H]`, replaced.
    hidden: &'a mut [f32],
    /// The gate activations i, f, g, o, `[b, 4H]`.
    activations: &'a mut [f32],
    /// `tanh` of the new cell states, `[b, H]`.
    cell_tanh: &'a mut [f32],
}

/// One step's gate math from the gate inputs `z` `[b, 4H]` (input, forget, candidate,
/// output), with 256-bit vector code where the CPU has AVX2 (same operations, same results).
fn cells_forward(z: &[f32], h: usize, state: CellState<'_>) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        avx2::cells_forward(z, h, state);
        return;
    }
    cells_forward_portable(z, h, state);
}

/// The body of [`cells_forward`]: [`cell_forward`] row after row.
#[inline(always)]
fn cells_forward_portable(z: &[f32], h: usize, state: CellState<'_>) {
    let outputs = state
        .cell
        .chunks_exact_mut(h)
        .zip(state.hidden.chunks_exact_mut(h))
        .zip(state.cell_tanh.chunks_exact_mut(h));
    let rows = z
        .chunks_exact(4 * h)
        .zip(state.activations.chunks_exact_mut(4 * h))
        .zip(outputs);
    for ((z, activations), ((c, hv), tc)) in rows {
        cell_forward(z, c, hv, activations, tc);
    }
}

/// One sequence's LSTM cell from its gate inputs `z` `[4H]` (input, forget, candidate,
/// output): updates the cell `c` and hidden `hv` `[H]` in place, writes the gate activations
/// to `activations` `[4H]` and `tanh(c)` to `cell_tanh` `[H]`. Short loops over zipped slices,
/// each simple enough for the compiler to vectorize.
#[inline(always)]
fn cell_forward(
    z: &[f32],
    c: &mut [f32],
    hv: &mut [f32],
    activations: &mut [f32],
    cell_tanh: &mut [f32],
) {
    let h = c.len();
    for (a, &z) in activations.iter_mut().zip(z) {
        *a = sigmoid(z);
    }
    // The candidate's activation is tanh, not the sigmoid written above.
    for (a, &z) in activations[2 * h..3 * h].iter_mut().zip(&z[2 * h..3 * h]) {
        *a = tanh(z);
    }
    let (ai, rest) = activations.split_at(h);
    let (af, rest) = rest.split_at(h);
    let (ag, ao) = rest.split_at(h);
    for ((c, tc), ((&i, &f), &g)) in c
        .iter_mut()
        .zip(cell_tanh.iter_mut())
        .zip(ai.iter().zip(af).zip(ag))
    {
        *c = f * *c + i * g;
        *tc = tanh(*c);
    }
    for ((hv, &tc), &o) in hv.iter_mut().zip(cell_tanh.iter()).zip(ao) {
        *hv = o * tc;
    }
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

/// Runs the recurrence backwards from the output gradient `grad` `[b, t+1, H]`: per step the
/// gate gradients of the whole batch in one vectorized pass ([`cells_backward`]), then
/// `dh = dz W_h^T` with `W_h^T` packed once.
fn recurrence_backward(tape: &Tape, w_h: &FlexTensor, grad: &FlexTensor) -> RecurrenceGrads {
    let Dims {
        batch,
        steps,
        hidden: h,
    } = tape.dims;
    let four_h = 4 * h;
    let g_out = values(grad);
    // W_h^T [4H, H], packed once for all steps.
    let w_t = Flex::float_transpose(w_h.clone()).to_contiguous();
    let packed_t = PackedMatrix::new(&values(&w_t), four_h, h);
    let mut dz = vec![0.0f32; batch * steps * four_h];
    let mut dz_t = vec![0.0f32; batch * four_h];
    let mut g_t = vec![0.0f32; batch * h];
    let mut dh_next = vec![0.0f32; batch * h];
    let mut dc_next = vec![0.0f32; batch * h];
    for r in 0..batch {
        dc_next[r * h..][..h].copy_from_slice(&g_out[(r * (steps + 1) + steps) * h..][..h]);
    }
    let part = rows_per_part(batch);
    for t in (0..steps).rev() {
        for (r, row) in g_t.chunks_exact_mut(h).enumerate() {
            row.copy_from_slice(&g_out[(r * (steps + 1) + t) * h..][..h]);
        }
        let activations = &tape.gates[t * batch * four_h..][..batch * four_h];
        let cell_tanh = &tape.cell_tanh[t * batch * h..][..batch * h];
        let c_prev = &tape.cells[t * batch * h..][..batch * h];
        // One part of the batch, rows `first..`: the gate gradients, then
        // dh_{t-1} = dz_t W_h^T.
        let step = |first: usize, dc: &mut [f32], dz: &mut [f32], dh: &mut [f32]| {
            let rows = dc.len() / h;
            let tape = StepTape {
                activations: &activations[first * four_h..][..rows * four_h],
                cell_tanh: &cell_tanh[first * h..][..rows * h],
                c_prev: &c_prev[first * h..][..rows * h],
                g_out: &g_t[first * h..][..rows * h],
                dh_next: dh,
            };
            cells_backward(tape, h, dc, dz);
            dh.fill(0.0);
            gemm_add(&packed_t, dz, dh, rows); // [rows, H]
        };
        if part >= batch {
            step(0, &mut dc_next, &mut dz_t, &mut dh_next);
        } else {
            dc_next
                .par_chunks_mut(part * h)
                .zip(dz_t.par_chunks_mut(part * four_h))
                .zip(dh_next.par_chunks_mut(part * h))
                .enumerate()
                .for_each(|(p, ((dc, dz), dh))| step(p * part, dc, dz, dh));
        }
        for (r, row) in dz_t.chunks_exact(four_h).enumerate() {
            dz[(r * steps + t) * four_h..][..four_h].copy_from_slice(row);
        }
    }
    RecurrenceGrads {
        dz,
        dh0: dh_next,
        dc0: dc_next,
    }
}

/// What one step's backward reads, for the whole batch: `[b, H]` each except `activations`
/// `[b, 4H]`.
struct StepTape<'a> {
    /// The gate activations i, f, g, o.
    activations: &'a [f32],
    /// `tanh` of the cell state after the step.
    cell_tanh: &'a [f32],
    /// The cell state before the step.
    c_prev: &'a [f32],
    /// The gradient reaching this step's hidden output from outside the recurrence.
    g_out: &'a [f32],
    /// The gradient reaching this step's hidden output from the next step.
    dh_next: &'a [f32],
}

/// One step's backward for the whole batch: from the cell gradients `dc` `[b, H]` (from the
/// next step; replaced by the previous step's) to the pre-activation gate gradients `dz`
/// `[b, 4H]`, with 256-bit vector code where the CPU has AVX2 (same operations, same results).
fn cells_backward(tape: StepTape<'_>, h: usize, dc: &mut [f32], dz: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        avx2::cells_backward(tape, h, dc, dz);
        return;
    }
    cells_backward_portable(tape, h, dc, dz);
}

/// The body of [`cells_backward`]: [`cell_backward`] row after row.
#[inline(always)]
fn cells_backward_portable(tape: StepTape<'_>, h: usize, dc: &mut [f32], dz: &mut [f32]) {
    let inputs = tape
        .activations
        .chunks_exact(4 * h)
        .zip(tape.cell_tanh.chunks_exact(h))
        .zip(tape.c_prev.chunks_exact(h))
        .zip(tape.g_out.chunks_exact(h).zip(tape.dh_next.chunks_exact(h)));
    let outputs = dc.chunks_exact_mut(h).zip(dz.chunks_exact_mut(4 * h));
    for ((((activations, cell_tanh), c_prev), (g_out, dh_next)), (dc, dz)) in inputs.zip(outputs) {
        let row = CellTape {
            activations,
            cell_tanh,
            c_prev,
            g_out,
            dh_next,
        };
        cell_backward(row, dc, dz);
    }
}

/// What one sequence's backward step reads, `[H]` each except `activations` `[4H]` (a row of
/// a [`StepTape`]).
struct CellTape<'a> {
    activations: &'a [f32],
    cell_tanh: &'a [f32],
    c_prev: &'a [f32],
    g_out: &'a [f32],
    dh_next: &'a [f32],
}

/// One sequence's backward step: from the cell gradient `dc` (from the next step; replaced
/// by the previous step's) to the pre-activation gate gradients `dz` `[4H]`.
#[inline(always)]
fn cell_backward(tape: CellTape<'_>, dc: &mut [f32], dz: &mut [f32]) {
    let h = dc.len();
    let (ai, rest) = tape.activations.split_at(h);
    let (af, rest) = rest.split_at(h);
    let (ag, ao) = rest.split_at(h);
    let (di, rest) = dz.split_at_mut(h);
    let (df, rest) = rest.split_at_mut(h);
    let (dg, d_o) = rest.split_at_mut(h);
    let acts = ai.iter().zip(af).zip(ag.iter().zip(ao));
    let inputs = tape
        .cell_tanh
        .iter()
        .zip(tape.c_prev)
        .zip(tape.g_out.iter().zip(tape.dh_next));
    let outs = di
        .iter_mut()
        .zip(df.iter_mut())
        .zip(dg.iter_mut().zip(d_o.iter_mut()));
    for (((((&i, &f), (&g, &o)), ((&tc, &cp), (&go, &dn))), ((di, df), (dg, d_o))), dc) in
        acts.zip(inputs).zip(outs).zip(dc.iter_mut())
    {
        let dh = go + dn;
        let dcell = *dc + dh * o * (1.0 - tc * tc);
        *di = dcell * g * i * (1.0 - i);
        *df = dcell * cp * f * (1.0 - f);
        *dg = dcell * i * (1.0 - g * g);
        *d_o = dh * tc * o * (1.0 - o);
        *dc = dcell * f;
    }
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod avx2 {
    use super::{CellState, StepTape};

    /// [`super::cells_forward_portable`] compiled for AVX2.
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    unsafe fn cells_forward_avx2(z: &[f32], h: usize, state: CellState<'_>) {
        super::cells_forward_portable(z, h, state);
    }

    /// Runs the AVX2 build of the forward gate math; the caller has checked the CPU has AVX2.
    pub(super) fn cells_forward(z: &[f32], h: usize, state: CellState<'_>) {
        // SAFETY: the only caller checks `is_x86_feature_detected!("avx2")` first, and the
        // function only uses safe, bounds-checked slice code.
        unsafe { cells_forward_avx2(z, h, state) }
    }

    /// [`super::cells_backward_portable`] compiled for AVX2.
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    unsafe fn cells_backward_avx2(tape: StepTape<'_>, h: usize, dc: &mut [f32], dz: &mut [f32]) {
        super::cells_backward_portable(tape, h, dc, dz);
    }

    /// Runs the AVX2 build of the backward gate math; the caller has checked the CPU has AVX2.
    pub(super) fn cells_backward(tape: StepTape<'_>, h: usize, dc: &mut [f32], dz: &mut [f32]) {
        // SAFETY: the only caller checks `is_x86_feature_detected!("avx2")` first, and the
        // function only uses safe, bounds-checked slice code.
        unsafe { cells_backward_avx2(tape, h, dc, dz) }
    }
}
