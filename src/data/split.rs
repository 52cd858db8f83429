//! Train/validation/test splits, by piece (never by window, so no melody is seen in training
//! and in validation at once).
//!
//! Pieces whose source gives a split (MAESTRO's `split` column) keep it. The others are
//! split by their identifier (source-relative path and tune index, independent of where the
//! data folder lies): each gets the hash of the seed and its identifier, they are ordered by
//! that hash, and the first `round(n × fraction)` go to validation (at least one when the
//! fraction is above 0 and there are two or more pieces; never all of them). The same
//! pieces, fraction and seed always give the same split, whatever order the files were read
//! in.

use serde::{Deserialize, Serialize};

use super::hash::StableHasher;

/// Which part of a data set a piece belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Split {
    /// Training.
    Train,
    /// Validation (model selection, early stopping).
    Validation,
    /// Held-out test (only from sources that define one, e.g. MAESTRO).
    Test,
}

impl Split {
    /// The name used by MAESTRO and in reports: `train`, `validation`, `test`.
    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Validation => "validation",
            Split::Test => "test",
        }
    }

    /// Parses a MAESTRO split name (any case, surrounding space ignored).
    pub fn parse(text: &str) -> Option<Split> {
        match text.trim().to_ascii_lowercase().as_str() {
            "train" => Some(Split::Train),
            "validation" => Some(Split::Validation),
            "test" => Some(Split::Test),
            _ => None,
        }
    }
}

impl std::fmt::Display for Split {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Splits pieces: `given[i]` is the split a source gave piece `i` (kept), `ids[i]` its
/// identifier. See the module documentation for the rule.
pub fn assign_splits(
    ids: &[&str],
    given: &[Option<Split>],
    fraction: f64,
    seed: u64,
) -> Vec<Split> {
    let mut splits: Vec<Split> = given.iter().map(|g| g.unwrap_or(Split::Train)).collect();
    let mut free: Vec<(u64, &str, usize)> = ids
        .iter()
        .zip(given)
        .enumerate()
        .filter(|(_, (_, g))| g.is_none())
        .map(|(i, (id, _))| (StableHasher::new().u64(seed).str(id).finish(), *id, i))
        .collect();
    free.sort_unstable();
    let n = free.len();
    let mut validation = (n as f64 * fraction.clamp(0.0, 1.0)).round() as usize;
    if fraction > 0.0 && n >= 2 {
        validation = validation.max(1);
    }
    validation = validation.min(n.saturating_sub(1));
    for &(_, _, i) in free.iter().take(validation) {
        splits[i] = Split::Validation;
    }
    splits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("folk/erk10.abc#{i}")).collect()
    }

    fn split(names: &[String], fraction: f64, seed: u64) -> Vec<Split> {
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        assign_splits(&refs, &vec![None; names.len()], fraction, seed)
    }

    fn count(splits: &[Split], which: Split) -> usize {
        splits.iter().filter(|&&s| s == which).count()
    }

    #[test]
    fn the_split_is_deterministic_and_sized_by_the_fraction() {
        let names = ids(100);
        let a = split(&names, 0.1, 7);
        assert_eq!(a, split(&names, 0.1, 7));
        assert_eq!(count(&a, Split::Validation), 10);
        assert_eq!(count(&a, Split::Train), 90);
        // Another seed gives another (same-sized) validation set.
        let b = split(&names, 0.1, 8);
        assert_eq!(count(&b, Split::Validation), 10);
        assert_ne!(a, b);
    }

    #[test]
    fn the_split_does_not_depend_on_order() {
        let names = ids(30);
        let forward = split(&names, 0.2, 3);
        let mut reversed_names = names.clone();
        reversed_names.reverse();
        let mut backward = split(&reversed_names, 0.2, 3);
        backward.reverse();
        assert_eq!(forward, backward);
    }

    #[test]
    fn small_sets_and_edge_fractions() {
        // Two pieces at 10%: round(0.2) = 0, but one goes to validation.
        assert_eq!(count(&split(&ids(2), 0.1, 0), Split::Validation), 1);
        // One piece always trains.
        assert_eq!(split(&ids(1), 0.5, 0), vec![Split::Train]);
        // No validation asked: none.
        assert_eq!(count(&split(&ids(10), 0.0, 0), Split::Validation), 0);
        // 95% of 10 is 10 (rounded), but one piece is kept for training.
        assert_eq!(count(&split(&ids(10), 0.95, 0), Split::Train), 1);
        assert!(split(&[], 0.1, 0).is_empty());
    }

    #[test]
    fn given_splits_are_kept() {
        let names = ids(4);
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let given = [Some(Split::Test), None, Some(Split::Validation), None];
        let got = assign_splits(&refs, &given, 0.5, 0);
        assert_eq!(got[0], Split::Test);
        assert_eq!(got[2], Split::Validation);
        // Of the two free pieces, round(2 * 0.5) = 1 goes to validation.
        assert_eq!(count(&[got[1], got[3]], Split::Validation), 1);
        assert_eq!(Split::parse(" Validation "), Some(Split::Validation));
        assert_eq!(Split::parse("dev"), None);
    }
}
