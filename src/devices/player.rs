//! The MIDI output scheduler: a thread with its own clock that plays a piece to a sink.
//!
//! # Timing
//! The thread keeps an *anchor*: a wall-clock instant (from the monotonic [`Instant`] clock)
//! paired with a tick. An event at tick `t` is due at
//! `anchor_instant + (seconds(t) - seconds(anchor_tick)) / tempo_factor`, where `seconds` walks
//! the piece's tempo map. Deadlines are always computed from the anchor, never by adding up
//! sleeps, so lateness never accumulates. To wait, the thread blocks on its command channel
//! with a timeout that ends [`SPIN_MARGIN`] before the next deadline (so a command is handled
//! at once even while waiting); the last stretch is spent yielding in a loop until the instant
//! arrives, which is what the operating system's sleep cannot promise to hit to within a
//! millisecond. Events that are already late (the thread was descheduled) are sent at once, in
//! order. The anchor moves on play, seek, loop wrap, tempo-factor change and piece reload.
//!
//! # Silence
//! The player counts the notes it has started on each channel and key. On stop, pause, port
//! change, disconnect and exit (dropping the [`Player`]) it sends a note-off for every note
//! still sounding, then All Notes Off (CC 123) and Reset All Controllers (CC 121) on every
//! channel the piece uses or the player has sent to. On seek, loop wrap and reload it sends
//! only the note-offs (the controllers stay as they are while playing on). A message of the
//! silence that the sink refuses is reported as [`PlayerEvent::SilenceFailed`] (notes may
//! still sound), except after a failed send, which is reported once as
//! [`PlayerEvent::SinkFailed`].

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{DeviceError, MidiMessage, MidiSink, Timeline};
use crate::music::{Channel, Piece, Tick};

/// How long before a deadline the thread stops sleeping and starts yielding in a loop.
pub const SPIN_MARGIN: Duration = Duration::from_millis(2);

/// How often the playhead is refreshed while playing, even between events.
pub const PLAYHEAD_REFRESH: Duration = Duration::from_millis(10);

/// The slowest and fastest tempo factors (0.05 = twentyfold slower, 20 = twentyfold faster);
/// factors outside are clamped.
pub const TEMPO_FACTOR_RANGE: (f64, f64) = (0.05, 20.0);

/// What the player is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PlayerState {
    /// Not playing; [`Player::resume`] starts from the playhead.
    Stopped,
    /// Sending the piece.
    Playing,
    /// Paused at the playhead.
    Paused,
}

impl PlayerState {
    fn from_u8(v: u8) -> Self {
        match v {
            1 => PlayerState::Playing,
            2 => PlayerState::Paused,
            _ => PlayerState::Stopped,
        }
    }

    fn to_u8(self) -> u8 {
        match self {
            PlayerState::Stopped => 0,
            PlayerState::Playing => 1,
            PlayerState::Paused => 2,
        }
    }
}

/// What the player reports back (drain with [`Player::try_event`] each frame).
#[derive(Clone, Debug, PartialEq)]
pub enum PlayerEvent {
    /// Playback started (or restarted) at a tick.
    Started {
        /// Where.
        from: Tick,
    },
    /// Paused at a tick.
    Paused {
        /// Where.
        at: Tick,
    },
    /// Stopped at a tick.
    Stopped {
        /// Where.
        at: Tick,
    },
    /// The end of the piece was reached (outside a loop); the player is stopped.
    Finished,
    /// The loop region's end was reached and playback went back to its start.
    Looped,
    /// The sink changed: its name, or `None` after a disconnect.
    SinkChanged(Option<String>),
    /// Sending failed (a device unplugged?); playback stopped. Reported once per failure.
    SinkFailed(DeviceError),
    /// Silencing the sink (note-offs, All Notes Off) failed on stop, pause, seek, port change
    /// or exit: notes may still sound on the device.
    SilenceFailed(DeviceError),
}

/// The state the UI reads every frame without talking to the thread.
#[derive(Debug, Default)]
struct Shared {
    playhead: AtomicU64,
    state: AtomicU8,
}

/// A cheap read-only view of a player's playhead and state, for the UI thread.
#[derive(Clone, Debug)]
pub struct PlayheadView {
    shared: Arc<Shared>,
}

impl PlayheadView {
    /// The tick being played (refreshed at least every [`PLAYHEAD_REFRESH`] while playing).
    pub fn tick(&self) -> Tick {
        self.shared.playhead.load(Ordering::Acquire)
    }

    /// Playing, paused or stopped.
    pub fn state(&self) -> PlayerState {
        PlayerState::from_u8(self.shared.state.load(Ordering::Acquire))
    }
}

enum Command {
    Load(Box<Timeline>),
    Play(Tick),
    Pause,
    Resume,
    Stop,
    Seek(Tick),
    SetLoop(Option<(Tick, Tick)>),
    SetTempoFactor(f64),
    SetSink(Option<Box<dyn MidiSink>>),
    Sync(Sender<()>),
    Shutdown,
}

/// Plays pieces to a [`MidiSink`] from its own thread. Commands are queued and handled in
/// order; the playhead and state can be read at any time. Dropping the player silences the
/// sink (see the module notes) and joins the thread.
#[derive(Debug)]
pub struct Player {
    commands: Sender<Command>,
    events: Receiver<PlayerEvent>,
    view: PlayheadView,
    thread: Option<JoinHandle<()>>,
}

impl Player {
    /// Starts the player thread with a sink (or none: the clock still runs and the playhead
    /// moves, nothing is sent) and an empty piece.
    pub fn new(sink: Option<Box<dyn MidiSink>>) -> Result<Player, DeviceError> {
        let (commands, command_rx) = mpsc::channel();
        let (event_tx, events) = mpsc::channel();
        let shared = Arc::new(Shared::default());
        let engine = Engine {
            sink,
            timeline: Timeline::default(),
            transport: Transport::Stopped(0),
            loop_region: None,
            tempo_factor: 1.0,
            sounding: [[0; 128]; 16],
            used_channels: 0,
            shared: Arc::clone(&shared),
            events: event_tx,
        };
        let thread = std::thread::Builder::new()
            .name("midi-player".to_string())
            .spawn(move || engine.run(command_rx))
            .map_err(|e| DeviceError::PlayerStopped(format!("could not start it: {e}")))?;
        Ok(Player {
            commands,
            events,
            view: PlayheadView { shared },
            thread: Some(thread),
        })
    }

    fn send(&self, command: Command) -> Result<(), DeviceError> {
        self.commands
            .send(command)
            .map_err(|_| DeviceError::PlayerStopped("it has exited".to_string()))
    }

    /// Loads a piece (flattened here, on the caller's thread). While playing, playback goes on
    /// from the same tick in the new piece.
    pub fn load(&self, piece: &Piece) -> Result<(), DeviceError> {
        self.send(Command::Load(Box::new(Timeline::new(piece))))
    }

    /// Sends each part's program change, then plays from `tick`.
    pub fn play_from(&self, tick: Tick) -> Result<(), DeviceError> {
        self.send(Command::Play(tick))
    }

    /// Pauses at the current tick, silencing every sounding note.
    pub fn pause(&self) -> Result<(), DeviceError> {
        self.send(Command::Pause)
    }

    /// Plays on from the playhead (after a pause or a stop).
    pub fn resume(&self) -> Result<(), DeviceError> {
        self.send(Command::Resume)
    }

    /// Stops and silences the sink; the playhead stays where it stopped. Also works as a
    /// panic button when nothing is playing.
    pub fn stop(&self) -> Result<(), DeviceError> {
        self.send(Command::Stop)
    }

    /// Moves the playhead; playback (if running) goes on from there.
    pub fn seek(&self, tick: Tick) -> Result<(), DeviceError> {
        self.send(Command::Seek(tick))
    }

    /// Loops `start..end` (end exclusive) from the next time playback reaches `end`, or stops
    /// looping with `None`. Playback that is already past `end` runs on to the end of the piece.
    pub fn set_loop(&self, region: Option<std::ops::Range<Tick>>) -> Result<(), DeviceError> {
        let region = match region {
            Some(r) if r.end <= r.start => {
                return Err(DeviceError::BadLoopRegion {
                    start: r.start,
                    end: r.end,
                });
            }
            Some(r) => Some((r.start, r.end)),
            None => None,
        };
        self.send(Command::SetLoop(region))
    }

    /// Plays faster (above 1) or slower (below 1) than written; clamped to
    /// [`TEMPO_FACTOR_RANGE`]. Takes effect at once, from the current tick.
    pub fn set_tempo_factor(&self, factor: f64) -> Result<(), DeviceError> {
        if !(factor.is_finite() && factor > 0.0) {
            return Err(DeviceError::BadTempoFactor(factor));
        }
        let (lo, hi) = TEMPO_FACTOR_RANGE;
        self.send(Command::SetTempoFactor(factor.clamp(lo, hi)))
    }

    /// Changes the port: the old sink is silenced and dropped; while playing, the new one gets
    /// the program changes and playback goes on (notes already sounding are not restruck).
    pub fn set_sink(&self, sink: Box<dyn MidiSink>) -> Result<(), DeviceError> {
        self.send(Command::SetSink(Some(sink)))
    }

    /// Silences and drops the sink; the clock keeps running without one.
    pub fn disconnect(&self) -> Result<(), DeviceError> {
        self.send(Command::SetSink(None))
    }

    /// Waits until the thread has handled every command sent before this one.
    pub fn sync(&self) -> Result<(), DeviceError> {
        let (tx, rx) = mpsc::channel();
        self.send(Command::Sync(tx))?;
        rx.recv()
            .map_err(|_| DeviceError::PlayerStopped("it has exited".to_string()))
    }

    /// The tick being played.
    pub fn playhead(&self) -> Tick {
        self.view.tick()
    }

    /// Playing, paused or stopped.
    pub fn state(&self) -> PlayerState {
        self.view.state()
    }

    /// A view of the playhead and state to hand to another thread.
    pub fn view(&self) -> PlayheadView {
        self.view.clone()
    }

    /// The next report, if there is one (never blocks).
    pub fn try_event(&self) -> Option<PlayerEvent> {
        self.events.try_recv().ok()
    }

    /// The next report, waiting at most `timeout` for it.
    pub fn wait_event(&self, timeout: Duration) -> Option<PlayerEvent> {
        self.events.recv_timeout(timeout).ok()
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        // If the thread is already gone the send fails; joining still reaps it.
        let _ = self.commands.send(Command::Shutdown);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Transport {
    Stopped(Tick),
    Paused(Tick),
    Playing(Anchor),
}

/// Where the clock is tied to the timeline (see the module notes).
#[derive(Clone, Copy, Debug)]
struct Anchor {
    instant: Instant,
    tick: Tick,
    seconds: f64,
    /// Index of the next event to send.
    cursor: usize,
}

enum Due {
    Event,
    LoopWrap,
    End,
}

struct Engine {
    sink: Option<Box<dyn MidiSink>>,
    timeline: Timeline,
    transport: Transport,
    loop_region: Option<(Tick, Tick)>,
    tempo_factor: f64,
    /// How many notes are sounding per channel and key.
    sounding: [[u8; 128]; 16],
    /// Bit `c`: something was sent on channel `c` since the last full silence.
    used_channels: u16,
    shared: Arc<Shared>,
    events: Sender<PlayerEvent>,
}

impl Engine {
    fn run(mut self, commands: Receiver<Command>) {
        loop {
            let now = Instant::now();
            // Wake shortly before the next deadline, or to refresh the playhead.
            let wake = self.next_due().map(|(deadline, _)| {
                (deadline.checked_sub(SPIN_MARGIN).unwrap_or(deadline)).min(now + PLAYHEAD_REFRESH)
            });
            let received = match wake {
                None => commands.recv().map_err(|_| RecvTimeoutError::Disconnected),
                Some(wake) if wake > now => commands.recv_timeout(wake - now),
                Some(_) => Err(RecvTimeoutError::Timeout),
            };
            match received {
                Ok(Command::Shutdown) | Err(RecvTimeoutError::Disconnected) => break,
                Ok(command) => self.handle(command),
                Err(RecvTimeoutError::Timeout) => self.advance(),
            }
        }
        self.silence_or_tell(true);
        self.set_state(PlayerState::Stopped);
    }

    fn report(&self, event: PlayerEvent) {
        // Nobody listening is fine.
        let _ = self.events.send(event);
    }

    /// Publishes the state, and the playhead with it, before anything is reported.
    fn set_state(&self, state: PlayerState) {
        self.publish_playhead();
        self.shared.state.store(state.to_u8(), Ordering::Release);
    }

    fn publish_playhead(&self) {
        let tick = self.position(Instant::now());
        self.shared.playhead.store(tick, Ordering::Release);
    }

    /// The wall-clock instant of a timeline position (in written seconds).
    fn instant_of(&self, anchor: &Anchor, seconds: f64) -> Instant {
        let wall = ((seconds - anchor.seconds) / self.tempo_factor).max(0.0);
        anchor.instant + Duration::from_secs_f64(wall)
    }

    /// The tick at `now` (the stored tick when not playing).
    fn position(&self, now: Instant) -> Tick {
        match self.transport {
            Transport::Stopped(t) | Transport::Paused(t) => t,
            Transport::Playing(a) => {
                let elapsed = now.saturating_duration_since(a.instant).as_secs_f64();
                let tick = self
                    .timeline
                    .tick_at_seconds(a.seconds + elapsed * self.tempo_factor)
                    .max(a.tick);
                match self.active_loop_end(&a) {
                    Some(end) => tick.min(end.saturating_sub(1)),
                    None => tick,
                }
            }
        }
    }

    /// The loop end that applies to playback anchored at `a`: only when it started before it.
    fn active_loop_end(&self, a: &Anchor) -> Option<Tick> {
        self.loop_region
            .and_then(|(_, end)| (a.tick < end).then_some(end))
    }

    /// What happens next while playing, and when.
    fn next_due(&self) -> Option<(Instant, Due)> {
        let Transport::Playing(a) = self.transport else {
            return None;
        };
        let loop_end = self.active_loop_end(&a);
        if let Some(e) = self.timeline.events().get(a.cursor)
            && loop_end.is_none_or(|end| e.tick < end)
        {
            return Some((self.instant_of(&a, e.seconds), Due::Event));
        }
        match loop_end {
            Some(end) => Some((
                self.instant_of(&a, self.timeline.seconds_at(end)),
                Due::LoopWrap,
            )),
            None => Some((
                self.instant_of(&a, self.timeline.seconds_at(self.timeline.end_tick())),
                Due::End,
            )),
        }
    }

    /// Sends everything that is due, waiting out the last [`SPIN_MARGIN`] before a deadline.
    fn advance(&mut self) {
        while let Some((deadline, due)) = self.next_due() {
            if deadline > Instant::now() + SPIN_MARGIN {
                break;
            }
            while Instant::now() < deadline {
                std::thread::yield_now();
            }
            match due {
                Due::Event => self.send_next_event(),
                Due::LoopWrap => self.wrap_loop(),
                Due::End => {
                    self.silence_or_tell(true);
                    self.transport = Transport::Stopped(self.timeline.end_tick());
                    self.set_state(PlayerState::Stopped);
                    self.report(PlayerEvent::Finished);
                }
            }
        }
        self.publish_playhead();
    }

    fn send_next_event(&mut self) {
        let Transport::Playing(ref mut a) = self.transport else {
            return;
        };
        let Some(event) = self.timeline.events().get(a.cursor).copied() else {
            return;
        };
        a.cursor += 1;
        match event.message {
            MidiMessage::NoteOn { channel, pitch, .. } => {
                let count =
                    &mut self.sounding[usize::from(channel.get())][usize::from(pitch.get())];
                *count = count.saturating_add(1);
            }
            MidiMessage::NoteOff { channel, pitch } => {
                let count =
                    &mut self.sounding[usize::from(channel.get())][usize::from(pitch.get())];
                if *count == 0 {
                    // The note began before playback did (a seek into it): nothing to end.
                    return;
                }
                *count -= 1;
            }
            _ => {}
        }
        self.send(event.message);
    }

    /// Sends one message; on failure stops playback and reports the error once.
    fn send(&mut self, message: MidiMessage) {
        self.used_channels |= 1 << message.channel().get();
        let Some(sink) = self.sink.as_mut() else {
            return;
        };
        if let Err(e) = sink.send(message) {
            let at = self.position(Instant::now());
            self.transport = Transport::Stopped(at);
            self.set_state(PlayerState::Stopped);
            // Best effort: the device may take the silence even if one message failed; the
            // failure is reported once, just below.
            let _ = self.silence(true);
            self.report(PlayerEvent::SinkFailed(e));
            self.report(PlayerEvent::Stopped { at });
        }
    }

    /// [`Engine::silence`], reporting a failure ([`PlayerEvent::SilenceFailed`]).
    fn silence_or_tell(&mut self, full: bool) {
        if let Err(e) = self.silence(full) {
            self.report(PlayerEvent::SilenceFailed(e));
        }
    }

    /// Note-offs for every sounding note; with `full`, then CC 123 and CC 121 on every channel
    /// in use. Every message is tried even after one fails (the device may take the rest);
    /// the first failure is returned.
    fn silence(&mut self, full: bool) -> Result<(), DeviceError> {
        let mut first_failure = None;
        let mut note = |result: Result<(), DeviceError>| {
            if let Err(e) = result {
                first_failure.get_or_insert(e);
            }
        };
        let mask = self.timeline.channel_mask() | self.used_channels;
        for c in 0..16u8 {
            let Ok(channel) = Channel::new(c) else {
                continue;
            };
            for p in 0..128u8 {
                if self.sounding[usize::from(c)][usize::from(p)] == 0 {
                    continue;
                }
                self.sounding[usize::from(c)][usize::from(p)] = 0;
                if let (Some(sink), Ok(pitch)) = (self.sink.as_mut(), crate::music::Pitch::new(p)) {
                    note(sink.send(MidiMessage::NoteOff { channel, pitch }));
                }
            }
            if full
                && mask & (1 << c) != 0
                && let Some(sink) = self.sink.as_mut()
            {
                note(sink.send(MidiMessage::all_notes_off(channel)));
                note(sink.send(MidiMessage::reset_all_controllers(channel)));
            }
        }
        if full {
            self.used_channels = 0;
        }
        first_failure.map_or(Ok(()), Err)
    }

    fn send_programs(&mut self) {
        for (channel, program) in self.timeline.programs().to_vec() {
            self.send(MidiMessage::ProgramChange { channel, program });
            if !matches!(self.transport, Transport::Playing(_)) {
                // The send failed and stopped playback.
                return;
            }
        }
    }

    fn anchor_at(&self, tick: Tick, instant: Instant) -> Anchor {
        Anchor {
            instant,
            tick,
            seconds: self.timeline.seconds_at(tick),
            cursor: self.timeline.first_at_or_after(tick),
        }
    }

    fn start(&mut self, tick: Tick) {
        if matches!(self.transport, Transport::Playing(_)) {
            self.silence_or_tell(false);
        }
        self.transport = Transport::Playing(self.anchor_at(tick, Instant::now()));
        self.set_state(PlayerState::Playing);
        self.send_programs();
        if matches!(self.transport, Transport::Playing(_)) {
            // Re-anchor after the program changes so the first note is not early.
            self.transport = Transport::Playing(self.anchor_at(tick, Instant::now()));
            self.report(PlayerEvent::Started { from: tick });
            self.advance();
        }
    }

    fn reanchor_here(&mut self) {
        if let Transport::Playing(_) = self.transport {
            let now = Instant::now();
            let tick = self.position(now);
            let mut anchor = self.anchor_at(tick, now);
            if let Transport::Playing(old) = self.transport {
                // The next event to send stays the same: nothing is skipped (a late event is
                // sent at once) and nothing already sent at this tick is sent twice.
                anchor.cursor = old.cursor;
            }
            self.transport = Transport::Playing(anchor);
        }
    }

    fn wrap_loop(&mut self) {
        let (Transport::Playing(a), Some((start, end))) = (self.transport, self.loop_region) else {
            return;
        };
        self.silence_or_tell(false);
        let wrap_instant = self.instant_of(&a, self.timeline.seconds_at(end));
        self.transport = Transport::Playing(self.anchor_at(start, wrap_instant));
        self.report(PlayerEvent::Looped);
    }

    fn handle(&mut self, command: Command) {
        match command {
            Command::Load(timeline) => {
                let now = Instant::now();
                let at = self.position(now);
                let playing = matches!(self.transport, Transport::Playing(_));
                if playing {
                    self.silence_or_tell(false);
                }
                // Channels of the old piece stay "in use" until the next full silence.
                self.used_channels |= self.timeline.channel_mask();
                self.timeline = *timeline;
                if playing {
                    self.transport = Transport::Playing(self.anchor_at(at, now));
                    self.send_programs();
                }
            }
            Command::Play(tick) => self.start(tick),
            Command::Resume => match self.transport {
                Transport::Stopped(t) | Transport::Paused(t) => self.start(t),
                Transport::Playing(_) => {}
            },
            Command::Pause => {
                if let Transport::Playing(_) = self.transport {
                    let at = self.position(Instant::now());
                    self.silence_or_tell(true);
                    self.transport = Transport::Paused(at);
                    self.set_state(PlayerState::Paused);
                    self.report(PlayerEvent::Paused { at });
                }
            }
            Command::Stop => {
                let at = self.position(Instant::now());
                self.silence_or_tell(true);
                self.transport = Transport::Stopped(at);
                self.set_state(PlayerState::Stopped);
                self.report(PlayerEvent::Stopped { at });
            }
            Command::Seek(tick) => match self.transport {
                Transport::Playing(_) => {
                    self.silence_or_tell(false);
                    self.transport = Transport::Playing(self.anchor_at(tick, Instant::now()));
                }
                Transport::Paused(_) => self.transport = Transport::Paused(tick),
                Transport::Stopped(_) => self.transport = Transport::Stopped(tick),
            },
            Command::SetLoop(region) => {
                self.reanchor_here();
                self.loop_region = region;
            }
            Command::SetTempoFactor(factor) => {
                self.reanchor_here();
                self.tempo_factor = factor;
            }
            Command::SetSink(sink) => {
                self.silence_or_tell(true);
                self.sink = sink;
                self.report(PlayerEvent::SinkChanged(
                    self.sink.as_ref().map(|s| s.name()),
                ));
                if matches!(self.transport, Transport::Playing(_)) {
                    self.send_programs();
                }
            }
            Command::Sync(reply) => {
                let _ = reply.send(());
            }
            Command::Shutdown => {}
        }
        self.advance();
    }
}
