//! The studio's UI-thread rule (see "RULE" in `src/ui/mod.rs`): no file-system call in
//! `src/ui` outside the modules whose functions run on background jobs or at exit.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

/// The modules allowed to name the file system, relative to `src/ui`, and why.
const ALLOWED: [(&str, &str); 3] = [
    (
        "app/disk.rs",
        "the session's file work: every function runs on a job or at exit",
    ),
    (
        "files.rs",
        "reading music files and telling why a write failed: called only from jobs \
         (app/disk.rs and the WAV export's job in sound/export.rs)",
    ),
    (
        "frames.rs",
        "the --bench-frames recorder: /proc memory figures, its report at exit",
    ),
];

/// What a file-system call looks like in the source.
const PATTERNS: [&str; 4] = ["std::fs", "fs::", "File::", "OpenOptions"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The lines of `text` that call the file system, outside comments and the test module at
/// the end of the file (`#[cfg(test)]` and after), with their numbers.
fn offending_lines(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        .take_while(|(_, line)| !line.trim_start().starts_with("#[cfg(test)]"))
        .filter(|(_, line)| {
            let code = line.split("//").next().unwrap_or("");
            PATTERNS.iter().any(|p| code.contains(p))
        })
        .map(|(i, line)| (i + 1, line.trim().to_owned()))
        .collect()
}

#[test]
fn no_file_system_call_in_src_ui_outside_the_job_modules() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(files.len() > 20, "src/ui has its modules: {files:?}");
    let mut broken = Vec::new();
    for file in &files {
        let relative = file
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if ALLOWED.iter().any(|(allowed, _)| *allowed == relative) {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        for (line, code) in offending_lines(&text) {
            broken.push(format!("src/ui/{relative}:{line}: {code}"));
        }
    }
    assert!(
        broken.is_empty(),
        "file-system calls in src/ui outside a job module (move them onto a job::Job; see \
         RULE in src/ui/mod.rs):\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_check_finds_a_call_and_skips_comments_and_tests() {
    let text = "fn a() {\n    let t = std::fs::read(\"x\");\n}\n// fs::remove_file in a comment\n\
                fn b() { let f = File::create(p); }\n#[cfg(test)]\nmod tests { fs::write(); }\n";
    let lines: Vec<usize> = offending_lines(text).into_iter().map(|(n, _)| n).collect();
    assert_eq!(lines, vec![2, 5]);
    // The allowed modules exist (a rename must update the list).
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui");
    for (allowed, why) in ALLOWED {
        assert!(root.join(allowed).is_file(), "{allowed} ({why}) is missing");
    }
}
