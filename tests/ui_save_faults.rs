//! Saving the project when the disk says no: a read-only folder, a project file deleted
//! behind the studio's back, a folder that is gone. Each time the person is told once, in
//! words that name the problem and the file, and the file that was there stays whole.
//! (A full disk is the same path through `fsutil::write_atomic`; its words are checked in
//! `ui::files`' unit tests and the untouched old file in `fsutil`'s.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use gan_studio::edit::{Document, PartRole};
use gan_studio::ui::{DialogChoice, LaunchOptions, Level, StudioApp, set_dialog_choice};

mod ui_support;
use ui_support::{quarter_notes, step_while};

/// A folder with a saved one-note project and a three-note MIDI file to import.
struct Setup {
    dir: tempfile::TempDir,
    project: PathBuf,
    tune: PathBuf,
    _source: tempfile::TempDir,
    _data: tempfile::TempDir,
    data_dir: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("song.gsproj");
    let doc = Document::from_piece(&quarter_notes(&[60]), PartRole::Seed);
    gan_studio::edit::project::save_project(&project, &doc).unwrap();
    let source = tempfile::tempdir().unwrap();
    let tune = source.path().join("tune.mid");
    gan_studio::midi::write_file(&tune, &quarter_notes(&[62, 64, 65])).unwrap();
    let data = tempfile::tempdir().unwrap();
    Setup {
        project,
        tune,
        data_dir: data.path().to_path_buf(),
        dir,
        _source: source,
        _data: data,
    }
}

/// The studio with the project open and the tune imported into it (an unsaved change).
fn studio(setup: &Setup) -> Harness<'static, StudioApp> {
    set_dialog_choice(DialogChoice::Builtin);
    let options = LaunchOptions {
        files: vec![setup.project.clone(), setup.tune.clone()],
        data_dir: Some(setup.data_dir.clone()),
        ..LaunchOptions::default()
    };
    let mut harness = Harness::builder()
        .with_size([1280.0, 800.0])
        .build_eframe(move |cc| StudioApp::new(cc, options));
    step_while(&mut harness, "data set load and opening", |app| {
        app.dataset_panel().is_busy() || app.document().parts().len() < 2
    });
    assert!(harness.state().has_unsaved_changes());
    harness
}

fn note_count(path: &Path) -> usize {
    let doc = gan_studio::edit::project::load_project(path).unwrap();
    doc.parts().iter().map(|p| p.notes().len()).sum()
}

fn toasts(app: &StudioApp, level: Level) -> Vec<String> {
    app.notifications()
        .texts()
        .filter(|(l, _)| *l == level)
        .map(|(_, t)| t.to_string())
        .collect()
}

/// Presses Ctrl+S and steps until a toast of `level` appears (saves may run on a job).
fn save_and_wait(harness: &mut Harness<'static, StudioApp>, level: Level) -> String {
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::S);
    let start = Instant::now();
    loop {
        harness.step();
        if let Some(t) = toasts(harness.state(), level).into_iter().next() {
            harness.run_steps(2);
            return t;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no {level:?} toast; toasts: {:?}",
            harness.state().notifications().texts().collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Every file in `dir`, by name.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[cfg(unix)]
#[test]
fn a_read_only_folder_is_named_and_the_saved_project_stays_whole() {
    use std::os::unix::fs::PermissionsExt;
    let setup = setup();
    let old = std::fs::read(&setup.project).unwrap();
    let mut harness = studio(&setup);
    let dir = setup.dir.path();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    // Root (CI here) writes into read-only folders all the same: then the write is refused
    // another way, by a folder where the temporary file would go.
    let probe = dir.join("probe");
    let root = std::fs::write(&probe, b"x").is_ok();
    let blocker = dir.join(format!(".song.gsproj.{}.tmp", std::process::id()));
    if root {
        std::fs::remove_file(&probe).unwrap();
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::create_dir(&blocker).unwrap();
        println!(
            "notice: running as root, so a read-only folder does not stop writes here; the \
             write is refused by a folder in the temporary file's place instead"
        );
    }

    let error = save_and_wait(&mut harness, Level::Error);
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(error.starts_with("Saving the project failed"), "{error}");
    assert!(error.contains(setup.project.to_str().unwrap()), "{error}");
    assert!(
        error.contains("The file that was there is unchanged"),
        "{error}"
    );
    if !root {
        assert!(error.contains("read-only"), "{error}");
    }
    assert_eq!(toasts(harness.state(), Level::Error).len(), 1, "told once");
    assert_eq!(std::fs::read(&setup.project).unwrap(), old);
    assert_eq!(note_count(&setup.project), 1);
    assert!(harness.state().has_unsaved_changes());
    if root {
        std::fs::remove_dir(&blocker).unwrap();
    }
    assert_eq!(names(dir), ["song.gsproj"], "no temporary left behind");

    // Once the folder can be written again, the same Ctrl+S saves everything.
    assert_ctrl_s_saves_all(&mut harness, &setup);
}

/// Ctrl+S saves the project and the imported part, says where, and reports no error.
fn assert_ctrl_s_saves_all(harness: &mut Harness<'static, StudioApp>, setup: &Setup) {
    let saved = save_and_wait(harness, Level::Info);
    assert!(saved.contains(setup.project.to_str().unwrap()), "{saved}");
    assert!(toasts(harness.state(), Level::Error).len() <= 1);
    assert_eq!(note_count(&setup.project), 4);
    assert!(!harness.state().has_unsaved_changes());
}

#[test]
fn a_project_file_deleted_behind_the_studio_is_written_again() {
    let setup = setup();
    let mut harness = studio(&setup);
    std::fs::remove_file(&setup.project).unwrap();
    assert_ctrl_s_saves_all(&mut harness, &setup);
    assert!(toasts(harness.state(), Level::Error).is_empty());
}

#[test]
fn a_folder_deleted_behind_the_studio_is_named_and_the_work_stays_unsaved() {
    let setup = setup();
    let mut harness = studio(&setup);
    std::fs::remove_dir_all(setup.dir.path()).unwrap();
    let error = save_and_wait(&mut harness, Level::Error);
    assert!(
        error.starts_with("Saving the project failed: the folder no longer exists."),
        "{error}"
    );
    assert!(error.contains(setup.project.to_str().unwrap()), "{error}");
    assert!(harness.state().has_unsaved_changes());
    assert_eq!(harness.state().document().parts().len(), 2);
}
