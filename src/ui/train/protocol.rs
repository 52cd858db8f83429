//! The Train panel's side of the worker protocol: starting and resuming a run of any kind,
//! the controls, and the messages it drains each frame; also the loading of the data set and
//! the file dialogs, on background jobs.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{TrainPanel, TrainState};
use crate::data::{DataSource, Dataset, LoadOptions, PreprocessConfig, load_dataset};
use crate::quality::LikeOptions;
use crate::train::backend::select;
use crate::train::run::{is_crnn_run, resume_run};
use crate::train::{Phase, TrainControl, TrainMessage, TrainWorker, TrainingRun, WorkerOptions};
use crate::ui::job::{Job, Poll};
use crate::ui::notify::Notifications;
use crate::ui::picker::{Ask, AskKind};

/// Where the training data stands.
pub(super) enum Data {
    None,
    Loading {
        label: String,
        job: Job<Result<Dataset, String>>,
    },
    Ready {
        label: String,
        dataset: Arc<Dataset>,
    },
    Failed(String),
}

/// What a background file dialog was opened for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Pick {
    Folder,
    Maestro,
    AbcFile,
    Checkpoint,
}

impl TrainPanel {
    /// Starts loading a data set in the background (replacing the one chosen).
    pub fn load_source(&mut self, ctx: &egui::Context, source: DataSource) {
        let label = source.to_string();
        let options = LoadOptions {
            cache_dir: self.cache_dir.clone(),
            ..LoadOptions::default()
        };
        let job = Job::spawn(ctx, "train-data-load", move || {
            load_dataset(
                std::slice::from_ref(&source),
                &PreprocessConfig::tunes(),
                &options,
            )
            .map_err(|e| e.to_string())
        });
        self.data = Data::Loading { label, job };
    }

    /// Starts a new run with the configuration (a token GAN's or a C-RNN-GAN's) on the data
    /// set chosen, in a new folder under the runs folder. Problems are reported through
    /// `notifications`.
    pub fn start(&mut self, ctx: &egui::Context, notifications: &mut Notifications) {
        if self.state.is_active() {
            return;
        }
        let Some(dataset) = self.dataset().cloned() else {
            notifications.error("choose a data set before starting a run");
            return;
        };
        let run_dir = new_run_dir(&self.runs_dir);
        let config = self.run_config();
        let crnn = self.crnn.is_some();
        let backend = self.backend;
        let make = move || config.start(dataset, &select(backend)?.device);
        self.spawn(ctx, make, run_dir, crnn, notifications);
    }

    /// Continues the run saved in `dir`, of either kind, on the data set chosen (it must be
    /// the same data set; the worker refuses another). New checkpoints go into the same
    /// folder.
    pub fn resume_from(
        &mut self,
        ctx: &egui::Context,
        dir: PathBuf,
        notifications: &mut Notifications,
    ) {
        if self.state.is_active() {
            return;
        }
        let Some(dataset) = self.dataset().cloned() else {
            notifications.error(format!(
                "choose the data set the run was trained on before resuming it: {}",
                dir.display()
            ));
            return;
        };
        let from = dir.clone();
        let crnn = is_crnn_run(&dir);
        let backend = self.backend;
        let make = move || resume_run(&from, dataset, &select(backend)?.device);
        self.spawn(ctx, make, dir, crnn, notifications);
    }

    fn spawn<F>(
        &mut self,
        ctx: &egui::Context,
        make: F,
        run_dir: PathBuf,
        crnn: bool,
        notifications: &mut Notifications,
    ) where
        F: FnOnce() -> Result<Box<dyn TrainingRun>, crate::train::TrainError> + Send + 'static,
    {
        let repaint_ctx = ctx.clone();
        let options = WorkerOptions {
            run_dir: Some(run_dir.clone()),
            start_paused: false,
            background: true,
            repaint: Some(Arc::new(move || repaint_ctx.request_repaint())),
            judge: Some(LikeOptions {
                tunes: 96,
                ..LikeOptions::default()
            }),
        };
        match TrainWorker::spawn(make, options) {
            Ok(worker) => {
                self.worker = Some(worker);
                self.state = TrainState::Starting;
                self.run_dir = Some(run_dir);
                self.crnn_run = crnn;
                self.step = 0;
                self.total_steps = 0;
                self.last_stats = None;
                self.last_checkpoint = None;
                self.history.clear();
                self.samples.clear();
                self.diversity = None;
                self.quality = Default::default();
                self.pending_best = None;
            }
            Err(e) => {
                notifications.error(format!("could not start the training thread: {e}"));
            }
        }
    }

    fn control(&mut self, control: TrainControl) {
        if let Some(worker) = &self.worker {
            worker.send(control);
        }
    }

    /// Asks the run to pause after the step under way.
    pub fn pause(&mut self) {
        if self.state == TrainState::Running {
            self.control(TrainControl::Pause);
        }
    }

    /// Asks a paused run to go on.
    pub fn resume(&mut self) {
        if self.state == TrainState::Paused {
            self.control(TrainControl::Resume);
        }
    }

    /// Runs exactly one step of a paused run.
    pub fn single_step(&mut self) {
        if self.state == TrainState::Paused {
            self.control(TrainControl::Step);
        }
    }

    /// Asks the run to save a checkpoint and end.
    pub fn stop(&mut self) {
        if self.state.is_active() && self.state != TrainState::Stopping {
            self.control(TrainControl::Stop);
            self.state = TrainState::Stopping;
        }
    }

    /// Drains the worker's messages and polls background jobs; call once per frame. Never
    /// blocks.
    pub fn poll(&mut self, ctx: &egui::Context, notifications: &mut Notifications) {
        self.folk.poll(ctx);
        self.poll_data(notifications);
        self.poll_dialog(ctx, notifications);
        // At most a few thousand messages a frame, so a flood cannot stall the UI.
        for _ in 0..4096 {
            let Some(message) = self.worker.as_ref().and_then(TrainWorker::try_recv) else {
                break;
            };
            self.handle(message, notifications);
        }
    }

    fn poll_data(&mut self, notifications: &mut Notifications) {
        let Data::Loading { label, job } = &mut self.data else {
            return;
        };
        match job.poll() {
            Poll::Pending => {}
            Poll::Done(Ok(dataset)) => {
                let label = std::mem::take(label);
                self.data = Data::Ready {
                    label,
                    dataset: Arc::new(dataset),
                };
            }
            Poll::Done(Err(message)) => {
                notifications.error(format!("could not load the training data: {message}"));
                self.data = Data::Failed(message);
            }
            Poll::Lost => {
                let message = "the data set loader stopped unexpectedly".to_string();
                notifications.error(message.clone());
                self.data = Data::Failed(message);
            }
        }
    }

    fn poll_dialog(&mut self, ctx: &egui::Context, notifications: &mut Notifications) {
        let Some((pick, paths)) = self.dialog.poll() else {
            return;
        };
        let Some(path) = paths.into_iter().next() else {
            return;
        };
        match pick {
            Pick::Folder => self.load_source(ctx, DataSource::Folder(path)),
            Pick::Maestro => self.load_source(ctx, DataSource::Maestro(path)),
            Pick::AbcFile => self.load_source(ctx, DataSource::Abc(vec![path])),
            Pick::Checkpoint => self.resume_from(ctx, path, notifications),
        }
    }

    /// Opens the file dialog for `pick` (the system's or the in-window one, see
    /// [`crate::ui::picker`]); nothing while one is open.
    pub(super) fn open_dialog(&mut self, ctx: &egui::Context, pick: Pick) {
        let ask = match pick {
            Pick::AbcFile => Ask::new("Choose an ABC file of tunes", AskKind::OpenFile)
                .filter("ABC tunes", &["abc"]),
            Pick::Folder => Ask::new("Choose a folder of MIDI and ABC files", AskKind::Folder),
            Pick::Maestro => Ask::new("Choose the MAESTRO v3 folder", AskKind::Folder),
            Pick::Checkpoint => Ask::new("Choose a training run folder to resume", AskKind::Folder),
        };
        self.dialog.ask(ctx, pick, ask);
    }

    fn handle(&mut self, message: TrainMessage, notifications: &mut Notifications) {
        match message {
            TrainMessage::Started {
                step,
                total_steps,
                steps_per_epoch,
                backend,
            } => {
                self.backend_in_use = Some(backend);
                self.step = step;
                self.total_steps = total_steps;
                self.steps_per_epoch = steps_per_epoch;
                if self.state == TrainState::Starting {
                    self.state = TrainState::Running;
                }
            }
            TrainMessage::Step(stats) => {
                if stats.phase == Phase::Gan {
                    self.quality.mark_adversarial_start();
                }
                self.step = stats.step;
                self.history.push_step(&stats);
                self.last_stats = Some(stats);
            }
            TrainMessage::Epoch {
                step, validation, ..
            } => {
                if let Some(v) = validation {
                    self.history.push_validation(step, &v);
                }
            }
            TrainMessage::Judged {
                epoch,
                step,
                quality,
                reference,
                best,
            } => {
                if best {
                    self.pending_best = Some((step, epoch, quality.judge_accuracy));
                }
                self.quality.push(epoch, step, *quality, *reference);
            }
            TrainMessage::Sample {
                epoch,
                step,
                tokens,
                piece,
                ..
            } => {
                if let Some(text) = self.add_sample(epoch, step, tokens, piece) {
                    notifications.info(text);
                }
            }
            TrainMessage::CheckpointSaved { step, path } => {
                self.last_checkpoint = Some((step, path));
            }
            TrainMessage::Warning(text) => notifications.info(format!("Training: {text}")),
            TrainMessage::Paused { step } => {
                self.step = step;
                if self.state != TrainState::Stopping {
                    self.state = TrainState::Paused;
                }
            }
            TrainMessage::Resumed => {
                if self.state != TrainState::Stopping {
                    self.state = TrainState::Running;
                }
            }
            TrainMessage::Finished { step } => {
                self.step = step;
                self.state = TrainState::Finished { step };
                // The thread is ending; dropping the handle does not wait for it.
                self.worker = None;
                let saved = self
                    .run_dir
                    .as_ref()
                    .map(|d| format!("; checkpoint in {}", d.display()))
                    .unwrap_or_default();
                notifications.info(format!("Training finished after {step} steps{saved}"));
            }
            TrainMessage::GeneratorWeights { step, weights } => self.offer_weights(step, weights),
            TrainMessage::Failed(message) => {
                notifications.error(format!("training failed: {message}"));
                self.state = TrainState::Failed(message);
                self.worker = None;
            }
        }
    }
}

/// A new run folder under `runs_dir`, named by the time (a suffix keeps it unique).
pub(super) fn new_run_dir(runs_dir: &Path) -> PathBuf {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let base = runs_dir.join(format!("run-{seconds}"));
    let mut dir = base.clone();
    let mut n = 1;
    while dir.exists() {
        n += 1;
        dir = runs_dir.join(format!("run-{seconds}-{n}"));
    }
    dir
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weights() -> Arc<crate::model::weights::GeneratorWeights> {
        match crate::generate::default_model().unwrap() {
            crate::generate::TokenModel::Lstm(engine) => Arc::new(engine.weights().clone()),
            crate::generate::TokenModel::Markov(_) => panic!("the built-in model is an LSTM"),
        }
    }

    fn judged(epoch: u64, step: u64, accuracy: f64, best: bool) -> TrainMessage {
        TrainMessage::Judged {
            epoch,
            step,
            quality: Box::new(crate::quality::TuneQuality {
                judge_accuracy: accuracy,
                ..Default::default()
            }),
            reference: Box::default(),
            best,
        }
    }

    #[test]
    fn the_run_s_best_by_the_judge_and_its_latest_weights_are_offered_apart() {
        use crate::ui::panel::ModelKind;

        let mut panel = TrainPanel::new(PathBuf::from("runs"), None);
        panel.run_dir = Some(PathBuf::from("runs/run-7"));
        let mut notifications = Notifications::default();
        let w = weights();
        // Epoch 0 is the best so far: its weights come as both the best and the latest.
        panel.handle(judged(0, 10, 0.8, true), &mut notifications);
        panel.handle(
            TrainMessage::GeneratorWeights {
                step: 10,
                weights: Arc::clone(&w),
            },
            &mut notifications,
        );
        let offered = panel.take_new_models();
        let kinds: Vec<ModelKind> = offered.iter().map(|(k, ..)| *k).collect();
        assert_eq!(kinds, [ModelKind::RunBest, ModelKind::RunLatest]);
        assert_eq!(
            offered[0].1,
            "best of run-7 by the judge (epoch 0, step 10: told apart 80% of the time)"
        );
        assert_eq!(offered[1].1, "latest weights of run-7 (step 10)");
        assert!(panel.take_new_models().is_empty(), "offered once");
        // Epoch 1 is worse (not the best): only the latest weights are offered, also at the
        // checkpoint that follows.
        panel.handle(judged(1, 20, 0.95, false), &mut notifications);
        for step in [20, 25] {
            panel.handle(
                TrainMessage::GeneratorWeights {
                    step,
                    weights: Arc::clone(&w),
                },
                &mut notifications,
            );
        }
        let offered = panel.take_new_models();
        assert_eq!(offered.len(), 1, "only the newest latest weights");
        assert_eq!(offered[0].0, ModelKind::RunLatest);
        assert_eq!(offered[0].1, "latest weights of run-7 (step 25)");
    }

    #[test]
    fn run_folders_are_new() {
        let dir = tempfile::tempdir().unwrap();
        let first = new_run_dir(dir.path());
        std::fs::create_dir_all(&first).unwrap();
        let second = new_run_dir(dir.path());
        assert_ne!(first, second);
        assert!(second.starts_with(dir.path()));
    }
}
