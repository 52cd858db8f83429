//! The kind of a music file, told by its extension.

use std::path::Path;

/// The kind of a music file, by its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileFormat {
    /// A Standard MIDI File (`.mid`, `.midi`, `.kar`).
    Midi,
    /// ABC notation (`.abc`).
    Abc,
}

/// The format of a file by its extension, in any case: `.mid`, `.midi`, `.kar` are MIDI,
/// `.abc` is ABC, anything else is neither.
pub fn format_of(path: &Path) -> Option<FileFormat> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "mid" | "midi" | "kar" => Some(FileFormat::Midi),
        "abc" => Some(FileFormat::Abc),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_extension_in_any_case() {
        assert_eq!(format_of(Path::new("a/b.MID")), Some(FileFormat::Midi));
        assert_eq!(format_of(Path::new("b.midi")), Some(FileFormat::Midi));
        assert_eq!(format_of(Path::new("b.Kar")), Some(FileFormat::Midi));
        assert_eq!(format_of(Path::new("b.abc")), Some(FileFormat::Abc));
        assert_eq!(format_of(Path::new("b.txt")), None);
        assert_eq!(format_of(Path::new("mid")), None);
    }
}
