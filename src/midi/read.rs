//! Reading Standard MIDI Files (format 0 and 1) into pieces; see the module documentation of
//! [`crate::midi`] for every rule.

use std::fs::File;
use std::io::Read;
use std::num::NonZeroU64;
use std::path::Path;

use midly::{EventIter, MetaMessage, MidiMessage, TrackEventKind};

use super::error::{ChunkId, MidiError, MidiProblem, describe_bytes};
use super::open_notes::{self, OpenNotes};
use crate::music::{
    Channel, Key, KeySignatureChange, Note, Part, Piece, Pitch, Program, TempoChange, TempoMap,
    Tick, TimeSignature, TimeSignatureChange, Velocity, sort_notes,
};

/// The largest file the reader accepts, 16 MiB. Real MIDI files are rarely above a few
/// megabytes; the limit bounds the memory a read can take: a note costs 24 bytes (plus 12
/// while it sounds) and takes at least 3 bytes of file, so a read needs at most about 20 bytes
/// of memory per byte of file, growth of the vectors included (320 MiB at the limit).
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// How the tracks of a file relate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SmfFormat {
    /// Format 0: one track holding every channel.
    SingleTrack,
    /// Format 1: several tracks played together (the first is usually a conductor track).
    MultiTrack,
}

impl SmfFormat {
    /// The format number written in the file, 0 or 1.
    pub const fn number(self) -> u8 {
        match self {
            SmfFormat::SingleTrack => 0,
            SmfFormat::MultiTrack => 1,
        }
    }
}

/// The frame rate of an SMPTE time division.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SmpteRate {
    /// 24 frames per second (film).
    Fps24,
    /// 25 frames per second (PAL video).
    Fps25,
    /// 29.97 frames per second (NTSC drop-frame video), written as 29 in the file.
    Fps29_97,
    /// 30 frames per second.
    Fps30,
}

impl SmpteRate {
    /// The rate from the header's frame byte (stored negated: -24, -25, -29 or -30).
    fn from_header(frames: i16) -> Option<Self> {
        match -frames {
            24 => Some(SmpteRate::Fps24),
            25 => Some(SmpteRate::Fps25),
            29 => Some(SmpteRate::Fps29_97),
            30 => Some(SmpteRate::Fps30),
            _ => None,
        }
    }

    /// Frames per second (29.97 is 30/1.001).
    pub fn frames_per_second(self) -> f64 {
        match self {
            SmpteRate::Fps24 => 24.0,
            SmpteRate::Fps25 => 25.0,
            SmpteRate::Fps29_97 => 30.0 / 1.001,
            SmpteRate::Fps30 => 30.0,
        }
    }

    /// Whole frames counted per second: 24, 25, 30 or 30 (drop-frame counts 30).
    const fn counted_frames(self) -> u16 {
        match self {
            SmpteRate::Fps24 => 24,
            SmpteRate::Fps25 => 25,
            SmpteRate::Fps29_97 | SmpteRate::Fps30 => 30,
        }
    }

    /// Microseconds that `counted_frames` frames last: one second, 1.001 s at 29.97 fps.
    const fn micros_per_counted_second(self) -> u32 {
        match self {
            SmpteRate::Fps29_97 => 1_001_000,
            _ => 1_000_000,
        }
    }
}

/// The time division written in the file's header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Timing {
    /// Ticks per quarter note (the tempo says how long a quarter note is).
    TicksPerQuarter(u16),
    /// Ticks per SMPTE frame: absolute time, whatever the tempo.
    Smpte {
        /// The frame rate.
        rate: SmpteRate,
        /// Ticks in one frame.
        ticks_per_frame: u8,
    },
}

/// What the reader tolerated or repaired in a file that it still read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ReadReport {
    /// Chunks of a type other than `MTrk` among the tracks, skipped.
    pub unknown_chunks: usize,
    /// Bytes after the last declared track, not read (extra tracks or padding).
    pub trailing_bytes: usize,
    /// Tracks that stop without an End-of-Track event.
    pub tracks_without_end: usize,
    /// Notes still sounding at their track's end, ended there.
    pub unreleased_notes: usize,
    /// NoteOffs (or NoteOns of velocity 0) with no sounding note to end.
    pub unmatched_note_offs: usize,
    /// Notes ending on the tick they start, given one tick.
    pub zero_length_notes: usize,
    /// Tempo, time signature or key signature events with impossible values, and tempo events
    /// in SMPTE-timed files: skipped.
    pub skipped_meta_events: usize,
}

/// A MIDI file as read: the piece and the facts about the file itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MidiFile {
    /// The music.
    pub piece: Piece,
    /// Format 0 or 1.
    pub format: SmfFormat,
    /// Tracks read (as many as the header declares).
    pub tracks: u16,
    /// The time division as written in the header (the piece's own resolution may differ for
    /// SMPTE timing, see the module documentation).
    pub timing: Timing,
    /// What was tolerated or repaired.
    pub report: ReadReport,
}

/// Reads a Standard MIDI File (format 0 or 1, or one wrapped in RIFF RMID). Files over
/// [`MAX_FILE_BYTES`] are refused before their content is read. When the file gives no title
/// the piece is titled after the file's stem.
pub fn read_file(path: impl AsRef<Path>) -> Result<MidiFile, MidiError> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let bytes = load(path).map_err(|problem| MidiError::new(name.as_str(), problem))?;
    let mut file = read_bytes(&bytes, &name)?;
    if file.piece.title.is_empty()
        && let Some(stem) = path.file_stem()
    {
        file.piece.title = stem.to_string_lossy().into_owned();
    }
    Ok(file)
}

/// Reads a Standard MIDI File held in memory; `name` is what error messages call it (a path
/// or a label). The title stays empty when the file gives none.
pub fn read_bytes(bytes: &[u8], name: &str) -> Result<MidiFile, MidiError> {
    parse(bytes).map_err(|problem| MidiError::new(name, problem))
}

/// The bytes of a file, refusing files over the limit before reading them (and reading no
/// more than the limit from things whose size the file system does not know).
fn load(path: &Path) -> Result<Vec<u8>, MidiProblem> {
    let file = File::open(path).map_err(MidiProblem::Read)?;
    let size = file.metadata().map_err(MidiProblem::Read)?.len();
    let too_large = |size| MidiProblem::TooLarge {
        size,
        limit: MAX_FILE_BYTES,
    };
    if size > MAX_FILE_BYTES {
        return Err(too_large(size));
    }
    // `size` is at most the limit here, so the cast cannot truncate.
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(MidiProblem::Read)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// The whole reading, without the file name.
fn parse(bytes: &[u8]) -> Result<MidiFile, MidiProblem> {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(MidiProblem::TooLarge {
            size: bytes.len() as u64,
            limit: MAX_FILE_BYTES,
        });
    }
    if bytes.is_empty() {
        return Err(MidiProblem::Empty);
    }
    let smf = if bytes.starts_with(b"RIFF") {
        unwrap_riff(bytes)?
    } else {
        bytes
    };
    let mut pos = 0;
    let header = read_header(smf, &mut pos)?;
    let mut builder = Builder::new(matches!(header.timing, Timing::Smpte { .. }));
    let mut found: u16 = 0;
    while found < header.tracks {
        match next_chunk(smf, &mut pos)? {
            None => {
                return Err(MidiProblem::MissingTracks {
                    declared: header.tracks,
                    found,
                });
            }
            Some(chunk) if chunk.id == *b"MTrk" => {
                builder.track(usize::from(found), chunk.body)?;
                found += 1;
            }
            Some(_) => builder.report.unknown_chunks += 1,
        }
    }
    builder.report.trailing_bytes = smf.len().saturating_sub(pos);
    let report = std::mem::take(&mut builder.report);
    Ok(MidiFile {
        piece: builder.finish(header.timing),
        format: header.format,
        tracks: header.tracks,
        timing: header.timing,
        report,
    })
}

/// The Standard MIDI File inside a RIFF RMID file.
fn unwrap_riff(bytes: &[u8]) -> Result<&[u8], MidiProblem> {
    let Some((head, mut rest)) = bytes.split_first_chunk::<12>() else {
        return Err(MidiProblem::BadRiff("shorter than a RIFF header"));
    };
    if head[8..12] != *b"RMID" {
        return Err(MidiProblem::BadRiff("the RIFF form type is not RMID"));
    }
    while let Some((sub, after)) = rest.split_first_chunk::<8>() {
        let len = u32::from_le_bytes([sub[4], sub[5], sub[6], sub[7]]) as usize;
        let body = after.get(..len).ok_or(MidiProblem::BadRiff(
            "a RIFF chunk runs past the end of the file",
        ))?;
        if sub[..4] == *b"data" {
            return Ok(body);
        }
        // RIFF chunks are padded to an even length.
        rest = after.get(len + (len & 1)..).unwrap_or_default();
    }
    Err(MidiProblem::BadRiff("no data chunk holds a MIDI file"))
}

/// The header's content.
struct Header {
    format: SmfFormat,
    tracks: u16,
    timing: Timing,
}

/// Reads and checks the header chunk, which must come first.
fn read_header(smf: &[u8], pos: &mut usize) -> Result<Header, MidiProblem> {
    if !smf.starts_with(b"MThd") {
        if smf.len() < 4 && b"MThd".starts_with(smf) {
            return Err(MidiProblem::TruncatedChunkHeader { offset: 0 });
        }
        let start = smf.get(..4).unwrap_or(smf);
        return Err(MidiProblem::NotMidi(describe_bytes(start)));
    }
    let chunk = next_chunk(smf, pos)?.ok_or(MidiProblem::Empty)?;
    let Some(fields) = chunk.body.first_chunk::<6>() else {
        return Err(MidiProblem::ShortHeader(chunk.body.len() as u32));
    };
    let format = match u16::from_be_bytes([fields[0], fields[1]]) {
        0 => SmfFormat::SingleTrack,
        1 => SmfFormat::MultiTrack,
        2 => return Err(MidiProblem::Format2),
        other => return Err(MidiProblem::UnknownFormat(other)),
    };
    let tracks = u16::from_be_bytes([fields[2], fields[3]]);
    let timing = if fields[4] & 0x80 == 0 {
        match u16::from_be_bytes([fields[4], fields[5]]) {
            0 => return Err(MidiProblem::ZeroTicksPerQuarter),
            tpq => Timing::TicksPerQuarter(tpq),
        }
    } else {
        let frames = i16::from(fields[4] as i8);
        let ticks_per_frame = fields[5];
        match SmpteRate::from_header(frames) {
            Some(rate) if ticks_per_frame > 0 => Timing::Smpte {
                rate,
                ticks_per_frame,
            },
            _ => {
                return Err(MidiProblem::BadSmpte {
                    frames: -frames,
                    ticks_per_frame,
                });
            }
        }
    };
    if tracks == 0 {
        return Err(MidiProblem::NoTracks);
    }
    if format == SmfFormat::SingleTrack && tracks != 1 {
        return Err(MidiProblem::Format0TrackCount(tracks));
    }
    Ok(Header {
        format,
        tracks,
        timing,
    })
}

/// A chunk: its type and its data.
struct Chunk<'a> {
    id: [u8; 4],
    body: &'a [u8],
}

/// The chunk starting at `pos` (then moved past it), or `None` at the end of the data.
fn next_chunk<'a>(data: &'a [u8], pos: &mut usize) -> Result<Option<Chunk<'a>>, MidiProblem> {
    let offset = *pos;
    let rest = data.get(offset..).unwrap_or_default();
    if rest.is_empty() {
        return Ok(None);
    }
    let Some((head, rest)) = rest.split_first_chunk::<8>() else {
        return Err(MidiProblem::TruncatedChunkHeader { offset });
    };
    let id = [head[0], head[1], head[2], head[3]];
    // The standard's chunk types are four ASCII letters; anything else means we are not
    // where a chunk starts.
    if !id.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
        return Err(MidiProblem::NotAChunk {
            offset,
            id: ChunkId(id),
        });
    }
    let declared = u32::from_be_bytes([head[4], head[5], head[6], head[7]]);
    let Some(body) = rest.get(..declared as usize) else {
        return Err(MidiProblem::ChunkTooLong {
            id: ChunkId(id),
            offset,
            declared,
            available: rest.len(),
        });
    };
    *pos = offset + 8 + body.len();
    Ok(Some(Chunk { id, body }))
}

/// No part yet for a channel of the current track.
const NO_PART: usize = usize::MAX;

/// What is known about the track being read.
struct TrackState<'a> {
    /// The current tick.
    tick: Tick,
    /// The first part the track made.
    first_part: usize,
    /// The part of each channel in this track, or [`NO_PART`].
    part_of_channel: [usize; 16],
    /// The first program change of each channel in this track.
    programs: [Option<Program>; 16],
    /// The first Track Name event's text.
    name: Option<&'a [u8]>,
}

impl TrackState<'_> {
    fn new(first_part: usize) -> Self {
        TrackState {
            tick: 0,
            first_part,
            part_of_channel: [NO_PART; 16],
            programs: [None; 16],
            name: None,
        }
    }
}

/// Gathers the piece while the tracks are read.
struct Builder {
    smpte: bool,
    title: String,
    tempos: Vec<TempoChange>,
    time_signatures: Vec<TimeSignatureChange>,
    key_signatures: Vec<KeySignatureChange>,
    parts: Vec<Part>,
    /// Parts whose track has no program change on their channel.
    programs_from_file: Vec<usize>,
    /// The first program change of each channel anywhere in the file.
    file_programs: [Option<Program>; 16],
    open: OpenNotes<Started>,
    report: ReadReport,
}

impl Builder {
    fn new(smpte: bool) -> Self {
        Builder {
            smpte,
            title: String::new(),
            tempos: Vec::new(),
            time_signatures: Vec::new(),
            key_signatures: Vec::new(),
            parts: Vec::new(),
            programs_from_file: Vec::new(),
            file_programs: [None; 16],
            open: OpenNotes::new(),
            report: ReadReport::default(),
        }
    }

    /// Reads one track (`index` 0-based).
    fn track(&mut self, index: usize, data: &[u8]) -> Result<(), MidiProblem> {
        let mut events = EventIter::new(data);
        let mut track = TrackState::new(self.parts.len());
        // The running status of channel messages, kept across meta and SysEx events.
        let mut channel_status = None;
        let mut ended = false;
        loop {
            let remaining = events.unread();
            // midly stops quietly at a malformed event (its lenient mode): unread bytes left
            // behind a `None` mean the event there could not be decoded.
            let Some(event) = events.next() else {
                if !remaining.is_empty() {
                    return Err(bad_event(index, data, remaining));
                }
                break;
            };
            let event = event.map_err(|_| bad_event(index, data, remaining))?;
            // midly also lets meta and SysEx data run short at the end of a track; such an
            // event was cut off (by a wrong chunk length, or damage).
            if !matches!(event.kind, TrackEventKind::Midi { .. })
                && events.unread().is_empty()
                && data_runs_past_end(remaining)
            {
                return Err(bad_event(index, data, remaining));
            }
            track.tick += u64::from(event.delta.as_int());
            match event.kind {
                TrackEventKind::Midi { channel, message } => {
                    channel_status = events.running_status();
                    self.channel_message(&mut track, channel.as_int(), message);
                }
                TrackEventKind::Meta(MetaMessage::EndOfTrack) => {
                    ended = true;
                    break;
                }
                TrackEventKind::Meta(meta) => {
                    *events.running_status_mut() = channel_status;
                    self.meta_message(&mut track, meta);
                }
                TrackEventKind::SysEx(_) | TrackEventKind::Escape(_) => {
                    *events.running_status_mut() = channel_status;
                }
            }
        }
        if !ended {
            self.report.tracks_without_end += 1;
        }
        self.finish_track(index, track);
        Ok(())
    }

    /// A channel message: notes and program changes matter.
    fn channel_message(&mut self, track: &mut TrackState<'_>, channel: u8, message: MidiMessage) {
        match message {
            MidiMessage::NoteOn { key, vel } if vel > 0 => {
                let started = start_note(
                    &mut self.parts,
                    &mut track.part_of_channel,
                    channel,
                    key.as_int(),
                    track.tick,
                    vel.as_int(),
                );
                self.open
                    .push(open_notes::key(channel, key.as_int()), started);
            }
            MidiMessage::NoteOn { key, .. } | MidiMessage::NoteOff { key, .. } => {
                match self.open.pop_front(open_notes::key(channel, key.as_int())) {
                    Some(started) => {
                        end_note(&mut self.parts, &mut self.report, started, track.tick)
                    }
                    None => self.report.unmatched_note_offs += 1,
                }
            }
            MidiMessage::ProgramChange { program } => {
                let program = Program::new(program.as_int()).unwrap_or_default();
                let c = usize::from(channel & 0x0F);
                track.programs[c].get_or_insert(program);
                self.file_programs[c].get_or_insert(program);
            }
            _ => {}
        }
    }

    /// A meta message (other than End-of-Track): names, tempo and signatures matter.
    fn meta_message<'a>(&mut self, track: &mut TrackState<'a>, meta: MetaMessage<'a>) {
        let tick = track.tick;
        match meta {
            MetaMessage::TrackName(text) => {
                track.name.get_or_insert(text);
            }
            MetaMessage::Tempo(micros) => self.tempo(tick, micros.as_int()),
            MetaMessage::TimeSignature(numerator, power, _, _) => {
                self.time_signature(tick, numerator, power);
            }
            MetaMessage::KeySignature(sharps_flats, minor) => {
                self.key_signature(tick, sharps_flats, minor);
            }
            _ => {}
        }
    }

    /// Ends the notes still sounding, then orders, names and sorts the track's parts.
    fn finish_track(&mut self, index: usize, track: TrackState<'_>) {
        let (open, parts, report) = (&mut self.open, &mut self.parts, &mut self.report);
        open.drain(|started| {
            report.unreleased_notes += 1;
            end_note(parts, report, started, track.tick);
        });
        let name = track.name.map(decode_text);
        self.finish_track_parts(index, track.first_part, name.as_deref(), &track.programs);
        if index == 0
            && let Some(name) = name
        {
            self.title = name;
        }
    }

    fn tempo(&mut self, tick: Tick, micros_per_quarter: u32) {
        if self.smpte || micros_per_quarter == 0 {
            self.report.skipped_meta_events += 1;
        } else {
            self.tempos.push(TempoChange {
                tick,
                micros_per_quarter,
            });
        }
    }

    fn time_signature(&mut self, tick: Tick, numerator: u8, power: u8) {
        let signature = match 1u8.checked_shl(u32::from(power)) {
            Some(denominator) if power <= 6 => TimeSignature::new(numerator, denominator).ok(),
            _ => None,
        };
        match signature {
            Some(signature) => self
                .time_signatures
                .push(TimeSignatureChange { tick, signature }),
            None => self.report.skipped_meta_events += 1,
        }
    }

    fn key_signature(&mut self, tick: Tick, sharps_flats: i8, minor: bool) {
        match Key::from_key_signature(sharps_flats, minor) {
            Ok(key) => self.key_signatures.push(KeySignatureChange { tick, key }),
            Err(_) => self.report.skipped_meta_events += 1,
        }
    }

    /// Orders, names and sorts the parts the track just read made, and gives them the
    /// program of their channel in the track.
    fn finish_track_parts(
        &mut self,
        index: usize,
        first_part: usize,
        name: Option<&str>,
        programs: &[Option<Program>; 16],
    ) {
        let Some(parts) = self.parts.get_mut(first_part..) else {
            return;
        };
        parts.sort_by_key(|p| p.channel);
        let several = parts.len() > 1;
        for (i, part) in parts.iter_mut().enumerate() {
            let channel = part.channel.get();
            part.name = match (name, several) {
                (Some(name), false) => name.to_owned(),
                (None, false) => format!("Track {}", index + 1),
                (Some(""), true) => format!("Channel {}", channel + 1),
                (Some(name), true) => format!("{name} (channel {})", channel + 1),
                (None, true) => format!("Track {} (channel {})", index + 1, channel + 1),
            };
            match programs[usize::from(channel)] {
                Some(program) => part.program = program,
                None => self.programs_from_file.push(first_part + i),
            }
            sort_notes(&mut part.notes);
        }
    }

    /// The piece, once every track is read.
    fn finish(mut self, timing: Timing) -> Piece {
        for &i in &self.programs_from_file {
            if let Some(part) = self.parts.get_mut(i) {
                part.program =
                    self.file_programs[usize::from(part.channel.get())].unwrap_or(Program::PIANO);
            }
        }
        let (ticks_per_quarter, tempo_map) = match timing {
            Timing::TicksPerQuarter(tpq) => (
                tpq,
                TempoMap::new(std::mem::take(&mut self.tempos)).unwrap_or_default(),
            ),
            Timing::Smpte {
                rate,
                ticks_per_frame,
            } => (
                // At most 30 × 255 = 7,650: a valid resolution.
                rate.counted_frames() * u16::from(ticks_per_frame),
                TempoMap::constant(rate.micros_per_counted_second()).unwrap_or_default(),
            ),
        };
        last_per_tick(&mut self.time_signatures, |c| c.tick);
        last_per_tick(&mut self.key_signatures, |c| c.tick);
        Piece {
            title: self.title,
            ticks_per_quarter,
            tempo_map,
            time_signatures: self.time_signatures,
            key_signatures: self.key_signatures,
            parts: self.parts,
            pickup: 0,
        }
    }
}

/// Where a started note lies: its part and its index in the part's notes.
#[derive(Clone, Copy, Debug)]
struct Started {
    part: u32,
    note: u32,
}

/// Puts a note struck at `tick` into its channel's part of the current track (made on the
/// channel's first note), one tick long until it ends: notes so land in the order they start,
/// which leaves little for the final sort to do.
fn start_note(
    parts: &mut Vec<Part>,
    part_of_channel: &mut [usize; 16],
    channel: u8,
    pitch: u8,
    tick: Tick,
    velocity: u8,
) -> Started {
    let slot = &mut part_of_channel[usize::from(channel & 0x0F)];
    if *slot == NO_PART {
        *slot = parts.len();
        parts.push(Part {
            channel: Channel::new(channel & 0x0F).unwrap_or_default(),
            ..Part::default()
        });
    }
    let part = *slot;
    let mut index = 0;
    if let (Some(part), Ok(pitch)) = (parts.get_mut(part), Pitch::new(pitch & 0x7F)) {
        index = part.notes.len();
        part.notes.push(Note {
            pitch,
            start: tick,
            duration: NonZeroU64::MIN,
            velocity: Velocity::saturating(i32::from(velocity)),
        });
    }
    // Fewer parts and notes than bytes in a file below MAX_FILE_BYTES: they fit in u32.
    Started {
        part: part as u32,
        note: index as u32,
    }
}

/// Ends a started note at `tick`; a note ending where it starts keeps its one tick.
fn end_note(parts: &mut [Part], report: &mut ReadReport, started: Started, tick: Tick) {
    let note = parts
        .get_mut(started.part as usize)
        .and_then(|part| part.notes.get_mut(started.note as usize));
    if let Some(note) = note {
        match NonZeroU64::new(tick.saturating_sub(note.start)) {
            Some(duration) => note.duration = duration,
            None => report.zero_length_notes += 1,
        }
    }
}

/// The error for the event at the start of `remaining` inside a track's `data`.
fn bad_event(index: usize, data: &[u8], remaining: &[u8]) -> MidiProblem {
    MidiProblem::BadEvent {
        track: index + 1,
        offset: data.len() - remaining.len(),
        bytes: describe_bytes(remaining.get(..4).unwrap_or(remaining)),
    }
}

/// Whether the meta, SysEx or escape event at the start of `event` (which runs to the end of
/// its track) declares more data than there is, or is cut inside its length.
fn data_runs_past_end(event: &[u8]) -> bool {
    let Some(after_delta) = varlen(event).map(|(_, used)| used) else {
        return true;
    };
    let header = match event.get(after_delta) {
        Some(0xFF) => after_delta + 2,
        _ => after_delta + 1,
    };
    match event.get(header..).and_then(varlen) {
        Some((len, used)) => (event.len() - header - used) < len as usize,
        None => true,
    }
}

/// A variable-length quantity at the start of `bytes` (at most 4 bytes) and how many bytes it
/// took; `None` when the bytes end inside it.
fn varlen(bytes: &[u8]) -> Option<(u32, usize)> {
    let mut value = 0u32;
    for (i, byte) in bytes.iter().take(4).enumerate() {
        value = (value << 7) | u32::from(byte & 0x7F);
        if byte & 0x80 == 0 || i == 3 {
            return Some((value, i + 1));
        }
    }
    None
}

/// Text from a meta event: UTF-8 when it is valid UTF-8, else Latin-1; trailing NULs dropped.
fn decode_text(bytes: &[u8]) -> String {
    let end = bytes.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
    let bytes = &bytes[..end];
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => bytes.iter().map(|b| char::from(*b)).collect(),
    }
}

/// Sorts by tick (stable) and keeps only the last item of each tick.
fn last_per_tick<T>(items: &mut Vec<T>, tick: impl Fn(&T) -> Tick) {
    items.sort_by_key(&tick);
    items.reverse();
    items.dedup_by_key(|item| tick(item));
    items.reverse();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_utf8_or_latin1_without_trailing_nuls() {
        assert_eq!(decode_text("Flûte".as_bytes()), "Flûte");
        assert_eq!(decode_text(b"Fl\xFBte\0\0"), "Flûte");
        assert_eq!(decode_text(b"\0"), "");
    }

    #[test]
    fn last_of_each_tick_wins() {
        let mut items = vec![(5, 'a'), (0, 'b'), (5, 'c'), (0, 'd'), (7, 'e')];
        last_per_tick(&mut items, |i| i.0);
        assert_eq!(items, vec![(0, 'd'), (5, 'c'), (7, 'e')]);
    }

    #[test]
    fn cut_off_meta_data_is_noticed() {
        assert!(!data_runs_past_end(&[0x00, 0xFF, 0x2F, 0x00]));
        assert!(data_runs_past_end(&[0x00, 0xFF, 0x2F]));
        assert!(!data_runs_past_end(&[
            0x81, 0x00, 0xFF, 0x01, 0x02, b'h', b'i'
        ]));
        assert!(data_runs_past_end(&[0x00, 0xFF, 0x01, 0x03, b'h', b'i']));
        assert!(data_runs_past_end(&[0x00, 0xFF, 0x01, 0x81]));
        assert!(!data_runs_past_end(&[0x00, 0xF0, 0x01, 0xF7]));
        assert!(data_runs_past_end(&[0x00, 0xF0, 0x02, 0xF7]));
        assert!(data_runs_past_end(&[0x80]));
        assert_eq!(varlen(&[0x81, 0x80, 0x00]), Some((16384, 3)));
    }

    #[test]
    fn chunks_are_checked() {
        let data = b"MTrk\0\0\0\x02ab";
        let mut pos = 0;
        let chunk = next_chunk(data, &mut pos).unwrap().unwrap();
        assert_eq!((chunk.id, chunk.body, pos), (*b"MTrk", &b"ab"[..], 10));
        assert!(next_chunk(data, &mut pos).unwrap().is_none());
        let mut pos = 0;
        assert!(matches!(
            next_chunk(b"MTrk\0\0\0\x03ab", &mut pos),
            Err(MidiProblem::ChunkTooLong {
                declared: 3,
                available: 2,
                ..
            })
        ));
        assert!(matches!(
            next_chunk(b"MTrk\0\0", &mut pos),
            Err(MidiProblem::TruncatedChunkHeader { offset: 0 })
        ));
        assert!(matches!(
            next_chunk(b"\xFF\x2F\0MTrk\0\0\0\0", &mut pos),
            Err(MidiProblem::NotAChunk { offset: 0, .. })
        ));
    }
}
