//! Splitting an ABC file into its file header and its tunes (ABC 2.1 §2.2): a tune starts at
//! an `X:` line and ends at the first empty line; text between tunes is free text.

use std::borrow::Cow;

/// One line of the file with its 1-based number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Line<'a> {
    /// 1-based line number in the file.
    pub(crate) number: usize,
    /// The text without its line ending.
    pub(crate) text: &'a str,
}

/// The lines of one tune, from its `X:` line to the line before the empty line that ends it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TuneLines<'a> {
    /// The tune's lines; the first is the `X:` line.
    pub(crate) lines: Vec<Line<'a>>,
}

/// A file cut into its header and tunes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct FileLines<'a> {
    /// The file header: the lines of the first block of the file when it comes before any tune.
    pub(crate) header: Vec<Line<'a>>,
    /// The tunes in file order.
    pub(crate) tunes: Vec<TuneLines<'a>>,
}

/// Decodes file bytes: UTF-8 (a byte-order mark is dropped), or Latin-1 when the bytes are not
/// valid UTF-8 (the encoding of many older ABC collections).
pub(crate) fn decode(bytes: &[u8]) -> Cow<'_, str> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
    }
}

/// Whether a line starts a tune (`X:` field).
fn is_tune_start(text: &str) -> bool {
    text.starts_with("X:")
}

/// Splits the text into the file header and the tunes.
pub(crate) fn split(text: &str) -> FileLines<'_> {
    let mut file = FileLines::default();
    let mut current: Option<TuneLines<'_>> = None;
    // The file header is the first block of lines, if it comes before the first tune.
    let mut in_header = true;
    for (index, raw) in text.split('\n').enumerate() {
        let line = Line {
            number: index + 1,
            text: raw.strip_suffix('\r').unwrap_or(raw),
        };
        let blank = line.text.trim().is_empty();
        if is_tune_start(line.text) {
            in_header = false;
            if let Some(tune) = current.take() {
                file.tunes.push(tune);
            }
            current = Some(TuneLines { lines: vec![line] });
        } else if blank {
            if let Some(tune) = current.take() {
                file.tunes.push(tune);
            }
            if !file.header.is_empty() {
                in_header = false;
            }
        } else if let Some(tune) = current.as_mut() {
            tune.lines.push(line);
        } else if in_header {
            file.header.push(line);
        }
        // Other lines are free text between tunes.
    }
    if let Some(tune) = current.take() {
        file.tunes.push(tune);
    }
    file
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tunes_end_at_empty_lines_and_at_the_next_x() {
        let text = "%abc-2.1\nL:1/8\n\nfree text\nX:1\nT:One\nK:C\nCDE\n\nignored\nX:2\r\nK:G\nGAB\nX:3\nK:D\n";
        let file = split(text);
        assert_eq!(
            file.header.iter().map(|l| l.text).collect::<Vec<_>>(),
            ["%abc-2.1", "L:1/8"]
        );
        assert_eq!(file.tunes.len(), 3);
        let first: Vec<_> = file.tunes[0].lines.iter().map(|l| l.text).collect();
        assert_eq!(first, ["X:1", "T:One", "K:C", "CDE"]);
        assert_eq!(file.tunes[0].lines[0].number, 5);
        // The carriage return is dropped; the tune ends where X:3 begins.
        let second: Vec<_> = file.tunes[1].lines.iter().map(|l| l.text).collect();
        assert_eq!(second, ["X:2", "K:G", "GAB"]);
        assert_eq!(file.tunes[2].lines[1].number, 15);
    }

    #[test]
    fn a_file_starting_with_a_tune_has_no_header() {
        let file = split("X:1\nK:C\nC\n");
        assert!(file.header.is_empty());
        assert_eq!(file.tunes.len(), 1);
    }

    #[test]
    fn latin1_and_bom_are_decoded() {
        assert_eq!(decode(b"\xEF\xBB\xBFX:1"), "X:1");
        assert_eq!(decode(b"T:Gr\xfc\xdf"), "T:Grüß");
        assert_eq!(decode("T:Grüß".as_bytes()), "T:Grüß");
    }
}
