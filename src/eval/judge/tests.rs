//! Calibration of the judge on melodies whose answer is known: the shipped demo tunes cut into
//! excerpts, a seeded folk-like generator, and the same melodies with their pitches spoiled.
//! (The real-vs-real check on the folk set is in `tests/eval_judge.rs`.)

use super::stats::SplitMix64;
use super::*;
use crate::eval::bars::BarGrid;
use crate::music::{Note, Pitch, Velocity};

const DEMO: &str = include_str!("../../../assets/demo/demo_melodies.abc");

/// A piece at 4 ticks per quarter from (pitch, start, duration) in 16ths.
fn piece_of(notes: &[(i32, u64, u64)]) -> Piece {
    let notes = notes
        .iter()
        .map(|&(p, s, d)| {
            Note::new(
                Pitch::new(p.clamp(21, 108) as u8).unwrap(),
                s,
                d,
                Velocity::DEFAULT,
            )
            .unwrap()
        })
        .collect();
    Piece::from_notes(4, "melody", notes).unwrap()
}

/// A folk-like tune: 8 bars of 4/4 in a random major key, bar rhythms from a small set, a
/// walk on the scale mostly by steps, the second half often repeating the first, ending on
/// the tonic.
fn synthetic_tune(rng: &mut SplitMix64) -> Piece {
    const RHYTHMS: [&[u64]; 6] = [
        &[4, 4, 4, 4],
        &[2, 2, 4, 4, 4],
        &[4, 2, 2, 8],
        &[6, 2, 4, 4],
        &[2, 2, 2, 2, 4, 4],
        &[8, 4, 4],
    ];
    const MAJOR: [i32; 7] = [0, 2, 4, 5, 7, 9, 11];
    const MOVES: [i32; 9] = [-2, -1, -1, 0, 1, 1, 2, 3, -3];
    let tonic = 55 + rng.below(12) as i32;
    let pitch =
        |degree: i32| tonic + 12 * degree.div_euclid(7) + MAJOR[degree.rem_euclid(7) as usize];
    let mut degree = rng.below(5) as i32;
    let mut bars: Vec<Vec<(i32, u64)>> = Vec::new();
    for bar in 0..8 {
        if (4..7).contains(&bar) && rng.below(2) == 0 {
            bars.push(bars[bar - 4].clone());
            continue;
        }
        let rhythm = RHYTHMS[rng.below(RHYTHMS.len())];
        let mut notes = Vec::new();
        for (k, &d) in rhythm.iter().enumerate() {
            if bar == 7 && k + 1 == rhythm.len() {
                degree = if degree > 3 { 7 } else { 0 };
            } else {
                degree = (degree + MOVES[rng.below(MOVES.len())]).clamp(-3, 10);
            }
            notes.push((pitch(degree), d));
        }
        bars.push(notes);
    }
    let mut out = Vec::new();
    for (b, bar) in bars.iter().enumerate() {
        let mut t = 16 * b as u64;
        for &(p, d) in bar {
            out.push((p, t, d));
            t += d;
        }
    }
    piece_of(&out)
}

fn synthetic_set(seed: u64, count: usize) -> Vec<Piece> {
    let mut rng = SplitMix64::new(seed);
    (0..count).map(|_| synthetic_tune(&mut rng)).collect()
}

/// The piece with its pitches in another order (rhythm kept).
fn shuffled_pitches(piece: &Piece, rng: &mut SplitMix64) -> Piece {
    let mut out = piece.clone();
    for part in &mut out.parts {
        let mut pitches: Vec<Pitch> = part.notes.iter().map(|n| n.pitch).collect();
        rng.shuffle(&mut pitches);
        for (n, p) in part.notes.iter_mut().zip(pitches) {
            n.pitch = p;
        }
    }
    out
}

/// The piece with its pitches replaced by a chromatic random walk from its first pitch
/// (steps of -4..=4 semitones, kept within two octaves of the start; rhythm kept).
fn random_walk(piece: &Piece, rng: &mut SplitMix64) -> Piece {
    let mut out = piece.clone();
    for part in &mut out.parts {
        let Some(start) = part.notes.first().map(|n| i32::from(n.pitch.get())) else {
            continue;
        };
        let mut p = start;
        for n in &mut part.notes {
            n.pitch = Pitch::new(p.clamp(21, 108) as u8).unwrap();
            p = (p + rng.below(9) as i32 - 4).clamp(start - 12, start + 12);
        }
    }
    out
}

/// The demo tunes cut into excerpts of `bars` bars (only whole excerpts with 4+ notes).
fn demo_excerpts(bars: u64) -> Vec<Piece> {
    let (pieces, errors) = crate::abc::parse_abc_str(DEMO, "demo").into_pieces();
    assert!(errors.is_empty());
    let mut out = Vec::new();
    for piece in pieces {
        let grid = BarGrid::of(&piece);
        let total = grid.count_until(piece.end_tick());
        let mut first = 0;
        while first + bars <= total {
            let (from, to) = (grid.start(first), grid.start(first + bars));
            let mut excerpt = piece.clone();
            for part in &mut excerpt.parts {
                part.notes.retain(|n| n.start >= from && n.start < to);
                for n in &mut part.notes {
                    n.start -= from;
                }
            }
            // Keep the metre of the excerpt's first bar.
            excerpt.time_signatures = vec![crate::music::TimeSignatureChange {
                tick: 0,
                signature: grid.signature_at(from),
            }];
            if excerpt.note_count() >= 4 {
                out.push(excerpt);
            }
            first += bars;
        }
    }
    out
}

fn spoiled(set: &[Piece], seed: u64, spoil: fn(&Piece, &mut SplitMix64) -> Piece) -> Vec<Piece> {
    let mut rng = SplitMix64::new(seed);
    set.iter().map(|p| spoil(p, &mut rng)).collect()
}

#[test]
fn synthetic_real_against_synthetic_real_is_near_chance() {
    // Two sets from the same generator: the judge must not tell them apart.
    let a = synthetic_set(1, 150);
    let b = synthetic_set(2, 150);
    let mut linear = 0.0;
    let mut nonlinear = 0.0;
    for seed in 0..3 {
        let r = two_sample_test(
            &a,
            &b,
            &JudgeConfig {
                seed,
                ..JudgeConfig::default()
            },
        )
        .unwrap();
        println!(
            "same generator, seed {seed}: linear {:.3} (p {:.3}), trees {:.3} (p {:.3})",
            r.linear.accuracy, r.linear.p_value, r.nonlinear.accuracy, r.nonlinear.p_value
        );
        linear += r.linear.accuracy / 3.0;
        nonlinear += r.nonlinear.accuracy / 3.0;
    }
    assert!((0.40..=0.60).contains(&linear), "linear {linear}");
    assert!((0.40..=0.60).contains(&nonlinear), "trees {nonlinear}");
}

/// Runs the judge on `spoiled` against `real` and checks both classifiers reach `least`.
fn assert_told_apart(name: &str, spoiled: &[Piece], real: &[Piece], least: f64) -> JudgeReport {
    let r = two_sample_test(spoiled, real, &JudgeConfig::default()).unwrap();
    println!(
        "{name}: linear {:.3}, trees {:.3}",
        r.linear.accuracy, r.nonlinear.accuracy
    );
    assert!(r.linear.accuracy >= least, "{name}: {r:?}");
    assert!(r.nonlinear.accuracy >= least, "{name}: {r:?}");
    r
}

#[test]
fn shuffled_and_random_walk_pitches_are_told_apart() {
    let real = synthetic_set(3, 150);
    let r = assert_told_apart("shuffled", &spoiled(&real, 4, shuffled_pitches), &real, 0.9);
    assert!(r.nonlinear.p_value < 1e-20);
    assert_told_apart("random walk", &spoiled(&real, 5, random_walk), &real, 0.98);
}

#[test]
fn demo_tunes_against_their_spoiled_selves() {
    // The 36 demo tunes give 47 excerpts of 8 bars: few for 10 folds, so the bars are lower
    // than for the larger sets (the trees learn less from few melodies).
    let real = demo_excerpts(8);
    println!("demo set: {} excerpts of 8 bars", real.len());
    assert!(real.len() >= 40, "{}", real.len());
    let shuffled = spoiled(&real, 6, shuffled_pitches);
    assert_told_apart("demo shuffled", &shuffled, &real, 0.85);
    assert_told_apart(
        "demo random walk",
        &spoiled(&real, 7, random_walk),
        &real,
        0.95,
    );
}

#[test]
fn the_result_is_deterministic_balanced_and_spread_is_reported() {
    let a = synthetic_set(8, 60);
    let b = spoiled(&synthetic_set(9, 90), 10, shuffled_pitches);
    let config = JudgeConfig::default();
    let r1 = two_sample_test(&a, &b, &config).unwrap();
    let r2 = two_sample_test(&a, &b, &config).unwrap();
    assert_eq!(r1, r2);
    assert_eq!(r1.n_per_class, 60);
    assert_eq!(r1.folds, 10);
    assert_eq!(r1.linear.tested, 120);
    assert_eq!(r1.features, FEATURE_COUNT);
    assert!(r1.linear.fold_min <= r1.linear.accuracy && r1.linear.accuracy <= r1.linear.fold_max);
    assert!(r1.nonlinear.fold_std >= 0.0);
    assert_eq!(r1.accuracy(), r1.nonlinear.accuracy);
    assert_eq!(
        r1.linear.p_value,
        binomial_tail_half(r1.linear.correct, r1.linear.tested)
    );
    // Another seed draws other folds (the figures may differ) but the same sizes.
    let r3 = two_sample_test(&a, &b, &JudgeConfig { seed: 1, ..config }).unwrap();
    assert_eq!(r3.n_per_class, 60);
}

#[test]
fn small_sets_use_fewer_folds_and_tiny_sets_are_refused() {
    let a = synthetic_set(11, 4);
    let b = synthetic_set(12, 7);
    let r = two_sample_test(&a, &b, &JudgeConfig::default()).unwrap();
    assert_eq!((r.n_per_class, r.folds, r.linear.tested), (4, 4, 8));
    let one = synthetic_set(13, 1);
    assert!(matches!(
        two_sample_test(&one, &b, &JudgeConfig::default()),
        Err(EvalError::TooFewMelodies { generated: 1, .. })
    ));
    let config = JudgeConfig {
        folds: 1,
        ..JudgeConfig::default()
    };
    assert!(two_sample_test(&a, &b, &config).is_err());
}

#[test]
fn cutting_to_bars_hides_a_length_difference() {
    // Same tunes, one set played twice over: whole melodies differ in form (every bar of
    // the second half repeats), the first 8 bars do not.
    let a = synthetic_set(14, 80);
    let doubled: Vec<Piece> = synthetic_set(15, 80)
        .iter()
        .map(|p| {
            let mut out = p.clone();
            let extra: Vec<Note> = p
                .notes()
                .map(|n| Note {
                    start: n.start + 128,
                    ..*n
                })
                .collect();
            out.parts[0].notes.extend(extra);
            out
        })
        .collect();
    let whole = two_sample_test(&a, &doubled, &JudgeConfig::default()).unwrap();
    let cut = two_sample_test(
        &a,
        &doubled,
        &JudgeConfig {
            bars: Some(8),
            ..JudgeConfig::default()
        },
    )
    .unwrap();
    println!(
        "doubled tunes: whole {:.3}, first 8 bars {:.3}",
        whole.accuracy(),
        cut.accuracy()
    );
    assert!(whole.accuracy() >= 0.85, "{whole:?}");
    assert!(cut.accuracy() <= 0.65, "{cut:?}");
}
