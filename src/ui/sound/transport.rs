//! The transport: play, pause, stop, seek, loop, tempo and audition, each over the one
//! playback [`Route`](super::route::Route).

use std::ops::Range;
use std::time::Duration;

use super::route::{PlayOptions, RouteError};
use super::{OutputState, Playback};
use crate::audio::{AudioError, PlayState, TEMPO_FACTORS, Transport};
use crate::music::{Piece, Pitch, Tick, Velocity};
use crate::ui::notify::Notifications;

/// How long an auditioned note sounds.
const AUDITION_TIME: Duration = Duration::from_millis(400);

impl Playback {
    /// The synthesizer's transport, when the audio output is open.
    pub(super) fn synth(&mut self) -> Option<&mut Transport> {
        self.output.as_mut().map(|o| o.transport_mut())
    }

    fn synth_ref(&self) -> Option<&Transport> {
        self.output.as_ref().map(|o| o.transport())
    }

    /// Keeps the first failure of an operation called without the notification channel at
    /// hand (pause, stop, seek, loop, tempo), for [`Playback::poll`] to report once. A missing
    /// audio output is not a new fault: it was told when it happened.
    fn keep_fault(&mut self, what: &str, result: Result<(), RouteError>) {
        let problem = match result {
            Ok(()) | Err(RouteError::NoOutput) => return,
            Err(RouteError::Midi(e)) => format!("the MIDI output failed while {what}: {e}"),
            Err(RouteError::Synth(e)) => format!("playback failed while {what}: {e}"),
        };
        self.fault.get_or_insert(problem);
    }

    /// Keeps the first failure of a call to the synthesizer (see [`Playback::keep_fault`]).
    pub(super) fn keep_synth_fault(&mut self, what: &str, result: Result<(), AudioError>) {
        self.keep_fault(what, result.map_err(RouteError::Synth));
    }

    /// Reports the kept transport fault, if any, once: not again while the same words are
    /// still on screen (a dead output fails every click on a key the same way).
    pub(super) fn report_fault(&mut self, notify: &mut Notifications) {
        if let Some(problem) = self.fault.take()
            && !notify.texts().any(|(_, text)| text == problem)
        {
            notify.error(problem);
        }
    }

    /// Plays `piece` from `from_seconds` (at its own tempo) on the built-in synthesizer or
    /// the chosen MIDI port. Without an audio output this is said once, as information.
    pub fn play(&mut self, piece: &Piece, from_seconds: f64, notify: &mut Notifications) {
        let from = if from_seconds.is_finite() {
            from_seconds.max(0.0)
        } else {
            0.0
        };
        self.loaded = Some(piece.clone());
        let options = PlayOptions {
            preset: self.settings.preset,
            tempo_scale: self.settings.tempo_scale,
            region: self.effective_loop(piece),
        };
        let synth = self.output.as_mut().map(|o| o.transport_mut());
        match self.route.play(synth, piece, from, options) {
            Ok(()) => {}
            Err(RouteError::Midi(e)) => self.midi_failed(e, notify),
            Err(RouteError::Synth(e)) => notify.error(format!("playback failed: {e}")),
            Err(RouteError::NoOutput) => {
                if !self.told_no_output {
                    self.told_no_output = true;
                    let reason = match &self.state {
                        OutputState::NoOutput(reason) => format!("no audio output ({reason})"),
                        _ => "the audio output is still starting".to_string(),
                    };
                    notify.info(format!(
                        "Cannot play: {reason}. Export WAV still works, or choose a MIDI port."
                    ));
                }
            }
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
        let synth = self.output.as_mut().map(|o| o.transport_mut());
        let result = self.route.pause(synth);
        self.keep_fault("pausing", result);
    }

    /// Stops: every sounding note is released and the playhead goes back to the start.
    pub fn stop(&mut self) {
        let synth = self.output.as_mut().map(|o| o.transport_mut());
        let result = self.route.stop(synth);
        self.keep_fault("stopping (the notes may still sound)", result);
    }

    /// Plays `piece` when not playing (from the paused position, else from the start), and
    /// pauses when playing (the Space key).
    pub fn toggle(&mut self, piece: &Piece, notify: &mut Notifications) {
        match self.play_state() {
            PlayState::Playing => self.pause(),
            PlayState::Paused => {
                let at = self.position_seconds();
                self.play(piece, at, notify);
            }
            PlayState::Stopped => self.play(piece, 0.0, notify),
        }
    }

    /// Moves the playhead to `seconds` of the piece playing.
    pub fn seek(&mut self, seconds: f64) {
        let synth = self.output.as_mut().map(|o| o.transport_mut());
        let result = self.route.seek(synth, self.loaded.as_ref(), seconds);
        self.keep_fault("moving the playhead", result);
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
        let Some(piece) = self.loaded.take() else {
            return;
        };
        let region = self.effective_loop(&piece);
        let synth = self.output.as_mut().map(|o| o.transport_mut());
        let result = self.route.set_loop(synth, &piece, region);
        self.loaded = Some(piece);
        self.keep_fault("setting the loop", result);
    }

    /// Plays faster (above 1) or slower (below 1) than written; clamped to 0.25..=4.
    pub fn set_tempo_scale(&mut self, scale: f32) {
        let scale = if scale.is_finite() {
            scale.clamp(*TEMPO_FACTORS.start(), *TEMPO_FACTORS.end())
        } else {
            1.0
        };
        self.settings.tempo_scale = scale;
        let synth = self.output.as_mut().map(|o| o.transport_mut());
        let result = self.route.set_tempo_factor(synth, scale);
        self.keep_fault("changing the tempo", result);
    }

    /// The tempo factor in use.
    pub fn tempo_scale(&self) -> f32 {
        self.settings.tempo_scale
    }

    /// Sounds one note now on the built-in synthesizer (piano-roll clicks, the keyboard).
    pub fn audition(&mut self, pitch: Pitch) {
        if let Some(t) = self.synth() {
            let result = t.audition(pitch, Velocity::DEFAULT, AUDITION_TIME);
            self.keep_synth_fault("sounding the note", result);
        }
    }

    /// The playhead in seconds of the piece at its own tempo, from the audio clock (or the
    /// MIDI player's clock).
    pub fn position_seconds(&self) -> f64 {
        self.route
            .position_seconds(self.synth_ref(), self.loaded.as_ref())
    }

    /// The playhead as a (fractional) tick of the piece playing.
    pub fn position_tick(&self) -> f64 {
        self.route
            .position_tick(self.synth_ref(), self.loaded.as_ref())
    }

    /// Playing, paused or stopped.
    pub fn play_state(&self) -> PlayState {
        self.route.state(self.synth_ref())
    }

    /// Whether something is playing.
    pub fn is_playing(&self) -> bool {
        self.play_state() == PlayState::Playing
    }
}
