//! The sweep on the built-in demo tunes: temperature buys diversity, copying is flagged.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::eval::first_bars;
use crate::generate::default_model;
use crate::quality::HeldOut;

/// The demo tunes: the first `bars` bars of each as the held-out tunes, the whole tunes as
/// the training tunes.
pub(crate) fn demo_held_out(bars: u32) -> HeldOut {
    let (pieces, errors) = crate::abc::parse_abc_str(crate::data::DEMO_ABC, "demo").into_pieces();
    assert!(errors.is_empty(), "{errors:?}");
    let known: Vec<Piece> = pieces
        .into_iter()
        .filter(|p| Metre::of(p.initial_time_signature()).is_ok())
        .collect();
    assert!(known.len() >= 20, "{}", known.len());
    HeldOut {
        real: known.iter().map(|p| first_bars(p, bars)).collect(),
        training: known,
    }
}

/// A "model" that hands back the first bars of training tunes.
struct Copier(Vec<Piece>);

impl TuneWriter for Copier {
    fn write_like(
        &self,
        _real: &[Piece],
        options: &LikeOptions,
    ) -> Result<Vec<Piece>, GenerateError> {
        Ok(self
            .0
            .iter()
            .cycle()
            .take(options.tunes)
            .map(|p| first_bars(p, options.bars))
            .collect())
    }
}

#[test]
fn a_hotter_model_writes_more_diverse_tunes() {
    let like = LikeOptions {
        tunes: 24,
        bars: 4,
        ..LikeOptions::default()
    };
    let judge = Judge::new(demo_held_out(4), like);
    let model = default_model().unwrap();
    let options = SweepOptions {
        temperatures: vec![0.4, 1.0, 1.6],
        seeds: vec![0],
        per_metre_min: None,
    };
    let mut seen = 0;
    let points = sweep(
        &judge,
        &[("built-in".to_owned(), &model as &dyn TuneWriter)],
        &options,
        |_| {
            seen += 1;
            ControlFlow::Continue(())
        },
    )
    .unwrap();
    assert_eq!(seen, 3);
    let curve = &curves(&points)[0];
    let diversity: Vec<f64> = curve.points.iter().map(|p| p.diversity.unwrap()).collect();
    println!("diversity at 0.4, 1.0, 1.6: {diversity:?}");
    assert!(
        diversity[0] + 0.05 < diversity[2],
        "hotter tunes should be more diverse: {diversity:?}"
    );
    assert!(diversity[0] < diversity[1], "{diversity:?}");
    for p in &curve.points {
        assert!((0.0..=1.0).contains(&p.judge_accuracy), "{p:?}");
        assert_eq!(p.seeds, 1);
    }
    // Asked to stop after the first point, the sweep stops there.
    let first = sweep(
        &judge,
        &[("built-in".to_owned(), &model as &dyn TuneWriter)],
        &options,
        |_| ControlFlow::Break(()),
    )
    .unwrap();
    assert_eq!(first.len(), 1);
}

#[test]
fn a_model_that_copies_training_tunes_is_flagged() {
    let held = demo_held_out(8);
    let copier = Copier(held.training.clone());
    let like = LikeOptions {
        tunes: 20,
        bars: 8,
        ..LikeOptions::default()
    };
    let judge = Judge::new(held, like);
    let options = SweepOptions {
        temperatures: vec![1.0],
        seeds: vec![0, 1],
        per_metre_min: None,
    };
    let points = sweep(
        &judge,
        &[("copier".to_owned(), &copier as &dyn TuneWriter)],
        &options,
        |_| ControlFlow::Continue(()),
    )
    .unwrap();
    let curve = &curves(&points)[0];
    let point = &curve.points[0];
    assert_eq!(point.seeds, 2);
    assert_eq!(point.tunes, 40);
    // Whole stretches of training tunes: most tunes are flagged, the longest run is long.
    assert!(
        point.copy_flagged >= point.tunes / 2,
        "copied tunes must be flagged: {point:?}"
    );
    assert!(point.copy_longest_run >= crate::eval::FLAG_RUN, "{point:?}");
}

#[test]
fn curves_average_the_seeds_of_each_temperature() {
    let point = |model: &str, temperature: f32, accuracy: f64, flagged: usize| SweepPoint {
        model: model.to_owned(),
        temperature,
        rng_seed: 0,
        quality: TuneQuality {
            tunes: 10,
            judge_accuracy: accuracy,
            copy_flagged: flagged,
            copy_longest_run: flagged * 10,
            ..TuneQuality::default()
        },
        diversity: Some(accuracy / 2.0),
        mean_overlap: None,
        per_metre: Vec::new(),
        seconds: 0.0,
    };
    let points = [
        point("b", 1.2, 0.8, 0),
        point("a", 1.0, 0.6, 1),
        point("a", 0.8, 0.9, 0),
        point("a", 1.0, 0.7, 2),
    ];
    let curves = curves(&points);
    assert_eq!(
        curves.iter().map(|c| c.model.as_str()).collect::<Vec<_>>(),
        ["b", "a"]
    );
    let a = &curves[1].points;
    assert_eq!(
        a.iter().map(|p| p.temperature).collect::<Vec<_>>(),
        [0.8, 1.0]
    );
    assert!((a[1].judge_accuracy - 0.65).abs() < 1e-12);
    assert_eq!(a[1].judge_spread, (0.6, 0.7));
    assert!((a[1].diversity.unwrap() - 0.325).abs() < 1e-12);
    assert_eq!(a[1].mean_overlap, None);
    assert_eq!(
        (a[1].tunes, a[1].copy_flagged, a[1].copy_longest_run),
        (20, 3, 20)
    );
    assert_eq!(a[1].seeds, 2);
}
