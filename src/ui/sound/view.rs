//! The sound widgets: the toolbar's transport, the settings window (output, SoundFont,
//! program, MIDI ports) and the status bar's sound part, drawn from one [`SoundStatus`].

use super::{OutputState, Playback};
use crate::audio::{BUILT_IN_NAME, PresetId, TEMPO_FACTORS};
use crate::music::Piece;
use crate::ui::notify::Notifications;

/// What the status bar says about sound. [`Playback::status_ui`] draws it and
/// [`Playback::status_text`] writes it out: one source for both.
#[derive(Clone, Debug, PartialEq)]
pub struct SoundStatus {
    /// The audio device, e.g. "audio: 48000 Hz" or "no audio output".
    pub audio: String,
    /// Why there is no audio output (shown on hover), and whether to draw it as a warning.
    pub audio_problem: Option<String>,
    /// Where pieces play, e.g. "MIDI: built-in piano".
    pub midi: String,
    /// Why MIDI is unavailable (shown on hover).
    pub midi_problem: Option<String>,
    /// Whether a take is being recorded.
    pub recording: bool,
}

impl SoundStatus {
    /// The status as one line, parts joined by " · ".
    pub fn text(&self) -> String {
        let mut text = format!("{} · {}", self.audio, self.midi);
        if self.recording {
            text.push_str(" · ● recording");
        }
        text
    }
}

/// Text in the theme's warning colour.
fn warn_text(ui: &egui::Ui, text: &str) -> egui::RichText {
    egui::RichText::new(text).color(ui.visuals().warn_fg_color)
}

impl Playback {
    /// What the status bar says about sound (see [`SoundStatus`]).
    pub fn status(&self) -> SoundStatus {
        let (audio, audio_problem) = match &self.state {
            OutputState::Starting => ("audio: starting".to_string(), None),
            OutputState::Ready => (self.device_text(), None),
            OutputState::NoOutput(reason) => ("no audio output".to_string(), Some(reason.clone())),
        };
        let (midi, midi_problem) = match (&self.settings.midi_output, self.midi_unavailable()) {
            (Some(port), _) => (format!("MIDI: {port}"), None),
            (None, Some(message)) => ("MIDI: unavailable".to_string(), Some(message.to_string())),
            (None, None) => ("MIDI: built-in piano".to_string(), None),
        };
        SoundStatus {
            audio,
            audio_problem,
            midi,
            midi_problem,
            recording: self.take.is_some(),
        }
    }

    /// The text the status bar shows about sound: the audio device (or "no audio output"),
    /// where pieces play, and whether a take is being recorded.
    pub fn status_text(&self) -> String {
        self.status().text()
    }

    /// The status bar's sound part, drawn from [`Playback::status`]: the reasons of a
    /// missing output or MIDI on hover.
    pub fn status_ui(&self, ui: &mut egui::Ui) {
        let status = self.status();
        match &status.audio_problem {
            Some(reason) => {
                ui.label(warn_text(ui, &status.audio))
                    .on_hover_text(reason.as_str());
            }
            None => {
                ui.label(&status.audio);
            }
        }
        ui.separator();
        let midi = ui.label(&status.midi);
        if let Some(message) = &status.midi_problem {
            midi.on_hover_text(message.as_str());
        }
        if status.recording {
            ui.separator();
            ui.colored_label(ui.visuals().error_fg_color, "● recording");
        }
    }

    /// The transport for the toolbar: play/pause, stop, tempo, loop, record (with an input
    /// port chosen) and WAV export; "no audio output" with the reason when there is none.
    pub fn transport_ui(&mut self, ui: &mut egui::Ui, piece: &Piece, notify: &mut Notifications) {
        let synth = self.output.as_ref().map(|o| o.transport());
        if !self.route.can_play(synth) {
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
            let label = if self.is_playing() { "Pause" } else { "Play" };
            if ui
                .add_enabled(piece.note_count() > 0, egui::Button::new(label))
                .on_hover_text("Play or pause (Space)")
                .clicked()
            {
                self.toggle(piece, notify);
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
                    self.stop_recording(notify);
                }
            } else if ui
                .button("Record")
                .on_hover_text("Record a take from the MIDI keyboard")
                .clicked()
            {
                self.start_recording(piece, notify);
            }
        }
        let exporting = self.export.is_busy();
        if ui
            .add_enabled(
                !exporting && !self.export.dialog_open(),
                egui::Button::new("Export WAV…"),
            )
            .on_hover_text("Render the piece to a WAV file")
            .clicked()
        {
            let stem = self.file_stem.clone();
            self.export_wav_dialog(piece, &stem, notify);
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
                .add_enabled(
                    !self.export.dialog_open(),
                    egui::Button::new("Load SoundFont…"),
                )
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
        ui.checkbox(
            &mut self.settings.wav_raw_level,
            "Export WAV at the synthesizer's own level",
        )
        .on_hover_text(
            "Off: exported WAV files are normalized so their loudest sample is at -1 dBFS. \
             On: they keep the (much quieter) level you hear while playing.",
        );
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
        if let Some(message) = self.midi_unavailable() {
            ui.label(egui::RichText::new(format!("Not available: {message}")).small());
            return;
        }
        let outputs = port_names(self.midi_output_ports());
        let mut out_choice = self.settings.midi_output.clone();
        ui.horizontal(|ui| {
            port_choice_ui(
                ui,
                "Play to",
                "playback-midi-out",
                "built-in piano",
                &outputs,
                &mut out_choice,
            );
            if self.midi_output_connecting().is_some() {
                ui.spinner();
            }
        });
        if out_choice != self.settings.midi_output {
            self.select_midi_output(out_choice);
        }
        let inputs = port_names(self.midi_input_ports());
        let mut in_choice = self.settings.midi_input.clone();
        port_choice_ui(
            ui,
            "Record from",
            "playback-midi-in",
            "none",
            &inputs,
            &mut in_choice,
        );
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
}

fn port_names(ports: &[crate::devices::PortInfo]) -> Vec<String> {
    ports.iter().map(|p| p.name.clone()).collect()
}

/// A labelled combo box choosing one of `names`, or nothing (`none`).
fn port_choice_ui(
    ui: &mut egui::Ui,
    label: &str,
    id: &str,
    none: &str,
    names: &[String],
    choice: &mut Option<String>,
) {
    let label = ui.label(label);
    egui::ComboBox::from_id_salt(id)
        .selected_text(choice.as_deref().unwrap_or(none))
        .width(220.0)
        .show_ui(ui, |ui| {
            ui.selectable_value(choice, None, none);
            for name in names {
                ui.selectable_value(choice, Some(name.clone()), name.as_str());
            }
        })
        .response
        .labelled_by(label.id);
}
