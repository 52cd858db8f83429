//! The playback engine: the audio-thread side of the transport, a rodio [`Source`] that pulls
//! its samples from the synthesizer.
//!
//! Real-time rules kept here: after construction nothing allocates, frees or locks. Every
//! buffer is sized up front (two blocks of [`Synth::BLOCK_FRAMES`] frames, a fixed table of
//! pending audition releases); commands arrive through a lock-free ring buffer, at most
//! [`MAX_COMMANDS_PER_BLOCK`] per block so a flood cannot stall the device; replaced schedules
//! are handed back to the UI thread through a second ring buffer to be freed there. The one
//! exception is a UI that never drains that return queue: after hundreds of undrained schedules
//! the engine drops one itself rather than stall (documented on `retire`).
//!
//! Timing: the engine renders in blocks of 64 frames and applies each event at the block
//! boundary nearest to its time, scaled by the tempo factor (within 0.73 ms at 44.1 kHz).

use std::num::NonZero;
use std::sync::Arc;
use std::time::Duration;

use super::shared::{Command, LoopRegion, PlayState, Shared, audition_channel};
use super::{Schedule, Synth};
use crate::music::{Channel, Pitch};

const BLOCK: usize = Synth::BLOCK_FRAMES;

/// The most commands applied in one block.
pub const MAX_COMMANDS_PER_BLOCK: usize = 64;

/// How many auditioned notes may wait for their release at once; a further one releases the
/// note closest to its end early.
const MAX_AUDITIONS: usize = 32;

/// An auditioned note waiting for its release.
#[derive(Clone, Copy)]
struct PendingRelease {
    pitch: Pitch,
    frames_left: u64,
}

/// The audio-thread side of a [`super::Transport`]: an endless stereo stream of `f32` samples
/// (silence when stopped) for rodio's mixer, or for anyone who pulls samples directly with
/// [`PlaybackSource::fill`].
pub struct PlaybackSource {
    synth: Synth,
    commands: rtrb::Consumer<Command>,
    returns: rtrb::Producer<Box<Schedule>>,
    unreturned: Option<Box<Schedule>>,
    shared: Arc<Shared>,
    schedule: Box<Schedule>,
    cursor: usize,
    state: PlayState,
    position: f64,
    loop_region: Option<LoopRegion>,
    auditions: [Option<PendingRelease>; MAX_AUDITIONS],
    left: [f32; BLOCK],
    right: [f32; BLOCK],
    /// Frames of the current block already handed out.
    read: usize,
    /// Whether the next sample handed out is the right channel's.
    right_next: bool,
    frames_rendered: u64,
    seconds_per_frame: f64,
}

impl PlaybackSource {
    pub(crate) fn new(
        mut synth: Synth,
        commands: rtrb::Consumer<Command>,
        returns: rtrb::Producer<Box<Schedule>>,
        shared: Arc<Shared>,
    ) -> PlaybackSource {
        synth.set_preset(audition_channel(), super::PresetId::PIANO);
        let seconds_per_frame = 1.0 / f64::from(synth.sample_rate());
        PlaybackSource {
            synth,
            commands,
            returns,
            unreturned: None,
            shared,
            schedule: Box::new(Schedule::empty()),
            cursor: 0,
            state: PlayState::Stopped,
            position: 0.0,
            loop_region: None,
            auditions: [None; MAX_AUDITIONS],
            left: [0.0; BLOCK],
            right: [0.0; BLOCK],
            read: BLOCK,
            right_next: false,
            frames_rendered: 0,
            seconds_per_frame,
        }
    }

    /// Fills `out` with interleaved stereo samples (left, right, left, ...). An odd length
    /// leaves the stream between a left and a right sample, exactly as pulling one sample at a
    /// time would.
    pub fn fill(&mut self, out: &mut [f32]) {
        for sample in out {
            *sample = self.next_sample();
        }
    }

    /// Frames rendered so far (the audio clock; also published to the transport).
    pub fn frames_rendered(&self) -> u64 {
        self.frames_rendered
    }

    #[inline]
    fn next_sample(&mut self) -> f32 {
        if self.right_next {
            let s = self.right[self.read];
            self.read += 1;
            self.right_next = false;
            s
        } else {
            if self.read >= BLOCK {
                self.render_block();
                self.read = 0;
            }
            self.right_next = true;
            self.left[self.read]
        }
    }

    /// Renders the next block: commands, scheduled events, audition releases, synthesis,
    /// then the playhead moves and is published.
    fn render_block(&mut self) {
        self.handle_commands();
        if self.shared.device_failed() && self.state != PlayState::Stopped {
            self.state = PlayState::Stopped;
            self.synth.all_notes_off();
        }
        let dt = BLOCK as f64 * self.seconds_per_frame * f64::from(self.shared.tempo_factor());
        if self.state == PlayState::Playing {
            self.apply_due_events(dt);
        }
        self.release_auditions();
        self.synth.render(&mut self.left, &mut self.right);
        if self.state == PlayState::Playing {
            self.advance(dt);
        }
        self.frames_rendered += BLOCK as u64;
        self.shared
            .publish(self.state, self.position, self.frames_rendered);
    }

    fn handle_commands(&mut self) {
        if let Some(old) = self.unreturned.take() {
            self.retire(old);
        }
        for _ in 0..MAX_COMMANDS_PER_BLOCK {
            let Ok(command) = self.commands.pop() else {
                break;
            };
            self.apply(command);
        }
    }

    fn apply(&mut self, command: Command) {
        match command {
            Command::Play => {
                if self.state != PlayState::Playing {
                    if self.position >= self.schedule.end_seconds() && !self.loop_ahead() {
                        self.position = 0.0;
                    }
                    self.cursor = self.schedule.index_at(self.position);
                    self.state = PlayState::Playing;
                }
            }
            Command::Pause => {
                if self.state == PlayState::Playing {
                    self.state = PlayState::Paused;
                    self.release_piece_notes();
                }
            }
            Command::Stop => {
                self.state = PlayState::Stopped;
                self.position = 0.0;
                self.cursor = 0;
                self.release_piece_notes();
            }
            Command::Seek(seconds) => {
                self.position = seconds.clamp(0.0, self.schedule.end_seconds());
                self.cursor = self.schedule.index_at(self.position);
                self.release_piece_notes();
            }
            Command::SetLoop(region) => self.loop_region = region,
            Command::Load(schedule) => {
                let old = std::mem::replace(&mut self.schedule, schedule);
                self.retire(old);
                for (channel, preset) in self.schedule.presets().iter().enumerate() {
                    if let (Some(preset), Ok(channel)) = (preset, Channel::new(channel as u8)) {
                        self.synth.set_preset(channel, *preset);
                    }
                }
                self.position = self.position.min(self.schedule.end_seconds());
                self.cursor = self.schedule.index_at(self.position);
                self.release_piece_notes();
            }
            Command::Audition {
                pitch,
                velocity,
                frames,
            } => {
                self.synth.note_on(audition_channel(), pitch, velocity);
                self.hold_audition(pitch, frames);
            }
            Command::AllSoundOff => {
                self.synth.all_sound_off();
                self.auditions = [None; MAX_AUDITIONS];
            }
            Command::SetAuditionPreset(preset) => {
                self.synth.set_preset(audition_channel(), preset);
            }
        }
    }

    /// Hands a replaced schedule back to the UI thread to be freed there. If the return queue
    /// is full (a UI that never drains it), one schedule is kept for the next block; a second
    /// one in that situation is dropped here, the only deallocation the engine can make.
    fn retire(&mut self, old: Box<Schedule>) {
        if let Some(waiting) = self.unreturned.take()
            && let Err(rtrb::PushError::Full(waiting)) = self.returns.push(waiting)
        {
            self.unreturned = Some(waiting);
            drop(old);
            return;
        }
        if let Err(rtrb::PushError::Full(old)) = self.returns.push(old) {
            self.unreturned = Some(old);
        }
    }

    /// Whether a loop region lies ahead of the playhead (so reaching the piece's end does not
    /// stop playback).
    fn loop_ahead(&self) -> bool {
        self.loop_region
            .is_some_and(|region| self.position < region.end())
    }

    /// Plays the events nearer to this block's start than to the next block's.
    fn apply_due_events(&mut self, dt: f64) {
        let mut limit = self.position + dt / 2.0;
        if let Some(region) = self.loop_region
            && self.position < region.end()
        {
            limit = limit.min(region.end());
        }
        let events = self.schedule.events();
        while let Some(event) = events.get(self.cursor) {
            if event.seconds >= limit {
                break;
            }
            event.apply(&mut self.synth);
            self.cursor += 1;
        }
    }

    /// Moves the playhead by one block: jumps back at a loop's end, stops at the piece's end.
    fn advance(&mut self, dt: f64) {
        let before = self.position;
        self.position += dt;
        if let Some(region) = self.loop_region
            && before < region.end()
        {
            if self.position >= region.end() {
                let length = region.end() - region.start();
                let overshoot = (self.position - region.end()) % length;
                self.position = region.start() + overshoot;
                self.cursor = self.schedule.index_at(region.start());
                self.release_piece_notes();
            }
            return;
        }
        if self.position >= self.schedule.end_seconds()
            && self.cursor >= self.schedule.events().len()
        {
            self.position = self.schedule.end_seconds();
            self.state = PlayState::Stopped;
        }
    }

    /// All Notes Off on every channel but the audition channel: the piece's notes ring out
    /// their release; auditioned notes keep their own timing.
    fn release_piece_notes(&mut self) {
        let audition = audition_channel();
        for index in 0..16u8 {
            if let Ok(channel) = Channel::new(index)
                && channel != audition
            {
                self.synth.channel_notes_off(channel);
            }
        }
    }

    fn hold_audition(&mut self, pitch: Pitch, frames: u64) {
        let release = PendingRelease {
            pitch,
            frames_left: frames,
        };
        // The same key struck again: its one release comes after the longer of the two.
        if let Some(slot) = self
            .auditions
            .iter_mut()
            .flatten()
            .find(|p| p.pitch == pitch)
        {
            slot.frames_left = slot.frames_left.max(frames);
            return;
        }
        if let Some(slot) = self.auditions.iter_mut().find(|s| s.is_none()) {
            *slot = Some(release);
            return;
        }
        // Full: release the note nearest to its end now and take its place.
        let mut nearest = 0;
        let mut least = u64::MAX;
        for (i, slot) in self.auditions.iter().enumerate() {
            if let Some(p) = slot
                && p.frames_left < least
            {
                least = p.frames_left;
                nearest = i;
            }
        }
        if let Some(p) = self.auditions[nearest] {
            self.synth.note_off(audition_channel(), p.pitch);
        }
        self.auditions[nearest] = Some(release);
    }

    fn release_auditions(&mut self) {
        for slot in &mut self.auditions {
            if let Some(p) = slot {
                if p.frames_left <= BLOCK as u64 {
                    self.synth.note_off(audition_channel(), p.pitch);
                    *slot = None;
                } else {
                    p.frames_left -= BLOCK as u64;
                }
            }
        }
    }
}

impl Iterator for PlaybackSource {
    type Item = f32;

    #[inline]
    fn next(&mut self) -> Option<f32> {
        Some(self.next_sample())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (usize::MAX, None)
    }
}

impl rodio::Source for PlaybackSource {
    fn current_span_len(&self) -> Option<usize> {
        None
    }

    fn channels(&self) -> rodio::ChannelCount {
        NonZero::<u16>::MIN.saturating_add(1)
    }

    fn sample_rate(&self) -> rodio::SampleRate {
        NonZero::new(self.synth.sample_rate()).unwrap_or(NonZero::<u32>::MIN)
    }

    fn total_duration(&self) -> Option<Duration> {
        None
    }
}
