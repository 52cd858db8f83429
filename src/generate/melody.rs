//! Sampling continuations and regions, and turning the tokens into pieces.

use std::ops::Range;

use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::music::tokens::{
    self, END_ID, EncodeOptions, HOLD_ID, PITCH_TOKENS, Prepare, REST_ID, START_ID, STEP, code_at,
    decode_notes_lenient,
};
use crate::music::{
    Key, KeySignatureChange, Metre, Mode, Note, Part, Piece, Pitch, Tick, TimeSignature,
    TimeSignatureChange, estimate_key,
};

use super::GenerateError;
use super::model::TokenModel;
use super::sample::{MAX_TEMPERATURE, MIN_TEMPERATURE, sample_token};
use super::seed::{Seed, accent};

/// The most variations generated at once.
pub const MAX_VARIATIONS: usize = 32;
/// The longest continuation, in 16th steps (64 bars of 4/4).
pub const MAX_STEPS: u64 = 1024;

/// How to generate.
#[derive(Clone, Debug, PartialEq)]
pub struct GenerateOptions {
    /// Sampling temperature: 0 is greedy; otherwise 0.05..=5 (the studio offers 0.1..=2).
    pub temperature: f32,
    /// The RNG seed: the same seed and inputs give the same melodies.
    pub rng_seed: u64,
    /// Length of the continuation in 16th steps.
    pub steps: u64,
    /// How many variations (generated as one batch).
    pub variations: usize,
    /// The key of the piece; `None`: estimated from the seed (C major without one).
    pub key: Option<Key>,
    /// Keep every pitch in the key's scale (natural minor for minor keys).
    pub constrain_to_key: bool,
    /// Keep every pitch within this range (inclusive).
    pub pitch_range: Option<(Pitch, Pitch)>,
    /// Stop a variation when the model ends the tune (its `<end>` marker), so `steps` is the
    /// most it may last ("until the tune ends, at most N bars"). Only models of vocabulary
    /// v2 end tunes; on by default.
    pub stop_at_end: bool,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions {
            temperature: 1.0,
            rng_seed: 0,
            steps: 128,
            variations: 1,
            key: None,
            constrain_to_key: false,
            pitch_range: None,
            stop_at_end: true,
        }
    }
}

impl GenerateOptions {
    /// Checks the ranges.
    pub fn validate(&self) -> Result<(), GenerateError> {
        let bad = |m: String| Err(GenerateError::BadOptions(m));
        let t = self.temperature;
        if !(t == 0.0 || (MIN_TEMPERATURE..=MAX_TEMPERATURE).contains(&t)) {
            return bad(format!(
                "the temperature must be 0 (greedy) or {MIN_TEMPERATURE}..={MAX_TEMPERATURE}, got {t}"
            ));
        }
        if !(1..=MAX_VARIATIONS).contains(&self.variations) {
            return bad(format!(
                "variations must be 1..={MAX_VARIATIONS}, got {}",
                self.variations
            ));
        }
        if !(1..=MAX_STEPS).contains(&self.steps) {
            return bad(format!(
                "the length must be 1..={MAX_STEPS} steps (16ths), got {}",
                self.steps
            ));
        }
        if let Some((low, high)) = self.pitch_range
            && low > high
        {
            return bad(format!("the pitch range {low}..{high} is empty"));
        }
        Ok(())
    }
}

/// One generated variation.
#[derive(Clone, Debug, PartialEq)]
pub struct Generated {
    /// The seed followed by its continuation, as a one-part piece with the seed's tempo and
    /// metre and the key as its key signature.
    pub piece: Piece,
    /// The token ids of the whole melody (seed, then continuation), in the output key.
    pub tokens: Vec<u32>,
    /// How many of the tokens are the seed's.
    pub seed_steps: usize,
    /// The key used (transposition and constraint).
    pub key: Key,
}

/// The rules every sampled token obeys, in the model's C major / A minor frame.
struct Rules {
    /// Allowed pitch tokens (`PITCH_TOKENS` entries) after transposition and constraints.
    pitches: Vec<bool>,
}

impl Rules {
    fn new(options: &GenerateOptions, key: Key, shift: i32) -> Result<Self, GenerateError> {
        let model_key = match key.mode {
            Mode::Major => Key::C_MAJOR,
            Mode::Minor => Key::A_MINOR,
        };
        let scale = model_key.scale_mask();
        let (low, high) = options
            .pitch_range
            .map_or((Pitch::PIANO_LOW, Pitch::PIANO_HIGH), |r| r);
        let pitches: Vec<bool> = (0..PITCH_TOKENS)
            .map(|i| {
                let model_pitch = 21 + i as i32;
                let out = model_pitch - shift;
                let in_range = (i32::from(low.get())..=i32::from(high.get())).contains(&out)
                    && (21..=108).contains(&out);
                let in_scale = !options.constrain_to_key || scale[(model_pitch % 12) as usize];
                in_range && in_scale
            })
            .collect();
        if !pitches.iter().any(|&a| a) {
            return Err(GenerateError::BadOptions(
                "no pitch is allowed by the range and the key".into(),
            ));
        }
        Ok(Rules { pitches })
    }

    /// The mask for the next token: a hold only while a note sounds; `must_start`: a note
    /// onset only.
    fn mask(&self, vocab: usize, sounding: bool, must_start: bool, out: &mut Vec<bool>) {
        out.clear();
        out.resize(vocab, false);
        out[..PITCH_TOKENS].copy_from_slice(&self.pitches);
        if !must_start {
            out[REST_ID as usize] = true;
            out[HOLD_ID as usize] = sounding;
        }
    }
}

/// The key to work in: the one asked for, else estimated from the notes, else C major.
///
/// The Krumhansl-Schmuckler estimate alone is unreliable for a seed of a few notes (C E G E
/// correlates best with E minor), so each key's correlation gets a bonus when its scale holds
/// every pitch class of the seed (+0.1), when its tonic is the first note's (+0.5) and when it
/// is the last note's (+0.25), as melodies mostly start and end on their tonic; the bonuses
/// shrink as the seed grows (x (1 - n/32), at least x 0.25) and the estimate grows reliable.
fn working_key(options: &GenerateOptions, notes: &[Note]) -> Key {
    if let Some(key) = options.key {
        return key;
    }
    let Some(estimate) = estimate_key(notes) else {
        return Key::C_MAJOR;
    };
    let mut sorted: Vec<&Note> = notes.iter().collect();
    sorted.sort_by_key(|n| (n.start, n.pitch));
    let first = sorted.first().map(|n| n.pitch.class());
    let last = sorted.last().map(|n| n.pitch.class());
    let weight = (1.0 - notes.len() as f64 / 32.0).max(0.25);
    let mut best = (f64::NEG_INFINITY, Key::C_MAJOR);
    for (key, correlation) in Key::all().zip(estimate.scores) {
        let mut score = correlation;
        if notes.iter().all(|n| key.contains(n.pitch.class())) {
            score += 0.1 * weight;
        }
        if first == Some(key.tonic) {
            score += 0.5 * weight;
        }
        if last == Some(key.tonic) {
            score += 0.25 * weight;
        }
        if score > best.0 {
            best = (score, key);
        }
    }
    best.1
}

/// Moves token ids by `shift` semitones; pitches that would leave the piano are an error.
fn shift_ids(ids: &[u32], shift: i32) -> Result<Vec<u32>, GenerateError> {
    ids.iter()
        .map(|&id| {
            if (id as usize) < PITCH_TOKENS {
                let moved = id as i32 + shift;
                u32::try_from(moved)
                    .ok()
                    .filter(|&m| (m as usize) < PITCH_TOKENS)
                    .ok_or_else(|| {
                        GenerateError::Seed(format!(
                            "pitch {} leaves the piano when moved {shift} semitones to the \
                             model's key",
                            id + 21
                        ))
                    })
            } else {
                Ok(id)
            }
        })
        .collect()
}

/// Samples up to `steps` tokens for each of `rows` rows after feeding each row the same
/// context, in the model's frame.
///
/// A v1 model is fed bare ids, an empty context as one rest. A model that reads places (v2)
/// is fed `<start>` and then the context, every token as a code with the place of the step it
/// predicts in `metre` (the context starts on a bar line); it never draws `<start>` or the
/// padding token, and with `options.stop_at_end` a row ends when it draws `<end>` (not
/// returned) after at least one step.
#[allow(clippy::too_many_arguments)]
fn sample_rows(
    model: &TokenModel,
    context: &[u32],
    metre: Metre,
    rows: usize,
    steps: usize,
    rules: &Rules,
    options: &GenerateOptions,
    first_must_start: bool,
) -> Result<Vec<Vec<u32>>, GenerateError> {
    let vocab = model.vocab_size();
    if vocab < PITCH_TOKENS + 2 {
        return Err(GenerateError::Internal(format!(
            "a model with {vocab} tokens cannot speak vocabulary v{}",
            tokens::VOCAB_VERSION
        )));
    }
    let places = model.reads_places();
    let mut state = model.start(rows);
    let context: Vec<u32> = if places {
        std::iter::once(START_ID)
            .chain(context.iter().copied())
            .collect()
    } else if context.is_empty() {
        // One rest, so the model has something to continue from.
        vec![REST_ID]
    } else {
        context.to_vec()
    };
    // The code of `token` at sequence index `j` of a row that drew `drawn` after the context
    // (v2: index j predicts step j, and looks back four bars from it).
    let code = |token: u32, j: usize, drawn: &[u32]| {
        if !places {
            return token;
        }
        let known = |i: usize| match i.cmp(&j) {
            std::cmp::Ordering::Equal => Some(token),
            std::cmp::Ordering::Less => context
                .get(i)
                .or_else(|| drawn.get(i - context.len()))
                .copied(),
            std::cmp::Ordering::Greater => None,
        };
        code_at(j, metre, known)
    };
    let mut batch = vec![0u32; rows];
    for (j, &id) in context.iter().enumerate() {
        batch.fill(code(id, j, &[]));
        model.advance(&mut state, &batch)?;
    }
    let mut sounding = vec![
        (context.last().copied().unwrap_or(REST_ID) as usize) < PITCH_TOKENS
            || context.last() == Some(&HOLD_ID);
        rows
    ];
    let mut rngs: Vec<StdRng> = (0..rows)
        .map(|i| StdRng::seed_from_u64(stream_seed(options.rng_seed, i as u64)))
        .collect();
    let mut out = vec![Vec::with_capacity(steps); rows];
    let mut ended = vec![false; rows];
    let (mut scores, mut mask) = (Vec::new(), Vec::new());
    for step in 0..steps {
        model.scores(&state, &mut scores)?;
        for row in 0..rows {
            if ended[row] {
                batch[row] = code(REST_ID, context.len() + step, &out[row]);
                continue;
            }
            rules.mask(
                vocab,
                sounding[row],
                step == 0 && first_must_start,
                &mut mask,
            );
            if places && options.stop_at_end && step > 0 {
                mask[END_ID as usize] = true;
            }
            let logits = &scores[row * vocab..(row + 1) * vocab];
            let id = sample_token(logits, &mask, options.temperature, &mut rngs[row])
                .or_else(|| {
                    // The model gives no mass to any allowed token: fall back to a rest, or
                    // to the lowest allowed pitch where a note must start.
                    if step == 0 && first_must_start {
                        rules.pitches.iter().position(|&a| a).map(|p| p as u32)
                    } else {
                        Some(REST_ID)
                    }
                })
                .ok_or_else(|| GenerateError::Internal("no token can be drawn".into()))?;
            if id == END_ID {
                ended[row] = true;
                batch[row] = code(REST_ID, context.len() + step, &out[row]);
                continue;
            }
            sounding[row] = (id as usize) < PITCH_TOKENS || (id == HOLD_ID && sounding[row]);
            batch[row] = code(id, context.len() + step, &out[row]);
            out[row].push(id);
        }
        if ended.iter().all(|&e| e) {
            break;
        }
        model.advance(&mut state, &batch)?;
    }
    Ok(out)
}

/// The seed of variation `index`'s random stream (SplitMix64 of the RNG seed and the index),
/// so variation `i` is the same whether 1 or 8 variations are asked for.
fn stream_seed(seed: u64, index: u64) -> u64 {
    let mut z = seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The metre a model reads places in: the time signature's, for a model that reads places
/// (an error naming the metre if it does not know it); anything for a v1 model.
fn model_metre(model: &TokenModel, signature: TimeSignature) -> Result<Metre, GenerateError> {
    if !model.reads_places() {
        return Ok(Metre::default());
    }
    Metre::of(signature).map_err(|e| GenerateError::BadOptions(e.to_string()))
}

/// Turns token ids into notes from `first_step` on, velocities by the accent pattern.
fn ids_to_notes(
    ids: &[u32],
    first_step: u64,
    ticks_per_quarter: u16,
    steps_per_bar: u64,
) -> Result<Vec<Note>, GenerateError> {
    let toks = tokens::from_ids(ids).map_err(|e| GenerateError::Internal(e.to_string()))?;
    let step_ticks = step_ticks(ticks_per_quarter)?;
    let notes = decode_notes_lenient(&toks, ticks_per_quarter, accent(0, steps_per_bar))
        .map_err(|e| GenerateError::Internal(e.to_string()))?;
    Ok(notes
        .into_iter()
        .map(|mut n| {
            let step = n.start / step_ticks;
            n.velocity = accent(first_step + step, steps_per_bar);
            n.start += first_step * step_ticks;
            n
        })
        .collect())
}

fn step_ticks(ticks_per_quarter: u16) -> Result<Tick, GenerateError> {
    STEP.ticks(ticks_per_quarter)
        .map(|g| g.line(1).max(1))
        .map_err(|e| GenerateError::Seed(e.to_string()))
}

/// Generates `options.variations` continuations of `seed`.
pub fn generate(
    model: &TokenModel,
    seed: &Seed,
    options: &GenerateOptions,
) -> Result<Vec<Generated>, GenerateError> {
    options.validate()?;
    let key = working_key(options, &seed.notes);
    let shift = key.shift_to_c_major_or_a_minor();
    let rules = Rules::new(options, key, shift)?;
    let metre = model_metre(model, seed.time_signature)?;
    let seed_ids = seed.token_ids()?;
    let context = shift_ids(&seed_ids, shift)?;
    let steps = usize::try_from(options.steps).unwrap_or(usize::MAX);
    let rows = sample_rows(
        model,
        &context,
        metre,
        options.variations,
        steps,
        &rules,
        options,
        // From nothing, a v1 model (which never saw a tune start) must begin with a note; a
        // model that reads places begins as tunes begin, often with an upbeat (rests, then
        // the pickup, as 4 in 5 Erk tunes do).
        !model.reads_places() && seed_ids.iter().all(|&id| id == REST_ID),
    )?;
    let steps_per_bar = u64::from(seed.time_signature.sixteenths_per_bar());
    let tpq = seed.ticks_per_quarter;
    rows.into_iter()
        .enumerate()
        .map(|(i, row)| {
            let continuation = shift_ids(&row, -shift)?;
            // Decode the seed's last note with the continuation, so a hold that extends it
            // lengthens it.
            let mut all = seed_ids.clone();
            all.extend_from_slice(&continuation);
            let mut notes = ids_to_notes(&all, 0, tpq, steps_per_bar)?;
            for note in &mut notes {
                if let Some(original) = seed
                    .notes
                    .iter()
                    .find(|s| s.start == note.start && s.pitch == note.pitch)
                {
                    note.velocity = original.velocity;
                }
            }
            let mut piece = Piece::new(tpq).map_err(|e| GenerateError::Internal(e.to_string()))?;
            piece.title = format!("Variation {}", i + 1);
            piece.tempo_map = seed.tempo_map.clone();
            piece.time_signatures = vec![TimeSignatureChange {
                tick: 0,
                signature: seed.time_signature,
            }];
            piece.key_signatures = vec![KeySignatureChange { tick: 0, key }];
            piece.parts.push(Part {
                notes,
                ..Part::new(format!("Variation {}", i + 1))
            });
            Ok(Generated {
                piece,
                tokens: all,
                seed_steps: seed_ids.len(),
                key,
            })
        })
        .collect()
}

/// Regenerates the notes of one tick span of a melody from its left context: the notes before
/// the span are the context (the seed mechanism applied to a region); returns, for each
/// variation, the new notes inside the span (velocities by the accent pattern). Combine them
/// with the melody with [`splice_region`].
pub fn regenerate_region(
    model: &TokenModel,
    notes: &[Note],
    ticks_per_quarter: u16,
    signature: TimeSignature,
    region: Range<Tick>,
    options: &GenerateOptions,
) -> Result<Vec<Vec<Note>>, GenerateError> {
    let steps_per_bar = u64::from(signature.sixteenths_per_bar());
    let step = step_ticks(ticks_per_quarter)?;
    let first = region.start / step;
    let last = region.end.div_ceil(step);
    if last <= first {
        return Err(GenerateError::BadOptions("the region is empty".into()));
    }
    let options = GenerateOptions {
        steps: last - first,
        ..options.clone()
    };
    options.validate()?;
    let key = working_key(&options, notes);
    let shift = key.shift_to_c_major_or_a_minor();
    let rules = Rules::new(&options, key, shift)?;
    let before: Vec<Note> = notes
        .iter()
        .filter(|n| n.start < first * step)
        .copied()
        .collect();
    let encoded = tokens::encode_notes(
        &before,
        ticks_per_quarter,
        EncodeOptions {
            markers: false,
            prepare: Prepare::Skyline,
        },
    )
    .map_err(|e| GenerateError::Seed(e.to_string()))?;
    let mut context = tokens::to_ids(&encoded);
    let first_usize = usize::try_from(first).unwrap_or(usize::MAX);
    context.truncate(first_usize);
    context.resize(first_usize, REST_ID);
    let context = shift_ids(&context, shift)?;
    let steps = usize::try_from(options.steps).unwrap_or(usize::MAX);
    let metre = model_metre(model, signature)?;
    // The span starts with a note or a rest, never a hold: the notes before it are cut at
    // its start. It is regenerated whole: the model may not end the tune inside it.
    let options = GenerateOptions {
        stop_at_end: false,
        ..options
    };
    let rows = sample_rows(
        model,
        &context,
        metre,
        options.variations,
        steps,
        &rules,
        &options,
        false,
    )?;
    let mut result = Vec::with_capacity(rows.len());
    for row in rows {
        let mut ids = shift_ids(&row, -shift)?;
        if ids.first() == Some(&HOLD_ID) {
            ids[0] = REST_ID;
        }
        let mut new = ids_to_notes(&ids, first, ticks_per_quarter, steps_per_bar)?;
        new.retain(|n| n.start < region.end);
        for n in &mut new {
            if n.end() > region.end
                && let Ok(cut) = Note::new(n.pitch, n.start, region.end - n.start, n.velocity)
            {
                *n = cut;
            }
        }
        result.push(new);
    }
    Ok(result)
}

/// Replaces the notes of `region` in `notes` by `new`: notes starting inside the span go;
/// notes sounding into it from before are cut at its start; the part of a removed note that
/// sounded past the span's end is kept as a note starting at the end, so what follows the
/// span sounds as before.
pub fn splice_region(notes: &[Note], region: Range<Tick>, new: &[Note]) -> Vec<Note> {
    let mut out = Vec::with_capacity(notes.len() + new.len());
    for n in notes {
        if n.end() <= region.start || n.start >= region.end {
            out.push(*n);
        } else if n.start < region.start {
            if let Ok(cut) = Note::new(n.pitch, n.start, region.start - n.start, n.velocity) {
                out.push(cut);
            }
            if n.end() > region.end
                && let Ok(tail) = Note::new(n.pitch, region.end, n.end() - region.end, n.velocity)
            {
                out.push(tail);
            }
        } else if n.end() > region.end
            && let Ok(tail) = Note::new(n.pitch, region.end, n.end() - region.end, n.velocity)
        {
            out.push(tail);
        }
    }
    out.extend(
        new.iter()
            .filter(|n| n.start >= region.start && n.end() <= region.end),
    );
    crate::music::sort_notes(&mut out);
    out
}

/// Token ids of a melody in text form, for messages and samples.
pub fn ids_text(ids: &[u32]) -> String {
    tokens::from_ids(ids)
        .map(|t| tokens::format_tokens(&t, tokens::PitchText::Midi))
        .unwrap_or_default()
}
