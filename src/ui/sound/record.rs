//! Recording a take from a MIDI input port, after a count-in.

use std::time::Instant;

use super::Playback;
use crate::devices::{
    CaptureSettings, DeviceError, InputRecorder, PortSelector, RecordStart, count_in_piece,
};
use crate::music::{Note, Piece, Pitch};
use crate::ui::notify::Notifications;

/// A take being recorded.
pub(super) struct Take {
    pub(super) recorder: InputRecorder,
    settings: CaptureSettings,
}

impl Playback {
    /// Chooses the MIDI input port takes are recorded from.
    pub fn set_midi_input(&mut self, name: Option<String>) {
        self.settings.midi_input = name;
    }

    /// Starts recording a take from the chosen input at `piece`'s tempo and resolution:
    /// after a count-in of the configured beats (played on the MIDI port, or as piano clicks
    /// on the built-in synthesizer), or from the first note played.
    pub fn start_recording(&mut self, piece: &Piece, notify: &mut Notifications) {
        if self.take.is_some() {
            return;
        }
        let Some(port) = self.settings.midi_input.clone() else {
            notify.error("choose a MIDI input port before recording");
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
                    self.play_count_in(beats, bpm, piece.ticks_per_quarter, notify);
                }
                self.take = Some(Take { recorder, settings });
            }
            Err(e) => notify.error(format!("could not record from {port:?}: {e}")),
        }
    }

    /// Plays the count-in: drum clicks on a MIDI port, high piano notes on the built-in
    /// synthesizer (whose piano has no drum kit).
    fn play_count_in(
        &mut self,
        beats: u32,
        bpm: f64,
        ticks_per_quarter: u16,
        notify: &mut Notifications,
    ) {
        let clicks = if self.route.player().is_some() {
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
                self.play(&clicks, 0.0, notify);
                self.settings.tempo_scale = scale;
            }
            Err(e) => notify.error(format!("the count-in could not be made: {e}")),
        }
        self.settings.looping = saved_loop;
    }

    /// Ends the take: its notes, quantized to the 16th-note grid, are kept for
    /// [`Playback::take_recording`].
    pub fn stop_recording(&mut self, notify: &mut Notifications) {
        let Some(take) = self.take.take() else {
            return;
        };
        let port = take.recorder.port().name.clone();
        match take.recorder.finish(&take.settings) {
            Ok(piece) => {
                let notes: Vec<Note> = piece.notes().copied().collect();
                if notes.is_empty() {
                    notify.info(format!("No notes were played on {port:?}"));
                } else {
                    notify.info(format!("Recorded {} notes from {port:?}", notes.len()));
                    self.recording = Some(notes);
                }
            }
            Err(e) => notify.error(format!("the take from {port:?} could not be read: {e}")),
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
