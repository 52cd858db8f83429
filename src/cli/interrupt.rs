//! Ctrl+C (SIGINT) and SIGTERM for the headless commands.
//!
//! [`install`] (done once by [`super::main`] for every subcommand) makes a signal remove the
//! temporary files and folders that exist at that moment ([`crate::fsutil`] tracks them) and
//! exit at once with the conventional status, 128 + the signal's number: 130 for SIGINT, 143
//! for SIGTERM. A command with work worth keeping (`train`) calls
//! [`Interrupts::keep_work`] once that work exists: the first signal then only runs its
//! reaction (ask the training to stop after the current step and save a checkpoint), and the
//! command ends normally, exiting with [`Interrupt::exit_code`]; a second signal still exits
//! at once.
//!
//! Signals are received on a thread of their own, so every reaction runs as ordinary code,
//! never inside a signal handler.

use std::process::ExitCode;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use crate::fsutil::remove_tracked_temporaries_then;

/// A termination signal that was received.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interrupt {
    signal: i32,
}

impl Interrupt {
    /// SIGINT's number (Ctrl+C in a terminal).
    pub const SIGINT: i32 = 2;
    /// SIGTERM's number (a plain `kill`).
    pub const SIGTERM: i32 = 15;

    /// The signal's name, e.g. "SIGINT".
    pub fn name(self) -> String {
        match self.signal {
            Self::SIGINT => "SIGINT".to_owned(),
            Self::SIGTERM => "SIGTERM".to_owned(),
            other => format!("signal {other}"),
        }
    }

    /// The conventional exit status after this signal: 128 + its number.
    pub fn status(self) -> u8 {
        u8::try_from(128 + self.signal).unwrap_or(u8::MAX)
    }

    /// [`Interrupt::status`] as the process's exit code.
    pub fn exit_code(self) -> ExitCode {
        ExitCode::from(self.status())
    }
}

/// What the first signal runs while there is work to keep.
type Reaction = Box<dyn FnOnce(Interrupt) + Send>;

/// The signal handling of this process (see the module documentation).
pub struct Interrupts {
    /// The first signal received (0: none yet).
    received: AtomicI32,
    /// The first signal's reaction while work is kept; none: exit at once.
    reaction: Mutex<Option<Reaction>>,
}

static INSTALLED: OnceLock<Arc<Interrupts>> = OnceLock::new();

/// Starts handling SIGINT and SIGTERM for the rest of the process (once; later calls return
/// the same handling). On a platform without these signals nothing changes.
pub fn install() -> Arc<Interrupts> {
    Arc::clone(INSTALLED.get_or_init(|| {
        let interrupts = Arc::new(Interrupts {
            received: AtomicI32::new(0),
            reaction: Mutex::new(None),
        });
        listen(Arc::clone(&interrupts));
        interrupts
    }))
}

/// The handling [`install`] set up, if it was (a library caller such as a test has none).
pub fn installed() -> Option<Arc<Interrupts>> {
    INSTALLED.get().cloned()
}

impl Interrupts {
    /// From now on, the first signal runs `reaction` instead of exiting; the command checks
    /// [`Interrupts::received`] when its work ends. A second signal exits at once.
    pub fn keep_work(&self, reaction: impl FnOnce(Interrupt) + Send + 'static) {
        *self.reaction.lock().unwrap_or_else(PoisonError::into_inner) = Some(Box::new(reaction));
    }

    /// The first signal received, if any.
    pub fn received(&self) -> Option<Interrupt> {
        match self.received.load(Ordering::SeqCst) {
            0 => None,
            signal => Some(Interrupt { signal }),
        }
    }

    /// Handles one received signal: the first runs the reaction if work is kept; otherwise
    /// the temporaries are removed and the process exits.
    fn handle(&self, interrupt: Interrupt) {
        let first = self
            .received
            .compare_exchange(0, interrupt.signal, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok();
        let reaction = if first {
            self.reaction
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take()
        } else {
            None
        };
        match reaction {
            Some(reaction) => reaction(interrupt),
            None => {
                if first {
                    eprintln!("\ninterrupted by {}", interrupt.name());
                } else {
                    eprintln!(
                        "\n{} again: quitting at once without saving",
                        interrupt.name()
                    );
                }
                remove_tracked_temporaries_then(|| std::process::exit(interrupt.status().into()))
            }
        }
    }
}

/// Receives SIGINT and SIGTERM on a thread of its own for the rest of the process.
#[cfg(unix)]
fn listen(interrupts: Arc<Interrupts>) {
    use signal_hook::consts::{SIGINT, SIGTERM};
    use signal_hook::iterator::Signals;
    debug_assert_eq!((SIGINT, SIGTERM), (Interrupt::SIGINT, Interrupt::SIGTERM));
    let Ok(mut signals) = Signals::new([SIGINT, SIGTERM]) else {
        return;
    };
    // (Should the thread not start, the handlers are unregistered with `signals`.)
    let _ = std::thread::Builder::new()
        .name("gan-studio-signals".into())
        .spawn(move || {
            for signal in signals.forever() {
                interrupts.handle(Interrupt { signal });
            }
        });
}

#[cfg(not(unix))]
fn listen(_interrupts: Arc<Interrupts>) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exit_status_is_128_plus_the_signal() {
        let int = Interrupt {
            signal: Interrupt::SIGINT,
        };
        let term = Interrupt {
            signal: Interrupt::SIGTERM,
        };
        assert_eq!((int.status(), term.status()), (130, 143));
        assert_eq!(
            (int.name(), term.name()),
            ("SIGINT".into(), "SIGTERM".into())
        );
    }

    #[test]
    fn the_first_signal_runs_the_reaction_while_work_is_kept() {
        let interrupts = Interrupts {
            received: AtomicI32::new(0),
            reaction: Mutex::new(None),
        };
        assert_eq!(interrupts.received(), None);
        let (tx, rx) = std::sync::mpsc::channel();
        interrupts.keep_work(move |interrupt| tx.send(interrupt).unwrap_or(()));
        let term = Interrupt {
            signal: Interrupt::SIGTERM,
        };
        interrupts.handle(term);
        assert_eq!(rx.try_recv().ok(), Some(term));
        assert_eq!(interrupts.received(), Some(term));
    }
}
