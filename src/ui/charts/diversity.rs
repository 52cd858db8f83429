//! The mode-collapse warning's figures: distinct n-grams of a sample, and a check over the
//! last few samples.

/// The share of distinct `n`-grams among all `n`-grams of a token sequence, in `0.0..=1.0`
/// (`None` when the sequence is shorter than `n` or `n` is 0). A melody that keeps moving
/// scores high; one that repeats a short figure, or holds one note, scores near `1 / len`.
pub fn distinct_ngram_ratio(tokens: &[u32], n: usize) -> Option<f64> {
    if n == 0 || tokens.len() < n {
        return None;
    }
    let grams: Vec<&[u32]> = tokens.windows(n).collect();
    let mut sorted = grams.clone();
    sorted.sort_unstable();
    sorted.dedup();
    Some(sorted.len() as f64 / grams.len() as f64)
}

/// The n-gram length the repetition check uses (trigrams of 16th-note steps).
pub const COLLAPSE_NGRAM: usize = 3;
/// Samples the collapse check looks back over.
pub const COLLAPSE_WINDOW: usize = 4;
/// Fewest samples before the check says anything.
pub const COLLAPSE_MIN_SAMPLES: usize = 3;
/// The warning fires when the mean distinct-trigram ratio of the recent samples is **below**
/// this. Folk melodies score about 0.5 to 0.9; a sample stuck on one figure scores below 0.2.
pub const REPETITION_THRESHOLD: f64 = 0.25;
/// The warning fires when **at least** this share of the recent samples is identical to
/// another recent sample (each epoch's sample uses its own random seed, so identical
/// samples mean the generator ignores its randomness).
pub const DUPLICATE_SHARE: f64 = 0.5;

/// What the collapse check found about the recent samples.
#[derive(Clone, Debug, PartialEq)]
pub struct Diversity {
    /// The mean distinct-trigram ratio of the recent samples.
    pub mean_ratio: f64,
    /// The share of recent samples identical to another recent sample.
    pub duplicate_share: f64,
    /// How many samples were looked at.
    pub samples: usize,
}

impl Diversity {
    /// Whether these figures mean "the samples have lost their variety" (see
    /// [`REPETITION_THRESHOLD`] and [`DUPLICATE_SHARE`]).
    pub fn collapsed(&self) -> bool {
        self.mean_ratio < REPETITION_THRESHOLD || self.duplicate_share >= DUPLICATE_SHARE
    }
}

/// The diversity of the last [`COLLAPSE_WINDOW`] samples (oldest first in `samples`), or
/// `None` with fewer than [`COLLAPSE_MIN_SAMPLES`]. Samples too short for a trigram count as
/// ratio 0.
pub fn collapse_check(samples: &[&[u32]]) -> Option<Diversity> {
    if samples.len() < COLLAPSE_MIN_SAMPLES {
        return None;
    }
    let recent = &samples[samples.len().saturating_sub(COLLAPSE_WINDOW)..];
    let mean_ratio = recent
        .iter()
        .map(|s| distinct_ngram_ratio(s, COLLAPSE_NGRAM).unwrap_or(0.0))
        .sum::<f64>()
        / recent.len() as f64;
    let duplicates = recent
        .iter()
        .enumerate()
        .filter(|(i, s)| {
            recent
                .iter()
                .enumerate()
                .any(|(j, other)| j != *i && other == *s)
        })
        .count();
    Some(Diversity {
        mean_ratio,
        duplicate_share: duplicates as f64 / recent.len() as f64,
        samples: recent.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn distinct_ngram_ratio_by_hand() {
        // 1 2 3 1 2 3: trigrams 123 231 312 123 -> 3 distinct of 4.
        assert_eq!(distinct_ngram_ratio(&[1, 2, 3, 1, 2, 3], 3), Some(0.75));
        // One token held: 5 trigrams, 1 distinct.
        assert_eq!(distinct_ngram_ratio(&[7; 7], 3), Some(0.2));
        assert_eq!(distinct_ngram_ratio(&[1, 2], 3), None);
        assert_eq!(distinct_ngram_ratio(&[1, 2], 0), None);
        assert_eq!(distinct_ngram_ratio(&[4], 1), Some(1.0));
    }

    #[test]
    fn collapse_check_needs_three_samples_and_flags_repetition_or_duplicates() {
        let varied: Vec<u32> = (0..20).collect(); // every trigram distinct: ratio 1
        let other: Vec<u32> = (20..40).collect();
        let third: Vec<u32> = (40..60).collect();
        let stuck = vec![60u32; 20]; // ratio 1/18
        assert_eq!(collapse_check(&[&varied, &other]), None);

        let fine = collapse_check(&[&varied, &other, &third]).unwrap();
        assert_eq!(fine.mean_ratio, 1.0);
        assert_eq!(fine.duplicate_share, 0.0);
        assert!(!fine.collapsed());

        // Three stuck samples and one varied: mean ratio (3/18 + 1) / 4 = 0.2917 > 0.25, but
        // the three stuck ones are identical: share 3/4 >= 0.5.
        let d = collapse_check(&[&varied, &stuck, &stuck, &stuck]).unwrap();
        assert!(close(d.mean_ratio, (3.0 / 18.0 + 1.0) / 4.0), "{d:?}");
        assert_eq!(d.duplicate_share, 0.75);
        assert!(d.collapsed());

        // Only the last four count: the old varied samples are forgotten.
        let held_a = vec![61u32; 20];
        let held_b = vec![62u32; 20];
        let held_c = vec![63u32; 20];
        let held_d = vec![64u32; 20];
        let d = collapse_check(&[&varied, &other, &held_a, &held_b, &held_c, &held_d]).unwrap();
        assert_eq!(d.samples, 4);
        assert_eq!(d.duplicate_share, 0.0);
        assert!(close(d.mean_ratio, 1.0 / 18.0));
        assert!(d.collapsed());

        // Exactly at the share threshold (2 of 4 identical) warns: ">=".
        let d = collapse_check(&[&varied, &other, &third, &varied]).unwrap();
        assert_eq!(d.duplicate_share, 0.5);
        assert!(d.collapsed());
    }
}
