//! Matrix products on strided views of plain `f32` slices, through the `gemm` crate (the
//! kernel burn's CPU backend uses), so the custom training operations can write products
//! straight into buffers they own, accumulate into them, and read shifted or transposed
//! views without copying: no zero-filled output tensor per product, no im2col matrix.

/// Where a matrix lies in a slice: element `(i, j)` is at
/// `offset + i * row_stride + j * col_stride`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct View {
    /// Index of element `(0, 0)`.
    pub offset: usize,
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub cols: usize,
    /// Distance between two rows.
    pub row_stride: usize,
    /// Distance between two columns.
    pub col_stride: usize,
}

impl View {
    /// A row-major `[rows, cols]` matrix starting at `offset`, rows `row_stride` apart.
    pub fn rows(offset: usize, rows: usize, cols: usize, row_stride: usize) -> Self {
        View {
            offset,
            rows,
            cols,
            row_stride,
            col_stride: 1,
        }
    }

    /// A dense row-major `[rows, cols]` matrix at the start of its slice.
    pub fn dense(rows: usize, cols: usize) -> Self {
        View::rows(0, rows, cols, cols)
    }

    /// The same elements read as the transposed matrix `[cols, rows]`.
    pub fn transposed(self) -> Self {
        View {
            offset: self.offset,
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
        }
    }

    /// One past the largest index the view touches (`offset` when it is empty).
    fn end(&self) -> usize {
        if self.rows == 0 || self.cols == 0 {
            return self.offset;
        }
        self.offset + (self.rows - 1) * self.row_stride + (self.cols - 1) * self.col_stride + 1
    }

    /// Whether every element lies inside a slice of `len` values.
    fn fits(&self, len: usize) -> bool {
        self.end() <= len
            && self.row_stride <= isize::MAX as usize
            && self.col_stride <= isize::MAX as usize
    }
}

/// Products of at least this many multiply-adds are split over the current rayon pool.
const PARALLEL_WORK: usize = 1 << 20;

/// `dst = lhs x rhs`, or `dst += lhs x rhs` with `accumulate`, on the views `d`, `l`, `r` of
/// the three slices (`[m, k] x [k, n] -> [m, n]`). Large products are split over the threads
/// of the current rayon pool by blocks of the output, so the result does not depend on the
/// number of threads.
///
/// # Panics
/// When the shapes do not match or a view reaches outside its slice (a programming error:
/// the views are computed from the operands' own shapes).
pub fn matmul_into(
    dst: &mut [f32],
    d: View,
    lhs: &[f32],
    l: View,
    rhs: &[f32],
    r: View,
    accumulate: bool,
) {
    assert!(
        d.rows == l.rows && l.cols == r.rows && d.cols == r.cols,
        "matmul_into: [{}, {}] x [{}, {}] -> [{}, {}]",
        l.rows,
        l.cols,
        r.rows,
        r.cols,
        d.rows,
        d.cols
    );
    assert!(
        d.fits(dst.len()) && l.fits(lhs.len()) && r.fits(rhs.len()),
        "matmul_into: a view reaches outside its slice"
    );
    if d.rows == 0 || d.cols == 0 {
        return;
    }
    if l.cols == 0 {
        if !accumulate {
            for i in 0..d.rows {
                for j in 0..d.cols {
                    dst[d.offset + i * d.row_stride + j * d.col_stride] = 0.0;
                }
            }
        }
        return;
    }
    let work = d.rows.saturating_mul(d.cols).saturating_mul(l.cols);
    let threads = rayon::current_num_threads();
    let parallelism = if threads > 1 && work >= PARALLEL_WORK {
        gemm::Parallelism::Rayon(threads)
    } else {
        gemm::Parallelism::None
    };
    // SAFETY: every view lies inside its slice (checked above, with strides that fit an
    // isize), `dst` is borrowed mutably and so overlaps neither input, and `gemm` touches only
    // the elements the views describe (its threads write disjoint blocks of `dst` and return
    // before it does).
    #[allow(unsafe_code)]
    unsafe {
        gemm::gemm(
            d.rows,
            d.cols,
            l.cols,
            dst.as_mut_ptr().add(d.offset),
            d.col_stride as isize,
            d.row_stride as isize,
            accumulate,
            lhs.as_ptr().add(l.offset),
            l.col_stride as isize,
            l.row_stride as isize,
            rhs.as_ptr().add(r.offset),
            r.col_stride as isize,
            r.row_stride as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            parallelism,
        );
    }
}

/// `lhs x rhs` as a new dense row-major `[m, n]` vector.
pub fn matmul(lhs: &[f32], l: View, rhs: &[f32], r: View) -> Vec<f32> {
    let mut out = vec![0.0; l.rows * r.cols];
    matmul_into(&mut out, View::dense(l.rows, r.cols), lhs, l, rhs, r, false);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::pseudo_random;

    /// The textbook triple loop, in f64.
    fn naive(a: &[f32], l: View, b: &[f32], r: View) -> Vec<f64> {
        let at = |s: &[f32], v: View, i: usize, j: usize| {
            f64::from(s[v.offset + i * v.row_stride + j * v.col_stride])
        };
        let mut out = vec![0.0; l.rows * r.cols];
        for i in 0..l.rows {
            for j in 0..r.cols {
                out[i * r.cols + j] = (0..l.cols).map(|k| at(a, l, i, k) * at(b, r, k, j)).sum();
            }
        }
        out
    }

    fn assert_close(got: &[f32], want: &[f64]) {
        assert_eq!(got.len(), want.len());
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            assert!(
                (f64::from(*g) - w).abs() <= 1e-4 * (1.0 + w.abs()),
                "[{i}] {g} vs {w}"
            );
        }
    }

    #[test]
    fn dense_strided_and_transposed_views_multiply_like_the_triple_loop() {
        let a = pseudo_random(7 * 20 + 3, 1);
        let b = pseudo_random(20 * 9 + 5, 2);
        // Dense.
        let (l, r) = (View::dense(7, 20), View::dense(20, 9));
        assert_close(&matmul(&a, l, &b, r), &naive(&a, l, &b, r));
        // Shifted rows of a wider matrix (the convolution's taps) times a transposed block.
        let l = View::rows(3, 5, 4, 20);
        let r = View::rows(5, 6, 4, 9).transposed();
        assert_close(&matmul(&a, l, &b, r), &naive(&a, l, &b, r));
        // A transposed left operand (a weight gradient).
        let l = View::dense(20, 7).transposed();
        let a = &a[..140];
        assert_close(
            &matmul(a, l, &b, View::dense(20, 9)),
            &naive(a, l, &b, View::dense(20, 9)),
        );
    }

    #[test]
    fn accumulating_adds_to_the_destination_view_only() {
        let a = pseudo_random(4 * 3, 3);
        let b = pseudo_random(3 * 2, 4);
        // A 4 x 2 block inside a 6 x 5 buffer of ones, starting at row 1, column 2.
        let mut dst = vec![1.0f32; 30];
        let d = View::rows(7, 4, 2, 5);
        matmul_into(
            &mut dst,
            d,
            &a,
            View::dense(4, 3),
            &b,
            View::dense(3, 2),
            true,
        );
        let product = naive(&a, View::dense(4, 3), &b, View::dense(3, 2));
        for (index, value) in dst.iter().enumerate() {
            let (i, j) = (index / 5, index % 5);
            let inside = (1..5).contains(&i) && (2..4).contains(&j);
            let want = if inside {
                1.0 + product[(i - 1) * 2 + j - 2]
            } else {
                1.0
            };
            assert!(
                (f64::from(*value) - want).abs() < 1e-5,
                "({i}, {j}) {value} vs {want}"
            );
        }
    }

    #[test]
    fn a_large_product_is_bit_identical_on_one_thread_and_on_several() {
        let (m, k, n) = (96, 130, 200); // above the work split over threads
        assert!(m * k * n >= PARALLEL_WORK);
        let a = pseudo_random(m * k, 5);
        let b = pseudo_random(k * n, 6);
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("a thread pool");
            pool.install(|| matmul(&a, View::dense(m, k), &b, View::dense(k, n)))
        };
        let one = run(1);
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&one), bits(&run(3)));
        assert_close(&one, &naive(&a, View::dense(m, k), &b, View::dense(k, n)));
    }

    #[test]
    #[should_panic(expected = "outside its slice")]
    fn a_view_past_the_end_of_its_slice_is_refused() {
        let a = vec![0.0f32; 11];
        let b = vec![0.0f32; 6];
        let _ = matmul(&a, View::dense(4, 3), &b, View::dense(3, 2));
    }
}
