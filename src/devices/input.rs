//! Recording key presses from a MIDI input port (the device half of input recording).

use std::sync::mpsc::{self, Receiver};
use std::time::Instant;

use midir::{Ignore, MidiInput, MidiInputConnection};

use super::ports::{CLIENT_NAME, PortInfo, PortSelector, no_midi_subsystem, select_port};
use super::{
    CaptureSettings, DeviceError, KeyEvent, MidiMessage, PortDirection, TimedKey,
    recording_to_piece,
};
use crate::music::Piece;

/// Seconds from `origin` to `at`, negative when `at` is earlier.
pub fn seconds_since(origin: Instant, at: Instant) -> f64 {
    match at.checked_duration_since(origin) {
        Some(d) => d.as_secs_f64(),
        None => -origin.duration_since(at).as_secs_f64(),
    }
}

/// Reads a MIDI message as a key event (note-on with velocity 0 is a release); other
/// messages give `None`.
pub fn key_event(bytes: &[u8]) -> Option<KeyEvent> {
    match MidiMessage::decode(bytes)? {
        MidiMessage::NoteOn {
            pitch, velocity, ..
        } => Some(KeyEvent::Down { pitch, velocity }),
        MidiMessage::NoteOff { pitch, .. } => Some(KeyEvent::Up { pitch }),
        _ => None,
    }
}

/// Listens to an input port and keeps every key pressed and released, timed on the monotonic
/// clock relative to an origin instant the caller chooses (e.g. when the count-in started).
/// Notes on every channel are taken; controllers (the sustain pedal too), clock, active
/// sensing and system exclusive messages are ignored.
///
/// Times are read when midir's input thread hands over a message, not from the backend's own
/// timestamps (their epoch is unspecified); on ALSA the delay is far below a millisecond,
/// against the 125 ms of a 16th note at 120 BPM.
pub struct InputRecorder {
    connection: Option<MidiInputConnection<()>>,
    receiver: Receiver<TimedKey>,
    events: Vec<TimedKey>,
    origin: Instant,
    port: PortInfo,
}

impl std::fmt::Debug for InputRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InputRecorder")
            .field("port", &self.port)
            .field("events", &self.events.len())
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl InputRecorder {
    /// Connects to an input port and starts listening.
    pub fn start(selector: &PortSelector, origin: Instant) -> Result<InputRecorder, DeviceError> {
        let mut input =
            MidiInput::new(&format!("{CLIENT_NAME} input")).map_err(|_| no_midi_subsystem())?;
        input.ignore(Ignore::All);
        let ports: Vec<_> = input
            .ports()
            .into_iter()
            .filter_map(|p| input.port_name(&p).ok().map(|name| (p, name)))
            .filter(|(_, name)| !name.starts_with(CLIENT_NAME))
            .collect();
        let infos: Vec<PortInfo> = ports
            .iter()
            .enumerate()
            .map(|(index, (p, name))| PortInfo {
                index,
                id: p.id(),
                name: name.clone(),
            })
            .collect();
        let chosen = select_port(&infos, PortDirection::Input, selector)?.clone();
        let Some((port, _)) = ports.get(chosen.index) else {
            return Err(DeviceError::NoPorts(PortDirection::Input));
        };
        let (tx, receiver) = mpsc::channel();
        let connection = input
            .connect(
                port,
                &format!("{CLIENT_NAME} recorder"),
                move |_backend_stamp, bytes, _| {
                    let at = Instant::now();
                    if let Some(event) = key_event(bytes) {
                        // The recorder may be gone already; nothing to do then.
                        let _ = tx.send(TimedKey {
                            seconds: seconds_since(origin, at),
                            event,
                        });
                    }
                },
                (),
            )
            .map_err(|e| DeviceError::Connect {
                direction: PortDirection::Input,
                port: chosen.name.clone(),
                reason: e.to_string(),
            })?;
        Ok(InputRecorder {
            connection: Some(connection),
            receiver,
            events: Vec::new(),
            origin,
            port: chosen,
        })
    }

    /// The port listened to.
    pub fn port(&self) -> &PortInfo {
        &self.port
    }

    /// The instant the event times count from.
    pub fn origin(&self) -> Instant {
        self.origin
    }

    /// Every key event so far (takes in what arrived since the last call; never blocks), for
    /// showing the notes live while recording.
    pub fn poll(&mut self) -> &[TimedKey] {
        self.events.extend(self.receiver.try_iter());
        &self.events
    }

    /// Stops listening now and turns what was played into a quantized one-part piece (keys
    /// still held end now). See [`super::quantize_recording`] for the rules.
    pub fn finish(mut self, settings: &CaptureSettings) -> Result<Piece, DeviceError> {
        let stop = seconds_since(self.origin, Instant::now());
        if let Some(connection) = self.connection.take() {
            connection.close();
        }
        self.events.extend(self.receiver.try_iter());
        recording_to_piece(&self.events, Some(stop), settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::{Pitch, Velocity};
    use std::time::Duration;

    #[test]
    fn seconds_are_signed_around_the_origin() {
        let origin = Instant::now();
        let later = origin + Duration::from_millis(1500);
        assert!((seconds_since(origin, later) - 1.5).abs() < 1e-9);
        assert!((seconds_since(later, origin) + 1.5).abs() < 1e-9);
    }

    #[test]
    fn input_bytes_become_key_events() {
        assert_eq!(
            key_event(&[0x93, 64, 90]),
            Some(KeyEvent::Down {
                pitch: Pitch::new(64).unwrap(),
                velocity: Velocity::new(90).unwrap()
            })
        );
        assert_eq!(
            key_event(&[0x90, 64, 0]),
            Some(KeyEvent::Up {
                pitch: Pitch::new(64).unwrap()
            })
        );
        assert_eq!(key_event(&[0xB0, 64, 127]), None);
    }

    #[test]
    fn recording_without_a_midi_subsystem_is_an_error() {
        if let Err(e) = InputRecorder::start(&PortSelector::Index(0), Instant::now()) {
            assert!(matches!(
                e,
                DeviceError::NoMidiSubsystem(_) | DeviceError::NoPorts(_)
            ));
        }
    }
}
