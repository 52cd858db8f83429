//! The series behind the training charts (pure logic, tested without a window): debiased
//! exponential smoothing, gaps at non-finite values, and thinning before drawing (see the
//! module documentation of [`super`]).

/// The largest smoothing weight accepted (TensorBoard's cap).
pub const MAX_SMOOTHING: f64 = 0.999;

/// The smoothing weight the charts start with (TensorBoard's default).
pub const DEFAULT_SMOOTHING: f64 = 0.6;

/// Buckets a series is thinned to before drawing (each bucket gives at most two points, plus
/// gap markers).
pub const DRAW_BUCKETS: usize = 1_000;

/// A debiased exponential moving average, fed one value at a time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ema {
    weight: f64,
    accumulated: f64,
    count: i32,
}

impl Ema {
    /// A fresh average with smoothing weight `weight` (clamped to `0.0..=MAX_SMOOTHING`; a
    /// NaN weight counts as 0, no smoothing).
    pub fn new(weight: f64) -> Self {
        let weight = if weight.is_nan() {
            0.0
        } else {
            weight.clamp(0.0, MAX_SMOOTHING)
        };
        Ema {
            weight,
            accumulated: 0.0,
            count: 0,
        }
    }

    /// The smoothing weight in use.
    pub fn weight(&self) -> f64 {
        self.weight
    }

    /// Takes the next value and returns the smoothed one. A non-finite value is returned as
    /// it is and leaves the average untouched.
    pub fn push(&mut self, value: f64) -> f64 {
        if !value.is_finite() {
            return value;
        }
        self.accumulated = self.weight * self.accumulated + (1.0 - self.weight) * value;
        self.count = self.count.saturating_add(1);
        let debias = 1.0 - self.weight.powi(self.count);
        if debias > 0.0 {
            self.accumulated / debias
        } else {
            value
        }
    }
}

/// A chart series: raw points and their smoothed twin, kept in step as points arrive (the
/// smoothed line is recomputed only when the weight changes).
#[derive(Clone, Debug)]
pub struct SmoothedSeries {
    raw: Vec<[f64; 2]>,
    smoothed: Vec<[f64; 2]>,
    ema: Ema,
    /// The thinned raw and smoothed lines as of `len` points (see [`SmoothedSeries::thinned`]).
    thinned: std::cell::RefCell<Thinned>,
}

/// A cache of thinned lines.
#[derive(Clone, Debug, Default)]
struct Thinned {
    len: usize,
    raw: Vec<[f64; 2]>,
    smoothed: Vec<[f64; 2]>,
}

impl Default for SmoothedSeries {
    fn default() -> Self {
        SmoothedSeries::new(DEFAULT_SMOOTHING)
    }
}

impl SmoothedSeries {
    /// An empty series smoothed with `weight`.
    pub fn new(weight: f64) -> Self {
        SmoothedSeries {
            raw: Vec::new(),
            smoothed: Vec::new(),
            ema: Ema::new(weight),
            thinned: std::cell::RefCell::new(Thinned::default()),
        }
    }

    /// Adds a point (`y` may be NaN or infinite: it shows as a gap).
    pub fn push(&mut self, x: f64, y: f64) {
        self.raw.push([x, y]);
        self.smoothed.push([x, self.ema.push(y)]);
    }

    /// Changes the smoothing weight and recomputes the smoothed line.
    pub fn set_smoothing(&mut self, weight: f64) {
        let ema = Ema::new(weight);
        if ema.weight() == self.ema.weight() {
            return;
        }
        self.ema = ema;
        self.thinned.replace(Thinned::default());
        self.smoothed = self
            .raw
            .iter()
            .map(|&[x, y]| [x, self.ema.push(y)])
            .collect();
    }

    /// The raw points.
    #[cfg(test)]
    pub fn raw(&self) -> &[[f64; 2]] {
        &self.raw
    }

    /// The smoothed points.
    #[cfg(test)]
    pub fn smoothed(&self) -> &[[f64; 2]] {
        &self.smoothed
    }

    /// The raw and smoothed lines thinned for drawing to about `2 * buckets` points each
    /// (see [`decimate`]). Thinning a long series is redone only after a bucket's worth of
    /// new points; until then the new points are appended to the last thinning, so a frame
    /// costs a copy of a few thousand points however long the run.
    pub fn thinned(&self, buckets: usize) -> (Vec<[f64; 2]>, Vec<[f64; 2]>) {
        let len = self.raw.len();
        let mut cache = self.thinned.borrow_mut();
        let bucket = len.div_ceil(buckets.max(1)).max(1);
        if cache.len == 0 || cache.len > len || len - cache.len >= bucket {
            *cache = Thinned {
                len,
                raw: decimate(&self.raw, buckets),
                smoothed: decimate(&self.smoothed, buckets),
            };
        }
        let tail = cache.len..len;
        let mut raw = cache.raw.clone();
        raw.extend_from_slice(&self.raw[tail.clone()]);
        let mut smoothed = cache.smoothed.clone();
        smoothed.extend_from_slice(&self.smoothed[tail]);
        (raw, smoothed)
    }

    /// How many points.
    pub fn len(&self) -> usize {
        self.raw.len()
    }

    /// Whether there is no point yet.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// The last smoothed value that is finite.
    pub fn last_smoothed(&self) -> Option<f64> {
        self.smoothed
            .iter()
            .rev()
            .map(|p| p[1])
            .find(|y| y.is_finite())
    }

    /// Forgets every point (keeps the weight).
    pub fn clear(&mut self) {
        self.raw.clear();
        self.smoothed.clear();
        self.thinned.replace(Thinned::default());
        self.ema = Ema::new(self.ema.weight());
    }
}

/// Whether both coordinates of a point are finite.
fn finite(p: &[f64; 2]) -> bool {
    p[0].is_finite() && p[1].is_finite()
}

/// The runs of consecutive finite points of a series, in order: each is drawn as one line, so
/// a non-finite point leaves a gap between two runs. Runs are slices of the input (no copy).
pub fn finite_segments(points: &[[f64; 2]]) -> Vec<&[[f64; 2]]> {
    points
        .split(|p| !finite(p))
        .filter(|run| !run.is_empty())
        .collect()
}

/// Thins a series to about `2 * buckets` points: the points are cut into `buckets` runs of
/// equal count, and each run of finite points inside a bucket keeps its smallest and largest
/// value, in step order (one point when they coincide). A non-finite point inside a bucket is
/// kept as one gap marker (`y = NaN`) between the runs around it, so gaps stay visible. A
/// series of at most `2 * buckets` points is returned as it is.
pub fn decimate(points: &[[f64; 2]], buckets: usize) -> Vec<[f64; 2]> {
    let buckets = buckets.max(1);
    if points.len() <= 2 * buckets {
        return points.to_vec();
    }
    let size = points.len().div_ceil(buckets);
    let mut out = Vec::with_capacity(2 * buckets + 8);
    for bucket in points.chunks(size) {
        let mut rest = bucket;
        loop {
            let end = rest.iter().position(|p| !finite(p)).unwrap_or(rest.len());
            push_extremes(&rest[..end], &mut out);
            if end == rest.len() {
                break;
            }
            // A gap marker, once per stretch of non-finite points.
            if out.last().is_none_or(finite) {
                out.push([rest[end][0], f64::NAN]);
            }
            rest = &rest[end + 1..];
        }
    }
    out
}

/// Appends the lowest and highest point of a run of finite points, in step order.
fn push_extremes(run: &[[f64; 2]], out: &mut Vec<[f64; 2]>) {
    let mut low: Option<(usize, [f64; 2])> = None;
    let mut high: Option<(usize, [f64; 2])> = None;
    for (i, p) in run.iter().enumerate() {
        if low.is_none_or(|(_, l)| p[1] < l[1]) {
            low = Some((i, *p));
        }
        if high.is_none_or(|(_, h)| p[1] > h[1]) {
            high = Some((i, *p));
        }
    }
    if let (Some((li, l)), Some((hi, h))) = (low, high) {
        match li.cmp(&hi) {
            std::cmp::Ordering::Equal => out.push(l),
            std::cmp::Ordering::Less => out.extend([l, h]),
            std::cmp::Ordering::Greater => out.extend([h, l]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The debiased EMA of a whole series of `[x, y]` points; x is kept.
    fn debiased_ema(points: &[[f64; 2]], weight: f64) -> Vec<[f64; 2]> {
        let mut ema = Ema::new(weight);
        points.iter().map(|&[x, y]| [x, ema.push(y)]).collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn ema_is_debiased_by_hand() {
        // a = 0.5, x = 1, 2, 4:
        // t1: acc = 0.5,            / (1 - 0.5)   = 1
        // t2: acc = 0.25 + 1 = 1.25, / 0.75        = 5/3
        // t3: acc = 0.625 + 2 = 2.625, / 0.875     = 3
        let out = debiased_ema(&[[1.0, 1.0], [2.0, 2.0], [3.0, 4.0]], 0.5);
        let ys: Vec<f64> = out.iter().map(|p| p[1]).collect();
        assert!(close(ys[0], 1.0), "{ys:?}");
        assert!(close(ys[1], 5.0 / 3.0), "{ys:?}");
        assert!(close(ys[2], 3.0), "{ys:?}");
        assert_eq!(out[2][0], 3.0);
    }

    #[test]
    fn ema_weight_zero_is_the_raw_series_and_the_weight_is_capped() {
        let raw = [[0.0, 3.0], [1.0, -1.0], [2.0, 7.5]];
        assert_eq!(debiased_ema(&raw, 0.0), raw.to_vec());
        assert_eq!(Ema::new(1.0).weight(), MAX_SMOOTHING);
        assert_eq!(Ema::new(-2.0).weight(), 0.0);
        assert_eq!(Ema::new(f64::NAN).weight(), 0.0);
        // At the cap a constant series stays exactly where it is (debiasing works).
        let mut ema = Ema::new(1.0);
        assert!(close(ema.push(2.0), 2.0));
        assert!(close(ema.push(2.0), 2.0));
    }

    #[test]
    fn non_finite_values_are_gaps_that_do_not_move_the_average() {
        // a = 0.5, x = 1, NaN, 2: the NaN is passed through and not counted, so the third
        // value is the second step of the average: (0.25 + 1) / 0.75 = 5/3.
        let out = debiased_ema(&[[1.0, 1.0], [2.0, f64::NAN], [3.0, 2.0]], 0.5);
        assert!(close(out[0][1], 1.0));
        assert!(out[1][1].is_nan());
        assert!(close(out[2][1], 5.0 / 3.0));
        let out = debiased_ema(&[[1.0, f64::INFINITY]], 0.5);
        assert_eq!(out[0][1], f64::INFINITY);
    }

    #[test]
    fn segments_split_at_nan_and_inf() {
        let pts = [
            [0.0, 1.0],
            [1.0, 2.0],
            [2.0, f64::NAN],
            [3.0, 3.0],
            [4.0, f64::NEG_INFINITY],
            [5.0, f64::INFINITY],
            [6.0, 4.0],
            [7.0, 5.0],
        ];
        let runs = finite_segments(&pts);
        assert_eq!(runs.len(), 3);
        assert_eq!(runs[0], &[[0.0, 1.0], [1.0, 2.0]]);
        assert_eq!(runs[1], &[[3.0, 3.0]]);
        assert_eq!(runs[2], &[[6.0, 4.0], [7.0, 5.0]]);
        assert!(finite_segments(&[[0.0, f64::NAN]]).is_empty());
        assert!(finite_segments(&[]).is_empty());
    }

    #[test]
    fn smoothed_series_recomputes_when_the_weight_changes() {
        let mut s = SmoothedSeries::new(0.0);
        s.push(1.0, 1.0);
        s.push(2.0, 2.0);
        s.push(3.0, 4.0);
        assert_eq!(s.smoothed()[2][1], 4.0);
        s.set_smoothing(0.5);
        assert!(close(s.smoothed()[2][1], 3.0));
        assert_eq!(s.len(), 3);
        assert!(close(s.last_smoothed().unwrap_or(0.0), 3.0));
        s.push(4.0, f64::NAN);
        assert!(close(s.last_smoothed().unwrap_or(0.0), 3.0));
        s.clear();
        assert!(s.is_empty());
        assert_eq!(s.last_smoothed(), None);
    }

    #[test]
    fn thinned_lines_match_a_fresh_thinning_after_each_bucket() {
        let mut s = SmoothedSeries::new(0.0);
        for i in 0..100 {
            s.push(f64::from(i), f64::from(i % 10));
        }
        // 100 points, 10 buckets: thinned fresh.
        let (raw, smoothed) = s.thinned(10);
        assert_eq!(raw, decimate(s.raw(), 10));
        assert_eq!(smoothed, raw);
        // 5 more points (less than a bucket of 11): appended to the cached thinning.
        for i in 100..105 {
            s.push(f64::from(i), 99.0);
        }
        let (raw, _) = s.thinned(10);
        assert_eq!(raw.len(), decimate(&s.raw()[..100], 10).len() + 5);
        assert_eq!(raw.last(), Some(&[104.0, 99.0]));
        // A bucket's worth more: thinned afresh.
        for i in 105..120 {
            s.push(f64::from(i), 0.0);
        }
        assert_eq!(s.thinned(10).0, decimate(s.raw(), 10));
        // Changing the smoothing drops the cache.
        s.set_smoothing(0.5);
        assert_eq!(s.thinned(10).1, decimate(s.smoothed(), 10));
    }

    #[test]
    fn decimation_keeps_extremes_in_order_and_gaps() {
        // 12 points, 3 buckets of 4.
        let ys = [
            1.0,
            5.0,
            0.0,
            2.0, // bucket 1: max 5 at x=1, min 0 at x=2
            3.0,
            3.0,
            3.0,
            3.0, // bucket 2: flat: one point (the first)
            9.0,
            f64::NAN,
            -1.0,
            4.0, // bucket 3: [9] gap [-1, 4]
        ];
        let pts: Vec<[f64; 2]> = ys.iter().enumerate().map(|(i, &y)| [i as f64, y]).collect();
        let out = decimate(&pts, 3);
        let expect = [
            [1.0, 5.0],
            [2.0, 0.0],
            [4.0, 3.0],
            [8.0, 9.0],
            [9.0, f64::NAN],
            [10.0, -1.0],
            [11.0, 4.0],
        ];
        assert_eq!(out.len(), expect.len(), "{out:?}");
        for (a, b) in out.iter().zip(expect) {
            assert_eq!(a[0], b[0]);
            assert!(a[1] == b[1] || (a[1].is_nan() && b[1].is_nan()), "{out:?}");
        }
        // Short series are untouched (compared bit for bit: NaN != NaN).
        let bits = |v: &[[f64; 2]]| -> Vec<[u64; 2]> {
            v.iter().map(|p| [p[0].to_bits(), p[1].to_bits()]).collect()
        };
        assert_eq!(bits(&decimate(&pts, 6)), bits(&pts));
    }

    #[test]
    fn decimating_100k_points_gives_a_small_series_with_the_spike() {
        let mut pts: Vec<[f64; 2]> = (0..100_000).map(|i| [i as f64, (i % 7) as f64]).collect();
        pts[54_321][1] = 1e6;
        pts[70_000][1] = f64::NAN;
        let started = std::time::Instant::now();
        let out = decimate(&pts, DRAW_BUCKETS);
        // A figure, not an assertion: what one series costs per frame.
        eprintln!("decimating 100,000 points took {:?}", started.elapsed());
        assert!(out.len() <= 2 * DRAW_BUCKETS + 3, "{}", out.len());
        assert!(out.iter().any(|p| p[1] == 1e6));
        assert_eq!(out.iter().filter(|p| p[1].is_nan()).count(), 1);
        assert_eq!(finite_segments(&out).len(), 2);
    }
}
