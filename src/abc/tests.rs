//! Whole-tune tests of the ABC reader with hand-computed expectations (480 ticks per quarter:
//! a sixteenth is 120 ticks, an eighth 240, a quarter 480).

use super::*;
use crate::music::{Key, Mode, TimeSignature};

/// (pitch, start, duration) of every note of the only tune in `text`.
fn notes_of(text: &str) -> Vec<(u8, u64, u64)> {
    notes(&only_tune(text))
}

fn notes(tune: &Tune) -> Vec<(u8, u64, u64)> {
    tune.piece
        .notes()
        .map(|n| (n.pitch.get(), n.start, n.duration.get()))
        .collect()
}

fn only_tune(text: &str) -> Tune {
    let file = parse_abc_str(text, "test.abc");
    assert_eq!(file.tunes.len(), 1, "{:?}", file.tunes);
    match file.tunes.into_iter().next() {
        Some(Ok(tune)) => tune,
        other => panic!("{other:?}"),
    }
}

fn pitches_of(text: &str) -> Vec<u8> {
    notes_of(text).into_iter().map(|n| n.0).collect()
}

#[test]
fn an_essen_style_tune_reads_completely() {
    let text = "X:7\nT: A SMALL TUNE\nN: a note\nO: Somewhere\nM: 2/4\nL: 1/16\nK: F\n\
                C2 | F2F2A2c2 | B4A2G2\nF4z4 |]\n";
    let tune = only_tune(text);
    assert_eq!(tune.number, 7);
    assert_eq!(tune.title, "A SMALL TUNE");
    assert_eq!(tune.line, 1);
    assert_eq!(tune.piece.title, "A SMALL TUNE");
    assert_eq!(tune.piece.ticks_per_quarter, 480);
    assert_eq!(tune.piece.parts.len(), 1);
    assert!((tune.piece.tempo_map.initial_bpm() - 120.0).abs() < 1e-9);
    assert_eq!(
        tune.piece.initial_time_signature(),
        TimeSignature::new(2, 4).unwrap()
    );
    assert_eq!(tune.piece.declared_key(), Some("F major".parse().unwrap()));
    // F major: B is B flat (70).
    assert_eq!(
        notes(&tune),
        [
            (60, 0, 240),
            (65, 240, 240),
            (65, 480, 240),
            (69, 720, 240),
            (72, 960, 240),
            (70, 1200, 480),
            (69, 1680, 240),
            (67, 1920, 240),
            (65, 2160, 480),
        ]
    );
    assert!(tune.warnings.is_empty());
}

#[test]
fn unit_length_defaults_follow_the_meter() {
    // 2/4 without L: → sixteenths; 3/4 → eighths; no M: → eighths.
    assert_eq!(notes_of("X:1\nM:2/4\nK:C\nC2\n"), [(60, 0, 240)]);
    assert_eq!(notes_of("X:1\nM:3/4\nK:C\nC2\n"), [(60, 0, 480)]);
    assert_eq!(notes_of("X:1\nK:C\nC2\n"), [(60, 0, 480)]);
    assert_eq!(
        notes_of("X:1\nL:1/4\nK:C\nC/2 C3/2 C//\n"),
        [(60, 0, 240), (60, 240, 720), (60, 960, 120)]
    );
}

#[test]
fn accidentals_carry_across_line_ends_until_the_bar_line() {
    // The Essen files break lines in the middle of bars: the sharp of the first line still
    // holds for the F on the next line, and the bar line ends it.
    let text = "X:1\nL:1/8\nK:C\n^F G\nF | F\n";
    assert_eq!(pitches_of(text), [66, 67, 66, 65]);
    // Naturals cancel the key signature until the bar line; the key signature holds in every
    // octave.
    assert_eq!(pitches_of("X:1\nK:D\nF =F f | f c\n"), [66, 65, 77, 78, 73]);
}

#[test]
fn octave_propagation_can_be_asked_for() {
    let text = "X:1\nK:C\n%%propagate-accidentals octave\n^F f F\n";
    assert_eq!(pitches_of(text), [66, 77, 66]);
}

#[test]
fn minor_and_modal_keys_are_read() {
    let am = only_tune("X:1\nK:Am\nA c e ^g\n");
    assert_eq!(am.piece.declared_key(), Some(Key::A_MINOR));
    assert_eq!(
        notes(&am).iter().map(|n| n.0).collect::<Vec<_>>(),
        [69, 72, 76, 80]
    );
    let dorian = only_tune("X:1\nK:G dorian\nB F\n");
    let key = dorian.key.unwrap();
    assert_eq!(key.mode, AbcMode::Dorian);
    // G dorian has one flat (B flat); as a major/minor key it is G minor.
    assert_eq!(
        notes(&dorian).iter().map(|n| n.0).collect::<Vec<_>>(),
        [70, 65]
    );
    assert_eq!(
        dorian.piece.declared_key().map(|k| (k.tonic.get(), k.mode)),
        Some((7, Mode::Minor))
    );
    let none = only_tune("X:1\nK:none\nF B\n");
    assert_eq!(none.key, None);
    assert!(none.piece.key_signatures.is_empty());
}

#[test]
fn ties_join_notes_also_across_bars() {
    // L:1/8: A2-|A2 is one A of a half note (960 ticks); the tied F keeps its sharp across
    // the bar.
    assert_eq!(
        notes_of("X:1\nL:1/8\nK:C\nA2-|A2 B2|^F2-|F2 F2\n"),
        [
            (69, 0, 960),
            (71, 960, 480),
            (66, 1440, 960),
            (65, 2400, 480)
        ]
    );
}

#[test]
fn broken_rhythm_and_triplets_keep_the_grid() {
    // L:1/8: A>B = dotted eighth + sixteenth; (3cde = three triplet eighths in a quarter.
    assert_eq!(
        notes_of("X:1\nL:1/8\nK:C\nA>B c<d (3cde f\n"),
        [
            (69, 0, 360),
            (71, 360, 120),
            (72, 480, 120),
            (74, 600, 360),
            (72, 960, 160),
            (74, 1120, 160),
            (76, 1280, 160),
            (77, 1440, 240)
        ]
    );
}

#[test]
fn rests_and_chords() {
    assert_eq!(
        notes_of("X:1\nL:1/8\nK:C\nz2 C x [CE]2 Z G\n"),
        [
            (60, 480, 240),
            (60, 960, 480),
            (64, 960, 480),
            // Z without a meter is a whole note of rest.
            (67, 3360, 240)
        ]
    );
}

#[test]
fn ornaments_chord_symbols_and_comments_are_ignored() {
    let text = "X:1\nL:1/8\nK:G % the key\n\"G\"!p!~G2 {a}B .d | % bar\n(ef) \\\ng2 |]\n";
    assert_eq!(pitches_of(text), [67, 71, 74, 76, 78, 79]);
}

#[test]
fn repeats_are_expanded_or_read_once() {
    // Orders checked with abc2midi 4.84: |: C D :| E plays C D C D E.
    let repeated = only_tune("X:1\nL:1/4\nK:C\n|: C D :| E |]\n");
    assert_eq!(
        notes(&repeated).iter().map(|n| n.0).collect::<Vec<_>>(),
        [60, 62, 60, 62, 64]
    );
    // A section that is only endings: [1 E on the first pass, [2 F on the second.
    let endings = only_tune("X:1\nL:1/4\nK:C\n|: C D :|[1 E :|[2 F |]\n");
    assert_eq!(
        notes(&endings).iter().map(|n| n.0).collect::<Vec<_>>(),
        [60, 62, 60, 62, 64, 65]
    );
    let file = parse_abc_str_with(
        "X:1\nL:1/4\nK:C\n|: C |1 D :|2 E |]\n",
        "t",
        &AbcOptions {
            repeats: RepeatMode::AsWritten,
        },
    );
    let once = file.ok_tunes().next().unwrap();
    assert_eq!(
        notes(once).iter().map(|n| n.0).collect::<Vec<_>>(),
        [60, 62, 64]
    );
    let played = only_tune("X:1\nL:1/4\nK:C\n|: C |1 D :|2 E |]\n");
    assert_eq!(
        notes(&played),
        [
            (60, 0, 480),
            (62, 480, 480),
            (60, 960, 480),
            (64, 1440, 480)
        ]
    );
}

#[test]
fn tempo_meter_and_key_changes_are_placed() {
    let text = "X:1\nT:Changes\nM:4/4\nL:1/4\nQ:1/4=90\nK:C\nC D E F | [M:3/4][K:G] F G A | \
                [Q:3/8=40] F\n";
    let tune = only_tune(text);
    let piece = &tune.piece;
    assert_eq!(piece.tempo_map.changes().len(), 2);
    assert!((piece.tempo_map.initial_bpm() - 90.0).abs() < 0.01);
    // 3/8 = 40 is 60 quarters a minute, at tick 7 quarters = 3360.
    assert_eq!(piece.tempo_map.changes()[1].tick, 3360);
    assert_eq!(piece.tempo_map.changes()[1].micros_per_quarter, 1_000_000);
    assert_eq!(piece.time_signature_at(1920).numerator(), 3);
    assert_eq!(piece.time_signature_at(0).numerator(), 4);
    assert_eq!(piece.key_signatures.len(), 2);
    assert_eq!(piece.key_signatures[1].tick, 1920);
    // F is F# after [K:G]; the bar line ends nothing here since no accidental was written.
    assert_eq!(
        notes(&tune).iter().map(|n| n.0).collect::<Vec<_>>(),
        [60, 62, 64, 65, 66, 67, 69, 66]
    );
}

#[test]
fn file_header_fields_apply_to_every_tune() {
    let text = "%abc-2.1\nL:1/16\nM:2/4\n\nX:1\nK:C\nC4\n\nX:2\nL:1/4\nK:C\nC\n";
    let file = parse_abc_str(text, "two.abc");
    let tunes: Vec<&Tune> = file.ok_tunes().collect();
    assert_eq!(tunes.len(), 2);
    assert_eq!(notes(tunes[0]), [(60, 0, 480)]);
    assert_eq!(tunes[0].piece.initial_time_signature().denominator(), 4);
    assert_eq!(notes(tunes[1]), [(60, 0, 480)]);
}

#[test]
fn only_the_first_voice_is_read() {
    let text = "X:1\nL:1/4\nV:1\nV:2\nK:C\nV:1\nC D\nV:2\nE, F,\nV:1\nG\n";
    let tune = only_tune(text);
    assert_eq!(
        notes(&tune).iter().map(|n| n.0).collect::<Vec<_>>(),
        [60, 62, 67]
    );
    assert_eq!(tune.warnings.len(), 1);
    assert!(
        tune.warnings[0].contains("only voice 1"),
        "{:?}",
        tune.warnings
    );
}

#[test]
fn a_damaged_tune_is_reported_and_the_others_still_load() {
    let text = "X:1\nT:Good One\nK:C\nCDEF|\n\nX:2\nT:Broken Tune\nM:4/4\nK:G\nGABc|\nd # e|\n\n\
                X:3\nT:Good Two\nK:D\nDEF|\n";
    let file = parse_abc_str(text, "mixed.abc");
    assert_eq!(file.tunes.len(), 3);
    let titles: Vec<&str> = file.ok_tunes().map(|t| t.title.as_str()).collect();
    assert_eq!(titles, ["Good One", "Good Two"]);
    let errors: Vec<&AbcError> = file.errors().collect();
    assert_eq!(errors.len(), 1);
    match errors[0] {
        AbcError::Tune {
            file,
            number,
            title,
            line,
            column,
            problem,
        } => {
            assert_eq!(file, "mixed.abc");
            assert_eq!(*number, 2);
            assert_eq!(title, "Broken Tune");
            assert_eq!(*line, 11);
            assert_eq!(*column, 3);
            assert_eq!(*problem, AbcProblem::UnexpectedChar('#'));
        }
        other => panic!("{other:?}"),
    }
    let message = errors[0].to_string();
    assert_eq!(
        message,
        "unexpected character '#' at line 11, column 3 of tune X:2 \"Broken Tune\" in mixed.abc"
    );
    // The third tune's line numbers are still right.
    assert_eq!(file.ok_tunes().nth(1).unwrap().line, 13);
}

#[test]
fn header_problems_name_their_line() {
    let file = parse_abc_str("X:4\nT:Odd\nK:H\nC\n", "k.abc");
    let error = file.errors().next().unwrap();
    assert_eq!(error.line(), Some(3));
    assert!(matches!(
        error.problem(),
        Some(AbcProblem::BadField { field: 'K', .. })
    ));
    let file = parse_abc_str("X:5\nM:waltz\nK:C\nC\n", "m.abc");
    assert!(matches!(
        file.errors().next().and_then(AbcError::problem),
        Some(AbcProblem::BadField { field: 'M', .. })
    ));
    let file = parse_abc_str("X:five\nK:C\nC\n", "x.abc");
    assert!(matches!(
        file.errors().next().and_then(AbcError::problem),
        Some(AbcProblem::BadField { field: 'X', .. })
    ));
}

#[test]
fn a_tune_without_notes_is_an_error() {
    let file = parse_abc_str("X:1\nT:Empty\nK:C\nz4 |]\n", "e.abc");
    let error = file.errors().next().unwrap();
    assert_eq!(error.problem(), Some(&AbcProblem::NoNotes));
    assert_eq!(error.line(), Some(1));
}

#[test]
fn music_without_k_is_read_with_a_warning() {
    let tune = only_tune("X:1\nT:No key\nL:1/4\nC D\n");
    assert_eq!(notes(&tune).len(), 2);
    assert_eq!(tune.key, None);
    assert_eq!(tune.warnings.len(), 1);
}

#[test]
fn files_are_read_from_disk_in_utf8_or_latin1() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.abc");
    std::fs::write(&path, b"X:1\nT:Gr\xfc\xdfe\nK:C\nC\n").unwrap();
    let file = read_abc_file(&path).unwrap();
    assert_eq!(file.ok_tunes().next().unwrap().title, "Grüße");
    assert_eq!(file.name, path.display().to_string());
    let missing = dir.path().join("missing.abc");
    let error = read_abc_file(&missing).unwrap_err();
    assert!(matches!(error, AbcError::Io { .. }));
    assert!(error.to_string().ends_with("missing.abc)"), "{error}");
}

#[test]
fn into_pieces_splits_pieces_and_errors() {
    let file = parse_abc_str("X:1\nK:C\nC\n\nX:2\nK:C\n#\n", "p.abc");
    let (pieces, errors) = file.into_pieces();
    assert_eq!(pieces.len(), 1);
    assert_eq!(errors.len(), 1);
}

#[test]
fn titles_continue_and_lyrics_are_skipped() {
    let text = "X:3\nT:A Long\n+:Title\nT:Second title\nK:C\nC D\nw:la la\nW:more words\nE\n";
    let tune = only_tune(text);
    assert_eq!(tune.title, "A Long Title");
    assert_eq!(
        notes(&tune).iter().map(|n| n.0).collect::<Vec<_>>(),
        [60, 62, 64]
    );
}

#[test]
fn a_pickup_before_the_first_bar_line_is_recorded() {
    // 3/4 with a quarter-note pickup: the first bar line after 480 ticks.
    let tune = only_tune("X:1\nT:p\nM:3/4\nL:1/4\nK:C\nG|c2 e|g3|]\n");
    assert_eq!(tune.piece.pickup, 480);
    // An eighth-note pickup in 6/8 after a leading repeat sign.
    let tune = only_tune("X:1\nT:p\nM:6/8\nL:1/8\nK:C\n|:G|c2e g2e|c3-c3:|\n");
    assert_eq!(tune.piece.pickup, 240);
    // A tune that starts on a bar line (full first bar), or has no bar line at all.
    assert_eq!(crate::music::metre::lead_in_steps(&tune.piece), 10);
    let full = only_tune("X:1\nT:p\nM:2/4\nL:1/8\nK:C\ncdef|g4|]\n");
    assert_eq!(full.piece.pickup, 0);
    assert_eq!(crate::music::metre::lead_in_steps(&full.piece), 0);
    assert_eq!(
        only_tune("X:1\nT:p\nM:2/4\nL:1/8\nK:C\ncdefg4\n")
            .piece
            .pickup,
        0
    );
    let tune = only_tune("X:1\nT:p\nM:3/4\nL:1/4\nK:C\nG|c2 e|g3|]\n");
    assert_eq!(crate::music::metre::lead_in_steps(&tune.piece), 8);
}
