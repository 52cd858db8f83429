//! Where MIDI messages go: the [`MidiSink`] trait and a recording fake for tests.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use super::{DeviceError, MidiMessage};
use crate::music::{Channel, Pitch, Program, Velocity};

/// Something that accepts MIDI channel messages: a port connection, or a fake in tests.
///
/// Only [`MidiSink::send`] must be written; the other methods are shorthands for it.
pub trait MidiSink: Send {
    /// Sends one message now.
    fn send(&mut self, message: MidiMessage) -> Result<(), DeviceError>;

    /// A name for messages to the user (the port's name).
    fn name(&self) -> String;

    /// Starts a note.
    fn note_on(
        &mut self,
        channel: Channel,
        pitch: Pitch,
        velocity: Velocity,
    ) -> Result<(), DeviceError> {
        self.send(MidiMessage::NoteOn {
            channel,
            pitch,
            velocity,
        })
    }

    /// Ends a note.
    fn note_off(&mut self, channel: Channel, pitch: Pitch) -> Result<(), DeviceError> {
        self.send(MidiMessage::NoteOff { channel, pitch })
    }

    /// Sets a controller (numbers and values above 127 are clamped).
    fn control_change(
        &mut self,
        channel: Channel,
        controller: u8,
        value: u8,
    ) -> Result<(), DeviceError> {
        self.send(MidiMessage::ControlChange {
            channel,
            controller,
            value,
        })
    }

    /// Chooses a channel's instrument.
    fn program_change(&mut self, channel: Channel, program: Program) -> Result<(), DeviceError> {
        self.send(MidiMessage::ProgramChange { channel, program })
    }

    /// Sends All Notes Off (controller 123) on a channel.
    fn all_notes_off(&mut self, channel: Channel) -> Result<(), DeviceError> {
        self.send(MidiMessage::all_notes_off(channel))
    }

    /// Sends Reset All Controllers (controller 121) on a channel.
    fn reset_all_controllers(&mut self, channel: Channel) -> Result<(), DeviceError> {
        self.send(MidiMessage::reset_all_controllers(channel))
    }
}

/// One message as the [`RecordingSink`] received it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SentMessage {
    /// When it arrived (read from the monotonic clock at the call to `send`).
    pub at: Instant,
    /// The message.
    pub message: MidiMessage,
}

#[derive(Debug, Default)]
struct Log {
    sent: Vec<SentMessage>,
    /// After this many more successful sends, every send fails (simulates an unplugged device).
    fail_after: Option<usize>,
}

/// A fake sink that keeps every message with the time it arrived, for tests and diagnostics.
/// Read what it got through the [`Recording`] handle made with it.
#[derive(Debug)]
pub struct RecordingSink {
    name: String,
    log: Arc<Mutex<Log>>,
}

/// The reading end of a [`RecordingSink`]; it stays valid after the sink is dropped.
#[derive(Clone, Debug)]
pub struct Recording {
    log: Arc<Mutex<Log>>,
}

impl RecordingSink {
    /// A sink with a name and the handle to read what it receives.
    pub fn new(name: impl Into<String>) -> (RecordingSink, Recording) {
        let log = Arc::new(Mutex::new(Log::default()));
        (
            RecordingSink {
                name: name.into(),
                log: Arc::clone(&log),
            },
            Recording { log },
        )
    }
}

fn lock(log: &Mutex<Log>) -> MutexGuard<'_, Log> {
    // A panic while holding this lock can only come from a test; the log is still usable.
    log.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl MidiSink for RecordingSink {
    fn send(&mut self, message: MidiMessage) -> Result<(), DeviceError> {
        let at = Instant::now();
        let mut log = lock(&self.log);
        match log.fail_after {
            Some(0) => {
                return Err(DeviceError::Send {
                    port: self.name.clone(),
                    reason: "the recording sink was told to fail".to_string(),
                });
            }
            Some(ref mut n) => *n -= 1,
            None => {}
        }
        log.sent.push(SentMessage { at, message });
        Ok(())
    }

    fn name(&self) -> String {
        self.name.clone()
    }
}

impl Recording {
    /// Everything received so far, in arrival order.
    pub fn messages(&self) -> Vec<SentMessage> {
        lock(&self.log).sent.clone()
    }

    /// Forgets what was received so far.
    pub fn clear(&self) {
        lock(&self.log).sent.clear();
    }

    /// How many messages were received.
    pub fn len(&self) -> usize {
        lock(&self.log).sent.len()
    }

    /// Whether nothing was received.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Makes every send after the next `n` successful ones fail, as an unplugged device would.
    pub fn fail_after(&self, n: usize) {
        lock(&self.log).fail_after = Some(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fake_records_messages_in_order_and_can_fail() {
        let (mut sink, rec) = RecordingSink::new("fake");
        let ch = Channel::new(1).unwrap();
        sink.note_on(ch, Pitch::A4, Velocity::DEFAULT).unwrap();
        sink.all_notes_off(ch).unwrap();
        let got: Vec<MidiMessage> = rec.messages().iter().map(|m| m.message).collect();
        assert_eq!(
            got,
            vec![
                MidiMessage::NoteOn {
                    channel: ch,
                    pitch: Pitch::A4,
                    velocity: Velocity::DEFAULT
                },
                MidiMessage::all_notes_off(ch)
            ]
        );
        assert!(rec.messages()[0].at <= rec.messages()[1].at);
        rec.fail_after(1);
        assert!(sink.reset_all_controllers(ch).is_ok());
        let err = sink.note_off(ch, Pitch::A4).unwrap_err();
        assert!(err.to_string().contains("\"fake\""), "{err}");
        assert_eq!(rec.len(), 3);
        rec.clear();
        assert!(rec.is_empty());
    }
}
