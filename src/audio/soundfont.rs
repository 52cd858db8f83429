//! SoundFonts: the built-in piano, loading `.sf2` files safely, and their presets.
//!
//! The built-in piano (`assets/soundfonts/FluidR3_GM_piano.sf2`, 7.8 MB, MIT, see
//! `assets/soundfonts/NOTICE.md`) is embedded in the binary with `include_bytes!`, so the
//! studio and the command line make sound with nothing on disk. It is parsed once per process
//! and shared.
//!
//! rustysynth reads a SoundFont by trusting the sizes written in it: a damaged header can make
//! it allocate gigabytes before failing, and a few inconsistent tables make it index out of
//! bounds (a panic). So every font is first checked here: the whole file is read into memory,
//! its RIFF chunk tree is walked and every chunk must fit inside its parent and the file
//! (which bounds every allocation by the file size), and the three lists a SoundFont needs
//! must be present. Only then is rustysynth's parser called, inside `catch_unwind`, so that
//! a panic on some input we did not foresee becomes an [`AudioError::BadSoundFont`] naming
//! the file instead of bringing the studio down (the default panic hook still prints its
//! message on stderr).

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use super::AudioError;
use crate::music::Program;

/// The bytes of the built-in piano SoundFont.
static BUILT_IN_BYTES: &[u8] = include_bytes!("../../assets/soundfonts/FluidR3_GM_piano.sf2");

/// The name the built-in font goes by in messages and in the UI.
pub const BUILT_IN_NAME: &str = "built-in piano (FluidR3_GM_piano.sf2)";

/// The parsed built-in font, shared by every caller in the process.
static BUILT_IN: OnceLock<SoundFont> = OnceLock::new();

/// A bank/program pair naming one preset (instrument) of a SoundFont.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub struct PresetId {
    /// The bank, 0 for General MIDI melodic instruments, 128 for drum kits.
    pub bank: u16,
    /// The program within the bank.
    pub program: Program,
}

impl PresetId {
    /// The General MIDI acoustic grand piano (bank 0, program 0).
    pub const PIANO: PresetId = PresetId {
        bank: 0,
        program: Program::PIANO,
    };
}

impl fmt::Display for PresetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.bank, self.program.get())
    }
}

/// One preset of a SoundFont as the user picks it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresetInfo {
    /// Where it sits.
    pub id: PresetId,
    /// Its name as written in the font.
    pub name: String,
}

/// A loaded SoundFont: cheap to clone (the samples are shared), safe to send to the audio
/// thread.
#[derive(Clone)]
pub struct SoundFont {
    inner: Arc<rustysynth::SoundFont>,
    origin: Arc<str>,
    presets: Arc<[PresetInfo]>,
}

impl fmt::Debug for SoundFont {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SoundFont")
            .field("origin", &self.origin)
            .field("presets", &self.presets.len())
            .finish()
    }
}

impl SoundFont {
    /// The built-in piano, parsed on first use and shared afterwards.
    pub fn built_in() -> Result<SoundFont, AudioError> {
        if let Some(font) = BUILT_IN.get() {
            return Ok(font.clone());
        }
        let font = SoundFont::from_bytes(BUILT_IN_BYTES, BUILT_IN_NAME)?;
        // Two threads may race to parse it; both results are equal, keep the first.
        Ok(BUILT_IN.get_or_init(|| font).clone())
    }

    /// Loads a `.sf2` file. Garbage, truncated or damaged files give
    /// [`AudioError::BadSoundFont`] naming the file; nothing panics.
    pub fn load(path: &Path) -> Result<SoundFont, AudioError> {
        let bytes = std::fs::read(path).map_err(|source| AudioError::ReadSoundFont {
            path: path.to_path_buf(),
            source,
        })?;
        SoundFont::from_bytes(&bytes, &path.display().to_string())
    }

    /// Parses a SoundFont held in memory; `origin` names it in messages (a path or a name).
    pub fn from_bytes(bytes: &[u8], origin: &str) -> Result<SoundFont, AudioError> {
        let bad = |reason: String| AudioError::BadSoundFont {
            origin: origin.to_string(),
            reason,
        };
        check_riff_structure(bytes).map_err(bad)?;
        let parsed = catch_unwind(AssertUnwindSafe(|| {
            let mut reader = bytes;
            rustysynth::SoundFont::new(&mut reader)
        }))
        .map_err(|_| bad("the SoundFont parser crashed on it (damaged tables)".to_string()))?
        .map_err(|e| bad(describe_rustysynth_error(&e)))?;
        let mut presets: Vec<PresetInfo> = parsed
            .get_presets()
            .iter()
            .filter_map(|p| {
                let bank = u16::try_from(p.get_bank_number()).ok()?;
                let program = u8::try_from(p.get_patch_number())
                    .ok()
                    .and_then(|n| Program::new(n).ok())?;
                Some(PresetInfo {
                    id: PresetId { bank, program },
                    name: p.get_name().trim().to_string(),
                })
            })
            .collect();
        presets.sort_by_key(|p| p.id);
        presets.dedup_by_key(|p| p.id);
        if presets.is_empty() {
            return Err(bad("it holds no usable preset".to_string()));
        }
        Ok(SoundFont {
            inner: Arc::new(parsed),
            origin: Arc::from(origin),
            presets: presets.into(),
        })
    }

    /// The file path or built-in name this font came from.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The presets, sorted by bank then program.
    pub fn presets(&self) -> &[PresetInfo] {
        &self.presets
    }

    /// Whether the font has the preset.
    pub fn has_preset(&self, id: PresetId) -> bool {
        self.presets.binary_search_by_key(&id, |p| p.id).is_ok()
    }

    /// Whether the font has a drum kit (a preset in bank 128 or above, where rustysynth looks
    /// for the General MIDI percussion channel's sounds).
    pub fn has_drum_kit(&self) -> bool {
        self.presets.iter().any(|p| p.id.bank >= 128)
    }

    /// The first melodic preset (the one played when a program is missing), for UIs that
    /// want a sensible default.
    pub fn default_preset(&self) -> PresetId {
        self.presets
            .iter()
            .map(|p| p.id)
            .find(|id| id.bank < 128)
            .unwrap_or(PresetId::PIANO)
    }

    /// Refuses a preset the font does not have, naming the font.
    pub fn require_preset(&self, id: PresetId) -> Result<(), AudioError> {
        if self.has_preset(id) {
            Ok(())
        } else {
            Err(AudioError::PresetNotFound {
                bank: id.bank,
                program: id.program.get(),
                origin: self.origin.to_string(),
            })
        }
    }

    /// The rustysynth font, for the synthesizer.
    pub(crate) fn inner(&self) -> &Arc<rustysynth::SoundFont> {
        &self.inner
    }
}

/// The messages of rustysynth's errors in our words.
fn describe_rustysynth_error(e: &rustysynth::SoundFontError) -> String {
    match e {
        rustysynth::SoundFontError::UnsupportedSampleFormat => {
            "compressed (SF3/Ogg) samples are not supported; use an .sf2 file".to_string()
        }
        rustysynth::SoundFontError::IoError(io) => format!("it ends too early ({io})"),
        other => format!("damaged SoundFont data: {other}"),
    }
}

/// A four-character chunk id, printable.
fn fourcc(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                char::from(b)
            } else {
                '?'
            }
        })
        .collect()
}

/// Little-endian u32 at `at`, if the bytes are there.
fn u32_at(bytes: &[u8], at: usize) -> Option<usize> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
}

/// Walks the RIFF chunk tree of a SoundFont and checks that every chunk fits inside its
/// parent, and that the `INFO`, `sdta` and `pdta` lists are present. The error text says
/// what is wrong, in words a user can act on.
pub(crate) fn check_riff_structure(bytes: &[u8]) -> Result<(), String> {
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" {
        return Err("not a RIFF file: it does not start with 'RIFF'".to_string());
    }
    if &bytes[8..12] != b"sfbk" {
        return Err(format!(
            "a RIFF file, but of type '{}', not a SoundFont ('sfbk')",
            fourcc(&bytes[8..12])
        ));
    }
    let riff_size = u32_at(bytes, 4).unwrap_or(0);
    let riff_end = 8 + riff_size;
    if riff_end > bytes.len() {
        return Err(format!(
            "truncated: the header announces {riff_end} bytes but the file has {}",
            bytes.len()
        ));
    }
    let mut lists_seen = Vec::new();
    let mut pos = 12;
    while pos + 8 <= riff_end {
        let (id, size, body) = chunk_at(bytes, pos, riff_end)?;
        if id == "LIST" {
            if size < 4 {
                return Err(format!("damaged: the LIST chunk at byte {pos} is empty"));
            }
            let list_type = fourcc(&bytes[body..body + 4]);
            let list_end = body + size;
            let mut sub = body + 4;
            while sub + 8 <= list_end {
                let (_, sub_size, sub_body) = chunk_at(bytes, sub, list_end)?;
                sub = sub_body + sub_size;
            }
            if sub != list_end {
                return Err(format!(
                    "damaged: the '{list_type}' list at byte {pos} ends inside a chunk header"
                ));
            }
            lists_seen.push(list_type);
        }
        pos = body + size;
    }
    for needed in ["INFO", "sdta", "pdta"] {
        if !lists_seen.iter().any(|l| l == needed) {
            return Err(format!("the '{needed}' list is missing"));
        }
    }
    Ok(())
}

/// The chunk header at `pos`: its id, size and where its body starts; the body must end at
/// or before `end`.
fn chunk_at(bytes: &[u8], pos: usize, end: usize) -> Result<(String, usize, usize), String> {
    let id = fourcc(&bytes[pos..pos + 4]);
    let size = u32_at(bytes, pos + 4).unwrap_or(usize::MAX);
    let body = pos + 8;
    match body.checked_add(size) {
        Some(body_end) if body_end <= end => Ok((id, size, body)),
        _ => Err(format!(
            "truncated or damaged: chunk '{id}' at byte {pos} claims {size} bytes, but only {} \
             remain",
            end.saturating_sub(body)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_font_has_a_piano_and_no_drums() {
        let font = SoundFont::built_in().unwrap();
        assert!(font.has_preset(PresetId::PIANO));
        assert!(!font.has_drum_kit());
        assert_eq!(font.default_preset(), PresetId::PIANO);
        assert_eq!(font.origin(), BUILT_IN_NAME);
        // Parsed once: a second call shares the same samples.
        let again = SoundFont::built_in().unwrap();
        assert!(Arc::ptr_eq(font.inner(), again.inner()));
    }

    #[test]
    fn riff_walk_catches_lies_about_sizes() {
        let mut bytes = BUILT_IN_BYTES.to_vec();
        assert!(check_riff_structure(&bytes).is_ok());
        // The first LIST chunk (INFO) at byte 12 claims 2 GB.
        bytes[16..20].copy_from_slice(&0x7FFF_FFF0u32.to_le_bytes());
        let err = check_riff_structure(&bytes).unwrap_err();
        assert!(err.contains("claims"), "{err}");
        assert!(
            check_riff_structure(b"RIFF\0\0\0\0WAVE")
                .unwrap_err()
                .contains("WAVE")
        );
        assert!(check_riff_structure(b"MThd").unwrap_err().contains("RIFF"));
    }

    #[test]
    fn missing_list_is_named() {
        // A RIFF sfbk with only an INFO list.
        let mut bytes = b"RIFF\0\0\0\0sfbkLIST\x04\0\0\0INFO".to_vec();
        let size = (bytes.len() - 8) as u32;
        bytes[4..8].copy_from_slice(&size.to_le_bytes());
        let err = check_riff_structure(&bytes).unwrap_err();
        assert!(err.contains("'sdta'"), "{err}");
    }
}
