//! The Evaluate panel's temperature sweep: the models chosen write tunes from nothing at
//! several temperatures, judged against the held-out tunes of the data set
//! ([`crate::quality::sweep`], the function `gan-studio eval --sweep` runs), on a background
//! job with progress and Cancel; [`super::sweep_view`] draws the curves.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::data::Dataset;
use crate::generate::TokenModel;
use crate::quality::sweep::{Curve, SweepOptions, TuneWriter, curves, real_diversity, sweep};
use crate::quality::{HeldOut, Judge, LikeOptions};
use crate::ui::job::{Job, Poll};
use crate::ui::panel::ModelKind;

/// The fewest held-out tunes the judge needs.
const MIN_HELD_OUT: usize = 10;

/// What a sweep measures.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepPlan {
    /// Tunes per model, temperature and seed, and their longest length in bars.
    pub like: LikeOptions,
    /// Temperatures and seeds.
    pub options: SweepOptions,
}

impl Default for SweepPlan {
    fn default() -> Self {
        SweepPlan {
            like: LikeOptions {
                tunes: 96,
                bars: 8,
                ..LikeOptions::default()
            },
            options: SweepOptions::default(),
        }
    }
}

/// A finished (or cancelled) sweep.
#[derive(Clone, Debug)]
pub struct SweepResult {
    /// One curve per model.
    pub curves: Vec<Curve>,
    /// The held-out tunes' own diversity (as many tunes as each model wrote).
    pub real_diversity: Option<f64>,
    /// Held-out tunes judged against.
    pub held_out: usize,
    /// What was measured.
    pub plan: SweepPlan,
    /// Whether the user stopped it before the end (the curves hold what was measured).
    pub cancelled: bool,
}

/// A sweep running on its job.
struct Running {
    job: Job<Result<SweepResult, String>>,
    /// Points measured so far.
    done: Arc<AtomicUsize>,
    /// Points in all.
    total: usize,
    cancel: Arc<AtomicBool>,
}

/// The sweep's settings, its job and its result.
#[derive(Default)]
pub(super) struct SweepState {
    /// Models the user left out of the comparison.
    pub(super) left_out: Vec<ModelKind>,
    /// The next sweep's plan (tunes and seeds are set in the panel).
    pub(super) plan: SweepPlan,
    running: Option<Running>,
    pub(super) result: Option<SweepResult>,
}

impl SweepState {
    /// Starts a sweep of `models` against the held-out tunes `held` returns (called on the
    /// job's thread: reading a large data set takes a while). A running sweep is cancelled
    /// and replaced.
    pub(super) fn start(
        &mut self,
        ctx: &egui::Context,
        held: impl FnOnce() -> Result<HeldOut, String> + Send + 'static,
        models: Vec<(String, Arc<TokenModel>)>,
        plan: SweepPlan,
    ) {
        self.cancel();
        let done = Arc::new(AtomicUsize::new(0));
        let cancel = Arc::new(AtomicBool::new(false));
        let total = models.len() * plan.options.temperatures.len() * plan.options.seeds.len();
        let (job_done, job_cancel) = (Arc::clone(&done), Arc::clone(&cancel));
        let repaint = ctx.clone();
        let job = Job::spawn(ctx, "evaluate-sweep", move || {
            let held = held()?;
            if held.real.len() < MIN_HELD_OUT {
                return Err(format!(
                    "the data set has only {} held-out tunes in known metres; the judge needs \
                     at least {MIN_HELD_OUT}",
                    held.real.len()
                ));
            }
            let held_out = held.real.len();
            let judge = Judge::new(held, plan.like.clone());
            let writers: Vec<(String, &dyn TuneWriter)> = models
                .iter()
                .map(|(name, model)| (name.clone(), model.as_ref() as &dyn TuneWriter))
                .collect();
            let points = sweep(&judge, &writers, &plan.options, |_| {
                job_done.fetch_add(1, Ordering::Relaxed);
                repaint.request_repaint();
                if job_cancel.load(Ordering::Relaxed) {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })
            .map_err(|e| e.to_string())?;
            Ok(SweepResult {
                curves: curves(&points),
                real_diversity: real_diversity(&judge),
                held_out,
                cancelled: job_cancel.load(Ordering::Relaxed),
                plan,
            })
        });
        self.running = Some(Running {
            job,
            done,
            total,
            cancel,
        });
    }

    /// Starts a sweep against the held-out tunes of `dataset`.
    pub(super) fn start_on_dataset(
        &mut self,
        ctx: &egui::Context,
        dataset: Arc<Dataset>,
        models: Vec<(String, Arc<TokenModel>)>,
        plan: SweepPlan,
    ) {
        let bars = plan.like.bars;
        self.start(
            ctx,
            move || Ok(HeldOut::from_dataset(&dataset, bars)),
            models,
            plan,
        );
    }

    /// Asks a running sweep to stop after the point under way (it keeps what it measured).
    pub(super) fn cancel(&mut self) {
        if let Some(running) = &self.running {
            running.cancel.store(true, Ordering::Relaxed);
        }
    }

    /// Whether a sweep is running.
    pub(super) fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// (points measured, points in all) of the running sweep.
    pub(super) fn progress(&self) -> Option<(usize, usize)> {
        self.running
            .as_ref()
            .map(|r| (r.done.load(Ordering::Relaxed), r.total))
    }

    /// Takes the result when the job is done; the error to tell when it failed.
    pub(super) fn poll(&mut self) -> Option<String> {
        let running = self.running.as_mut()?;
        let outcome = match running.job.poll() {
            Poll::Pending => return None,
            Poll::Done(outcome) => outcome,
            Poll::Lost => Err("the sweep stopped unexpectedly".to_owned()),
        };
        self.running = None;
        match outcome {
            Ok(result) => {
                self.result = Some(result);
                None
            }
            Err(e) => Some(format!("the temperature sweep failed: {e}")),
        }
    }
}
