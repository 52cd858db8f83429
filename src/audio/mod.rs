//! Sound: SoundFont synthesis, offline WAV rendering and real-time playback.
//!
//! - [`SoundFont`] loads `.sf2` files safely (damaged files are errors naming the file, never
//!   panics) and carries the built-in piano, embedded in the binary.
//! - [`Synth`] is the synthesizer (rustysynth) with our types at its edges.
//! - [`Schedule`] turns a [`crate::music::Piece`] into sorted note events in seconds through
//!   its tempo map.
//! - [`render_piece`] renders a piece offline; [`write_wav`], [`render_piece_to_wav`] and
//!   [`render_midi_file_to_wav`] write 16-bit or float WAV files atomically.
//! - [`playback`] makes a [`Transport`] (the UI's handle: play, pause, stop, seek, loop,
//!   tempo, audition, a playhead read from the audio clock) and the [`PlaybackSource`] it
//!   controls on the audio thread, where nothing locks or allocates.
//! - [`AudioOutput::open_default`] plays that source on the default device, or returns an
//!   error (no panic) where there is no sound card.

pub mod effects;
mod engine;
mod error;
mod output;
mod render;
mod schedule;
mod shared;
mod soundfont;
mod synth;
mod transport;
mod wav;

pub use engine::{MAX_COMMANDS_PER_BLOCK, PlaybackSource};
pub use error::AudioError;
pub use output::{AudioOutput, LOW_LATENCY_BUFFER_FRAMES};
pub use render::{NORMALIZED_PEAK_DBFS, RenderOptions, Rendered, render_piece, render_schedule};
pub use schedule::{Schedule, ScheduleOptions, ScheduledEvent, melodic_preset};
pub use shared::{LoopRegion, PlayState, audition_channel};
pub use soundfont::{BUILT_IN_NAME, PresetId, PresetInfo, SoundFont};
pub use synth::{Synth, SynthOptions};
pub use transport::{TEMPO_FACTORS, Transport, playback};
pub use wav::{
    RenderSummary, SampleFormat, render_midi_file_to_wav, render_piece_to_wav, write_wav,
    write_wav_to,
};
