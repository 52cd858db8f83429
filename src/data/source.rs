//! Data sources and the files they hold.
//!
//! A [`DataSource`] names where melodies come from; listing it gives the files to read
//! (inputs), each with a stable identifier that does not depend on where the data lies on
//! disk (it feeds the seeded split and the cache key), and the entries refused while
//! listing (unsafe zip entries, unusable MAESTRO rows).

use std::fmt;
use std::path::{Path, PathBuf};

use super::archive::{self, SharedArchive, ZipLimits};
use super::error::DataError;
use super::fetch;
use super::format::{FileFormat, format_of};
use super::maestro;
use super::split::Split;
use super::stats::Skipped;

/// The built-in demo melodies: public-domain tunes in ABC, shipped with the program.
pub const DEMO_ABC: &str = include_str!("../../assets/demo/demo_melodies.abc");

/// Where melodies come from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum DataSource {
    /// The Essen folk set (Erk subset): `erk10.abc`, `erk20.abc`, `erk30.abc` in a folder
    /// (see [`fetch::folk_dir`]).
    Folk(PathBuf),
    /// ABC files, each with one or more tunes.
    Abc(Vec<PathBuf>),
    /// A MIDI or ABC file, or a folder searched recursively for MIDI files (`.mid`, `.midi`,
    /// `.kar`, any case) and ABC files.
    Folder(PathBuf),
    /// A zip archive of MIDI and ABC files (see [`super::archive`] for its limits).
    Zip(PathBuf),
    /// A MAESTRO v3 folder (see [`super::maestro`]); its split column is honoured.
    Maestro(PathBuf),
    /// The built-in demo melodies ([`DEMO_ABC`]).
    Demo,
}

impl DataSource {
    /// Tells what a path holds: a folder with MAESTRO metadata is [`DataSource::Maestro`],
    /// one with the folk set's files [`DataSource::Folk`], any other folder
    /// [`DataSource::Folder`]; a `.zip` file is [`DataSource::Zip`], an `.abc` file
    /// [`DataSource::Abc`], a MIDI file [`DataSource::Folder`].
    pub fn detect(path: &Path) -> Result<DataSource, DataError> {
        let metadata = std::fs::metadata(path).map_err(|_| DataError::NotFound(path.into()))?;
        if metadata.is_dir() {
            return Ok(if maestro::find_metadata(path).is_some() {
                DataSource::Maestro(path.into())
            } else if fetch::folk_abc_paths(path).iter().all(|p| p.is_file()) {
                DataSource::Folk(path.into())
            } else {
                DataSource::Folder(path.into())
            });
        }
        let is_zip = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
        match (is_zip, format_of(path)) {
            (true, _) => Ok(DataSource::Zip(path.into())),
            (false, Some(FileFormat::Abc)) => Ok(DataSource::Abc(vec![path.into()])),
            (false, Some(FileFormat::Midi)) => Ok(DataSource::Folder(path.into())),
            (false, None) => Err(DataError::UnknownSource(path.into())),
        }
    }

    /// The default training set: the folk set when it has been fetched into
    /// `folk_dir`, else the built-in demo melodies.
    pub fn default_for(folk_dir: Option<&Path>) -> DataSource {
        match folk_dir {
            Some(dir) if fetch::folk_abc_paths(dir).iter().all(|p| p.is_file()) => {
                DataSource::Folk(dir.into())
            }
            _ => DataSource::Demo,
        }
    }

    /// A short kind tag for identifiers: `folk`, `abc`, `folder`, `zip`, `maestro`, `demo`.
    pub(crate) fn tag(&self) -> &'static str {
        match self {
            DataSource::Folk(_) => "folk",
            DataSource::Abc(_) => "abc",
            DataSource::Folder(_) => "folder",
            DataSource::Zip(_) => "zip",
            DataSource::Maestro(_) => "maestro",
            DataSource::Demo => "demo",
        }
    }
}

impl fmt::Display for DataSource {
    /// `folk set in PATH`, `MIDI folder PATH`, ...
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataSource::Folk(dir) => write!(f, "folk set (Essen, Erk) in {}", dir.display()),
            DataSource::Abc(paths) => {
                let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
                write!(f, "ABC {}", names.join(", "))
            }
            DataSource::Folder(path) => write!(f, "files in {}", path.display()),
            DataSource::Zip(path) => write!(f, "zip archive {}", path.display()),
            DataSource::Maestro(path) => write!(f, "MAESTRO in {}", path.display()),
            DataSource::Demo => f.write_str("built-in demo melodies"),
        }
    }
}

/// Where an input's bytes are.
#[derive(Clone, Debug)]
pub(crate) enum Origin {
    /// A file on disk.
    File(PathBuf),
    /// An entry of an archive held in memory.
    Zip {
        /// The archive.
        archive: SharedArchive,
        /// The entry's index.
        index: usize,
    },
    /// Text built into the program.
    Builtin(&'static str),
}

/// One file to read.
#[derive(Clone, Debug)]
pub(crate) struct Input {
    /// What the user sees: a path, or `archive.zip!entry`.
    pub name: String,
    /// A stable identifier: `kind:relative/path` (see the module documentation).
    pub id: String,
    /// MIDI or ABC.
    pub format: FileFormat,
    /// Where the bytes are.
    pub origin: Origin,
    /// The split given by the source (MAESTRO), if any.
    pub split: Option<Split>,
    /// A title given by the source (MAESTRO), if any.
    pub title: Option<String>,
}

/// The files of some sources.
#[derive(Debug, Default)]
pub(crate) struct Listing {
    /// The files to read, sources in order, each source's files in a fixed order.
    pub inputs: Vec<Input>,
    /// Entries refused while listing.
    pub refused: Vec<Skipped>,
    /// Content not covered by the inputs' own bytes (archives, metadata): (label, hash).
    pub fingerprints: Vec<(String, u64)>,
}

/// Lists the files of the sources.
pub(crate) fn list_sources(
    sources: &[DataSource],
    limits: &ZipLimits,
) -> Result<Listing, DataError> {
    let mut listing = Listing::default();
    for source in sources {
        list_source(source, limits, &mut listing)?;
    }
    Ok(listing)
}

fn file_input(tag: &str, id: String, path: &Path, format: FileFormat) -> Input {
    Input {
        name: path.display().to_string(),
        id: format!("{tag}:{id}"),
        format,
        origin: Origin::File(path.into()),
        split: None,
        title: None,
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn list_source(
    source: &DataSource,
    limits: &ZipLimits,
    listing: &mut Listing,
) -> Result<(), DataError> {
    let tag = source.tag();
    match source {
        DataSource::Folk(dir) => {
            let paths = fetch::folk_abc_paths(dir);
            if !paths.iter().all(|p| p.is_file()) {
                return Err(DataError::FolkMissing {
                    dir: dir.clone(),
                    manual: fetch::manual_fetch_commands(dir),
                });
            }
            for path in paths {
                let input = file_input(tag, file_name(&path), &path, FileFormat::Abc);
                listing.inputs.push(input);
            }
        }
        DataSource::Abc(paths) => {
            for path in paths {
                if !path.is_file() {
                    return Err(DataError::NotFound(path.clone()));
                }
                let input = file_input(tag, file_name(path), path, FileFormat::Abc);
                listing.inputs.push(input);
            }
        }
        DataSource::Folder(root) => list_folder(root, listing)?,
        DataSource::Zip(path) => {
            let opened = archive::open_zip(path, limits)?;
            let label = archive::archive_label(path).display().to_string();
            listing.fingerprints.push((
                format!("zip:{label}"),
                super::hash::hash_bytes(&opened.bytes),
            ));
            for (entry, reason) in opened.refused {
                listing.refused.push(Skipped {
                    item: archive::entry_display(path, &entry),
                    reason,
                });
            }
            for entry in opened.entries {
                listing.inputs.push(Input {
                    name: archive::entry_display(path, &entry.name),
                    id: format!("{tag}:{label}/{}", entry.name),
                    format: entry.format,
                    origin: Origin::Zip {
                        archive: opened.archive.clone(),
                        index: entry.index,
                    },
                    split: None,
                    title: None,
                });
            }
        }
        DataSource::Maestro(root) => {
            let index = maestro::read_index(root)?;
            let metadata = std::fs::read(&index.metadata)
                .map_err(|e| DataError::io("read", &index.metadata, e))?;
            listing.fingerprints.push((
                format!("maestro:{}", file_name(&index.metadata)),
                super::hash::hash_bytes(&metadata),
            ));
            for (row, reason) in index.rejected {
                listing.refused.push(Skipped {
                    item: format!("{row} in {}", index.metadata.display()),
                    reason,
                });
            }
            for entry in index.entries {
                let path = root.join(&entry.midi_filename);
                let mut input = file_input(tag, entry.midi_filename, &path, FileFormat::Midi);
                input.split = Some(entry.split);
                input.title = (!entry.title.is_empty()).then_some(entry.title);
                listing.inputs.push(input);
            }
        }
        DataSource::Demo => listing.inputs.push(Input {
            name: "built-in demo melodies".to_string(),
            id: format!("{tag}:demo_melodies.abc"),
            format: FileFormat::Abc,
            origin: Origin::Builtin(DEMO_ABC),
            split: None,
            title: None,
        }),
    }
    Ok(())
}

/// Lists a MIDI/ABC file, or a folder recursively (sorted by name; symbolic links to folders
/// are not followed; macOS `__MACOSX` folders and `._` files are passed over). A subfolder
/// that cannot be listed is reported as skipped.
fn list_folder(root: &Path, listing: &mut Listing) -> Result<(), DataError> {
    let metadata = std::fs::metadata(root).map_err(|_| DataError::NotFound(root.into()))?;
    let tag = DataSource::Folder(PathBuf::new()).tag();
    let label = file_name(root);
    if metadata.is_file() {
        let format = format_of(root).ok_or_else(|| DataError::UnknownSource(root.into()))?;
        listing.inputs.push(file_input(tag, label, root, format));
        return Ok(());
    }
    let mut stack = vec![root.to_path_buf()];
    let mut files = Vec::new();
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if dir == root => return Err(DataError::io("list the folder", root, e)),
            Err(e) => {
                listing.refused.push(Skipped {
                    item: dir.display().to_string(),
                    reason: format!("cannot list the folder: {e}"),
                });
                continue;
            }
        };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("._") || name == "__MACOSX" {
                continue;
            }
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                stack.push(path);
            } else if let Some(format) = format_of(&path) {
                // Files, and symbolic links to files.
                if kind.is_file() || path.is_file() {
                    files.push((path, format));
                }
            }
        }
    }
    files.sort();
    for (path, format) in files {
        let relative = path.strip_prefix(root).unwrap_or(&path);
        let id = format!("{label}/{}", archive::slash_path(relative));
        listing.inputs.push(file_input(tag, id, &path, format));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_by_layout_and_extension() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        assert!(matches!(
            DataSource::detect(&root.join("missing")),
            Err(DataError::NotFound(_))
        ));
        assert_eq!(
            DataSource::detect(root).unwrap(),
            DataSource::Folder(root.into())
        );
        std::fs::write(root.join("x.zip"), b"").unwrap();
        std::fs::write(root.join("x.abc"), b"").unwrap();
        std::fs::write(root.join("x.txt"), b"").unwrap();
        assert_eq!(
            DataSource::detect(&root.join("x.zip")).unwrap(),
            DataSource::Zip(root.join("x.zip"))
        );
        assert_eq!(
            DataSource::detect(&root.join("x.abc")).unwrap(),
            DataSource::Abc(vec![root.join("x.abc")])
        );
        assert!(matches!(
            DataSource::detect(&root.join("x.txt")),
            Err(DataError::UnknownSource(_))
        ));
        std::fs::write(root.join(maestro::MAESTRO_CSV), b"split,midi_filename\n").unwrap();
        assert_eq!(
            DataSource::detect(root).unwrap(),
            DataSource::Maestro(root.into())
        );
        let folk = root.join("folk");
        std::fs::create_dir(&folk).unwrap();
        assert_eq!(DataSource::default_for(Some(&folk)), DataSource::Demo);
        for name in fetch::FOLK_ABC_FILES {
            std::fs::write(folk.join(name), b"X:1").unwrap();
        }
        assert_eq!(
            DataSource::detect(&folk).unwrap(),
            DataSource::Folk(folk.clone())
        );
        assert_eq!(
            DataSource::default_for(Some(&folk)),
            DataSource::Folk(folk.clone())
        );
        assert_eq!(DataSource::default_for(None), DataSource::Demo);
    }
}
