//! The matrix products of the custom CPU operations ([`super::fused_lstm`],
//! [`super::conv_same`]), over [`crate::linalg::matmul`].
//!
//! Their views are computed from the operands' own shapes, so a product refused by the
//! checked kernel is a bug in this crate, and a burn operation has no way to return an error.
//! Debug builds (and so every test) stop on it with the kernel's message; release builds fill
//! the result with NaN, which the trainer reports as a diverged run (a non-finite loss) and
//! stops cleanly, instead of aborting the studio.

use crate::linalg::matmul::{MatmulError, View, matmul, matmul_into};

/// [`matmul_into`]: `dst = lhs x rhs`, or `dst += lhs x rhs` with `accumulate`.
pub(super) fn product_into(
    dst: &mut [f32],
    d: View,
    lhs: &[f32],
    l: View,
    rhs: &[f32],
    r: View,
    accumulate: bool,
) {
    if let Err(e) = matmul_into(dst, d, lhs, l, rhs, r, accumulate) {
        refused(&e);
        dst.fill(f32::NAN);
    }
}

/// [`matmul`]: `lhs x rhs` as a new dense row-major `[m, n]` vector.
pub(super) fn product(lhs: &[f32], l: View, rhs: &[f32], r: View) -> Vec<f32> {
    matmul(lhs, l, rhs, r).unwrap_or_else(|e| {
        refused(&e);
        vec![f32::NAN; l.rows.saturating_mul(r.cols)]
    })
}

/// Stops a debug build on a refused product.
fn refused(error: &MatmulError) {
    if cfg!(debug_assertions) {
        panic!("a product of the custom operations was refused: {error}");
    }
}
