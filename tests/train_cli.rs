//! `gan-studio train` as a user runs it: the real binary, real files.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod engine_support;

use std::path::Path;
use std::process::Command;

use engine_support::text;

use gan_studio::train::read_manifest;

fn gan_studio(home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gan-studio"));
    // Keep the user's data and cache folders out of it.
    command
        .env("GAN_STUDIO_DATA", home.join("data"))
        .env("GAN_STUDIO_CACHE", home.join("cache"));
    command
}

#[test]
fn a_bad_config_file_is_reported_with_its_name_and_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("my-run.json");
    std::fs::write(&config, r#"{"loss": "bce", "gp_lamda": 5}"#).unwrap();
    let output = gan_studio(dir.path())
        .args(["train", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("unknown field \"gp_lamda\"") && stderr.contains("my-run.json"),
        "{stderr}"
    );
    let output = gan_studio(dir.path())
        .args(["train", "--backend", "tpu"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("'tpu'") && stderr.contains("auto, cpu, wgpu"),
        "{stderr}"
    );
}

/// A small WGAN-GP run (its hand-built gradient penalty included) on the wgpu backend, on
/// whatever adapter this machine has (lavapipe in CI); without any adapter, the clear refusal.
#[test]
fn the_wgpu_backend_trains_from_the_command_line_or_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    engine_support::tiny_dataset(dir.path());
    let config = dir.path().join("small.json");
    std::fs::write(
        &config,
        r#"{"loss": "wgan-gp", "batch_size": 2, "checkpoint_every": 0,
            "generator": {"embedding": 8, "hidden": 8},
            "discriminator": {"channels": 8}, "sample_tokens": 4}"#,
    )
    .unwrap();
    let run = dir.path().join("run");
    let output = gan_studio(dir.path())
        .args([
            "train",
            "--backend",
            "wgpu",
            "--mle-steps",
            "1",
            "--steps",
            "1",
        ])
        .arg("--config")
        .arg(&config)
        .arg("--dataset")
        .arg(dir.path().join("tiny.abc"))
        .arg("--out")
        .arg(&run)
        .output()
        .unwrap();
    if gan_studio::train::backend::adapters().is_empty() {
        assert!(!output.status.success());
        assert!(
            text(&output).contains("no graphics adapter for the wgpu backend"),
            "{}",
            text(&output)
        );
    } else {
        assert!(output.status.success(), "{}", text(&output));
        assert!(
            text(&output).contains("training on wgpu ("),
            "{}",
            text(&output)
        );
        assert_eq!(read_manifest(&run).unwrap().step, 2);
    }
}

#[test]
fn a_resumed_run_trains_on_the_data_it_started_with() {
    let dir = tempfile::tempdir().unwrap();
    engine_support::tiny_dataset(dir.path()); // writes tiny.abc
    let abc = dir.path().join("tiny.abc");
    let run = dir.path().join("run");
    let config = dir.path().join("small.json");
    std::fs::write(
        &config,
        r#"{"loss": "wgan-gp", "batch_size": 4, "checkpoint_every": 0,
            "generator": {"embedding": 8, "hidden": 16},
            "discriminator": {"channels": 8}, "sample_tokens": 4}"#,
    )
    .unwrap();
    let output = gan_studio(dir.path())
        .args([
            "train",
            "--backend",
            "cpu",
            "--mle-steps",
            "1",
            "--steps",
            "1",
            "--d-steps",
            "2",
        ])
        .arg("--config")
        .arg(&config)
        .arg("--dataset")
        .arg(&abc)
        .arg("--out")
        .arg(&run)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("loss wgan-gp"), "{}", text(&output));
    assert!(
        text(&output).contains("training on cpu (flex)"),
        "{}",
        text(&output)
    );
    let manifest = read_manifest(&run).unwrap();
    assert_eq!((manifest.step, manifest.config.d_steps), (2, 2));
    // No --dataset: the default set would have another fingerprint and be refused; the
    // recorded source is used instead.
    let output = gan_studio(dir.path())
        .args(["train", "--steps", "2", "--resume"])
        .arg(&run)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("tiny.abc"), "{}", text(&output));
    assert_eq!(read_manifest(&run).unwrap().step, 3);
    let log = std::fs::read_to_string(run.join("stats.jsonl")).unwrap();
    assert_eq!(log.lines().count(), 3);
}
