//! Checkpoints load back bit-identically, resume exactly, and refuse damaged files.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod engine_support;

use std::fs;

use burn::tensor::{Device, Int, Tensor, TensorData};
use gan_studio::train::{CheckpointError, TrainError, Trainer, load_checkpoint};

use engine_support::{small_config, tiny_dataset};

/// burn's RNG is global to the process: tests that seed it and create models run one at a
/// time, or another test's draws fall between a seed and its model.
static RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn device() -> Device {
    Device::flex().autodiff()
}

fn batch(device: &Device) -> Tensor<2, Int> {
    let ids: Vec<i64> = (0..4 * 16)
        .map(|i| [39i64, 89, 43, 89, 46][i % 5])
        .collect();
    Tensor::from_data(TensorData::new(ids, [4, 16]), device)
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_to_vec().unwrap()
}

#[test]
fn a_saved_checkpoint_loads_back_with_identical_outputs() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let mut trainer =
        Trainer::new(small_config(2, 2), tiny_dataset(dir.path()), &device()).unwrap();
    for _ in 0..3 {
        trainer.train_step().unwrap();
    }
    trainer.save(&run).unwrap();
    let loaded = load_checkpoint(&run, &device(), Some(trainer.dataset_fingerprint())).unwrap();
    assert_eq!(loaded.manifest.step, 3);
    assert_eq!(loaded.manifest.config, *trainer.config());
    let d = device();
    assert_eq!(
        values(loaded.generator.forward(batch(&d))),
        values(trainer.generator().forward(batch(&d)))
    );
    let windows = || batch(&d).one_hot::<3>(92).float();
    assert_eq!(
        values(loaded.discriminator.forward(windows())),
        values(trainer.discriminator().forward(windows()))
    );
}

#[test]
fn a_resumed_run_continues_exactly_where_it_stopped() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let data = tiny_dataset(dir.path());
    let run = dir.path().join("run");
    let config = small_config(2, 3);

    let mut straight = Trainer::new(config.clone(), data.clone(), &device()).unwrap();
    let expected: Vec<_> = (0..5).map(|_| straight.train_step().unwrap()).collect();

    let mut first = Trainer::new(config, data.clone(), &device()).unwrap();
    for _ in 0..3 {
        first.train_step().unwrap();
    }
    first.save(&run).unwrap();
    drop(first);
    let mut resumed = Trainer::resume(&run, data, &device()).unwrap();
    assert_eq!(resumed.step(), 3);
    let rest: Vec<_> = (0..2).map(|_| resumed.train_step().unwrap()).collect();
    for (a, b) in expected[3..].iter().zip(&rest) {
        assert_eq!(a.step, b.step);
        assert_eq!(a.g_loss.to_bits(), b.g_loss.to_bits(), "step {}", a.step);
        assert_eq!(a.d_loss.map(f32::to_bits), b.d_loss.map(f32::to_bits));
    }
}

fn saved_run() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let trainer = Trainer::new(small_config(1, 0), tiny_dataset(dir.path()), &device()).unwrap();
    trainer.save(&run).unwrap();
    (dir, run)
}

fn generator_file(run: &std::path::Path) -> std::path::PathBuf {
    run.join("generator-00000000.bpk")
}

#[test]
fn a_damaged_file_is_reported_not_loaded() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let (_dir, run) = saved_run();
    let path = generator_file(&run);
    let mut bytes = fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    fs::write(&path, bytes).unwrap();
    let error = load_checkpoint(&run, &device(), None).err().unwrap();
    assert!(
        matches!(error, CheckpointError::Corrupt { ref path } if path.ends_with("generator-00000000.bpk"))
    );
    assert!(error.to_string().contains("damaged"));
}

#[test]
fn a_truncated_file_is_reported_not_loaded() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let (_dir, run) = saved_run();
    let path = generator_file(&run);
    let bytes = fs::read(&path).unwrap();
    fs::write(&path, &bytes[..bytes.len() / 3]).unwrap();
    let error = load_checkpoint(&run, &device(), None).err().unwrap();
    assert!(matches!(error, CheckpointError::Length { .. }), "{error}");
}

#[test]
fn a_garbled_or_missing_manifest_is_an_error() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let (dir, run) = saved_run();
    fs::write(run.join("checkpoint.json"), b"{\"format\": 1, \"step\":").unwrap();
    let error = load_checkpoint(&run, &device(), None).err().unwrap();
    assert!(
        matches!(error, CheckpointError::BadManifest { .. }),
        "{error}"
    );
    let error = load_checkpoint(&dir.path().join("nothing"), &device(), None)
        .err()
        .unwrap();
    assert!(matches!(error, CheckpointError::Missing(_)), "{error}");
}

#[test]
fn a_record_that_does_not_fit_the_config_is_an_error() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let (_dir, run) = saved_run();
    // Claim a wider LSTM than the weights have; the hashes stay right.
    let path = run.join("checkpoint.json");
    let text = fs::read_to_string(&path)
        .unwrap()
        .replace("\"hidden\": 32", "\"hidden\": 48");
    fs::write(&path, text).unwrap();
    let error = load_checkpoint(&run, &device(), None).err().unwrap();
    assert!(matches!(error, CheckpointError::Record { .. }), "{error}");
}

#[test]
fn resuming_on_another_data_set_is_refused() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let (dir, run) = saved_run();
    let other = tempfile::tempdir().unwrap();
    let mut data = (*tiny_dataset(other.path())).clone();
    data.pieces.pop();
    let error = Trainer::resume(&run, std::sync::Arc::new(data), &device())
        .err()
        .unwrap();
    assert!(
        matches!(
            error,
            TrainError::Checkpoint(CheckpointError::Dataset { .. })
        ),
        "{error}"
    );
    drop(dir);
}

#[test]
fn older_step_files_are_removed_after_a_newer_save() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let mut trainer =
        Trainer::new(small_config(2, 0), tiny_dataset(dir.path()), &device()).unwrap();
    trainer.save(&run).unwrap();
    trainer.train_step().unwrap();
    trainer.save(&run).unwrap();
    let mut names: Vec<String> = fs::read_dir(&run)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "checkpoint.json",
            "discriminator-00000001.bpk",
            "discriminator-adam-00000001.bpk",
            "generator-00000001.bpk",
            "generator-adam-00000001.bpk",
        ]
    );
}
