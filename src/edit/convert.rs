//! Conversion between documents and pieces (import of MIDI/ABC pieces as parts, export of
//! all parts or one).

use super::EditError;
use super::document::{DocState, Document, TEMPO_RANGE, fresh_id};
use super::part::{DocPart, EditNote, PartRole};
use crate::music::{KeySignatureChange, Note, Part, Piece, TempoMap, Tick, TimeSignatureChange};

/// `tick * num / den`, rounded to the nearest tick.
fn rescale(tick: Tick, num: u64, den: u64) -> Tick {
    let den = den.max(1);
    let scaled = (u128::from(tick) * u128::from(num) + u128::from(den) / 2) / u128::from(den);
    Tick::try_from(scaled).unwrap_or(Tick::MAX)
}

/// A note moved to another resolution (keeping at least one tick of length).
fn rescale_note(note: Note, num: u64, den: u64) -> Note {
    if num == den {
        return note;
    }
    let start = rescale(note.start, num, den);
    let end = rescale(note.end(), num, den).max(start + 1);
    Note::new(note.pitch, start, end - start, note.velocity).unwrap_or(note)
}

fn clamp_bpm(bpm: f64) -> f64 {
    if bpm.is_nan() {
        120.0
    } else {
        bpm.clamp(*TEMPO_RANGE.start(), *TEMPO_RANGE.end())
    }
}

impl Document {
    /// A document holding a piece: its resolution, initial tempo, initial time signature,
    /// declared key and title; each part becomes a document part with `role` (an empty
    /// piece gives one empty seed part). The first part is active; no undo history.
    pub fn from_piece(piece: &Piece, role: PartRole) -> Document {
        let mut next_id = 0;
        let parts = piece
            .parts
            .iter()
            .enumerate()
            .map(|(i, part)| doc_part(part, role, i as u8, &mut next_id, 1, 1))
            .collect();
        let mut doc = Document::with_parts(piece.ticks_per_quarter, parts);
        doc.state.title = piece.title.clone();
        doc.state.tempo_bpm = clamp_bpm(piece.tempo_map.initial_bpm());
        doc.state.time_signature = piece.initial_time_signature();
        doc.state.key = piece.declared_key();
        doc
    }

    /// Adds every part of a piece as a new part (rescaled to the document's resolution,
    /// named after the piece's part, or its title when the part has no name) in one undo
    /// step; returns the new parts' indices. Tempo and metre of the document are kept.
    pub fn import_piece(&mut self, piece: &Piece, role: PartRole) -> Vec<usize> {
        let num = u64::from(self.ticks_per_quarter);
        let den = u64::from(piece.ticks_per_quarter.max(1));
        self.edit(|s: &mut DocState, next_id| {
            let first = s.parts.len();
            let mut colour = s
                .parts
                .iter()
                .map(|p| p.colour)
                .max()
                .map_or(0, |c| c.wrapping_add(1));
            for part in &piece.parts {
                let mut doc_part = doc_part(part, role, colour, next_id, num, den);
                if doc_part.name.is_empty() {
                    doc_part.name = piece.title.clone();
                }
                s.parts.push(doc_part);
                colour = colour.wrapping_add(1);
            }
            let added: Vec<usize> = (first..s.parts.len()).collect();
            let changed = !added.is_empty();
            (added, changed)
        })
    }

    /// The whole document as a piece: every part (hidden ones too), the tempo, the time
    /// signature and the key.
    pub fn to_piece(&self) -> Piece {
        self.piece_with(self.state.parts.iter().map(DocPart::to_part).collect())
    }

    /// One part as a piece, with the document's tempo, time signature and key.
    pub fn part_to_piece(&self, index: usize) -> Result<Piece, EditError> {
        let part = self.state.parts.get(index).ok_or(EditError::NoSuchPart {
            index,
            count: self.state.parts.len(),
        })?;
        Ok(self.piece_with(vec![part.to_part()]))
    }

    fn piece_with(&self, parts: Vec<Part>) -> Piece {
        Piece {
            title: self.state.title.clone(),
            ticks_per_quarter: self.ticks_per_quarter,
            tempo_map: TempoMap::from_bpm(self.state.tempo_bpm),
            time_signatures: vec![TimeSignatureChange {
                tick: 0,
                signature: self.state.time_signature,
            }],
            key_signatures: self
                .state
                .key
                .map(|key| KeySignatureChange { tick: 0, key })
                .into_iter()
                .collect(),
            parts,
            pickup: 0,
        }
    }
}

/// A document part from a piece's part, rescaled by `num / den`, with fresh ids.
fn doc_part(
    part: &Part,
    role: PartRole,
    colour: u8,
    next_id: &mut u64,
    num: u64,
    den: u64,
) -> DocPart {
    let notes = part
        .notes
        .iter()
        .map(|&note| EditNote {
            id: fresh_id(next_id),
            note: rescale_note(note, num, den),
        })
        .collect();
    let mut doc_part = DocPart::new(part.name.clone(), role, colour).with_notes(notes);
    doc_part.program = part.program;
    doc_part.channel = part.channel;
    doc_part
}
