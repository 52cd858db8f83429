//! Reading ABC notation (ABC 2.1) into [`Piece`]s: one piece per tune, one melody part; and
//! writing a piece as one tune ([`write_abc`], described in its module `write`).
//!
//! # What is read
//! - Files with several tunes: a tune starts at `X:` and ends at an empty line (ABC 2.1
//!   §2.2); fields of the file header (`M:`, `L:`, `Q:`) apply to every tune. UTF-8 or
//!   Latin-1 text.
//! - Header fields `X:` (number), `T:` (title), `M:` (meter; `C`, `C|`, `2+3/8`, `none`),
//!   `L:` (unit length; by default 1/16 below 3/4 meters and 1/8 otherwise), `Q:` (tempo;
//!   120 BPM when absent) and `K:` with all modes (`G`, `Am`, `F#m`, `Gdor`, `D mix`),
//!   explicit accidentals (`K:D =c`) and `none`. `K:`, `M:`, `L:` and `Q:` may also change in
//!   the body, as field lines or inline (`[K:G]`).
//! - Notes `A`-`G`/`a`-`g` with octave marks `,` and `'`; accidentals `^ ^^ _ __ =`, which
//!   carry to the end of the bar in every octave (`%%propagate-accidentals pitch`, the ABC 2.1
//!   default and abc2midi's; `octave` and `not` are honoured too); the key signature
//!   otherwise. Line ends are not bar lines.
//! - Lengths as multiples and fractions of `L:` (`A2`, `A/2`, `A/`, `A3/2`, `A//`), broken
//!   rhythm `>`/`<` (up to `>>>`), tuplets `(3`, `(p:q:r`, rests `z`/`x`, bar rests `Z4`,
//!   ties `-` (a tie across a bar line keeps its pitch), chords `[CEG]` (time moves on by the
//!   first note's length).
//! - Bar lines `|`, `||`, `|]`, `[|`, repeats `|:`, `:|`, `::` and endings `[1`, `|2`,
//!   `[1,3`, expanded by default the way abc2midi plays them (see [`RepeatMode`]).
//! - Dropped: chord symbols and annotations in quotes, decorations (`!trill!`, `+p+`, `~`,
//!   `.`, `H`...), grace notes `{...}`, slurs, lyrics, comments `%`, line continuations `\`.
//! - Several voices: only the first voice named by `V:` is read (a warning says so).
//!   `P:` part orders are not followed (notes are read in written order). Voice overlay `&`
//!   is refused.
//!
//! # Errors
//! A tune that cannot be read becomes an [`AbcError::Tune`] that names the file, the tune's
//! number and title, and the line and column; the other tunes of the file still load.
//!
//! # Why not the `abc-parser` crate
//! `abc-parser` 0.4 was evaluated first: it builds a syntax tree only (no key signatures,
//! bar accidentals, ties or timing, which are most of the work here), fails the whole file on
//! the first error instead of skipping one bad tune, requires `T:` right after `X:`, and keeps
//! lengths as `f32`. Its value here would have been the tokenizer, a small part of this module.
//!
//! # Checked against abc2midi
//! `tests/abc_vs_abc2midi.rs` compares every tune of the Essen folk set (Erk subset) with the
//! MIDI that Debian's `abc2midi` makes of it. Known differences in constructs those files do
//! not use: abc2midi plays a section a third time when the last ending also ends in `:|`
//! (this reader goes on), and it stresses beats with velocities (all notes here have velocity
//! 80).

mod error;
mod events;
mod fields;
mod lexer;
mod ratio;
mod repeats;
mod split;
mod timeline;
mod tune;
mod write;

use std::path::Path;

use crate::music::Piece;

pub use error::{AbcError, AbcProblem};
pub use fields::{AbcKey, AbcMode};
pub use repeats::RepeatMode;
pub use write::{AbcWriteError, key_name, write_abc, write_abc_file};

/// The resolution of pieces read from ABC: 480 ticks per quarter note.
pub const ABC_TICKS_PER_QUARTER: u16 = crate::music::DEFAULT_TICKS_PER_QUARTER;

/// How to read ABC.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AbcOptions {
    /// Expand repeats (the default) or read the notes once as written.
    pub repeats: RepeatMode,
}

/// One tune read from ABC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tune {
    /// The reference number from `X:`.
    pub number: u32,
    /// The title from the first `T:` (empty if none).
    pub title: String,
    /// The 1-based line of the tune's `X:` field in the file.
    pub line: usize,
    /// The key of `K:` as written (`None` for `K:none` or no key). Its mode is what the file
    /// declares, not an analysis: many files write minor tunes under a major `K:`.
    pub key: Option<AbcKey>,
    /// The music: one part named "Melody" at [`ABC_TICKS_PER_QUARTER`], the title, the tempo
    /// (120 BPM when no `Q:`), the time signature of `M:` and the key signature of `K:`.
    pub piece: Piece,
    /// Things read in a simplified way, e.g. voices that were skipped.
    pub warnings: Vec<String>,
}

/// The tunes of one ABC file or text, each read or failed on its own.
#[derive(Debug)]
pub struct AbcFile {
    /// The file path or the name given to [`parse_abc_str`], as used in error messages.
    pub name: String,
    /// Every tune in file order: read, or the reason it could not be.
    pub tunes: Vec<Result<Tune, AbcError>>,
}

impl AbcFile {
    /// The tunes that were read.
    pub fn ok_tunes(&self) -> impl Iterator<Item = &Tune> {
        self.tunes.iter().filter_map(|t| t.as_ref().ok())
    }

    /// The errors of the tunes that could not be read.
    pub fn errors(&self) -> impl Iterator<Item = &AbcError> {
        self.tunes.iter().filter_map(|t| t.as_ref().err())
    }

    /// Splits into the pieces that were read and the errors.
    pub fn into_pieces(self) -> (Vec<Piece>, Vec<AbcError>) {
        let mut pieces = Vec::new();
        let mut errors = Vec::new();
        for tune in self.tunes {
            match tune {
                Ok(t) => pieces.push(t.piece),
                Err(e) => errors.push(e),
            }
        }
        (pieces, errors)
    }
}

/// Reads every tune of ABC `text`; `name` identifies the text in error messages.
pub fn parse_abc_str(text: &str, name: &str) -> AbcFile {
    parse_abc_str_with(text, name, &AbcOptions::default())
}

/// Like [`parse_abc_str`] with options.
pub fn parse_abc_str_with(text: &str, name: &str, options: &AbcOptions) -> AbcFile {
    let file = split::split(text);
    let defaults = tune::FileDefaults::from_header(&file.header);
    let tunes = file
        .tunes
        .iter()
        .map(|t| tune::read_tune(t, &defaults, options.repeats, name))
        .collect();
    AbcFile {
        name: name.to_string(),
        tunes,
    }
}

/// Reads every tune of an ABC file (UTF-8 or Latin-1).
pub fn read_abc_file(path: &Path) -> Result<AbcFile, AbcError> {
    read_abc_file_with(path, &AbcOptions::default())
}

/// Like [`read_abc_file`] with options.
pub fn read_abc_file_with(path: &Path, options: &AbcOptions) -> Result<AbcFile, AbcError> {
    let bytes = std::fs::read(path).map_err(|source| AbcError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let text = split::decode(&bytes);
    Ok(parse_abc_str_with(
        &text,
        &path.display().to_string(),
        options,
    ))
}

#[cfg(test)]
mod tests;
