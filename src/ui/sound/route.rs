//! Where pieces play: the one [`Route`] enum. Every transport operation that depends on the
//! destination is a method here, so the rest of the sound module never asks "a MIDI player,
//! or else an audio output?" again.

use std::ops::Range;

use crate::audio::{AudioError, LoopRegion, PlayState, PresetId, Transport};
use crate::devices::{DeviceError, Player, PlayerState};
use crate::music::{Piece, Tick};

/// Where pieces play: the built-in synthesizer or one MIDI output port, never both (so the
/// two do not double each other). Auditioned notes always use the synthesizer.
pub(super) enum Route {
    /// The built-in synthesizer, through the audio output when there is one.
    Synth,
    /// A MIDI output port, through the [`Player`] scheduler thread.
    Midi(Player),
}

/// Why an operation on the route failed.
pub(super) enum RouteError {
    /// The synthesizer route has no audio output.
    NoOutput,
    /// The MIDI port failed (the caller falls back to the synthesizer).
    Midi(DeviceError),
    /// The synthesizer failed.
    Synth(AudioError),
}

/// How a piece is played.
pub(super) struct PlayOptions {
    /// The preset every melodic part plays with on the synthesizer.
    pub preset: Option<PresetId>,
    /// The tempo factor.
    pub tempo_scale: f32,
    /// The loop region in ticks, if looping.
    pub region: Option<Range<Tick>>,
}

/// The tick of `piece` at `seconds` (at its own tempo), not before 0.
fn tick_at(piece: &Piece, seconds: f64) -> Tick {
    piece
        .tempo_map
        .tick_at_seconds(seconds.max(0.0), piece.ticks_per_quarter)
        .round()
        .max(0.0) as Tick
}

impl Route {
    /// The MIDI player, when pieces play to a port.
    pub(super) fn player(&self) -> Option<&Player> {
        match self {
            Route::Midi(player) => Some(player),
            Route::Synth => None,
        }
    }

    /// Whether pieces can play now (a port is chosen, or the synthesizer has an output).
    pub(super) fn can_play(&self, synth: Option<&Transport>) -> bool {
        matches!(self, Route::Midi(_)) || synth.is_some()
    }

    /// Loads `piece` and plays it from `from` seconds.
    pub(super) fn play(
        &self,
        synth: Option<&mut Transport>,
        piece: &Piece,
        from: f64,
        options: PlayOptions,
    ) -> Result<(), RouteError> {
        match (self, synth) {
            (Route::Midi(player), _) => player
                .load(piece)
                .and_then(|()| player.set_tempo_factor(f64::from(options.tempo_scale)))
                .and_then(|()| player.set_loop(options.region))
                .and_then(|()| player.play_from(tick_at(piece, from)))
                .map_err(RouteError::Midi),
            (Route::Synth, Some(t)) => {
                let region = options
                    .region
                    .and_then(|r| LoopRegion::from_ticks(piece, r.start, r.end).ok());
                t.load_piece(piece, options.preset)
                    .and_then(|()| t.set_loop(region))
                    .and_then(|()| t.seek(from))
                    .and_then(|()| t.play())
                    .map_err(RouteError::Synth)
            }
            (Route::Synth, None) => Err(RouteError::NoOutput),
        }
    }

    /// Pauses (the playhead stays).
    pub(super) fn pause(&self, synth: Option<&mut Transport>) -> Result<(), RouteError> {
        match (self, synth) {
            (Route::Midi(player), _) => player.pause().map_err(RouteError::Midi),
            (Route::Synth, Some(t)) => t.pause().map_err(RouteError::Synth),
            (Route::Synth, None) => Err(RouteError::NoOutput),
        }
    }

    /// Stops both destinations (so nothing rings on after a port change) and sends the MIDI
    /// playhead back to the start.
    pub(super) fn stop(&self, synth: Option<&mut Transport>) -> Result<(), RouteError> {
        let midi = match self {
            Route::Midi(player) => player
                .stop()
                .and_then(|()| player.seek(0))
                .map_err(RouteError::Midi),
            Route::Synth => Ok(()),
        };
        let audio = synth.map_or(Ok(()), |t| t.stop().map_err(RouteError::Synth));
        midi.and(audio)
    }

    /// Moves the playhead to `seconds` of `loaded` (the piece playing).
    pub(super) fn seek(
        &self,
        synth: Option<&mut Transport>,
        loaded: Option<&Piece>,
        seconds: f64,
    ) -> Result<(), RouteError> {
        match (self, synth) {
            (Route::Midi(player), _) => match loaded {
                Some(piece) => player
                    .seek(tick_at(piece, seconds))
                    .map_err(RouteError::Midi),
                None => Ok(()),
            },
            (Route::Synth, Some(t)) => t.seek(seconds).map_err(RouteError::Synth),
            (Route::Synth, None) => Err(RouteError::NoOutput),
        }
    }

    /// Sets or clears the loop region (ticks of `piece`, the piece playing).
    pub(super) fn set_loop(
        &self,
        synth: Option<&mut Transport>,
        piece: &Piece,
        region: Option<Range<Tick>>,
    ) -> Result<(), RouteError> {
        match (self, synth) {
            (Route::Midi(player), _) => player.set_loop(region).map_err(RouteError::Midi),
            (Route::Synth, Some(t)) => {
                let region =
                    region.and_then(|r| LoopRegion::from_ticks(piece, r.start, r.end).ok());
                t.set_loop(region).map_err(RouteError::Synth)
            }
            (Route::Synth, None) => Err(RouteError::NoOutput),
        }
    }

    /// Sets the tempo factor on both destinations (the synthesizer keeps it for later).
    pub(super) fn set_tempo_factor(
        &self,
        synth: Option<&mut Transport>,
        scale: f32,
    ) -> Result<(), RouteError> {
        if let Some(t) = synth {
            t.set_tempo_factor(scale);
        }
        match self {
            Route::Midi(player) => player
                .set_tempo_factor(f64::from(scale))
                .map_err(RouteError::Midi),
            Route::Synth => Ok(()),
        }
    }

    /// The playhead in seconds of `loaded` at its own tempo.
    pub(super) fn position_seconds(
        &self,
        synth: Option<&Transport>,
        loaded: Option<&Piece>,
    ) -> f64 {
        match self {
            Route::Midi(player) => loaded.map_or(0.0, |piece| piece.seconds_at(player.playhead())),
            Route::Synth => synth.map_or(0.0, Transport::position_seconds),
        }
    }

    /// The playhead as a (fractional) tick of `loaded`.
    pub(super) fn position_tick(&self, synth: Option<&Transport>, loaded: Option<&Piece>) -> f64 {
        match (self, synth, loaded) {
            (Route::Midi(player), _, _) => player.playhead() as f64,
            (Route::Synth, Some(t), Some(piece)) => t.position_tick(piece),
            (Route::Synth, _, _) => 0.0,
        }
    }

    /// Playing, paused or stopped.
    pub(super) fn state(&self, synth: Option<&Transport>) -> PlayState {
        match self {
            Route::Midi(player) => match player.state() {
                PlayerState::Playing => PlayState::Playing,
                PlayerState::Paused => PlayState::Paused,
                PlayerState::Stopped => PlayState::Stopped,
            },
            Route::Synth => synth.map_or(PlayState::Stopped, Transport::state),
        }
    }
}
