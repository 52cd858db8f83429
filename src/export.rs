//! Saving a piece in the formats the studio's File menu and `gan-studio generate --format`
//! offer: a Standard MIDI File, an ABC tune or a MusicXML score. Every save is atomic.

use std::path::Path;

use thiserror::Error;

use crate::abc::AbcWriteError;
use crate::midi::MidiError;
use crate::music::Piece;
use crate::music::score::ScoreOptions;
use crate::musicxml::MusicXmlError;

/// A file format a piece can be exported to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum ExportFormat {
    /// Standard MIDI File, format 1 (`.mid`).
    #[default]
    #[value(name = "mid")]
    Midi,
    /// ABC notation, one tune (`.abc`).
    #[value(name = "abc")]
    Abc,
    /// MusicXML 4.0, partwise (`.musicxml`).
    #[value(name = "musicxml")]
    MusicXml,
}

impl ExportFormat {
    /// Every format, in menu order.
    pub const ALL: [ExportFormat; 3] = [
        ExportFormat::Midi,
        ExportFormat::Abc,
        ExportFormat::MusicXml,
    ];

    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Midi => "mid",
            ExportFormat::Abc => "abc",
            ExportFormat::MusicXml => "musicxml",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            ExportFormat::Midi => "MIDI",
            ExportFormat::Abc => "ABC",
            ExportFormat::MusicXml => "MusicXML",
        }
    }
}

/// An export that failed; the message names the file.
#[derive(Debug, Error)]
pub enum ExportError {
    /// Writing MIDI failed.
    #[error(transparent)]
    Midi(#[from] MidiError),
    /// Writing ABC failed.
    #[error(transparent)]
    Abc(#[from] AbcWriteError),
    /// Writing MusicXML failed.
    #[error(transparent)]
    MusicXml(#[from] MusicXmlError),
}

/// Saves `piece` at `path` in `format`. The score formats write a pickup bar for a piece
/// that has one ([`Piece::pickup`]), or that starts with less than a bar of rest (as a tune
/// generated from nothing does: it is laid out from a bar line): see [`score_layout`].
pub fn export(path: &Path, piece: &Piece, format: ExportFormat) -> Result<(), ExportError> {
    match format {
        ExportFormat::Midi => crate::midi::write_file(path, piece)?,
        ExportFormat::Abc => {
            let (piece, options) = score_layout(piece);
            crate::abc::write_abc_file(path, &piece, &options)?
        }
        ExportFormat::MusicXml => {
            let (piece, options) = score_layout(piece);
            crate::musicxml::write_musicxml_file(path, &piece, &options)?
        }
    }
    Ok(())
}

/// How a piece is laid out as a score: with its own pickup when it has one; else, for a piece
/// in one metre whose first note comes after a rest that does not fill the bar, the notes
/// move to start at 0 and the rest of that bar becomes the pickup (whole bars of silence
/// before it are dropped). Anything else is written as it is.
pub fn score_layout(piece: &Piece) -> (std::borrow::Cow<'_, Piece>, ScoreOptions) {
    use std::borrow::Cow;
    if piece.pickup > 0 {
        let options = ScoreOptions {
            pickup: piece.pickup,
        };
        return (Cow::Borrowed(piece), options);
    }
    let bar = piece
        .initial_time_signature()
        .ticks_per_bar(piece.ticks_per_quarter)
        .max(1);
    let first = piece.notes().map(|n| n.start).min().unwrap_or(0);
    let single_metre = piece.time_signatures.iter().all(|c| c.tick == 0);
    if first % bar == 0 || !single_metre {
        return (Cow::Borrowed(piece), ScoreOptions::default());
    }
    let mut moved = piece.clone();
    for part in &mut moved.parts {
        for note in &mut part.notes {
            note.start -= first;
        }
    }
    let options = ScoreOptions {
        pickup: bar - first % bar,
    };
    (Cow::Owned(moved), options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_saves_a_file_and_names_it_in_errors() {
        let dir = tempfile::tempdir().unwrap();
        let piece = Piece::new(480).unwrap();
        for format in ExportFormat::ALL {
            let path = dir.path().join(format!("x.{}", format.extension()));
            export(&path, &piece, format).unwrap();
            assert!(std::fs::metadata(&path).unwrap().len() > 0, "{format:?}");
            let bad = dir
                .path()
                .join("missing")
                .join(format!("x.{}", format.extension()));
            let error = export(&bad, &piece, format).unwrap_err().to_string();
            assert!(error.contains("missing"), "{error}");
        }
    }

    #[test]
    fn a_tune_laid_out_from_a_bar_line_is_scored_with_a_pickup() {
        use crate::music::{Note, Pitch, TimeSignature, TimeSignatureChange, Velocity};
        // 3/4 at 480 per quarter: a quarter-note pickup after two beats of rest.
        let notes = [(67, 960, 480), (72, 1440, 1440)]
            .map(|(p, s, d)| Note::new(Pitch::new(p).unwrap(), s, d, Velocity::DEFAULT).unwrap());
        let mut piece = Piece::from_notes(480, "t", notes.to_vec()).unwrap();
        piece.time_signatures = vec![TimeSignatureChange {
            tick: 0,
            signature: TimeSignature::new(3, 4).unwrap(),
        }];
        let (laid, options) = score_layout(&piece);
        assert_eq!(options.pickup, 480);
        assert_eq!(
            laid.notes().map(|n| n.start).collect::<Vec<_>>(),
            vec![0, 480]
        );
        // A piece starting on a bar line, or with a pickup of its own, is left as it is.
        piece.parts[0].notes.iter_mut().for_each(|n| n.start -= 960);
        assert_eq!(score_layout(&piece).1.pickup, 0);
        piece.pickup = 480;
        assert_eq!(score_layout(&piece).1.pickup, 480);
    }
}
