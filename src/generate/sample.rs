//! Choosing the next token from logits: temperature, masks, a seeded random generator.

use rand::Rng;

/// The lowest temperature other than 0 (greedy) that is accepted.
pub const MIN_TEMPERATURE: f32 = 0.05;
/// The highest temperature accepted.
pub const MAX_TEMPERATURE: f32 = 5.0;

/// Picks a token id from `logits` among the ids where `allowed` is true.
///
/// Temperature `t > 0`: the papers' formula, logits (log-probabilities up to a constant)
/// divided by `t`, then renormalized (softmax), and one id drawn from that distribution;
/// below 1 it sharpens the distribution (safer, more repetitive), above 1 it flattens it
/// (more surprising). `t == 0` is greedy: the most likely allowed id (the lowest id on a tie).
/// Returns `None` when no id is allowed.
pub fn sample_token(
    logits: &[f32],
    allowed: &[bool],
    temperature: f32,
    rng: &mut impl Rng,
) -> Option<u32> {
    let candidates = || {
        logits
            .iter()
            .zip(allowed)
            .enumerate()
            .filter(|(_, (l, a))| **a && l.is_finite())
            .map(|(i, (&l, _))| (i, l))
    };
    let (best, max) = candidates().fold(None, |acc: Option<(usize, f32)>, (i, l)| match acc {
        Some((_, m)) if m >= l => acc,
        _ => Some((i, l)),
    })?;
    if temperature <= 0.0 {
        return u32::try_from(best).ok();
    }
    let inv_t = f64::from(1.0 / temperature);
    let total: f64 = candidates()
        .map(|(_, l)| (f64::from(l - max) * inv_t).exp())
        .sum();
    let mut u = rng.random::<f64>() * total;
    let mut last = best;
    for (i, l) in candidates() {
        let p = (f64::from(l - max) * inv_t).exp();
        if u < p {
            return u32::try_from(i).ok();
        }
        u -= p;
        last = i;
    }
    // Rounding left a sliver of mass past the end: the last candidate takes it.
    u32::try_from(last).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn greedy_takes_the_best_allowed() {
        let mut rng = StdRng::seed_from_u64(1);
        let logits = [1.0, 3.0, 2.0, 3.0];
        assert_eq!(sample_token(&logits, &[true; 4], 0.0, &mut rng), Some(1));
        assert_eq!(
            sample_token(&logits, &[true, false, true, true], 0.0, &mut rng),
            Some(3)
        );
        assert_eq!(sample_token(&logits, &[false; 4], 1.0, &mut rng), None);
    }

    #[test]
    fn frequencies_follow_the_tempered_softmax() {
        // logits ln 1, ln 3: at t = 1 the odds are 1:3; at t = 0.5 they are 1:9.
        let logits = [0.0, 3f32.ln()];
        for (t, expected) in [
            (1.0, 0.75),
            (0.5, 0.9),
            (2.0, 3f64.sqrt() / (1.0 + 3f64.sqrt())),
        ] {
            let mut rng = StdRng::seed_from_u64(7);
            let n = 20_000;
            let ones = (0..n)
                .filter(|_| sample_token(&logits, &[true, true], t, &mut rng) == Some(1))
                .count();
            let share = ones as f64 / f64::from(n);
            assert!(
                (share - expected).abs() < 0.015,
                "t {t}: {share} vs {expected}"
            );
        }
    }

    #[test]
    fn masked_ids_are_never_drawn() {
        let mut rng = StdRng::seed_from_u64(3);
        let logits = [5.0, 0.0, 0.0];
        for _ in 0..1000 {
            assert_ne!(
                sample_token(&logits, &[false, true, true], 2.0, &mut rng),
                Some(0)
            );
        }
    }
}
