//! What gives generated tunes away: the judge's features ranked by how well each one alone
//! tells the two sets apart.
//!
//! The judge's classifiers combine many features, so its accuracy does not say *what* differs.
//! One feature at a time is easy to read: its area under the ROC curve (AUC) is the chance
//! that a generated tune chosen at random has a higher value than a real one (ties count
//! half). 0.5 means the feature alone cannot tell the sets apart; 0.0 or 1.0 means it alone
//! separates them. Ranking by the distance from 0.5 lists what a model should learn next,
//! e.g. "bars repeating an earlier bar: generated 2%, real 15%".

use serde::Serialize;

use super::MelodyFeatures;
use super::features::FEATURE_COUNT;

/// One feature and how well it alone tells generated tunes from real ones.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TellingFeature {
    /// Its index in [`super::melody_features`]'s vector.
    pub index: usize,
    /// What it measures, in words ([`feature_names`]).
    pub name: String,
    /// Its mean over the generated tunes.
    pub generated_mean: f64,
    /// Its mean over the real tunes.
    pub real_mean: f64,
    /// The chance that a random generated tune has a higher value than a random real one
    /// (ties count half): 0.5 = no difference.
    pub auc: f64,
}

impl TellingFeature {
    /// How well the feature alone separates the sets: `|auc - 0.5| * 2`, from 0 (not at all)
    /// to 1 (completely).
    pub fn separation(&self) -> f64 {
        (self.auc - 0.5).abs() * 2.0
    }
}

/// The names of the interval classes of block 4 of the features.
const INTERVAL_CLASSES: [&str; 9] = [
    "a big leap down",
    "a leap down",
    "a third down",
    "a step down",
    "a repeated note",
    "a step up",
    "a third up",
    "a leap up",
    "a big leap up",
];

/// The names of the duration classes of block 4.
const DURATION_CLASSES: [&str; 6] = [
    "a 16th",
    "an 8th",
    "a dotted 8th",
    "a quarter",
    "5-7 16ths",
    "a half or longer",
];

/// Scale degrees as semitones above the tonic, as a musician names them.
const DEGREES: [&str; 12] = [
    "1", "b2", "2", "b3", "3", "4", "#4", "5", "b6", "6", "b7", "7",
];

/// The name of every feature of [`super::melody_features`], in order ([`FEATURE_COUNT`]
/// names, all different).
pub fn feature_names() -> Vec<String> {
    let mut names = Vec::with_capacity(FEATURE_COUNT);
    // 1. Intervals.
    names.push("intervals below -12".to_string());
    for i in -12..=12 {
        names.push(format!("intervals of {i:+}"));
    }
    names.push("intervals above +12".to_string());
    // 2. Durations.
    for d in [1, 2, 3, 4, 6, 8, 12, 16] {
        names.push(format!("notes of {d} 16ths"));
    }
    names.push("notes of other lengths".to_string());
    // 3. Interval bigrams.
    for b in 0..32 {
        names.push(format!("interval pairs, bucket {b}"));
    }
    // 4. (interval class, duration class).
    for i in INTERVAL_CLASSES {
        for d in DURATION_CLASSES {
            names.push(format!("{i} onto {d}"));
        }
    }
    // 5. Key.
    for d in DEGREES {
        names.push(format!("time on degree {d}"));
    }
    names.push("minor key".to_string());
    names.push("key clarity (correlation)".to_string());
    names.push("notes in the key's scale".to_string());
    // 6. Start and end.
    for d in DEGREES {
        names.push(format!("first note on degree {d}"));
    }
    for d in DEGREES {
        names.push(format!("last note on degree {d}"));
    }
    names.push("first note's height (octaves from the median)".to_string());
    names.push("last note's height (octaves from the median)".to_string());
    names.push("last note's length (bars)".to_string());
    // 7. Pitch.
    for name in [
        "pitch range (semitones)",
        "pitch spread (standard deviation)",
        "mean interval size",
        "largest interval",
        "repeated notes",
        "steps (1-2 semitones)",
        "leaps (5+ semitones)",
        // 8. Rhythm.
        "notes per bar",
        "rests (share of time)",
        "onsets on a beat",
        "onsets on an 8th between beats",
        "onsets off the 8th grid",
        "notes held over a bar line",
        "bars with a note on the downbeat",
        "mean note length (16ths)",
        "note length spread (16ths)",
        "consecutive notes of different lengths",
        // 9. Contour.
        "rising run length",
        "falling run length",
        "direction changes",
        "leaps answered by a step back",
        // 10. Form.
        "bars repeating an earlier bar (or transposed)",
        "bars repeating an earlier bar exactly",
        "longest segment heard twice (share of notes)",
        "4-note patterns heard before in the tune",
    ] {
        names.push(name.to_string());
    }
    names
}

/// The AUC of `a` against `b`: the chance that a value drawn from `a` is higher than one
/// drawn from `b`, ties counting half (the Mann-Whitney statistic over `|a| |b|`). 0.5 when
/// either is empty.
pub fn auc(a: &[f64], b: &[f64]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.5;
    }
    // (value, from a) sorted; tied values share their mean rank.
    let mut all: Vec<(f64, bool)> = a
        .iter()
        .map(|&x| (x, true))
        .chain(b.iter().map(|&x| (x, false)))
        .collect();
    all.sort_by(|x, y| x.0.total_cmp(&y.0));
    let mut rank_sum_a = 0.0;
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        while j + 1 < all.len() && all[j + 1].0 == all[i].0 {
            j += 1;
        }
        // Ranks i+1 ..= j+1 share their mean.
        let mean_rank = (i + j + 2) as f64 / 2.0;
        rank_sum_a += mean_rank * all[i..=j].iter().filter(|v| v.1).count() as f64;
        i = j + 1;
    }
    let (na, nb) = (a.len() as f64, b.len() as f64);
    (rank_sum_a - na * (na + 1.0) / 2.0) / (na * nb)
}

/// Every feature with its means and AUC, the most telling first (by [`TellingFeature::separation`];
/// ties in feature order).
pub fn telling_features(generated: &MelodyFeatures, real: &MelodyFeatures) -> Vec<TellingFeature> {
    let names = feature_names();
    let column = |set: &MelodyFeatures, k: usize| -> Vec<f64> {
        set.rows.iter().filter_map(|r| r.get(k).copied()).collect()
    };
    let mean = |v: &[f64]| {
        if v.is_empty() {
            0.0
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    };
    let mut out: Vec<TellingFeature> = names
        .into_iter()
        .enumerate()
        .map(|(index, name)| {
            let g = column(generated, index);
            let r = column(real, index);
            TellingFeature {
                index,
                name,
                generated_mean: mean(&g),
                real_mean: mean(&r),
                auc: auc(&g, &r),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.separation()
            .total_cmp(&a.separation())
            .then(a.index.cmp(&b.index))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::judge::melody_features;
    use crate::eval::notes::test_support::piece;
    use crate::music::Piece;

    #[test]
    fn every_feature_has_one_name_of_its_own() {
        let names = feature_names();
        assert_eq!(names.len(), FEATURE_COUNT);
        let distinct: std::collections::HashSet<&String> = names.iter().collect();
        assert_eq!(distinct.len(), FEATURE_COUNT);
        // Spot checks against the hand-checked indices of the features' own tests.
        assert_eq!(names[13], "intervals of +0");
        assert_eq!(names[164], "pitch range (semitones)");
        assert_eq!(names[171], "notes per bar");
        assert_eq!(
            names[FEATURE_COUNT - 4],
            "bars repeating an earlier bar (or transposed)"
        );
    }

    #[test]
    fn auc_counts_pairs_and_ties() {
        assert_eq!(auc(&[2.0, 3.0], &[0.0, 1.0]), 1.0);
        assert_eq!(auc(&[0.0, 1.0], &[2.0, 3.0]), 0.0);
        assert_eq!(auc(&[1.0, 1.0], &[1.0]), 0.5);
        // Pairs: (1 vs 0) win, (1 vs 1) tie, (1 vs 2) loss, (3 vs all) 3 wins: 4.5 of 6.
        assert!((auc(&[1.0, 3.0], &[0.0, 1.0, 2.0]) - 4.5 / 6.0).abs() < 1e-12);
        assert_eq!(auc(&[], &[1.0]), 0.5);
    }

    /// `pitches` one after another, each `length` 16ths long (4 ticks per quarter).
    fn tune(pitches: &[u8], length: u64) -> Piece {
        let notes: Vec<(u8, u64, u64)> = pitches
            .iter()
            .enumerate()
            .map(|(k, &p)| (p, k as u64 * length, length))
            .collect();
        piece(&notes)
    }

    #[test]
    fn a_planted_difference_comes_first_and_same_sets_tell_nothing() {
        // The same melodic shapes; the "generated" ones in 8ths, the real ones in quarters.
        let shapes: Vec<Vec<u8>> = (0..12u8)
            .map(|k| (0..8u8).map(|i| 60 + ((i * (k + 1)) % 7)).collect())
            .collect();
        let real: Vec<Piece> = shapes.iter().map(|s| tune(s, 4)).collect();
        let generated: Vec<Piece> = shapes.iter().map(|s| tune(s, 2)).collect();
        let ranked = telling_features(
            &MelodyFeatures::of(&generated, None),
            &MelodyFeatures::of(&real, None),
        );
        assert_eq!(ranked.len(), FEATURE_COUNT);
        let top = &ranked[0];
        assert_eq!(top.separation(), 1.0, "{top:?}");
        // Every completely separating feature is about note length or notes per bar.
        let rhythmic = [
            "16ths",
            "8th",
            "quarter",
            "notes per bar",
            "length",
            "onsets",
        ];
        for f in ranked.iter().take_while(|f| f.separation() == 1.0) {
            assert!(
                rhythmic.iter().any(|w| f.name.contains(w)),
                "{} separates the sets",
                f.name
            );
        }
        let same = telling_features(
            &MelodyFeatures::of(&real, None),
            &MelodyFeatures::of(&real, None),
        );
        assert!(same.iter().all(|f| f.separation() == 0.0));
        // The means are the features' own.
        let notes_per_bar = ranked.iter().find(|f| f.index == 171).expect("feature 171");
        let direct: f64 =
            real.iter().map(|p| melody_features(p)[171]).sum::<f64>() / real.len() as f64;
        assert!((notes_per_bar.real_mean - direct).abs() < 1e-12);
        assert!(notes_per_bar.generated_mean > notes_per_bar.real_mean);
    }
}
