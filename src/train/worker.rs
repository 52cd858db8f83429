//! The training worker: a thread that owns a run of any kind ([`TrainingRun`]: the token
//! GANs' [`super::Trainer`] or [`super::crnn::CrnnTrainer`]) and talks to the outside only
//! through typed messages ([`TrainMessage`] out, [`TrainControl`] in), asking for a repaint
//! after each message. The studio and the command line are two consumers of the same worker.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvError, Sender, TryRecvError};
use std::thread::{self, JoinHandle};
use std::time::Instant;

use super::error::TrainError;
use super::run::TrainingRun;
use super::stats::{StepStats, Validation};
pub use super::store::STATS_FILE;
use crate::fsutil::write_atomic;
use crate::generate::weights_file::save_weights;
use crate::generate::{LstmEngine, TokenModel};
use crate::model::weights::GeneratorWeights;
use crate::music::Piece;
use crate::quality::{HeldOut, Judge, LikeOptions, RealFigures, TuneQuality};

/// What the worker reports.
#[derive(Clone, Debug, PartialEq)]
pub enum TrainMessage {
    /// The run is set up and about to step.
    Started {
        /// Steps already done (after a resume).
        step: u64,
        /// Steps of the whole run.
        total_steps: u64,
        /// Batches per epoch.
        steps_per_epoch: u64,
        /// The compute backend, e.g. "cpu (flex)" (see [`super::device_name`]).
        backend: String,
    },
    /// One step's figures.
    Step(StepStats),
    /// End-of-epoch validation figures (`None`: the validation split is empty).
    Epoch {
        /// The epoch that ended (from 0).
        epoch: u64,
        /// Steps done.
        step: u64,
        /// Teacher-forced loss (and accuracy, for token runs) on validation windows.
        validation: Option<Validation>,
    },
    /// How the epoch's generator writes tunes from nothing, judged against the held-out tunes
    /// (whole-tune runs given [`WorkerOptions::judge`]).
    Judged {
        /// The epoch that ended (from 0).
        epoch: u64,
        /// Steps done.
        step: u64,
        /// The epoch's figures.
        quality: Box<TuneQuality>,
        /// The held-out tunes' own figures (the targets).
        reference: Box<RealFigures>,
        /// Whether this epoch's generator is the run's best by the judge so far (lowest
        /// accuracy among the epochs with no tune flagged for copying; kept as
        /// [`BEST_WEIGHTS`] when the run has a folder). The generator weights sent next, at
        /// the same step, are this generator.
        best: bool,
    },
    /// A sample generated at the end of an epoch.
    Sample {
        /// The epoch that ended.
        epoch: u64,
        /// Steps done.
        step: u64,
        /// The primer's token ids (token runs).
        primer: Vec<u32>,
        /// The generated token ids after the primer (token runs), or the MIDI pitches of the
        /// sample's notes (C-RNN-GAN; see [`super::run::EpochSample`]).
        tokens: Vec<u32>,
        /// The sample as a melody, for runs that make notes rather than tokens (C-RNN-GAN).
        piece: Option<Piece>,
    },
    /// A checkpoint was saved.
    CheckpointSaved {
        /// Steps done.
        step: u64,
        /// Its manifest.
        path: PathBuf,
    },
    /// Something went wrong without stopping the run (e.g. a sample could not be made).
    Warning(String),
    /// The run is paused.
    Paused {
        /// Steps done.
        step: u64,
    },
    /// The run goes on after a pause.
    Resumed,
    /// The run ended (all steps done, or stopped); the last message.
    Finished {
        /// Steps done.
        step: u64,
    },
    /// The run failed; the last message. The last good checkpoint is kept.
    Failed(String),
    /// The newest generator weights, for the Generate panel: sent at the end of every epoch,
    /// at every checkpoint and when the run finishes (once per step at most), by runs whose
    /// generator has such weights (the token GANs).
    GeneratorWeights {
        /// Steps done when they were taken.
        step: u64,
        /// The weights.
        weights: Arc<GeneratorWeights>,
    },
}

/// What the outside can ask of the worker.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TrainControl {
    /// Stop stepping until [`TrainControl::Resume`] or [`TrainControl::Step`].
    Pause,
    /// Go on stepping.
    Resume,
    /// Save a checkpoint and end.
    Stop,
    /// While paused, run exactly one step.
    Step,
    /// Use this learning rate from the next step on.
    SetLearningRate(f64),
}

/// Sends controls to a [`TrainWorker`] from any thread ([`TrainWorker::control_sender`]).
#[derive(Clone, Debug)]
pub struct ControlSender(Sender<TrainControl>);

impl ControlSender {
    /// Sends a control (ignored once the worker has ended).
    pub fn send(&self, control: TrainControl) {
        let _ = self.0.send(control);
    }
}

/// Called after each message is sent (the studio passes `ctx.request_repaint`).
pub type Repaint = Arc<dyn Fn() + Send + Sync>;

/// How the worker runs.
#[derive(Clone, Default)]
pub struct WorkerOptions {
    /// The run folder for checkpoints and [`STATS_FILE`] (none: nothing is saved).
    pub run_dir: Option<PathBuf>,
    /// Start paused (waiting for [`TrainControl::Resume`] or [`TrainControl::Step`]).
    pub start_paused: bool,
    /// Called after each message.
    pub repaint: Option<Repaint>,
    /// Run the training thread at a lower scheduling priority (Linux: nice +5), so that the
    /// window that shows it keeps drawing smoothly when the cores are busy. The command line
    /// trains at normal priority.
    pub background: bool,
    /// Judge the generator after every epoch: tunes generated from nothing like the held-out
    /// tunes (these settings), the judge's accuracy, copy check and music figures
    /// ([`crate::quality::Judge`]), sent as [`TrainMessage::Judged`] and appended to
    /// [`JUDGE_FILE`]; the generator the judge liked best is kept as [`BEST_WEIGHTS`].
    /// Runs that offer it only ([`TrainingRun::judged_dataset`]: token GANs on whole tunes,
    /// vocabulary v2) with a validation split; `None`: no judging.
    pub judge: Option<LikeOptions>,
}

/// The file of per-epoch judge figures in a run folder: one JSON object per judged epoch.
pub const JUDGE_FILE: &str = "judge.jsonl";

/// Where a run folder keeps the generator the judge liked best (lowest accuracy among the
/// epochs with no tune flagged for copying), as a weights file
/// (`gan-studio generate --model RUN/best`).
pub const BEST_WEIGHTS: &str = "best/generator.gsw";

/// A running training worker.
pub struct TrainWorker {
    controls: Sender<TrainControl>,
    messages: Receiver<TrainMessage>,
    thread: Option<JoinHandle<()>>,
}

impl TrainWorker {
    /// Starts the worker thread. `make` builds the run on that thread (a new run or a resumed
    /// one, of any kind: a [`super::Trainer`], a [`super::crnn::CrnnTrainer`] or a boxed
    /// [`TrainingRun`]); its error becomes a [`TrainMessage::Failed`].
    pub fn spawn<F, R>(make: F, options: WorkerOptions) -> std::io::Result<Self>
    where
        F: FnOnce() -> Result<R, TrainError> + Send + 'static,
        R: Into<Box<dyn TrainingRun>>,
    {
        let (controls, control_rx) = mpsc::channel();
        let (message_tx, messages) = mpsc::channel();
        let thread = thread::Builder::new()
            .name("gan-studio-train".into())
            .spawn(move || {
                if options.background {
                    lower_thread_priority();
                }
                let background = options.background;
                let work = move || {
                    let out = Outbox {
                        tx: message_tx,
                        repaint: options.repaint.clone(),
                        published: std::cell::Cell::new(None),
                    };
                    let result =
                        make().and_then(|trainer| run(trainer.into(), &control_rx, &out, &options));
                    match result {
                        Ok(step) => out.send(TrainMessage::Finished { step }),
                        Err(error) => out.send(TrainMessage::Failed(error.to_string())),
                    }
                };
                // Without a pool of its own the run still works, on rayon's global pool.
                match training_pool(background) {
                    Ok(pool) => pool.install(work),
                    Err(_) => work(),
                }
            })?;
        Ok(Self {
            controls,
            messages,
            thread: Some(thread),
        })
    }

    /// Sends a control (ignored once the worker has ended).
    pub fn send(&self, control: TrainControl) {
        let _ = self.controls.send(control);
    }

    /// A handle that sends controls to this worker from another thread (e.g. the command
    /// line's signal handling thread, which asks for [`TrainControl::Stop`]).
    pub fn control_sender(&self) -> ControlSender {
        ControlSender(self.controls.clone())
    }

    /// The next message if one is waiting (never blocks; for the UI's frame loop).
    pub fn try_recv(&self) -> Option<TrainMessage> {
        self.messages.try_recv().ok()
    }

    /// Waits for the next message; `None` once the worker has ended and every message was
    /// read.
    pub fn recv(&self) -> Option<TrainMessage> {
        self.messages.recv().ok()
    }

    /// Waits for the thread to end (after [`TrainMessage::Finished`] or
    /// [`TrainMessage::Failed`]).
    pub fn join(mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for TrainWorker {
    fn drop(&mut self) {
        // Ask the worker to stop (it saves a checkpoint); the thread is not waited for.
        let _ = self.controls.send(TrainControl::Stop);
    }
}

/// The threads a run trains on: burn's CPU kernels and the fused LSTM split their work over
/// the current rayon pool, so the worker runs its whole loop inside a pool of its own (one
/// thread per core, or `RAYON_NUM_THREADS`), whose threads run at the worker's lower priority
/// in the `background` case: they are all busy while a step runs, and the window must still
/// get a core when it needs one.
fn training_pool(background: bool) -> Result<rayon::ThreadPool, rayon::ThreadPoolBuildError> {
    rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("gan-studio-train-{i}"))
        .start_handler(move |_| {
            if background {
                lower_thread_priority();
            }
        })
        .build()
}

/// Lowers the calling thread's scheduling priority a little (nice +5), so that the window's
/// thread gets a core first (the training worker and the studio's background jobs use it).
/// Best effort: where it is not supported or not allowed nothing changes.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
pub fn lower_thread_priority() {
    // SAFETY: `gettid` and `setpriority` take plain integers and touch no memory of ours; on
    // Linux the nice value is per thread, and `PRIO_PROCESS` with a thread id names this one.
    unsafe {
        let tid = libc::gettid();
        libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 5);
    }
}

#[cfg(not(target_os = "linux"))]
pub fn lower_thread_priority() {}

struct Outbox {
    tx: Sender<TrainMessage>,
    repaint: Option<Repaint>,
    published: std::cell::Cell<Option<u64>>,
}

impl Outbox {
    fn send(&self, message: TrainMessage) {
        let _ = self.tx.send(message);
        if let Some(repaint) = &self.repaint {
            repaint();
        }
    }
}

/// What the control loop decided.
enum Next {
    Run,
    RunOne,
    Stop,
}

/// Steps the run until it is done or stopped; returns the steps done.
fn run(
    mut trainer: Box<dyn TrainingRun>,
    controls: &Receiver<TrainControl>,
    out: &Outbox,
    options: &WorkerOptions,
) -> Result<u64, TrainError> {
    let trainer = trainer.as_mut();
    out.send(TrainMessage::Started {
        step: trainer.steps_done(),
        total_steps: trainer.total_steps(),
        steps_per_epoch: trainer.steps_per_epoch(),
        backend: super::device_name(trainer.device()),
    });
    let mut stats_log = StatsLog::open(options.run_dir.as_deref(), trainer.steps_done(), out);
    let mut judging = options
        .judge
        .as_ref()
        .and_then(|like| EpochJudge::new(&*trainer, like));
    let mut paused = options.start_paused;
    if paused {
        out.send(TrainMessage::Paused {
            step: trainer.steps_done(),
        });
    }
    while !trainer.is_done() {
        match next_action(trainer, controls, out, &mut paused) {
            Next::Stop => break,
            Next::Run | Next::RunOne => {}
        }
        let started = Instant::now();
        let mut stats = trainer.train_step()?;
        let seconds = started.elapsed().as_secs_f64();
        stats.steps_per_second = if seconds > 0.0 { 1.0 / seconds } else { 0.0 };
        stats_log.write(&stats, out);
        out.send(TrainMessage::Step(stats));
        if trainer.at_epoch_end() {
            end_epoch(&*trainer, out);
            if let Some(judging) = &mut judging {
                judging.judge(&*trainer, out, options.run_dir.as_deref());
            }
            publish_weights(&*trainer, out);
        }
        let every = trainer.checkpoint_every();
        if every > 0 && trainer.steps_done().is_multiple_of(every) && !trainer.is_done() {
            save(&*trainer, out, options)?;
        }
    }
    save(&*trainer, out, options)?;
    publish_weights(&*trainer, out);
    Ok(trainer.steps_done())
}

/// Sends the generator's weights unless they were already sent at this step (runs without
/// such weights send nothing).
fn publish_weights(trainer: &dyn TrainingRun, out: &Outbox) {
    let step = trainer.steps_done();
    if out.published.get() == Some(step) {
        return;
    }
    match trainer.generator_weights() {
        None => {}
        Some(Ok(weights)) => {
            out.published.set(Some(step));
            out.send(TrainMessage::GeneratorWeights {
                step,
                weights: Arc::new(weights),
            });
        }
        Some(Err(e)) => out.send(TrainMessage::Warning(format!(
            "the generator's weights at step {step} could not be published: {e}"
        ))),
    }
}

/// The run folder's [`STATS_FILE`], appended to after each step. A failure to write is
/// reported once as a warning and stops the log, not the run.
struct StatsLog {
    file: Option<(PathBuf, BufWriter<File>)>,
}

impl StatsLog {
    /// Opens the log of a run folder (none: no log): a fresh run starts it empty, a resumed
    /// one keeps its lines up to `step`.
    fn open(dir: Option<&Path>, step: u64, out: &Outbox) -> Self {
        let Some(dir) = dir else {
            return Self { file: None };
        };
        let path = dir.join(STATS_FILE);
        match Self::prepare(dir, &path, step) {
            Ok(file) => Self {
                file: Some((path, BufWriter::new(file))),
            },
            Err(e) => {
                out.send(TrainMessage::Warning(format!(
                    "the step log cannot be written ({e}): {}",
                    path.display()
                )));
                Self { file: None }
            }
        }
    }

    fn prepare(dir: &Path, path: &Path, step: u64) -> std::io::Result<File> {
        std::fs::create_dir_all(dir)?;
        let kept = if step == 0 {
            String::new()
        } else {
            match std::fs::read_to_string(path) {
                Ok(text) => lines_up_to(&text, step),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
                Err(e) => return Err(e),
            }
        };
        write_atomic(path, kept.as_bytes())?;
        std::fs::OpenOptions::new().append(true).open(path)
    }

    fn write(&mut self, stats: &StepStats, out: &Outbox) {
        let Some((path, file)) = &mut self.file else {
            return;
        };
        let result = serde_json::to_string(stats)
            .map_err(std::io::Error::other)
            .and_then(|line| {
                file.write_all(line.as_bytes())?;
                file.write_all(b"\n")?;
                file.flush()
            });
        if let Err(e) = result {
            out.send(TrainMessage::Warning(format!(
                "the step log stopped ({e}): {}",
                path.display()
            )));
            self.file = None;
        }
    }
}

/// The lines of a step log whose step is at most `step` (lines that do not parse are
/// dropped), each ending in a newline.
fn lines_up_to(text: &str, step: u64) -> String {
    let mut kept = String::new();
    for line in text.lines() {
        if serde_json::from_str::<StepStats>(line).is_ok_and(|s| s.step <= step) {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    kept
}

/// Applies waiting controls; while paused, blocks until told to go on.
fn next_action(
    trainer: &mut dyn TrainingRun,
    controls: &Receiver<TrainControl>,
    out: &Outbox,
    paused: &mut bool,
) -> Next {
    loop {
        let control = if *paused {
            match controls.recv() {
                Ok(control) => control,
                Err(RecvError) => return Next::Stop,
            }
        } else {
            match controls.try_recv() {
                Ok(control) => control,
                Err(TryRecvError::Empty) => return Next::Run,
                Err(TryRecvError::Disconnected) => return Next::Stop,
            }
        };
        match control {
            TrainControl::Stop => return Next::Stop,
            TrainControl::Pause if !*paused => {
                *paused = true;
                out.send(TrainMessage::Paused {
                    step: trainer.steps_done(),
                });
            }
            TrainControl::Pause => {}
            TrainControl::Resume => {
                if *paused {
                    *paused = false;
                    out.send(TrainMessage::Resumed);
                }
            }
            TrainControl::Step if *paused => return Next::RunOne,
            TrainControl::Step => {}
            TrainControl::SetLearningRate(lr) => {
                if let Err(e) = trainer.set_learning_rate(lr) {
                    out.send(TrainMessage::Warning(e.to_string()));
                }
            }
        }
    }
}

/// The judge of a run and the best accuracy it has seen.
struct EpochJudge {
    judge: Judge,
    best: Option<f64>,
}

impl EpochJudge {
    /// A judge for the run's data set (`None` when the run is not judged, or its data set
    /// has too few held-out tunes).
    fn new(trainer: &dyn TrainingRun, like: &LikeOptions) -> Option<Self> {
        let held = HeldOut::from_dataset(trainer.judged_dataset()?, like.bars);
        (held.real.len() >= 10).then(|| EpochJudge {
            judge: Judge::new(held, like.clone()),
            best: None,
        })
    }

    /// Judges the trainer's generator, reports it, logs it, and keeps the best weights.
    fn judge(&mut self, trainer: &dyn TrainingRun, out: &Outbox, run_dir: Option<&Path>) {
        let epoch = trainer.epoch().saturating_sub(1);
        let step = trainer.steps_done();
        let weights = match trainer.generator_weights() {
            Some(Ok(w)) => w,
            Some(Err(e)) => return out.send(TrainMessage::Warning(e.to_string())),
            None => return,
        };
        let judged = LstmEngine::new(weights.clone())
            .map_err(|e| e.to_string())
            .and_then(|engine| self.judge.judge_model(&TokenModel::Lstm(engine), epoch));
        let quality = match judged {
            Ok(q) => q,
            Err(e) => {
                return out.send(TrainMessage::Warning(format!(
                    "judging epoch {epoch} failed: {e}"
                )));
            }
        };
        // A generator that copies training tunes does not win, however it fools the judge.
        let best =
            quality.copy_flagged == 0 && self.best.is_none_or(|b| quality.judge_accuracy < b);
        if best {
            self.best = Some(quality.judge_accuracy);
        }
        if let Some(dir) = run_dir {
            let line = serde_json::json!({ "epoch": epoch, "step": step, "quality": &quality });
            let appended = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(dir.join(JUDGE_FILE))
                .and_then(|mut f| writeln!(f, "{line}"));
            if let Err(e) = appended {
                out.send(TrainMessage::Warning(format!(
                    "could not write {}: {e}",
                    dir.join(JUDGE_FILE).display()
                )));
            }
            if best {
                let origin = format!("best by the judge: epoch {epoch}, step {step}");
                let path = dir.join(BEST_WEIGHTS);
                let saved = path
                    .parent()
                    .map_or(Ok(()), std::fs::create_dir_all)
                    .map_err(|e| e.to_string())
                    .and_then(|()| {
                        save_weights(&path, &weights, &origin).map_err(|e| e.to_string())
                    });
                if let Err(e) = saved {
                    out.send(TrainMessage::Warning(format!(
                        "could not keep the best generator: {e}"
                    )));
                }
            }
        }
        out.send(TrainMessage::Judged {
            epoch,
            step,
            quality: Box::new(quality),
            reference: Box::new(self.judge.reference().clone()),
            best,
        });
    }
}

fn end_epoch(trainer: &dyn TrainingRun, out: &Outbox) {
    let epoch = trainer.epoch().saturating_sub(1);
    let step = trainer.steps_done();
    match trainer.validation() {
        Ok(validation) => out.send(TrainMessage::Epoch {
            epoch,
            step,
            validation,
        }),
        Err(e) => out.send(TrainMessage::Warning(format!(
            "validation after epoch {epoch} failed: {e}"
        ))),
    }
    match trainer.epoch_sample(epoch) {
        Ok(sample) => out.send(TrainMessage::Sample {
            epoch,
            step,
            primer: sample.primer,
            tokens: sample.tokens,
            piece: sample.piece,
        }),
        Err(e) => out.send(TrainMessage::Warning(format!(
            "the sample after epoch {epoch} failed: {e}"
        ))),
    }
}

fn save(
    trainer: &dyn TrainingRun,
    out: &Outbox,
    options: &WorkerOptions,
) -> Result<(), TrainError> {
    if let Some(dir) = &options.run_dir {
        let path = trainer.save(dir)?;
        out.send(TrainMessage::CheckpointSaved {
            step: trainer.steps_done(),
            path,
        });
        publish_weights(trainer, out);
    }
    Ok(())
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    /// The calling thread's nice value.
    #[allow(unsafe_code)]
    fn this_thread_nice() -> i32 {
        // SAFETY: plain integer calls about this thread.
        unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) }
    }

    #[test]
    fn a_background_worker_thread_runs_at_a_lower_priority() {
        let nice = std::thread::spawn(|| {
            super::lower_thread_priority();
            this_thread_nice()
        })
        .join()
        .unwrap_or(0);
        // The main thread keeps its own priority: the nice value is per thread.
        let main = this_thread_nice();
        // (Where the tests themselves run niced above 5, the call may not raise it back.)
        assert!(nice >= 5.max(main), "main {main}, worker {nice}");
        if main < 5 {
            assert!(main < nice, "main {main}, worker {nice}");
        }
    }

    #[test]
    fn every_thread_of_a_background_training_pool_runs_at_the_lower_priority() {
        let main = this_thread_nice();
        let pool = super::training_pool(true).expect("a thread pool");
        let nices = pool.broadcast(|_| this_thread_nice());
        assert!(!nices.is_empty());
        assert!(
            nices.iter().all(|&n| n >= 5.max(main)),
            "main {main}, pool {nices:?}"
        );
        // A foreground pool (the command line) keeps the caller's priority.
        let pool = super::training_pool(false).expect("a thread pool");
        let nices = pool.broadcast(|_| this_thread_nice());
        assert!(
            nices.iter().all(|&n| n == main),
            "main {main}, pool {nices:?}"
        );
    }
}
