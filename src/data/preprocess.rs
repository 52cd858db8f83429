//! Preprocessing of one piece into melody tokens, and its settings ([`PreprocessConfig`]).
//!
//! # Steps, in order
//! 1. **Melody.** The piece's pitched notes (drum parts ignored) become one monophonic
//!    melody by the skyline rule ([`crate::music::melody`]), which also snaps every start and
//!    end to the 16th-note grid. With [`RhythmPolicy::AcceptedDurations`] nothing is snapped:
//!    a piece with a note off the grid, or whose melody has a note of another length than the
//!    accepted ones ([`ACCEPTED_DURATIONS`]), is left out with the reason.
//! 2. **Key.** The key is estimated from all pitched notes, weighted by duration
//!    (Krumhansl-Schmuckler, [`crate::music::analysis`]). The written key signature is not
//!    trusted by default: the Essen ABC files declare minor tunes under a major `K:` (the
//!    tonic right, the mode wrong), which would move an A minor tune to C minor.
//! 3. **Transposition** to C major (major keys) or A minor (minor keys) by the shift of
//!    [`crate::music::Key::shift_to_c_major_or_a_minor`] (-5..=6 semitones). Relative keys
//!    share a shift, so mistaking a key for its relative major or minor does no harm here. A
//!    note that lands outside the piano (MIDI 21..=108) is moved by octaves into it and
//!    counted.
//! 4. **Tokens** of vocabulary v1 ([`crate::music::tokens`]): one per 16th step, from tick 0.
//!    Whole bars of silence before the first note are cut (bars of the first time
//!    signature), so a MIDI file that starts late does not fill windows with rests.
//!
//! Splitting, windows and augmentation work on the tokens of whole pieces; see
//! [`super::Dataset`].

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::music::analysis::estimate_key;
use crate::music::melody::skyline;
use crate::music::metre::{Metre, UnknownMetre, lead_in_steps};
use crate::music::tokens::{self, EncodeOptions, HOLD_ID, PITCH_TOKENS, REST_ID, TokenError};
use crate::music::transform::{OutOfRange, transpose_notes_within};
use crate::music::{Grid, Key, Note, Piece, Pitch, Tick};

/// The note lengths kept by [`RhythmPolicy::AcceptedDurations`], in 16th-note steps: 16th,
/// 8th, dotted 8th, quarter, dotted quarter, half, dotted half and whole notes.
pub const ACCEPTED_DURATIONS: [u32; 8] = [1, 2, 3, 4, 6, 8, 12, 16];

/// How note rhythms reach the 16th-note grid of the tokens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RhythmPolicy {
    /// Snap every note start and end to the nearest 16th (the default).
    #[default]
    Quantize,
    /// Keep only pieces whose notes already lie on the 16th grid and whose melody notes last
    /// one of [`ACCEPTED_DURATIONS`] (as the source papers filtered their data).
    AcceptedDurations,
}

/// Which key a piece is transposed from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyPolicy {
    /// Estimate the key from the notes (the default); the written key is used only when the
    /// notes give no estimate (all twelve pitch classes equally long).
    #[default]
    Estimate,
    /// Trust the written key signature, falling back on the estimate. Beware: ABC `K:` fields
    /// often give a major key for minor tunes.
    Declared,
    /// Do not transpose.
    Keep,
}

/// What happens to a piece shorter than one window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShortPieces {
    /// It gives no window (the default); it still counts as a piece.
    #[default]
    Drop,
    /// It gives one window, padded with rests at the end.
    PadWithRests,
}

/// How the tokens of a piece become training sequences.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// Vocabulary v1: fixed windows of bare token ids cut anywhere in a piece, no markers, no
    /// places (the source papers' layout, and the default of this type for old settings).
    #[default]
    Windows,
    /// Vocabulary v2: whole tunes `<start> ... <end>`, laid out from a bar line (a pickup
    /// becomes rests), each token read with its place (metre, position in the bar, bar);
    /// a tune longer than a window is cut into overlapping windows that keep their places.
    /// Pieces in a metre the models do not know, or that change metre, are left out.
    Tunes,
}

/// The settings of preprocessing; part of the cache key, so changing any rebuilds the cache.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PreprocessConfig {
    /// Quantize to 16ths, or keep only pieces with the papers' accepted durations.
    pub rhythm: RhythmPolicy,
    /// Which key pieces are transposed from (to C major / A minor).
    pub key: KeyPolicy,
    /// Augmentation of the training split: each shift (in semitones, -12..=12, not 0) adds a
    /// transposed copy of each training piece whose notes all stay on the piano (21..=108).
    /// Empty (the default): no augmentation. Validation and test pieces are never augmented.
    pub augment_shifts: Vec<i8>,
    /// Steps (16th notes) in one window: 64 by default (4 bars of 4/4). 1..=4096.
    pub window_steps: u32,
    /// Steps between the starts of consecutive windows of a piece: 16 by default (one bar of
    /// 4/4). 1..=window_steps would overlap or touch; larger values leave gaps.
    pub stride: u32,
    /// Pieces shorter than a window: dropped (default) or padded.
    pub short_pieces: ShortPieces,
    /// Cut whole bars of silence before the first note (default true).
    pub trim_leading_silence: bool,
    /// The share of pieces put in the validation split, 0.0..1.0 (default 0.1). Sources with
    /// their own split (MAESTRO) keep it.
    pub validation_fraction: f64,
    /// The seed of the train/validation split (default 0).
    pub seed: u64,
    /// How pieces become sequences: v1 windows (the default of old settings files) or v2
    /// whole tunes ([`PreprocessConfig::tunes`]).
    pub layout: Layout,
}

impl Default for PreprocessConfig {
    fn default() -> Self {
        PreprocessConfig {
            rhythm: RhythmPolicy::default(),
            key: KeyPolicy::default(),
            augment_shifts: Vec::new(),
            window_steps: 64,
            stride: 16,
            short_pieces: ShortPieces::default(),
            trim_leading_silence: true,
            validation_fraction: 0.1,
            seed: 0,
            layout: Layout::Windows,
        }
    }
}

impl PreprocessConfig {
    /// The settings of vocabulary v2, what the studio and `gan-studio train` use: whole tunes
    /// ([`Layout::Tunes`]) in windows of 257 tokens (16 bars of 4/4 with both markers), a new
    /// window every 64 steps for longer tunes.
    pub fn tunes() -> Self {
        PreprocessConfig {
            layout: Layout::Tunes,
            window_steps: 257,
            stride: 64,
            ..PreprocessConfig::default()
        }
    }

    /// The largest window accepted.
    pub const MAX_WINDOW_STEPS: u32 = 4096;

    /// Checks every setting's range; the message names the setting.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=Self::MAX_WINDOW_STEPS).contains(&self.window_steps) {
            return Err(format!(
                "window_steps is {}, but must be 1..={}",
                self.window_steps,
                Self::MAX_WINDOW_STEPS
            ));
        }
        if self.stride == 0 {
            return Err("stride must be at least 1".to_string());
        }
        if !(0.0..1.0).contains(&self.validation_fraction) {
            return Err(format!(
                "validation_fraction is {}, but must be at least 0 and below 1",
                self.validation_fraction
            ));
        }
        if let Some(bad) = self
            .augment_shifts
            .iter()
            .find(|&&s| s == 0 || !(-12..=12).contains(&s))
        {
            return Err(format!(
                "augmentation shift {bad} is not allowed: shifts must be -12..=12 and not 0"
            ));
        }
        let mut seen = self.augment_shifts.clone();
        seen.sort_unstable();
        if seen.windows(2).any(|w| w[0] == w[1]) {
            return Err("augmentation shifts must not repeat".to_string());
        }
        Ok(())
    }

    /// A config augmenting the training split by every shift from `low` to `high` semitones
    /// except 0 (e.g. -5..=6 for all twelve keys).
    pub fn with_augmentation(mut self, low: i8, high: i8) -> Self {
        self.augment_shifts = (low..=high).filter(|&s| s != 0).collect();
        self
    }
}

/// Why one piece was left out.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PieceProblem {
    /// No pitched notes at all.
    #[error("no pitched notes (empty, or drums only)")]
    NoNotes,
    /// A resolution too coarse for 16th notes.
    #[error("{0} ticks per quarter note is too coarse for 16th-note steps")]
    ResolutionTooLow(u16),
    /// A note off the 16th grid under [`RhythmPolicy::AcceptedDurations`].
    #[error(
        "the note {pitch} at tick {tick} lies off the 16th-note grid (only pieces already on \
         the grid are kept)"
    )]
    OffGrid {
        /// The note's pitch.
        pitch: Pitch,
        /// Its onset.
        tick: Tick,
    },
    /// A melody note of a length outside [`ACCEPTED_DURATIONS`].
    #[error(
        "the melody note {pitch} at tick {tick} lasts {steps} sixteenths, not one of the \
         accepted durations (1, 2, 3, 4, 6, 8, 12, 16)"
    )]
    DurationNotAccepted {
        /// The note's pitch.
        pitch: Pitch,
        /// Its onset.
        tick: Tick,
        /// Its length in 16ths.
        steps: u64,
    },
    /// The token encoder refused the melody.
    #[error("{0}")]
    Tokens(#[from] TokenError),
    /// Whole-tune layout: the piece's metre is not one the models know.
    #[error("{0}")]
    Metre(#[from] UnknownMetre),
    /// Whole-tune layout: the piece changes metre.
    #[error("the metre changes within the piece ({first} to {then})")]
    MetreChanges {
        /// The first metre.
        first: String,
        /// A later one.
        then: String,
    },
}

/// One piece after preprocessing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreparedPiece {
    /// The key estimated from the notes, before transposition.
    pub estimated_key: Option<Key>,
    /// The key signature written in the source, if any.
    pub declared_key: Option<Key>,
    /// The transposition applied, in semitones.
    pub shift: i8,
    /// Pitched notes in the source piece.
    pub source_notes: usize,
    /// Melody notes moved by octaves into the piano range.
    pub folded_notes: usize,
    /// Token ids (vocabulary v1 ids, no markers; with [`Layout::Tunes`] from a bar line).
    pub tokens: Vec<u8>,
    /// The metre, with [`Layout::Tunes`] (`None` with [`Layout::Windows`]).
    pub metre: Option<Metre>,
}

/// Preprocesses one piece (see the module documentation).
pub fn prepare_piece(
    piece: &Piece,
    config: &PreprocessConfig,
) -> Result<PreparedPiece, PieceProblem> {
    let notes: Vec<Note> = piece.pitched_notes().copied().collect();
    if notes.is_empty() {
        return Err(PieceProblem::NoNotes);
    }
    let metre = match config.layout {
        Layout::Windows => None,
        Layout::Tunes => Some(single_metre(piece)?),
    };
    let tpq = piece.ticks_per_quarter;
    let grid = Grid::SIXTEENTH
        .ticks(tpq)
        .map_err(|_| PieceProblem::ResolutionTooLow(tpq))?;
    if config.rhythm == RhythmPolicy::AcceptedDurations
        && let Some(off) = notes
            .iter()
            .find(|n| !grid.is_on_grid(n.start) || !grid.is_on_grid(n.end()))
    {
        return Err(PieceProblem::OffGrid {
            pitch: off.pitch,
            tick: off.start,
        });
    }
    let mut melody =
        skyline(&notes, Grid::SIXTEENTH, tpq).map_err(|_| PieceProblem::ResolutionTooLow(tpq))?;
    if config.rhythm == RhythmPolicy::AcceptedDurations {
        for note in &melody {
            let steps = grid.nearest_index(note.end()) - grid.nearest_index(note.start);
            if !ACCEPTED_DURATIONS.iter().any(|&d| u64::from(d) == steps) {
                return Err(PieceProblem::DurationNotAccepted {
                    pitch: note.pitch,
                    tick: note.start,
                    steps,
                });
            }
        }
    }
    let estimated_key = estimate_key(&notes).map(|e| e.key);
    let declared_key = piece.declared_key();
    let key = match config.key {
        KeyPolicy::Estimate => estimated_key.or(declared_key),
        KeyPolicy::Declared => declared_key.or(estimated_key),
        KeyPolicy::Keep => None,
    };
    let shift = key.map_or(0, |k| k.shift_to_c_major_or_a_minor());
    let folded_notes = transpose_notes_within(
        &mut melody,
        shift,
        Pitch::PIANO_LOW..=Pitch::PIANO_HIGH,
        OutOfRange::FoldOctaves,
    );
    let encoded = tokens::encode_notes(&melody, tpq, EncodeOptions::default())?;
    let mut ids: Vec<u8> = encoded.iter().map(|t| t.index() as u8).collect();
    if config.layout == Layout::Tunes {
        // The first bar line on a multiple of the bar: the pickup's missing part as rests.
        let lead_in = lead_in_steps(piece) as usize;
        ids.splice(0..0, std::iter::repeat_n(REST_ID as u8, lead_in));
    }
    if config.trim_leading_silence {
        let bar = piece.initial_time_signature().sixteenths_per_bar().max(1) as usize;
        let rests = ids
            .iter()
            .take_while(|&&id| u32::from(id) == REST_ID)
            .count();
        ids.drain(..rests / bar * bar);
    }
    if ids.is_empty() {
        return Err(PieceProblem::NoNotes);
    }
    Ok(PreparedPiece {
        estimated_key,
        declared_key,
        shift: shift as i8,
        source_notes: notes.len(),
        folded_notes,
        tokens: ids,
        metre,
    })
}

/// The one metre of a piece, for [`Layout::Tunes`].
fn single_metre(piece: &Piece) -> Result<Metre, PieceProblem> {
    let first = piece.initial_time_signature();
    if let Some(change) = piece
        .time_signatures
        .iter()
        .find(|c| c.signature != first && c.tick < piece.end_tick())
    {
        return Err(PieceProblem::MetreChanges {
            first: first.to_string(),
            then: change.signature.to_string(),
        });
    }
    Ok(Metre::of(first)?)
}

/// The notes of a token sequence as (pitch id 0..88, length in steps), in order.
pub(crate) fn token_notes(ids: &[u8]) -> impl Iterator<Item = (u8, u32)> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < ids.len() {
            let id = ids[i];
            i += 1;
            if usize::from(id) < PITCH_TOKENS {
                let mut len = 1;
                while i < ids.len() && u32::from(ids[i]) == HOLD_ID {
                    len += 1;
                    i += 1;
                }
                return Some((id, len));
            }
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::{KeySignatureChange, Mode, PitchClass, Velocity};

    const S: Tick = 120; // a 16th at 480 ticks per quarter

    /// Notes from (pitch name, length in 16ths), one after another from `start` 16ths.
    fn line(start: u64, spec: &[(&str, u64)]) -> Vec<Note> {
        let mut t = start * S;
        spec.iter()
            .map(|&(name, len)| {
                let n = Note::new(name.parse().unwrap(), t, len * S, Velocity::DEFAULT).unwrap();
                t += len * S;
                n
            })
            .collect()
    }

    fn piece(notes: Vec<Note>) -> Piece {
        Piece::from_notes(480, "tune", notes).unwrap()
    }

    fn text(ids: &[u8]) -> String {
        let tokens: Vec<_> = ids
            .iter()
            .map(|&i| tokens::Token::from_id(u32::from(i)).unwrap())
            .collect();
        tokens::format_tokens(&tokens, tokens::PitchText::Names)
    }

    /// An E minor tune (leaning on E, G, B, with D# as leading tone) written under the major
    /// key signature of its tonic, E major, as the Essen ABC files do.
    fn e_minor_tune_under_e_major() -> Piece {
        let mut p = piece(line(
            0,
            &[
                ("E4", 4),
                ("G4", 2),
                ("F#4", 2),
                ("E4", 2),
                ("D#4", 2),
                ("E4", 4),
                ("B3", 4),
                ("C4", 2),
                ("B3", 2),
                ("A3", 2),
                ("G3", 2),
                ("F#3", 2),
                ("D#3", 2),
                ("E3", 8),
            ],
        ));
        p.key_signatures.push(KeySignatureChange {
            tick: 0,
            key: Key::new(PitchClass::new(4).unwrap(), Mode::Major),
        });
        p
    }

    #[test]
    fn a_minor_tune_under_a_major_signature_goes_to_a_minor() {
        let p = e_minor_tune_under_e_major();
        let prepared = prepare_piece(&p, &PreprocessConfig::default()).unwrap();
        assert_eq!(prepared.estimated_key, Some("E minor".parse().unwrap()));
        assert_eq!(prepared.declared_key, Some("E major".parse().unwrap()));
        // E minor -> A minor: E (4) to A (9) is +5 semitones.
        assert_eq!(prepared.shift, 5);
        assert_eq!(
            text(&prepared.tokens),
            "A4 _ _ _ C5 _ B4 _ A4 _ G#4 _ A4 _ _ _ E4 _ _ _ F4 _ E4 _ D4 _ C4 _ B3 _ G#3 _ \
             A3 _ _ _ _ _ _ _"
        );
        // Trusting the written E major would have moved the tune to C minor (-4 semitones):
        // its minor third G4 becomes D#4 (E-flat), not the C5 of A minor.
        let declared = PreprocessConfig {
            key: KeyPolicy::Declared,
            ..PreprocessConfig::default()
        };
        let wrong = prepare_piece(&p, &declared).unwrap();
        assert_eq!(wrong.shift, -4);
        assert_eq!(&text(&wrong.tokens)[..16], "C4 _ _ _ D#4 _ D");
    }

    #[test]
    fn a_major_tune_goes_to_c_major_and_keep_leaves_it() {
        // D major: D F# A F# G E C# D.
        let p = piece(line(
            0,
            &[
                ("D4", 2),
                ("F#4", 2),
                ("A4", 2),
                ("F#4", 2),
                ("G4", 2),
                ("E4", 2),
                ("C#4", 2),
                ("D4", 4),
            ],
        ));
        let prepared = prepare_piece(&p, &PreprocessConfig::default()).unwrap();
        assert_eq!(prepared.estimated_key, Some("D major".parse().unwrap()));
        assert_eq!(prepared.shift, -2);
        assert_eq!(
            text(&prepared.tokens),
            "C4 _ E4 _ G4 _ E4 _ F4 _ D4 _ B3 _ C4 _ _ _"
        );
        let keep = PreprocessConfig {
            key: KeyPolicy::Keep,
            ..PreprocessConfig::default()
        };
        let kept = prepare_piece(&p, &keep).unwrap();
        assert_eq!(kept.shift, 0);
        assert_eq!(&text(&kept.tokens)[..9], "D4 _ F#4 ");
    }

    #[test]
    fn polyphony_becomes_the_skyline_and_off_grid_notes_snap() {
        // A C major chord of a half note with a melody above: E5 a 16th late by 10 ticks.
        let mut notes = line(0, &[("C4", 8)]);
        notes.extend(line(0, &[("E4", 8)]));
        notes.extend(line(0, &[("G4", 8)]));
        let late = Note::new("E5".parse().unwrap(), 4 * S + 10, 2 * S, Velocity::DEFAULT).unwrap();
        notes.push(late);
        let keep = PreprocessConfig {
            key: KeyPolicy::Keep,
            ..PreprocessConfig::default()
        };
        let prepared = prepare_piece(&piece(notes), &keep).unwrap();
        assert_eq!(prepared.source_notes, 4);
        // G4 sounds for 4 steps, E5 for 2 (snapped to step 4), then G4 again for 2 steps.
        assert_eq!(text(&prepared.tokens), "G4 _ _ _ E5 _ G4 _");
    }

    #[test]
    fn accepted_durations_filter_keeps_only_the_papers_rhythms() {
        let filter = PreprocessConfig {
            rhythm: RhythmPolicy::AcceptedDurations,
            key: KeyPolicy::Keep,
            ..PreprocessConfig::default()
        };
        let fine = piece(line(0, &[("C4", 3), ("D4", 1), ("E4", 12), ("F4", 16)]));
        assert!(prepare_piece(&fine, &filter).is_ok());
        // Five 16ths is no accepted duration.
        let five = piece(line(0, &[("C4", 4), ("D4", 5)]));
        assert_eq!(
            prepare_piece(&five, &filter),
            Err(PieceProblem::DurationNotAccepted {
                pitch: "D4".parse().unwrap(),
                tick: 4 * S,
                steps: 5
            })
        );
        // ...but quantizing keeps it.
        assert!(prepare_piece(&five, &PreprocessConfig::default()).is_ok());
        // An eighth-note triplet (160 ticks) is off the grid.
        let triplet = piece(vec![
            Note::new("C4".parse().unwrap(), 0, 160, Velocity::DEFAULT).unwrap(),
            Note::new("D4".parse().unwrap(), 160, 160, Velocity::DEFAULT).unwrap(),
        ]);
        assert_eq!(
            prepare_piece(&triplet, &filter),
            Err(PieceProblem::OffGrid {
                pitch: "C4".parse().unwrap(),
                tick: 0
            })
        );
    }

    #[test]
    fn whole_bars_of_leading_silence_are_cut() {
        // 20 steps of silence in 4/4: one whole bar (16) is cut, 4 rests stay.
        let p = piece(line(20, &[("C4", 4), ("G4", 4)]));
        let keep = PreprocessConfig {
            key: KeyPolicy::Keep,
            ..PreprocessConfig::default()
        };
        assert_eq!(
            text(&prepare_piece(&p, &keep).unwrap().tokens),
            "r r r r C4 _ _ _ G4 _ _ _"
        );
        let untrimmed = PreprocessConfig {
            trim_leading_silence: false,
            ..keep
        };
        assert_eq!(prepare_piece(&p, &untrimmed).unwrap().tokens.len(), 28);
    }

    #[test]
    fn whole_tunes_start_on_a_bar_line_with_their_metre() {
        let tunes = PreprocessConfig {
            key: KeyPolicy::Keep,
            ..PreprocessConfig::tunes()
        };
        // A quarter-note pickup in 3/4: 8 rests of lead-in put the first bar line at step 12.
        let mut p = piece(line(0, &[("G4", 4), ("C5", 8), ("E5", 4)]));
        p.time_signatures = vec![crate::music::TimeSignatureChange {
            tick: 0,
            signature: crate::music::TimeSignature::new(3, 4).unwrap(),
        }];
        p.pickup = 480;
        let prepared = prepare_piece(&p, &tunes).unwrap();
        assert_eq!(
            prepared.metre.map(|m| m.to_string()).as_deref(),
            Some("3/4")
        );
        assert_eq!(
            text(&prepared.tokens),
            "r r r r r r r r G4 _ _ _ C5 _ _ _ _ _ _ _ E5 _ _ _"
        );
        // The v1 layout ignores the pickup and the metre.
        let windows = PreprocessConfig {
            key: KeyPolicy::Keep,
            ..PreprocessConfig::default()
        };
        let prepared = prepare_piece(&p, &windows).unwrap();
        assert_eq!(prepared.metre, None);
        assert_eq!(prepared.tokens.len(), 16);
        // Metres the models do not know, and metre changes, are refused with the reason.
        p.time_signatures[0].signature = crate::music::TimeSignature::new(7, 8).unwrap();
        let err = prepare_piece(&p, &tunes).unwrap_err().to_string();
        assert!(err.contains("7/8"), "{err}");
        p.time_signatures = vec![
            crate::music::TimeSignatureChange {
                tick: 0,
                signature: crate::music::TimeSignature::new(3, 4).unwrap(),
            },
            crate::music::TimeSignatureChange {
                tick: 960,
                signature: crate::music::TimeSignature::new(2, 4).unwrap(),
            },
        ];
        let err = prepare_piece(&p, &tunes).unwrap_err().to_string();
        assert!(err.contains("changes"), "{err}");
    }

    #[test]
    fn notes_leaving_the_piano_are_folded_by_octaves() {
        // The piano's top and bottom keys under a declared F# major: the shift to C major is
        // +6, which takes C8 off the piano.
        let p = piece(line(0, &[("C8", 4), ("A0", 4)]));
        let trust = PreprocessConfig {
            key: KeyPolicy::Declared,
            ..PreprocessConfig::default()
        };
        let mut declared = p;
        declared.key_signatures.push(KeySignatureChange {
            tick: 0,
            key: "F# major".parse().unwrap(),
        });
        let prepared = prepare_piece(&declared, &trust).unwrap();
        assert_eq!(prepared.shift, 6);
        // C8 + 6 = F#8 (114) -> folded down an octave to F#7 (102); A0 + 6 = D#1.
        assert_eq!(prepared.folded_notes, 1);
        assert_eq!(text(&prepared.tokens), "F#7 _ _ _ D#1 _ _ _");
    }

    #[test]
    fn empty_and_drum_only_pieces_are_refused() {
        assert_eq!(
            prepare_piece(&piece(vec![]), &PreprocessConfig::default()),
            Err(PieceProblem::NoNotes)
        );
        let mut drums = piece(line(0, &[("C2", 4)]));
        drums.parts[0].channel = crate::music::Channel::DRUMS;
        assert_eq!(
            prepare_piece(&drums, &PreprocessConfig::default()),
            Err(PieceProblem::NoNotes)
        );
    }

    #[test]
    fn token_notes_reads_lengths() {
        // C4 _ _ r D4 E4 _
        let ids = [
            39,
            HOLD_ID as u8,
            HOLD_ID as u8,
            REST_ID as u8,
            41,
            43,
            HOLD_ID as u8,
        ];
        assert_eq!(
            token_notes(&ids).collect::<Vec<_>>(),
            vec![(39, 3), (41, 1), (43, 2)]
        );
    }

    #[test]
    fn config_ranges_are_checked() {
        assert!(PreprocessConfig::default().validate().is_ok());
        let bad = |c: PreprocessConfig| c.validate().unwrap_err();
        let d = PreprocessConfig::default;
        assert!(bad(PreprocessConfig { stride: 0, ..d() }).contains("stride"));
        assert!(
            bad(PreprocessConfig {
                window_steps: 0,
                ..d()
            })
            .contains("window_steps")
        );
        assert!(
            bad(PreprocessConfig {
                validation_fraction: 1.0,
                ..d()
            })
            .contains("validation_fraction")
        );
        assert!(
            bad(PreprocessConfig {
                augment_shifts: vec![0],
                ..d()
            })
            .contains("shift 0")
        );
        assert!(
            bad(PreprocessConfig {
                augment_shifts: vec![2, 2],
                ..d()
            })
            .contains("repeat")
        );
        assert_eq!(
            d().with_augmentation(-2, 2).augment_shifts,
            vec![-2, -1, 1, 2]
        );
    }
}
