//! Builders for hand-written Standard MIDI Files and sample pieces, shared by the `midi_*`
//! tests.
#![allow(dead_code)]

use gan_studio::music::{
    Channel, KeySignatureChange, Note, Part, Piece, Pitch, Program, TempoChange, TempoMap,
    TimeSignature, TimeSignatureChange, Velocity, sort_notes,
};

/// A MIDI variable-length quantity.
pub fn vlq(mut n: u32) -> Vec<u8> {
    let mut out = vec![(n & 0x7F) as u8];
    n >>= 7;
    while n > 0 {
        out.insert(0, (n & 0x7F) as u8 | 0x80);
        n >>= 7;
    }
    out
}

/// A chunk: type, big-endian length, body.
pub fn chunk(id: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = id.to_vec();
    out.extend_from_slice(&(body.len() as u32).to_be_bytes());
    out.extend_from_slice(body);
    out
}

/// A header chunk.
pub fn header(format: u16, tracks: u16, division: u16) -> Vec<u8> {
    let mut body = format.to_be_bytes().to_vec();
    body.extend_from_slice(&tracks.to_be_bytes());
    body.extend_from_slice(&division.to_be_bytes());
    chunk(b"MThd", &body)
}

/// A whole file: a header declaring `tracks.len()` tracks, then each track body as an MTrk.
pub fn smf(format: u16, division: u16, tracks: &[Vec<u8>]) -> Vec<u8> {
    let mut out = header(format, tracks.len() as u16, division);
    for t in tracks {
        out.extend(chunk(b"MTrk", t));
    }
    out
}

/// One event: delta time then raw bytes.
pub fn ev(delta: u32, bytes: &[u8]) -> Vec<u8> {
    let mut out = vlq(delta);
    out.extend_from_slice(bytes);
    out
}

/// A track body made of events.
pub fn track(events: &[Vec<u8>]) -> Vec<u8> {
    events.concat()
}

/// End of track.
pub fn eot(delta: u32) -> Vec<u8> {
    ev(delta, &[0xFF, 0x2F, 0x00])
}

/// Set tempo (microseconds per quarter note).
pub fn tempo(delta: u32, micros: u32) -> Vec<u8> {
    let b = micros.to_be_bytes();
    ev(delta, &[0xFF, 0x51, 0x03, b[1], b[2], b[3]])
}

/// Track name.
pub fn name(delta: u32, text: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0x03];
    bytes.extend(vlq(text.len() as u32));
    bytes.extend_from_slice(text);
    ev(delta, &bytes)
}

/// Time signature: numerator and the power of two of the denominator.
pub fn time_sig(delta: u32, numerator: u8, power: u8) -> Vec<u8> {
    ev(delta, &[0xFF, 0x58, 0x04, numerator, power, 24, 8])
}

/// Key signature: sharps (positive) or flats (negative), minor flag.
pub fn key_sig(delta: u32, sharps_flats: i8, minor: bool) -> Vec<u8> {
    ev(
        delta,
        &[0xFF, 0x59, 0x02, sharps_flats as u8, u8::from(minor)],
    )
}

/// NoteOn with a status byte.
pub fn on(delta: u32, channel: u8, key: u8, vel: u8) -> Vec<u8> {
    ev(delta, &[0x90 | channel, key, vel])
}

/// NoteOff (0x8n) with a status byte.
pub fn off(delta: u32, channel: u8, key: u8) -> Vec<u8> {
    ev(delta, &[0x80 | channel, key, 0x40])
}

/// Program change.
pub fn program(delta: u32, channel: u8, program: u8) -> Vec<u8> {
    ev(delta, &[0xC0 | channel, program])
}

/// The notes of a part as (pitch, start, duration, velocity), in the part's order.
pub fn notes(part: &gan_studio::music::Part) -> Vec<(u8, u64, u64, u8)> {
    part.notes
        .iter()
        .map(|n| (n.pitch.get(), n.start, n.duration.get(), n.velocity.get()))
        .collect()
}

/// A note from plain numbers.
pub fn note(pitch: u8, start: u64, duration: u64, velocity: u8) -> Note {
    Note::new(
        Pitch::new(pitch).unwrap(),
        start,
        duration,
        Velocity::new(velocity).unwrap(),
    )
    .unwrap()
}

/// A part with sorted notes.
pub fn part(name: &str, program: u8, channel: u8, mut notes: Vec<Note>) -> Part {
    sort_notes(&mut notes);
    Part {
        name: name.to_string(),
        program: Program::new(program).unwrap(),
        channel: Channel::new(channel).unwrap(),
        notes,
    }
}

/// A piece using everything a file can say: tempo changes, time and key signature changes,
/// three parts (one on the drum channel), chords, repeated and overlapping notes of one pitch.
pub fn rich_piece() -> Piece {
    let mut piece = Piece::new(384).unwrap();
    piece.title = "Round trip".into();
    piece.tempo_map = TempoMap::new(vec![
        TempoChange {
            tick: 0,
            micros_per_quarter: 500_000,
        },
        TempoChange {
            tick: 1536,
            micros_per_quarter: 400_000,
        },
        TempoChange {
            tick: 3072,
            micros_per_quarter: 750_000,
        },
    ])
    .unwrap();
    piece.time_signatures = vec![
        TimeSignatureChange {
            tick: 0,
            signature: TimeSignature::new(3, 4).unwrap(),
        },
        TimeSignatureChange {
            tick: 2304,
            signature: TimeSignature::new(6, 8).unwrap(),
        },
    ];
    piece.key_signatures = vec![
        KeySignatureChange {
            tick: 0,
            key: "E minor".parse().unwrap(),
        },
        KeySignatureChange {
            tick: 2304,
            key: "Bb major".parse().unwrap(),
        },
    ];
    piece.parts = vec![
        part(
            "Piano",
            0,
            0,
            vec![
                note(60, 0, 384, 80),
                note(64, 0, 384, 70),
                note(67, 0, 384, 60),
                // Repeated C4: ends where the next starts.
                note(60, 384, 384, 90),
                note(60, 768, 100, 91),
                // Overlapping E4s (not nested).
                note(64, 768, 400, 50),
                note(64, 900, 600, 51),
                // Same start, same pitch, different lengths.
                note(72, 2000, 10, 30),
                note(72, 2000, 20, 31),
            ],
        ),
        part(
            "Violin ♪",
            40,
            1,
            vec![note(76, 100, 2000, 100), note(79, 4000, 1, 127)],
        ),
        part(
            "Kit",
            0,
            9,
            vec![
                note(36, 0, 1, 120),
                note(38, 384, 1, 110),
                note(42, 0, 48, 1),
            ],
        ),
    ];
    piece
}

/// What a piece's parts sound like, note by note, worked out independently of the library:
/// per pitch, each distinct start is one strike (at the loudest velocity of the notes starting
/// there) that lasts until the next strike of the pitch or until every note that started so
/// far has ended, whichever comes first. This is what a written file reads back as.
pub fn as_played(piece: &Piece) -> Piece {
    let mut played = piece.clone();
    for part in &mut played.parts {
        let mut by_pitch: std::collections::BTreeMap<Pitch, Vec<Note>> = Default::default();
        for n in &part.notes {
            by_pitch.entry(n.pitch).or_default().push(*n);
        }
        let mut notes = Vec::new();
        for (pitch, mut same) in by_pitch {
            same.sort_by_key(|n| n.start);
            let mut starts: Vec<u64> = same.iter().map(|n| n.start).collect();
            starts.dedup();
            for (i, &start) in starts.iter().enumerate() {
                let begun = same.iter().filter(|n| n.start <= start);
                let reach = begun.clone().map(Note::end).max().unwrap();
                let velocity = begun.filter(|n| n.start == start).map(|n| n.velocity).max();
                let end = starts.get(i + 1).map_or(reach, |&next| next.min(reach));
                notes.push(Note::new(pitch, start, end - start, velocity.unwrap()).unwrap());
            }
        }
        sort_notes(&mut notes);
        part.notes = notes;
    }
    played
}
