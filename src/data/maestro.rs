//! The MAESTRO v3 layout: a folder with `maestro-v3.0.0.csv` and/or `maestro-v3.0.0.json`
//! listing every performance with its `split` (train, validation, test) and its
//! `midi_filename` (relative to the folder, e.g. `2018/MIDI-Unprocessed_....midi`).
//!
//! The CSV is read when present (RFC 4180: commas, double-quoted fields with `""` for a quote
//! and line breaks allowed inside quotes), else the JSON, in either the column form pandas
//! writes (`{"split": {"0": "train", ...}, "midi_filename": {"0": ...}}`) or a list of
//! records. Other metadata file names of the form `maestro-v*.csv`/`.json` are accepted when
//! the v3 names are absent. A row with an unknown split or an unsafe file name (absolute, or
//! leaving the folder) is reported, not fatal.

use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use super::error::DataError;
use super::split::Split;

/// The metadata file names of MAESTRO v3.
pub const MAESTRO_CSV: &str = "maestro-v3.0.0.csv";
/// The JSON metadata file name of MAESTRO v3.
pub const MAESTRO_JSON: &str = "maestro-v3.0.0.json";

/// One performance listed in the metadata.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MaestroEntry {
    /// Its split.
    pub split: Split,
    /// The MIDI file, relative to the MAESTRO folder (with `/` separators).
    pub midi_filename: String,
    /// `canonical_composer: canonical_title` when the metadata gives them, else empty.
    pub title: String,
}

/// The metadata of a MAESTRO folder: the entries, and the rows that could not be used.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MaestroIndex {
    /// The metadata file read.
    pub metadata: PathBuf,
    /// The usable entries, in file order.
    pub entries: Vec<MaestroEntry>,
    /// Rows left out: (row description, reason).
    pub rejected: Vec<(String, String)>,
}

/// The metadata file of a MAESTRO folder, if it has one (CSV preferred).
pub fn find_metadata(dir: &Path) -> Option<PathBuf> {
    for name in [MAESTRO_CSV, MAESTRO_JSON] {
        let path = dir.join(name);
        if path.is_file() {
            return Some(path);
        }
    }
    let mut others: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.starts_with("maestro-v")
                && (name.ends_with(".csv") || name.ends_with(".json"))
                && p.is_file()
        })
        .collect();
    // CSV before JSON, then by name.
    others.sort_by_key(|p| (p.extension().is_some_and(|e| e == "json"), p.clone()));
    others.into_iter().next()
}

/// Reads the metadata of a MAESTRO folder.
pub fn read_index(dir: &Path) -> Result<MaestroIndex, DataError> {
    let path = find_metadata(dir).ok_or_else(|| DataError::MaestroMetadataMissing(dir.into()))?;
    let bytes = std::fs::read(&path).map_err(|e| DataError::io("read", &path, e))?;
    let text = String::from_utf8_lossy(&bytes);
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let rows = if is_json {
        json_rows(&text)
    } else {
        csv_rows(&text)
    };
    let rows = rows.map_err(|reason| DataError::MaestroMetadata {
        path: path.clone(),
        reason,
    })?;
    let mut index = MaestroIndex {
        metadata: path,
        ..MaestroIndex::default()
    };
    for row in rows {
        match check_row(&row) {
            Ok(entry) => index.entries.push(entry),
            Err(reason) => index.rejected.push((row.describe(), reason)),
        }
    }
    Ok(index)
}

/// The fields of one row that matter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Row {
    number: usize,
    split: String,
    midi_filename: String,
    composer: String,
    title: String,
}

impl Row {
    fn describe(&self) -> String {
        format!("metadata row {} ({:?})", self.number, self.midi_filename)
    }
}

fn check_row(row: &Row) -> Result<MaestroEntry, String> {
    let split = Split::parse(&row.split).ok_or_else(|| {
        format!(
            "unknown split {:?} (expected train, validation or test)",
            row.split
        )
    })?;
    let name = row.midi_filename.trim().replace('\\', "/");
    if name.is_empty() {
        return Err("no midi_filename".to_string());
    }
    if !is_safe_relative(Path::new(&name)) {
        return Err(format!(
            "the MIDI file name {name:?} is absolute or leaves the MAESTRO folder"
        ));
    }
    let title = match (row.composer.trim(), row.title.trim()) {
        ("", "") => String::new(),
        (c, "") => c.to_string(),
        ("", t) => t.to_string(),
        (c, t) => format!("{c}: {t}"),
    };
    Ok(MaestroEntry {
        split,
        midi_filename: name,
        title,
    })
}

/// Whether a path is relative and never climbs above its start.
pub(crate) fn is_safe_relative(path: &Path) -> bool {
    let mut depth: i64 = 0;
    for component in path.components() {
        match component {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            Component::RootDir | Component::Prefix(_) => return false,
        }
    }
    depth > 0
}

/// Parses CSV text (RFC 4180) into records of fields.
pub(crate) fn parse_csv(text: &str) -> Result<Vec<Vec<String>>, String> {
    let mut records = Vec::new();
    let mut record: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    let mut in_quotes = false;
    let mut field_started = false; // anything (even "") seen in this field
    let mut quote_line = 0;
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if !field_started => {
                in_quotes = true;
                field_started = true;
                quote_line = line;
            }
            '"' => return Err(format!("a quote inside an unquoted field on line {line}")),
            ',' => {
                record.push(std::mem::take(&mut field));
                field_started = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                line += 1;
                record.push(std::mem::take(&mut field));
                field_started = false;
                if !(record.len() == 1 && record[0].is_empty()) {
                    records.push(std::mem::take(&mut record));
                }
                record.clear();
            }
            _ => {
                field.push(c);
                field_started = true;
            }
        }
    }
    if in_quotes {
        return Err(format!(
            "a quoted field opened on line {quote_line} is never closed"
        ));
    }
    if field_started || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    Ok(records)
}

fn csv_rows(text: &str) -> Result<Vec<Row>, String> {
    let records = parse_csv(text.trim_start_matches('\u{feff}'))?;
    let (header, body) = records.split_first().ok_or("the file is empty")?;
    let column = |name: &str| header.iter().position(|h| h.trim() == name);
    let split = column("split").ok_or("no `split` column")?;
    let midi = column("midi_filename").ok_or("no `midi_filename` column")?;
    let composer = column("canonical_composer");
    let title = column("canonical_title");
    let get = |record: &[String], i: Option<usize>| {
        i.and_then(|i| record.get(i)).cloned().unwrap_or_default()
    };
    Ok(body
        .iter()
        .enumerate()
        .map(|(i, record)| Row {
            number: i + 1,
            split: get(record, Some(split)),
            midi_filename: get(record, Some(midi)),
            composer: get(record, composer),
            title: get(record, title),
        })
        .collect())
}

fn json_text(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn json_rows(text: &str) -> Result<Vec<Row>, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("bad JSON: {e}"))?;
    match value {
        Value::Array(records) => Ok(records
            .iter()
            .enumerate()
            .map(|(i, r)| Row {
                number: i + 1,
                split: json_text(r.get("split")),
                midi_filename: json_text(r.get("midi_filename")),
                composer: json_text(r.get("canonical_composer")),
                title: json_text(r.get("canonical_title")),
            })
            .collect()),
        Value::Object(columns) => {
            let split = columns
                .get("split")
                .and_then(Value::as_object)
                .ok_or("no `split` column")?;
            let midi = columns
                .get("midi_filename")
                .and_then(Value::as_object)
                .ok_or("no `midi_filename` column")?;
            let cell =
                |name: &str, key: &str| json_text(columns.get(name).and_then(|c| c.get(key)));
            // Row keys are "0", "1", ...: order them as numbers (text keys last, by text).
            let mut keys: Vec<&String> = midi.keys().collect();
            keys.sort_by_key(|k| (k.parse::<u64>().unwrap_or(u64::MAX), (*k).clone()));
            Ok(keys
                .into_iter()
                .enumerate()
                .map(|(i, key)| Row {
                    number: i + 1,
                    split: json_text(split.get(key.as_str())),
                    midi_filename: cell("midi_filename", key),
                    composer: cell("canonical_composer", key),
                    title: cell("canonical_title", key),
                })
                .collect())
        }
        _ => Err("expected an object of columns or a list of records".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_handles_quotes_commas_and_line_breaks() {
        let text = "a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",3\n\"two\nlines\",,\"\"\n";
        let records = parse_csv(text).unwrap();
        assert_eq!(
            records,
            vec![
                vec!["a", "b", "c"],
                vec!["x, y", "say \"hi\"", "3"],
                vec!["two\nlines", "", ""],
            ]
        );
        // No final line break; a lone empty line is skipped.
        assert_eq!(parse_csv("a\n\nb").unwrap(), vec![vec!["a"], vec!["b"]]);
        assert!(parse_csv("\"open").unwrap_err().contains("line 1"));
        assert!(parse_csv("ab\"c").is_err());
    }

    #[test]
    fn csv_rows_find_their_columns() {
        let text = "canonical_composer,canonical_title,split,year,midi_filename,duration\n\
                    \"Bach, J. S.\",\"Prelude, BWV 846\",train,2018,2018/a.midi,100\n\
                    Chopin,Etude,Test,2017,2017/b.midi,50\n\
                    Liszt,Sonata,dev,2017,2017/c.midi,50\n\
                    Berg,Sonata,validation,2017,/etc/passwd,50\n";
        let rows = csv_rows(text).unwrap();
        assert_eq!(rows.len(), 4);
        let entry = check_row(&rows[0]).unwrap();
        assert_eq!(
            entry,
            MaestroEntry {
                split: Split::Train,
                midi_filename: "2018/a.midi".into(),
                title: "Bach, J. S.: Prelude, BWV 846".into()
            }
        );
        assert_eq!(check_row(&rows[1]).unwrap().split, Split::Test);
        assert!(check_row(&rows[2]).unwrap_err().contains("dev"));
        assert!(check_row(&rows[3]).unwrap_err().contains("absolute"));
        assert!(
            csv_rows("split,year\ntrain,1\n")
                .unwrap_err()
                .contains("midi_filename")
        );
    }

    #[test]
    fn json_in_both_shapes() {
        let columns = r#"{"split": {"0": "train", "1": "validation", "10": "test", "2": "test"},
            "midi_filename": {"0": "a.midi", "1": "b.midi", "10": "k.midi", "2": "c.midi"}}"#;
        let rows = json_rows(columns).unwrap();
        let names: Vec<&str> = rows.iter().map(|r| r.midi_filename.as_str()).collect();
        assert_eq!(names, vec!["a.midi", "b.midi", "c.midi", "k.midi"]);
        assert_eq!(rows[1].split, "validation");
        let records = r#"[{"split": "train", "midi_filename": "x/y.mid", "canonical_title": "T"}]"#;
        let rows = json_rows(records).unwrap();
        assert_eq!(check_row(&rows[0]).unwrap().title, "T");
        assert!(json_rows("3").is_err());
    }

    #[test]
    fn safe_relative_paths() {
        assert!(is_safe_relative(Path::new("2018/a.midi")));
        assert!(is_safe_relative(Path::new("a/../b.mid")));
        assert!(!is_safe_relative(Path::new("../b.mid")));
        assert!(!is_safe_relative(Path::new("a/../../b.mid")));
        assert!(!is_safe_relative(Path::new("/abs.mid")));
        assert!(!is_safe_relative(Path::new("")));
    }
}
