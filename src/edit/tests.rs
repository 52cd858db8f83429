//! Unit tests of the document: every edit operation, undo/redo and gestures, conversion
//! and saving. Expected values are worked out by hand in the comments.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::music::transform::QuantizeMode;
use crate::music::{Grid, Key, Note, Part, Piece, Pitch, QuantizeOptions, TimeSignature, Velocity};

fn note(pitch: u8, start: u64, duration: u64) -> Note {
    Note::new(
        Pitch::new(pitch).unwrap(),
        start,
        duration,
        Velocity::DEFAULT,
    )
    .unwrap()
}

/// (pitch, start, duration) of every note of the active part, in order.
fn shape(doc: &Document) -> Vec<(u8, u64, u64)> {
    doc.active_part()
        .notes()
        .iter()
        .map(|n| (n.note.pitch.get(), n.note.start, n.note.duration.get()))
        .collect()
}

/// A document with C4 at 0, E4 at 480, G4 at 960, each a quarter long.
fn three() -> (Document, Vec<NoteId>) {
    let mut doc = Document::new();
    let ids = doc.add_notes([note(60, 0, 480), note(64, 480, 480), note(67, 960, 480)]);
    doc.clear_history();
    (doc, ids)
}

#[test]
fn a_new_document_has_one_empty_seed_part_at_480_tpq() {
    let doc = Document::new();
    assert_eq!(doc.ticks_per_quarter(), 480);
    assert_eq!(doc.parts().len(), 1);
    assert_eq!(doc.active_part().role, PartRole::Seed);
    assert!(doc.active_part().is_empty());
    assert_eq!(doc.ticks_per_bar(), 1920);
    assert!(!doc.can_undo());
}

#[test]
fn add_keeps_notes_sorted_clamps_to_the_piano_and_gives_new_ids() {
    let mut doc = Document::new();
    let a = doc.add_note(note(70, 960, 240));
    let b = doc.add_note(note(10, 0, 240)); // below A0 (21): clamped to 21
    let c = doc.add_note(note(120, 480, 240)); // above C8 (108): clamped to 108
    assert_eq!(
        shape(&doc),
        vec![(21, 0, 240), (108, 480, 240), (70, 960, 240)]
    );
    assert!(a != b && b != c && a != c);
    assert_eq!(doc.find_note(a).unwrap().pitch.get(), 70);
    assert_eq!(doc.undo_steps(), 3);
    assert!(doc.selection().is_empty());
}

#[test]
fn delete_removes_notes_and_their_selection() {
    let (mut doc, ids) = three();
    doc.set_selection([ids[0], ids[2]]);
    assert_eq!(doc.delete_selection(), 2);
    assert_eq!(shape(&doc), vec![(64, 480, 480)]);
    assert!(doc.selection().is_empty());
    assert_eq!(doc.delete_notes(&[ids[0]]), 0, "already gone");
    assert_eq!(doc.delete_notes(&[ids[1]]), 1);
    assert!(doc.active_part().is_empty());
    assert_eq!(doc.undo_steps(), 2);
}

#[test]
fn move_shifts_time_and_pitch_and_keeps_the_selection() {
    let (mut doc, ids) = three();
    doc.set_selection([ids[1]]);
    assert_eq!(doc.move_selection(240, 2), (240, 2));
    // E4 (64) at 480 -> F#4 (66) at 720.
    assert_eq!(
        shape(&doc),
        vec![(60, 0, 480), (66, 720, 480), (67, 960, 480)]
    );
    assert!(doc.is_selected(ids[1]));
    assert_eq!(doc.find_note(ids[1]).unwrap().start, 720);
}

#[test]
fn move_clamps_the_group_at_tick_zero_and_the_piano_range() {
    let (mut doc, ids) = three();
    doc.set_selection([ids[1], ids[2]]);
    // Earliest selected start is 480, so -1000 is clamped to -480.
    assert_eq!(doc.move_selection(-1000, 0), (-480, 0));
    assert_eq!(
        shape(&doc),
        vec![(60, 0, 480), (64, 0, 480), (67, 480, 480)]
    );
    // Highest selected pitch is 67; C8 is 108, so at most +41.
    assert_eq!(doc.move_selection(0, 100), (0, 41));
    assert_eq!(doc.find_note(ids[2]).unwrap().pitch.get(), 108);
    assert_eq!(
        doc.find_note(ids[1]).unwrap().pitch.get(),
        105,
        "shape kept"
    );
    // Lowest selected pitch is now 105; A0 is 21, so at most -84.
    assert_eq!(doc.move_selection(0, -200), (0, -84));
    assert_eq!(doc.find_note(ids[1]).unwrap().pitch.get(), 21);
    // Nothing moves any more downward.
    assert_eq!(doc.move_selection(-5, -1), (0, 0));
}

#[test]
fn transpose_by_semitone_and_octave() {
    let (mut doc, ids) = three();
    doc.set_selection([ids[0]]);
    assert_eq!(doc.transpose_selection(1), 1);
    assert_eq!(doc.find_note(ids[0]).unwrap().pitch.get(), 61);
    assert_eq!(doc.transpose_selection(-12), -12);
    assert_eq!(doc.find_note(ids[0]).unwrap().pitch.get(), 49);
    assert_eq!(doc.undo_steps(), 2);
}

#[test]
fn resize_keeps_at_least_one_tick() {
    let (mut doc, ids) = three();
    doc.set_selection([ids[0], ids[1]]);
    assert_eq!(doc.resize_selection(120), 2);
    assert_eq!(doc.find_note(ids[0]).unwrap().duration.get(), 600);
    assert_eq!(doc.resize_selection(-10_000), 2);
    assert_eq!(doc.find_note(ids[1]).unwrap().duration.get(), 1);
    assert_eq!(
        doc.find_note(ids[2]).unwrap().duration.get(),
        480,
        "unselected"
    );
}

#[test]
fn velocity_is_set_on_many_notes_at_once() {
    let (mut doc, ids) = three();
    doc.set_selection([ids[0], ids[2]]);
    let v = Velocity::new(33).unwrap();
    assert_eq!(doc.set_selection_velocity(v), 2);
    let vels: Vec<u8> = doc
        .active_part()
        .notes()
        .iter()
        .map(|n| n.note.velocity.get())
        .collect();
    assert_eq!(vels, vec![33, 80, 33]);
    assert_eq!(doc.set_selection_velocity(v), 0, "no change, no step");
    assert_eq!(doc.undo_steps(), 1);
}

#[test]
fn nudge_moves_by_one_grid_step() {
    let (mut doc, ids) = three();
    doc.set_selection([ids[1]]);
    // A 1/16 at 480 tpq is 120 ticks.
    assert_eq!(doc.nudge_selection(Grid::SIXTEENTH, 1).unwrap(), 120);
    assert_eq!(doc.find_note(ids[1]).unwrap().start, 600);
    // A 1/8 triplet is 480 * 4 / 8 * 2 / 3 = 160 ticks.
    let triplet: Grid = "1/8T".parse().unwrap();
    assert_eq!(doc.nudge_selection(triplet, -1).unwrap(), -160);
    assert_eq!(doc.find_note(ids[1]).unwrap().start, 440);
    // Clamped at 0.
    assert_eq!(doc.nudge_selection(Grid::WHOLE, -1).unwrap(), -440);
}

#[test]
fn quantize_selection_or_all() {
    let mut doc = Document::new();
    let ids = doc.add_notes([note(60, 130, 100), note(62, 350, 100)]);
    doc.set_selection([ids[0]]);
    let starts = QuantizeOptions {
        grid: Grid::SIXTEENTH,
        mode: QuantizeMode::StartsOnly,
    };
    // 130 -> 120 (nearest 16th line); the other note stays at 350.
    assert_eq!(doc.quantize(Scope::Selection, starts).unwrap(), 1);
    assert_eq!(shape(&doc), vec![(60, 120, 100), (62, 350, 100)]);
    // All, starts and ends on eighths (240): 120 stays? 120 is halfway -> later line 240,
    // end 220 -> 240, not after the start, so one step: 240..480. 350 -> 240, end 450 -> 480.
    let both = QuantizeOptions {
        grid: Grid::EIGHTH,
        mode: QuantizeMode::StartsAndEnds,
    };
    assert_eq!(doc.quantize(Scope::All, both).unwrap(), 2);
    assert_eq!(shape(&doc), vec![(60, 240, 240), (62, 240, 240)]);
    assert!(doc.is_selected(ids[0]), "selection survives");
    let tiny = Document::from_piece(&Piece::new(2).unwrap(), PartRole::Seed);
    let mut tiny = tiny;
    assert!(matches!(
        tiny.quantize(
            Scope::All,
            QuantizeOptions {
                grid: Grid::THIRTY_SECOND,
                ..starts
            }
        ),
        Err(EditError::Grid(_))
    ));
}

#[test]
fn copy_cut_and_paste_at_a_position() {
    let (mut doc, ids) = three();
    doc.set_selection([ids[1], ids[2]]);
    assert_eq!(doc.copy_selection(), 2);
    // Relative to the earliest (480): E4 at 0, G4 at 480.
    let clip: Vec<(u8, u64)> = doc
        .clipboard()
        .iter()
        .map(|n| (n.pitch.get(), n.start))
        .collect();
    assert_eq!(clip, vec![(64, 0), (67, 480)]);
    let pasted = doc.paste_at(3840);
    assert_eq!(pasted.len(), 2);
    assert_eq!(doc.selection().iter().copied().collect::<Vec<_>>(), pasted);
    assert_eq!(doc.active_part().len(), 5);
    assert_eq!(doc.find_note(pasted[0]).unwrap().start, 3840);
    assert_eq!(doc.find_note(pasted[1]).unwrap().start, 4320);
    doc.set_selection([ids[0]]);
    assert_eq!(doc.cut_selection(), 1);
    assert_eq!(doc.active_part().len(), 4);
    assert_eq!(doc.clipboard().len(), 1);
    assert_eq!(doc.clipboard()[0].pitch.get(), 60);
    // Copy with nothing selected keeps the clipboard.
    assert_eq!(doc.copy_selection(), 0);
    assert_eq!(doc.clipboard().len(), 1);
}

#[test]
fn duplicate_puts_a_copy_right_after_the_selection() {
    let (mut doc, ids) = three();
    doc.set_selection([ids[0], ids[1]]);
    // Span 0..960, so the copies start at 960 and 1440.
    let copies = doc.duplicate_selection();
    assert_eq!(copies.len(), 2);
    assert_eq!(doc.find_note(copies[0]).unwrap().start, 960);
    assert_eq!(doc.find_note(copies[1]).unwrap().start, 1440);
    assert_eq!(doc.find_note(copies[1]).unwrap().pitch.get(), 64);
    assert_eq!(doc.selection().len(), 2);
    assert!(doc.is_selected(copies[0]) && !doc.is_selected(ids[0]));
    assert_eq!(doc.undo_steps(), 1);
    assert!(doc.undo());
    assert_eq!(doc.active_part().len(), 3);
    assert!(doc.is_selected(ids[0]), "undo restores the selection");
}

#[test]
fn selection_commands() {
    let (mut doc, ids) = three();
    doc.select_all();
    assert_eq!(doc.selection().len(), 3);
    doc.clear_selection();
    assert!(doc.selection().is_empty());
    doc.toggle_selected(ids[1]);
    assert!(doc.is_selected(ids[1]));
    doc.toggle_selected(ids[1]);
    assert!(!doc.is_selected(ids[1]));
    doc.set_selection([NoteId::new(999)]);
    assert!(doc.selection().is_empty(), "unknown ids are ignored");
    // Rubber band over ticks 400..1000 and pitches 60..=65: E4 (480..960) only;
    // C4 ends at 480 > 400 but G4 (67) is out of the pitch range... C4 overlaps too.
    doc.select_in(400..1000, 60..=65, false);
    assert_eq!(
        doc.selection().iter().copied().collect::<Vec<_>>(),
        vec![ids[0], ids[1]]
    );
    doc.select_in(500..1000, 66..=70, true);
    assert_eq!(doc.selection().len(), 3);
    assert_eq!(doc.selection_span(), Some((0, 1440)));
    assert_eq!(doc.note_at(500, Pitch::new(64).unwrap()), Some(ids[1]));
    assert_eq!(
        doc.note_at(960, Pitch::new(64).unwrap()),
        None,
        "end is exclusive"
    );
}

#[test]
fn undo_and_redo_walk_the_history() {
    let mut doc = Document::new();
    let a = doc.add_note(note(60, 0, 480));
    doc.set_selection([a]);
    doc.move_selection(480, 0);
    assert_eq!(shape(&doc), vec![(60, 480, 480)]);
    assert!(doc.undo());
    assert_eq!(shape(&doc), vec![(60, 0, 480)]);
    assert!(doc.undo());
    assert!(doc.active_part().is_empty());
    assert!(!doc.undo());
    assert!(doc.redo());
    assert!(doc.redo());
    assert_eq!(shape(&doc), vec![(60, 480, 480)]);
    assert!(!doc.redo());
    // A new edit after an undo drops the redo steps.
    assert!(doc.undo());
    doc.add_note(note(62, 0, 10));
    assert!(!doc.can_redo());
}

#[test]
fn a_gesture_over_many_frames_is_one_undo_step() {
    let (mut doc, ids) = three();
    doc.set_selection([ids[0]]);
    let origin = doc.find_note(ids[0]).unwrap();
    doc.begin_gesture();
    for frame in 1..=20u64 {
        // A drag sets the note from its origin each frame.
        let moved = Note {
            start: origin.start + frame * 10,
            ..origin
        };
        doc.update_notes(&[(ids[0], moved)]);
    }
    assert!(doc.end_gesture());
    assert_eq!(doc.find_note(ids[0]).unwrap().start, 200);
    assert_eq!(doc.undo_steps(), 1);
    assert!(doc.undo());
    assert_eq!(doc.find_note(ids[0]).unwrap().start, 0);
    assert!(!doc.can_undo());
    assert!(doc.redo());
    assert_eq!(doc.find_note(ids[0]).unwrap().start, 200);
}

#[test]
fn an_empty_gesture_records_nothing_and_gestures_nest() {
    let (mut doc, _) = three();
    doc.begin_gesture();
    assert!(!doc.end_gesture());
    assert!(!doc.can_undo());
    doc.begin_gesture();
    doc.add_note(note(70, 0, 10));
    doc.begin_gesture();
    doc.add_note(note(71, 0, 10));
    assert!(!doc.end_gesture(), "inner end records nothing");
    doc.add_note(note(72, 0, 10));
    assert!(doc.end_gesture());
    assert_eq!(doc.undo_steps(), 1);
    doc.undo();
    assert_eq!(doc.active_part().len(), 3);
}

#[test]
fn cancelling_a_gesture_reverts_it() {
    let (mut doc, ids) = three();
    doc.begin_gesture();
    doc.delete_notes(&ids);
    assert!(doc.active_part().is_empty());
    assert!(doc.cancel_gesture());
    assert_eq!(doc.active_part().len(), 3);
    assert!(!doc.can_undo());
}

#[test]
fn undo_inside_an_open_gesture_closes_it_first() {
    let (mut doc, _) = three();
    doc.begin_gesture();
    doc.add_note(note(70, 0, 10));
    assert!(doc.undo());
    assert!(!doc.in_gesture());
    assert_eq!(doc.active_part().len(), 3);
}

#[test]
fn the_history_is_bounded() {
    let mut doc = Document::new();
    doc.set_history_limit(5);
    for i in 0..12 {
        doc.add_note(note(60, i * 10, 10));
    }
    assert_eq!(doc.undo_steps(), 5);
    while doc.undo() {}
    assert_eq!(doc.active_part().len(), 7);
}

#[test]
fn undo_snapshots_share_unchanged_parts() {
    let (mut doc, _) = three();
    doc.add_part("other", PartRole::Variation);
    let before = doc.revision();
    doc.add_note(note(50, 0, 10));
    assert!(doc.revision() > before);
    // The snapshot of the history and the current state share the second part's notes.
    let current = doc.state.parts[1].clone();
    doc.undo();
    assert_eq!(doc.state.parts[1], current);
}

#[test]
fn parts_can_be_added_switched_hidden_and_removed() {
    let (mut doc, ids) = three();
    doc.set_selection([ids[0]]);
    let v = doc.add_part_with_notes("Variation 1", PartRole::Variation, [note(72, 0, 240)]);
    assert_eq!(v, 1);
    assert_eq!(doc.part(1).unwrap().colour, 1, "next colour");
    assert_eq!(doc.active_index(), 0);
    doc.set_active_part(1).unwrap();
    assert!(
        doc.selection().is_empty(),
        "switching parts clears the selection"
    );
    assert_eq!(shape(&doc), vec![(72, 0, 240)]);
    doc.set_part_visible(0, false).unwrap();
    assert!(!doc.part(0).unwrap().visible);
    assert!(matches!(
        doc.set_active_part(5),
        Err(EditError::NoSuchPart { index: 5, count: 2 })
    ));
    doc.remove_part(0).unwrap();
    assert_eq!(doc.active_index(), 0);
    assert_eq!(doc.active_part().name, "Variation 1");
    assert_eq!(doc.remove_part(0), Err(EditError::LastPart));
    doc.undo();
    assert_eq!(doc.parts().len(), 2);
    assert_eq!(doc.active_part().name, "Variation 1");
    doc.rename_part(0, "Melody").unwrap();
    assert_eq!(doc.part(0).unwrap().name, "Melody");
}

#[test]
fn ghost_lookup_by_binary_search_finds_long_notes_that_started_before_the_view() {
    let mut doc = Document::new();
    doc.add_notes([note(60, 0, 5000), note(62, 1000, 10), note(64, 6000, 10)]);
    let part = doc.active_part();
    assert_eq!(part.max_duration(), 5000);
    let visible: Vec<u64> = part
        .notes_overlapping(4000, 5500)
        .iter()
        .filter(|n| n.note.end() > 4000)
        .map(|n| n.note.start)
        .collect();
    assert_eq!(visible, vec![0]);
    // The run is a superset: the note at 6000 is a candidate (it starts within the longest
    // duration before 7000) but it ends at 6010, so the end check drops it.
    let candidates = part.notes_overlapping(7000, 8000);
    assert_eq!(candidates.len(), 1);
    assert!(candidates.iter().all(|n| n.note.end() <= 7000));
    assert!(part.notes_overlapping(12_000, 13_000).is_empty());
}

#[test]
fn seed_region_cuts_notes_at_the_region_end() {
    let (doc, _) = three();
    // 400..1200: E4 starts at 480 (kept whole, ends 960); G4 starts at 960, cut to 1200.
    let seed: Vec<(u8, u64, u64)> = doc
        .seed_region(400..1200)
        .iter()
        .map(|n| (n.pitch.get(), n.start, n.duration.get()))
        .collect();
    assert_eq!(seed, vec![(64, 480, 480), (67, 960, 240)]);
}

#[test]
fn pieces_round_trip_with_tempo_metre_and_key() {
    let mut piece = Piece::from_notes(96, "lead", vec![note(60, 0, 96), note(62, 96, 48)]).unwrap();
    piece.title = "Tune".into();
    piece.tempo_map = crate::music::TempoMap::from_bpm(90.0);
    piece
        .time_signatures
        .push(crate::music::TimeSignatureChange {
            tick: 0,
            signature: TimeSignature::new(3, 4).unwrap(),
        });
    piece.key_signatures.push(crate::music::KeySignatureChange {
        tick: 0,
        key: Key::A_MINOR,
    });
    let doc = Document::from_piece(&piece, PartRole::Imported);
    assert_eq!(doc.ticks_per_quarter(), 96);
    assert!((doc.tempo_bpm() - 90.0).abs() < 1e-3);
    assert_eq!(doc.time_signature().numerator(), 3);
    assert_eq!(doc.key(), Some(Key::A_MINOR));
    assert_eq!(doc.active_part().role, PartRole::Imported);
    let back = doc.to_piece();
    assert_eq!(back.ticks_per_quarter, 96);
    assert_eq!(back.parts[0].notes, piece.parts[0].notes);
    assert_eq!(back.parts[0].name, "lead");
    assert_eq!(back.initial_time_signature().numerator(), 3);
    assert_eq!(back.declared_key(), Some(Key::A_MINOR));
    assert!((back.tempo_map.initial_bpm() - 90.0).abs() < 1e-3);
    assert_eq!(back.title, "Tune");
}

#[test]
fn importing_rescales_to_the_document_resolution() {
    let mut doc = Document::new(); // 480 tpq
    let mut piece = Piece::from_notes(96, "", vec![note(60, 96, 48)]).unwrap();
    piece.title = "file.mid".into();
    piece.parts.push(Part::new("bass"));
    let added = doc.import_piece(&piece, PartRole::Imported);
    assert_eq!(added, vec![1, 2]);
    let part = doc.part(1).unwrap();
    // 96 ticks at 96 tpq = one quarter = 480 at 480 tpq; 48 -> 240.
    assert_eq!(part.notes()[0].note.start, 480);
    assert_eq!(part.notes()[0].note.duration.get(), 240);
    assert_eq!(part.name, "file.mid", "unnamed part takes the title");
    assert_eq!(doc.part(2).unwrap().name, "bass");
    assert_eq!(doc.undo_steps(), 1);
    let one = doc.part_to_piece(1).unwrap();
    assert_eq!(one.parts.len(), 1);
    assert!(doc.part_to_piece(9).is_err());
}

#[test]
fn tempo_and_metre_are_undoable_and_clamped() {
    let mut doc = Document::new();
    doc.set_tempo_bpm(5.0);
    assert_eq!(doc.tempo_bpm(), 10.0);
    doc.set_tempo_bpm(f64::NAN);
    assert_eq!(doc.tempo_bpm(), 10.0);
    doc.set_time_signature(TimeSignature::new(6, 8).unwrap());
    assert_eq!(doc.ticks_per_bar(), 1440);
    assert_eq!(doc.ticks_per_beat(), 240);
    doc.undo();
    assert_eq!(doc.time_signature().numerator(), 4);
    doc.undo();
    assert_eq!(doc.tempo_bpm(), 120.0);
}

#[test]
fn saving_and_loading_keeps_content_and_ids() {
    let (mut doc, ids) = three();
    doc.add_part_with_notes("v", PartRole::Variation, [note(72, 0, 10)]);
    doc.set_part_visible(1, false).unwrap();
    doc.set_key(Some(Key::C_MAJOR));
    let json = serde_json::to_string(&doc).unwrap();
    let mut back: Document = serde_json::from_str(&json).unwrap();
    assert_eq!(back.parts(), doc.parts());
    assert_eq!(back.key(), Some(Key::C_MAJOR));
    assert_eq!(back.tempo_bpm(), 120.0);
    assert!(!back.can_undo());
    assert_eq!(back.find_note(ids[2]).unwrap().pitch.get(), 67);
    // New ids do not collide with loaded ones.
    let fresh = back.add_note(note(50, 0, 10));
    assert!(
        back.parts()
            .iter()
            .flat_map(|p| p.notes())
            .filter(|n| n.id == fresh)
            .count()
            == 1
    );
}

#[test]
fn damaged_saves_are_refused_with_a_reason() {
    let dup = r#"{"ticks_per_quarter":480,"tempo_bpm":120.0,"time_signature":[4,4],
        "parts":[{"name":"a","role":"Seed","colour":0,"visible":true,"notes":[
        {"id":1,"note":{"pitch":60,"start":0,"duration":10,"velocity":80}},
        {"id":1,"note":{"pitch":62,"start":0,"duration":10,"velocity":80}}]}]}"#;
    let err = serde_json::from_str::<Document>(dup)
        .unwrap_err()
        .to_string();
    assert!(err.contains("note id 1 is used twice"), "{err}");
    let empty = r#"{"ticks_per_quarter":480,"tempo_bpm":120.0,"time_signature":[4,4],"parts":[]}"#;
    let err = serde_json::from_str::<Document>(empty)
        .unwrap_err()
        .to_string();
    assert!(err.contains("no parts"), "{err}");
    let tpq = r#"{"ticks_per_quarter":0,"tempo_bpm":120.0,"time_signature":[4,4],"parts":[]}"#;
    assert!(serde_json::from_str::<Document>(tpq).is_err());
}
