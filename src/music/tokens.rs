//! The token encoding of the source papers: one token per 16th-note step.
//!
//! # Vocabulary, version 1 ([`VOCAB_VERSION`])
//! | id | token | text |
//! |---|---|---|
//! | 0..=87 | the onset of pitch 21..=108 (A0..C8; id = MIDI number - 21) | `60` or `C4` |
//! | 88 | rest: no note sounds during this step | `r` (also `.`, `rest`) |
//! | 89 | hold: the previous note continues through this step | `_` |
//! | 90 | start-of-piece marker (takes no time) | `<start>` |
//! | 91 | end-of-piece marker (takes no time) | `<end>` |
//!
//! [`VOCAB_SIZE`] is 92. Checkpoints record [`VOCAB_VERSION`]: any change to the ids above
//! must bump it.
//!
//! # Version 2: whole tunes with their places
//! Version 2 keeps the ids above and adds the padding token [`PAD_ID`] (92; [`MODEL_VOCAB_SIZE`]
//! is 93). A model of version 2 reads a tune as one sequence
//! `<start> s0 s1 ... s(n-1) <end>`, laid out so that step `s0` lies on a bar line (a pickup
//! becomes rests before its first note; see [`super::metre`]), and beside every token the
//! *place* of the step it predicts: the token at index `j` (the `<start>` marker at 0, then
//! step `j - 1`) predicts step `j`, so it reads the place of step `j`
//! ([`super::metre::Metre::place_id`]: the metre, the position in the bar and the bar number).
//! Token and place travel together as one *code*, `token + MODEL_VOCAB_SIZE * place`
//! ([`step_code`]); sequences shorter than a batch's rows are filled with [`PAD_ID`], which no
//! loss counts. Version-1 models read bare token ids and no places (every place is 0, so a
//! code is its token) and stay usable.
//!
//! A code may also carry a *lookback* ([`step_code_with_lookback`], [`sequence_code`]): the
//! token of the step [`LOOKBACK_BARS`](super::metre::LOOKBACK_BARS) bars before the one
//! predicted, as in Magenta's Lookback RNN. Folk tunes repeat their phrases (the note that
//! starts a step four bars back is the same one a third of the time in the Erk set, against
//! an eighth of the time one bar back); a recurrent network cannot easily hold a phrase in its
//! state, but with the lookback it can learn to repeat or vary one. Models that do not read
//! the lookback ignore it. A code is `token + MODEL_VOCAB_SIZE * (place + PLACES * lookback)`.
//!
//! # Encoding
//! Step `k` covers the 16th-note grid line `k` from tick 0 (lines as in
//! [`GridTicks::line`] at the piece's resolution) up to line `k + 1`. A note from line `s` to
//! line `e` becomes its pitch token at step `s` and holds at steps `s + 1 .. e`; steps where
//! no note sounds are rests, from tick 0 on, and the sequence ends with the last note.
//! Velocities are not encoded: decoding gives every note one velocity.
//!
//! Encoding needs a monophonic melody whose note starts and ends lie on the 16th grid and
//! whose pitches are piano keys; anything else is a [`TokenError`] unless
//! [`Prepare::Skyline`] is asked for, which first snaps to the grid and keeps the skyline
//! (see [`super::melody`]). For such melodies, decoding at the same resolution and velocity
//! gives back exactly the notes encoded.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::melody::skyline;
use super::metre::{Metre, PLACES};
use super::transform::{Grid, GridTicks};
use super::{Note, Part, Piece, Pitch, Tick, Velocity, sort_notes};

/// The newest version of the vocabulary (see the module documentation); checkpoints and
/// weights files store the version they were trained with.
pub const VOCAB_VERSION: u32 = 2;
/// The oldest vocabulary version still read (version 1: bare token ids, no places).
pub const OLDEST_VOCAB_VERSION: u32 = 1;
/// The padding token of version 2: fills sequences up to a batch's length; never predicted,
/// never counted by a loss.
pub const PAD_ID: u32 = 92;
/// The output size of a version-2 model: the tokens and [`PAD_ID`].
pub const MODEL_VOCAB_SIZE: usize = 93;

/// The code of a token at a place, with no lookback (see the module documentation): what a
/// version-2 model reads at each index.
pub const fn step_code(token: u32, place: u32) -> u32 {
    token + MODEL_VOCAB_SIZE as u32 * place
}

/// How many lookback values a code can carry: 0 for none, `1 + t` for token `t` (the padding
/// token is never looked back to).
pub const LOOKBACKS: u32 = MODEL_VOCAB_SIZE as u32;

/// The code of a token at a place with its lookback: the token of the step
/// [`LOOKBACK_BARS`](super::metre::LOOKBACK_BARS) bars before the step it predicts (`None`
/// before the tune reaches that far back). Codes stay below `2^31`, so every backend's
/// integer tensors hold them.
pub const fn step_code_with_lookback(token: u32, place: u32, lookback: Option<u32>) -> u32 {
    let lookback = match lookback {
        Some(t) if t < PAD_ID => t + 1,
        Some(_) => PAD_ID,
        None => 0,
    };
    step_code(token, place + PLACES * lookback)
}

/// The code at index `j` of a version-2 sequence `<start> s0 s1 ...` in `metre`, its tokens
/// given by `token_at` (index -> token; `None` past what is known): the token at `j` with the
/// place of the step it predicts and its lookback. The one definition of a step's code: the
/// data windows, generation and the epoch samples all call it.
pub fn code_at(j: usize, metre: Metre, token_at: impl Fn(usize) -> Option<u32>) -> u32 {
    let token = token_at(j).unwrap_or(PAD_ID);
    let lookback = metre.lookback_index(j).and_then(&token_at);
    step_code_with_lookback(token, metre.place_id(j as u64), lookback)
}

/// [`code_at`] over a sequence held in a slice (which must hold index `j` and every index
/// before it).
pub fn sequence_code(sequence: &[u32], j: usize, metre: Metre) -> u32 {
    code_at(j, metre, |i| sequence.get(i).copied())
}

/// Splits a code into its token and place (its lookback aside: [`lookback_of`]).
pub const fn split_code(code: u32) -> (u32, u32) {
    (
        code % MODEL_VOCAB_SIZE as u32,
        (code / MODEL_VOCAB_SIZE as u32) % PLACES,
    )
}

/// The lookback of a code: 0 for none, `1 + t` for token `t` (see
/// [`step_code_with_lookback`]).
pub const fn lookback_of(code: u32) -> u32 {
    code / MODEL_VOCAB_SIZE as u32 / PLACES
}
/// How many distinct tokens there are (ids `0..VOCAB_SIZE`).
pub const VOCAB_SIZE: usize = 92;
/// How many pitch tokens there are: the 88 piano keys.
pub const PITCH_TOKENS: usize = 88;
/// The id of the rest token.
pub const REST_ID: u32 = 88;
/// The id of the hold token.
pub const HOLD_ID: u32 = 89;
/// The id of the start-of-piece marker.
pub const START_ID: u32 = 90;
/// The id of the end-of-piece marker.
pub const END_ID: u32 = 91;
/// The grid of one token step.
pub const STEP: Grid = Grid::SIXTEENTH;
/// The longest sequence encoded, in steps (about 29 hours at 120 BPM): a guard against
/// absurd note positions, not a musical limit.
pub const MAX_STEPS: u64 = 1 << 24;

const LOWEST: u8 = Pitch::PIANO_LOW.get();

/// What can go wrong with tokens.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TokenError {
    /// A token id outside the vocabulary.
    #[error("token id {id} is outside the token vocabulary (ids 0..={max})", max = VOCAB_SIZE - 1)]
    IdOutOfRange {
        /// The id given.
        id: u64,
    },
    /// A token id outside the vocabulary, in a sequence.
    #[error("token id {id} at index {index} is outside the token vocabulary (ids 0..={max})", max = VOCAB_SIZE - 1)]
    IdOutOfRangeAt {
        /// Where in the sequence (0-based).
        index: usize,
        /// The id given.
        id: u64,
    },
    /// A pitch with no token: not one of the 88 piano keys.
    #[error("{pitch} (MIDI {midi}) is not a piano key A0..=C8 (MIDI 21..=108), so it has no token", midi = .pitch.get())]
    NotAPianoKey {
        /// The pitch.
        pitch: Pitch,
    },
    /// A note whose pitch has no token.
    #[error("the note {pitch} (MIDI {midi}) at tick {tick} is outside the piano range A0..=C8 (MIDI 21..=108) that tokens cover; transpose it first", midi = .pitch.get())]
    NoteOutsidePiano {
        /// The pitch.
        pitch: Pitch,
        /// Its onset.
        tick: Tick,
    },
    /// A note start or end between 16th-note grid lines.
    #[error(
        "the note {pitch} at tick {start} {edge} at tick {tick}, off the 16th-note grid at {ticks_per_quarter} ticks per quarter note; quantize it or encode with Prepare::Skyline"
    )]
    OffGrid {
        /// The note's pitch.
        pitch: Pitch,
        /// The note's onset.
        start: Tick,
        /// "starts" or "ends".
        edge: &'static str,
        /// The off-grid tick.
        tick: Tick,
        /// The resolution.
        ticks_per_quarter: u16,
    },
    /// Two notes sounding at once.
    #[error(
        "the notes {first} (from tick {first_start}) and {second} (from tick {second_start}) overlap, but tokens hold one note at a time; extract the melody first (Prepare::Skyline)"
    )]
    Polyphonic {
        /// The earlier note's pitch.
        first: Pitch,
        /// The earlier note's onset.
        first_start: Tick,
        /// The later note's pitch.
        second: Pitch,
        /// The later note's onset.
        second_start: Tick,
    },
    /// A drum part, whose note numbers are instruments.
    #[error(
        "part {0:?} is a drum part: its note numbers name instruments, not pitches, so it has no melody tokens"
    )]
    DrumPart(String),
    /// A resolution too coarse for 16th-note steps.
    #[error("{0} ticks per quarter note is too coarse for 16th-note tokens (at least 4 needed)")]
    ResolutionTooLow(u16),
    /// A melody longer than [`MAX_STEPS`].
    #[error("the melody lasts {steps} 16th-note steps, more than the {max} that tokens allow", max = MAX_STEPS)]
    TooLong {
        /// Its length in steps.
        steps: u64,
    },
    /// A hold with no note before it.
    #[error(
        "token {index} is a hold (_) but no note sounds before it (it follows a rest or opens the sequence)"
    )]
    HoldWithoutNote {
        /// Where in the sequence (0-based).
        index: usize,
    },
    /// A start marker after the first token or an end marker before the last.
    #[error(
        "token {index} is the {marker} marker inside the sequence; markers may only open (<start>) and close (<end>) it"
    )]
    MarkerInside {
        /// Where in the sequence (0-based).
        index: usize,
        /// `<start>` or `<end>`.
        marker: &'static str,
    },
    /// Text that is no token.
    #[error(
        "token {number} at column {column}, {text:?}, is not a token: expected a piano pitch (21..=108 or A0..C8), _ (hold), r, . or rest (rest), <start> or <end>"
    )]
    BadText {
        /// Which token of the text (1-based).
        number: usize,
        /// Which character of the text it starts at (1-based).
        column: usize,
        /// The text of the token.
        text: String,
    },
    /// Text naming a pitch outside the piano.
    #[error(
        "token {number} at column {column}, {text:?}, is MIDI pitch {midi}, outside the piano range 21..=108 (A0..C8) that tokens cover"
    )]
    TextOutsidePiano {
        /// Which token of the text (1-based).
        number: usize,
        /// Which character of the text it starts at (1-based).
        column: usize,
        /// The text of the token.
        text: String,
        /// The MIDI number it names.
        midi: i64,
    },
}

/// One token of vocabulary version 1 (see the module documentation); holds its id, so it is
/// always in range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Token(u8);

/// What a token means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A note of this pitch (a piano key) starts.
    Note(Pitch),
    /// Silence for one step.
    Rest,
    /// The previous note continues for one step.
    Hold,
    /// The start of a piece.
    Start,
    /// The end of a piece.
    End,
}

/// How the text form writes pitches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PitchText {
    /// MIDI numbers: `60`.
    #[default]
    Midi,
    /// Scientific pitch names with sharps: `C4`, `F#4`.
    Names,
}

impl Token {
    /// The rest token.
    pub const REST: Token = Token(REST_ID as u8);
    /// The hold token.
    pub const HOLD: Token = Token(HOLD_ID as u8);
    /// The start-of-piece marker.
    pub const START: Token = Token(START_ID as u8);
    /// The end-of-piece marker.
    pub const END: Token = Token(END_ID as u8);

    /// The token with this id, refusing ids of `VOCAB_SIZE` and above.
    pub fn from_id(id: u32) -> Result<Token, TokenError> {
        u8::try_from(id)
            .ok()
            .filter(|&id| usize::from(id) < VOCAB_SIZE)
            .map(Token)
            .ok_or(TokenError::IdOutOfRange { id: u64::from(id) })
    }

    /// The onset token of a piano key, refusing pitches outside 21..=108.
    pub fn note(pitch: Pitch) -> Result<Token, TokenError> {
        if pitch.is_piano_key() {
            Ok(Token(pitch.get() - LOWEST))
        } else {
            Err(TokenError::NotAPianoKey { pitch })
        }
    }

    /// The id, `0..VOCAB_SIZE`.
    pub const fn id(self) -> u32 {
        self.0 as u32
    }

    /// The id as an index (e.g. into a model's output), `0..VOCAB_SIZE`.
    pub const fn index(self) -> usize {
        self.0 as usize
    }

    /// What the token means.
    pub fn kind(self) -> TokenKind {
        match u32::from(self.0) {
            REST_ID => TokenKind::Rest,
            HOLD_ID => TokenKind::Hold,
            START_ID => TokenKind::Start,
            END_ID => TokenKind::End,
            // Ids below 88 are pitch tokens by construction.
            _ => Pitch::new(self.0 + LOWEST).map_or(TokenKind::Rest, TokenKind::Note),
        }
    }

    /// The pitch of a note token.
    pub fn pitch(self) -> Option<Pitch> {
        match self.kind() {
            TokenKind::Note(pitch) => Some(pitch),
            _ => None,
        }
    }

    /// Whether this is a start or end marker (which take no time).
    pub fn is_marker(self) -> bool {
        matches!(self.kind(), TokenKind::Start | TokenKind::End)
    }

    /// The token's text with pitches written in the given style.
    pub fn text(self, style: PitchText) -> String {
        match self.kind() {
            TokenKind::Note(pitch) => match style {
                PitchText::Midi => pitch.get().to_string(),
                PitchText::Names => pitch.to_string(),
            },
            TokenKind::Rest => "r".to_string(),
            TokenKind::Hold => "_".to_string(),
            TokenKind::Start => "<start>".to_string(),
            TokenKind::End => "<end>".to_string(),
        }
    }
}

impl TryFrom<u32> for Token {
    type Error = TokenError;
    fn try_from(id: u32) -> Result<Self, Self::Error> {
        Token::from_id(id)
    }
}

impl TryFrom<usize> for Token {
    type Error = TokenError;
    fn try_from(id: usize) -> Result<Self, Self::Error> {
        u32::try_from(id)
            .map_err(|_| TokenError::IdOutOfRange {
                id: u64::try_from(id).unwrap_or(u64::MAX),
            })
            .and_then(Token::from_id)
    }
}

impl From<Token> for u32 {
    fn from(token: Token) -> u32 {
        token.id()
    }
}

impl From<Token> for usize {
    fn from(token: Token) -> usize {
        token.index()
    }
}

impl fmt::Display for Token {
    /// The text form with MIDI numbers: `60`, `_`, `r`, `<start>`, `<end>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text(PitchText::Midi))
    }
}

impl FromStr for Token {
    type Err = TokenError;
    /// Parses one token of the text form (see [`parse_tokens`]).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_word(s.trim(), 1, 1)
    }
}

/// The ids of tokens, for a model's input.
pub fn to_ids(tokens: &[Token]) -> Vec<u32> {
    tokens.iter().map(|t| t.id()).collect()
}

/// Tokens from ids, refusing the first id outside the vocabulary (naming its index).
pub fn from_ids(ids: &[u32]) -> Result<Vec<Token>, TokenError> {
    ids.iter()
        .enumerate()
        .map(|(index, &id)| {
            Token::from_id(id).map_err(|_| TokenError::IdOutOfRangeAt {
                index,
                id: u64::from(id),
            })
        })
        .collect()
}

/// How encoding treats input that is not already an on-grid monophonic melody.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Prepare {
    /// Refuse it: off-grid and overlapping notes are errors.
    #[default]
    Strict,
    /// Snap to the 16th grid and keep the skyline melody first
    /// (see [`super::melody::skyline`]); then only pitches outside the piano are errors.
    Skyline,
}

/// Options for encoding.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct EncodeOptions {
    /// Put `<start>` before and `<end>` after the steps.
    pub markers: bool,
    /// Refuse or prepare input that is not an on-grid monophonic melody.
    pub prepare: Prepare,
}

impl EncodeOptions {
    /// These options with the piece-boundary markers on.
    pub fn with_markers(self) -> Self {
        EncodeOptions {
            markers: true,
            ..self
        }
    }
}

fn step_grid(ticks_per_quarter: u16) -> Result<GridTicks, TokenError> {
    STEP.ticks(ticks_per_quarter)
        .map_err(|_| TokenError::ResolutionTooLow(ticks_per_quarter))
}

/// Encodes notes at a resolution (see the module documentation for the rule and what is
/// refused). Notes may come in any order.
pub fn encode_notes(
    notes: &[Note],
    ticks_per_quarter: u16,
    options: EncodeOptions,
) -> Result<Vec<Token>, TokenError> {
    let grid = step_grid(ticks_per_quarter)?;
    let mut melody = match options.prepare {
        Prepare::Strict => notes.to_vec(),
        Prepare::Skyline => skyline(notes, STEP, ticks_per_quarter)
            .map_err(|_| TokenError::ResolutionTooLow(ticks_per_quarter))?,
    };
    sort_notes(&mut melody);
    let mut steps = Vec::with_capacity(melody.len());
    let mut previous: Option<Note> = None;
    for note in &melody {
        let (start, end) = check_note(note, &grid, ticks_per_quarter)?;
        if let Some(prev) = previous.filter(|p| note.start < p.end()) {
            return Err(TokenError::Polyphonic {
                first: prev.pitch,
                first_start: prev.start,
                second: note.pitch,
                second_start: note.start,
            });
        }
        if end > MAX_STEPS {
            return Err(TokenError::TooLong { steps: end });
        }
        steps.push((Token::note(note.pitch)?, start, end));
        previous = Some(*note);
    }
    let total = steps.last().map_or(0, |&(_, _, end)| end);
    let mut tokens = Vec::with_capacity(usize::try_from(total).unwrap_or(0) + 2);
    if options.markers {
        tokens.push(Token::START);
    }
    let mut step = 0;
    for (token, start, end) in steps {
        tokens.extend((step..start).map(|_| Token::REST));
        tokens.push(token);
        tokens.extend((start + 1..end).map(|_| Token::HOLD));
        step = end;
    }
    if options.markers {
        tokens.push(Token::END);
    }
    Ok(tokens)
}

/// Checks one note's pitch and grid position; returns its start and end steps.
fn check_note(
    note: &Note,
    grid: &GridTicks,
    ticks_per_quarter: u16,
) -> Result<(u64, u64), TokenError> {
    if !note.pitch.is_piano_key() {
        return Err(TokenError::NoteOutsidePiano {
            pitch: note.pitch,
            tick: note.start,
        });
    }
    let off_grid = |edge, tick| TokenError::OffGrid {
        pitch: note.pitch,
        start: note.start,
        edge,
        tick,
        ticks_per_quarter,
    };
    let start = grid
        .index_of(note.start)
        .ok_or_else(|| off_grid("starts", note.start))?;
    let end = grid
        .index_of(note.end())
        .ok_or_else(|| off_grid("ends", note.end()))?;
    Ok((start, end))
}

/// Encodes a part's notes (see [`encode_notes`]); a drum part is refused.
pub fn encode_part(
    part: &Part,
    ticks_per_quarter: u16,
    options: EncodeOptions,
) -> Result<Vec<Token>, TokenError> {
    if part.is_drums() {
        return Err(TokenError::DrumPart(part.name.clone()));
    }
    encode_notes(&part.notes, ticks_per_quarter, options)
}

/// Encodes a piece's pitched notes, all parts together (drums ignored), at its resolution.
pub fn encode_piece(piece: &Piece, options: EncodeOptions) -> Result<Vec<Token>, TokenError> {
    let notes: Vec<Note> = piece.pitched_notes().copied().collect();
    encode_notes(&notes, piece.ticks_per_quarter, options)
}

/// Decodes tokens into notes at a resolution, all at one velocity, strictly: a `<start>`
/// marker may only come first and an `<end>` marker only last, and a hold must follow a
/// note or a hold. The notes come sorted.
pub fn decode_notes(
    tokens: &[Token],
    ticks_per_quarter: u16,
    velocity: Velocity,
) -> Result<Vec<Note>, TokenError> {
    decode(tokens, ticks_per_quarter, velocity, true)
}

/// Decodes tokens leniently, for model output: `<start>` markers are skipped wherever they
/// are, the first `<end>` marker ends the melody, and a hold with no note before it counts as
/// a rest. Fails only for a resolution too coarse for 16ths.
pub fn decode_notes_lenient(
    tokens: &[Token],
    ticks_per_quarter: u16,
    velocity: Velocity,
) -> Result<Vec<Note>, TokenError> {
    decode(tokens, ticks_per_quarter, velocity, false)
}

fn decode(
    tokens: &[Token],
    ticks_per_quarter: u16,
    velocity: Velocity,
    strict: bool,
) -> Result<Vec<Note>, TokenError> {
    let grid = step_grid(ticks_per_quarter)?;
    let mut notes = Vec::new();
    let mut sounding: Option<(Pitch, u64)> = None;
    let mut step: u64 = 0;
    let close = |sounding: &mut Option<(Pitch, u64)>, notes: &mut Vec<Note>, step: u64| {
        if let Some((pitch, from)) = sounding.take() {
            let start = grid.line(from);
            if let Ok(note) = Note::new(pitch, start, grid.line(step) - start, velocity) {
                notes.push(note);
            }
        }
    };
    for (index, token) in tokens.iter().enumerate() {
        match token.kind() {
            TokenKind::Start => {
                if strict && index != 0 {
                    return Err(TokenError::MarkerInside {
                        index,
                        marker: "<start>",
                    });
                }
            }
            TokenKind::End => {
                if strict && index + 1 != tokens.len() {
                    return Err(TokenError::MarkerInside {
                        index,
                        marker: "<end>",
                    });
                }
                break;
            }
            TokenKind::Note(pitch) => {
                close(&mut sounding, &mut notes, step);
                sounding = Some((pitch, step));
                step += 1;
            }
            TokenKind::Rest => {
                close(&mut sounding, &mut notes, step);
                step += 1;
            }
            TokenKind::Hold => {
                if strict && sounding.is_none() {
                    return Err(TokenError::HoldWithoutNote { index });
                }
                step += 1;
            }
        }
    }
    close(&mut sounding, &mut notes, step);
    Ok(notes)
}

/// Decodes tokens strictly (see [`decode_notes`]) into a part named "Melody" (piano,
/// channel 1).
pub fn decode_part(
    tokens: &[Token],
    ticks_per_quarter: u16,
    velocity: Velocity,
) -> Result<Part, TokenError> {
    Ok(Part {
        notes: decode_notes(tokens, ticks_per_quarter, velocity)?,
        ..Part::new("Melody")
    })
}

/// Decodes tokens strictly (see [`decode_notes`]) into a one-part piece at a resolution,
/// 120 BPM, 4/4.
pub fn decode_piece(
    tokens: &[Token],
    ticks_per_quarter: u16,
    velocity: Velocity,
) -> Result<Piece, TokenError> {
    let part = decode_part(tokens, ticks_per_quarter, velocity)?;
    let mut piece = Piece::new(ticks_per_quarter)
        .map_err(|_| TokenError::ResolutionTooLow(ticks_per_quarter))?;
    piece.parts.push(part);
    Ok(piece)
}

/// The text form of tokens, separated by single spaces: e.g. `67 _ 67 _ 65 64 _ r`, or with
/// [`PitchText::Names`], `G4 _ G4 _ F4 E4 _ r`.
pub fn format_tokens(tokens: &[Token], style: PitchText) -> String {
    tokens
        .iter()
        .map(|t| t.text(style))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Parses the text form: tokens separated by white space or commas. Each token is a pitch
/// (a MIDI number 21..=108 or a name A0..C8 such as `G4`, `F#3`, `Bb5`), `_` (hold), `r`,
/// `.` or `rest` (rest, any case), `<start>` or `<end>` (any case). Bad text is an error
/// naming the token, its number and its column.
pub fn parse_tokens(text: &str) -> Result<Vec<Token>, TokenError> {
    let mut tokens = Vec::new();
    let mut word_start: Option<(usize, usize)> = None; // (byte offset, 1-based column)
    let mut column = 0;
    for (offset, c) in text.char_indices().chain([(text.len(), ' ')]) {
        column += 1;
        let separator = c.is_whitespace() || c == ',';
        match (word_start, separator) {
            (None, false) => word_start = Some((offset, column)),
            (Some((from, word_column)), true) => {
                tokens.push(parse_word(
                    &text[from..offset],
                    tokens.len() + 1,
                    word_column,
                )?);
                word_start = None;
            }
            _ => {}
        }
    }
    Ok(tokens)
}

fn parse_word(word: &str, number: usize, column: usize) -> Result<Token, TokenError> {
    let lower = word.to_ascii_lowercase();
    match lower.as_str() {
        "_" => return Ok(Token::HOLD),
        "r" | "." | "rest" => return Ok(Token::REST),
        "<start>" => return Ok(Token::START),
        "<end>" => return Ok(Token::END),
        _ => {}
    }
    let outside = |midi: i64| TokenError::TextOutsidePiano {
        number,
        column,
        text: word.to_string(),
        midi,
    };
    if let Ok(midi) = word.parse::<i64>() {
        return u8::try_from(midi)
            .ok()
            .and_then(|m| Pitch::new(m).ok())
            .and_then(|p| Token::note(p).ok())
            .ok_or_else(|| outside(midi));
    }
    match word.parse::<Pitch>() {
        Ok(pitch) => Token::note(pitch).map_err(|_| outside(i64::from(pitch.get()))),
        Err(_) => Err(TokenError::BadText {
            number,
            column,
            text: word.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::Channel;
    use proptest::prelude::*;

    const S: Tick = 120; // a 16th at 480 ticks per quarter

    fn note(pitch: u8, start: Tick, end: Tick) -> Note {
        Note::new(
            Pitch::new(pitch).unwrap(),
            start,
            end - start,
            Velocity::DEFAULT,
        )
        .unwrap()
    }

    fn text(tokens: &[Token]) -> String {
        format_tokens(tokens, PitchText::Midi)
    }

    fn encode(notes: &[Note]) -> Result<Vec<Token>, TokenError> {
        encode_notes(notes, 480, EncodeOptions::default())
    }

    #[test]
    fn a_code_carries_its_lookback_four_bars_back_and_stays_below_2_pow_31() {
        use crate::music::metre::{LOOKBACK_BARS, Metre, PLACES};
        let metre = Metre::of(crate::music::TimeSignature::new(3, 4).unwrap()).unwrap();
        let back = (LOOKBACK_BARS * metre.steps_per_bar()) as usize; // 48 steps
        // <start>, then steps 0, 1, ... with distinct pitches so the lookback is traceable.
        let sequence: Vec<u32> = std::iter::once(START_ID)
            .chain((0..back as u32 + 5).map(|k| k % 80))
            .collect();
        for j in 0..sequence.len() {
            let code = sequence_code(&sequence, j, metre);
            assert_eq!(split_code(code), (sequence[j], metre.place_id(j as u64)));
            // Index j predicts step j; four bars before it is step j - 48, at index j - 47.
            let expected = j.checked_sub(back).map_or(0, |i| sequence[i + 1] + 1);
            assert_eq!(lookback_of(code), expected, "index {j}");
        }
        assert_eq!(lookback_of(step_code(HOLD_ID, 7)), 0);
        let largest = step_code_with_lookback(PAD_ID, PLACES - 1, Some(END_ID));
        assert!(largest < 1 << 31, "{largest}");
        assert_eq!(split_code(largest), (PAD_ID, PLACES - 1));
        assert_eq!(lookback_of(largest), END_ID + 1);
        const { assert!(LOOKBACKS > END_ID + 1) };
    }

    #[test]
    fn the_vocabulary_is_version_2_with_92_tokens_and_padding() {
        assert_eq!(VOCAB_VERSION, 2);
        assert_eq!(OLDEST_VOCAB_VERSION, 1);
        assert_eq!(VOCAB_SIZE, 92);
        assert_eq!(PAD_ID, 92);
        assert_eq!(MODEL_VOCAB_SIZE, 93);
        // A code packs a token and a place; the padding token is no melody token.
        assert_eq!(split_code(step_code(HOLD_ID, 1234)), (HOLD_ID, 1234));
        assert_eq!(step_code(END_ID, 0), END_ID);
        assert!(Token::from_id(PAD_ID).is_err());
        assert_eq!(Token::note(Pitch::PIANO_LOW).unwrap().id(), 0);
        assert_eq!(Token::note(Pitch::new(60).unwrap()).unwrap().id(), 39);
        assert_eq!(Token::note(Pitch::PIANO_HIGH).unwrap().id(), 87);
        assert_eq!(Token::REST.id(), 88);
        assert_eq!(Token::HOLD.id(), 89);
        assert_eq!(Token::START.id(), 90);
        assert_eq!(Token::END.id(), 91);
        for id in 0..VOCAB_SIZE as u32 {
            let token = Token::from_id(id).unwrap();
            assert_eq!(token.id(), id);
            assert_eq!(token.pitch().is_some(), id < 88);
            assert_eq!(token.is_marker(), id >= 90);
        }
        assert_eq!(Token::from_id(39).unwrap().pitch().unwrap().get(), 60);
    }

    #[test]
    fn ids_outside_the_vocabulary_are_refused() {
        assert_eq!(Token::from_id(92), Err(TokenError::IdOutOfRange { id: 92 }));
        assert!(Token::try_from(300u32).is_err());
        assert!(Token::try_from(usize::MAX).is_err());
        assert_eq!(Token::try_from(91usize).unwrap(), Token::END);
        assert_eq!(usize::from(Token::HOLD), 89);
        assert_eq!(
            from_ids(&[39, 89, 1000]),
            Err(TokenError::IdOutOfRangeAt { index: 2, id: 1000 })
        );
        assert_eq!(to_ids(&from_ids(&[39, 89, 88]).unwrap()), vec![39, 89, 88]);
        assert!(Token::note(Pitch::new(20).unwrap()).is_err());
        assert!(Token::note(Pitch::new(109).unwrap()).is_err());
        assert!(serde_json::from_str::<Token>("92").is_err());
        assert_eq!(serde_json::to_string(&Token::REST).unwrap(), "88");
        assert!(
            TokenError::IdOutOfRange { id: 92 }
                .to_string()
                .contains("outside the token vocabulary (ids 0..=91)")
        );
    }

    #[test]
    fn a_melody_encodes_step_by_step() {
        // G4 for two 16ths, G4 again for two, F4 one, E4 two, then a rest, then D4 one.
        let notes = [
            note(67, 0, 2 * S),
            note(67, 2 * S, 4 * S),
            note(65, 4 * S, 5 * S),
            note(64, 5 * S, 7 * S),
            note(62, 8 * S, 9 * S),
        ];
        let tokens = encode(&notes).unwrap();
        assert_eq!(text(&tokens), "67 _ 67 _ 65 64 _ r 62");
        assert_eq!(
            format_tokens(&tokens, PitchText::Names),
            "G4 _ G4 _ F4 E4 _ r D4"
        );
        assert_eq!(
            decode_notes(&tokens, 480, Velocity::DEFAULT).unwrap(),
            notes
        );
    }

    #[test]
    fn leading_rests_and_markers() {
        let notes = [note(60, 2 * S, 3 * S)];
        let plain = encode(&notes).unwrap();
        assert_eq!(text(&plain), "r r 60");
        let marked = encode_notes(&notes, 480, EncodeOptions::default().with_markers()).unwrap();
        assert_eq!(text(&marked), "<start> r r 60 <end>");
        assert_eq!(
            decode_notes(&marked, 480, Velocity::DEFAULT).unwrap(),
            notes
        );
        assert!(encode(&[]).unwrap().is_empty());
        assert_eq!(
            text(&encode_notes(&[], 480, EncodeOptions::default().with_markers()).unwrap()),
            "<start> <end>"
        );
    }

    #[test]
    fn decoding_at_another_resolution_scales_the_steps() {
        let tokens = parse_tokens("60 _ r 62").unwrap();
        let notes = decode_notes(&tokens, 96, Velocity::new(100).unwrap()).unwrap();
        assert_eq!(
            notes,
            vec![
                Note::new(Pitch::new(60).unwrap(), 0, 48, Velocity::new(100).unwrap()).unwrap(),
                Note::new(Pitch::new(62).unwrap(), 72, 24, Velocity::new(100).unwrap()).unwrap(),
            ]
        );
        // 6 ticks per quarter: 16ths at 1.5 ticks, lines at 0, 2 (1.5 rounded up), 3, 5, 6.
        let notes =
            decode_notes(&parse_tokens("60 61 62 63").unwrap(), 6, Velocity::DEFAULT).unwrap();
        let spans: Vec<(Tick, Tick)> = notes.iter().map(|n| (n.start, n.end())).collect();
        assert_eq!(spans, vec![(0, 2), (2, 3), (3, 5), (5, 6)]);
        assert_eq!(
            encode_notes(&notes, 6, EncodeOptions::default()).unwrap(),
            parse_tokens("60 61 62 63").unwrap()
        );
        assert_eq!(
            decode_notes(&tokens, 3, Velocity::DEFAULT),
            Err(TokenError::ResolutionTooLow(3))
        );
    }

    #[test]
    fn off_grid_input_is_refused_with_the_note_named() {
        let err = encode(&[note(60, 0, S), note(62, S + 5, 2 * S)]).unwrap_err();
        assert_eq!(
            err,
            TokenError::OffGrid {
                pitch: Pitch::new(62).unwrap(),
                start: S + 5,
                edge: "starts",
                tick: S + 5,
                ticks_per_quarter: 480
            }
        );
        assert!(
            err.to_string()
                .contains("D4 at tick 125 starts at tick 125")
        );
        let err = encode(&[note(60, 0, S + 1)]).unwrap_err();
        assert!(matches!(
            err,
            TokenError::OffGrid {
                edge: "ends",
                tick: 121,
                ..
            }
        ));
    }

    #[test]
    fn polyphonic_input_is_refused_unless_the_skyline_is_asked_for() {
        let chord = [
            note(60, 0, 4 * S),
            note(64, 0, 2 * S),
            note(67, 2 * S, 3 * S),
        ];
        assert_eq!(
            encode(&chord),
            Err(TokenError::Polyphonic {
                first: Pitch::new(60).unwrap(),
                first_start: 0,
                second: Pitch::new(64).unwrap(),
                second_start: 0,
            })
        );
        let options = EncodeOptions {
            prepare: Prepare::Skyline,
            ..EncodeOptions::default()
        };
        assert_eq!(
            text(&encode_notes(&chord, 480, options).unwrap()),
            "64 _ 67 60"
        );
        // Skyline also snaps off-grid notes.
        let sloppy = [note(60, 3, S - 2), note(62, S + 4, 2 * S + 1)];
        assert_eq!(text(&encode_notes(&sloppy, 480, options).unwrap()), "60 62");
    }

    #[test]
    fn a_note_held_across_a_later_onset_is_polyphony() {
        let notes = [
            note(60, 0, 4 * S),
            note(62, S, 2 * S),
            note(64, 3 * S, 4 * S),
        ];
        assert!(matches!(encode(&notes), Err(TokenError::Polyphonic { .. })));
    }

    #[test]
    fn pitches_outside_the_piano_are_refused() {
        let err = encode(&[note(60, 0, S), note(110, S, 2 * S)]).unwrap_err();
        assert_eq!(
            err,
            TokenError::NoteOutsidePiano {
                pitch: Pitch::new(110).unwrap(),
                tick: S
            }
        );
        assert!(err.to_string().contains("D8 (MIDI 110) at tick 120"));
        assert!(encode(&[note(20, 0, S)]).is_err());
        assert!(encode(&[note(21, 0, S), note(108, S, 2 * S)]).is_ok());
    }

    #[test]
    fn pieces_ignore_drums_and_drum_parts_are_refused() {
        let mut piece = Piece::from_notes(480, "tune", vec![note(60, 0, S)]).unwrap();
        piece.parts.push(Part {
            channel: Channel::DRUMS,
            notes: vec![note(36, 0, 4 * S)],
            ..Part::new("kit")
        });
        assert_eq!(
            text(&encode_piece(&piece, EncodeOptions::default()).unwrap()),
            "60"
        );
        assert_eq!(
            encode_part(&piece.parts[1], 480, EncodeOptions::default()),
            Err(TokenError::DrumPart("kit".to_string()))
        );
        let decoded = decode_piece(&parse_tokens("60").unwrap(), 480, Velocity::DEFAULT).unwrap();
        assert_eq!(decoded.parts.len(), 1);
        assert_eq!(decoded.parts[0].notes, vec![note(60, 0, S)]);
    }

    #[test]
    fn strict_decoding_refuses_stray_holds_and_markers() {
        let p = |s: &str| parse_tokens(s).unwrap();
        let v = Velocity::DEFAULT;
        assert_eq!(
            decode_notes(&p("_ 60"), 480, v),
            Err(TokenError::HoldWithoutNote { index: 0 })
        );
        assert_eq!(
            decode_notes(&p("60 r _"), 480, v),
            Err(TokenError::HoldWithoutNote { index: 2 })
        );
        assert_eq!(
            decode_notes(&p("60 <start> 62"), 480, v),
            Err(TokenError::MarkerInside {
                index: 1,
                marker: "<start>"
            })
        );
        assert_eq!(
            decode_notes(&p("60 <end> 62"), 480, v),
            Err(TokenError::MarkerInside {
                index: 1,
                marker: "<end>"
            })
        );
        // Leniently: the stray hold is a rest, the start marker is skipped, <end> stops.
        let notes = decode_notes_lenient(&p("_ 60 <start> _ r _ 62 <end> 64"), 480, v).unwrap();
        assert_eq!(notes, vec![note(60, S, 3 * S), note(62, 5 * S, 6 * S)]);
    }

    #[test]
    fn text_parses_numbers_names_and_symbols() {
        let tokens = parse_tokens("  67 _ G4,_ f4 e4 _ r . REST <start> <END> 21 C8 Bb3").unwrap();
        assert_eq!(
            text(&tokens),
            "67 _ 67 _ 65 64 _ r r r <start> <end> 21 108 58"
        );
        assert_eq!("60".parse::<Token>().unwrap().pitch().unwrap().get(), 60);
        assert!(parse_tokens("").unwrap().is_empty());
    }

    #[test]
    fn bad_text_names_the_token_and_its_place() {
        assert_eq!(
            parse_tokens("67 _ H4 _"),
            Err(TokenError::BadText {
                number: 3,
                column: 6,
                text: "H4".to_string()
            })
        );
        let err = parse_tokens("60  ♯ 61").unwrap_err();
        assert_eq!(
            err,
            TokenError::BadText {
                number: 2,
                column: 5,
                text: "♯".to_string()
            }
        );
        assert!(err.to_string().contains("token 2 at column 5, \"♯\""));
        assert_eq!(
            parse_tokens("60 109"),
            Err(TokenError::TextOutsidePiano {
                number: 2,
                column: 4,
                text: "109".to_string(),
                midi: 109
            })
        );
        assert!(matches!(
            parse_tokens("C-1"),
            Err(TokenError::TextOutsidePiano { midi: 0, .. })
        ));
        assert!(matches!(
            parse_tokens("-3"),
            Err(TokenError::TextOutsidePiano { midi: -3, .. })
        ));
        assert!(matches!(
            parse_tokens("60 __"),
            Err(TokenError::BadText { number: 2, .. })
        ));
    }

    /// A random on-grid monophonic melody of piano pitches: (rest steps, length steps, pitch).
    fn arb_melody() -> impl Strategy<Value = Vec<(u64, u64, u8)>> {
        prop::collection::vec((0u64..4, 1u64..9, 21u8..=108), 0..40)
    }

    fn build(melody: &[(u64, u64, u8)], grid: &GridTicks) -> Vec<Note> {
        let mut step = 0;
        let mut notes = Vec::new();
        for &(rest, len, pitch) in melody {
            step += rest;
            let start = grid.line(step);
            notes.push(note(pitch, start, grid.line(step + len)));
            step += len;
        }
        notes
    }

    fn arb_tokens() -> impl Strategy<Value = Vec<Token>> {
        // Valid strict sequences: a hold only after a note or a hold.
        prop::collection::vec(0u32..90, 0..80).prop_map(|ids| {
            let mut tokens: Vec<Token> = Vec::new();
            for id in ids {
                let mut token = Token::from_id(id).unwrap();
                let after_note = tokens.last().is_some_and(|t| *t != Token::REST);
                if token == Token::HOLD && !after_note {
                    token = Token::REST;
                }
                tokens.push(token);
            }
            // Trailing rests are not encoded (the melody ends with its last note).
            while tokens.last() == Some(&Token::REST) {
                tokens.pop();
            }
            tokens
        })
    }

    proptest! {
        #[test]
        fn notes_round_trip_through_tokens(
            melody in arb_melody(),
            tpq in prop::sample::select(vec![4u16, 6, 24, 96, 100, 120, 384, 480, 960, 1001]),
            markers in any::<bool>(),
            skyline in any::<bool>(),
        ) {
            let grid = STEP.ticks(tpq).unwrap();
            let notes = build(&melody, &grid);
            let options = EncodeOptions {
                markers,
                prepare: if skyline { Prepare::Skyline } else { Prepare::Strict },
            };
            let tokens = encode_notes(&notes, tpq, options).unwrap();
            let steps: u64 = melody.iter().map(|(r, l, _)| r + l).sum();
            prop_assert_eq!(tokens.len() as u64, steps + if markers { 2 } else { 0 });
            prop_assert_eq!(decode_notes(&tokens, tpq, Velocity::DEFAULT).unwrap(), notes);
            let text = format_tokens(&tokens, PitchText::Names);
            prop_assert_eq!(parse_tokens(&text).unwrap(), tokens);
        }

        #[test]
        fn tokens_round_trip_through_notes(tokens in arb_tokens(), tpq in prop::sample::select(vec![4u16, 100, 480])) {
            let notes = decode_notes(&tokens, tpq, Velocity::DEFAULT).unwrap();
            prop_assert_eq!(encode_notes(&notes, tpq, EncodeOptions::default()).unwrap(), tokens.clone());
            prop_assert_eq!(parse_tokens(&format_tokens(&tokens, PitchText::Midi)).unwrap(), tokens);
        }
    }
}
