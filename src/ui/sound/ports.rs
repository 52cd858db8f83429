//! MIDI ports: the port lists, refreshed every few seconds, and the output port pieces play
//! to. Listing and connecting run on background jobs (both may block on a busy MIDI
//! subsystem); the UI thread only takes their results.

use std::time::{Duration, Instant};

use super::Playback;
use super::route::Route;
use crate::devices::{
    DeviceError, MidirSink, Player, PlayerEvent, PortDirection, PortInfo, PortSelector,
    PortWatcher, connect_output, list_ports,
};
use crate::ui::job::{Job, Poll};
use crate::ui::notify::Notifications;

/// How often the MIDI port lists are refreshed.
const PORT_REFRESH: Duration = Duration::from_secs(2);

/// The output and input port lists, as listed on a job.
type Listing = (
    Result<Vec<PortInfo>, DeviceError>,
    Result<Vec<PortInfo>, DeviceError>,
);

/// The MIDI port state of the studio.
pub(super) struct Ports {
    out: PortWatcher,
    input: PortWatcher,
    last_refresh: Option<Instant>,
    listing: Option<Job<Listing>>,
    /// The output port being connected, and the job connecting it.
    connecting: Option<(String, Job<Result<MidirSink, DeviceError>>)>,
    unavailable: Option<String>,
}

impl Default for Ports {
    fn default() -> Self {
        Ports {
            out: PortWatcher::new(PortDirection::Output),
            input: PortWatcher::new(PortDirection::Input),
            last_refresh: None,
            listing: None,
            connecting: None,
            unavailable: None,
        }
    }
}

impl Playback {
    /// Lists the MIDI ports again, in the background; the lists change at a later
    /// [`Playback::poll`]. Without a MIDI subsystem the library's message is kept (see
    /// [`Playback::midi_unavailable`]) and shown once.
    pub fn refresh_ports(&mut self) {
        if self.ports.listing.is_some() {
            return;
        }
        self.ports.last_refresh = Some(Instant::now());
        self.ports.listing = Some(Job::spawn(&self.ctx, "midi-ports", || {
            (
                list_ports(PortDirection::Output),
                list_ports(PortDirection::Input),
            )
        }));
    }

    /// Why MIDI devices are unavailable, if they are.
    pub fn midi_unavailable(&self) -> Option<&str> {
        self.ports.unavailable.as_deref()
    }

    /// The MIDI output ports as of the last refresh.
    pub fn midi_output_ports(&self) -> &[PortInfo] {
        self.ports.out.ports()
    }

    /// The MIDI input ports as of the last refresh.
    pub fn midi_input_ports(&self) -> &[PortInfo] {
        self.ports.input.ports()
    }

    /// The output port being connected, if one is.
    pub fn midi_output_connecting(&self) -> Option<&str> {
        self.ports
            .connecting
            .as_ref()
            .map(|(name, _)| name.as_str())
    }

    /// Plays to the MIDI output port named `name` from now on (connected in the background),
    /// or to the built-in synthesizer with `None`. Whatever played stops (and is silenced)
    /// first.
    pub fn select_midi_output(&mut self, name: Option<String>) {
        self.stop();
        self.ports.connecting = None;
        let Some(name) = name else {
            self.route_to_synth();
            self.settings.midi_output = None;
            return;
        };
        let selector = PortSelector::Name(name.clone());
        let job = Job::spawn(&self.ctx, "midi-connect", move || connect_output(&selector));
        self.ports.connecting = Some((name, job));
    }

    /// A MIDI output failure: reported once, back to the built-in synthesizer.
    pub(super) fn midi_failed(&mut self, error: DeviceError, notify: &mut Notifications) {
        self.route_to_synth();
        let port = self.settings.midi_output.take().unwrap_or_default();
        notify.error(format!(
            "MIDI output {port:?} failed, playing the built-in synthesizer: {error}"
        ));
    }

    /// Plays to the built-in synthesizer from now on. The MIDI player that played before is
    /// dropped on a thread of its own: dropping it silences the port and joins its thread,
    /// which may wait on the device (see the rule in [`crate::ui`]).
    fn route_to_synth(&mut self) {
        if let Route::Midi(player) = std::mem::replace(&mut self.route, Route::Synth) {
            // If no thread can be started the player is dropped here, as before.
            let _ = std::thread::Builder::new()
                .name("midi-player-close".into())
                .spawn(move || drop(player));
        }
    }

    /// Takes finished listings and connections, refreshes the lists now and then.
    pub(super) fn poll_ports(&mut self, notify: &mut Notifications) {
        self.poll_connecting(notify);
        if let Some(job) = &mut self.ports.listing {
            match job.poll() {
                Poll::Pending => {}
                Poll::Done(listing) => {
                    self.ports.listing = None;
                    self.take_listing(listing, notify);
                }
                Poll::Lost => self.ports.listing = None,
            }
        }
        if self
            .ports
            .last_refresh
            .is_none_or(|at| at.elapsed() >= PORT_REFRESH)
        {
            self.refresh_ports();
        }
    }

    fn take_listing(&mut self, (out, input): Listing, notify: &mut Notifications) {
        let result = out.and_then(|out| {
            let changes = self.ports.out.update(out);
            self.ports.input.update(input?);
            Ok(changes)
        });
        match result {
            Ok(out) => {
                self.ports.unavailable = None;
                if let Some(chosen) = self.settings.midi_output.clone()
                    && out.removed.iter().any(|p| p.name == chosen)
                {
                    notify.info(format!(
                        "The MIDI port {chosen:?} went away; playing the built-in synthesizer"
                    ));
                    self.select_midi_output(None);
                }
            }
            Err(DeviceError::NoMidiSubsystem(message)) => {
                // A machine without MIDI is a state the status bar shows ("MIDI:
                // unavailable"), not news at every start. A saved MIDI output that cannot be
                // used is told once, by its connection (`poll_connecting`).
                self.ports.unavailable = Some(message);
            }
            Err(other) => {
                let message = other.to_string();
                if self.ports.unavailable.as_deref() != Some(message.as_str()) {
                    notify.error(format!("listing MIDI ports failed: {message}"));
                }
                self.ports.unavailable = Some(message);
            }
        }
    }

    fn poll_connecting(&mut self, notify: &mut Notifications) {
        let Some((_, job)) = &mut self.ports.connecting else {
            return;
        };
        let result = match job.poll() {
            Poll::Pending => return,
            Poll::Done(result) => result,
            Poll::Lost => Err(DeviceError::PlayerStopped(
                "the thread connecting the port stopped".to_string(),
            )),
        };
        let Some((name, _)) = self.ports.connecting.take() else {
            return;
        };
        match result {
            Ok(sink) => {
                let route = std::mem::replace(&mut self.route, Route::Synth);
                let player = match route {
                    Route::Midi(player) => player.set_sink(Box::new(sink)).map(|()| player),
                    Route::Synth => Player::new(Some(Box::new(sink))),
                };
                match player {
                    Ok(player) => {
                        self.route = Route::Midi(player);
                        self.settings.midi_output = Some(name);
                    }
                    Err(e) => self.midi_failed(e, notify),
                }
            }
            Err(e) => {
                self.route = Route::Synth;
                self.settings.midi_output = None;
                notify.error(format!(
                    "could not use the MIDI output {name:?}, playing the built-in synthesizer: {e}"
                ));
            }
        }
    }

    /// Takes the MIDI player's events: a failed port, or a failed All Notes Off (notes may
    /// still sound), is reported once and the built-in synthesizer plays from then on.
    pub(super) fn poll_player(&mut self, notify: &mut Notifications) {
        let mut failure = None;
        let mut not_silenced = None;
        if let Some(player) = self.route.player() {
            while let Some(event) = player.try_event() {
                match event {
                    PlayerEvent::SinkFailed(e) => failure = Some(e),
                    PlayerEvent::SilenceFailed(e) => not_silenced = Some(e),
                    _ => {}
                }
            }
        }
        if let Some(e) = failure {
            self.midi_failed(e, notify);
        } else if let Some(e) = not_silenced {
            let port = self.settings.midi_output.clone().unwrap_or_default();
            notify.error(format!(
                "could not silence the MIDI output {port:?} (All Notes Off failed; notes may \
                 still sound there; switch the device off and on): {e}"
            ));
            self.route = Route::Synth;
            self.settings.midi_output = None;
        }
    }
}
