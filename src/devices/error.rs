//! Errors of the MIDI device layer.

use thiserror::Error;

use crate::music::MusicError;

/// Which way a MIDI port carries messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PortDirection {
    /// Ports the studio sends to (synthesizers).
    Output,
    /// Ports the studio listens to (keyboards).
    Input,
}

impl std::fmt::Display for PortDirection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PortDirection::Output => "output",
            PortDirection::Input => "input",
        })
    }
}

/// Something that went wrong with MIDI ports, the player or input recording.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum DeviceError {
    /// The operating system offers no MIDI at all (on Linux: no ALSA sequencer). Everything
    /// that does not need a MIDI port keeps working.
    #[error("no MIDI subsystem: {0}")]
    NoMidiSubsystem(String),
    /// There is no port to choose from.
    #[error("no MIDI {0} ports are available")]
    NoPorts(PortDirection),
    /// A port was asked for by an index past the end of the list.
    #[error("there is no MIDI {direction} port number {index} (there are {count})")]
    PortIndexOutOfRange {
        /// Input or output.
        direction: PortDirection,
        /// The index asked for.
        index: usize,
        /// How many ports there are.
        count: usize,
    },
    /// No port name matches what was asked for.
    #[error("no MIDI {direction} port matches {wanted:?} (available: {})", available.join(", "))]
    PortNotFound {
        /// Input or output.
        direction: PortDirection,
        /// The name asked for.
        wanted: String,
        /// The names there are.
        available: Vec<String>,
    },
    /// Several port names contain what was asked for and none equals it.
    #[error("{wanted:?} matches several MIDI {direction} ports: {}; give more of the name", matches.join(", "))]
    AmbiguousPort {
        /// Input or output.
        direction: PortDirection,
        /// The name asked for.
        wanted: String,
        /// The names that contain it.
        matches: Vec<String>,
    },
    /// A port could not be opened (it may have gone away since the list was made).
    #[error("could not connect to MIDI {direction} port {port:?}: {reason}")]
    Connect {
        /// Input or output.
        direction: PortDirection,
        /// The port's name.
        port: String,
        /// What the backend said.
        reason: String,
    },
    /// Sending a message failed (typically: the device was unplugged).
    #[error("sending to MIDI port {port:?} failed: {reason}")]
    Send {
        /// The port's name.
        port: String,
        /// What the backend said.
        reason: String,
    },
    /// A tempo factor that is not a positive finite number.
    #[error("tempo factor {0} must be a positive finite number (1.0 plays at the written tempo)")]
    BadTempoFactor(f64),
    /// A loop region whose end is not after its start.
    #[error("loop region {start}..{end} is empty: its end tick must be after its start tick")]
    BadLoopRegion {
        /// First tick of the region.
        start: u64,
        /// Tick after the region.
        end: u64,
    },
    /// A recording tempo that is not a positive finite number.
    #[error("recording tempo {0} BPM must be a positive finite number")]
    BadRecordingTempo(f64),
    /// The player's thread could not be started or has stopped.
    #[error("the MIDI player thread is not running: {0}")]
    PlayerStopped(String),
    /// A music value out of range while building notes.
    #[error(transparent)]
    Music(#[from] MusicError),
}
