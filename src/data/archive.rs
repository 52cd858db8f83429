//! Zip archives of MIDI (and ABC) files, read in memory: nothing is ever extracted to disk.
//!
//! # Safety limits ([`ZipLimits`])
//! - The archive file itself and the sum of the uncompressed sizes its central directory
//!   declares must both stay within `max_total_bytes` (2 GiB by default), or the whole
//!   archive is refused before anything is decompressed.
//! - An entry larger than 1 MiB that claims to expand more than `max_ratio` times (100 by
//!   default; MIDI files compress 2-10 times) refuses the whole archive: that is how zip bombs
//!   look.
//! - An entry whose path would leave the folder it is extracted into (`../x.mid`, an
//!   absolute path) or is a symbolic link is refused and listed; the other entries are read.
//! - An entry larger than `max_entry_bytes` (the MIDI reader's limit) is refused and listed;
//!   reading never produces more bytes than the entry declares.
//!
//! Folders, and files that are neither MIDI nor ABC (e.g. a README), are passed over
//! silently, as are macOS metadata (`__MACOSX/`, `._name`).

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use zip::ZipArchive;

use super::error::DataError;
use super::format::{FileFormat, format_of};

/// Limits that protect against hostile or broken archives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ZipLimits {
    /// The most bytes the archive and its declared content may take (default 2 GiB).
    pub max_total_bytes: u64,
    /// The largest single entry read (default: the MIDI reader's 16 MiB).
    pub max_entry_bytes: u64,
    /// The largest ratio of uncompressed to compressed size for entries over 1 MiB
    /// (default 100).
    pub max_ratio: u64,
}

impl Default for ZipLimits {
    fn default() -> Self {
        ZipLimits {
            max_total_bytes: 2 << 30,
            max_entry_bytes: crate::midi::MAX_FILE_BYTES,
            max_ratio: 100,
        }
    }
}

/// Entries above this size are checked against [`ZipLimits::max_ratio`].
const RATIO_CHECK_BYTES: u64 = 1 << 20;

/// An archive held in memory, shared by the reading threads.
pub(crate) type SharedArchive = ZipArchive<Cursor<Arc<[u8]>>>;

/// One usable entry of an archive.
#[derive(Clone, Debug)]
pub(crate) struct ZipEntry {
    /// The entry's index in the archive.
    pub index: usize,
    /// Its path inside the archive (`/` separators).
    pub name: String,
    /// MIDI or ABC.
    pub format: FileFormat,
}

/// An opened archive: its entries to read and the ones refused.
pub(crate) struct OpenedZip {
    /// The archive, to clone per reader.
    pub archive: SharedArchive,
    /// The raw bytes (for the cache key).
    pub bytes: Arc<[u8]>,
    /// The entries to read, in archive order.
    pub entries: Vec<ZipEntry>,
    /// Entries refused: (name, reason).
    pub refused: Vec<(String, String)>,
}

/// Opens an archive and lists its entries under the limits (see the module documentation).
pub(crate) fn open_zip(path: &Path, limits: &ZipLimits) -> Result<OpenedZip, DataError> {
    let refuse = |reason: String| DataError::ZipRefused {
        path: path.to_path_buf(),
        reason,
    };
    let size = std::fs::metadata(path)
        .map_err(|e| DataError::io("read", path, e))?
        .len();
    if size > limits.max_total_bytes {
        return Err(refuse(format!(
            "the archive is {size} bytes, more than the limit of {} bytes",
            limits.max_total_bytes
        )));
    }
    let bytes: Arc<[u8]> = std::fs::read(path)
        .map_err(|e| DataError::io("read", path, e))?
        .into();
    let archive =
        ZipArchive::new(Cursor::new(Arc::clone(&bytes))).map_err(|source| DataError::Zip {
            path: path.to_path_buf(),
            source,
        })?;
    let mut total: u64 = 0;
    let mut entries = Vec::new();
    let mut refused = Vec::new();
    for index in 0..archive.len() {
        let entry = archive
            .by_index_data(index)
            .map_err(|source| DataError::Zip {
                path: path.to_path_buf(),
                source,
            })?;
        let raw_name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        total = total.saturating_add(entry.size());
        if total > limits.max_total_bytes {
            return Err(refuse(format!(
                "its entries would expand to more than the limit of {} bytes",
                limits.max_total_bytes
            )));
        }
        let (size, compressed) = (entry.size(), entry.compressed_size());
        if size > RATIO_CHECK_BYTES && size > compressed.saturating_mul(limits.max_ratio) {
            return Err(refuse(format!(
                "the entry {raw_name:?} claims to expand from {compressed} to {size} bytes, \
                 more than {} times (a zip bomb?)",
                limits.max_ratio
            )));
        }
        if entry.is_dir() || is_macos_metadata(&raw_name) {
            continue;
        }
        let Some(format) = format_of(Path::new(&raw_name)) else {
            continue;
        };
        let Some(enclosed) = entry.enclosed_name().filter(|_| !is_absolute(&raw_name)) else {
            refused.push((
                raw_name,
                "its path leaves the archive's folder (absolute, or through ..); refused"
                    .to_string(),
            ));
            continue;
        };
        if entry.is_symlink() {
            refused.push((raw_name, "it is a symbolic link; refused".to_string()));
            continue;
        }
        if size > limits.max_entry_bytes {
            refused.push((
                raw_name,
                format!(
                    "it is {size} bytes, more than the limit of {} bytes",
                    limits.max_entry_bytes
                ),
            ));
            continue;
        }
        entries.push(ZipEntry {
            index,
            name: slash_path(&enclosed),
            format,
        });
    }
    Ok(OpenedZip {
        archive,
        bytes,
        entries,
        refused,
    })
}

/// Reads one entry's bytes, never more than it declares (nor than the entry limit).
pub(crate) fn read_entry(
    archive: &SharedArchive,
    index: usize,
    limits: &ZipLimits,
) -> Result<Vec<u8>, String> {
    let mut archive = archive.clone();
    let mut file = archive.by_index(index).map_err(|e| e.to_string())?;
    let declared = file.size();
    let cap = declared.min(limits.max_entry_bytes);
    let mut bytes = Vec::with_capacity(usize::try_from(cap).unwrap_or(0).min(1 << 24));
    (&mut file)
        .take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot decompress: {e}"))?;
    if bytes.len() as u64 > cap {
        return Err(format!(
            "it expands beyond its declared {declared} bytes; refused"
        ));
    }
    Ok(bytes)
}

/// Whether an entry name is absolute: a leading `/` or `\`, or a drive letter (`C:`).
/// The zip reader would quietly make such names relative; they are refused instead.
fn is_absolute(name: &str) -> bool {
    let bytes = name.as_bytes();
    name.starts_with(['/', '\\'])
        || (bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':')
}

fn is_macos_metadata(name: &str) -> bool {
    name.starts_with("__MACOSX/")
        || name
            .rsplit('/')
            .next()
            .is_some_and(|file| file.starts_with("._"))
}

/// A relative path with `/` separators.
pub(crate) fn slash_path(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The path of an archive entry as shown to the user: `archive.zip!dir/x.mid`.
pub(crate) fn entry_display(archive: &Path, entry: &str) -> String {
    format!("{}!{entry}", archive.display())
}

/// The archive path's file name, for identifiers independent of where the archive lies.
pub(crate) fn archive_label(path: &Path) -> PathBuf {
    PathBuf::from(path.file_name().unwrap_or(path.as_os_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use zip::write::SimpleFileOptions;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in entries {
            writer
                .start_file(*name, SimpleFileOptions::default())
                .unwrap();
            writer.write_all(data).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    fn write_zip(dir: &Path, entries: &[(&str, &[u8])]) -> PathBuf {
        let path = dir.join("a.zip");
        std::fs::write(&path, zip_of(entries)).unwrap();
        path
    }

    #[test]
    fn entries_are_listed_and_junk_passed_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_zip(
            dir.path(),
            &[
                ("songs/one.mid", b"MThd"),
                ("songs/Two.MIDI", b"MThd"),
                ("README.txt", b"hello"),
                ("__MACOSX/songs/._one.mid", b"junk"),
                ("tunes.abc", b"X:1"),
            ],
        );
        let opened = open_zip(&path, &ZipLimits::default()).unwrap();
        let names: Vec<&str> = opened.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, vec!["songs/one.mid", "songs/Two.MIDI", "tunes.abc"]);
        assert_eq!(opened.entries[2].format, FileFormat::Abc);
        assert!(opened.refused.is_empty());
        let bytes = read_entry(
            &opened.archive,
            opened.entries[0].index,
            &ZipLimits::default(),
        );
        assert_eq!(bytes.unwrap(), b"MThd");
    }

    #[test]
    fn absolute_names_are_recognized() {
        assert!(is_absolute("/etc/x.mid"));
        assert!(is_absolute("\\\\server\\x.mid"));
        assert!(is_absolute("C:\\x.mid"));
        assert!(is_absolute("c:x.mid"));
        assert!(!is_absolute("songs/x.mid"));
        assert!(!is_absolute("ab:c.mid"));
    }

    #[test]
    fn a_ratio_beyond_the_limit_refuses_the_archive() {
        // 2 MiB of zeros deflate to about 2 KB: a ratio near 1000.
        let dir = tempfile::tempdir().unwrap();
        let zeros = vec![0u8; 2 << 20];
        let path = write_zip(dir.path(), &[("bomb.mid", &zeros)]);
        let error = open_zip(&path, &ZipLimits::default()).err().unwrap();
        assert!(error.to_string().contains("zip bomb"), "{error}");
        // With a generous ratio limit, it is only too large for one entry of 1 MiB.
        let limits = ZipLimits {
            max_ratio: 10_000,
            max_entry_bytes: 1 << 20,
            ..ZipLimits::default()
        };
        let opened = open_zip(&path, &limits).unwrap();
        assert!(opened.entries.is_empty());
        assert!(
            opened.refused[0]
                .1
                .contains("more than the limit of 1048576")
        );
    }
}
