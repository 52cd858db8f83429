//! MIDI devices: ports (through midir), the output scheduler and input recording.
//!
//! - [`MidiSink`] is where messages go: [`MidirSink`] is a port connection, [`RecordingSink`]
//!   a fake that keeps what it gets with timestamps (for tests).
//! - Ports: [`output_ports`], [`input_ports`], [`select_port`] / [`connect_output`], and a
//!   [`PortWatcher`] that reports ports added and removed each time it is polled.
//! - [`Player`]: a thread with its own clock that plays a [`crate::music::Piece`] to a sink
//!   (play, pause, stop, seek, loop, tempo factor, an atomic playhead) and never leaves notes
//!   stuck: it silences the sink on stop, pause, port change, disconnect and drop.
//! - Input: [`InputRecorder`] listens to a keyboard; [`quantize_recording`] turns the timed key
//!   events into a monophonic seed melody on the 16th-note grid (pure, testable).
//!
//! Without a MIDI subsystem (on Linux: no ALSA sequencer) every port function returns
//! [`DeviceError::NoMidiSubsystem`] with a message that says so; the player and the
//! conversion work regardless. Nothing here depends on the GUI.

mod capture;
mod error;
mod input;
mod message;
mod player;
mod ports;
mod sink;
mod timeline;

pub use capture::{
    COUNT_IN_ACCENT, COUNT_IN_BEAT, CaptureSettings, KeyEvent, RECORDED_PART_NAME, RecordStart,
    TimedKey, count_in_piece, quantize_recording, recording_to_piece,
};
pub use error::{DeviceError, PortDirection};
pub use input::{InputRecorder, key_event, seconds_since};
pub use message::{CC_ALL_NOTES_OFF, CC_RESET_ALL_CONTROLLERS, MidiMessage, RawMessage};
pub use player::{
    PLAYHEAD_REFRESH, Player, PlayerEvent, PlayerState, PlayheadView, SPIN_MARGIN,
    TEMPO_FACTOR_RANGE,
};
pub use ports::{
    CLIENT_NAME, MidirSink, PortChanges, PortInfo, PortSelector, PortWatcher, connect_output,
    input_ports, list_ports, no_midi_subsystem, output_ports, select_port,
};
pub use sink::{MidiSink, Recording, RecordingSink, SentMessage};
pub use timeline::{Timeline, TimelineEvent};
