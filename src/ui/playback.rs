//! The studio's sound and MIDI devices: the audio output and its transport, the SoundFont and
//! program, MIDI output ports (played by the [`Player`] scheduler), MIDI input recording, and
//! WAV export.
//!
//! Nothing here blocks the UI thread: the audio output is opened (and the SoundFont loaded)
//! on a background job, file dialogs and WAV renders run on their own threads, and each frame
//! [`Playback::poll`] collects what finished. Without a sound card the state is
//! [`OutputState::NoOutput`]: the studio keeps working, the status bar says "no audio output"
//! (the reason on hover) and the transport offers WAV export. A device error that arrives
//! later is shown once and playback stops. Without a MIDI subsystem the library's message is
//! shown once, as information, and the built-in synth plays.
//!
//! Playback goes either to the built-in synthesizer or, when a MIDI output port is chosen, to
//! that port (never both, so the two do not double each other). Auditioned notes always use
//! the built-in synthesizer: they must answer at once.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::job::{Job, Poll};
use super::notify::{Level, Notifications};
use crate::audio::{
    AudioError, AudioOutput, BUILT_IN_NAME, LoopRegion, PlayState, PresetId, RenderOptions,
    RenderSummary, SampleFormat, SoundFont, TEMPO_FACTORS, render_piece_to_wav,
};
use crate::devices::{
    CaptureSettings, DeviceError, InputRecorder, Player, PlayerEvent, PlayerState, PortDirection,
    PortInfo, PortSelector, PortWatcher, RecordStart, connect_output, count_in_piece,
};
use crate::music::{Note, Piece, Pitch, Tick, Velocity};

/// Opens the audio output for a font (the studio passes [`AudioOutput::open_default`]; tests
/// pass one that fails, as on a machine without a sound card).
pub type OutputOpener =
    Arc<dyn Fn(&SoundFont) -> Result<AudioOutput, AudioError> + Send + Sync + 'static>;

/// How long an auditioned note sounds.
const AUDITION_TIME: Duration = Duration::from_millis(400);

/// How often the MIDI port lists are refreshed.
const PORT_REFRESH: Duration = Duration::from_secs(2);

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
        }
    }
}

/// What the background opener produced.
struct Opened {
    font: Option<SoundFont>,
    font_error: Option<String>,
    output: Result<AudioOutput, AudioError>,
}

/// A file dialog under way, and what its answer is for.
enum Dialog {
    SoundFont,
    ExportWav(Box<Piece>),
}

/// A take being recorded.
struct Take {
    recorder: InputRecorder,
    settings: CaptureSettings,
}

/// The studio's sound and MIDI device state.
pub struct Playback {
    ctx: egui::Context,
    opener: OutputOpener,
    settings: PlaybackSettings,
    state: OutputState,
    output: Option<AudioOutput>,
    font: Option<SoundFont>,
    opening: Option<Job<Opened>>,
    /// The piece last handed to the engine (for ticks <-> seconds and the MIDI player).
    loaded: Option<Piece>,
    loop_region: Option<Range<Tick>>,
    player: Option<Player>,
    out_ports: PortWatcher,
    in_ports: PortWatcher,
    last_port_poll: Option<Instant>,
    midi_unavailable: Option<String>,
    take: Option<Take>,
    recording: Option<Vec<Note>>,
    export: Option<(PathBuf, Job<Result<RenderSummary, String>>)>,
    dialog: Option<(Dialog, Job<Option<PathBuf>>)>,
    told_no_output: bool,
    pending: Vec<(Level, String)>,
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
            player: None,
            out_ports: PortWatcher::new(PortDirection::Output),
            in_ports: PortWatcher::new(PortDirection::Input),
            last_port_poll: None,
            midi_unavailable: None,
            take: None,
            recording: None,
            export: None,
            dialog: None,
            told_no_output: false,
            pending: Vec::new(),
        };
        playback.settings.soundfont = settings.soundfont.clone();
        playback.reopen();
        playback.apply_settings(settings);
        playback
    }

    fn info(&mut self, text: impl Into<String>) {
        self.pending.push((Level::Info, text.into()));
    }

    fn error(&mut self, text: impl Into<String>) {
        self.pending.push((Level::Error, text.into()));
    }

    // ----- output and SoundFont -----

    /// Closes the output (if open) and opens it again in the background with the SoundFont
    /// of the settings (e.g. after a device came back, or for another font).
    pub fn reopen(&mut self) {
        self.output = None;
        self.state = OutputState::Starting;
        let path = self.settings.soundfont.clone();
        let opener = Arc::clone(&self.opener);
        self.opening = Some(Job::spawn(&self.ctx, "audio-open", move || {
            let (font, font_error) = match path {
                Some(path) => match SoundFont::load(&path) {
                    Ok(font) => (Ok(font), None),
                    Err(e) => (SoundFont::built_in(), Some(e.to_string())),
                },
                None => (SoundFont::built_in(), None),
            };
            match font {
                Ok(font) => Opened {
                    output: opener(&font),
                    font: Some(font),
                    font_error,
                },
                Err(e) => Opened {
                    output: Err(AudioError::NoOutput(e.to_string())),
                    font: None,
                    font_error,
                },
            }
        }));
    }

    fn poll_opening(&mut self) {
        let Some(job) = &mut self.opening else {
            return;
        };
        match job.poll() {
            Poll::Pending => {}
            Poll::Done(opened) => {
                self.opening = None;
                if let Some(e) = opened.font_error {
                    self.settings.soundfont = None;
                    self.error(format!(
                        "could not load the SoundFont, playing the built-in piano instead: {e}"
                    ));
                }
                self.font = opened.font;
                self.fix_preset();
                match opened.output {
                    Ok(mut output) => {
                        let t = output.transport_mut();
                        t.set_tempo_factor(self.settings.tempo_scale);
                        if let Some(preset) = self.settings.preset {
                            // A font without the preset keeps its default audition sound.
                            let _ = t.set_audition_preset(preset);
                        }
                        self.output = Some(output);
                        self.state = OutputState::Ready;
                    }
                    Err(e) => {
                        let reason = match e {
                            AudioError::NoOutput(reason) => reason,
                            other => other.to_string(),
                        };
                        self.state = OutputState::NoOutput(reason);
                    }
                }
            }
            Poll::Lost => {
                self.opening = None;
                self.state =
                    OutputState::NoOutput("the audio output could not be opened".to_string());
            }
        }
    }

    /// Keeps the chosen preset only if the font has it (else its first melodic preset).
    fn fix_preset(&mut self) {
        if let (Some(font), Some(preset)) = (&self.font, self.settings.preset)
            && !font.has_preset(preset)
        {
            self.settings.preset = Some(font.default_preset());
        }
    }

    /// Where the audio output stands.
    pub fn output_state(&self) -> &OutputState {
        &self.state
    }

    /// The SoundFont in use (`None` until the first open finished).
    pub fn soundfont(&self) -> Option<&SoundFont> {
        self.font.as_ref()
    }

    /// Plays `path` from now on (`None`: the built-in piano); reopens the output. A file
    /// that cannot be used is reported once, naming it, and the built-in piano plays.
    pub fn set_soundfont(&mut self, path: Option<PathBuf>) {
        if path == self.settings.soundfont && self.opening.is_none() && self.font.is_some() {
            return;
        }
        self.stop();
        self.settings.soundfont = path;
        self.reopen();
    }

    /// Chooses the preset every melodic part plays with (`None`: each part's own program).
    pub fn set_preset(&mut self, preset: Option<PresetId>) {
        self.settings.preset = preset;
        self.fix_preset();
        if let (Some(output), Some(preset)) = (&mut self.output, self.settings.preset) {
            let _ = output.transport_mut().set_audition_preset(preset);
        }
    }

    // ----- settings -----

    /// The settings as they are now (to persist).
    pub fn settings(&self) -> PlaybackSettings {
        self.settings.clone()
    }

    /// Applies saved settings: the SoundFont (reopening the output when it changes), preset,
    /// MIDI ports, tempo, loop and count-in. A port that is not there is reported once and
    /// the built-in synthesizer plays.
    pub fn apply_settings(&mut self, settings: PlaybackSettings) {
        let PlaybackSettings {
            soundfont,
            preset,
            midi_output,
            midi_input,
            tempo_scale,
            looping,
            count_in_beats,
        } = settings;
        if soundfont != self.settings.soundfont {
            self.set_soundfont(soundfont);
        }
        self.set_preset(preset);
        self.set_tempo_scale(tempo_scale);
        self.settings.looping = looping;
        self.settings.count_in_beats = count_in_beats.min(16);
        self.settings.midi_input = midi_input;
        if midi_output != self.settings.midi_output {
            self.select_midi_output(midi_output);
        }
    }

    // ----- transport -----

    /// Plays `piece` from `from_seconds` (at its own tempo) on the built-in synthesizer or
    /// the chosen MIDI port.
    pub fn play(&mut self, piece: &Piece, from_seconds: f64) {
        let from = if from_seconds.is_finite() {
            from_seconds.max(0.0)
        } else {
            0.0
        };
        self.loaded = Some(piece.clone());
        let region = self.effective_loop(piece);
        if let Some(player) = &self.player {
            let tick = piece
                .tempo_map
                .tick_at_seconds(from, piece.ticks_per_quarter)
                .round()
                .max(0.0) as Tick;
            let result = player
                .load(piece)
                .and_then(|()| player.set_tempo_factor(f64::from(self.settings.tempo_scale)))
                .and_then(|()| player.set_loop(region.clone()))
                .and_then(|()| player.play_from(tick));
            if let Err(e) = result {
                self.midi_failed(e);
            }
            return;
        }
        let preset = self.settings.preset;
        let Some(output) = &mut self.output else {
            if !self.told_no_output {
                self.told_no_output = true;
                let reason = match &self.state {
                    OutputState::NoOutput(reason) => format!("no audio output ({reason})"),
                    _ => "the audio output is still starting".to_string(),
                };
                self.info(format!(
                    "Cannot play: {reason}. Export WAV still works, or choose a MIDI port."
                ));
            }
            return;
        };
        let t = output.transport_mut();
        let loop_region = region.and_then(|r| LoopRegion::from_ticks(piece, r.start, r.end).ok());
        let result = t
            .load_piece(piece, preset)
            .and_then(|()| t.set_loop(loop_region))
            .and_then(|()| t.seek(from))
            .and_then(|()| t.play());
        if let Err(e) = result {
            self.error(format!("playback failed: {e}"));
        }
    }

    /// The loop to use for `piece`: the region set, or the whole piece, when looping is on.
    fn effective_loop(&self, piece: &Piece) -> Option<Range<Tick>> {
        if !self.settings.looping {
            return None;
        }
        self.loop_region
            .clone()
            .filter(|r| r.end > r.start)
            .or_else(|| {
                let end = piece.end_tick();
                (end > 0).then_some(0..end)
            })
    }

    /// Pauses (the playhead stays).
    pub fn pause(&mut self) {
        if let Some(player) = &self.player {
            let _ = player.pause();
        } else if let Some(output) = &mut self.output {
            let _ = output.transport_mut().pause();
        }
    }

    /// Stops: every sounding note is released and the playhead goes back to the start.
    pub fn stop(&mut self) {
        if let Some(player) = &self.player {
            let _ = player.stop();
            let _ = player.seek(0);
        }
        if let Some(output) = &mut self.output {
            let _ = output.transport_mut().stop();
        }
    }

    /// Plays `piece` when not playing (from the paused position, else from the start), and
    /// pauses when playing (the Space key).
    pub fn toggle(&mut self, piece: &Piece) {
        match self.play_state() {
            PlayState::Playing => self.pause(),
            PlayState::Paused => {
                let at = self.position_seconds();
                self.play(piece, at);
            }
            PlayState::Stopped => self.play(piece, 0.0),
        }
    }

    /// Moves the playhead to `seconds` of the piece playing.
    pub fn seek(&mut self, seconds: f64) {
        if let Some(player) = &self.player {
            if let Some(piece) = &self.loaded {
                let tick = piece
                    .tempo_map
                    .tick_at_seconds(seconds.max(0.0), piece.ticks_per_quarter)
                    .round()
                    .max(0.0) as Tick;
                let _ = player.seek(tick);
            }
        } else if let Some(output) = &mut self.output {
            let _ = output.transport_mut().seek(seconds);
        }
    }

    /// Sets or clears the loop region (ticks of the piece); it takes effect at once on what
    /// is playing and is used by later plays while looping is on.
    pub fn set_loop(&mut self, region: Option<Range<Tick>>) {
        self.loop_region = region.filter(|r| r.end > r.start);
        self.apply_loop();
    }

    /// Turns looping on or off.
    pub fn set_looping(&mut self, looping: bool) {
        self.settings.looping = looping;
        self.apply_loop();
    }

    fn apply_loop(&mut self) {
        let Some(piece) = self.loaded.clone() else {
            return;
        };
        let region = self.effective_loop(&piece);
        if let Some(player) = &self.player {
            let _ = player.set_loop(region);
        } else if let Some(output) = &mut self.output {
            let loop_region =
                region.and_then(|r| LoopRegion::from_ticks(&piece, r.start, r.end).ok());
            let _ = output.transport_mut().set_loop(loop_region);
        }
    }

    /// Plays faster (above 1) or slower (below 1) than written; clamped to 0.25..=4.
    pub fn set_tempo_scale(&mut self, scale: f32) {
        let scale = if scale.is_finite() {
            scale.clamp(*TEMPO_FACTORS.start(), *TEMPO_FACTORS.end())
        } else {
            1.0
        };
        self.settings.tempo_scale = scale;
        if let Some(output) = &mut self.output {
            output.transport_mut().set_tempo_factor(scale);
        }
        if let Some(player) = &self.player {
            let _ = player.set_tempo_factor(f64::from(scale));
        }
    }

    /// The tempo factor in use.
    pub fn tempo_scale(&self) -> f32 {
        self.settings.tempo_scale
    }

    /// Sounds one note now on the built-in synthesizer (piano-roll clicks, the keyboard).
    pub fn audition(&mut self, pitch: Pitch) {
        if let Some(output) = &mut self.output {
            let _ = output
                .transport_mut()
                .audition(pitch, Velocity::DEFAULT, AUDITION_TIME);
        }
    }

    /// The playhead in seconds of the piece at its own tempo, from the audio clock (or the
    /// MIDI player's clock).
    pub fn position_seconds(&self) -> f64 {
        if let Some(player) = &self.player {
            return self
                .loaded
                .as_ref()
                .map_or(0.0, |piece| piece.seconds_at(player.playhead()));
        }
        self.output
            .as_ref()
            .map_or(0.0, |o| o.transport().position_seconds())
    }

    /// The playhead as a (fractional) tick of the piece playing.
    pub fn position_tick(&self) -> f64 {
        if let Some(player) = &self.player {
            return player.playhead() as f64;
        }
        match (&self.output, &self.loaded) {
            (Some(o), Some(piece)) => o.transport().position_tick(piece),
            _ => 0.0,
        }
    }

    /// Playing, paused or stopped.
    pub fn play_state(&self) -> PlayState {
        if let Some(player) = &self.player {
            return match player.state() {
                PlayerState::Playing => PlayState::Playing,
                PlayerState::Paused => PlayState::Paused,
                PlayerState::Stopped => PlayState::Stopped,
            };
        }
        self.output
            .as_ref()
            .map_or(PlayState::Stopped, |o| o.transport().state())
    }

    /// Whether something is playing.
    pub fn is_playing(&self) -> bool {
        self.play_state() == PlayState::Playing
    }

    // ----- WAV export -----

    /// Renders `piece` with the current SoundFont and preset into a 16-bit WAV file at
    /// 44.1 kHz on a worker thread; the result is reported through the notifications.
    pub fn export_wav(&mut self, piece: &Piece, path: PathBuf) {
        if self.export.is_some() {
            self.info("A WAV export is already running; try again when it is done.");
            return;
        }
        let options = RenderOptions {
            soundfont: self.font.clone(),
            program: self.settings.preset,
            ..RenderOptions::default()
        };
        let piece = piece.clone();
        let out = path.clone();
        let job = Job::spawn(&self.ctx, "wav-export", move || {
            render_piece_to_wav(&piece, &out, &options, SampleFormat::Int16)
                .map_err(|e| e.to_string())
        });
        self.export = Some((path, job));
    }

    /// Whether a WAV export is running.
    pub fn is_exporting(&self) -> bool {
        self.export.is_some()
    }

    /// Asks for a file name (native dialog, on its own thread), then exports `piece` there.
    pub fn export_wav_dialog(&mut self, piece: &Piece) {
        if self.dialog.is_some() {
            return;
        }
        let name = format!("{}.wav", safe_file_stem(&piece.title));
        let job = Job::spawn(&self.ctx, "wav-dialog", move || {
            rfd::FileDialog::new()
                .add_filter("WAV audio", &["wav"])
                .set_file_name(name)
                .save_file()
        });
        self.dialog = Some((Dialog::ExportWav(Box::new(piece.clone())), job));
    }

    /// Asks for a SoundFont file (native dialog, on its own thread), then loads it.
    pub fn load_soundfont_dialog(&mut self) {
        if self.dialog.is_some() {
            return;
        }
        let job = Job::spawn(&self.ctx, "soundfont-dialog", || {
            rfd::FileDialog::new()
                .add_filter("SoundFont", &["sf2"])
                .pick_file()
        });
        self.dialog = Some((Dialog::SoundFont, job));
    }

    fn poll_jobs(&mut self) {
        if let Some((path, job)) = &mut self.export {
            match job.poll() {
                Poll::Pending => {}
                Poll::Done(result) => {
                    let path = path.clone();
                    self.export = None;
                    match result {
                        Ok(summary) => self.info(format!(
                            "Exported {:.1} s of audio to {}",
                            summary.seconds,
                            path.display()
                        )),
                        Err(e) => self.error(e),
                    }
                }
                Poll::Lost => {
                    let path = path.clone();
                    self.export = None;
                    self.error(format!(
                        "the WAV export stopped unexpectedly: {}",
                        path.display()
                    ));
                }
            }
        }
        if let Some((_, job)) = &mut self.dialog {
            match job.poll() {
                Poll::Pending => {}
                Poll::Done(path) => {
                    if let Some((dialog, _)) = self.dialog.take()
                        && let Some(path) = path
                    {
                        match dialog {
                            Dialog::SoundFont => self.set_soundfont(Some(path)),
                            Dialog::ExportWav(piece) => self.export_wav(&piece, path),
                        }
                    }
                }
                Poll::Lost => {
                    self.dialog = None;
                    self.error("no file dialog is available here");
                }
            }
        }
    }

    // ----- MIDI output -----

    /// Lists the MIDI ports again now. Without a MIDI subsystem the library's message is
    /// kept (see [`Playback::midi_unavailable`]) and shown once.
    pub fn refresh_ports(&mut self) {
        self.last_port_poll = Some(Instant::now());
        let result = self.out_ports.poll().and_then(|out| {
            let input = self.in_ports.poll()?;
            Ok((out, input))
        });
        match result {
            Ok((out, _)) => {
                self.midi_unavailable = None;
                if let Some(chosen) = self.settings.midi_output.clone()
                    && out.removed.iter().any(|p| p.name == chosen)
                {
                    self.info(format!(
                        "The MIDI port {chosen:?} went away; playing the built-in synthesizer"
                    ));
                    self.select_midi_output(None);
                }
            }
            Err(DeviceError::NoMidiSubsystem(message)) => {
                if self.midi_unavailable.is_none() {
                    self.info(format!("MIDI devices are not available: {message}"));
                }
                self.midi_unavailable = Some(message);
            }
            Err(other) => {
                let message = other.to_string();
                if self.midi_unavailable.as_deref() != Some(message.as_str()) {
                    self.error(format!("listing MIDI ports failed: {message}"));
                }
                self.midi_unavailable = Some(message);
            }
        }
    }

    /// Why MIDI devices are unavailable, if they are.
    pub fn midi_unavailable(&self) -> Option<&str> {
        self.midi_unavailable.as_deref()
    }

    /// The MIDI output ports as of the last refresh.
    pub fn midi_output_ports(&self) -> &[PortInfo] {
        self.out_ports.ports()
    }

    /// The MIDI input ports as of the last refresh.
    pub fn midi_input_ports(&self) -> &[PortInfo] {
        self.in_ports.ports()
    }

    /// Plays to the MIDI output port named `name` from now on, or to the built-in
    /// synthesizer with `None`. Whatever played stops (and is silenced) first.
    pub fn select_midi_output(&mut self, name: Option<String>) {
        self.stop();
        let Some(name) = name else {
            // Dropping the player silences the port and joins its thread.
            self.player = None;
            self.settings.midi_output = None;
            return;
        };
        match connect_output(&PortSelector::Name(name.clone())) {
            Ok(sink) => {
                let result = match self.player.take() {
                    Some(player) => player.set_sink(Box::new(sink)).map(|()| player),
                    None => Player::new(Some(Box::new(sink))),
                }
                .map(|player| {
                    self.player = Some(player);
                });
                match result {
                    Ok(()) => self.settings.midi_output = Some(name),
                    Err(e) => self.midi_failed(e),
                }
            }
            Err(e) => {
                self.player = None;
                self.settings.midi_output = None;
                self.error(format!(
                    "could not use the MIDI output {name:?}, playing the built-in synthesizer: {e}"
                ));
            }
        }
    }

    /// A MIDI output failure: reported once, back to the built-in synthesizer.
    fn midi_failed(&mut self, error: DeviceError) {
        self.player = None;
        let port = self.settings.midi_output.take().unwrap_or_default();
        self.error(format!(
            "MIDI output {port:?} failed, playing the built-in synthesizer: {error}"
        ));
    }

    fn poll_player(&mut self) {
        let mut failure = None;
        if let Some(player) = &self.player {
            while let Some(event) = player.try_event() {
                if let PlayerEvent::SinkFailed(e) = event {
                    failure = Some(e);
                }
            }
        }
        if let Some(e) = failure {
            self.midi_failed(e);
        }
    }

    // ----- MIDI input -----

    /// Chooses the MIDI input port takes are recorded from.
    pub fn set_midi_input(&mut self, name: Option<String>) {
        self.settings.midi_input = name;
    }

    /// Starts recording a take from the chosen input at `piece`'s tempo and resolution:
    /// after a count-in of the configured beats (played on the MIDI port, or as piano clicks
    /// on the built-in synthesizer), or from the first note played.
    pub fn start_recording(&mut self, piece: &Piece) {
        if self.take.is_some() {
            return;
        }
        let Some(port) = self.settings.midi_input.clone() else {
            self.error("choose a MIDI input port before recording");
            return;
        };
        let bpm = piece.tempo_map.initial_bpm() * f64::from(self.settings.tempo_scale);
        let beats = self.settings.count_in_beats;
        let settings = CaptureSettings {
            bpm,
            ticks_per_quarter: piece.ticks_per_quarter,
            start: if beats > 0 {
                RecordStart::CountIn {
                    beats,
                    first_beat_seconds: 0.0,
                }
            } else {
                RecordStart::FirstNote
            },
            time_signature: piece.initial_time_signature(),
        };
        let origin = Instant::now();
        match InputRecorder::start(&PortSelector::Name(port.clone()), origin) {
            Ok(recorder) => {
                if beats > 0 {
                    self.play_count_in(beats, bpm, piece.ticks_per_quarter);
                }
                self.take = Some(Take { recorder, settings });
            }
            Err(e) => self.error(format!("could not record from {port:?}: {e}")),
        }
    }

    /// Plays the count-in: drum clicks on a MIDI port, high piano notes on the built-in
    /// synthesizer (whose piano has no drum kit).
    fn play_count_in(&mut self, beats: u32, bpm: f64, ticks_per_quarter: u16) {
        let clicks = if self.player.is_some() {
            count_in_piece(beats, bpm, ticks_per_quarter)
        } else {
            piano_count_in(beats, bpm, ticks_per_quarter)
        };
        let saved_loop = self.settings.looping;
        self.settings.looping = false;
        match clicks {
            Ok(clicks) => {
                // Played at the written tempo: the bpm already includes the tempo scale.
                let scale = self.settings.tempo_scale;
                self.set_tempo_scale(1.0);
                self.play(&clicks, 0.0);
                self.settings.tempo_scale = scale;
            }
            Err(e) => self.error(format!("the count-in could not be made: {e}")),
        }
        self.settings.looping = saved_loop;
    }

    /// Ends the take: its notes, quantized to the 16th-note grid, are kept for
    /// [`Playback::take_recording`].
    pub fn stop_recording(&mut self) {
        let Some(take) = self.take.take() else {
            return;
        };
        let port = take.recorder.port().name.clone();
        match take.recorder.finish(&take.settings) {
            Ok(piece) => {
                let notes: Vec<Note> = piece.notes().copied().collect();
                if notes.is_empty() {
                    self.info(format!("No notes were played on {port:?}"));
                } else {
                    self.info(format!("Recorded {} notes from {port:?}", notes.len()));
                    self.recording = Some(notes);
                }
            }
            Err(e) => self.error(format!("the take from {port:?} could not be read: {e}")),
        }
        let scale = self.settings.tempo_scale;
        self.stop();
        self.set_tempo_scale(scale);
    }

    /// Whether a take is being recorded.
    pub fn is_recording(&self) -> bool {
        self.take.is_some()
    }

    /// The notes of the last finished take (once), at the resolution of the piece it was
    /// recorded against.
    pub fn take_recording(&mut self) -> Option<Vec<Note>> {
        self.recording.take()
    }

    // ----- each frame -----

    /// Collects what finished in the background, reports device errors once, refreshes the
    /// MIDI port lists now and then, and hands messages to `notifications`. Call once per
    /// frame; never blocks.
    pub fn poll(&mut self, ctx: &egui::Context, notifications: &mut Notifications) {
        self.poll_opening();
        self.poll_jobs();
        self.poll_player();
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
            self.error(format!("the audio output stopped: {message}"));
        }
        if self
            .last_port_poll
            .is_none_or(|at| at.elapsed() >= PORT_REFRESH)
        {
            self.refresh_ports();
        }
        for (level, text) in self.pending.drain(..) {
            match level {
                Level::Info => notifications.info(text),
                Level::Error => notifications.error(text),
            }
        }
        if self.is_playing() || self.take.is_some() {
            ctx.request_repaint();
        } else if self.opening.is_some() || self.export.is_some() {
            ctx.request_repaint_after(Duration::from_millis(100));
        }
    }

    // ----- drawing -----

    /// The transport for the toolbar: play/pause, stop, tempo, loop, record (with an input
    /// port chosen) and WAV export; "no audio output" with the reason when there is none.
    pub fn transport_ui(&mut self, ui: &mut egui::Ui, piece: &Piece) {
        let can_play = self.output.is_some() || self.player.is_some();
        if !can_play {
            match &self.state {
                OutputState::Starting => {
                    ui.spinner();
                    ui.label("starting audio…");
                }
                OutputState::NoOutput(reason) => {
                    ui.label(warn_text(ui, "no audio output"))
                        .on_hover_text(reason.as_str());
                }
                OutputState::Ready => {}
            }
        } else {
            let playing = self.is_playing();
            let label = if playing { "Pause" } else { "Play" };
            if ui
                .add_enabled(piece.note_count() > 0, egui::Button::new(label))
                .on_hover_text("Play or pause (Space)")
                .clicked()
            {
                self.toggle(piece);
            }
            if ui
                .button("Stop")
                .on_hover_text("Stop and go back to the start")
                .clicked()
            {
                self.stop();
            }
        }
        let tempo_label = ui.label("Tempo ×");
        let mut scale = self.settings.tempo_scale;
        let response = ui
            .add(
                egui::DragValue::new(&mut scale)
                    .range(TEMPO_FACTORS)
                    .speed(0.01)
                    .max_decimals(2),
            )
            .labelled_by(tempo_label.id)
            .on_hover_text("Playback speed against the written tempo");
        if response.changed() {
            self.set_tempo_scale(scale);
        }
        let mut looping = self.settings.looping;
        if ui
            .checkbox(&mut looping, "Loop")
            .on_hover_text("Repeat the loop region (or the whole piece)")
            .changed()
        {
            self.set_looping(looping);
        }
        if self.settings.midi_input.is_some() {
            if self.take.is_some() {
                if ui.button("Stop recording").clicked() {
                    self.stop_recording();
                }
            } else if ui
                .button("Record")
                .on_hover_text("Record a take from the MIDI keyboard")
                .clicked()
            {
                self.start_recording(piece);
            }
        }
        let exporting = self.export.is_some();
        if ui
            .add_enabled(
                !exporting && self.dialog.is_none(),
                egui::Button::new("Export WAV…"),
            )
            .on_hover_text("Render the piece to a WAV file")
            .clicked()
        {
            self.export_wav_dialog(piece);
        }
        if exporting {
            ui.spinner();
        }
    }

    /// The sound settings (for a settings window): audio output, SoundFont, program, MIDI
    /// output and input ports, count-in.
    pub fn settings_ui(&mut self, ui: &mut egui::Ui) {
        ui.strong("Audio output");
        match &self.state {
            OutputState::Starting => {
                ui.label("Opening the default output…");
            }
            OutputState::Ready => {
                ui.label(self.device_text());
            }
            OutputState::NoOutput(reason) => {
                ui.colored_label(ui.visuals().warn_fg_color, "No audio output");
                ui.label(egui::RichText::new(reason.as_str()).small());
            }
        }
        if ui
            .add_enabled(self.opening.is_none(), egui::Button::new("Reopen output"))
            .on_hover_text("Try the default audio device again")
            .clicked()
        {
            self.reopen();
        }
        ui.separator();
        ui.strong("Sound");
        ui.label(format!(
            "SoundFont: {}",
            self.font.as_ref().map_or("(loading)", |f| f.origin())
        ));
        ui.horizontal(|ui| {
            if ui
                .add_enabled(self.dialog.is_none(), egui::Button::new("Load SoundFont…"))
                .on_hover_text("Play with any .sf2 file")
                .clicked()
            {
                self.load_soundfont_dialog();
            }
            if ui
                .add_enabled(
                    self.settings.soundfont.is_some(),
                    egui::Button::new("Built-in piano"),
                )
                .on_hover_text(BUILT_IN_NAME)
                .clicked()
            {
                self.set_soundfont(None);
            }
        });
        self.preset_ui(ui);
        ui.separator();
        self.midi_ui(ui);
    }

    fn preset_ui(&mut self, ui: &mut egui::Ui) {
        let Some(font) = self.font.clone() else {
            return;
        };
        let name_of = |id: PresetId| {
            font.presets()
                .iter()
                .find(|p| p.id == id)
                .map_or_else(|| id.to_string(), |p| format!("{id} {}", p.name))
        };
        let current = self
            .settings
            .preset
            .map_or_else(|| "each part's own program".to_string(), name_of);
        let mut chosen = self.settings.preset;
        let label = ui.label("Program");
        egui::ComboBox::from_id_salt("playback-program")
            .selected_text(current)
            .width(220.0)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut chosen, None, "each part's own program");
                for preset in font.presets() {
                    ui.selectable_value(
                        &mut chosen,
                        Some(preset.id),
                        format!("{} {}", preset.id, preset.name),
                    );
                }
            })
            .response
            .labelled_by(label.id);
        if chosen != self.settings.preset {
            self.set_preset(chosen);
        }
    }

    fn midi_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.strong("MIDI");
            if ui
                .button("Refresh")
                .on_hover_text("List the MIDI ports again")
                .clicked()
            {
                self.refresh_ports();
            }
        });
        if let Some(message) = &self.midi_unavailable {
            ui.label(egui::RichText::new(format!("Not available: {message}")).small());
            return;
        }
        let outputs: Vec<String> = self
            .out_ports
            .ports()
            .iter()
            .map(|p| p.name.clone())
            .collect();
        let mut out_choice = self.settings.midi_output.clone();
        let label = ui.label("Play to");
        egui::ComboBox::from_id_salt("playback-midi-out")
            .selected_text(out_choice.as_deref().unwrap_or("built-in piano"))
            .width(220.0)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut out_choice, None, "built-in piano");
                for name in &outputs {
                    ui.selectable_value(&mut out_choice, Some(name.clone()), name.as_str());
                }
            })
            .response
            .labelled_by(label.id);
        if out_choice != self.settings.midi_output {
            self.select_midi_output(out_choice);
        }
        let inputs: Vec<String> = self
            .in_ports
            .ports()
            .iter()
            .map(|p| p.name.clone())
            .collect();
        let mut in_choice = self.settings.midi_input.clone();
        let label = ui.label("Record from");
        egui::ComboBox::from_id_salt("playback-midi-in")
            .selected_text(in_choice.as_deref().unwrap_or("none"))
            .width(220.0)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut in_choice, None, "none");
                for name in &inputs {
                    ui.selectable_value(&mut in_choice, Some(name.clone()), name.as_str());
                }
            })
            .response
            .labelled_by(label.id);
        if in_choice != self.settings.midi_input {
            self.set_midi_input(in_choice);
        }
        ui.horizontal(|ui| {
            let label = ui.label("Count-in beats");
            ui.add(egui::DragValue::new(&mut self.settings.count_in_beats).range(0..=16))
                .labelled_by(label.id)
                .on_hover_text("0 starts the take on the first note you play");
        });
    }

    /// A line about the open device, e.g. "audio: 48 kHz, 512-frame buffer".
    fn device_text(&self) -> String {
        match &self.output {
            Some(o) => match o.buffer_frames() {
                Some(frames) => format!(
                    "audio: {} Hz, {frames}-frame buffer",
                    o.device_sample_rate()
                ),
                None => format!("audio: {} Hz", o.device_sample_rate()),
            },
            None => "audio: closed".to_string(),
        }
    }

    /// The text the status bar shows about sound: the audio device (or "no audio output")
    /// and where pieces play.
    pub fn status_text(&self) -> String {
        let audio = match &self.state {
            OutputState::Starting => "audio: starting".to_string(),
            OutputState::Ready => self.device_text(),
            OutputState::NoOutput(_) => "no audio output".to_string(),
        };
        let midi = match (&self.settings.midi_output, &self.midi_unavailable) {
            (Some(port), _) => format!("MIDI: {port}"),
            (None, Some(_)) => "MIDI: unavailable".to_string(),
            (None, None) => "MIDI: built-in piano".to_string(),
        };
        format!("{audio} · {midi}")
    }

    /// The status bar's sound part: audio device (the reason on hover when there is none)
    /// and the MIDI port.
    pub fn status_ui(&self, ui: &mut egui::Ui) {
        match &self.state {
            OutputState::Starting => {
                ui.label("audio: starting");
            }
            OutputState::Ready => {
                ui.label(self.device_text());
            }
            OutputState::NoOutput(reason) => {
                ui.label(warn_text(ui, "no audio output"))
                    .on_hover_text(reason.as_str());
            }
        }
        ui.separator();
        match (&self.settings.midi_output, &self.midi_unavailable) {
            (Some(port), _) => {
                ui.label(format!("MIDI: {port}"));
            }
            (None, Some(message)) => {
                ui.label("MIDI: unavailable")
                    .on_hover_text(message.as_str());
            }
            (None, None) => {
                ui.label("MIDI: built-in piano");
            }
        }
        if self.take.is_some() {
            ui.separator();
            ui.colored_label(ui.visuals().error_fg_color, "● recording");
        }
    }
}

/// Text in the theme's warning colour.
fn warn_text(ui: &egui::Ui, text: &str) -> egui::RichText {
    egui::RichText::new(text).color(ui.visuals().warn_fg_color)
}

/// A count-in of high piano notes (C6 accented, then G5), one per beat, for the built-in
/// piano, which has no drum kit.
fn piano_count_in(beats: u32, bpm: f64, ticks_per_quarter: u16) -> Result<Piece, DeviceError> {
    let mut piece = count_in_piece(beats, bpm, ticks_per_quarter)?;
    for part in &mut piece.parts {
        part.channel = crate::music::Channel::default();
        for (i, note) in part.notes.iter_mut().enumerate() {
            note.pitch = Pitch::new(if i == 0 { 84 } else { 79 })?;
        }
    }
    Ok(piece)
}

/// A file stem made of a title: letters, digits, '-' and '_' kept, the rest '_'.
fn safe_file_stem(title: &str) -> String {
    let stem: String = title
        .trim()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if stem.is_empty() {
        "piece".to_string()
    } else {
        stem
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

    #[test]
    fn piano_count_in_clicks_on_each_beat() {
        let piece = piano_count_in(3, 120.0, 480).unwrap();
        let notes: Vec<_> = piece.notes().copied().collect();
        assert_eq!(notes.len(), 3);
        assert_eq!(
            notes.iter().map(|n| n.pitch.get()).collect::<Vec<_>>(),
            [84, 79, 79]
        );
        assert_eq!(
            notes.iter().map(|n| n.start).collect::<Vec<_>>(),
            [0, 480, 960]
        );
        assert!(!piece.parts[0].is_drums());
    }

    #[test]
    fn file_stems_are_safe() {
        assert_eq!(safe_file_stem("My tune: take 2/3"), "My_tune__take_2_3");
        assert_eq!(safe_file_stem("  "), "piece");
    }
}
