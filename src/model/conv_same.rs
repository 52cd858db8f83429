//! The discriminator's convolution: stride 1, "same" padding, channel-last windows, as one
//! matrix product ("im2col").
//!
//! `out[b, s, o] = sum over k, i of x[b, s + k - p, i] w[o, i, k]` with `p = (K-1)/2` (odd `K`)
//! and zeros outside the window, for `x` `[b, t, Cin]` and burn's `Conv1d` weights `w`
//! `[Cout, Cin, K]`: the cross-correlation `Conv1d` computes, without its channel-first layout.
//!
//! The `K` shifted copies of the input side by side form the matrix `X` `[b*t, K*Cin]`, so the
//! output is `X W` with the weights laid out as `W` `[K*Cin, Cout]`, the weight gradient
//! `X^T dOut` and the input gradient `dOut W^T` folded back onto the time steps: each one
//! large matrix product. On burn's `flex` CPU backend this runs as one custom backend
//! operation ([`ConvSameBackend`], the backend-extension mechanism the fused LSTM uses too)
//! whose backward builds `X` again from the saved input instead of keeping it, and folds the
//! input gradient in one pass. On any other backend the same products are built from tensor
//! operations (padding, slices, concatenation), which autodiff differentiates.
//!
//! [`conv_layer`] is a whole layer of the discriminator, the convolution with its bias and a
//! LeakyReLU, as one operation: the bias and the activation are applied in place on the
//! product's output, and the backward scales the incoming gradient by the activation's slope
//! (read off the saved output) before the products. As separate autodiff operations they
//! cost a comparison, a mask and their backward passes over the whole activation, about 7% of
//! a GAN step.

use burn::backend::autodiff::NodeId;
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
use burn::tensor::activation::leaky_relu;
use burn::tensor::{DType, Tensor, TensorData};

use super::fused_lstm::values;

/// The correlation of `x` `[b, t, Cin]` with `w` `[Cout, Cin, K]` (odd `K`): `[b, t, Cout]`
/// (see the module documentation).
pub fn correlate_same(x: Tensor<3>, w: Tensor<3>) -> Tensor<3> {
    let flex = matches!(x.device().inner().as_dispatch(), DispatchDevice::Flex(_));
    if flex && x.dtype() == DType::F32 && w.dtype() == DType::F32 {
        Tensor::from_dispatch(<Dispatch as ConvSameBackend>::correlate_same(
            x.into_dispatch(),
            w.into_dispatch(),
        ))
    } else {
        correlate_same_tensor_ops(x, w)
    }
}

/// One convolutional layer: `leaky_relu(correlate_same(x, w) + bias, slope)` for `x`
/// `[b, t, Cin]`, `w` `[Cout, Cin, K]` (odd `K`), `bias` `[Cout]` and a slope `>= 0`:
/// `[b, t, Cout]` (see the module documentation).
pub fn conv_layer(x: Tensor<3>, w: Tensor<3>, bias: Option<Tensor<1>>, slope: f64) -> Tensor<3> {
    let flex = matches!(x.device().inner().as_dispatch(), DispatchDevice::Flex(_));
    let f32 = [x.dtype(), w.dtype()]
        .into_iter()
        .chain(bias.as_ref().map(|b| b.dtype()))
        .all(|d| d == DType::F32);
    if flex && f32 {
        let [c_out, _, _] = w.dims();
        let bias = bias.unwrap_or_else(|| Tensor::zeros([c_out], &x.device()));
        Tensor::from_dispatch(<Dispatch as ConvSameBackend>::conv_layer(
            x.into_dispatch(),
            w.into_dispatch(),
            bias.into_dispatch(),
            slope as f32,
        ))
    } else {
        let z = correlate_same_tensor_ops(x, w); // [b, t, Cout]
        let z = match bias {
            Some(bias) => z + bias.unsqueeze::<3>(),
            None => z,
        }; // [b, t, Cout]
        leaky_relu(z, slope)
    }
}

/// [`correlate_same`] from burn tensor operations, for backends without the custom operation.
pub fn correlate_same_tensor_ops(x: Tensor<3>, w: Tensor<3>) -> Tensor<3> {
    let [batch, steps, c_in] = x.dims();
    let [c_out, _, kernel] = w.dims();
    let pad = (kernel - 1) / 2;
    let padded = if pad > 0 {
        let zeros = Tensor::<3>::zeros([batch, pad, c_in], &x.device());
        Tensor::cat(vec![zeros.clone(), x, zeros], 1) // [b, t + 2p, Cin]
    } else {
        x
    };
    let shifted = (0..kernel)
        .map(|k| padded.clone().slice([0..batch, k..k + steps]))
        .collect(); // K x [b, t, Cin]
    let columns = Tensor::cat(shifted, 2).reshape([batch * steps, kernel * c_in]); // [b*t, K*Cin]
    let weights = w.permute([2, 1, 0]).reshape([kernel * c_in, c_out]); // [K*Cin, Cout]
    columns.matmul(weights).reshape([batch, steps, c_out]) // [b, t, Cout]
}

/// The convolution as one backend operation.
#[backend_extension(Flex, Autodiff)]
pub trait ConvSameBackend: Backend {
    /// `x` `[b, t, Cin]`, `w` `[Cout, Cin, K]` -> `[b, t, Cout]` (see the module documentation).
    fn correlate_same(x: FloatTensor<Self>, w: FloatTensor<Self>) -> FloatTensor<Self>;

    /// `x` `[b, t, Cin]`, `w` `[Cout, Cin, K]`, `bias` `[Cout]`, `slope >= 0` ->
    /// `leaky_relu(correlate_same(x, w) + bias, slope)` `[b, t, Cout]` ([`conv_layer`]).
    fn conv_layer(
        x: FloatTensor<Self>,
        w: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        slope: f32,
    ) -> FloatTensor<Self>;
}

impl ConvSameBackend for Flex {
    fn correlate_same(x: FlexTensor, w: FlexTensor) -> FlexTensor {
        forward(&x, &w)
    }

    fn conv_layer(x: FlexTensor, w: FlexTensor, bias: FlexTensor, slope: f32) -> FlexTensor {
        layer_forward(&x, &w, &bias, slope)
    }
}

impl<C: CheckpointStrategy> ConvSameBackend for Autodiff<Flex, C> {
    fn correlate_same(x: FloatTensor<Self>, w: FloatTensor<Self>) -> FloatTensor<Self> {
        let nodes = [x.node(), w.node()];
        let (x, w) = (x.into_primitive(), w.into_primitive());
        match ConvBackward.prepare::<C>(nodes).compute_bound().stateful() {
            OpsKind::Tracked(prep) => {
                let out = forward(&x, &w);
                prep.finish(Saved { x, w }, out)
            }
            OpsKind::UnTracked(prep) => prep.finish(forward(&x, &w)),
        }
    }

    fn conv_layer(
        x: FloatTensor<Self>,
        w: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        slope: f32,
    ) -> FloatTensor<Self> {
        let nodes = [x.node(), w.node(), bias.node()];
        let (x, w, bias) = (
            x.into_primitive(),
            w.into_primitive(),
            bias.into_primitive(),
        );
        match LayerBackward.prepare::<C>(nodes).compute_bound().stateful() {
            OpsKind::Tracked(prep) => {
                let out = layer_forward(&x, &w, &bias, slope);
                let state = SavedLayer {
                    conv: Saved { x, w },
                    out: out.clone(),
                    slope,
                };
                prep.finish(state, out)
            }
            OpsKind::UnTracked(prep) => prep.finish(layer_forward(&x, &w, &bias, slope)),
        }
    }
}

/// The backward step of [`ConvSameBackend::correlate_same`].
#[derive(Debug)]
struct ConvBackward;

/// The forward pass's inputs (shared storage, not copies).
#[derive(Clone, Debug)]
struct Saved {
    x: FlexTensor,
    w: FlexTensor,
}

impl Backward<Flex, 2> for ConvBackward {
    type State = Saved;

    fn backward(self, ops: Ops<Saved, 2>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let grad = grads.consume::<Flex>(&ops.node); // [b, t, Cout]
        let [x_node, w_node] = ops.parents.map(|node| node.map(|node| node.id));
        let Saved { x, w } = ops.state;
        let shape = Shape::of(&x, &w);
        let grad = as_matrix(grad, shape.rows(), shape.c_out); // [b*t, Cout]
        correlation_backward(grads, [x_node, w_node], &x, &w, grad);
    }
}

/// The backward step of [`ConvSameBackend::conv_layer`].
#[derive(Debug)]
struct LayerBackward;

/// What the layer's backward needs: the convolution's inputs, the activated output (whose
/// sign gives the activation's slope) and the slope.
#[derive(Clone, Debug)]
struct SavedLayer {
    conv: Saved,
    out: FlexTensor,
    slope: f32,
}

impl Backward<Flex, 3> for LayerBackward {
    type State = SavedLayer;

    fn backward(
        self,
        ops: Ops<SavedLayer, 3>,
        grads: &mut Gradients,
        _checkpointer: &mut Checkpointer,
    ) {
        let grad = grads.consume::<Flex>(&ops.node); // [b, t, Cout]
        let [x_node, w_node, bias_node] = ops.parents.map(|node| node.map(|node| node.id));
        let SavedLayer {
            conv: Saved { x, w },
            out,
            slope,
        } = ops.state;
        let shape = Shape::of(&x, &w);
        // dZ = dOut * LeakyReLU'(z); z > 0 exactly where the output is (slope >= 0).
        let mut dz = values(&grad).into_owned();
        for (d, &h) in dz.iter_mut().zip(values(&out).iter()) {
            if h <= 0.0 {
                *d *= slope;
            }
        }
        if let Some(id) = bias_node {
            let mut db = vec![0.0f32; shape.c_out];
            for row in dz.chunks_exact(shape.c_out) {
                for (d, g) in db.iter_mut().zip(row) {
                    *d += g;
                }
            }
            grads.register::<Flex>(id, tensor(db, [shape.c_out]));
        }
        let dz = tensor(dz, [shape.rows(), shape.c_out]); // [b*t, Cout]
        correlation_backward(grads, [x_node, w_node], &x, &w, dz);
    }
}

/// Registers the gradients of [`correlate_same`]'s input `x` and weights `w` (for the nodes
/// that want one) from the gradient of its output, `grad` `[b*t, Cout]`.
fn correlation_backward(
    grads: &mut Gradients,
    [x_node, w_node]: [Option<NodeId>; 2],
    x: &FlexTensor,
    w: &FlexTensor,
    grad: FlexTensor,
) {
    let shape = Shape::of(x, w);
    if let Some(id) = w_node {
        // dW = X^T [K*Cin, b*t] x dOut [b*t, Cout], back to [Cout, Cin, K].
        let columns = tensor(columns(&values(x), shape), [shape.rows(), shape.width()]);
        let dw = Flex::float_matmul(Flex::float_transpose(columns), grad.clone());
        let dw = from_matrix(&values(&dw), shape);
        grads.register::<Flex>(id, tensor(dw, [shape.c_out, shape.c_in, shape.kernel]));
    }
    if let Some(id) = x_node {
        // dX = dOut [b*t, Cout] x W^T [Cout, K*Cin], folded back onto the steps.
        let w_t = tensor(
            to_matrix_transposed(&values(w), shape),
            [shape.c_out, shape.width()],
        );
        let d_columns = Flex::float_matmul(grad, w_t);
        let dx = fold(&values(&d_columns), shape);
        grads.register::<Flex>(id, tensor(dx, [shape.batch, shape.steps, shape.c_in]));
    }
}

/// The sizes of one convolution.
#[derive(Clone, Copy, Debug)]
struct Shape {
    batch: usize,
    steps: usize,
    c_in: usize,
    c_out: usize,
    kernel: usize,
}

impl Shape {
    fn of(x: &FlexTensor, w: &FlexTensor) -> Self {
        let [batch, steps, c_in] = x.shape().dims::<3>();
        let [c_out, _, kernel] = w.shape().dims::<3>();
        Shape {
            batch,
            steps,
            c_in,
            c_out,
            kernel,
        }
    }

    /// Rows of the im2col matrix, `b*t`.
    fn rows(self) -> usize {
        self.batch * self.steps
    }

    /// Columns of the im2col matrix, `K*Cin`.
    fn width(self) -> usize {
        self.kernel * self.c_in
    }

    /// The input step that kernel tap `k` reads for output step `s`, if inside the window.
    fn source(self, s: usize, k: usize) -> Option<usize> {
        (s + k)
            .checked_sub((self.kernel - 1) / 2)
            .filter(|&i| i < self.steps)
    }
}

fn forward(x: &FlexTensor, w: &FlexTensor) -> FlexTensor {
    let shape = Shape::of(x, w);
    let columns = tensor(columns(&values(x), shape), [shape.rows(), shape.width()]);
    let weights = tensor(to_matrix(&values(w), shape), [shape.width(), shape.c_out]);
    let out = Flex::float_matmul(columns, weights); // [b*t, Cout]
    out.reshape(burn::tensor::Shape::from(
        [shape.batch, shape.steps, shape.c_out].to_vec(),
    ))
}

/// [`ConvSameBackend::conv_layer`] on the CPU: the product, then the bias and the LeakyReLU
/// in place on its output.
fn layer_forward(x: &FlexTensor, w: &FlexTensor, bias: &FlexTensor, slope: f32) -> FlexTensor {
    let mut out = forward(x, w); // [b, t, Cout]
    let bias = values(bias);
    let activate = |z: &mut [f32]| {
        for row in z.chunks_exact_mut(bias.len()) {
            for (z, b) in row.iter_mut().zip(bias.iter()) {
                let v = *z + b;
                *z = if v > 0.0 { v } else { v * slope };
            }
        }
    };
    // The product's output is fresh and unshared, so this never copies.
    if let Some(z) = out.try_storage_mut::<f32>() {
        activate(z);
        return out;
    }
    let mut z = values(&out).into_owned();
    activate(&mut z);
    let dims = out.shape().dims::<3>();
    tensor(z, dims)
}

/// The im2col matrix `[b*t, K*Cin]` of `x` `[b, t, Cin]`: row `(b, s)` holds the input steps
/// `s - p ..= s + p` side by side, zeros outside the window.
fn columns(x: &[f32], shape: Shape) -> Vec<f32> {
    let (steps, c_in) = (shape.steps, shape.c_in);
    let mut out = vec![0.0f32; shape.rows() * shape.width()];
    for (r, row) in out.chunks_exact_mut(shape.width()).enumerate() {
        let (b, s) = (r / steps, r % steps);
        for (k, tap) in row.chunks_exact_mut(c_in).enumerate() {
            if let Some(i) = shape.source(s, k) {
                tap.copy_from_slice(&x[(b * steps + i) * c_in..][..c_in]);
            }
        }
    }
    out
}

/// Adds each row's taps of `d_columns` `[b*t, K*Cin]` back onto the input steps they were
/// read from: the input gradient `[b, t, Cin]`.
fn fold(d_columns: &[f32], shape: Shape) -> Vec<f32> {
    let (steps, c_in) = (shape.steps, shape.c_in);
    let mut dx = vec![0.0f32; shape.batch * steps * c_in];
    for (r, row) in d_columns.chunks_exact(shape.width()).enumerate() {
        let (b, s) = (r / steps, r % steps);
        for (k, tap) in row.chunks_exact(c_in).enumerate() {
            if let Some(i) = shape.source(s, k) {
                let target = &mut dx[(b * steps + i) * c_in..][..c_in];
                for (d, g) in target.iter_mut().zip(tap) {
                    *d += g;
                }
            }
        }
    }
    dx
}

/// `w` `[Cout, Cin, K]` as the product's matrix `[K*Cin, Cout]`.
fn to_matrix(w: &[f32], shape: Shape) -> Vec<f32> {
    let mut out = vec![0.0f32; shape.width() * shape.c_out];
    for o in 0..shape.c_out {
        for i in 0..shape.c_in {
            for k in 0..shape.kernel {
                out[(k * shape.c_in + i) * shape.c_out + o] =
                    w[(o * shape.c_in + i) * shape.kernel + k];
            }
        }
    }
    out
}

/// `w` `[Cout, Cin, K]` as the transposed matrix `[Cout, K*Cin]`.
fn to_matrix_transposed(w: &[f32], shape: Shape) -> Vec<f32> {
    let mut out = vec![0.0f32; shape.c_out * shape.width()];
    for o in 0..shape.c_out {
        for i in 0..shape.c_in {
            for k in 0..shape.kernel {
                out[o * shape.width() + k * shape.c_in + i] =
                    w[(o * shape.c_in + i) * shape.kernel + k];
            }
        }
    }
    out
}

/// The product's matrix `[K*Cin, Cout]` back in `Conv1d`'s layout `[Cout, Cin, K]`.
fn from_matrix(m: &[f32], shape: Shape) -> Vec<f32> {
    let mut out = vec![0.0f32; shape.c_out * shape.c_in * shape.kernel];
    for o in 0..shape.c_out {
        for i in 0..shape.c_in {
            for k in 0..shape.kernel {
                out[(o * shape.c_in + i) * shape.kernel + k] =
                    m[(k * shape.c_in + i) * shape.c_out + o];
            }
        }
    }
    out
}

/// `t` (any shape holding `rows * cols` values) as a `[rows, cols]` matrix.
fn as_matrix(t: FlexTensor, rows: usize, cols: usize) -> FlexTensor {
    t.reshape(burn::tensor::Shape::from([rows, cols].to_vec()))
}

/// A contiguous `f32` Flex tensor.
fn tensor<const N: usize>(values: Vec<f32>, shape: [usize; N]) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, shape.to_vec()))
}
