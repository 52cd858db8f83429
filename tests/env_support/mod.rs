//! What the machine running the tests provides, and one rule for what it lacks.
//!
//! A test that needs something outside the project (a tool such as abc2midi or Python's mido,
//! the fetched folk set, a display) asks here. When the thing is missing the test prints a
//! notice and passes, unless the matching `GAN_STUDIO_REQUIRE_<NAME>` environment variable is
//! set: then it fails. `scripts/test.sh` installs everything and sets every switch, so under CI
//! nothing is skipped silently.

#![allow(dead_code)]

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use gan_studio::data::fetch::{folk_dir, folk_is_present_in};

/// Whether the switch `GAN_STUDIO_REQUIRE_<name>` is set (to anything but an empty value).
pub fn required(name: &str) -> bool {
    std::env::var_os(format!("GAN_STUDIO_REQUIRE_{name}")).is_some_and(|v| !v.is_empty())
}

/// Returns `present`. When it is false: fails if `GAN_STUDIO_REQUIRE_<name>` is set, else
/// prints a notice naming `what` is missing and `how` to provide it.
#[track_caller]
pub fn present_or_required(present: bool, name: &str, what: &str, how: &str) -> bool {
    if !present {
        assert!(
            !required(name),
            "GAN_STUDIO_REQUIRE_{name} is set but {what} is missing ({how})"
        );
        eprintln!("NOTICE: {what} is missing ({how}); this check is skipped");
    }
    present
}

/// Whether `program args` runs and exits with success.
pub fn runs(program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Whether abc2midi is here (`GAN_STUDIO_REQUIRE_ABC2MIDI`).
#[track_caller]
pub fn abc2midi() -> bool {
    present_or_required(
        runs("abc2midi", &["-ver"]),
        "ABC2MIDI",
        "abc2midi",
        "apt-get install abcmidi",
    )
}

/// The Python to run: `$GAN_STUDIO_PYTHON` (scripts/test.sh points it at a venv with mido and
/// music21), else `python3`.
pub fn python() -> OsString {
    std::env::var_os("GAN_STUDIO_PYTHON").unwrap_or_else(|| "python3".into())
}

/// Whether [`python`] can import `module`; `name` is the switch's suffix
/// (`GAN_STUDIO_REQUIRE_MIDO` for mido).
#[track_caller]
pub fn python_module(module: &str, name: &str) -> bool {
    present_or_required(
        runs(python(), &["-c", &format!("import {module}")]),
        name,
        &format!("a Python with {module}"),
        "set GAN_STUDIO_PYTHON, as scripts/test.sh does",
    )
}

/// The folder of the fetched folk set, or `None` when it is not fetched
/// (`GAN_STUDIO_REQUIRE_FOLK`).
#[track_caller]
pub fn folk() -> Option<PathBuf> {
    let dir = folk_dir().ok().filter(|d| folk_is_present_in(d));
    present_or_required(
        dir.is_some(),
        "FOLK",
        "the folk set",
        "gan-studio dataset fetch",
    )
    .then_some(dir)
    .flatten()
}

/// Whether a display is there for a window (`GAN_STUDIO_REQUIRE_DISPLAY`; scripts/test.sh runs
/// the suite under Xvfb when there is no display).
#[track_caller]
pub fn display() -> bool {
    let present = ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|v| !v.is_empty()));
    present_or_required(present, "DISPLAY", "a display", "run under xvfb-run")
}

/// Whether this machine has a way to play sound, judged without the studio's audio code: a
/// playback device under `/dev/snd` (ALSA names them `pcmC<card>D<device>p`) or the socket of
/// a sound server (PulseAudio, PipeWire). CI and headless boxes have neither.
pub fn has_sound_output() -> bool {
    let alsa_playback = std::fs::read_dir("/dev/snd").is_ok_and(|entries| {
        entries.flatten().any(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.starts_with("pcmC") && name.ends_with('p')
        })
    });
    let server = std::env::var_os("PULSE_SERVER").is_some()
        || std::env::var_os("XDG_RUNTIME_DIR").is_some_and(|dir| {
            let dir = Path::new(&dir);
            dir.join("pulse/native").exists() || dir.join("pipewire-0").exists()
        });
    alsa_playback || server
}
