//! Saving, exporting and opening through the in-window file browser, driven by what a person
//! types and clicks, then the files read back with other readers (the project loader, midly).
//!
//! Where this machine has no desktop session (no D-Bus, no display: CI, a plain X session)
//! the studio runs with its default `auto` dialog choice, so the test also proves that the
//! system dialog's instant "no file" opens the in-window browser instead. Elsewhere it forces
//! the in-window browser, so that no real dialog pops up during the tests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use gan_studio::music::{Note, Piece, Pitch, Velocity};
use gan_studio::ui::{DialogChoice, LaunchOptions, Level, StudioApp, set_dialog_choice};

mod ui_support;
use ui_support::step_while;

/// (pitch, onset in quarters, length in quarters) of the tune the test starts from.
const TUNE: [(u8, u64, u64); 5] = [(60, 0, 1), (64, 1, 1), (67, 2, 2), (72, 4, 1), (71, 5, 3)];
const TPQ: u16 = 480;

fn tune() -> Piece {
    let notes = TUNE
        .iter()
        .map(|&(p, at, len)| {
            Note::new(
                Pitch::new(p).unwrap(),
                at * u64::from(TPQ),
                len * u64::from(TPQ),
                Velocity::DEFAULT,
            )
            .unwrap()
        })
        .collect();
    Piece::from_notes(TPQ, "melody", notes).unwrap()
}

/// (pitch, onset, length) in quarters of every note of the document, in order.
fn document_notes(app: &StudioApp) -> Vec<(u8, f64, f64)> {
    let doc = app.document();
    let tpq = f64::from(doc.to_piece().ticks_per_quarter);
    let mut notes: Vec<(u8, f64, f64)> = doc
        .parts()
        .iter()
        .flat_map(|p| p.notes())
        .map(|n| {
            (
                n.note.pitch.get(),
                n.note.start as f64 / tpq,
                n.note.duration.get() as f64 / tpq,
            )
        })
        .collect();
    notes.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    notes
}

fn expected_notes() -> Vec<(u8, f64, f64)> {
    TUNE.iter()
        .map(|&(p, at, len)| (p, at as f64, len as f64))
        .collect()
}

/// (pitch, onset, length) in quarters of a MIDI file, read with midly (not our reader).
fn midi_notes(path: &Path) -> Vec<(u8, f64, f64)> {
    let bytes = std::fs::read(path).unwrap();
    let smf = midly::Smf::parse(&bytes).unwrap();
    let midly::Timing::Metrical(tpq) = smf.header.timing else {
        panic!("not metrical timing");
    };
    let tpq = f64::from(tpq.as_int());
    let mut notes = Vec::new();
    for track in &smf.tracks {
        let mut now = 0u64;
        let mut open: Vec<(u8, u64)> = Vec::new();
        for event in track {
            now += u64::from(event.delta.as_int());
            if let midly::TrackEventKind::Midi { message, .. } = event.kind {
                match message {
                    midly::MidiMessage::NoteOn { key, vel } if vel.as_int() > 0 => {
                        open.push((key.as_int(), now));
                    }
                    midly::MidiMessage::NoteOn { key, .. }
                    | midly::MidiMessage::NoteOff { key, .. } => {
                        let i = open.iter().position(|(k, _)| *k == key.as_int()).unwrap();
                        let (k, start) = open.remove(i);
                        notes.push((k, start as f64 / tpq, (now - start) as f64 / tpq));
                    }
                    _ => {}
                }
            }
        }
    }
    notes.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    notes
}

fn studio(options: LaunchOptions) -> Harness<'static, StudioApp> {
    Harness::builder()
        .with_size([1280.0, 800.0])
        .build_eframe(move |cc| StudioApp::new(cc, options))
}

/// Steps (letting background threads run) until `found` holds; fails after 20 s.
fn step_until(
    harness: &mut Harness<'static, StudioApp>,
    what: &str,
    found: impl Fn(&Harness<'static, StudioApp>) -> bool,
) {
    let start = Instant::now();
    while !found(harness) {
        assert!(start.elapsed() < Duration::from_secs(20), "{what}");
        std::thread::sleep(Duration::from_millis(10));
        harness.step();
    }
    harness.run_steps(2);
}

/// Waits for the in-window browser, which shows a "Cancel" button.
fn wait_for_browser(harness: &mut Harness<'static, StudioApp>) {
    step_until(harness, "the in-window file browser did not open", |h| {
        h.query_by_label("Cancel").is_some()
    });
}

/// The text field showing `text`.
fn text_field<'h>(
    harness: &'h Harness<'static, StudioApp>,
    text: &'h str,
) -> egui_kittest::Node<'h> {
    harness
        .get_by(move |node| node.role() == Role::TextInput && node.value().as_deref() == Some(text))
}

/// Replaces the text of the text field showing `old` by `new` as a person would: click in,
/// select all, type; `enter` presses Enter after it.
fn retype(harness: &mut Harness<'static, StudioApp>, old: &str, new: &str, enter: bool) {
    text_field(harness, old).focus();
    harness.run_steps(1);
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.run_steps(1);
    text_field(harness, old).type_text(new);
    harness.run_steps(1);
    if enter {
        harness.key_press(egui::Key::Enter);
    }
    harness.run_steps(2);
}

fn assert_no_errors(app: &StudioApp) {
    let errors: Vec<&str> = app
        .notifications()
        .texts()
        .filter(|(level, _)| *level == Level::Error)
        .map(|(_, t)| t)
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}

/// Clicks `item` in the File menu.
fn file_menu(harness: &mut Harness<'static, StudioApp>, item: &str) {
    harness.get_by_label("File").click();
    harness.run_steps(2);
    harness.get_by_label(item).click();
    harness.run_steps(2);
}

fn has_info_containing(app: &StudioApp, text: &str) -> bool {
    app.notifications()
        .texts()
        .any(|(level, t)| level == Level::Info && t.contains(text))
}

fn no_desktop_session() -> bool {
    ["DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .all(|v| std::env::var_os(v).is_none_or(|s| s.is_empty()))
}

#[test]
fn a_project_and_a_midi_export_are_written_through_the_in_window_browser_and_read_back() {
    if no_desktop_session() {
        println!("no desktop session: the system dialog must fail fast and fall back");
        set_dialog_choice(DialogChoice::Auto);
    } else {
        println!("a desktop session is here: forcing the in-window browser");
        set_dialog_choice(DialogChoice::Builtin);
    }
    let source = tempfile::tempdir().unwrap();
    let tune_path = source.path().join("tune.mid");
    gan_studio::midi::write_file(&tune_path, &tune()).unwrap();
    let out = tempfile::tempdir().unwrap();
    let out_dir = out.path().to_path_buf();
    let data = tempfile::tempdir().unwrap();
    let mut harness = studio(LaunchOptions {
        files: vec![tune_path],
        data_dir: Some(data.path().to_path_buf()),
        ..LaunchOptions::default()
    });
    step_while(&mut harness, "data set load", |app| {
        app.dataset_panel().is_busy()
    });
    assert_eq!(document_notes(harness.state()), expected_notes());

    // Ctrl+S on a new project asks where: go to the folder, name the file, Save.
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::S);
    wait_for_browser(&mut harness);
    let cwd = std::env::current_dir().unwrap();
    retype(
        &mut harness,
        cwd.to_str().unwrap(),
        out_dir.to_str().unwrap(),
        true,
    );
    // The name suggested is the imported file's.
    retype(&mut harness, "tune.gsproj", "song", false);
    harness.get_by_label("Save").click();
    let project = out_dir.join("song.gsproj");
    step_until(&mut harness, "the project was not saved", |h| {
        has_info_containing(h.state(), "saved")
    });
    assert_no_errors(harness.state());
    assert!(
        has_info_containing(harness.state(), project.to_str().unwrap()),
        "the toast says where"
    );
    assert!(!harness.state().has_unsaved_changes());
    let reopened = gan_studio::edit::project::load_project(&project).unwrap();
    let notes: usize = reopened.parts().iter().map(|p| p.notes().len()).sum();
    assert_eq!(notes, TUNE.len());

    // File > Export MIDI…: the browser opens in the folder used last; name it, press Enter.
    file_menu(&mut harness, "Export MIDI…");
    wait_for_browser(&mut harness);
    text_field(&harness, out_dir.to_str().unwrap());
    // The export suggests the project's name: keep it and press Enter.
    retype(&mut harness, "song.mid", "song.mid", true);
    let midi = out_dir.join("song.mid");
    step_until(&mut harness, "the MIDI file was not exported", |h| {
        has_info_containing(h.state(), "exported")
    });
    assert_no_errors(harness.state());
    assert_eq!(midi_notes(&midi), expected_notes());

    // A new document, then File > Open… the saved project: the same notes come back.
    file_menu(&mut harness, "New");
    assert!(document_notes(harness.state()).is_empty());
    file_menu(&mut harness, "Open… (project, MIDI, ABC)");
    wait_for_browser(&mut harness);
    // Click the file in the list, then Open.
    harness.get_by_label("🗋 song.gsproj").click();
    harness.run_steps(2);
    harness.get_by_label("Open").click();
    step_until(&mut harness, "the project was not opened", |h| {
        !document_notes(h.state()).is_empty()
    });
    assert_eq!(document_notes(harness.state()), expected_notes());
    assert_no_errors(harness.state());
}
