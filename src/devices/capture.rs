//! Turning keys played on a MIDI keyboard into a quantized, monophonic seed melody.
//!
//! This is the pure half of input recording: it takes key presses and releases with their
//! times in seconds (from any clock) and gives notes on the 16th-note grid, so tests and other
//! front ends can drive it without a device. See [`quantize_recording`] for the rules.

use super::DeviceError;
use crate::music::{
    Channel, Note, Piece, Pitch, Program, TempoMap, Tick, TimeSignature, TimeSignatureChange,
    Velocity,
};

/// A key going down or up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyEvent {
    /// A key was struck.
    Down {
        /// Which key.
        pitch: Pitch,
        /// How hard.
        velocity: Velocity,
    },
    /// A key was released.
    Up {
        /// Which key.
        pitch: Pitch,
    },
}

/// A key event and when it happened, in seconds on the recording's clock.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimedKey {
    /// Seconds from the clock's origin (negative before it).
    pub seconds: f64,
    /// What happened.
    pub event: KeyEvent,
}

impl TimedKey {
    /// A key struck at `seconds`.
    pub fn down(seconds: f64, pitch: Pitch, velocity: Velocity) -> Self {
        TimedKey {
            seconds,
            event: KeyEvent::Down { pitch, velocity },
        }
    }

    /// A key released at `seconds`.
    pub fn up(seconds: f64, pitch: Pitch) -> Self {
        TimedKey {
            seconds,
            event: KeyEvent::Up { pitch },
        }
    }
}

/// Where the recorded melody's first bar begins.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RecordStart {
    /// A count-in of `beats` quarter-note beats at the recording tempo, its first beat at
    /// `first_beat_seconds` on the recording's clock; tick 0 is the beat after the count-in.
    CountIn {
        /// How many beats are counted in.
        beats: u32,
        /// When the first count-in beat sounds.
        first_beat_seconds: f64,
    },
    /// Tick 0 is the first key struck.
    FirstNote,
}

/// How to read a recording.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CaptureSettings {
    /// The tempo the player followed, in quarter notes per minute.
    pub bpm: f64,
    /// Resolution of the notes made.
    pub ticks_per_quarter: u16,
    /// Where tick 0 is.
    pub start: RecordStart,
    /// The time signature written into the piece (it does not change the quantization).
    pub time_signature: TimeSignature,
}

impl Default for CaptureSettings {
    fn default() -> Self {
        CaptureSettings {
            bpm: 120.0,
            ticks_per_quarter: crate::music::DEFAULT_TICKS_PER_QUARTER,
            start: RecordStart::FirstNote,
            time_signature: TimeSignature::default(),
        }
    }
}

/// A played note before quantization.
#[derive(Clone, Copy, Debug)]
struct Played {
    start: f64,
    end: f64,
    pitch: Pitch,
    velocity: Velocity,
}

/// Pairs presses with releases. A key struck again while held ends the held note there; a
/// release with no press is ignored; a key still held at the end ends at `stop_seconds` (or
/// at the last event).
fn pair_keys(events: &[TimedKey], stop_seconds: Option<f64>) -> Vec<Played> {
    let mut sorted: Vec<TimedKey> = events
        .iter()
        .copied()
        .filter(|e| e.seconds.is_finite())
        .collect();
    sorted.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
    let mut open: [Option<(f64, Velocity)>; 128] = [None; 128];
    let mut played = Vec::new();
    for e in &sorted {
        match e.event {
            KeyEvent::Down { pitch, velocity } => {
                let slot = &mut open[usize::from(pitch.get())];
                if let Some((start, velocity)) = slot.take() {
                    played.push(Played {
                        start,
                        end: e.seconds,
                        pitch,
                        velocity,
                    });
                }
                *slot = Some((e.seconds, velocity));
            }
            KeyEvent::Up { pitch } => {
                if let Some((start, velocity)) = open[usize::from(pitch.get())].take() {
                    played.push(Played {
                        start,
                        end: e.seconds,
                        pitch,
                        velocity,
                    });
                }
            }
        }
    }
    let last = sorted.last().map_or(0.0, |e| e.seconds);
    let stop = stop_seconds.filter(|s| s.is_finite()).unwrap_or(last);
    for (key, slot) in open.iter().enumerate() {
        if let (Some((start, velocity)), Ok(pitch)) = (slot, Pitch::new(key as u8)) {
            played.push(Played {
                start: *start,
                end: stop.max(*start),
                pitch,
                velocity: *velocity,
            });
        }
    }
    played
}

/// Turns a recording into notes on the 16th-note grid, one note at a time.
///
/// Rules:
/// - Tick 0 is the beat after the count-in, or the first key struck ([`RecordStart`]).
/// - Starts and ends are rounded to the nearest 16th note at `settings.bpm`; a note is at
///   least one 16th long. A note may last across bar lines; it stays one note.
/// - Notes that begin more than half a 16th before tick 0 (played during the count-in) are
///   dropped; an anticipation of less than that lands on tick 0.
/// - Monophony by the skyline rule: of the notes that start on the same 16th (a chord), only
///   the highest is kept; a note still sounding when the next kept note starts is cut there
///   (legato overlaps become adjacent notes). A cut note does not resume afterwards.
/// - Velocities are kept; a key struck again while held ends the held note; releases without
///   a press are ignored; keys still held end at `stop_seconds` (default: the last event).
pub fn quantize_recording(
    events: &[TimedKey],
    stop_seconds: Option<f64>,
    settings: &CaptureSettings,
) -> Result<Vec<Note>, DeviceError> {
    if !(settings.bpm.is_finite() && settings.bpm > 0.0) {
        return Err(DeviceError::BadRecordingTempo(settings.bpm));
    }
    let beat_seconds = 60.0 / settings.bpm;
    let step_seconds = beat_seconds / 4.0;
    let step_ticks: Tick = (u64::from(settings.ticks_per_quarter) / 4).max(1);
    let played = pair_keys(events, stop_seconds);
    let origin = match settings.start {
        RecordStart::CountIn {
            beats,
            first_beat_seconds,
        } => first_beat_seconds + f64::from(beats) * beat_seconds,
        RecordStart::FirstNote => match played.iter().map(|p| p.start).reduce(f64::min) {
            Some(first) => first,
            None => return Ok(Vec::new()),
        },
    };
    let step_of = |seconds: f64| ((seconds - origin) / step_seconds).round() as i64;
    // (start step, end step, pitch, velocity), on the grid.
    let mut gridded: Vec<(i64, i64, Pitch, Velocity)> = played
        .iter()
        .map(|p| {
            let start = step_of(p.start);
            (start, step_of(p.end).max(start + 1), p.pitch, p.velocity)
        })
        .filter(|(start, ..)| *start >= 0)
        .collect();
    // Highest pitch first within a start step, then keep the first of each step.
    gridded.sort_by(|a, b| a.0.cmp(&b.0).then(b.2.cmp(&a.2)));
    gridded.dedup_by_key(|g| g.0);
    let mut notes = Vec::with_capacity(gridded.len());
    for (i, &(start, end, pitch, velocity)) in gridded.iter().enumerate() {
        let end = gridded.get(i + 1).map_or(end, |next| end.min(next.0));
        notes.push(Note::new(
            pitch,
            start as Tick * step_ticks,
            (end - start) as Tick * step_ticks,
            velocity,
        )?);
    }
    Ok(notes)
}

/// The name of the part a recording makes.
pub const RECORDED_PART_NAME: &str = "Recorded";

/// A recording as a one-part piano piece at the recording tempo and time signature (see
/// [`quantize_recording`] for how the notes are made).
pub fn recording_to_piece(
    events: &[TimedKey],
    stop_seconds: Option<f64>,
    settings: &CaptureSettings,
) -> Result<Piece, DeviceError> {
    let notes = quantize_recording(events, stop_seconds, settings)?;
    let mut piece = Piece::from_notes(settings.ticks_per_quarter, RECORDED_PART_NAME, notes)?;
    piece.tempo_map = TempoMap::from_bpm(settings.bpm);
    piece.time_signatures = vec![TimeSignatureChange {
        tick: 0,
        signature: settings.time_signature,
    }];
    Ok(piece)
}

/// The GM drum key of the count-in's first beat (Hi Wood Block).
pub const COUNT_IN_ACCENT: u8 = 76;
/// The GM drum key of the other count-in beats (Low Wood Block).
pub const COUNT_IN_BEAT: u8 = 77;

/// A count-in to play before recording: `beats` wood-block clicks on the General MIDI drum
/// channel, one per quarter note at `bpm`, the first (accented) at tick 0. Play it with the
/// [`super::Player`] and pass the instant it started as the count-in's first beat.
pub fn count_in_piece(beats: u32, bpm: f64, ticks_per_quarter: u16) -> Result<Piece, DeviceError> {
    if !(bpm.is_finite() && bpm > 0.0) {
        return Err(DeviceError::BadRecordingTempo(bpm));
    }
    let tpq = u64::from(ticks_per_quarter);
    let mut notes = Vec::with_capacity(beats as usize);
    for beat in 0..u64::from(beats) {
        let (key, velocity) = if beat == 0 {
            (COUNT_IN_ACCENT, 110)
        } else {
            (COUNT_IN_BEAT, 80)
        };
        notes.push(Note::new(
            Pitch::new(key)?,
            beat * tpq,
            (tpq / 4).max(1),
            Velocity::new(velocity)?,
        )?);
    }
    let mut piece = Piece::from_notes(ticks_per_quarter, "Count-in", notes)?;
    piece.tempo_map = TempoMap::from_bpm(bpm);
    if let Some(part) = piece.parts.first_mut() {
        part.channel = Channel::DRUMS;
        part.program = Program::PIANO;
    }
    Ok(piece)
}
