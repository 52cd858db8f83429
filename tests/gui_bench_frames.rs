//! The studio's frame-recording mode (`--bench-frames`, used by `gan-studio bench ui`) works
//! end to end with the real binary: it writes a report with a first-frame time and several
//! frames. Runs where a display exists (scripts/test.sh provides Xvfb); elsewhere it says why
//! it did nothing, or fails when `GAN_STUDIO_REQUIRE_DISPLAY` is set. No timing thresholds:
//! the figures are printed by the benchmark.

mod env_support;

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use gan_studio::bench::ui::read_report;

#[test]
fn bench_frames_mode_records_the_first_frame_and_later_frames() {
    if !env_support::display() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("frames.json");
    let data = dir.path().join("data");
    let xdg = dir.path().join("xdg");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::create_dir_all(&xdg).unwrap();
    let spawned = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let out = Command::new(env!("CARGO_BIN_EXE_gan-studio"))
        .arg("--bench-frames")
        .arg(&record)
        .args(["--exit-after", "2"])
        .env("GAN_STUDIO_DATA", &data)
        .env("XDG_DATA_HOME", &xdg)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "studio failed: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    let report = read_report(&record).unwrap();
    let first_update = report.first_update_unix_s.expect("first update time");
    let first_frame = report.first_frame_unix_s.expect("first frame time");
    assert!(first_update > spawned, "{first_update} vs spawn {spawned}");
    assert!(first_frame >= first_update);
    // Continuous repainting for about two seconds gives many frames, however slow the
    // renderer; without it an idle studio paints only a handful.
    assert!(report.frames.len() >= 10, "{} frames", report.frames.len());
    assert!(report.frames.windows(2).all(|w| w[1].t_s > w[0].t_s));
    // eframe reports every frame's time at the next one: all but the last have it.
    let with_cpu = report
        .frames
        .iter()
        .filter(|f| f.frame_cpu_ms.is_some_and(|ms| ms > 0.0))
        .count();
    assert_eq!(with_cpu, report.frames.len() - 1);
    assert!(!report.renderer.is_empty() && report.renderer != "unknown");
    assert!(report.frames.iter().all(|f| !f.training && f.steps == 0));
    assert!(report.vm_hwm_mb.is_some_and(|mb| mb > 0.0));
}

#[test]
fn bench_ui_without_a_display_says_it_needs_one() {
    let out = Command::new(env!("CARGO_BIN_EXE_gan-studio"))
        .args(["bench", "ui"])
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("needs a display"), "{stderr}");
    assert!(stderr.contains("xvfb-run"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
