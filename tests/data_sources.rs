//! Data sources end to end: a MAESTRO-shaped folder (CSV and JSON), nested MIDI folders with
//! a bad file, zip archives with unsafe entries, and sets with nothing usable.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod data_support;

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use data_support::{c_major_piano, c_major_tokens, scale_piece, write_midi};
use gan_studio::data::{
    DataError, DataSource, Dataset, LoadOptions, PreprocessConfig, Split, load_dataset,
};

fn load(source: DataSource) -> Result<Dataset, DataError> {
    load_dataset(
        &[source],
        &PreprocessConfig::default(),
        &LoadOptions::default(),
    )
}

fn skipped_items(dataset: &Dataset) -> Vec<(String, String)> {
    dataset
        .stats
        .skipped
        .iter()
        .map(|s| (s.item.clone(), s.reason.clone()))
        .collect()
}

const MAESTRO_CSV: &str = "\
canonical_composer,canonical_title,split,year,midi_filename,audio_filename,duration
\"Bach, J. S.\",\"Prelude and Fugue in C, BWV 846\",train,2018,2018/a.midi,2018/a.wav,10.0
Chopin,Etude,validation,2018,2018/b.midi,2018/b.wav,10.0
Liszt,Sonata,test,2017,2017/c.midi,2017/c.wav,10.0
Berg,Sonata,train,2017,2017/missing.midi,2017/missing.wav,10.0
Haydn,Sonata,dev,2017,2017/c.midi,2017/c.wav,10.0
";

/// A MAESTRO-shaped folder: three performances of 5 bars of [`c_major_piano`], one listed
/// file missing, one row with an unknown split.
fn maestro_folder(root: &Path) {
    for name in ["2018/a.midi", "2018/b.midi", "2017/c.midi"] {
        write_midi(&root.join(name), &c_major_piano(5));
    }
}

fn check_maestro(dataset: &Dataset, metadata: &str) {
    let stats = &dataset.stats;
    assert_eq!(
        (
            stats.pieces.train,
            stats.pieces.validation,
            stats.pieces.test
        ),
        (1, 1, 1)
    );
    let by_id = |id: &str| dataset.pieces.iter().find(|p| p.id == id).unwrap();
    let a = by_id("maestro:2018/a.midi");
    assert_eq!(a.split, Split::Train);
    assert_eq!(a.title, "Bach, J. S.: Prelude and Fugue in C, BWV 846");
    assert_eq!(by_id("maestro:2018/b.midi").split, Split::Validation);
    assert_eq!(by_id("maestro:2017/c.midi").split, Split::Test);
    // 5 bars = 80 steps: windows of 64 at stride 16 start at 0 and 16.
    assert_eq!(
        (
            stats.windows.train,
            stats.windows.validation,
            stats.windows.test
        ),
        (2, 2, 2)
    );
    let windows = dataset.windows(Split::Train);
    assert_eq!(windows.len(), 2);
    // The skyline of the piano piece is its right hand, already in C major.
    assert_eq!(a.estimated_key, Some("C major".parse().unwrap()));
    assert_eq!(dataset.window_ids(windows[0]), c_major_tokens(4));
    let skipped = skipped_items(dataset);
    assert_eq!(skipped.len(), 2, "{skipped:#?}");
    assert!(
        skipped
            .iter()
            .any(|(item, reason)| item.starts_with("metadata row 5 ")
                && item.ends_with(metadata)
                && reason.contains("unknown split \"dev\"")),
        "{skipped:#?}"
    );
    assert!(
        skipped
            .iter()
            .any(|(item, reason)| item.ends_with("missing.midi") && reason.contains("cannot read")),
        "{skipped:#?}"
    );
}

#[test]
fn a_maestro_folder_keeps_its_split_column() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("maestro-v3.0.0");
    maestro_folder(&root);
    std::fs::write(root.join("maestro-v3.0.0.csv"), MAESTRO_CSV).unwrap();
    assert_eq!(
        DataSource::detect(&root).unwrap(),
        DataSource::Maestro(root.clone())
    );
    let dataset = load(DataSource::Maestro(root)).unwrap();
    check_maestro(&dataset, "maestro-v3.0.0.csv");
}

#[test]
fn maestro_json_metadata_works_without_the_csv() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    maestro_folder(&root);
    // The column form pandas writes; rows "0".."4" as in the CSV above.
    let json = r#"{
        "canonical_composer": {"0": "Bach, J. S.", "1": "Chopin", "2": "Liszt", "3": "Berg", "4": "Haydn"},
        "canonical_title": {"0": "Prelude and Fugue in C, BWV 846", "1": "Etude", "2": "Sonata", "3": "Sonata", "4": "Sonata"},
        "split": {"0": "train", "1": "validation", "2": "test", "3": "train", "4": "dev"},
        "midi_filename": {"0": "2018/a.midi", "1": "2018/b.midi", "2": "2017/c.midi", "3": "2017/missing.midi", "4": "2017/c.midi"}
    }"#;
    std::fs::write(root.join("maestro-v3.0.0.json"), json).unwrap();
    let dataset = load(DataSource::Maestro(root)).unwrap();
    check_maestro(&dataset, "maestro-v3.0.0.json");
}

#[test]
fn a_maestro_folder_without_metadata_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let error = load(DataSource::Maestro(dir.path().into())).unwrap_err();
    assert!(
        matches!(error, DataError::MaestroMetadataMissing(_)),
        "{error}"
    );
}

#[test]
fn nested_midi_folders_are_read_and_a_bad_file_is_listed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("songs");
    write_midi(&root.join("a.mid"), &scale_piece("a", 64));
    write_midi(&root.join("sub/B.MIDI"), &scale_piece("b", 64));
    write_midi(&root.join("sub/deeper/c.kar"), &scale_piece("c", 64));
    let bad = root.join("sub/bad.mid");
    std::fs::write(&bad, b"this is not a MIDI file").unwrap();
    std::fs::write(root.join("readme.txt"), b"not music").unwrap();

    let dataset = load(DataSource::Folder(root.clone())).unwrap();
    assert_eq!(dataset.stats.files, 4);
    let mut ids: Vec<&str> = dataset.pieces.iter().map(|p| p.id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(
        ids,
        vec![
            "folder:songs/a.mid",
            "folder:songs/sub/B.MIDI",
            "folder:songs/sub/deeper/c.kar"
        ]
    );
    // The bad file is listed with the MIDI reader's own reason.
    let expected = gan_studio::midi::read_file(&bad)
        .unwrap_err()
        .problem
        .to_string();
    assert_eq!(
        skipped_items(&dataset),
        vec![(bad.display().to_string(), expected)]
    );
    // Titles come from the track names written above.
    assert!(dataset.pieces.iter().any(|p| p.title == "b"));
}

fn zip_bytes(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        writer
            .start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn write_zip(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn a_zip_entry_escaping_the_folder_is_refused_and_the_rest_imported() {
    let dir = tempfile::tempdir().unwrap();
    let midi = gan_studio::midi::write_bytes(&scale_piece("good", 64)).unwrap();
    let bytes = zip_bytes(&[
        ("set/good.mid", &midi),
        ("../evil.mid", &midi),
        ("/abs/evil2.mid", &midi),
        ("set/broken.mid", b"MThd garbage"),
        ("set/notes.txt", b"ignored"),
    ]);
    let path = write_zip(dir.path(), "set.zip", &bytes);
    assert_eq!(
        DataSource::detect(&path).unwrap(),
        DataSource::Zip(path.clone())
    );
    let dataset = load(DataSource::Zip(path.clone())).unwrap();
    let ids: Vec<&str> = dataset.pieces.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids.len(), 1, "{ids:?} {:#?}", dataset.stats.skipped);
    assert_eq!(dataset.pieces[0].id, "zip:set.zip/set/good.mid");
    assert_eq!(
        dataset.pieces[0].source,
        format!("{}!set/good.mid", path.display())
    );
    let skipped = skipped_items(&dataset);
    assert_eq!(skipped.len(), 3, "{skipped:#?}");
    for evil in ["../evil.mid", "/abs/evil2.mid"] {
        assert!(
            skipped.iter().any(|(item, reason)| item.ends_with(evil)
                && reason.contains("leaves the archive's folder")),
            "{evil}: {skipped:#?}"
        );
    }
    assert!(
        skipped
            .iter()
            .any(|(item, _)| item.ends_with("set/broken.mid"))
    );
}

/// Sets the uncompressed size of every entry in the zip's central directory (offset 24 of
/// each central file header, signature `PK\x01\x02`).
fn declare_size(bytes: &mut [u8], size: u32) {
    let mut patched = 0;
    for at in 0..bytes.len() - 28 {
        if bytes[at..at + 4] == *b"PK\x01\x02" {
            bytes[at + 24..at + 28].copy_from_slice(&size.to_le_bytes());
            patched += 1;
        }
    }
    assert!(patched > 0);
}

#[test]
fn a_zip_declaring_more_than_the_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let midi = gan_studio::midi::write_bytes(&scale_piece("good", 64)).unwrap();
    let mut bytes = zip_bytes(&[("good.mid", &midi)]);
    // 3.75 GiB declared, beyond the 2 GiB limit.
    declare_size(&mut bytes, 0xF000_0000);
    let path = write_zip(dir.path(), "big.zip", &bytes);
    let error = load(DataSource::Zip(path.clone())).unwrap_err();
    assert!(matches!(error, DataError::ZipRefused { .. }), "{error}");
    let message = error.to_string();
    assert!(
        message.contains("more than the limit of 2147483648 bytes"),
        "{message}"
    );
    assert!(
        message.ends_with(&format!("({})", path.display())),
        "{message}"
    );
}

#[test]
fn nothing_usable_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("empty-ish");
    std::fs::create_dir(&root).unwrap();
    std::fs::write(root.join("bad.mid"), b"nope").unwrap();
    let mut drums = scale_piece("drums", 64);
    drums.parts[0].channel = gan_studio::music::Channel::DRUMS;
    write_midi(&root.join("drums.mid"), &drums);
    let error = load(DataSource::Folder(root.clone())).unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(error, DataError::NoUsableMelody { .. }),
        "{message}"
    );
    assert!(
        message.contains("no usable melody in files in"),
        "{message}"
    );
    assert!(
        message.contains("2 file(s) read, 2 item(s) skipped"),
        "{message}"
    );
    assert!(message.contains("bad.mid"), "{message}");

    // An empty folder, too.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    assert!(matches!(
        load(DataSource::Folder(empty)),
        Err(DataError::NoUsableMelody { .. })
    ));
    // A source that does not exist.
    assert!(matches!(
        load(DataSource::Folder(dir.path().join("nowhere"))),
        Err(DataError::NotFound(_))
    ));
}

#[test]
fn the_demo_set_loads_without_skips() {
    let dataset = load(DataSource::Demo).unwrap();
    println!("{}", dataset.stats);
    assert!(dataset.pieces.len() >= 3);
    assert!(dataset.stats.skipped.is_empty(), "{}", dataset.stats);
    assert!(dataset.window_count(Split::Train) > 0);
    dataset.require_training_windows().unwrap();
    // Every piece was transposed to C major or A minor: shifts within -5..=6.
    assert!(dataset.pieces.iter().all(|p| (-5..=6).contains(&p.shift)));
}

#[test]
fn a_missing_folk_set_says_how_to_fetch_it() {
    let dir = tempfile::tempdir().unwrap();
    let error = load(DataSource::Folk(dir.path().into())).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("gan-studio dataset fetch"), "{message}");
    assert!(message.contains("pip download"), "{message}");
}
