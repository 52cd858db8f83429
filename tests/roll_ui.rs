//! The piano roll driven headlessly through egui_kittest: pointer clicks and drags on the
//! note grid, the velocity lane, the ruler and the keyboard, and keyboard shortcuts.
//! Positions come from the roll's own layout of the previous frame.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use egui::{Key, Modifiers, Pos2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use gan_studio::edit::{Document, NoteId};
use gan_studio::music::{Note, Pitch, Velocity};
use gan_studio::ui::roll::{PianoRoll, RollOutput, Tool};

/// What the harness hosts: the roll, its document, and every frame's output merged.
struct State {
    roll: PianoRoll,
    doc: Document,
    out: RollOutput,
}

fn harness_with(doc: Document) -> Harness<'static, State> {
    let state = State {
        roll: PianoRoll::default(),
        doc,
        out: RollOutput::default(),
    };
    let mut harness = Harness::builder()
        .with_size([1000.0, 700.0])
        .build_ui_state(
            |ui, s: &mut State| {
                let out = s.roll.ui(ui, &mut s.doc, None);
                s.out.audition.extend(out.audition);
                s.out.toggle_play |= out.toggle_play;
                s.out.seek = out.seek.or(s.out.seek.take());
                if out.loop_changed.is_some() {
                    s.out.loop_changed = out.loop_changed;
                }
                s.out.changed |= out.changed;
                s.out.problems.extend(out.problems);
            },
            state,
        );
    harness.run_steps(2);
    harness
}

fn harness() -> Harness<'static, State> {
    harness_with(Document::new())
}

fn pitch(p: u8) -> Pitch {
    Pitch::new(p).unwrap()
}

/// Where `tick`, `pitch` lies on screen.
fn at(h: &Harness<'static, State>, tick: f64, p: u8) -> Pos2 {
    h.state().roll.screen_pos(tick, pitch(p)).unwrap()
}

/// Press at `from`, move through `path`, release at the last point (one frame each).
fn drag(h: &mut Harness<'static, State>, from: Pos2, path: &[Pos2]) {
    h.hover_at(from);
    h.drag_at(from);
    h.step();
    for &p in path {
        h.hover_at(p);
        h.step();
    }
    let end = path.last().copied().unwrap_or(from);
    h.event(egui::Event::PointerButton {
        pos: end,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: Modifiers::NONE,
    });
    h.step();
    h.step();
}

fn click(h: &mut Harness<'static, State>, pos: Pos2) {
    drag(h, pos, &[]);
}

fn key(h: &mut Harness<'static, State>, modifiers: Modifiers, k: Key) {
    h.key_press_modifiers(modifiers, k);
    h.step();
    h.step();
}

/// (pitch, start, duration) of the active part's notes.
fn notes(h: &Harness<'static, State>) -> Vec<(u8, u64, u64)> {
    h.state()
        .doc
        .active_part()
        .notes()
        .iter()
        .map(|n| (n.note.pitch.get(), n.note.start, n.note.duration.get()))
        .collect()
}

fn ids(h: &Harness<'static, State>) -> Vec<NoteId> {
    h.state()
        .doc
        .active_part()
        .notes()
        .iter()
        .map(|n| n.id)
        .collect()
}

#[test]
fn clicking_creates_a_note_at_the_snapped_position_and_undo_removes_it() {
    let mut h = harness();
    // Tick 170 lies inside the 16th cell 120..240 (480 ticks per quarter): the note starts
    // at 120 and lasts one 16th (120 ticks); it is selected and sounds.
    let p = at(&h, 170.0, 60);
    click(&mut h, p);
    assert_eq!(notes(&h), vec![(60, 120, 120)]);
    assert_eq!(h.state().doc.selection().len(), 1);
    assert_eq!(h.state().out.audition, vec![pitch(60)]);
    assert_eq!(h.state().doc.undo_steps(), 1);
    key(&mut h, Modifiers::COMMAND, Key::Z);
    assert!(notes(&h).is_empty());
    key(&mut h, Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
    assert_eq!(notes(&h), vec![(60, 120, 120)]);
}

#[test]
fn dragging_right_after_the_click_sets_the_length_and_the_next_note_takes_it() {
    let mut h = harness();
    let from = at(&h, 10.0, 64);
    // Drag to tick 400: the end snaps up to the next line, 480, so the note is 0..480.
    let path = [at(&h, 200.0, 64), at(&h, 400.0, 64)];
    drag(&mut h, from, &path);
    assert_eq!(notes(&h), vec![(64, 0, 480)]);
    assert_eq!(
        h.state().doc.undo_steps(),
        1,
        "creation and drag are one step"
    );
    // A plain click elsewhere makes a note of the last length.
    let p = at(&h, 1000.0, 67);
    click(&mut h, p);
    assert_eq!(notes(&h), vec![(64, 0, 480), (67, 960, 480)]);
}

#[test]
fn dragging_a_note_moves_it_in_time_and_pitch_as_one_undo_step() {
    let mut doc = Document::new();
    doc.add_note(Note::new(pitch(60), 480, 480, Velocity::DEFAULT).unwrap());
    doc.clear_history();
    let mut h = harness_with(doc);
    // Grab the middle of the note (tick 720), move 2 rows up and 250 ticks right over a few
    // frames: the start snaps to the nearest 16th, 480 + 250 = 730 -> 720.
    let from = at(&h, 720.0, 60);
    let path = [at(&h, 800.0, 61), at(&h, 900.0, 62), at(&h, 970.0, 62)];
    drag(&mut h, from, &path);
    assert_eq!(notes(&h), vec![(62, 720, 480)]);
    assert!(h.state().out.audition.contains(&pitch(62)));
    assert_eq!(h.state().doc.undo_steps(), 1);
    key(&mut h, Modifiers::COMMAND, Key::Z);
    assert_eq!(notes(&h), vec![(60, 480, 480)]);
}

#[test]
fn dragging_the_right_edge_resizes() {
    let mut doc = Document::new();
    doc.add_note(Note::new(pitch(60), 0, 480, Velocity::DEFAULT).unwrap());
    let mut h = harness_with(doc);
    // The edge is the last few points of the note; move it 240 ticks right -> 720.
    let from = at(&h, 476.0, 60);
    let path = [at(&h, 600.0, 60), at(&h, 716.0, 60)];
    drag(&mut h, from, &path);
    assert_eq!(notes(&h), vec![(60, 0, 720)]);
}

#[test]
fn keyboard_shortcuts_act_on_the_selection() {
    let mut doc = Document::new();
    doc.add_notes([
        Note::new(pitch(60), 0, 240, Velocity::DEFAULT).unwrap(),
        Note::new(pitch(64), 250, 240, Velocity::DEFAULT).unwrap(),
    ]);
    doc.clear_history();
    let mut h = harness_with(doc);
    key(&mut h, Modifiers::COMMAND, Key::A);
    assert_eq!(h.state().doc.selection().len(), 2);
    key(&mut h, Modifiers::NONE, Key::ArrowUp);
    assert_eq!(notes(&h), vec![(61, 0, 240), (65, 250, 240)]);
    key(&mut h, Modifiers::SHIFT, Key::ArrowDown);
    assert_eq!(notes(&h), vec![(49, 0, 240), (53, 250, 240)]);
    // Right nudges by the grid (a 16th, 120 ticks).
    key(&mut h, Modifiers::NONE, Key::ArrowRight);
    assert_eq!(notes(&h), vec![(49, 120, 240), (53, 370, 240)]);
    // Q snaps the starts to 16ths: 370 -> 360.
    key(&mut h, Modifiers::NONE, Key::Q);
    assert_eq!(notes(&h), vec![(49, 120, 240), (53, 360, 240)]);
    // Ctrl+D duplicates after the selection (span 120..600 = 480 ticks).
    key(&mut h, Modifiers::COMMAND, Key::D);
    assert_eq!(
        notes(&h),
        vec![
            (49, 120, 240),
            (53, 360, 240),
            (49, 600, 240),
            (53, 840, 240)
        ]
    );
    assert_eq!(h.state().doc.selection().len(), 2);
    // Delete removes the selected copies; Esc clears the selection.
    key(&mut h, Modifiers::NONE, Key::Delete);
    assert_eq!(notes(&h), vec![(49, 120, 240), (53, 360, 240)]);
    key(&mut h, Modifiers::COMMAND, Key::A);
    key(&mut h, Modifiers::NONE, Key::Escape);
    assert!(h.state().doc.selection().is_empty());
    // Six edits (up, octave down, nudge, quantize, duplicate, delete), six undo steps.
    assert_eq!(h.state().doc.undo_steps(), 6);
    key(&mut h, Modifiers::NONE, Key::Space);
    assert!(h.state().out.toggle_play);
}

#[test]
fn copy_and_paste_with_the_keys() {
    let mut doc = Document::new();
    doc.add_note(Note::new(pitch(60), 0, 240, Velocity::DEFAULT).unwrap());
    let mut h = harness_with(doc);
    key(&mut h, Modifiers::COMMAND, Key::A);
    key(&mut h, Modifiers::COMMAND, Key::C);
    // The pointer over tick 1000 pastes at its grid line, 960.
    let p = at(&h, 1000.0, 70);
    h.hover_at(p);
    h.step();
    key(&mut h, Modifiers::COMMAND, Key::V);
    assert_eq!(notes(&h), vec![(60, 0, 240), (60, 960, 240)]);
    key(&mut h, Modifiers::COMMAND, Key::X);
    assert_eq!(notes(&h), vec![(60, 0, 240)]);
}

#[test]
fn tools_switch_with_number_keys_and_the_band_selects() {
    let mut doc = Document::new();
    doc.add_notes([
        Note::new(pitch(60), 0, 240, Velocity::DEFAULT).unwrap(),
        Note::new(pitch(62), 480, 240, Velocity::DEFAULT).unwrap(),
        Note::new(pitch(72), 480, 240, Velocity::DEFAULT).unwrap(),
    ]);
    let mut h = harness_with(doc);
    key(&mut h, Modifiers::NONE, Key::Num2);
    assert_eq!(h.state().roll.tool, Tool::Select);
    // A band from (tick 300, pitch 64) to (tick 900, pitch 58) catches only 62 at 480.
    let from = at(&h, 300.0, 64);
    let path = [at(&h, 600.0, 60), at(&h, 900.0, 58)];
    drag(&mut h, from, &path);
    let all = ids(&h);
    assert_eq!(
        h.state()
            .doc
            .selection()
            .iter()
            .copied()
            .collect::<Vec<_>>(),
        vec![all[1]]
    );
    assert_eq!(notes(&h).len(), 3, "the select tool creates nothing");
    // The erase tool deletes what it touches.
    key(&mut h, Modifiers::NONE, Key::Num3);
    let p = at(&h, 100.0, 60);
    click(&mut h, p);
    assert_eq!(notes(&h), vec![(62, 480, 240), (72, 480, 240)]);
}

#[test]
fn the_velocity_lane_sets_every_selected_note_at_once() {
    let mut doc = Document::new();
    doc.add_notes([
        Note::new(pitch(60), 0, 240, Velocity::DEFAULT).unwrap(),
        Note::new(pitch(62), 480, 240, Velocity::DEFAULT).unwrap(),
        Note::new(pitch(64), 960, 240, Velocity::DEFAULT).unwrap(),
    ]);
    let mut h = harness_with(doc);
    let all = ids(&h);
    h.state_mut().doc.set_selection([all[0], all[2]]);
    h.step();
    let lane = h.state().roll.velocity_rect().unwrap();
    assert!(lane.height() > 10.0);
    let x = at(&h, 2.0, 60).x;
    // Drag past the top of the lane (clamped): velocity 127 for both selected notes.
    let from = Pos2::new(x, lane.center().y);
    drag(&mut h, from, &[Pos2::new(x, lane.top() - 5.0)]);
    let vels: Vec<u8> = h
        .state()
        .doc
        .active_part()
        .notes()
        .iter()
        .map(|n| n.note.velocity.get())
        .collect();
    assert_eq!(vels, vec![127, 80, 127]);
    assert_eq!(
        h.state().doc.undo_steps(),
        2,
        "adding, then one velocity drag"
    );
}

#[test]
fn the_ruler_seeks_and_sets_the_loop_and_the_keyboard_auditions() {
    let mut h = harness();
    let ruler = h.state().roll.ruler_rect().unwrap();
    let y = ruler.center().y;
    // A click at tick 1000 seeks to the nearest 16th line, 960.
    let p = Pos2::new(at(&h, 1000.0, 60).x, y);
    click(&mut h, p);
    assert_eq!(h.state().out.seek, Some(960));
    // A drag from tick 480 to tick 1930 loops 480..1920.
    let from = Pos2::new(at(&h, 480.0, 60).x, y);
    let to = Pos2::new(at(&h, 1930.0, 60).x, y);
    drag(&mut h, from, &[to]);
    assert_eq!(h.state().roll.loop_region, Some(480..1920));
    assert_eq!(h.state().out.loop_changed, Some(Some(480..1920)));
    // A click on the keyboard's A4 row sounds A4.
    let keys = h.state().roll.keyboard_rect().unwrap();
    let p = Pos2::new(keys.center().x, at(&h, 0.0, 69).y);
    click(&mut h, p);
    assert_eq!(h.state().out.audition, vec![pitch(69)]);
    assert!(notes(&h).is_empty());
}

#[test]
fn the_help_overlay_lists_the_keys() {
    let mut h = harness();
    h.get_by_label("?").click();
    h.run_steps(2);
    assert!(h.state().roll.show_help);
    h.get_by_label("Piano-roll keys");
    h.get_by_label("Duplicate the selection right after it");
    h.get_by_label("Close").click();
    h.run_steps(2);
    assert!(!h.state().roll.show_help);
}

/// A quantize the document cannot take (a 16th grid in a file of 2 ticks per quarter) is
/// told in words, not dropped, and changes nothing.
#[test]
fn a_quantize_that_cannot_be_done_is_told() {
    use gan_studio::edit::PartRole;
    use gan_studio::music::Piece;
    let piece = Piece::from_notes(
        2,
        "coarse",
        vec![Note::new(pitch(60), 1, 2, Velocity::DEFAULT).unwrap()],
    )
    .unwrap();
    let mut h = harness_with(Document::from_piece(&piece, PartRole::Imported));
    key(&mut h, Modifiers::NONE, Key::Q);
    assert_eq!(notes(&h), vec![(60, 1, 2)]);
    let problems = &h.state().out.problems;
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("quantize"), "{problems:?}");
}

/// The roll's grid, snap and follow choices survive a round trip through JSON (as the studio
/// keeps them), and settings saved before these fields existed load with the defaults.
#[test]
fn roll_settings_round_trip_and_fill_missing_fields() {
    use gan_studio::music::Grid;
    use gan_studio::ui::roll::RollSettings;
    let mut roll = PianoRoll::default();
    roll.grid = "1/8t".parse::<Grid>().unwrap();
    roll.snap = false;
    roll.follow_playhead = false;
    let json = serde_json::to_string(&roll.settings()).unwrap();
    let mut other = PianoRoll::default();
    other.apply_settings(serde_json::from_str(&json).unwrap());
    assert_eq!(other.settings(), roll.settings());
    assert_eq!(other.grid, roll.grid);
    let old: RollSettings = serde_json::from_str(r#"{"snap": false}"#).unwrap();
    assert_eq!(old.grid, PianoRoll::default().grid);
    assert!(!old.snap);
}
