//! The studio's sound and MIDI devices: the audio output and its SoundFont ([`output`]), the
//! transport over one playback [`route`] (the built-in synthesizer or a MIDI output port),
//! MIDI ports ([`ports`]), MIDI input recording ([`record`]), WAV export ([`export`]) and the
//! settings, transport and status widgets ([`view`]).
//!
//! Nothing here blocks the UI thread: the audio output is opened (and the SoundFont loaded)
//! on a background job, MIDI ports are listed and connected on jobs, file dialogs and WAV
//! renders run on their own threads, and each frame [`Playback::poll`] collects what
//! finished. Without a sound card the state is [`OutputState::NoOutput`]: the studio keeps
//! working, the status bar says "no audio output" (the reason on hover) and the transport
//! offers WAV export. A device error that arrives later is shown once and playback stops.
//! Without a MIDI subsystem the library's message is shown once, as information, and the
//! built-in synth plays.
//!
//! Playback goes either to the built-in synthesizer or, when a MIDI output port is chosen, to
//! that port (never both, so the two do not double each other): see [`route::Route`].
//! Auditioned notes always use the built-in synthesizer: they must answer at once.
//!
//! Messages go straight to the notification channel passed in (the one error policy of
//! [`crate::ui`]); nothing is queued for a later frame.

mod export;
mod output;
mod ports;
mod record;
mod route;
mod transport;
mod view;

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::job::Job;
use super::notify::Notifications;
use super::panel::{Panel, PanelContext};
use crate::audio::{AudioError, AudioOutput, PresetId, SoundFont};
use crate::edit::PartRole;
use crate::music::{Piece, Tick};

pub use view::SoundStatus;

/// Opens the audio output for a font (the studio passes [`AudioOutput::open_default`]; tests
/// pass one that fails, as on a machine without a sound card).
pub type OutputOpener =
    Arc<dyn Fn(&SoundFont) -> Result<AudioOutput, AudioError> + Send + Sync + 'static>;

/// Where the audio output stands.
#[derive(Clone, Debug, PartialEq)]
pub enum OutputState {
    /// Being opened (or reopened for another SoundFont) in the background.
    Starting,
    /// Open and playing through the default device.
    Ready,
    /// There is no audio output; the reason says why. WAV export still works.
    NoOutput(String),
}

/// The sound settings that persist between runs (saved through eframe's storage).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlaybackSettings {
    /// A SoundFont file; `None` plays the built-in piano.
    pub soundfont: Option<PathBuf>,
    /// The preset every melodic part plays with; `None` uses each part's own program.
    pub preset: Option<PresetId>,
    /// The MIDI output port (by name) pieces play to; `None` plays the built-in synthesizer.
    pub midi_output: Option<String>,
    /// The MIDI input port (by name) takes are recorded from.
    pub midi_input: Option<String>,
    /// Playback speed against the written tempo (0.25 to 4).
    pub tempo_scale: f32,
    /// Whether playback loops (the region set by the app, or the whole piece).
    pub looping: bool,
    /// Beats counted in before a recording; 0 starts the take on the first note played.
    pub count_in_beats: u32,
    /// Export WAV files at the synthesizer's own level instead of normalizing their peak to
    /// -1 dBFS.
    pub wav_raw_level: bool,
}

impl Default for PlaybackSettings {
    fn default() -> Self {
        PlaybackSettings {
            soundfont: None,
            preset: Some(PresetId::PIANO),
            midi_output: None,
            midi_input: None,
            tempo_scale: 1.0,
            looping: false,
            count_in_beats: 4,
            wav_raw_level: false,
        }
    }
}

/// The studio's sound and MIDI device state.
pub struct Playback {
    ctx: egui::Context,
    opener: OutputOpener,
    settings: PlaybackSettings,
    state: OutputState,
    output: Option<AudioOutput>,
    font: Option<SoundFont>,
    opening: Option<Job<output::Opened>>,
    /// The piece last handed to the engine (for ticks <-> seconds and the MIDI player).
    loaded: Option<Piece>,
    loop_region: Option<Range<Tick>>,
    route: route::Route,
    ports: ports::Ports,
    take: Option<record::Take>,
    recording: Option<Vec<crate::music::Note>>,
    export: export::Exports,
    told_no_output: bool,
    /// A transport failure not yet reported (see `transport.rs`).
    fault: Option<String>,
    /// The name a WAV export suggests (without extension; empty: the piece's title).
    file_stem: String,
}

impl Playback {
    /// Starts opening the default audio output in the background with `settings`' SoundFont.
    pub fn new(ctx: &egui::Context, settings: PlaybackSettings) -> Self {
        Self::with_opener(ctx, settings, Arc::new(AudioOutput::open_default))
    }

    /// Like [`Playback::new`] with another way of opening the output (tests).
    pub fn with_opener(
        ctx: &egui::Context,
        settings: PlaybackSettings,
        opener: OutputOpener,
    ) -> Self {
        let mut playback = Playback {
            ctx: ctx.clone(),
            opener,
            settings: PlaybackSettings::default(),
            state: OutputState::Starting,
            output: None,
            font: None,
            opening: None,
            loaded: None,
            loop_region: None,
            route: route::Route::Synth,
            ports: ports::Ports::default(),
            take: None,
            recording: None,
            export: export::Exports::default(),
            told_no_output: false,
            fault: None,
            file_stem: String::new(),
        };
        playback.settings.soundfont = settings.soundfont.clone();
        playback.reopen();
        playback.apply_settings(settings);
        playback
    }

    /// The settings as they are now (to persist).
    pub fn settings(&self) -> PlaybackSettings {
        self.settings.clone()
    }

    /// Applies saved settings: the SoundFont (reopening the output when it changes), preset,
    /// MIDI ports, tempo, loop, count-in and the WAV level. A MIDI output port is connected in the
    /// background; one that is not there is reported once (at [`Playback::poll`]) and the
    /// built-in synthesizer plays.
    pub fn apply_settings(&mut self, settings: PlaybackSettings) {
        let PlaybackSettings {
            soundfont,
            preset,
            midi_output,
            midi_input,
            tempo_scale,
            looping,
            count_in_beats,
            wav_raw_level,
        } = settings;
        if soundfont != self.settings.soundfont {
            self.set_soundfont(soundfont);
        }
        self.set_preset(preset);
        self.set_tempo_scale(tempo_scale);
        self.settings.looping = looping;
        self.settings.count_in_beats = count_in_beats.min(16);
        self.settings.wav_raw_level = wav_raw_level;
        self.settings.midi_input = midi_input;
        if midi_output != self.settings.midi_output {
            self.select_midi_output(midi_output);
        }
    }

    /// Collects what finished in the background, reports device errors once, refreshes the
    /// MIDI port lists now and then, all to `notify`. Call once per frame; never blocks.
    pub fn poll(&mut self, ctx: &egui::Context, notify: &mut Notifications) {
        self.poll_opening(notify);
        self.poll_exports(notify);
        self.poll_ports(notify);
        self.poll_player(notify);
        self.report_fault(notify);
        if let Some(take) = &mut self.take {
            take.recorder.poll();
        }
        let device_error = self
            .output
            .as_ref()
            .and_then(|o| o.transport().take_device_error());
        if let Some(message) = device_error {
            self.output = None;
            self.state = OutputState::NoOutput(message.clone());
            notify.error(format!("the audio output stopped: {message}"));
        }
        if self.is_playing() || self.take.is_some() {
            ctx.request_repaint();
        } else if self.opening.is_some() || self.export.is_busy() {
            ctx.request_repaint_after(Duration::from_millis(100));
        }
    }
}

/// The sound settings window through the panel contract; a finished take becomes a new
/// part of the document.
impl Panel for Playback {
    fn poll(&mut self, cx: &mut PanelContext<'_>) {
        Playback::poll(self, cx.egui, cx.notify);
        if let Some(notes) = self.take_recording()
            && !notes.is_empty()
        {
            cx.doc
                .add_part_with_notes("Recorded take", PartRole::Seed, notes);
        }
    }

    fn panel_ui(&mut self, ui: &mut egui::Ui, _cx: &mut PanelContext<'_>) {
        self.settings_ui(ui);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_through_json_and_fill_missing_fields() {
        let settings = PlaybackSettings {
            soundfont: Some(PathBuf::from("/fonts/Grand.sf2")),
            preset: Some(PresetId {
                bank: 0,
                program: crate::music::Program::new(5).unwrap(),
            }),
            midi_output: Some("FLUID Synth".into()),
            midi_input: None,
            tempo_scale: 1.5,
            looping: true,
            count_in_beats: 2,
            wav_raw_level: true,
        };
        let json = serde_json::to_string(&settings).unwrap();
        let back: PlaybackSettings = serde_json::from_str(&json).unwrap();
        assert_eq!(back, settings);
        // Settings saved by an older build (fields missing) still load.
        let old: PlaybackSettings = serde_json::from_str(r#"{"tempo_scale": 0.5}"#).unwrap();
        assert_eq!(old.tempo_scale, 0.5);
        assert_eq!(old.preset, Some(PresetId::PIANO));
        assert_eq!(old.count_in_beats, 4);
    }
}
