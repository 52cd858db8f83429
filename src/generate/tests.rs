//! Tests of generation with small models whose weights come from a fixed pseudo-random
//! sequence (no training needed).

use std::collections::HashSet;

use super::*;
use crate::model::weights::GeneratorWeights;
use crate::music::tokens::VOCAB_SIZE;
use crate::music::{Key, Note, Pitch, PitchClass, Velocity};

/// `n` values in `[-scale, scale)` from the shared test sequence.
fn pseudo_random(n: usize, seed: u64, scale: f32) -> Vec<f32> {
    crate::linalg::pseudo_random(n, seed)
        .into_iter()
        .map(|v| v * scale)
        .collect()
}

fn random_model(hidden: usize) -> TokenModel {
    random_weights(VOCAB_SIZE, hidden, false)
}

/// A model of `v` tokens whose weights come from the shared pseudo-random sequence; with
/// `places`, one that reads places (vocabulary v2).
fn random_weights(v: usize, hidden: usize, places: bool) -> TokenModel {
    use crate::music::metre::{BARS, POSITIONS};
    let e = 8;
    let table = |rows: u32, seed| {
        if places {
            pseudo_random(rows as usize * e, seed, 1.0)
        } else {
            Vec::new()
        }
    };
    let weights = GeneratorWeights {
        vocab_size: v,
        embedding_width: e,
        hidden,
        embedding: pseudo_random(v * e, 1, 1.0),
        input_weights: pseudo_random(e * 4 * hidden, 2, 0.5),
        hidden_weights: pseudo_random(hidden * 4 * hidden, 3, 0.5),
        gate_bias: pseudo_random(4 * hidden, 4, 0.1),
        output_weights: pseudo_random(hidden * v, 5, 2.0),
        output_bias: pseudo_random(v, 6, 0.5),
        position_embedding: table(POSITIONS, 7),
        bar_embedding: table(BARS, 8),
        lookback_embedding: Vec::new(),
    };
    TokenModel::Lstm(LstmEngine::new(weights).unwrap())
}

fn note(pitch: u8, start_16th: u64, len_16th: u64) -> Note {
    Note::new(
        Pitch::new(pitch).unwrap(),
        start_16th * 120,
        len_16th * 120,
        Velocity::new(90).unwrap(),
    )
    .unwrap()
}

fn one_bar_seed() -> Seed {
    // C4 E4 G4 E4 as quarters, one bar of 4/4 at 480 ticks per quarter.
    let notes = [
        note(60, 0, 4),
        note(64, 4, 4),
        note(67, 8, 4),
        note(64, 12, 4),
    ];
    Seed::from_notes(&notes, 480, Default::default(), Default::default(), None).unwrap()
}

fn options() -> GenerateOptions {
    GenerateOptions {
        temperature: 1.0,
        rng_seed: 1234,
        steps: 64,
        variations: 4,
        ..GenerateOptions::default()
    }
}

#[test]
fn same_inputs_same_output_and_variations_are_independent_of_count() {
    let model = random_model(16);
    let seed = one_bar_seed();
    let a = generate(&model, &seed, &options()).unwrap();
    let b = generate(&model, &seed, &options()).unwrap();
    assert_eq!(a, b);
    let one = generate(
        &model,
        &seed,
        &GenerateOptions {
            variations: 1,
            ..options()
        },
    )
    .unwrap();
    assert_eq!(one[0], a[0]);
    let distinct: HashSet<_> = a.iter().map(|g| g.tokens.clone()).collect();
    assert!(
        distinct.len() > 1,
        "four variations should not all be equal"
    );
    let other = generate(
        &model,
        &seed,
        &GenerateOptions {
            rng_seed: 99,
            ..options()
        },
    )
    .unwrap();
    assert_ne!(other, a);
}

#[test]
fn the_seed_is_kept_as_the_opening() {
    let model = random_model(16);
    let seed = one_bar_seed();
    for g in generate(&model, &seed, &options()).unwrap() {
        assert_eq!(g.seed_steps, 16);
        assert_eq!(g.tokens.len(), 16 + 64);
        let notes = &g.piece.parts[0].notes;
        // The first three seed notes are unchanged; the fourth may be held longer.
        assert_eq!(&notes[..3], &seed.notes[..3]);
        assert_eq!(notes[3].start, seed.notes[3].start);
        assert_eq!(notes[3].pitch, seed.notes[3].pitch);
        assert!(notes[3].duration >= seed.notes[3].duration);
        assert!(notes.iter().all(|n| n.end() <= 80 * 120));
    }
}

#[test]
fn greedy_ignores_the_rng_seed() {
    let model = random_model(16);
    let seed = one_bar_seed();
    let greedy = |rng_seed| {
        generate(
            &model,
            &seed,
            &GenerateOptions {
                temperature: 0.0,
                rng_seed,
                ..options()
            },
        )
        .unwrap()
    };
    assert_eq!(greedy(1)[0].tokens, greedy(2)[0].tokens);
}

#[test]
fn key_constraint_and_range_hold() {
    let model = random_model(16);
    let d_major = Key::new(PitchClass::new(2).unwrap(), crate::music::Mode::Major);
    let opts = GenerateOptions {
        key: Some(d_major),
        constrain_to_key: true,
        pitch_range: Some((Pitch::new(62).unwrap(), Pitch::new(74).unwrap())),
        temperature: 2.0,
        steps: 256,
        ..options()
    };
    let out = generate(&model, &Seed::empty(), &opts).unwrap();
    let mut count = 0;
    for g in &out {
        for n in &g.piece.parts[0].notes {
            assert!(
                d_major.contains(n.pitch.class()),
                "{} not in D major",
                n.pitch
            );
            assert!(
                (62..=74).contains(&n.pitch.get()),
                "{} out of range",
                n.pitch
            );
            count += 1;
        }
        assert_eq!(g.key, d_major);
    }
    assert!(count > 10, "only {count} notes");
}

#[test]
fn empty_seed_starts_with_a_note_and_velocities_vary() {
    let model = random_model(16);
    let out = generate(
        &model,
        &Seed::empty(),
        &GenerateOptions {
            steps: 128,
            ..options()
        },
    )
    .unwrap();
    for g in &out {
        assert!((g.tokens[0] as usize) < crate::music::tokens::PITCH_TOKENS);
        let notes = &g.piece.parts[0].notes;
        assert_eq!(notes[0].start, 0);
        let velocities: HashSet<u8> = notes.iter().map(|n| n.velocity.get()).collect();
        if notes.len() > 8 {
            assert!(velocities.len() > 1);
        }
    }
}

#[test]
fn the_built_in_model_begins_tunes_with_an_upbeat_as_folk_tunes_do() {
    // 4 in 5 held-out Erk tunes start with a pickup (rests from the bar line, then the
    // upbeat); from nothing, the built-in model may do the same, in every metre.
    let model = default_model().unwrap();
    for (n, d) in [(4, 4), (3, 4), (6, 8)] {
        let mut seed = Seed::empty();
        seed.time_signature = crate::music::TimeSignature::new(n, d).unwrap();
        let out = generate(
            &model,
            &seed,
            &GenerateOptions {
                steps: 64,
                variations: 32,
                ..options()
            },
        )
        .unwrap();
        let upbeats = out
            .iter()
            .filter(|g| g.tokens[0] == crate::music::tokens::REST_ID)
            .count();
        assert!(
            (8..32).contains(&upbeats),
            "{n}/{d}: {upbeats} of 32 tunes start with an upbeat"
        );
        for g in &out {
            // An upbeat is shorter than a bar: the first note comes in the first bar.
            let first = g.piece.notes().map(|x| x.start).min().unwrap();
            let bar = g
                .piece
                .initial_time_signature()
                .ticks_per_bar(g.piece.ticks_per_quarter);
            assert!(first < bar, "{n}/{d}: first note at tick {first}");
        }
    }
}

#[test]
fn bad_options_are_refused() {
    let model = random_model(4);
    for bad in [
        GenerateOptions {
            temperature: -1.0,
            ..options()
        },
        GenerateOptions {
            temperature: f32::NAN,
            ..options()
        },
        GenerateOptions {
            variations: 0,
            ..options()
        },
        GenerateOptions {
            steps: 0,
            ..options()
        },
        GenerateOptions {
            pitch_range: Some((Pitch::new(70).unwrap(), Pitch::new(60).unwrap())),
            ..options()
        },
    ] {
        assert!(matches!(
            generate(&model, &Seed::empty(), &bad),
            Err(GenerateError::BadOptions(_))
        ));
    }
}

#[test]
fn seed_from_tokens_text() {
    let seed = Seed::from_tokens_text("67 _ 67 _ 65 64 _ r").unwrap();
    assert_eq!(seed.steps, 8);
    let pitches: Vec<u8> = seed.notes.iter().map(|n| n.pitch.get()).collect();
    assert_eq!(pitches, [67, 67, 65, 64]);
    assert_eq!(seed.token_ids().unwrap().len(), 8);
    assert!(Seed::from_tokens_text("67 banana").is_err());
}

#[test]
fn regenerating_a_bar_keeps_the_rest() {
    let model = random_model(16);
    // Two bars: C D E F | G A B C, then a long note tied over the region's end.
    let melody: Vec<Note> = [60, 62, 64, 65, 67, 69, 71, 72]
        .iter()
        .enumerate()
        .map(|(i, &p)| note(p, i as u64 * 4, 4))
        .chain([note(74, 32, 8)])
        .collect();
    let region = 16 * 120..32 * 120; // the second bar
    let news = regenerate_region(
        &model,
        &melody,
        480,
        crate::music::TimeSignature::default(),
        region.clone(),
        &options(),
    )
    .unwrap();
    assert_eq!(news.len(), 4);
    for new in &news {
        assert!(
            new.iter()
                .all(|n| n.start >= region.start && n.end() <= region.end)
        );
        let spliced = splice_region(&melody, region.clone(), new);
        let before: Vec<&Note> = spliced.iter().filter(|n| n.start < region.start).collect();
        assert_eq!(before.len(), 4);
        assert!(spliced.contains(&note(74, 32, 8)));
    }
}

#[test]
fn splice_by_hand() {
    // A note across the region's start, one inside, one across its end.
    let melody = [note(60, 0, 8), note(62, 8, 2), note(64, 10, 10)];
    let new = [note(70, 4, 4), note(71, 8, 8)];
    let out = splice_region(&melody, 4 * 120..16 * 120, &new);
    assert_eq!(
        out,
        vec![
            note(60, 0, 4),
            note(70, 4, 4),
            note(71, 8, 8),
            note(64, 16, 4)
        ]
    );
}

#[test]
fn markov_generates_only_seen_transitions() {
    let training: Vec<Vec<u32>> = vec![vec![39, 89, 41, 89, 43, 89, 41, 89]; 3];
    let chain = MarkovChain::fit(VOCAB_SIZE, training.iter().map(Vec::as_slice));
    let model = TokenModel::Markov(chain);
    let seed = Seed::from_tokens_text("60 _ 62 _").unwrap();
    let out = generate(
        &model,
        &seed,
        &GenerateOptions {
            key: Some(Key::C_MAJOR),
            ..options()
        },
    )
    .unwrap();
    for g in &out {
        for pair in g.tokens.windows(2) {
            let seen = training[0].windows(2).any(|w| w == pair);
            assert!(seen, "unseen transition {pair:?}");
        }
    }
}

#[test]
fn a_short_seed_is_heard_in_the_key_of_its_first_note() {
    let model = random_model(8);
    // C E G E: the plain key estimate says E minor; a listener hears C major.
    let out = generate(
        &model,
        &one_bar_seed(),
        &GenerateOptions {
            variations: 1,
            ..options()
        },
    )
    .unwrap();
    assert_eq!(out[0].key, Key::C_MAJOR);
    // A D F A ... D: D minor.
    let d_minor = [
        note(62, 0, 4),
        note(65, 4, 4),
        note(69, 8, 4),
        note(62, 12, 4),
    ];
    let seed =
        Seed::from_notes(&d_minor, 480, Default::default(), Default::default(), None).unwrap();
    let out = generate(
        &model,
        &seed,
        &GenerateOptions {
            variations: 1,
            ..options()
        },
    )
    .unwrap();
    assert_eq!(out[0].key, "D minor".parse::<Key>().unwrap());
}

#[test]
fn the_built_in_model_loads_and_continues_a_seed_in_its_key() {
    let model = default_model().unwrap();
    let TokenModel::Lstm(engine) = &model else {
        panic!("the default model is an LSTM");
    };
    // Vocabulary v2: the tokens and padding, read with their places.
    assert_eq!(engine.vocab_size(), crate::music::tokens::MODEL_VOCAB_SIZE);
    assert!(engine.reads_places());
    let out = generate(&model, &one_bar_seed(), &options()).unwrap();
    // A trained model continues C E G E mostly with notes of C major.
    let notes: Vec<&Note> = out.iter().flat_map(|g| g.piece.notes()).collect();
    let in_scale = notes
        .iter()
        .filter(|n| Key::C_MAJOR.contains(n.pitch.class()))
        .count();
    assert!(
        in_scale * 10 >= notes.len() * 9,
        "{in_scale} of {} in C major",
        notes.len()
    );
}

/// A small model of vocabulary v2 (reads places) with `end_bias` added to the `<end>` logit.
fn random_tune_model(hidden: usize, end_bias: f32) -> TokenModel {
    use crate::music::tokens::{END_ID, MODEL_VOCAB_SIZE};
    let TokenModel::Lstm(engine) = random_weights(MODEL_VOCAB_SIZE, hidden, true) else {
        unreachable!()
    };
    let mut weights = engine.weights().clone();
    weights.output_bias[END_ID as usize] += end_bias;
    TokenModel::Lstm(LstmEngine::new(weights).unwrap())
}

#[test]
fn tunes_from_nothing_carry_their_metre_and_no_markers() {
    use crate::music::tokens::{END_ID, PAD_ID, START_ID};
    let model = random_tune_model(16, -50.0);
    assert!(model.reads_places());
    let mut seed = Seed::empty();
    seed.time_signature = crate::music::TimeSignature::new(6, 8).unwrap();
    let opts = GenerateOptions {
        steps: 48,
        ..options()
    };
    let out = generate(&model, &seed, &opts).unwrap();
    assert_eq!(out.len(), 4);
    for g in &out {
        // Never ends (the <end> logit is far down): the full length, no marker or padding.
        assert_eq!(g.tokens.len(), 48);
        assert!(
            g.tokens
                .iter()
                .all(|&t| t != START_ID && t != END_ID && t != PAD_ID)
        );
        assert_eq!(g.piece.initial_time_signature().to_string(), "6/8");
    }
    // A metre the models do not know is refused by name.
    seed.time_signature = crate::music::TimeSignature::new(7, 8).unwrap();
    let err = generate(&model, &seed, &opts).unwrap_err().to_string();
    assert!(err.contains("7/8"), "{err}");
}

#[test]
fn tunes_stop_where_the_model_ends_them_unless_asked_for_the_full_length() {
    // The <end> logit far up: every variation ends after its first step.
    let model = random_tune_model(16, 50.0);
    let until_end = GenerateOptions {
        steps: 64,
        ..options()
    };
    for g in generate(&model, &Seed::empty(), &until_end).unwrap() {
        assert_eq!(g.tokens.len(), 1, "{:?}", g.tokens);
    }
    let full = GenerateOptions {
        stop_at_end: false,
        ..until_end
    };
    for g in generate(&model, &Seed::empty(), &full).unwrap() {
        assert_eq!(g.tokens.len(), 64);
    }
}
