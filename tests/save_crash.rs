//! A studio killed in the middle of saving its project (SIGKILL: no clean-up, as in a crash or
//! a power cut) leaves the project file as it was before that save, or as that save wrote it,
//! never half-written: saves write a temporary file, flush it and rename it over the project.
//!
//! The test runs a child process (this same test binary, running the ignored test
//! `child_saves_a_big_project_in_a_loop`) that saves a big project again and again, kills it
//! while a temporary file is being written, and opens the project.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use gan_studio::edit::project::{load_project, save_project};
use gan_studio::edit::{Document, PartRole};
use gan_studio::music::{Note, Piece, Pitch, Velocity};

/// Tells the child test where to save; without it the child test does nothing.
const CHILD_ENV: &str = "GAN_STUDIO_TEST_SAVE_LOOP";
/// Notes of the project the parent saves first; the child saves one or two more.
const NOTES: usize = 120_000;

fn document(notes: usize) -> Document {
    let notes = (0..notes)
        .map(|i| {
            Note::new(
                Pitch::new(48 + (i % 36) as u8).unwrap(),
                i as u64 * 120,
                120,
                Velocity::DEFAULT,
            )
            .unwrap()
        })
        .collect();
    Document::from_piece(
        &Piece::from_notes(480, "big", notes).unwrap(),
        PartRole::Seed,
    )
}

fn note_count(doc: &Document) -> usize {
    doc.parts().iter().map(|p| p.notes().len()).sum()
}

#[test]
#[ignore = "the child process of a_save_killed_midway_leaves_a_whole_project"]
fn child_saves_a_big_project_in_a_loop() {
    let Some(path) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let versions = [document(NOTES + 1), document(NOTES + 2)];
    for doc in versions.iter().cycle() {
        save_project(Path::new(&path), doc).unwrap();
    }
}

/// The temporaries of `write_atomic` for `song.gsproj` in `dir`.
fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".song.gsproj.") && n.ends_with(".tmp"))
        .collect()
}

#[cfg(unix)]
#[test]
fn a_save_killed_midway_leaves_a_whole_project() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("song.gsproj");
    save_project(&path, &document(NOTES)).unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut killed_mid_write = 0;
    for round in 0..12u64 {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "child_saves_a_big_project_in_a_loop",
                "--ignored",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait until the child is writing a temporary, let it write a little, kill it.
        let start = Instant::now();
        while temporaries(dir.path()).is_empty() {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "the child never started a save"
            );
            if let Some(status) = child.try_wait().unwrap() {
                panic!("the child stopped by itself: {status}");
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        std::thread::sleep(Duration::from_millis(round * 3));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();

        // The project opens, whole: the old one or one the child finished.
        let doc = load_project(&path).unwrap_or_else(|e| panic!("round {round}: {e}"));
        let n = note_count(&doc);
        assert!((NOTES..=NOTES + 2).contains(&n), "round {round}: {n} notes");
        let left = temporaries(dir.path());
        if !left.is_empty() {
            killed_mid_write += 1;
            let removed = gan_studio::fsutil::remove_atomic_leftovers(dir.path(), |name| {
                name == "song.gsproj"
            });
            assert_eq!(removed, left.len());
        }
    }
    println!("{killed_mid_write} of 12 kills landed while a temporary was being written");
    assert!(
        killed_mid_write > 0,
        "no kill landed during a save: the test did not test anything"
    );
}
