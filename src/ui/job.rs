//! Background jobs for the UI thread: run a closure on its own thread, poll for its result
//! each frame, and get a repaint when it is done. The UI never waits on one.

use std::sync::mpsc::{self, Receiver, TryRecvError};

/// A job running on its own thread whose single result the UI polls.
pub struct Job<T> {
    receiver: Receiver<T>,
}

/// What polling a job found.
pub enum Poll<T> {
    /// Still running.
    Pending,
    /// Finished with this result.
    Done(T),
    /// The job's thread ended without a result (it panicked, or could not start).
    Lost,
}

impl<T: Send + 'static> Job<T> {
    /// Starts `work` on a new named thread, at a lower scheduling priority than the window's
    /// (so that a busy job never starves the frames of a core); `ctx` is asked to repaint
    /// when it finishes.
    pub fn spawn(
        ctx: &egui::Context,
        name: &str,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Self {
        let (sender, receiver) = mpsc::channel();
        let ctx = ctx.clone();
        // If the thread cannot start, the sender is dropped and `poll` reports `Lost`.
        let _ = std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || {
                crate::train::worker::lower_thread_priority();
                let result = work();
                let _ = sender.send(result);
                ctx.request_repaint();
            });
        Job { receiver }
    }

    /// Whether the job has a result or has been lost, without taking it.
    pub fn poll(&mut self) -> Poll<T> {
        match self.receiver.try_recv() {
            Ok(result) => Poll::Done(result),
            Err(TryRecvError::Empty) => Poll::Pending,
            Err(TryRecvError::Disconnected) => Poll::Lost,
        }
    }
}
