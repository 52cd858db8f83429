//! WAV files: writing renders as 16-bit PCM or 32-bit float, atomically.

use std::io::{self, BufWriter, Seek, Write};
use std::path::Path;

use super::{AudioError, RenderOptions, Rendered, render_piece};
use crate::fsutil;
use crate::music::Piece;

/// The sample format of a WAV file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SampleFormat {
    /// 16-bit integer PCM (the most widely read; samples are rounded, not dithered).
    #[default]
    Int16,
    /// 32-bit IEEE float (lossless for the synthesizer's output).
    Float32,
}

/// Writes a render as a stereo WAV file. The file appears complete or not at all: the data go
/// to a temporary file beside it, which is renamed over the target once flushed.
pub fn write_wav(path: &Path, rendered: &Rendered, format: SampleFormat) -> Result<(), AudioError> {
    fsutil::write_atomic_with(path, |file| {
        write_wav_to(BufWriter::new(file), rendered, format)
    })
    .map_err(|source| AudioError::WriteWav {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes a render as a stereo WAV stream to any seekable writer.
pub fn write_wav_to<W: Write + Seek>(
    writer: W,
    rendered: &Rendered,
    format: SampleFormat,
) -> io::Result<()> {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: rendered.sample_rate,
        bits_per_sample: match format {
            SampleFormat::Int16 => 16,
            SampleFormat::Float32 => 32,
        },
        sample_format: match format {
            SampleFormat::Int16 => hound::SampleFormat::Int,
            SampleFormat::Float32 => hound::SampleFormat::Float,
        },
    };
    let mut wav = hound::WavWriter::new(writer, spec).map_err(hound_to_io)?;
    for (&l, &r) in rendered.left.iter().zip(&rendered.right) {
        match format {
            SampleFormat::Int16 => {
                wav.write_sample(to_i16(l)).map_err(hound_to_io)?;
                wav.write_sample(to_i16(r)).map_err(hound_to_io)?;
            }
            SampleFormat::Float32 => {
                wav.write_sample(l).map_err(hound_to_io)?;
                wav.write_sample(r).map_err(hound_to_io)?;
            }
        }
    }
    wav.finalize().map_err(hound_to_io)
}

/// A float sample in -1.0..=1.0 as 16-bit PCM, rounded and clamped.
fn to_i16(sample: f32) -> i16 {
    (sample.clamp(-1.0, 1.0) * 32767.0).round() as i16
}

/// hound's errors as I/O errors (keeping the operating system's error where there is one).
fn hound_to_io(e: hound::Error) -> io::Error {
    match e {
        hound::Error::IoError(io) => io,
        other => io::Error::other(other.to_string()),
    }
}

/// What a render to a file produced (for a command line or a status bar to report).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RenderSummary {
    /// Frames per second.
    pub sample_rate: u32,
    /// Frames written.
    pub frames: usize,
    /// Length in seconds.
    pub seconds: f64,
    /// The largest absolute sample value.
    pub peak: f32,
    /// The gain applied to the synthesizer's output: to avoid clipping, then to normalize
    /// (1.0 when neither was done).
    pub gain: f32,
}

impl RenderSummary {
    fn of(rendered: &Rendered) -> RenderSummary {
        RenderSummary {
            sample_rate: rendered.sample_rate,
            frames: rendered.frames(),
            seconds: rendered.duration_seconds(),
            peak: rendered.peak(),
            gain: rendered.gain,
        }
    }
}

/// Renders a piece and writes it as a WAV file (what `gan-studio render` and the studio's
/// "Export WAV" do once they have a piece), normalized as `options.normalize_dbfs` asks.
pub fn render_piece_to_wav(
    piece: &Piece,
    out: &Path,
    options: &RenderOptions,
    format: SampleFormat,
) -> Result<RenderSummary, AudioError> {
    let mut rendered = render_piece(piece, options)?;
    if let Some(peak_dbfs) = options.normalize_dbfs {
        rendered.normalize(peak_dbfs);
    }
    write_wav(out, &rendered, format)?;
    Ok(RenderSummary::of(&rendered))
}

/// Reads a Standard MIDI File, renders it and writes a WAV file: the library call behind
/// `gan-studio render FILE.mid --out FILE.wav [--soundfont FILE] [--rate 44100|48000]`.
pub fn render_midi_file_to_wav(
    midi: &Path,
    out: &Path,
    options: &RenderOptions,
    format: SampleFormat,
) -> Result<RenderSummary, AudioError> {
    let file = crate::midi::read_file(midi)?;
    render_piece_to_wav(&file.piece, out, options, format)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Rendered {
        Rendered {
            sample_rate: 48_000,
            left: vec![0.0, 0.5, -1.5],
            right: vec![1.0, -0.25, 0.0],
            gain: 1.0,
        }
    }

    #[test]
    fn int16_round_trip_through_hound() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.wav");
        write_wav(&path, &tiny(), SampleFormat::Int16).unwrap();
        let mut reader = hound::WavReader::open(&path).unwrap();
        let spec = reader.spec();
        assert_eq!(
            (spec.channels, spec.sample_rate, spec.bits_per_sample),
            (2, 48_000, 16)
        );
        let samples: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
        // 0.5 * 32767 = 16383.5 rounds to 16384; -1.5 clamps to -32767.
        assert_eq!(samples, vec![0, 32767, 16384, -8192, -32767, 0]);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn float32_is_exact() {
        let mut buf = io::Cursor::new(Vec::new());
        write_wav_to(&mut buf, &tiny(), SampleFormat::Float32).unwrap();
        buf.set_position(0);
        let mut reader = hound::WavReader::new(buf).unwrap();
        assert_eq!(reader.spec().sample_format, hound::SampleFormat::Float);
        let samples: Vec<f32> = reader.samples::<f32>().map(Result::unwrap).collect();
        assert_eq!(samples, vec![0.0, 1.0, 0.5, -0.25, -1.5, 0.0]);
    }

    #[test]
    fn unwritable_path_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no/such/dir/out.wav");
        let err = write_wav(&path, &tiny(), SampleFormat::Int16).unwrap_err();
        let msg = err.to_string();
        assert!(msg.ends_with("out.wav"), "{msg}");
    }
}
