//! `gan-studio train` stopped by a signal, as a user stops it: the real binary gets SIGINT or
//! SIGTERM, saves a checkpoint, says where and how to resume, and the printed command goes on
//! from exactly that step. Also: leftovers of a killed save are cleaned, and a run on a
//! machine without a display session prints no false error.

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod engine_support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use burn::tensor::Device;
use gan_studio::model::crnn::{CrnnDiscriminatorConfig, CrnnGeneratorConfig};
use gan_studio::train::crnn::{CrnnTrainConfig, CrnnTrainer, read_crnn_manifest};
use gan_studio::train::{StepStats, Trainer, read_manifest};

const SIGINT: i32 = 2;
const SIGTERM: i32 = 15;

fn gan_studio(home: &Path) -> Command {
    program(home, Path::new(env!("CARGO_BIN_EXE_gan-studio")))
}

/// `program` with the user's data and cache folders kept out of it.
fn program(home: &Path, program: &Path) -> Command {
    let mut command = Command::new(program);
    command
        .env("GAN_STUDIO_DATA", home.join("data"))
        .env("GAN_STUDIO_CACHE", home.join("cache"));
    command
}

/// A small token-GAN configuration (checkpoints only at the end, or when stopped).
fn small_config(dir: &Path, loss: &str) -> PathBuf {
    let path = dir.join("small.json");
    std::fs::write(
        &path,
        format!(
            r#"{{"loss": "{loss}", "batch_size": 4, "checkpoint_every": 0,
                "generator": {{"embedding": 8, "hidden": 16}},
                "discriminator": {{"channels": 8}}, "sample_tokens": 4}}"#
        ),
    )
    .unwrap();
    path
}

/// A running `gan-studio` whose standard output and error are read line by line on threads.
struct Running {
    child: Child,
    lines: Receiver<(bool, String)>,
    stdout: Vec<String>,
    stderr: Vec<String>,
}

impl Running {
    fn start(mut command: Command) -> Running {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, lines) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        let err = child.stderr.take().unwrap();
        for (is_err, stream) in [
            (false, Box::new(out) as Box<dyn std::io::Read + Send>),
            (true, Box::new(err)),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let _ = tx.send((is_err, line));
                }
            });
        }
        Running {
            child,
            lines,
            stdout: Vec::new(),
            stderr: Vec::new(),
        }
    }

    fn keep(&mut self, (is_err, line): (bool, String)) -> bool {
        let stream = if is_err {
            &mut self.stderr
        } else {
            &mut self.stdout
        };
        stream.push(line);
        is_err
    }

    /// Waits (up to two minutes) for a line of standard output (or error) that contains
    /// `text`.
    fn wait_for_line(&mut self, on_stderr: bool, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            match self.lines.recv_timeout(Duration::from_millis(200)) {
                Ok(line) => {
                    let found = line.1.contains(text);
                    if self.keep(line) == on_stderr && found {
                        return;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        panic!(
            "no line with {text:?}; output so far: {:?} {:?}",
            self.stdout, self.stderr
        );
    }

    fn signal(&self, signal: i32) {
        let pid = libc::pid_t::try_from(self.child.id()).unwrap();
        send_signal(pid, signal);
    }

    /// Waits (up to two minutes) for the process to end; returns its status, standard output
    /// and standard error.
    fn finish(mut self) -> (ExitStatus, String, String) {
        let deadline = Instant::now() + Duration::from_secs(120);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("still running after two minutes: {:?}", self.stdout);
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(10)) {
            self.keep(line);
        }
        (status, self.stdout.join("\n"), self.stderr.join("\n"))
    }
}

#[allow(unsafe_code)]
fn send_signal(pid: libc::pid_t, signal: i32) {
    // SAFETY: `kill` takes plain integers and touches no memory of ours.
    let sent = unsafe { libc::kill(pid, signal) };
    assert_eq!(sent, 0, "kill({pid}, {signal}) failed");
}

/// The steps logged in a run folder's `stats.jsonl` (none when there is no log).
fn logged_steps(run: &Path) -> Vec<u64> {
    std::fs::read_to_string(run.join("stats.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<StepStats>(l).ok())
        .map(|s| s.step)
        .collect()
}

/// Waits (up to two minutes) until the run has logged at least `steps` steps.
fn wait_for_steps(run: &Path, steps: usize) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while logged_steps(run).len() < steps {
        assert!(Instant::now() < deadline, "fewer than {steps} steps logged");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The step and the command of a stopped run's last lines ("stopped by SIG at step N: ..."
/// and "resume with: COMMAND").
fn stopped_at(stdout: &str, signal: &str) -> (u64, Vec<String>) {
    let prefix = format!("stopped by {signal} at step ");
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {prefix:?} line in {stdout}"));
    let step = line.split(':').next().unwrap().parse().unwrap();
    assert!(line.contains("checkpoint saved in "), "{line}");
    let command = stdout
        .lines()
        .find_map(|l| l.strip_prefix("resume with: "))
        .unwrap_or_else(|| panic!("no resume command in {stdout}"));
    (
        step,
        command.split_whitespace().map(str::to_owned).collect(),
    )
}

/// The printed resume command, runnable with more arguments.
fn resume_command(home: &Path, words: &[String]) -> Command {
    let mut command = program(home, Path::new(&words[0]));
    command.args(&words[1..]);
    command
}

/// No temporary file of an atomic write is left in `dir`.
fn assert_no_temporaries(dir: &Path) {
    let names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names.iter().any(|n| n.ends_with(".tmp")),
        "temporaries left in {}: {names:?}",
        dir.display()
    );
}

/// `gan-studio train ARGS` on the tiny data set with the small configuration of `loss`,
/// into `dir/run` (returned with the command).
fn train_tiny(dir: &Path, loss: &str, args: &[&str]) -> (Command, PathBuf) {
    engine_support::tiny_dataset(dir);
    let run = dir.join("run");
    let mut command = gan_studio(dir);
    command
        .arg("train")
        .args(args)
        .arg("--config")
        .arg(small_config(dir, loss))
        .arg("--dataset")
        .arg(dir.join("tiny.abc"))
        .arg("--out")
        .arg(&run);
    (command, run)
}

#[test]
fn ctrl_c_saves_a_checkpoint_and_the_printed_command_resumes_from_its_step() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["--backend", "cpu", "--mle-steps", "1000000", "--steps", "0"];
    let (command, run) = train_tiny(dir.path(), "bce", &args);
    let training = Running::start(command);
    wait_for_steps(&run, 3);
    // The run saves nothing before its end (checkpoint_every 0): only the signal does.
    assert!(read_manifest(&run).is_err());
    training.signal(SIGINT);
    let (status, stdout, stderr) = training.finish();
    assert_eq!(status.code(), Some(130), "{stdout}\n{stderr}");
    let (step, words) = stopped_at(&stdout, "SIGINT");
    assert!(step >= 3, "{stdout}");
    assert_eq!(read_manifest(&run).unwrap().step, step);
    assert_eq!(logged_steps(&run).len() as u64, step);
    assert!(stderr.contains("SIGINT received: stopping"), "{stderr}");
    assert_no_temporaries(&run);

    // The printed command, asked for 3 more steps, starts right after the printed step.
    assert_eq!(&words[1..3], ["train", "--resume"]);
    let output = resume_command(dir.path(), &words)
        .args(["--mle-steps", &(step + 3).to_string()])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", engine_support::text(&output));
    assert!(
        engine_support::text(&output).contains(&format!("at step {step}")),
        "{}",
        engine_support::text(&output)
    );
    assert_eq!(read_manifest(&run).unwrap().step, step + 3);
    let expected: Vec<u64> = (1..=step + 3).collect();
    assert_eq!(logged_steps(&run), expected);
}

/// SIGTERM (a plain `kill`) on a C-RNN-GAN run: status 143, a checkpoint at the printed step,
/// and the printed command resumes it there (stopped again by SIGTERM: the step log runs on
/// without a gap or a repeat).
#[test]
fn sigterm_saves_a_crnn_checkpoint_and_the_run_resumes_from_its_step() {
    let dir = tempfile::tempdir().unwrap();
    engine_support::tiny_dataset(dir.path());
    let run = dir.path().join("run");
    let mut command = gan_studio(dir.path());
    command
        .args([
            "train",
            "--variant",
            "crnn",
            "--backend",
            "cpu",
            "--batch",
            "4",
        ])
        .arg("--dataset")
        .arg(dir.path().join("tiny.abc"))
        .arg("--out")
        .arg(&run);
    let mut training = Running::start(command);
    training.wait_for_line(false, "C-RNN-GAN on");
    std::thread::sleep(Duration::from_secs(3));
    training.signal(SIGTERM);
    let (status, stdout, stderr) = training.finish();
    assert_eq!(status.code(), Some(143), "{stdout}\n{stderr}");
    let (step, words) = stopped_at(&stdout, "SIGTERM");
    assert!(step > 0, "{stdout}");
    assert_eq!(read_crnn_manifest(&run).unwrap().step, step);
    assert!(words.contains(&"--dataset".to_owned()), "{words:?}");
    assert_no_temporaries(&run);

    let mut resumed = Running::start(resume_command(dir.path(), &words));
    resumed.wait_for_line(false, &format!("at step {step}"));
    resumed.wait_for_line(false, "C-RNN-GAN on");
    std::thread::sleep(Duration::from_secs(3));
    resumed.signal(SIGTERM);
    let (status, stdout, stderr) = resumed.finish();
    assert_eq!(status.code(), Some(143), "{stdout}\n{stderr}");
    let (later, _) = stopped_at(&stdout, "SIGTERM");
    assert!(later > step, "{stdout}");
    assert_eq!(read_crnn_manifest(&run).unwrap().step, later);
    let expected: Vec<u64> = (1..=later).collect();
    assert_eq!(logged_steps_crnn(&run), expected);
}

fn logged_steps_crnn(run: &Path) -> Vec<u64> {
    std::fs::read_to_string(run.join("stats.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<gan_studio::train::crnn::CrnnStepStats>(l).unwrap())
        .map(|s| s.step)
        .collect()
}

/// A second Ctrl+C while the run finishes its step (a slow one: 50 critic updates) quits at
/// once, without saving and without leaving temporary files.
#[test]
fn a_second_ctrl_c_quits_at_once_and_leaves_no_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["--backend", "cpu", "--mle-steps", "0", "--steps", "1000000"];
    let (mut command, run) = train_tiny(dir.path(), "wgan-gp", &args);
    command.args(["--d-steps", "50"]);
    let mut training = Running::start(command);
    wait_for_steps(&run, 1);
    training.signal(SIGINT);
    training.wait_for_line(true, "SIGINT received: stopping");
    training.signal(SIGINT);
    let (status, stdout, stderr) = training.finish();
    assert_eq!(status.code(), Some(130), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("SIGINT again: quitting at once"),
        "{stderr}"
    );
    assert!(!stdout.contains("stopped by"), "{stdout}");
    assert_no_temporaries(&run);
}

/// Commands with nothing to keep end at once on a signal, with its status, and remove their
/// temporary folder (here `bench import`'s corpus).
#[test]
fn other_commands_end_at_once_with_the_signal_status_and_no_temporary_folder() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = gan_studio(dir.path());
    // The import benchmark writes a large corpus first: long enough to be interrupted.
    command.args(["bench", "import", "--files", "20000", "--no-mido"]);
    let bench = Running::start(command);
    let pid = bench.child.id();
    let work = std::env::temp_dir().join(format!("gan-studio-bench-import-{pid}"));
    let deadline = Instant::now() + Duration::from_secs(60);
    while !work.exists() {
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            work.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    bench.signal(SIGTERM);
    let (status, stdout, stderr) = bench.finish();
    assert_eq!(status.code(), Some(143), "{stdout}\n{stderr}");
    assert!(!work.exists(), "{} was left behind", work.display());
}

/// A save killed outright leaves complete `.bpk` files its manifest does not name and
/// temporaries of interrupted atomic writes; resuming removes them (and so does the next
/// save), for both trainers, and nothing else in the folder.
#[test]
fn leftovers_of_a_killed_save_are_removed_on_resume() {
    let dir = tempfile::tempdir().unwrap();
    let dataset = engine_support::tiny_dataset(dir.path());
    let device = Device::flex();
    let run = dir.path().join("run");
    let mut trainer =
        Trainer::new(engine_support::small_config(2, 0), dataset.clone(), &device).unwrap();
    trainer.train_step().unwrap();
    trainer.save(&run).unwrap();
    let leftovers = [
        "generator-00000002.bpk",
        "discriminator-adam-00000002.bpk",
        ".generator-00000002.bpk.99999.tmp",
        ".checkpoint.json.99999.tmp",
        ".stats.jsonl.99999.tmp",
    ];
    let kept = ["notes.txt", ".notes.txt.99999.tmp", "generator-notes.txt"];
    plant(&run, &leftovers, &kept);
    let resumed = Trainer::resume(&run, dataset.clone(), &device).unwrap();
    assert_eq!(resumed.step(), 1);
    assert_only_kept(&run, &leftovers, &kept);
    plant(&run, &leftovers, &[]);
    resumed.save(&run).unwrap();
    assert_only_kept(&run, &leftovers, &kept);

    let crnn = dir.path().join("crnn");
    let config = CrnnTrainConfig::new(
        CrnnGeneratorConfig::new().with_hidden(8),
        CrnnDiscriminatorConfig::new().with_hidden(8),
    )
    .with_events(8)
    .with_stride(4)
    .with_batch_size(4);
    let mut trainer = CrnnTrainer::new(config, &dataset, 1, &device).unwrap();
    trainer.step().unwrap();
    trainer.save(&crnn).unwrap();
    let leftovers = [
        "crnn-generator-00000002.bpk",
        ".crnn-discriminator-00000002.bpk.99999.tmp",
        ".crnn-checkpoint.json.99999.tmp",
    ];
    plant(&crnn, &leftovers, &kept);
    let resumed = CrnnTrainer::load(&crnn, &dataset, &device).unwrap();
    assert_eq!(resumed.steps_done(), 1);
    assert_only_kept(&crnn, &leftovers, &kept);
    plant(&crnn, &leftovers, &[]);
    resumed.save(&crnn).unwrap();
    assert_only_kept(&crnn, &leftovers, &kept);
}

fn plant(dir: &Path, leftovers: &[&str], kept: &[&str]) {
    for name in leftovers.iter().chain(kept) {
        std::fs::write(dir.join(name), b"partial").unwrap();
    }
}

fn assert_only_kept(dir: &Path, leftovers: &[&str], kept: &[&str]) {
    for name in leftovers {
        assert!(!dir.join(name).exists(), "{name} was not removed");
    }
    for name in kept {
        assert!(dir.join(name).exists(), "{name} was removed");
    }
}

/// A run with no display session (no `XDG_RUNTIME_DIR`, `DISPLAY` or `WAYLAND_DISPLAY`: cron,
/// a container, ssh) prints no line starting with "error", and the `auto` backend says in one
/// line what it picked and why.
#[test]
fn a_headless_run_prints_no_false_error_and_says_which_backend_auto_picked() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["--backend", "auto", "--mle-steps", "1", "--steps", "0"];
    let (mut command, _) = train_tiny(dir.path(), "bce", &args);
    let output = command
        .env_remove("XDG_RUNTIME_DIR")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", engine_support::text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.trim_start().to_lowercase().starts_with("error"))
        .collect();
    assert!(errors.is_empty(), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let picked: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("backend auto picked "))
        .collect();
    assert_eq!(picked.len(), 1, "{stdout}");
    // "picked <backend>: <why>"
    let why = picked[0].split_once(": ").map(|(_, why)| why.trim());
    assert!(why.is_some_and(|w| !w.is_empty()), "{stdout}");
}
