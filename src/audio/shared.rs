//! What the transport (the UI's side) and the playback engine (the audio thread's side) both
//! speak: the commands, the play state, the loop region, and the atomics through which the
//! audio thread publishes the playhead, its state and its clock. Neither side's code lives
//! here, so each depends on this file and not on the other.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicU64, Ordering};

use super::{AudioError, PresetId, Schedule};
use crate::music::{Channel, Piece, Pitch, Velocity};

/// The channel auditioned notes play on (channel 16, index 15): pieces rarely use it, and
/// auditions there never cut a note of the piece on another channel.
pub fn audition_channel() -> Channel {
    Channel::new(15).unwrap_or_default()
}

/// What the transport is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PlayState {
    /// Not playing; the playhead is at the start or where the piece ended.
    Stopped,
    /// Playing.
    Playing,
    /// Not playing; the playhead stays where it was paused.
    Paused,
}

impl PlayState {
    fn to_u8(self) -> u8 {
        match self {
            PlayState::Stopped => 0,
            PlayState::Playing => 1,
            PlayState::Paused => 2,
        }
    }

    fn from_u8(v: u8) -> PlayState {
        match v {
            1 => PlayState::Playing,
            2 => PlayState::Paused,
            _ => PlayState::Stopped,
        }
    }
}

/// A region of the piece to repeat, in seconds at the piece's own tempo.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LoopRegion {
    start: f64,
    end: f64,
}

impl LoopRegion {
    /// The shortest loop accepted (10 ms).
    pub const MIN_SECONDS: f64 = 0.01;

    /// A loop from `start` to `end` seconds; the end must come at least 10 ms after the start.
    pub fn new(start: f64, end: f64) -> Result<LoopRegion, AudioError> {
        if !start.is_finite() || !end.is_finite() || start < 0.0 || end - start < Self::MIN_SECONDS
        {
            return Err(AudioError::BadLoopRegion { start, end });
        }
        Ok(LoopRegion { start, end })
    }

    /// A loop between two ticks of a piece (through its tempo map).
    pub fn from_ticks(piece: &Piece, start: u64, end: u64) -> Result<LoopRegion, AudioError> {
        LoopRegion::new(piece.seconds_at(start), piece.seconds_at(end))
    }

    /// Where the loop starts, in seconds.
    pub fn start(&self) -> f64 {
        self.start
    }

    /// Where the loop ends (and jumps back), in seconds.
    pub fn end(&self) -> f64 {
        self.end
    }
}

/// A request to the audio thread.
pub(crate) enum Command {
    Play,
    Pause,
    Stop,
    Seek(f64),
    SetLoop(Option<LoopRegion>),
    Load(Box<Schedule>),
    Audition {
        pitch: Pitch,
        velocity: Velocity,
        frames: u64,
    },
    AllSoundOff,
    SetAuditionPreset(PresetId),
}

/// State shared by the UI, the audio thread and the device's error callback.
pub(crate) struct Shared {
    state: AtomicU8,
    position_bits: AtomicU64,
    frames_rendered: AtomicU64,
    tempo_bits: AtomicU32,
    device_failed: AtomicBool,
    error_unreported: AtomicBool,
    /// Written by the device's error callback (never by the audio callback), read by the UI.
    error_message: Mutex<Option<String>>,
}

impl Shared {
    pub(crate) fn new() -> Shared {
        Shared {
            state: AtomicU8::new(PlayState::Stopped.to_u8()),
            position_bits: AtomicU64::new(0f64.to_bits()),
            frames_rendered: AtomicU64::new(0),
            tempo_bits: AtomicU32::new(1f32.to_bits()),
            device_failed: AtomicBool::new(false),
            error_unreported: AtomicBool::new(false),
            error_message: Mutex::new(None),
        }
    }

    /// Called by the audio thread after each block.
    pub(crate) fn publish(&self, state: PlayState, position: f64, frames_rendered: u64) {
        self.position_bits
            .store(position.to_bits(), Ordering::Relaxed);
        self.frames_rendered
            .store(frames_rendered, Ordering::Relaxed);
        self.state.store(state.to_u8(), Ordering::Release);
    }

    pub(crate) fn tempo_factor(&self) -> f32 {
        f32::from_bits(self.tempo_bits.load(Ordering::Relaxed))
    }

    pub(crate) fn device_failed(&self) -> bool {
        self.device_failed.load(Ordering::Acquire)
    }

    /// Sets the tempo factor (called by the UI; the audio thread reads it every block).
    pub(crate) fn set_tempo_factor(&self, factor: f32) {
        self.tempo_bits.store(factor.to_bits(), Ordering::Relaxed);
    }

    /// The state the audio thread published last.
    pub(crate) fn state(&self) -> PlayState {
        PlayState::from_u8(self.state.load(Ordering::Acquire))
    }

    /// The playhead the audio thread published last, in seconds.
    pub(crate) fn position(&self) -> f64 {
        f64::from_bits(self.position_bits.load(Ordering::Relaxed))
    }

    /// The frames the audio thread has rendered, as it published last.
    pub(crate) fn frames_rendered(&self) -> u64 {
        self.frames_rendered.load(Ordering::Relaxed)
    }

    /// The device error, exactly once: `Some(message)` the first time it is asked after the
    /// device failed, `None` before and afterwards.
    pub(crate) fn take_device_error(&self) -> Option<String> {
        if !self.error_unreported.swap(false, Ordering::AcqRel) {
            return None;
        }
        let message = self.error_message.lock().ok().and_then(|slot| slot.clone());
        Some(message.unwrap_or_else(|| "the audio device stopped working".to_string()))
    }

    /// Records a fatal device error: playback stops and the UI is told once. Only the first
    /// message is kept. Never blocks (the lock is only tried).
    pub(crate) fn report_device_error(&self, message: String) {
        if let Ok(mut slot) = self.error_message.try_lock()
            && slot.is_none()
        {
            *slot = Some(message);
        }
        self.device_failed.store(true, Ordering::Release);
        self.error_unreported.store(true, Ordering::Release);
    }
}
