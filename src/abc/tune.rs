//! Reading one tune: its header fields, its body lines, and the resulting [`Piece`].

use crate::music::{KeySignatureChange, Part, Piece, TempoChange, TempoMap, TimeSignatureChange};

use super::error::{AbcError, AbcProblem, Located};
use super::events::{EventBuilder, Propagation};
use super::fields::{
    AbcKey, KeyField, Meter, parse_key, parse_meter, parse_tempo, parse_unit_length,
};
use super::lexer::tokenize;
use super::ratio::Ratio;
use super::repeats::{RepeatMode, play_order};
use super::split::{Line, TuneLines};
use super::timeline::lay_out;
use super::{ABC_TICKS_PER_QUARTER, Tune};

/// Settings that the file header passes on to every tune.
#[derive(Clone, Debug, Default)]
pub(crate) struct FileDefaults {
    /// `M:` of the file header.
    pub(crate) meter: Option<Meter>,
    /// `L:` of the file header.
    pub(crate) unit: Option<Ratio>,
    /// `Q:` of the file header, as written.
    pub(crate) tempo: Option<String>,
    /// `%%propagate-accidentals` of the file header.
    pub(crate) propagation: Propagation,
}

impl FileDefaults {
    /// Reads the fields of the file header that affect tunes. An unreadable value is skipped
    /// (the tunes then use their own fields or the defaults) rather than failing every tune.
    pub(crate) fn from_header(lines: &[Line<'_>]) -> FileDefaults {
        let mut defaults = FileDefaults::default();
        for line in lines {
            let text = strip_comment(line.text);
            if let Some(value) = directive(line.text, "propagate-accidentals") {
                if let Some(p) = Propagation::parse(value) {
                    defaults.propagation = p;
                }
            } else if let Some((field, value)) = field_line(&text) {
                match field {
                    'M' => defaults.meter = parse_meter(value).ok(),
                    'L' => defaults.unit = parse_unit_length(value).ok(),
                    'Q' => defaults.tempo = Some(value.to_string()),
                    _ => {}
                }
            }
        }
        defaults
    }
}

/// `X: Y` at the start of a line: the field letter and its trimmed value.
fn field_line(text: &str) -> Option<(char, &str)> {
    let mut chars = text.chars();
    let name = chars
        .next()
        .filter(|c| c.is_ascii_alphabetic() || *c == '+')?;
    (chars.next() == Some(':')).then(|| (name, text[2..].trim()))
}

/// The value of a `%%name value` directive line.
fn directive<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    text.trim_start()
        .strip_prefix("%%")?
        .trim_start()
        .strip_prefix(name)
}

/// The line without its `%` comment (a `%` inside a quoted string or escaped as `\%` is kept).
pub(crate) fn strip_comment(text: &str) -> std::borrow::Cow<'_, str> {
    let mut quoted = false;
    let mut previous = '\0';
    for (i, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '%' if !quoted && previous != '\\' => return text[..i].into(),
            _ => {}
        }
        previous = c;
    }
    text.into()
}

/// Reads one tune. `file` names the source in error messages.
pub(crate) fn read_tune(
    tune: &TuneLines<'_>,
    defaults: &FileDefaults,
    repeats: RepeatMode,
    file: &str,
) -> Result<Tune, AbcError> {
    let mut reader = TuneReader {
        number: 0,
        title: String::new(),
        warnings: Vec::new(),
        voice_selected: None,
        voice_current: None,
        skipped_voice: false,
    };
    reader
        .read(tune, defaults, repeats)
        .map_err(|located| AbcError::Tune {
            file: file.to_string(),
            number: reader.number,
            title: reader.title.clone(),
            line: located.line,
            column: located.column,
            problem: located.problem,
        })
}

/// The state of reading one tune that errors need (its number and title) plus the voice
/// selection.
struct TuneReader {
    number: u32,
    title: String,
    warnings: Vec<String>,
    /// The voice whose notes are read: the first one named by a `V:` field.
    voice_selected: Option<String>,
    /// The voice being read now (`None` before any `V:` in the body).
    voice_current: Option<String>,
    /// Whether notes of other voices were skipped.
    skipped_voice: bool,
}

fn bad_field(line: usize, field: char, value: &str, reason: String) -> Located {
    Located::new(
        line,
        1,
        AbcProblem::BadField {
            field,
            value: value.to_string(),
            reason,
        },
    )
}

impl TuneReader {
    fn read(
        &mut self,
        tune: &TuneLines<'_>,
        defaults: &FileDefaults,
        repeats: RepeatMode,
    ) -> Result<Tune, Located> {
        let Some(first) = tune.lines.first() else {
            return Err(Located::new(1, 1, AbcProblem::NoNotes));
        };
        let x_value = first.text.get(2..).unwrap_or("").trim();
        let digits: String = x_value.chars().take_while(char::is_ascii_digit).collect();
        self.number = digits.parse().map_err(|_| {
            bad_field(
                first.number,
                'X',
                x_value,
                "expected a tune number".to_string(),
            )
        })?;

        // Header: from X: to K:.
        let mut meter = defaults.meter;
        let mut unit = defaults.unit;
        let mut tempo_text = defaults.tempo.clone();
        let mut propagation = defaults.propagation;
        let mut key: Option<AbcKey> = None;
        let mut last_field = 'X';
        let mut body_start = tune.lines.len();
        for (index, line) in tune.lines.iter().enumerate().skip(1) {
            if let Some(value) = directive(line.text, "propagate-accidentals") {
                propagation = Propagation::parse(value).unwrap_or(propagation);
                continue;
            }
            let text = strip_comment(line.text);
            if text.trim().is_empty() {
                continue;
            }
            let Some((field, value)) = field_line(&text) else {
                self.warnings.push(format!(
                    "no K: field before the music at line {}; no key signature assumed",
                    line.number
                ));
                body_start = index;
                break;
            };
            match field {
                'T' if self.title.is_empty() => self.title = value.to_string(),
                '+' if last_field == 'T' => {
                    self.title.push(' ');
                    self.title.push_str(value);
                }
                'M' => {
                    meter = Some(
                        parse_meter(value).map_err(|r| bad_field(line.number, 'M', value, r))?,
                    );
                }
                'L' => {
                    unit = Some(
                        parse_unit_length(value)
                            .map_err(|r| bad_field(line.number, 'L', value, r))?,
                    );
                }
                'Q' => tempo_text = Some(value.to_string()),
                'V' => self.select_voice(value),
                'P' => self
                    .warnings
                    .push("P: parts are read in written order, not in the order P: gives".into()),
                'K' => {
                    key = match parse_key(value)
                        .map_err(|r| bad_field(line.number, 'K', value, r))?
                    {
                        KeyField::Key(k) => Some(k),
                        KeyField::NoKey | KeyField::Unchanged => None,
                    };
                    body_start = index + 1;
                    break;
                }
                _ => {}
            }
            if field != '+' {
                last_field = field;
            }
        }
        let meter = meter.unwrap_or(Meter::FREE);
        let unit = unit.unwrap_or_else(|| meter.default_unit());
        let mut initial_tempo = None;
        if let Some(text) = &tempo_text {
            match parse_tempo(text, unit) {
                Ok(t) => initial_tempo = t,
                Err(reason) => self
                    .warnings
                    .push(format!("tempo Q:{text} ignored: {reason}")),
            }
        }

        // Body.
        let mut builder = EventBuilder::new(unit, meter, key, propagation);
        for line in tune.lines.iter().skip(body_start) {
            self.body_line(&mut builder, line)?;
        }
        if self.skipped_voice {
            self.warnings.push(format!(
                "only voice {} was read; the other voices were skipped",
                self.voice_selected.as_deref().unwrap_or("1")
            ));
        }

        let order = play_order(&builder.events, repeats);
        let ticks_per_whole = u128::from(ABC_TICKS_PER_QUARTER) * 4;
        let timeline = lay_out(&builder.events, &order, ticks_per_whole);
        if timeline.notes.is_empty() {
            return Err(Located::new(first.number, 1, AbcProblem::NoNotes));
        }

        let mut piece = Piece::new(ABC_TICKS_PER_QUARTER)
            .map_err(|_| Located::new(first.number, 1, AbcProblem::NoNotes))?;
        piece.title = self.title.clone();
        let mut tempos: Vec<TempoChange> = initial_tempo
            .map(|micros_per_quarter| TempoChange {
                tick: 0,
                micros_per_quarter,
            })
            .into_iter()
            .collect();
        tempos.extend(
            timeline
                .tempos
                .iter()
                .map(|&(tick, micros_per_quarter)| TempoChange {
                    tick,
                    micros_per_quarter,
                }),
        );
        piece.tempo_map = TempoMap::new(tempos).unwrap_or_default();
        let mut signatures: Vec<(u64, Option<_>)> = vec![(0, meter.signature)];
        signatures.extend(timeline.meters.iter().copied());
        piece.time_signatures = dedup_changes(signatures)
            .into_iter()
            .map(|(tick, signature)| TimeSignatureChange { tick, signature })
            .collect();
        let mut keys = vec![(0, key.map(|k| k.to_key()))];
        keys.extend(timeline.keys.iter().copied());
        piece.key_signatures = dedup_changes(keys)
            .into_iter()
            .map(|(tick, key)| KeySignatureChange { tick, key })
            .collect();
        // A first bar line before a full bar's length marks a pickup (anacrusis).
        let bar = piece
            .initial_time_signature()
            .ticks_per_bar(ABC_TICKS_PER_QUARTER);
        piece.pickup = timeline.first_bar.filter(|&t| t < bar).unwrap_or(0);
        piece.parts.push(Part {
            notes: timeline.notes,
            ..Part::new("Melody")
        });
        piece.normalize();
        Ok(Tune {
            number: self.number,
            title: self.title.clone(),
            line: first.number,
            key,
            piece,
            warnings: std::mem::take(&mut self.warnings),
        })
    }

    /// A `V:` field: the first voice named is the one read.
    fn select_voice(&mut self, value: &str) {
        let id = value.split_whitespace().next().unwrap_or("").to_string();
        if self.voice_selected.is_none() {
            self.voice_selected = Some(id.clone());
        }
        self.voice_current = Some(id);
    }

    /// Whether notes are being read (the current voice is the selected one).
    fn reading_voice(&self) -> bool {
        self.voice_current.is_none() || self.voice_current == self.voice_selected
    }

    fn body_line(&mut self, builder: &mut EventBuilder, line: &Line<'_>) -> Result<(), Located> {
        if let Some(value) = directive(line.text, "propagate-accidentals") {
            builder.propagation = Propagation::parse(value).unwrap_or(builder.propagation);
            return Ok(());
        }
        let text = strip_comment(line.text);
        if text.trim().is_empty() {
            return Ok(());
        }
        if let Some((field, value)) = field_line(&text) {
            if field == 'V' {
                self.select_voice(value);
                return Ok(());
            }
            if !self.reading_voice() {
                return Ok(());
            }
            return body_field(builder, field, value, line.number, 1);
        }
        if !self.reading_voice() {
            self.skipped_voice = true;
            return Ok(());
        }
        let tokens = tokenize(&text, line.number)?;
        let mut voice_change = None;
        let line_number = line.number;
        builder.feed(tokens, line_number, |b, field, value, column| {
            if field == 'V' {
                voice_change = Some(value.to_string());
                Ok(())
            } else {
                body_field(b, field, value, line_number, column)
            }
        })?;
        if let Some(voice) = voice_change {
            // An inline voice change switches for the following lines.
            self.select_voice(&voice);
        }
        Ok(())
    }
}

/// Applies a field met in the tune body (a field line or an inline `[X:...]`).
fn body_field(
    builder: &mut EventBuilder,
    field: char,
    value: &str,
    line: usize,
    column: usize,
) -> Result<(), Located> {
    let bad = |reason: String| {
        Located::new(
            line,
            column,
            AbcProblem::BadField {
                field,
                value: value.to_string(),
                reason,
            },
        )
    };
    match field {
        'K' => match parse_key(value).map_err(bad)? {
            KeyField::Key(k) => builder.set_key(Some(k)),
            KeyField::NoKey => builder.set_key(None),
            KeyField::Unchanged => {}
        },
        'M' => builder.set_meter(parse_meter(value).map_err(bad)?),
        'L' => builder.unit = parse_unit_length(value).map_err(bad)?,
        'Q' => {
            if let Ok(Some(micros)) = parse_tempo(value, builder.unit) {
                builder.set_tempo(micros);
            }
        }
        // Titles of sections, lyrics, notes, parts and instructions do not change the notes.
        _ => {}
    }
    Ok(())
}

/// Keeps the first change and every later one that differs from the one before it; several
/// changes at one tick keep the last.
fn dedup_changes<T: PartialEq + Copy>(changes: Vec<(u64, Option<T>)>) -> Vec<(u64, T)> {
    let mut out: Vec<(u64, Option<T>)> = Vec::new();
    for (tick, value) in changes {
        match out.last_mut() {
            Some(last) if last.0 == tick => last.1 = value,
            Some(last) if last.1 == value => {}
            _ => out.push((tick, value)),
        }
    }
    out.into_iter()
        .filter_map(|(tick, value)| value.map(|v| (tick, v)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_stripped_outside_quotes() {
        assert_eq!(strip_comment("ABC % comment"), "ABC ");
        assert_eq!(strip_comment("\"50%\" A"), "\"50%\" A");
        assert_eq!(strip_comment("T:100\\% sure"), "T:100\\% sure");
        assert_eq!(strip_comment("%%MIDI program 1"), "");
    }

    #[test]
    fn fields_and_directives_are_recognized() {
        assert_eq!(field_line("K: G"), Some(('K', "G")));
        assert_eq!(field_line("+: more"), Some(('+', "more")));
        assert_eq!(field_line("ABC"), None);
        assert_eq!(field_line("|:AB"), None);
        assert_eq!(
            directive("%%propagate-accidentals octave", "propagate-accidentals").map(str::trim),
            Some("octave")
        );
        assert_eq!(directive("% propagate", "propagate-accidentals"), None);
    }

    #[test]
    fn repeated_changes_collapse() {
        let changes = vec![
            (0, Some(1)),
            (0, Some(2)),
            (10, Some(2)),
            (20, None),
            (30, Some(3)),
        ];
        assert_eq!(dedup_changes(changes), [(0, 2), (30, 3)]);
    }
}
