//! Matrix products on strided views of plain `f32` slices, through the `gemm` crate (the
//! kernel burn's CPU backend uses), so the custom training operations can write products
//! straight into buffers they own, accumulate into them, and read shifted or transposed
//! views without copying: no zero-filled output tensor per product, no im2col matrix.
//!
//! The views are checked before the kernel runs: shapes, bounds (computed without overflow)
//! and a destination that overlaps itself are [`MatmulError`]s, never undefined behaviour.

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

    /// One past the largest index the view touches (`offset` when it is empty); `None` when
    /// that index does not fit a `usize`.
    fn end(&self) -> Option<usize> {
        if self.rows == 0 || self.cols == 0 {
            return Some(self.offset);
        }
        let last_row = (self.rows - 1).checked_mul(self.row_stride)?;
        let last_col = (self.cols - 1).checked_mul(self.col_stride)?;
        self.offset
            .checked_add(last_row)?
            .checked_add(last_col)?
            .checked_add(1)
    }

    /// Whether every element lies inside a slice of `len` values, with strides a pointer
    /// offset can take.
    fn fits(&self, len: usize) -> bool {
        self.end().is_some_and(|end| end <= len)
            && self.row_stride <= isize::MAX as usize
            && self.col_stride <= isize::MAX as usize
    }

    /// Whether two elements of the view are one element of the slice. Two elements `(i, j)`
    /// and `(i', j')` meet when `(i - i') row_stride = (j' - j) col_stride`; with `g` the
    /// greatest common divisor of the strides, the smallest such steps are
    /// `col_stride / g` rows and `row_stride / g` columns, so the view overlaps itself exactly
    /// when both fit inside it (or a dimension of more than one element has stride 0).
    fn overlaps_itself(&self) -> bool {
        let (rows, cols) = (self.rows, self.cols);
        if rows == 0 || cols == 0 {
            return false;
        }
        if (rows > 1 && self.row_stride == 0) || (cols > 1 && self.col_stride == 0) {
            return true;
        }
        if rows == 1 || cols == 1 {
            return false;
        }
        let g = gcd(self.row_stride, self.col_stride);
        self.col_stride / g < rows && self.row_stride / g < cols
    }
}

/// The greatest common divisor (`gcd(a, 0) = a`).
fn gcd(mut a: usize, mut b: usize) -> usize {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Which operand of a product.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operand {
    /// The destination.
    Destination,
    /// The left factor.
    Left,
    /// The right factor.
    Right,
}

impl std::fmt::Display for Operand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Operand::Destination => "destination",
            Operand::Left => "left factor",
            Operand::Right => "right factor",
        })
    }
}

/// Why a product was refused (nothing was written).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MatmulError {
    /// The shapes do not chain as `[m, k] x [k, n] -> [m, n]`.
    #[error("the shapes do not chain: {lhs:?} x {rhs:?} -> {dst:?}")]
    Shapes {
        /// The left factor's `[rows, cols]`.
        lhs: [usize; 2],
        /// The right factor's `[rows, cols]`.
        rhs: [usize; 2],
        /// The destination's `[rows, cols]`.
        dst: [usize; 2],
    },
    /// A view reaches outside its slice, or past the largest index there is.
    #[error("the {operand} view {view:?} reaches outside its slice of {len} values")]
    OutsideSlice {
        /// Which operand.
        operand: Operand,
        /// Its view.
        view: View,
        /// The length of its slice.
        len: usize,
    },
    /// The destination view holds some element of its slice twice, so two parts of the
    /// product would write (from different threads) into one place.
    #[error("the destination view {0:?} overlaps itself")]
    OverlappingOutput(View),
    /// The product has more elements than a vector can hold.
    #[error("a [{rows}, {cols}] product is too large")]
    TooLarge {
        /// Rows of the product.
        rows: usize,
        /// Columns of the product.
        cols: usize,
    },
}

/// Products of at least this many multiply-adds are split over the current rayon pool.
const PARALLEL_WORK: usize = 1 << 20;

/// Checks the views of a product against the lengths of their slices (see [`matmul_into`]).
fn check(
    [(d, dst_len), (l, lhs_len), (r, rhs_len)]: [(View, usize); 3],
) -> Result<(), MatmulError> {
    if d.rows != l.rows || l.cols != r.rows || d.cols != r.cols {
        return Err(MatmulError::Shapes {
            lhs: [l.rows, l.cols],
            rhs: [r.rows, r.cols],
            dst: [d.rows, d.cols],
        });
    }
    for (operand, view, len) in [
        (Operand::Destination, d, dst_len),
        (Operand::Left, l, lhs_len),
        (Operand::Right, r, rhs_len),
    ] {
        if !view.fits(len) {
            return Err(MatmulError::OutsideSlice { operand, view, len });
        }
    }
    if d.overlaps_itself() {
        return Err(MatmulError::OverlappingOutput(d));
    }
    Ok(())
}

/// `dst = lhs x rhs`, or `dst += lhs x rhs` with `accumulate`, on the views `d`, `l`, `r` of
/// the three slices (`[m, k] x [k, n] -> [m, n]`). Large products are split over the threads
/// of the current rayon pool by blocks of the output, so the result does not depend on the
/// number of threads.
///
/// Every view is checked before anything is read or written: shapes that do not chain, a view
/// reaching outside its slice (its last index computed without overflow) and a destination
/// view that overlaps itself are errors, and `dst` is left as it was.
pub fn matmul_into(
    dst: &mut [f32],
    d: View,
    lhs: &[f32],
    l: View,
    rhs: &[f32],
    r: View,
    accumulate: bool,
) -> Result<(), MatmulError> {
    check([(d, dst.len()), (l, lhs.len()), (r, rhs.len())])?;
    if d.rows == 0 || d.cols == 0 {
        return Ok(());
    }
    if l.cols == 0 {
        if !accumulate {
            for i in 0..d.rows {
                for j in 0..d.cols {
                    dst[d.offset + i * d.row_stride + j * d.col_stride] = 0.0;
                }
            }
        }
        return Ok(());
    }
    let work = d.rows.saturating_mul(d.cols).saturating_mul(l.cols);
    let threads = rayon::current_num_threads();
    let parallelism = if threads > 1 && work >= PARALLEL_WORK {
        gemm::Parallelism::Rayon(threads)
    } else {
        gemm::Parallelism::None
    };
    // SAFETY: every view lies inside its slice (checked above without overflow, with strides
    // that fit an isize), `dst` is borrowed mutably and so overlaps neither input, no two
    // elements of the destination view are one element of `dst` (so the threads of `gemm`,
    // which write disjoint blocks of the view, write disjoint memory), and `gemm` touches only
    // the elements the views describe and returns after its threads do.
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
    Ok(())
}

/// `lhs x rhs` as a new dense row-major `[m, n]` vector (errors as [`matmul_into`]'s).
pub fn matmul(lhs: &[f32], l: View, rhs: &[f32], r: View) -> Result<Vec<f32>, MatmulError> {
    let (rows, cols) = (l.rows, r.cols);
    let len = rows
        .checked_mul(cols)
        .filter(|&n| n <= isize::MAX as usize / size_of::<f32>())
        .ok_or(MatmulError::TooLarge { rows, cols })?;
    let d = View::dense(rows, cols);
    check([(d, len), (l, lhs.len()), (r, rhs.len())])?;
    let mut out = vec![0.0; len];
    matmul_into(&mut out, d, lhs, l, rhs, r, false)?;
    Ok(out)
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
        assert_close(&matmul(&a, l, &b, r).unwrap(), &naive(&a, l, &b, r));
        // Shifted rows of a wider matrix (the convolution's taps) times a transposed block.
        let l = View::rows(3, 5, 4, 20);
        let r = View::rows(5, 6, 4, 9).transposed();
        assert_close(&matmul(&a, l, &b, r).unwrap(), &naive(&a, l, &b, r));
        // A transposed left operand (a weight gradient).
        let l = View::dense(20, 7).transposed();
        let a = &a[..140];
        assert_close(
            &matmul(a, l, &b, View::dense(20, 9)).unwrap(),
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
        )
        .unwrap();
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
            pool.install(|| matmul(&a, View::dense(m, k), &b, View::dense(k, n)).unwrap())
        };
        let one = run(1);
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&one), bits(&run(3)));
        assert_close(&one, &naive(&a, View::dense(m, k), &b, View::dense(k, n)));
    }

    #[test]
    fn a_view_past_the_end_of_its_slice_is_refused() {
        let a = vec![0.0f32; 11];
        let b = vec![0.0f32; 6];
        let err = matmul(&a, View::dense(4, 3), &b, View::dense(3, 2)).unwrap_err();
        assert!(matches!(
            err,
            MatmulError::OutsideSlice {
                operand: Operand::Left,
                len: 11,
                ..
            }
        ));
        assert!(err.to_string().contains("left factor"), "{err}");
        let err = matmul(&a, View::dense(3, 3), &b, View::dense(2, 2)).unwrap_err();
        assert!(matches!(err, MatmulError::Shapes { .. }), "{err}");
    }

    #[test]
    fn a_view_whose_last_index_overflows_is_refused_and_nothing_is_written() {
        // (3 - 1) * (2^63 - 1) + (2 - 1) * 1 + 1 = 2^64: one past usize::MAX. Computed with
        // wrapping arithmetic (a release build without checks) it is 0 and would "fit".
        let huge = isize::MAX as usize;
        let d = View {
            offset: 0,
            rows: 3,
            cols: 2,
            row_stride: huge,
            col_stride: 1,
        };
        let (a, b) = (vec![1.0f32; 6], vec![1.0f32; 4]);
        let mut dst = vec![7.0f32; 6];
        let err = matmul_into(
            &mut dst,
            d,
            &a,
            View::dense(3, 2),
            &b,
            View::dense(2, 2),
            false,
        )
        .unwrap_err();
        assert_eq!(
            err,
            MatmulError::OutsideSlice {
                operand: Operand::Destination,
                view: d,
                len: 6
            }
        );
        assert_eq!(dst, vec![7.0; 6]);
        // An offset at the top of the address range, and a product too large to allocate.
        let far = View::rows(usize::MAX, 1, 1, 1);
        let err = matmul(&a, far, &b, View::dense(1, 1)).unwrap_err();
        assert!(matches!(err, MatmulError::OutsideSlice { .. }), "{err}");
        let wide = View::rows(0, usize::MAX, 0, 0);
        let tall = View::rows(0, 0, usize::MAX, usize::MAX);
        let err = matmul(&a, wide, &b, tall).unwrap_err();
        assert!(matches!(err, MatmulError::TooLarge { .. }), "{err}");
    }

    #[test]
    fn a_destination_view_that_overlaps_itself_is_refused() {
        let a = pseudo_random(2 * 2, 7);
        let b = pseudo_random(2 * 2, 8);
        let mut dst = vec![3.0f32; 10];
        let overlapping = [
            // (0, 1) and (1, 0) are both element 1.
            View {
                offset: 0,
                rows: 2,
                cols: 2,
                row_stride: 1,
                col_stride: 1,
            },
            // Every row on the same elements.
            View::rows(0, 2, 2, 0),
            // Strides 4 and 2: (0, 2) and (1, 0) meet at 4.
            View {
                offset: 0,
                rows: 2,
                cols: 3,
                row_stride: 4,
                col_stride: 2,
            },
        ];
        for d in overlapping {
            let l = View::dense(2, 2);
            let r = View::rows(0, 2, d.cols, d.cols);
            let rhs = pseudo_random(2 * d.cols, 9);
            let err = matmul_into(&mut dst, d, &a, l, &rhs, r, true).unwrap_err();
            assert_eq!(err, MatmulError::OverlappingOutput(d));
            assert!(err.to_string().contains("overlaps itself"), "{err}");
        }
        assert_eq!(dst, vec![3.0; 10]);
        // Interleaved but disjoint (strides 2 and 3: elements 0, 3, 2, 5) is a valid view.
        let d = View {
            offset: 0,
            rows: 2,
            cols: 2,
            row_stride: 2,
            col_stride: 3,
        };
        matmul_into(
            &mut dst,
            d,
            &a,
            View::dense(2, 2),
            &b,
            View::dense(2, 2),
            false,
        )
        .unwrap();
        let want = naive(&a, View::dense(2, 2), &b, View::dense(2, 2));
        let got = [dst[0], dst[3], dst[2], dst[5]];
        assert_close(&got, &want);
        for untouched in [1, 4, 6, 7, 8, 9] {
            assert_eq!(dst[untouched], 3.0);
        }
    }

    #[test]
    fn self_overlap_matches_a_brute_force_count() {
        for rows in 0..5 {
            for cols in 0..5 {
                for row_stride in 0..7 {
                    for col_stride in 0..7 {
                        let v = View {
                            offset: 1,
                            rows,
                            cols,
                            row_stride,
                            col_stride,
                        };
                        let mut seen: Vec<usize> = (0..rows)
                            .flat_map(|i| {
                                (0..cols).map(move |j| 1 + i * row_stride + j * col_stride)
                            })
                            .collect();
                        seen.sort_unstable();
                        let before = seen.len();
                        seen.dedup();
                        assert_eq!(v.overlaps_itself(), seen.len() < before, "{v:?}");
                    }
                }
            }
        }
    }
}
