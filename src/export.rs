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

/// Saves `piece` at `path` in `format` (score formats with no pickup bar).
pub fn export(path: &Path, piece: &Piece, format: ExportFormat) -> Result<(), ExportError> {
    let options = ScoreOptions::default();
    match format {
        ExportFormat::Midi => crate::midi::write_file(path, piece)?,
        ExportFormat::Abc => crate::abc::write_abc_file(path, piece, &options)?,
        ExportFormat::MusicXml => crate::musicxml::write_musicxml_file(path, piece, &options)?,
    }
    Ok(())
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
}
