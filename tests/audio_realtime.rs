//! The audio callback neither allocates nor frees: a counting global allocator watches the
//! thread while it pulls samples through every kind of command (play, seek, loop, schedule
//! swaps, auditions, stop).

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]
// A global allocator is an `unsafe impl`; this test binary needs one to count allocations.
#![allow(unsafe_code)]

mod audio_support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::Duration;

use audio_support::*;
use gan_studio::audio::{LoopRegion, PlaybackSource, SoundFont, Synth, playback};
use gan_studio::music::{Pitch, Velocity};

struct Counting;

thread_local! {
    static WATCHING: Cell<bool> = const { Cell::new(false) };
    static EVENTS: Cell<u64> = const { Cell::new(0) };
}

fn note_event() {
    let _ = WATCHING.try_with(|w| {
        if w.get() {
            let _ = EVENTS.try_with(|e| e.set(e.get() + 1));
        }
    });
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counters are
// const-initialized thread-locals, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_event();
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note_event();
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_event();
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Pulls `frames` frames with the allocator watching; returns how many allocations and
/// frees happened.
fn watched_pull(source: &mut PlaybackSource, buf: &mut [f32]) -> u64 {
    EVENTS.with(|e| e.set(0));
    WATCHING.with(|w| w.set(true));
    source.fill(buf);
    WATCHING.with(|w| w.set(false));
    EVENTS.with(|e| e.get())
}

#[test]
fn the_audio_callback_never_allocates_or_frees() {
    let font = SoundFont::built_in().unwrap();
    let (mut t, mut s) = playback(Synth::new(&font, 48_000).unwrap());
    let mut buf = vec![0.0f32; 2 * 512];
    let mut total = 0;

    // The counter works: allocating while watching is seen.
    EVENTS.with(|e| e.set(0));
    WATCHING.with(|w| w.set(true));
    let probe = vec![1u8; 10];
    WATCHING.with(|w| w.set(false));
    drop(probe);
    assert!(
        EVENTS.with(|e| e.get()) >= 1,
        "the counting allocator is not counting"
    );

    let big = four_voice_piece(4);
    t.load_piece(&big, None).unwrap();
    t.play().unwrap();
    for _ in 0..100 {
        total += watched_pull(&mut s, &mut buf);
    }
    // Swap schedules several times while playing: the old ones must come back to this side.
    for i in 0..5u64 {
        t.load_piece(&piece(vec![note(60 + i as u8, 0, 9600, 90)]), None)
            .unwrap();
        total += watched_pull(&mut s, &mut buf);
        t.load_piece(&big, None).unwrap();
        total += watched_pull(&mut s, &mut buf);
    }
    t.seek(3.0).unwrap();
    t.set_loop(Some(LoopRegion::new(3.0, 3.5).unwrap()))
        .unwrap();
    for _ in 0..200 {
        total += watched_pull(&mut s, &mut buf);
    }
    for k in 0..40u8 {
        t.audition(
            Pitch::new(40 + k).unwrap(),
            Velocity::DEFAULT,
            Duration::from_millis(50),
        )
        .unwrap();
    }
    t.set_tempo_factor(1.7);
    t.pause().unwrap();
    for _ in 0..100 {
        total += watched_pull(&mut s, &mut buf);
    }
    t.play().unwrap();
    t.stop().unwrap();
    t.all_sound_off().unwrap();
    for _ in 0..50 {
        total += watched_pull(&mut s, &mut buf);
    }
    assert_eq!(
        total, 0,
        "the audio callback allocated or freed {total} times"
    );
    // Every replaced schedule was handed back for this thread to free.
    t.collect_returned();
}
