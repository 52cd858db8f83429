//! The order-2 Markov chain over tokens: the simplest baseline the GAN has to beat.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// Counts of next tokens after each pair of tokens (and, to back off, after each single
/// token and overall), learned from token sequences.
///
/// The next-token distribution after `(a, b)` is the pair's counts when the pair was seen,
/// else the counts after `b`, else the overall token counts: plain backoff, no smoothing, so
/// the chain only ever plays transitions it has seen.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MarkovChain {
    vocab_size: usize,
    pairs: HashMap<(u32, u32), Vec<u32>>,
    singles: HashMap<u32, Vec<u32>>,
    overall: Vec<u32>,
}

impl MarkovChain {
    /// Learns the counts from token id sequences; ids at or above `vocab_size` are skipped
    /// (they break the context).
    pub fn fit<'a>(vocab_size: usize, sequences: impl IntoIterator<Item = &'a [u32]>) -> Self {
        let mut chain = MarkovChain {
            vocab_size,
            overall: vec![0; vocab_size],
            ..MarkovChain::default()
        };
        for sequence in sequences {
            let mut context: [Option<u32>; 2] = [None, None];
            for &id in sequence {
                let Some(slot) = chain.overall.get_mut(id as usize) else {
                    context = [None, None];
                    continue;
                };
                *slot += 1;
                if let Some(b) = context[1] {
                    chain
                        .singles
                        .entry(b)
                        .or_insert_with(|| vec![0; vocab_size])[id as usize] += 1;
                    if let Some(a) = context[0] {
                        chain
                            .pairs
                            .entry((a, b))
                            .or_insert_with(|| vec![0; vocab_size])[id as usize] += 1;
                    }
                }
                context = [context[1], Some(id)];
            }
        }
        chain
    }

    /// The vocabulary size.
    pub fn vocab_size(&self) -> usize {
        self.vocab_size
    }

    /// Next-token log-probabilities (`-inf` for unseen tokens) after the last two tokens of a
    /// context (`None` where the context is shorter), into `out`.
    pub fn log_probs(&self, context: [Option<u32>; 2], out: &mut [f32]) {
        let counts = match context {
            [Some(a), Some(b)] => self.pairs.get(&(a, b)).or_else(|| self.singles.get(&b)),
            [_, Some(b)] => self.singles.get(&b),
            _ => None,
        }
        .unwrap_or(&self.overall);
        let total: u64 = counts.iter().map(|&c| u64::from(c)).sum();
        for (o, &c) in out.iter_mut().zip(counts) {
            *o = if c == 0 || total == 0 {
                f32::NEG_INFINITY
            } else {
                (f64::from(c) / total as f64).ln() as f32
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_pairs_and_backs_off() {
        // 0 1 2 and 0 1 3 twice: after (0, 1) the odds of 2:3 are 1:2.
        let seqs: Vec<Vec<u32>> = vec![vec![0, 1, 2], vec![0, 1, 3], vec![0, 1, 3]];
        let chain = MarkovChain::fit(4, seqs.iter().map(Vec::as_slice));
        let mut out = [0.0; 4];
        chain.log_probs([Some(0), Some(1)], &mut out);
        assert_eq!(out[0], f32::NEG_INFINITY);
        assert!((out[2] - (1.0f32 / 3.0).ln()).abs() < 1e-6);
        assert!((out[3] - (2.0f32 / 3.0).ln()).abs() < 1e-6);
        // Unseen pair (2, 0): back off to what follows 0 (always 1).
        chain.log_probs([Some(2), Some(0)], &mut out);
        assert_eq!(out[1], 0.0);
        // No context: overall counts 3, 3, 1, 2 of 9.
        chain.log_probs([None, None], &mut out);
        assert!((out[2] - (1.0f32 / 9.0).ln()).abs() < 1e-6);
    }

    #[test]
    fn out_of_range_ids_break_the_context() {
        let seqs: Vec<Vec<u32>> = vec![vec![0, 9, 1]];
        let chain = MarkovChain::fit(2, seqs.iter().map(Vec::as_slice));
        assert!(chain.pairs.is_empty());
        assert!(chain.singles.is_empty());
        assert_eq!(chain.overall, vec![1, 1]);
    }
}
