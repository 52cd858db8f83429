//! Audio benchmarks (`cargo bench --bench audio`). Prints `name value unit` lines, each the
//! median of several runs unless its name says otherwise.
//!
//! 1. Offline render speed of a 4-voice piece (16 s of music plus a 2 s tail) as a multiple
//!    of real time, with and without the reverb. Rendering is single-threaded, so this is
//!    one core's speed: `_wall` divides by elapsed time (lower on a busy machine), `_cpu` by
//!    the CPU time the rendering thread actually got (Linux only).
//!    `reverb_alone` times the reverb by itself (18 s of noise through it in 64-frame blocks).
//! 2. Audition latency: from `Transport::audition` returning to the first non-silent sample
//!    handed out by the engine, with the engine behind rodio's mixer on a simulated device
//!    thread that pulls one device buffer per buffer period, paced by the wall clock (as the
//!    sound card's callback does). Measured with the buffer `AudioOutput` asks for (512
//!    frames) and with rodio's default (about 50 ms). Requests arrive at random phases of
//!    the device period. What is measured ends when the sample enters the device buffer; it
//!    is heard when the card plays that buffer, one more period later with double buffering,
//!    which the `*_heard_worst` line adds (with the engine's 64-frame block).

use std::num::NonZero;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use gan_studio::audio::effects::Reverb;
use gan_studio::audio::{
    PlaybackSource, RenderOptions, SoundFont, Synth, Transport, playback, render_piece,
};
use gan_studio::music::{Note, Part, Piece, Pitch, Velocity};

const RATE: u32 = 44_100;

fn main() {
    let font = match SoundFont::built_in() {
        Ok(font) => font,
        Err(e) => {
            eprintln!("cannot load the built-in font: {e}");
            std::process::exit(1);
        }
    };
    render_speed(&font, true, "render_4voice_44k_effects");
    render_speed(&font, false, "render_4voice_44k_dry");
    reverb_speed();
    callback_cost(&font);
    audition_latency(&font, 512, "audition_latency_512");
    audition_latency(&font, RATE / 20, "audition_latency_rodio_default_2205");
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn percentile(mut values: Vec<f64>, p: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let i = ((values.len() - 1) as f64 * p).round() as usize;
    values[i]
}

/// Four parts in quarter notes, 8 bars of 4/4 at 120 BPM (16 s).
fn four_voice_piece() -> Piece {
    let mut piece = Piece::default();
    let voices: [[u8; 4]; 4] = [
        [72, 74, 71, 72],
        [67, 69, 67, 65],
        [64, 65, 62, 64],
        [48, 53, 55, 43],
    ];
    for (v, pitches) in voices.iter().enumerate() {
        let mut part = Part::new(format!("voice {v}"));
        for step in 0..32u64 {
            let Ok(pitch) = Pitch::new(pitches[(step % 4) as usize]) else {
                continue;
            };
            if let Ok(note) = Note::new(
                pitch,
                step * 480,
                460,
                Velocity::saturating(70 + 10 * v as i32),
            ) {
                part.notes.push(note);
            }
        }
        piece.parts.push(part);
    }
    piece
}

/// Seconds this thread has spent on a CPU (Linux `/proc/thread-self/schedstat`), if known.
/// Unlike wall time it does not count time the thread waited while other processes ran.
fn thread_cpu_seconds() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(nanos as f64 * 1e-9)
}

fn render_speed(font: &SoundFont, effects: bool, name: &str) {
    let piece = four_voice_piece();
    let options = RenderOptions {
        sample_rate: RATE,
        soundfont: Some(font.clone()),
        tail_seconds: 2.0,
        effects,
        ..RenderOptions::default()
    };
    let mut by_wall = Vec::new();
    let mut by_cpu = Vec::new();
    for _ in 0..7 {
        let cpu_start = thread_cpu_seconds();
        let start = Instant::now();
        let rendered = match render_piece(&piece, &options) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("render failed: {e}");
                return;
            }
        };
        let wall = start.elapsed().as_secs_f64();
        by_wall.push(rendered.duration_seconds() / wall);
        if let (Some(a), Some(b)) = (cpu_start, thread_cpu_seconds()) {
            by_cpu.push(rendered.duration_seconds() / (b - a).max(1e-9));
        }
    }
    println!("{name}_wall {:.0} x_realtime", median(by_wall));
    if !by_cpu.is_empty() {
        println!("{name}_cpu {:.0} x_realtime", median(by_cpu));
    }
}

/// The reverb alone: 18 s of white noise in 64-frame blocks, as a multiple of real time.
fn reverb_speed() {
    let frames = 18 * RATE as usize;
    let mut seed: u32 = 0x9E37_79B9;
    let input: Vec<f32> = (0..frames)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            (seed as f32 / u32::MAX as f32 - 0.5) * 0.2
        })
        .collect();
    let mut left = vec![0.0f32; frames];
    let mut right = vec![0.0f32; frames];
    let mut speeds = Vec::new();
    for _ in 0..7 {
        let mut reverb = Reverb::new(RATE);
        let start = Instant::now();
        for at in (0..frames).step_by(64) {
            let end = (at + 64).min(frames);
            reverb.process(&input[at..end], &mut left[at..end], &mut right[at..end]);
        }
        let wall = start.elapsed().as_secs_f64();
        speeds.push(frames as f64 / f64::from(RATE) / wall);
    }
    std::hint::black_box((&left, &right));
    println!("reverb_alone_wall {:.0} x_realtime", median(speeds));
}

/// How long the engine takes to produce one 512-frame device buffer while a 4-voice piece
/// plays (the audio thread's CPU cost per callback).
fn callback_cost(font: &SoundFont) {
    let Ok(synth) = Synth::new(font, RATE) else {
        return;
    };
    let (mut transport, mut source) = playback(synth);
    if transport.load_piece(&four_voice_piece(), None).is_err() || transport.play().is_err() {
        return;
    }
    let mut buf = vec![0.0f32; 2 * 512];
    let mut times = Vec::new();
    for _ in 0..1000 {
        let start = Instant::now();
        source.fill(&mut buf);
        times.push(start.elapsed().as_secs_f64() * 1e6);
    }
    println!("callback_512_frames_cost {:.1} us", median(times));
}

/// The device side of the latency measurement.
struct Probe {
    /// Set by the requester just before `audition`; cleared by the device thread once it hands
    /// out the first loud sample.
    armed: AtomicBool,
    /// Nanoseconds from `base` to the moment the first loud sample was handed out.
    heard_at: AtomicU64,
    /// Whether the output has been quiet for a whole period (safe to start a new trial).
    quiet: AtomicBool,
    stop: AtomicBool,
}

fn audition_latency(font: &SoundFont, buffer_frames: u32, name: &str) {
    let Ok(synth) = Synth::new(font, RATE) else {
        return;
    };
    let (mut transport, source) = playback(synth);
    let probe = Arc::new(Probe {
        armed: AtomicBool::new(false),
        heard_at: AtomicU64::new(0),
        quiet: AtomicBool::new(false),
        stop: AtomicBool::new(false),
    });
    let base = Instant::now();
    let period = Duration::from_secs_f64(f64::from(buffer_frames) / f64::from(RATE));
    let device = {
        let probe = Arc::clone(&probe);
        thread::spawn(move || device_thread(source, buffer_frames, period, base, &probe))
    };

    let mut latencies = Vec::new();
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    for _ in 0..40 {
        // Wait for silence, then a random fraction of a period.
        while !probe.quiet.load(Ordering::Acquire) {
            thread::sleep(Duration::from_millis(1));
        }
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        thread::sleep(period.mul_f64((seed % 1000) as f64 / 1000.0));
        let latency = one_trial(&mut transport, &probe, base);
        latencies.push(latency * 1e3);
        let _ = transport.all_sound_off();
        probe.quiet.store(false, Ordering::Release);
    }
    probe.stop.store(true, Ordering::Release);
    let _ = device.join();
    let period_ms = period.as_secs_f64() * 1e3;
    let worst = percentile(latencies.clone(), 1.0);
    println!("{name}_period {period_ms:.1} ms");
    println!("{name}_median {:.1} ms", median(latencies.clone()));
    println!("{name}_p95 {:.1} ms", percentile(latencies, 0.95));
    println!("{name}_max {worst:.1} ms");
    // Heard: the buffer handed out plays after the one already queued (double buffering),
    // and the note starts within the engine's first 64-frame block of it.
    let block_ms = 64.0 / f64::from(RATE) * 1e3;
    println!("{name}_heard_worst {:.1} ms", worst + period_ms + block_ms);
}

/// One audition request; returns seconds from the request to the first loud sample.
fn one_trial(transport: &mut Transport, probe: &Probe, base: Instant) -> f64 {
    probe.armed.store(true, Ordering::Release);
    let asked = base.elapsed();
    let _ = transport.audition(
        Pitch::A4,
        Velocity::new(100).unwrap_or(Velocity::MAX),
        Duration::from_millis(100),
    );
    let deadline = Instant::now() + Duration::from_secs(2);
    while probe.armed.load(Ordering::Acquire) && Instant::now() < deadline {
        thread::sleep(Duration::from_micros(200));
    }
    let heard = Duration::from_nanos(probe.heard_at.load(Ordering::Acquire));
    heard.saturating_sub(asked).as_secs_f64()
}

/// Pulls one device buffer per period through rodio's mixer, like a sound card's callback.
fn device_thread(
    source: PlaybackSource,
    buffer_frames: u32,
    period: Duration,
    base: Instant,
    probe: &Probe,
) {
    let (Some(channels), Some(rate)) = (NonZero::new(2u16), NonZero::new(RATE)) else {
        return;
    };
    let (mixer, mut output) = rodio::mixer::mixer(channels, rate);
    mixer.add(source);
    let samples = 2 * buffer_frames as usize;
    let mut next_callback = Instant::now();
    let mut quiet_samples = 0usize;
    while !probe.stop.load(Ordering::Acquire) {
        let now = Instant::now();
        if now < next_callback {
            thread::sleep(next_callback - now);
        }
        next_callback += period;
        for _ in 0..samples {
            let v = output.next().unwrap_or(0.0);
            if v.abs() > 1e-3 {
                quiet_samples = 0;
                if probe.armed.load(Ordering::Relaxed) {
                    probe
                        .heard_at
                        .store(base.elapsed().as_nanos() as u64, Ordering::Release);
                    probe.armed.store(false, Ordering::Release);
                }
            } else if v.abs() < 1e-4 {
                quiet_samples += 1;
            }
        }
        if quiet_samples >= samples {
            probe.quiet.store(true, Ordering::Release);
        }
    }
}
