//! The training worker's messages and controls.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod engine_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use burn::tensor::Device;
use gan_studio::train::{TrainControl, TrainMessage, TrainWorker, Trainer, WorkerOptions};

use engine_support::{small_config, tiny_dataset};

fn collect(worker: &TrainWorker) -> Vec<TrainMessage> {
    let mut messages = Vec::new();
    while let Some(message) = worker.recv() {
        messages.push(message);
    }
    messages
}

#[test]
fn a_run_reports_steps_epochs_samples_checkpoints_and_its_end() {
    let dir = tempfile::tempdir().unwrap();
    let data = tiny_dataset(dir.path());
    let run = dir.path().join("run");
    let repaints = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&repaints);
    let make = {
        let data = data.clone();
        move || {
            Trainer::new(
                small_config(2, 2)
                    .with_checkpoint_every(2)
                    .with_batch_size(64),
                data,
                &Device::flex(),
            )
        }
    };
    let options = WorkerOptions {
        run_dir: Some(run.clone()),
        start_paused: false,
        background: false,
        repaint: Some(Arc::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        })),
        judge: None,
    };
    let worker = TrainWorker::spawn(make, options).unwrap();
    let messages = collect(&worker);
    worker.join();

    assert!(matches!(
        messages[0],
        TrainMessage::Started {
            step: 0,
            total_steps: 4,
            ..
        }
    ));
    let steps: Vec<u64> = messages
        .iter()
        .filter_map(|m| match m {
            TrainMessage::Step(s) => Some(s.step),
            _ => None,
        })
        .collect();
    assert_eq!(steps, [1, 2, 3, 4]);
    let saved: Vec<u64> = messages
        .iter()
        .filter_map(|m| match m {
            TrainMessage::CheckpointSaved { step, .. } => Some(*step),
            _ => None,
        })
        .collect();
    assert_eq!(saved, [2, 4]);
    assert_eq!(messages.last(), Some(&TrainMessage::Finished { step: 4 }));
    assert!(run.join("checkpoint.json").is_file());
    assert_eq!(repaints.load(Ordering::SeqCst), messages.len());
    // Every epoch end brings a validation figure and a sample of `sample_tokens` tokens.
    let config = small_config(2, 2).with_batch_size(64);
    let trainer = Trainer::new(config, data, &Device::flex()).unwrap();
    let epochs = 4 / trainer.steps_per_epoch();
    assert!(
        epochs >= 1,
        "the test set should end an epoch within 4 steps"
    );
    let epoch_messages = messages
        .iter()
        .filter(|m| {
            matches!(
                m,
                TrainMessage::Epoch {
                    validation: Some(_),
                    ..
                }
            )
        })
        .count() as u64;
    let samples = messages
        .iter()
        .filter(|m| matches!(m, TrainMessage::Sample { tokens, .. } if tokens.len() == 8))
        .count() as u64;
    assert_eq!(epoch_messages, epochs);
    assert_eq!(samples, epochs);
}

#[test]
fn a_paused_worker_runs_single_steps_and_stops_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let data = tiny_dataset(dir.path());
    let make = move || Trainer::new(small_config(50, 0), data, &Device::flex());
    let options = WorkerOptions {
        start_paused: true,
        background: false,
        ..WorkerOptions::default()
    };
    let worker = TrainWorker::spawn(make, options).unwrap();
    assert!(matches!(worker.recv(), Some(TrainMessage::Started { .. })));
    assert_eq!(worker.recv(), Some(TrainMessage::Paused { step: 0 }));
    worker.send(TrainControl::SetLearningRate(1e-3));
    worker.send(TrainControl::Step);
    match worker.recv() {
        Some(TrainMessage::Step(stats)) => {
            assert_eq!(stats.step, 1);
            assert_eq!(stats.learning_rate, 1e-3);
        }
        other => panic!("expected one step, got {other:?}"),
    }
    worker.send(TrainControl::SetLearningRate(-1.0));
    worker.send(TrainControl::Stop);
    let rest = collect(&worker);
    assert!(matches!(rest[0], TrainMessage::Warning(_)), "{rest:?}");
    assert_eq!(rest.last(), Some(&TrainMessage::Finished { step: 1 }));
    assert!(!rest.iter().any(|m| matches!(m, TrainMessage::Step(_))));
}
