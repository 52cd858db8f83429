//! Writing pieces as MusicXML 4.0 (partwise), the format notation programs such as MuseScore
//! open, laid out by [`crate::music::score`] (its rules say how bars, chords, overlapping
//! notes, drums and the key are treated).
//!
//! # What is written
//! - `work-title` (the title), the software, and one `score-part` per part with its name, MIDI
//!   channel and program.
//! - Every part has the same measures. The first carries the attributes: `divisions` (per
//!   quarter note, the coarsest that holds every duration), the key (`fifths` and `mode`), the
//!   time signature and a treble clef, or a bass clef for a part whose notes lie mostly below
//!   A3; the first part also gets the tempo (a metronome mark and `sound tempo`). A time
//!   signature change writes new attributes in its measure.
//! - A pickup is measure 0 with `implicit="yes"`.
//! - Notes spelled for the key (`step`, `alter`, `octave`, and an `accidental` wherever the
//!   key signature and the bar's earlier accidentals would not give it; never on a tied-over
//!   note, whose accidental does not hold for later notes either), durations as `type`
//!   and `dot`; a length that is not one notatable value is written as tied notes; notes
//!   crossing a bar line are tied (`tie` for the sound, `tied` for the drawing). Chords use
//!   `chord`. A bar with nothing in a part is a whole-measure rest.

mod xml;

use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::fsutil::write_atomic;
use crate::music::score::{
    Score, ScoreEvent, ScoreOptions, ScorePart, UNITS_PER_QUARTER, gcd, lay_out, notated_values,
};
use crate::music::spelling::{BarAccidentals, KeySignature, spell};
use crate::music::{Key, Mode, Piece};
use xml::Xml;

/// The document type line of a partwise MusicXML 4.0 file.
const DOCTYPE: &str = "<!DOCTYPE score-partwise PUBLIC \"-//Recordare//DTD MusicXML 4.0 \
                       Partwise//EN\" \"http://www.musicxml.org/dtds/partwise.dtd\">";

/// A MusicXML file could not be saved.
#[derive(Debug, Error)]
#[error("cannot write MusicXML file: {source} ({})", path.display())]
pub struct MusicXmlError {
    /// The file.
    pub path: PathBuf,
    /// Why.
    #[source]
    pub source: std::io::Error,
}

/// Saves the piece as a MusicXML file, atomically.
pub fn write_musicxml_file(
    path: &Path,
    piece: &Piece,
    options: &ScoreOptions,
) -> Result<(), MusicXmlError> {
    write_atomic(path, write_musicxml(piece, options).as_bytes()).map_err(|source| MusicXmlError {
        path: path.to_path_buf(),
        source,
    })
}

/// The piece as the text of a partwise MusicXML 4.0 file.
pub fn write_musicxml(piece: &Piece, options: &ScoreOptions) -> String {
    let score = lay_out(piece, options);
    let divisions = UNITS_PER_QUARTER / common_unit(&score);
    let mut xml = Xml::document(DOCTYPE);
    xml.open("score-partwise", &[("version", "4.0")]);
    xml.open("work", &[]);
    let title = if score.title.trim().is_empty() {
        "Untitled"
    } else {
        score.title.as_str()
    };
    xml.text("work-title", title);
    xml.close("work");
    xml.open("identification", &[]);
    xml.open("encoding", &[]);
    xml.text(
        "software",
        &format!("GAN Studio {}", env!("CARGO_PKG_VERSION")),
    );
    xml.close("encoding");
    xml.close("identification");
    part_list(&mut xml, &score);
    for (i, part) in score.parts.iter().enumerate() {
        let id = format!("P{}", i + 1);
        xml.open("part", &[("id", &id)]);
        let writer = PartWriter {
            score: &score,
            part,
            first_part: i == 0,
            divisions,
        };
        writer.measures(&mut xml);
        xml.close("part");
    }
    xml.close("score-partwise");
    xml.finish()
}

/// The largest number of units that divides every written duration and bar length.
fn common_unit(score: &Score) -> u64 {
    let mut g = UNITS_PER_QUARTER;
    for bar in &score.bars {
        g = gcd(g, bar.length);
    }
    for event in score.parts.iter().flat_map(|p| p.bars.iter().flatten()) {
        for (base, dotted) in notated_values(event.length) {
            g = gcd(g, if dotted { base + base / 2 } else { base });
        }
    }
    g.max(1)
}

/// `part-list`: one `score-part` per part with its instrument.
fn part_list(xml: &mut Xml, score: &Score) {
    xml.open("part-list", &[]);
    for (i, part) in score.parts.iter().enumerate() {
        let id = format!("P{}", i + 1);
        let instrument = format!("{id}-I1");
        xml.open("score-part", &[("id", &id)]);
        xml.text("part-name", &part.name);
        xml.open("score-instrument", &[("id", &instrument)]);
        xml.text("instrument-name", &part.name);
        xml.close("score-instrument");
        xml.open("midi-instrument", &[("id", &instrument)]);
        xml.text("midi-channel", &(u16::from(part.channel) + 1).to_string());
        xml.text("midi-program", &(u16::from(part.program) + 1).to_string());
        xml.close("midi-instrument");
        xml.close("score-part");
    }
    xml.close("part-list");
}

/// The `type` name of a power-of-two length in units.
fn type_name(base: u64) -> &'static str {
    match base {
        128 => "breve",
        64 => "whole",
        32 => "half",
        16 => "quarter",
        8 => "eighth",
        4 => "16th",
        2 => "32nd",
        _ => "64th",
    }
}

/// The MusicXML `accidental` name of an alteration.
fn accidental_name(alter: i8) -> &'static str {
    match alter {
        -2 => "flat-flat",
        -1 => "flat",
        1 => "sharp",
        2 => "double-sharp",
        _ => "natural",
    }
}

/// Writes the measures of one part.
struct PartWriter<'a> {
    score: &'a Score,
    part: &'a ScorePart,
    first_part: bool,
    /// Divisions per quarter note.
    divisions: u64,
}

impl PartWriter<'_> {
    /// Units per division.
    fn unit(&self) -> u64 {
        UNITS_PER_QUARTER / self.divisions
    }

    fn measures(&self, xml: &mut Xml) {
        let key = self.score.key;
        let mut accidentals = BarAccidentals::new(KeySignature::of(key));
        let pickup = self.score.has_pickup();
        for (i, (bar, events)) in self.score.bars.iter().zip(&self.part.bars).enumerate() {
            let number = (if pickup { i } else { i + 1 }).to_string();
            let mut attributes = vec![("number", number.as_str())];
            if pickup && i == 0 {
                attributes.push(("implicit", "yes"));
            }
            xml.open("measure", &attributes);
            let new_time = i > 0 && self.score.bars[i - 1].signature != bar.signature;
            if i == 0 {
                self.first_attributes(xml, key);
                if self.first_part {
                    self.tempo(xml);
                }
            } else if new_time {
                xml.open("attributes", &[]);
                time(xml, bar.signature);
                xml.close("attributes");
            }
            accidentals.new_bar();
            if events.iter().all(ScoreEvent::is_rest) {
                self.measure_rest(xml, bar.length);
            } else {
                for event in events {
                    self.event(xml, event, key, &mut accidentals);
                }
            }
            xml.close("measure");
        }
    }

    fn first_attributes(&self, xml: &mut Xml, key: Key) {
        xml.open("attributes", &[]);
        xml.text("divisions", &self.divisions.to_string());
        xml.open("key", &[]);
        xml.text("fifths", &KeySignature::of(key).fifths.to_string());
        xml.text(
            "mode",
            match key.mode {
                Mode::Major => "major",
                Mode::Minor => "minor",
            },
        );
        xml.close("key");
        if let Some(bar) = self.score.bars.first() {
            time(xml, bar.signature);
        }
        let (sign, line) = if self.mostly_low() {
            ("F", "4")
        } else {
            ("G", "2")
        };
        xml.open("clef", &[]);
        xml.text("sign", sign);
        xml.text("line", line);
        xml.close("clef");
        xml.close("attributes");
    }

    /// Whether the part's notes average below A3 (a bass clef reads better).
    fn mostly_low(&self) -> bool {
        let pitches: Vec<f64> = self
            .part
            .bars
            .iter()
            .flatten()
            .flat_map(|e| e.pitches.iter().map(|p| f64::from(p.get())))
            .collect();
        !pitches.is_empty() && pitches.iter().sum::<f64>() / (pitches.len() as f64) < 57.0
    }

    fn tempo(&self, xml: &mut Xml) {
        let bpm = format!("{}", (self.score.bpm * 100.0).round() / 100.0);
        xml.open("direction", &[("placement", "above")]);
        xml.open("direction-type", &[]);
        xml.open("metronome", &[]);
        xml.text("beat-unit", "quarter");
        xml.text("per-minute", &bpm);
        xml.close("metronome");
        xml.close("direction-type");
        xml.empty("sound", &[("tempo", &bpm)]);
        xml.close("direction");
    }

    fn measure_rest(&self, xml: &mut Xml, length: u64) {
        xml.open("note", &[]);
        xml.empty("rest", &[("measure", "yes")]);
        xml.text("duration", &(length / self.unit()).to_string());
        xml.text("voice", "1");
        xml.close("note");
    }

    /// A note, chord or rest as one or more tied notatable values.
    fn event(&self, xml: &mut Xml, event: &ScoreEvent, key: Key, accidentals: &mut BarAccidentals) {
        let values = notated_values(event.length);
        let last = values.len().saturating_sub(1);
        for (k, &(base, dotted)) in values.iter().enumerate() {
            let units = if dotted { base + base / 2 } else { base };
            let stop = k > 0 || event.tied_from_previous;
            let start = k < last || event.tied_to_next;
            if event.is_rest() {
                xml.open("note", &[]);
                xml.empty("rest", &[]);
                self.duration_and_type(xml, units, base, dotted, (false, false));
                xml.close("note");
                continue;
            }
            for (c, &pitch) in event.pitches.iter().enumerate() {
                let spelled = spell(pitch, key);
                // A tied-over note shows no accidental, and its accidental does not hold for
                // the notes after it (the engraving convention).
                let sign = !stop && accidentals.needs_sign(spelled);
                xml.open("note", &[]);
                if c > 0 {
                    xml.empty("chord", &[]);
                }
                xml.open("pitch", &[]);
                xml.text("step", &spelled.letter_char().to_string());
                if spelled.alter != 0 {
                    xml.text("alter", &spelled.alter.to_string());
                }
                xml.text("octave", &spelled.octave.to_string());
                xml.close("pitch");
                self.duration_and_type(xml, units, base, dotted, (stop, start));
                if sign {
                    xml.text("accidental", accidental_name(spelled.alter));
                }
                if stop || start {
                    xml.open("notations", &[]);
                    if stop {
                        xml.empty("tied", &[("type", "stop")]);
                    }
                    if start {
                        xml.empty("tied", &[("type", "start")]);
                    }
                    xml.close("notations");
                }
                xml.close("note");
            }
        }
    }

    /// `duration`, the ties (stop, start) of the sound, `voice`, `type` and `dot`.
    fn duration_and_type(
        &self,
        xml: &mut Xml,
        units: u64,
        base: u64,
        dotted: bool,
        (stop, start): (bool, bool),
    ) {
        xml.text("duration", &(units / self.unit()).to_string());
        if stop {
            xml.empty("tie", &[("type", "stop")]);
        }
        if start {
            xml.empty("tie", &[("type", "start")]);
        }
        xml.text("voice", "1");
        xml.text("type", type_name(base));
        if dotted {
            xml.empty("dot", &[]);
        }
    }
}

/// `<time>` with beats and beat type.
fn time(xml: &mut Xml, signature: crate::music::TimeSignature) {
    xml.open("time", &[]);
    xml.text("beats", &signature.numerator().to_string());
    xml.text("beat-type", &signature.denominator().to_string());
    xml.close("time");
}
