//! Benchmarks behind `gan-studio bench`: each prints one figure per line as `name value unit`
//! (medians of several runs after a warm-up), so outputs of different tools can be put side by
//! side by a script.

pub mod dataset;
pub mod generate;
pub mod import;
pub mod roll;
pub mod train;
pub mod ui;

use std::time::{Duration, Instant};

/// Runs `f` `warmup` times untimed, then `runs` times timed, and returns every timed duration.
pub fn time_runs<T>(warmup: usize, runs: usize, mut f: impl FnMut() -> T) -> Vec<Duration> {
    for _ in 0..warmup {
        std::hint::black_box(f());
    }
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .collect()
}

/// The median of a list of durations (the mean of the middle two for an even count); zero for
/// an empty list.
pub fn median(durations: &[Duration]) -> Duration {
    let mut sorted = durations.to_vec();
    sorted.sort();
    match sorted.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2,
    }
}

/// The median of a list of numbers (NaN-free input expected; NaNs sort last).
pub fn median_f64(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// Peak resident memory of this process in MB (Linux `VmHWM`), if the platform tells.
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        let ms = Duration::from_millis;
        assert_eq!(median(&[ms(5), ms(1), ms(3)]), ms(3));
        assert_eq!(
            median(&[ms(4), ms(1), ms(3), ms(2)]),
            Duration::from_micros(2500)
        );
        assert_eq!(median(&[]), Duration::ZERO);
        assert_eq!(median_f64(&[3.0, 1.0, 2.0, 10.0]), 2.5);
        assert_eq!(time_runs(1, 4, || 1).len(), 4);
    }
}
