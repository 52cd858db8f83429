//! How good a model's tunes are: tunes generated from nothing, metre for metre like the
//! held-out real tunes, measured against them.
//!
//! The honest test of a melody model is not how it continues a real tune but what it writes
//! on its own. [`HeldOut`] takes the validation tunes of a whole-tune data set (bar-aligned,
//! in their metre, cut at `max_bars`) and the training tunes (for the copy check);
//! [`generate_like`] writes as many tunes from nothing in each metre as the held-out set
//! has (so the metre alone gives nothing away); [`assess`] compares the two sets: the MGEval
//! mean overlap, pitch range and notes per bar; [`Judge`] adds the judge and copy check of
//! [`crate::eval`] (a classifier two-sample test against the held-out tunes, runs copied from
//! training tunes), with everything that does not depend on the model computed once, so it
//! can run after every training epoch.
//!
//! [`sweep`] runs the judge over a range of temperatures (the quality-diversity curve).
//!
//! Depends on `data`, `generate` and `eval`; no GUI, no burn.

pub mod sweep;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::data::{Dataset, Split};
use crate::eval::pitch::pitch_range;
use crate::eval::report::mean;
use crate::eval::rhythm::notes_per_bar;
use crate::eval::{
    BarGrid, CompareOptions, CopyIndex, JudgeConfig, MelodyFeatures, NoteStream, TellingFeature,
    evaluate, phrase_repetition, telling_features, two_sample_test_on,
};
use crate::generate::melody::MAX_VARIATIONS;
use crate::generate::{GenerateError, GenerateOptions, Seed, TokenModel, generate};
use crate::music::{Key, Metre, Mode, Piece, TimeSignatureChange};

/// Real tunes to measure generated ones against.
#[derive(Clone, Debug, Default)]
pub struct HeldOut {
    /// The validation tunes: bar-aligned, in their metre, at most `max_bars` long.
    pub real: Vec<Piece>,
    /// The training tunes, whole (for the copy check).
    pub training: Vec<Piece>,
}

impl HeldOut {
    /// The validation and training tunes of a whole-tune data set
    /// ([`crate::data::Layout::Tunes`]; pieces without a metre are skipped), the validation
    /// tunes cut after `max_bars` bars.
    pub fn from_dataset(dataset: &Dataset, max_bars: u32) -> Self {
        let mut held = HeldOut::default();
        for (index, info) in dataset.pieces.iter().enumerate() {
            let Some(metre) = info.metre else { continue };
            let (max_steps, into) = match info.split {
                Split::Validation => (
                    (max_bars.max(1) * metre.steps_per_bar()) as usize,
                    &mut held.real,
                ),
                Split::Train => (usize::MAX, &mut held.training),
                _ => continue,
            };
            if let Some(mut piece) = dataset.decoded_piece(index, max_steps) {
                piece.time_signatures = vec![TimeSignatureChange {
                    tick: 0,
                    signature: metre.signature(),
                }];
                into.push(piece);
            }
        }
        held
    }
}

/// What the studio's Evaluate panel compares: model continuations of held-out melodies, the
/// melodies themselves, and the training melodies (for the copy check).
#[derive(Clone, Debug, Default)]
pub struct ContinuationSets {
    /// The continuations, one per reference melody, in the same order.
    pub generated: Vec<Piece>,
    /// The held-out melodies continued (decoded, at most 8 bars of 16 steps).
    pub reference: Vec<Piece>,
    /// The whole melodies of the training split, decoded.
    pub training: Vec<Piece>,
}

/// Decodes up to `count` held-out melodies (validation split; every piece when there is
/// none; at most 128 steps) and continues the first bar of each with `model` (temperature 1,
/// RNG seed = the melody's place in the list, in C major or A minor as the melody's
/// estimated key). Melodies shorter than two bars of seed, or that cannot be seeded or
/// continued, are left out.
pub fn continuation_sets(model: &TokenModel, dataset: &Dataset, count: usize) -> ContinuationSets {
    const STEPS: usize = 128;
    const SEED_STEPS: usize = 16;
    let mut sets = ContinuationSets {
        training: training_melodies(dataset),
        ..ContinuationSets::default()
    };
    let mut indices: Vec<usize> = (0..dataset.pieces.len())
        .filter(|&i| dataset.pieces[i].split == Split::Validation)
        .collect();
    if indices.is_empty() {
        indices = (0..dataset.pieces.len()).collect();
    }
    for (n, i) in indices.into_iter().enumerate() {
        if sets.generated.len() >= count {
            break;
        }
        let Some(real) = dataset.decoded_piece(i, STEPS) else {
            continue;
        };
        let steps = dataset.piece_ids(i).len().min(STEPS);
        if steps < 2 * SEED_STEPS {
            continue;
        }
        let bar = real
            .time_signature_at(0)
            .ticks_per_bar(real.ticks_per_quarter);
        let notes: Vec<_> = real.notes().copied().collect();
        let Ok(seed) = Seed::from_notes(
            &notes,
            real.ticks_per_quarter,
            real.tempo_map.clone(),
            real.initial_time_signature(),
            Some(0..bar),
        ) else {
            continue;
        };
        let minor = dataset.pieces[i]
            .estimated_key
            .is_some_and(|k| k.mode == Mode::Minor);
        let options = GenerateOptions {
            steps: (steps - SEED_STEPS) as u64,
            rng_seed: n as u64,
            key: Some(if minor { Key::A_MINOR } else { Key::C_MAJOR }),
            ..GenerateOptions::default()
        };
        if let Ok(mut out) = generate(model, &seed, &options)
            && let Some(g) = out.pop()
        {
            sets.generated.push(g.piece);
            sets.reference.push(real);
        }
    }
    sets
}

/// The whole melodies of `dataset`'s training split, decoded (what a copy check looks for
/// generated notes in).
pub fn training_melodies(dataset: &Dataset) -> Vec<Piece> {
    (0..dataset.pieces.len())
        .filter(|&i| dataset.pieces[i].split == Split::Train)
        .filter_map(|i| dataset.decoded_piece(i, usize::MAX))
        .collect()
}

/// How many of `pieces` are in each metre the models know (pieces in another metre are not
/// counted), in metre order.
pub fn metre_counts(pieces: &[Piece]) -> BTreeMap<u8, (Metre, usize)> {
    let mut counts = BTreeMap::new();
    for piece in pieces {
        if let Ok(metre) = Metre::of(piece.initial_time_signature()) {
            counts.entry(metre.id()).or_insert((metre, 0)).1 += 1;
        }
    }
    counts
}

/// How to generate the tunes of an assessment.
#[derive(Clone, Debug, PartialEq)]
pub struct LikeOptions {
    /// How many tunes in all (shared among the metres like the real tunes).
    pub tunes: usize,
    /// The longest tune, in bars (tunes end where the model ends them, at most this).
    pub bars: u32,
    /// Sampling temperature.
    pub temperature: f32,
    /// The RNG seed of the first batch (each batch adds 1).
    pub rng_seed: u64,
}

impl Default for LikeOptions {
    fn default() -> Self {
        LikeOptions {
            tunes: 224,
            bars: 8,
            temperature: 1.0,
            rng_seed: 0,
        }
    }
}

/// Generates `options.tunes` tunes from nothing, shared among the metres in the proportions of
/// `real` (at least one per metre present), each tune at most `options.bars` long.
pub fn generate_like(
    model: &TokenModel,
    real: &[Piece],
    options: &LikeOptions,
) -> Result<Vec<Piece>, GenerateError> {
    let counts = metre_counts(real);
    let total: usize = counts.values().map(|(_, c)| c).sum();
    let mut out = Vec::with_capacity(options.tunes);
    let mut batch_seed = options.rng_seed;
    for (metre, count) in counts.values() {
        let share = (options.tunes * count).div_ceil(total.max(1)).max(1);
        let mut left = share;
        while left > 0 {
            let variations = left.min(MAX_VARIATIONS);
            let mut seed = Seed::empty();
            seed.time_signature = metre.signature();
            let generate_options = GenerateOptions {
                temperature: options.temperature,
                rng_seed: batch_seed,
                steps: u64::from(options.bars.max(1) * metre.steps_per_bar()),
                variations,
                ..GenerateOptions::default()
            };
            batch_seed = batch_seed.wrapping_add(1);
            for g in generate(model, &seed, &generate_options)? {
                out.push(g.piece);
            }
            left -= variations;
        }
    }
    Ok(out)
}

/// Simple shape figures of a set of melodies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Shape {
    /// Mean pitch range (highest - lowest MIDI note) per melody, in semitones.
    pub pitch_range: f64,
    /// Mean notes per bar (notes / bars begun, bars from tick 0 in the piece's metre).
    pub notes_per_bar: f64,
    /// Mean length in bars.
    pub bars: f64,
}

impl Shape {
    /// The figures of `pieces` (zeros for none; melodies without notes count as range 0),
    /// by the metric suite's own definitions ([`crate::eval::pitch::pitch_range`],
    /// [`crate::eval::rhythm::notes_per_bar`]: a bar counts once any of it is played).
    pub fn of(pieces: &[Piece]) -> Shape {
        if pieces.is_empty() {
            return Shape::default();
        }
        let (mut range, mut density, mut bars) = (0.0, 0.0, 0.0);
        for piece in pieces {
            let stream = NoteStream::of(piece);
            range += f64::from(pitch_range(&stream));
            density += notes_per_bar(&stream).unwrap_or(0.0);
            let grid = BarGrid::new(stream.ticks_per_quarter, &stream.time_signatures);
            bars += grid.count_until(stream.end_tick()).max(1) as f64;
        }
        let n = pieces.len() as f64;
        Shape {
            pitch_range: range / n,
            notes_per_bar: density / n,
            bars: bars / n,
        }
    }
}

/// What [`assess`] measured.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Assessment {
    /// Generated tunes measured.
    pub generated: usize,
    /// Real tunes measured against.
    pub real: usize,
    /// MGEval mean overlap area of the generated set against the real one (1 at best).
    pub mean_overlap: Option<f64>,
    /// Shape figures of the generated tunes.
    pub generated_shape: Shape,
    /// Shape figures of the real tunes.
    pub real_shape: Shape,
}

/// Measures `generated` tunes against `real` ones (see the module documentation).
pub fn assess(generated: &[Piece], real: &[Piece]) -> Assessment {
    let report = evaluate(generated, real, &CompareOptions::default());
    Assessment {
        generated: generated.len(),
        real: real.len(),
        mean_overlap: report.summary.mean_overlap,
        generated_shape: Shape::of(generated),
        real_shape: Shape::of(real),
    }
}

/// How an epoch's tunes (or any model's) compare with the held-out real tunes: the judge,
/// the copy check and a few music figures.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TuneQuality {
    /// Tunes generated and judged.
    pub tunes: usize,
    /// The judge's cross-validated accuracy (boosted trees): 0.5 = it cannot tell them from
    /// real tunes, 1 = it always can.
    pub judge_accuracy: f64,
    /// The linear judge's accuracy (logistic regression).
    pub judge_linear_accuracy: f64,
    /// One-sided binomial p-value of the boosted trees' accuracy against guessing.
    pub judge_p_value: f64,
    /// Mean share of each tune's 8-note (interval, duration) patterns found in a training
    /// tune (`None` if no tune has 8 notes).
    pub copy_pattern_share: Option<f64>,
    /// The longest run of notes found in one training tune, over all tunes.
    pub copy_longest_run: usize,
    /// Tunes with a copied run of [`crate::eval::FLAG_RUN`] notes or more.
    pub copy_flagged: usize,
    /// Pitch range, notes per bar and length.
    pub shape: Shape,
    /// Mean share of bars that repeat an earlier bar (exactly or transposed).
    pub phrase_repetition: Option<f64>,
}

/// The real tunes' own figures, the targets of [`TuneQuality`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RealFigures {
    /// Real tunes.
    pub tunes: usize,
    /// Their pitch range, notes per bar and length.
    pub shape: Shape,
    /// Their mean phrase repetition.
    pub phrase_repetition: Option<f64>,
    /// Their mean share of 8-note patterns found in a training tune (folk formulas).
    pub copy_pattern_share: Option<f64>,
}

/// Judges generated tunes against held-out real ones, with everything that does not depend on
/// the model computed once: the real tunes' features and figures, the copy index of the
/// training tunes.
pub struct Judge {
    real: Vec<Piece>,
    real_features: MelodyFeatures,
    copies: CopyIndex,
    config: JudgeConfig,
    like: LikeOptions,
    reference: RealFigures,
}

impl Judge {
    /// Prepares a judge for `held` (its validation tunes are the real ones, its training tunes
    /// the copy reference); `like` says how many tunes to generate and how long.
    pub fn new(held: HeldOut, like: LikeOptions) -> Self {
        let config = JudgeConfig {
            bars: Some(like.bars),
            ..JudgeConfig::default()
        };
        let copies = CopyIndex::new(&held.training);
        let reference = RealFigures {
            tunes: held.real.len(),
            shape: Shape::of(&held.real),
            phrase_repetition: mean(held.real.iter().filter_map(phrase_repetition)),
            copy_pattern_share: copies.check(&held.real).mean_pattern_share,
        };
        Judge {
            real_features: MelodyFeatures::of(&held.real, config.bars),
            real: held.real,
            copies,
            config,
            like,
            reference,
        }
    }

    /// The real tunes' figures.
    pub fn reference(&self) -> &RealFigures {
        &self.reference
    }

    /// The real tunes judged against.
    pub fn real(&self) -> &[Piece] {
        &self.real
    }

    /// How many tunes a model writes for the judge, and how long.
    pub fn like(&self) -> &LikeOptions {
        &self.like
    }

    /// Generates tunes from nothing with `model` (RNG seed `seed`) and judges them.
    pub fn judge_model(&self, model: &TokenModel, seed: u64) -> Result<TuneQuality, String> {
        let tunes = self.generate(model, self.like.temperature, seed)?;
        self.judge_tunes(&tunes, seed)
    }

    /// The tunes `model` writes for the judge at `temperature` (RNG seed `seed`).
    fn generate(
        &self,
        model: &TokenModel,
        temperature: f32,
        seed: u64,
    ) -> Result<Vec<Piece>, String> {
        let like = LikeOptions {
            rng_seed: seed,
            temperature,
            ..self.like.clone()
        };
        generate_like(model, &self.real, &like).map_err(|e| e.to_string())
    }

    /// Generates tunes from nothing with `model` at `temperature` (RNG seed `seed`) and ranks
    /// the judge's features by how well each alone tells them from the real tunes
    /// ([`telling_features`]).
    pub fn telling_features(
        &self,
        model: &TokenModel,
        temperature: f32,
        seed: u64,
    ) -> Result<Vec<TellingFeature>, String> {
        let tunes = self.generate(model, temperature, seed)?;
        Ok(telling_features(
            &MelodyFeatures::of(&tunes, self.config.bars),
            &self.real_features,
        ))
    }

    /// Judges `tunes` (the judge's folds drawn from `seed`).
    pub fn judge_tunes(&self, tunes: &[Piece], seed: u64) -> Result<TuneQuality, String> {
        let config = JudgeConfig {
            seed,
            ..self.config.clone()
        };
        let judged = two_sample_test_on(
            &MelodyFeatures::of(tunes, config.bars),
            &self.real_features,
            &config,
        )
        .map_err(|e| e.to_string())?;
        let copies = self.copies.check(tunes);
        Ok(TuneQuality {
            tunes: tunes.len(),
            judge_accuracy: judged.nonlinear.accuracy,
            judge_linear_accuracy: judged.linear.accuracy,
            judge_p_value: judged.nonlinear.p_value,
            copy_pattern_share: copies.mean_pattern_share,
            copy_longest_run: copies.max_longest_run,
            copy_flagged: copies.flagged,
            shape: Shape::of(tunes),
            phrase_repetition: mean(tunes.iter().filter_map(phrase_repetition)),
        })
    }
}

/// The diversity of a set of melodies: distinct `n`-note (interval, duration) patterns over
/// all such patterns in the set (1 = no pattern repeats anywhere; near 0 = the same few
/// figures everywhere). Transposition-invariant. `None` when no melody has `n` notes.
pub fn pattern_diversity(pieces: &[Piece], n: usize) -> Option<f64> {
    let mut seen = std::collections::HashSet::new();
    let mut total = 0usize;
    for piece in pieces {
        let mut notes: Vec<_> = piece.pitched_notes().copied().collect();
        notes.sort_by_key(|note| (note.start, note.pitch));
        let steps: Vec<(i16, u64)> = notes
            .windows(2)
            .map(|w| {
                let interval = i16::from(w[1].pitch.get()) - i16::from(w[0].pitch.get());
                (interval, w[1].start - w[0].start)
            })
            .collect();
        for pattern in steps.windows(n.saturating_sub(1).max(1)) {
            seen.insert(pattern.to_vec());
            total += 1;
        }
    }
    (total > 0).then(|| seen.len() as f64 / total as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::{Note, Pitch, TimeSignature, Velocity};

    fn tune(signature: TimeSignature, pitches: &[(u8, u64)]) -> Piece {
        let mut start = 0;
        let notes = pitches
            .iter()
            .map(|&(p, steps)| {
                let n = Note::new(
                    Pitch::new(p).unwrap(),
                    start * 120,
                    steps * 120,
                    Velocity::DEFAULT,
                )
                .unwrap();
                start += steps;
                n
            })
            .collect();
        let mut piece = Piece::from_notes(480, "t", notes).unwrap();
        piece.time_signatures = vec![TimeSignatureChange { tick: 0, signature }];
        piece
    }

    #[test]
    fn shape_counts_range_density_and_bars() {
        let three = TimeSignature::new(3, 4).unwrap();
        // Two bars of 3/4 (24 steps): 6 notes, range 67 - 60 = 7.
        let a = tune(
            three,
            &[(60, 4), (62, 4), (64, 4), (65, 4), (67, 4), (60, 4)],
        );
        let shape = Shape::of(&[a]);
        assert_eq!(shape.pitch_range, 7.0);
        assert_eq!(shape.notes_per_bar, 3.0);
        assert_eq!(shape.bars, 2.0);
        // A bar begun counts: 13 steps of 3/4 are 2 bars.
        let b = tune(three, &[(60, 13)]);
        assert_eq!(Shape::of(&[b]).bars, 2.0);
        assert_eq!(Shape::of(&[]), Shape::default());
    }

    #[test]
    fn diversity_counts_distinct_patterns() {
        let four = TimeSignature::new(4, 4).unwrap();
        // The same rising figure twice: 3-note patterns (2 steps) repeat.
        let same = tune(
            four,
            &[(60, 2), (62, 2), (64, 2), (60, 2), (62, 2), (64, 2)],
        );
        // Steps: +2 +2 -4 +2 +2: patterns (+2,+2) (+2,-4) (-4,+2) (+2,+2): 3 distinct of 4.
        assert_eq!(
            pattern_diversity(std::slice::from_ref(&same), 3),
            Some(0.75)
        );
        // Transposed copies add nothing new; a different tune does.
        let mut up = same.clone();
        up.parts[0]
            .notes
            .iter_mut()
            .for_each(|n| n.pitch = Pitch::new(n.pitch.get() + 5).unwrap());
        assert_eq!(pattern_diversity(&[same.clone(), up], 3), Some(3.0 / 8.0));
        let other = tune(four, &[(60, 4), (67, 2), (65, 2)]);
        assert_eq!(pattern_diversity(&[other], 3), Some(1.0));
        assert_eq!(pattern_diversity(&[], 3), None);
    }

    #[test]
    fn metres_are_counted_and_unknown_ones_left_out() {
        let pieces = [
            tune(TimeSignature::new(3, 4).unwrap(), &[(60, 4)]),
            tune(TimeSignature::new(3, 4).unwrap(), &[(60, 4)]),
            tune(TimeSignature::new(6, 8).unwrap(), &[(60, 4)]),
            tune(TimeSignature::new(7, 8).unwrap(), &[(60, 4)]),
        ];
        let counts = metre_counts(&pieces);
        let list: Vec<(String, usize)> =
            counts.values().map(|(m, c)| (m.to_string(), *c)).collect();
        assert_eq!(list, vec![("3/4".to_owned(), 2), ("6/8".to_owned(), 1)]);
    }
}
