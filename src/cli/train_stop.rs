//! How `gan-studio train` ends on SIGINT or SIGTERM: the first signal asks the run to stop
//! after its current step and save a checkpoint through the usual save path; the command then
//! prints where the checkpoint is and the exact command that resumes it, and exits with the
//! signal's conventional status (see [`super::interrupt`]).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::interrupt::{Interrupt, installed};
use crate::train::backend::BackendChoice;

/// Makes the first signal run `stop` (which asks the run to stop and save), after telling
/// the user what happens. Nothing is done where signals are not handled (a library caller).
pub(super) fn stop_on_signal(stop: impl FnOnce() + Send + 'static) {
    if let Some(interrupts) = installed() {
        interrupts.keep_work(move |interrupt| {
            eprintln!(
                "\n{} received: stopping after the current step to save a checkpoint \
                 (a second Ctrl+C or SIGTERM quits at once without saving)",
                interrupt.name()
            );
            stop();
        });
    }
}

/// The signal that stopped the run, if one did.
pub(super) fn stopped_by() -> Option<Interrupt> {
    installed().and_then(|interrupts| interrupts.received())
}

/// What a stopped run tells the user.
pub(super) struct Stopped<'a> {
    /// The signal.
    pub interrupt: Interrupt,
    /// Steps done (the checkpoint's step).
    pub step: u64,
    /// The checkpoint's manifest.
    pub checkpoint: &'a Path,
    /// The command that resumes the run.
    pub resume: String,
}

impl Stopped<'_> {
    /// Prints where the checkpoint is and how to resume; returns the exit code.
    pub fn report(&self, out: &mut impl Write) -> anyhow::Result<ExitCode> {
        writeln!(
            out,
            "stopped by {} at step {}: checkpoint saved in {}",
            self.interrupt.name(),
            self.step,
            absolute(self.checkpoint).display()
        )?;
        writeln!(out, "resume with: {}", self.resume)?;
        Ok(self.interrupt.exit_code())
    }
}

/// The command line that resumes the run in `run_dir` as this process ran it: the same
/// program, backend (when one was named) and, where the run folder does not record its data
/// (C-RNN-GAN), the same `--dataset`. Paths are made absolute; words are quoted for a POSIX
/// shell where needed.
pub(super) fn resume_command(
    run_dir: &Path,
    backend: BackendChoice,
    dataset: Option<&Path>,
) -> String {
    let program = std::env::args_os().next().map_or_else(
        || "gan-studio".to_owned(),
        |p| p.to_string_lossy().into_owned(),
    );
    let mut words = vec![
        program,
        "train".to_owned(),
        "--resume".to_owned(),
        absolute(run_dir).to_string_lossy().into_owned(),
    ];
    if backend != BackendChoice::Auto {
        words.extend(["--backend".to_owned(), backend.name().to_owned()]);
    }
    if let Some(path) = dataset {
        words.extend([
            "--dataset".to_owned(),
            absolute(path).to_string_lossy().into_owned(),
        ]);
    }
    words
        .iter()
        .map(|w| shell_word(w))
        .collect::<Vec<_>>()
        .join(" ")
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// `word` as one word of a POSIX shell command line: as it is when it holds only safe
/// characters, else in single quotes.
fn shell_word(word: &str) -> String {
    let safe = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./:=@%+,".contains(c));
    if safe {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_quoted_only_where_a_shell_needs_it() {
        assert_eq!(shell_word("/tmp/run-1"), "/tmp/run-1");
        assert_eq!(shell_word("my runs/a"), "'my runs/a'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word(""), "''");
    }

    #[test]
    fn the_resume_command_names_the_folder_the_backend_and_the_data() {
        let command = resume_command(
            Path::new("/data/my run"),
            BackendChoice::Cpu,
            Some(Path::new("/data/tunes.abc")),
        );
        assert!(
            command.ends_with(
                " train --resume '/data/my run' --backend cpu --dataset /data/tunes.abc"
            ),
            "{command}"
        );
        let command = resume_command(Path::new("/r"), BackendChoice::Auto, None);
        assert!(command.ends_with(" train --resume /r"), "{command}");
    }
}
