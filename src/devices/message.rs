//! The channel messages the studio sends and receives, and their MIDI byte encoding.

use crate::music::{Channel, Pitch, Program, Velocity};

/// Controller 123, All Notes Off: ends every note on the channel (sustain pedal permitting).
pub const CC_ALL_NOTES_OFF: u8 = 123;
/// Controller 121, Reset All Controllers: pitch bend, modulation, pedals back to default.
pub const CC_RESET_ALL_CONTROLLERS: u8 = 121;

/// One MIDI channel message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MidiMessage {
    /// Start a note.
    NoteOn {
        /// The channel.
        channel: Channel,
        /// The key.
        pitch: Pitch,
        /// How hard (1..=127; a velocity of 0 would mean note-off).
        velocity: Velocity,
    },
    /// End a note (sent with release velocity 64, the MIDI default).
    NoteOff {
        /// The channel.
        channel: Channel,
        /// The key.
        pitch: Pitch,
    },
    /// Set a controller. Numbers and values above 127 are clamped to 127 when encoded.
    ControlChange {
        /// The channel.
        channel: Channel,
        /// The controller number, 0..=127.
        controller: u8,
        /// The value, 0..=127.
        value: u8,
    },
    /// Choose the instrument of a channel.
    ProgramChange {
        /// The channel.
        channel: Channel,
        /// The General MIDI program.
        program: Program,
    },
}

impl MidiMessage {
    /// All Notes Off (controller 123) on a channel.
    pub const fn all_notes_off(channel: Channel) -> Self {
        MidiMessage::ControlChange {
            channel,
            controller: CC_ALL_NOTES_OFF,
            value: 0,
        }
    }

    /// Reset All Controllers (controller 121) on a channel.
    pub const fn reset_all_controllers(channel: Channel) -> Self {
        MidiMessage::ControlChange {
            channel,
            controller: CC_RESET_ALL_CONTROLLERS,
            value: 0,
        }
    }

    /// The channel the message is addressed to.
    pub const fn channel(&self) -> Channel {
        match *self {
            MidiMessage::NoteOn { channel, .. }
            | MidiMessage::NoteOff { channel, .. }
            | MidiMessage::ControlChange { channel, .. }
            | MidiMessage::ProgramChange { channel, .. } => channel,
        }
    }

    /// Whether this is All Notes Off (controller 123).
    pub const fn is_all_notes_off(&self) -> bool {
        matches!(
            self,
            MidiMessage::ControlChange {
                controller: CC_ALL_NOTES_OFF,
                ..
            }
        )
    }

    /// Whether this is Reset All Controllers (controller 121).
    pub const fn is_reset_all_controllers(&self) -> bool {
        matches!(
            self,
            MidiMessage::ControlChange {
                controller: CC_RESET_ALL_CONTROLLERS,
                ..
            }
        )
    }

    /// The bytes on the wire (status byte first).
    pub fn encode(&self) -> RawMessage {
        match *self {
            MidiMessage::NoteOn {
                channel,
                pitch,
                velocity,
            } => RawMessage::three(0x90 | channel.get(), pitch.get(), velocity.get()),
            MidiMessage::NoteOff { channel, pitch } => {
                RawMessage::three(0x80 | channel.get(), pitch.get(), 64)
            }
            MidiMessage::ControlChange {
                channel,
                controller,
                value,
            } => RawMessage::three(0xB0 | channel.get(), controller.min(127), value.min(127)),
            MidiMessage::ProgramChange { channel, program } => RawMessage {
                bytes: [0xC0 | channel.get(), program.get(), 0],
                len: 2,
            },
        }
    }

    /// Reads one complete channel message. Note-on with velocity 0 reads as note-off; any
    /// other kind of message (pitch bend, aftertouch, system messages) gives `None`.
    pub fn decode(bytes: &[u8]) -> Option<MidiMessage> {
        let (&status, data) = bytes.split_first()?;
        let channel = Channel::new(status & 0x0F).ok()?;
        let data1 = *data.first()?;
        if data1 > 127 {
            return None;
        }
        match status & 0xF0 {
            0x80 => Some(MidiMessage::NoteOff {
                channel,
                pitch: Pitch::new(data1).ok()?,
            }),
            0x90 => {
                let pitch = Pitch::new(data1).ok()?;
                match *data.get(1)? {
                    0 => Some(MidiMessage::NoteOff { channel, pitch }),
                    v => Some(MidiMessage::NoteOn {
                        channel,
                        pitch,
                        velocity: Velocity::new(v).ok()?,
                    }),
                }
            }
            0xB0 => {
                let value = *data.get(1)?;
                (value <= 127).then_some(MidiMessage::ControlChange {
                    channel,
                    controller: data1,
                    value,
                })
            }
            0xC0 => Some(MidiMessage::ProgramChange {
                channel,
                program: Program::new(data1).ok()?,
            }),
            _ => None,
        }
    }
}

/// An encoded channel message: two or three bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RawMessage {
    bytes: [u8; 3],
    len: u8,
}

impl RawMessage {
    const fn three(status: u8, data1: u8, data2: u8) -> Self {
        RawMessage {
            bytes: [status, data1, data2],
            len: 3,
        }
    }

    /// The bytes, status byte first.
    pub fn as_slice(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ch(c: u8) -> Channel {
        Channel::new(c).unwrap()
    }

    #[test]
    fn messages_encode_to_midi_bytes() {
        let on = MidiMessage::NoteOn {
            channel: ch(2),
            pitch: Pitch::A4,
            velocity: Velocity::new(100).unwrap(),
        };
        assert_eq!(on.encode().as_slice(), &[0x92, 69, 100]);
        let off = MidiMessage::NoteOff {
            channel: ch(0),
            pitch: Pitch::MIDDLE_C,
        };
        assert_eq!(off.encode().as_slice(), &[0x80, 60, 64]);
        assert_eq!(
            MidiMessage::all_notes_off(ch(15)).encode().as_slice(),
            &[0xBF, 123, 0]
        );
        assert_eq!(
            MidiMessage::reset_all_controllers(ch(9))
                .encode()
                .as_slice(),
            &[0xB9, 121, 0]
        );
        let pc = MidiMessage::ProgramChange {
            channel: ch(1),
            program: Program::new(40).unwrap(),
        };
        assert_eq!(pc.encode().as_slice(), &[0xC1, 40]);
        let loud = MidiMessage::ControlChange {
            channel: ch(0),
            controller: 200,
            value: 255,
        };
        assert_eq!(loud.encode().as_slice(), &[0xB0, 127, 127]);
    }

    #[test]
    fn decoding_reads_back_and_treats_velocity_zero_as_note_off() {
        for m in [
            MidiMessage::NoteOn {
                channel: ch(3),
                pitch: Pitch::A4,
                velocity: Velocity::MAX,
            },
            MidiMessage::NoteOff {
                channel: ch(3),
                pitch: Pitch::A4,
            },
            MidiMessage::all_notes_off(ch(4)),
            MidiMessage::ProgramChange {
                channel: ch(5),
                program: Program::PIANO,
            },
        ] {
            assert_eq!(MidiMessage::decode(m.encode().as_slice()), Some(m));
        }
        assert_eq!(
            MidiMessage::decode(&[0x91, 60, 0]),
            Some(MidiMessage::NoteOff {
                channel: ch(1),
                pitch: Pitch::MIDDLE_C
            })
        );
        // Pitch bend, clock, truncated and malformed messages are not read.
        assert_eq!(MidiMessage::decode(&[0xE0, 0, 64]), None);
        assert_eq!(MidiMessage::decode(&[0xF8]), None);
        assert_eq!(MidiMessage::decode(&[0x90, 60]), None);
        assert_eq!(MidiMessage::decode(&[0x90, 200, 10]), None);
        assert_eq!(MidiMessage::decode(&[]), None);
    }
}
