//! The audio output and the SoundFont: opened together on a background job, reopened for
//! another font, the preset kept to one the font has.

use std::path::PathBuf;
use std::sync::Arc;

use super::{OutputState, Playback};
use crate::audio::{AudioError, AudioOutput, PresetId, SoundFont};
use crate::ui::job::{Job, Poll};
use crate::ui::notify::Notifications;

/// What the background opener produced.
pub(super) struct Opened {
    font: Option<SoundFont>,
    font_error: Option<String>,
    output: Result<AudioOutput, AudioError>,
}

impl Playback {
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

    pub(super) fn poll_opening(&mut self, notify: &mut Notifications) {
        let Some(job) = &mut self.opening else {
            return;
        };
        match job.poll() {
            Poll::Pending => {}
            Poll::Done(opened) => {
                self.opening = None;
                if let Some(e) = opened.font_error {
                    self.settings.soundfont = None;
                    notify.error(format!(
                        "could not load the SoundFont, playing the built-in piano instead: {e}"
                    ));
                }
                self.font = opened.font;
                self.fix_preset();
                match opened.output {
                    Ok(mut output) => {
                        let t = output.transport_mut();
                        t.set_tempo_factor(self.settings.tempo_scale);
                        // `fix_preset` kept only a preset the font has.
                        let preset = self.settings.preset.map(|p| t.set_audition_preset(p));
                        self.output = Some(output);
                        if let Some(result) = preset {
                            self.keep_synth_fault("choosing the sound of the keys", result);
                        }
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
    /// that cannot be used is reported once (at [`Playback::poll`]), naming it, and the
    /// built-in piano plays.
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
            let result = output.transport_mut().set_audition_preset(preset);
            self.keep_synth_fault("choosing the sound of the keys", result);
        }
    }

    /// A line about the open device, e.g. "audio: 48 kHz, 512-frame buffer".
    pub(super) fn device_text(&self) -> String {
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
}
