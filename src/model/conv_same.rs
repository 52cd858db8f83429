//! The discriminator's convolution: stride 1, "same" padding, channel-last windows, as a few
//! large matrix products.
//!
//! `out[b, s, o] = sum over k, i of x[b, s + k - p, i] w[o, i, k]` with `p = (K-1)/2` (odd `K`)
//! and zeros outside the window, for `x` `[b, t, Cin]` and burn's `Conv1d` weights `w`
//! `[Cout, Cin, K]`: the cross-correlation `Conv1d` computes, without its channel-first layout.
//!
//! On burn's `flex` CPU backend this runs as a custom backend operation ([`ConvSameBackend`],
//! the backend-extension mechanism the fused LSTM uses too). The windows are stacked with
//! their padding into one matrix, so that tap `k` of every output row is the same matrix
//! shifted by `k` rows: the output is `K` strided products accumulated into one buffer, the
//! weight gradient `K` products with the shifted input transposed, and the input gradient `K`
//! products accumulated at shifted rows ([`crate::linalg::matmul`] on views, the weights read
//! in `Conv1d`'s own layout). Nothing of size `[b*t, K*Cin]` is built, and no output is
//! zero-filled and copied by the backend. On any other backend the same maths is one product
//! of the `K` shifted copies side by side ("im2col", [`correlate_same_tensor_ops`]), built
//! from tensor operations that autodiff differentiates.
//!
//! [`conv_layer`] is a whole layer of the discriminator, the convolution with its bias and a
//! LeakyReLU, as one operation: the bias and the activation are applied while the output rows
//! are gathered, and the backward scales the incoming gradient by the activation's slope (read
//! off the saved output) before the products. As separate autodiff operations they cost a
//! comparison, a mask and their backward passes over the whole activation, about 7% of a GAN
//! step.

use burn::backend::autodiff::NodeId;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::tensor::FloatTensor;
use burn::backend::{
    Autodiff, Backend, Dispatch, DispatchDevice, Flex, TensorMetadata, backend_extension,
};
use burn::tensor::activation::leaky_relu;
use burn::tensor::{DType, Tensor};

use super::fused_lstm::{tensor, values};
use super::product::product_into;
use crate::linalg::column_sums;
use crate::linalg::matmul::View;

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
        let dz = pad_rows(&values(&grad), shape, shape.c_out, 0); // [b*(t+2p), Cout]
        correlation_backward(grads, [x_node, w_node], &x, &w, &dz);
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
        // dZ = dOut * LeakyReLU'(z), on the padded rows; z > 0 exactly where the output is
        // (slope >= 0). A select, not a branch: the signs are as good as random.
        let mut dz = pad_rows(&values(&grad), shape, shape.c_out, 0); // [b*(t+2p), Cout]
        let out = values(&out);
        let window = shape.steps * shape.c_out;
        for (dz, out) in dz
            .chunks_exact_mut(shape.padded_steps() * shape.c_out)
            .zip(out.chunks_exact(window))
        {
            for (d, &h) in dz[..window].iter_mut().zip(out) {
                *d *= if h > 0.0 { 1.0 } else { slope };
            }
        }
        if let Some(id) = bias_node {
            // The padding rows are zero, so summing every row is the sum over the outputs.
            let db = column_sums(&dz, shape.c_out);
            grads.register::<Flex>(id, tensor(db, [shape.c_out]));
        }
        correlation_backward(grads, [x_node, w_node], &x, &w, &dz);
    }
}

/// Registers the gradients of [`correlate_same`]'s input `x` and weights `w` (for the nodes
/// that want one) from the gradient of its output laid out on the padded rows, `dz`
/// `[b*(t+2p), Cout]` with zeros between the windows ([`pad_rows`] with no lead).
///
/// Tap `k` contributes `X_k^T dZ` to the weight gradient and `dZ W_k^T` to the padded input
/// gradient shifted by `k` rows: `2K` strided products, no column matrix.
fn correlation_backward(
    grads: &mut Gradients,
    [x_node, w_node]: [Option<NodeId>; 2],
    x: &FlexTensor,
    w: &FlexTensor,
    dz: &[f32],
) {
    let shape = Shape::of(x, w);
    let (c_in, c_out, m) = (shape.c_in, shape.c_out, shape.product_rows());
    if let Some(id) = w_node {
        let x = pad_rows(&values(x), shape, c_in, shape.pad()); // [b*(t+2p), Cin]
        let mut dw = vec![0.0f32; shape.kernel * c_in * c_out]; // [Cout, Cin, K]
        for k in 0..shape.kernel {
            product_into(
                &mut dw,
                shape.tap(k),
                &x,
                View::rows(k * c_in, m, c_in, c_in).transposed(),
                dz,
                View::dense(m, c_out),
                false,
            ); // dW_k = X_k^T [Cin, m] x dZ [m, Cout]
        }
        grads.register::<Flex>(id, tensor(dw, [c_out, c_in, shape.kernel]));
    }
    if let Some(id) = x_node {
        let w = values(w); // [Cout, Cin, K]
        let mut dx = vec![0.0f32; shape.padded_rows() * c_in]; // [b*(t+2p), Cin]
        for k in 0..shape.kernel {
            product_into(
                &mut dx,
                View::rows(k * c_in, m, c_in, c_in),
                dz,
                View::dense(m, c_out),
                &w,
                shape.tap(k).transposed(),
                true,
            ); // dX[r + k] += dZ [m, Cout] x W_k^T [Cout, Cin]
        }
        let dx = unpad_rows(&dx, shape, c_in, shape.pad(), |v, _| v);
        grads.register::<Flex>(id, tensor(dx, [shape.batch, shape.steps, c_in]));
    }
}

/// The sizes of one convolution.
///
/// The CPU operations stack the windows, each padded with `p = (K-1)/2` zero steps on both
/// sides, into one matrix of `b*(t+2p)` rows. Output row `r = b*(t+2p) + s` then reads input
/// rows `r ..= r + 2p` for every window `b` and step `s`, so the correlation is `K` products
/// of the same `m = b*(t+2p) - 2p` rows shifted by `0..K` rows: `out = sum over k of
/// X[k..k+m] W_k`, with `W_k` `[Cin, Cout]` tap `k`'s weights. The `2p` rows between two
/// windows are computed and dropped (6% more arithmetic at `t = 63`, `K = 5`), in exchange for
/// no im2col matrix `[b*t, K*Cin]` per product.
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

    /// Rows of the output, `b*t`.
    fn rows(self) -> usize {
        self.batch * self.steps
    }

    /// Zero steps on each side of a window, `(K-1)/2`.
    fn pad(self) -> usize {
        (self.kernel - 1) / 2
    }

    /// Rows of a padded window, `t + 2p`.
    fn padded_steps(self) -> usize {
        self.steps + 2 * self.pad()
    }

    /// Rows of the padded windows stacked, `b*(t+2p)`.
    fn padded_rows(self) -> usize {
        self.batch * self.padded_steps()
    }

    /// Tap `k`'s weights `W_k` `[Cin, Cout]`, read in place from `Conv1d`'s layout
    /// `[Cout, Cin, K]` (the products take any strides, so no transposed copy is made).
    fn tap(self, k: usize) -> View {
        View {
            offset: k,
            rows: self.c_in,
            cols: self.c_out,
            row_stride: self.kernel,
            col_stride: self.c_in * self.kernel,
        }
    }

    /// Rows of each shifted product, `b*(t+2p) - 2p` (0 for an empty batch).
    fn product_rows(self) -> usize {
        self.padded_rows().saturating_sub(2 * self.pad())
    }
}

/// The correlation on the padded rows: `[b*(t+2p) - 2p, Cout]`, output step `s` of window `b`
/// at row `b*(t+2p) + s` (see [`Shape`]).
fn correlate_rows(x: &[f32], w: &[f32], shape: Shape) -> Vec<f32> {
    let (c_in, c_out, m) = (shape.c_in, shape.c_out, shape.product_rows());
    let x = pad_rows(x, shape, c_in, shape.pad()); // [b*(t+2p), Cin]
    let mut out = vec![0.0f32; m * c_out];
    for k in 0..shape.kernel {
        product_into(
            &mut out,
            View::dense(m, c_out),
            &x,
            View::rows(k * c_in, m, c_in, c_in),
            w,
            shape.tap(k),
            k > 0,
        ); // out += X[k..k+m] [m, Cin] x W_k [Cin, Cout]
    }
    out
}

fn forward(x: &FlexTensor, w: &FlexTensor) -> FlexTensor {
    let shape = Shape::of(x, w);
    let rows = correlate_rows(&values(x), &values(w), shape);
    let out = unpad_rows(&rows, shape, shape.c_out, 0, |v, _| v);
    tensor(out, [shape.batch, shape.steps, shape.c_out])
}

/// [`ConvSameBackend::conv_layer`] on the CPU: the correlation, then the bias and the
/// LeakyReLU applied while the output rows are gathered.
fn layer_forward(x: &FlexTensor, w: &FlexTensor, bias: &FlexTensor, slope: f32) -> FlexTensor {
    let shape = Shape::of(x, w);
    let rows = correlate_rows(&values(x), &values(w), shape);
    let bias = values(bias);
    let out = unpad_rows(&rows, shape, shape.c_out, 0, |z, o| {
        let v = z + bias[o];
        if v > 0.0 { v } else { v * slope }
    });
    tensor(out, [shape.batch, shape.steps, shape.c_out])
}

/// `x` `[b, t, C]` stacked as padded windows `[b*(t+2p), C]`: step `s` of window `b` at row
/// `b*(t+2p) + lead + s`, zeros elsewhere.
fn pad_rows(x: &[f32], shape: Shape, channels: usize, lead: usize) -> Vec<f32> {
    let (steps, padded) = (shape.steps, shape.padded_steps());
    let mut out = vec![0.0f32; shape.padded_rows() * channels];
    for (window, rows) in x.chunks_exact(steps * channels).enumerate() {
        out[(window * padded + lead) * channels..][..steps * channels].copy_from_slice(rows);
    }
    out
}

/// The inverse of [`pad_rows`]: the rows `b*(t+2p) + lead + s` of `padded` as `[b, t, C]`,
/// each value passed through `map(value, channel)`.
fn unpad_rows(
    padded: &[f32],
    shape: Shape,
    channels: usize,
    lead: usize,
    map: impl Fn(f32, usize) -> f32,
) -> Vec<f32> {
    let (steps, stride) = (shape.steps, shape.padded_steps() * channels);
    let mut out = Vec::with_capacity(shape.rows() * channels);
    for window in 0..shape.batch {
        let rows = &padded[window * stride + lead * channels..][..steps * channels];
        for row in rows.chunks_exact(channels) {
            out.extend(row.iter().enumerate().map(|(o, &v)| map(v, o)));
        }
    }
    out
}
