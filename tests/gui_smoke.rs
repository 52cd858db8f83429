//! The real studio binary opens a window and closes by itself (`--exit-after`). Runs where a
//! display exists (scripts/test.sh provides Xvfb); elsewhere it says why it did nothing, or
//! fails when `GAN_STUDIO_REQUIRE_DISPLAY` is set.

mod env_support;

use std::process::Command;

#[test]
fn studio_window_opens_and_exits_cleanly() {
    if !env_support::display() {
        return;
    }
    let out = Command::new(env!("CARGO_BIN_EXE_gan-studio"))
        .args(["--exit-after", "2"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "studio failed: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn without_a_display_the_studio_fails_with_a_clear_message() {
    let out = Command::new(env!("CARGO_BIN_EXE_gan-studio"))
        .args(["--exit-after", "1"])
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("could not open the studio window"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}
