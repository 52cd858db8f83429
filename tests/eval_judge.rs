//! The judge and the copy check on the Essen folk set (Erk subset): two halves of the real
//! tunes must look alike to the judge, and real tunes share only a little with one another.
//! Needs the folk set (`gan-studio dataset fetch`): skipped with a notice when it is missing,
//! and failing instead when `GAN_STUDIO_REQUIRE_FOLK` is set. Prints timings (debug profile).

#![allow(clippy::unwrap_used)]

mod env_support;

use std::time::Instant;

use gan_studio::abc::read_abc_file;
use gan_studio::data::fetch::folk_abc_paths;
use gan_studio::eval::{CopyIndex, JudgeConfig, first_bars, two_sample_test};
use gan_studio::music::{Piece, Pitch};

/// Every readable tune of the folk set, or `None` (after the notice) when it is not fetched.
fn folk_tunes() -> Option<Vec<Piece>> {
    let dir = env_support::folk()?;
    let mut tunes = Vec::new();
    for path in folk_abc_paths(&dir) {
        let (pieces, _damaged) = read_abc_file(&path).unwrap().into_pieces();
        tunes.extend(pieces);
    }
    Some(tunes)
}

#[test]
fn two_halves_of_the_folk_set_look_alike_to_the_judge() {
    let Some(tunes) = folk_tunes() else {
        return;
    };
    assert!(tunes.len() > 1500, "{}", tunes.len());
    // Alternate tunes into two halves, 300 each.
    let a: Vec<Piece> = tunes.iter().step_by(2).take(300).cloned().collect();
    let b: Vec<Piece> = tunes.iter().skip(1).step_by(2).take(300).cloned().collect();
    let config = JudgeConfig {
        bars: Some(8),
        ..JudgeConfig::default()
    };
    let started = Instant::now();
    let r = two_sample_test(&a, &b, &config).unwrap();
    println!(
        "folk halves, 300 + 300 tunes (first 8 bars): logistic {:.3} (p {:.3}, folds {:.2}..{:.2}), \
         trees {:.3} (p {:.3}, folds {:.2}..{:.2}) in {:.2} s",
        r.linear.accuracy,
        r.linear.p_value,
        r.linear.fold_min,
        r.linear.fold_max,
        r.nonlinear.accuracy,
        r.nonlinear.p_value,
        r.nonlinear.fold_min,
        r.nonlinear.fold_max,
        started.elapsed().as_secs_f64()
    );
    assert!((0.40..=0.62).contains(&r.linear.accuracy), "{r:?}");
    assert!((0.40..=0.62).contains(&r.nonlinear.accuracy), "{r:?}");

    // The same tunes with their pitches shuffled, or replaced by a chromatic random walk
    // (rhythm kept): told apart.
    let mut x: u64 = 1;
    let mut next = |n: usize| {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((x >> 33) % n as u64) as usize
    };
    let mut shuffled = Vec::new();
    let mut walk = Vec::new();
    for tune in &a {
        let mut s = first_bars(tune, 8);
        let notes = &mut s.parts[0].notes;
        let mut pitches: Vec<_> = notes.iter().map(|n| n.pitch).collect();
        for i in (1..pitches.len()).rev() {
            pitches.swap(i, next(i + 1));
        }
        for (n, p) in notes.iter_mut().zip(pitches) {
            n.pitch = p;
        }
        shuffled.push(s);
        let mut w = first_bars(tune, 8);
        let start = i32::from(w.parts[0].notes[0].pitch.get());
        let mut p = start;
        for n in &mut w.parts[0].notes {
            n.pitch = Pitch::new(p as u8).unwrap();
            p = (p + next(9) as i32 - 4).clamp(start - 12, start + 12);
        }
        walk.push(w);
    }
    for (name, spoiled, least) in [("shuffled", &shuffled, 0.9), ("random walk", &walk, 0.98)] {
        let r = two_sample_test(spoiled, &b, &config).unwrap();
        println!(
            "folk vs {name}: logistic {:.3}, trees {:.3}",
            r.linear.accuracy, r.nonlinear.accuracy
        );
        assert!(r.linear.accuracy >= least, "{name}: {r:?}");
        assert!(r.nonlinear.accuracy >= least, "{name}: {r:?}");
    }

    // 200 + 200, the size a training epoch would judge: timing for the record.
    let started = Instant::now();
    let r = two_sample_test(&a[..200], &b[..200], &config).unwrap();
    println!(
        "folk halves, 200 + 200: trees {:.3} in {:.2} s (debug profile)",
        r.nonlinear.accuracy,
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn folk_tunes_share_formulas_but_are_not_copies_of_one_another() {
    let Some(tunes) = folk_tunes() else {
        return;
    };
    // Index the even tunes; check the first 8 bars of 200 odd ones.
    let training: Vec<Piece> = tunes.iter().step_by(2).cloned().collect();
    let held_out: Vec<Piece> = tunes
        .iter()
        .skip(1)
        .step_by(2)
        .take(200)
        .map(|p| first_bars(p, 8))
        .collect();
    let started = Instant::now();
    let index = CopyIndex::new(&training);
    let built = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let report = index.check(&held_out);
    println!(
        "copy check: {} training tunes ({} notes) indexed in {built:.2} s; 200 melodies \
         checked in {:.3} s; pattern share {:.3}, longest run max {} mean {:.1}, flagged {}",
        index.tunes(),
        index.notes(),
        started.elapsed().as_secs_f64(),
        report.mean_pattern_share.unwrap(),
        report.max_longest_run,
        report.mean_longest_run.unwrap(),
        report.flagged
    );
    // Folk formulas: a few percent of 8-note patterns recur in other tunes, not most.
    let share = report.mean_pattern_share.unwrap();
    assert!((0.01..=0.30).contains(&share), "{share}");
    assert!(report.flagged < 40, "{}", report.flagged);
}
