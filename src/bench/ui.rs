//! `gan-studio bench ui`: launch time, frame rate and memory of the real studio window.
//!
//! The benchmark (the parent) starts the real binary several times with the hidden option
//! `--bench-frames FILE`. In that mode the studio (the child) keeps repainting without pause,
//! so the frame rate measures what the UI can do rather than how often training messages
//! arrive, and a [`FrameRecorder`] (in [`crate::ui::frames`]) notes every frame; at exit it
//! writes a [`FrameReport`] (JSON) to `FILE`. The parent reads the reports and prints `name value unit` lines.
//!
//! What is measured, exactly:
//! - **first frame**: from the parent's clock just before it spawns the process to the start
//!   of the studio's *second* frame. By then the first frame has been laid out (`logic` +
//!   `ui`), tessellated, painted and handed to the window system (eframe shows the window
//!   after that first paint). `first_update_ms` is the end of the first `ui` call instead
//!   (before tessellation and painting). Both use the wall clock (UNIX epoch), so they hold
//!   across the two processes; they include process start, window and renderer creation,
//!   font and model loading.
//! - **frame interval**: the time between the starts of consecutive frames (the start of
//!   `App::logic`); frames per second are frames counted over the time they span.
//! - **frame CPU**: eframe's own figure for a whole frame (`logic`, `ui`, tessellation and
//!   rendering, without waiting for vsync), as it reports it at the next frame.
//!   `update_ms` is the time of `logic` + `ui` alone on the UI thread. eframe leaves out of
//!   this figure the time wgpu spends in `submit`, `present` and acquiring the next surface
//!   (it counts it as vsync), and a software rasterizer such as lavapipe does its drawing
//!   there; the frame rate is the figure that always includes the drawing.
//! - **opening big files** (`--scene open`): the whole folk set as one ABC file (1,754 tunes,
//!   the three Erk files joined) and a generated MIDI file of about 5 MB, opened together
//!   1.5 s after the window is up (files open on background jobs). From the first frame that
//!   saw the file work under way to the end of the launch (the big document on show), the
//!   longest frame interval, the longest `logic` + `ui` and the longest whole frame. Without
//!   the folk set only the MIDI file is opened (a line says so).
//! - **memory**: `VmHWM` (the peak resident set of the whole process, training included) from
//!   `/proc/self/status` at exit, and the largest `VmRSS` sampled while training ran.
//!
//! A frame that egui runs in two passes (a rare layout correction) is recorded once, with the
//! time of its first pass.
//!
//! The children run with a fresh data folder (`GAN_STUDIO_DATA`, the folk set linked in when
//! it is there) and a fresh `XDG_DATA_HOME` (no saved window settings), removed afterwards, so
//! the runs are alike and the user's folders are left alone. The data-set cache is the
//! user's, as in a normal start. The children inherit the environment, so
//! `GAN_STUDIO_RENDERER=wgpu` (or `glow`) measures a given renderer (see
//! [`crate::ui::renderer`]).

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::median_f64;
#[cfg(doc)]
use crate::ui::frames::FrameRecorder;
use crate::ui::frames::{FrameReport, FrameSample, unix_now_s};

/// Frames of the studio scene in its first seconds are left out: the scene is still being
/// set up (the variation is being generated on a worker).
const STUDIO_SETTLE_S: f64 = 2.0;
/// How long a child may run past its `--exit-after` before it is stopped.
const EXIT_GRACE: Duration = Duration::from_secs(120);

/// Errors of the UI benchmark; each names the file or process concerned.
#[derive(Debug, thiserror::Error)]
pub enum UiBenchError {
    /// No display to open a window on.
    #[error(
        "bench ui needs a display, and neither DISPLAY nor WAYLAND_DISPLAY is set: \
         run it under a virtual one, e.g. `xvfb-run -a gan-studio bench ui`"
    )]
    NoDisplay,
    /// The running binary could not be located.
    #[error("could not find the gan-studio binary to launch: {0}")]
    NoBinary(#[source] io::Error),
    /// The scratch folder could not be made.
    #[error("could not prepare the benchmark folder: {source}: {path}")]
    Workspace {
        /// The folder.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The studio could not be started.
    #[error("could not start the studio: {source}: {path}")]
    Spawn {
        /// The binary.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The studio ran far past its `--exit-after` and was stopped.
    #[error("the studio ({what}) did not close within {secs:.0} s and was stopped")]
    Timeout {
        /// Which launch.
        what: String,
        /// Seconds waited.
        secs: f64,
    },
    /// The studio exited with an error.
    #[error("the studio ({what}) failed ({status}): {stderr}")]
    Failed {
        /// Which launch.
        what: String,
        /// Its exit status.
        status: ExitStatus,
        /// The end of its standard error.
        stderr: String,
    },
    /// The frame record could not be read.
    #[error("could not read the frame record: {source}: {path}")]
    Read {
        /// The record.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The frame record is not valid JSON of the expected shape.
    #[error("the frame record is not valid: {source}: {path}")]
    Parse {
        /// The record.
        path: PathBuf,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// A launch recorded too few frames to measure anything.
    #[error("the studio ({what}) recorded no {which} frames in {secs:.0} s: {path}")]
    NoFrames {
        /// Which launch.
        what: String,
        /// Which frames were looked for.
        which: String,
        /// How long it ran.
        secs: f64,
        /// The record.
        path: PathBuf,
    },
    /// Printing the figures failed.
    #[error("could not print the figures: {0}")]
    Output(#[from] io::Error),
}

/// Frame figures over a selection of frames.
#[derive(Clone, Debug, PartialEq)]
pub struct FrameStats {
    /// Frame intervals counted (pairs of consecutive selected frames).
    pub intervals: usize,
    /// Seconds those intervals span.
    pub seconds: f64,
    /// Frames per second: intervals / seconds.
    pub fps: f64,
    /// Median whole-frame time by eframe's count, ms.
    pub frame_cpu_ms_median: f64,
    /// 95th percentile (nearest rank) of the whole-frame time, ms.
    pub frame_cpu_ms_p95: f64,
    /// Median time of `logic` + `ui`, ms.
    pub update_ms_median: f64,
    /// Training steps from the first to the last selected frame.
    pub steps: u64,
}

/// Frame figures over the frames `keep` selects. An interval counts when a frame and the one
/// before it are both selected, so gaps (frames left out) never stretch an interval. `None`
/// when fewer than two consecutive frames are selected.
pub fn frame_stats(
    frames: &[FrameSample],
    keep: impl Fn(&FrameSample) -> bool,
) -> Option<FrameStats> {
    let kept: Vec<bool> = frames.iter().map(&keep).collect();
    let mut intervals = 0;
    let mut seconds = 0.0;
    for i in 1..frames.len() {
        if kept[i] && kept[i - 1] {
            intervals += 1;
            seconds += frames[i].t_s - frames[i - 1].t_s;
        }
    }
    if intervals == 0 || seconds <= 0.0 {
        return None;
    }
    let selected: Vec<&FrameSample> = frames
        .iter()
        .zip(&kept)
        .filter(|(_, k)| **k)
        .map(|(f, _)| f)
        .collect();
    let cpu: Vec<f64> = selected.iter().filter_map(|f| f.frame_cpu_ms).collect();
    let update: Vec<f64> = selected.iter().map(|f| f.update_ms).collect();
    let steps = match (selected.first(), selected.last()) {
        (Some(first), Some(last)) => last.steps.saturating_sub(first.steps),
        _ => 0,
    };
    Some(FrameStats {
        intervals,
        seconds,
        fps: intervals as f64 / seconds,
        frame_cpu_ms_median: median_f64(&cpu),
        frame_cpu_ms_p95: percentile(&cpu, 0.95),
        update_ms_median: median_f64(&update),
        steps,
    })
}

/// The `p` quantile (0..=1) by nearest rank: the smallest value with at least `p` of the
/// values at or below it. NaN for an empty list.
pub fn percentile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Settings of the UI benchmark.
#[derive(Clone, Debug)]
pub struct UiBench {
    /// Plain launches timed for the first frame (the median is printed).
    pub launches: usize,
    /// Seconds the training launch runs (`--scene training`); 0 skips it.
    pub training_secs: f64,
    /// Seconds the launch without training runs (`--scene studio`); 0 skips it.
    pub studio_secs: f64,
    /// Seconds the launch that opens big files runs (`--scene open`); 0 skips it.
    pub open_secs: f64,
}

impl Default for UiBench {
    fn default() -> Self {
        UiBench {
            launches: 5,
            training_secs: 20.0,
            studio_secs: 8.0,
            open_secs: 20.0,
        }
    }
}

/// Runs the UI benchmark with the running binary and prints its figures to `out`.
pub fn run(settings: &UiBench, out: &mut impl Write) -> Result<(), UiBenchError> {
    if std::env::var_os("DISPLAY").is_none_or(|d| d.is_empty())
        && std::env::var_os("WAYLAND_DISPLAY").is_none_or(|d| d.is_empty())
    {
        return Err(UiBenchError::NoDisplay);
    }
    let exe = std::env::current_exe().map_err(UiBenchError::NoBinary)?;
    let work = Workspace::new()?;

    if settings.launches > 0 {
        let mut first_frame = Vec::new();
        let mut first_update = Vec::new();
        let mut renderer = String::new();
        for i in 0..settings.launches {
            let what = format!("launch {}", i + 1);
            let (spawned, report, path) = work.launch(&exe, &what, &[], 1.0)?;
            let (Some(frame), Some(update)) =
                (report.first_frame_unix_s, report.first_update_unix_s)
            else {
                return Err(UiBenchError::NoFrames {
                    what,
                    which: "first".into(),
                    secs: 1.0,
                    path,
                });
            };
            first_frame.push((frame - spawned) * 1000.0);
            first_update.push((update - spawned) * 1000.0);
            renderer = report.renderer;
        }
        writeln!(out, "# renderer: {renderer}")?;
        writeln!(
            out,
            "# first frame: spawn to the end of the first painted frame, median of {} launches \
             (each: {})",
            first_frame.len(),
            list_ms(&first_frame)
        )?;
        emit(out, "first_frame_ms", median_f64(&first_frame), "ms")?;
        emit(out, "first_update_ms", median_f64(&first_update), "ms")?;
    }

    if settings.training_secs > 0.0 {
        let what = "training scene";
        let (_, report, path) =
            work.launch(&exe, what, &["--scene", "training"], settings.training_secs)?;
        let stats =
            frame_stats(&report.frames, |f| f.training).ok_or_else(|| UiBenchError::NoFrames {
                what: what.into(),
                which: "training".into(),
                secs: settings.training_secs,
                path: path.clone(),
            })?;
        writeln!(out, "# renderer: {}", report.renderer)?;
        writeln!(
            out,
            "# while training ran: {} frames over {:.1} s, {} training steps",
            stats.intervals, stats.seconds, stats.steps
        )?;
        emit(out, "training_fps", stats.fps, "fps")?;
        emit(out, "frame_cpu_ms_median", stats.frame_cpu_ms_median, "ms")?;
        emit(out, "frame_cpu_ms_p95", stats.frame_cpu_ms_p95, "ms")?;
        emit(out, "update_ms_median", stats.update_ms_median, "ms")?;
        emit(out, "training_steps", stats.steps as f64, "steps")?;
        emit(
            out,
            "training_steps_per_s",
            stats.steps as f64 / stats.seconds,
            "steps/s",
        )?;
        emit(
            out,
            "training_rss_max_mb",
            report.training_rss_max_mb.unwrap_or(f64::NAN),
            "MB",
        )?;
        emit(
            out,
            "peak_rss_mb",
            report.vm_hwm_mb.unwrap_or(f64::NAN),
            "MB",
        )?;
    }

    if settings.studio_secs > 0.0 {
        let what = "studio scene";
        let (_, report, path) =
            work.launch(&exe, what, &["--scene", "studio"], settings.studio_secs)?;
        let stats = frame_stats(&report.frames, |f| !f.training && f.t_s >= STUDIO_SETTLE_S)
            .ok_or_else(|| UiBenchError::NoFrames {
                what: what.into(),
                which: "settled".into(),
                secs: settings.studio_secs,
                path: path.clone(),
            })?;
        writeln!(
            out,
            "# without training (studio scene): {} frames over {:.1} s",
            stats.intervals, stats.seconds
        )?;
        emit(out, "studio_fps", stats.fps, "fps")?;
        emit(
            out,
            "studio_frame_cpu_ms_median",
            stats.frame_cpu_ms_median,
            "ms",
        )?;
        emit(out, "studio_frame_cpu_ms_p95", stats.frame_cpu_ms_p95, "ms")?;
        emit(out, "studio_update_ms_median", stats.update_ms_median, "ms")?;
        emit(
            out,
            "studio_peak_rss_mb",
            report.vm_hwm_mb.unwrap_or(f64::NAN),
            "MB",
        )?;
    }

    if settings.open_secs > 0.0 {
        open_files_bench(&work, &exe, settings.open_secs, out)?;
    }
    Ok(())
}

/// MIDI notes in the generated file: about 5 MB of MIDI.
const BIG_MIDI_NOTES: u32 = 850_000;

/// The launch that opens big files (see the module docs), and its figures.
fn open_files_bench(
    work: &Workspace,
    exe: &Path,
    secs: f64,
    out: &mut impl Write,
) -> Result<(), UiBenchError> {
    let what = "open scene";
    let mut files = Vec::new();
    match work.joined_folk_abc()? {
        Some((path, tunes)) => {
            writeln!(out, "# open: the folk set as one ABC file, {tunes} tunes")?;
            files.push(path);
        }
        None => writeln!(
            out,
            "# open: the folk set is missing (gan-studio dataset fetch); MIDI file only"
        )?,
    }
    let (midi, bytes) = work.big_midi_file()?;
    writeln!(
        out,
        "# open: a MIDI file of {:.1} MB ({BIG_MIDI_NOTES} notes)",
        bytes as f64 / 1e6
    )?;
    files.push(midi);
    let mut args = vec!["--scene".to_owned(), "open".to_owned()];
    args.extend(files.iter().map(|p| p.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (_, report, path) = work.launch(exe, what, &args, secs)?;
    let Some(first) = report.frames.iter().position(|f| f.files_busy) else {
        return Err(UiBenchError::NoFrames {
            what: what.into(),
            which: "file-opening".into(),
            secs,
            path,
        });
    };
    let frames = &report.frames[first..];
    let busy_until = frames
        .iter()
        .rposition(|f| f.files_busy)
        .map_or(0.0, |last| frames[last].t_s - frames[0].t_s);
    let longest_interval = frames
        .windows(2)
        .map(|w| (w[1].t_s - w[0].t_s) * 1000.0)
        .fold(0.0, f64::max);
    let longest_update = frames.iter().map(|f| f.update_ms).fold(0.0, f64::max);
    let longest_cpu = frames
        .iter()
        .filter_map(|f| f.frame_cpu_ms)
        .fold(0.0, f64::max);
    writeln!(
        out,
        "# while and after the files opened: {} frames over {:.1} s",
        frames.len(),
        frames.last().map_or(0.0, |f| f.t_s - frames[0].t_s)
    )?;
    emit(out, "open_busy_s", busy_until, "s")?;
    emit(
        out,
        "open_longest_frame_interval_ms",
        longest_interval,
        "ms",
    )?;
    emit(out, "open_longest_update_ms", longest_update, "ms")?;
    emit(out, "open_longest_frame_cpu_ms", longest_cpu, "ms")?;
    Ok(())
}

fn emit(out: &mut impl Write, name: &str, value: f64, unit: &str) -> io::Result<()> {
    writeln!(out, "{name} {value:.3} {unit}")
}

fn list_ms(values: &[f64]) -> String {
    values
        .iter()
        .map(|v| format!("{v:.0}"))
        .collect::<Vec<_>>()
        .join(", ")
        + " ms"
}

/// A scratch folder for the children (data folder, XDG data home, reports), removed on drop
/// (and on a signal: it is tracked, see [`crate::fsutil::track_temporary`]).
struct Workspace {
    dir: PathBuf,
    data: PathBuf,
    xdg_data: PathBuf,
    _tracked: crate::fsutil::TrackedTemporary,
}

impl Workspace {
    fn new() -> Result<Self, UiBenchError> {
        let stamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!(
            "gan-studio-bench-ui-{}-{stamp}",
            std::process::id()
        ));
        let tracked = crate::fsutil::track_temporary(&dir);
        let data = dir.join("data");
        let xdg_data = dir.join("xdg-data");
        let make = |path: &Path| {
            std::fs::create_dir_all(path).map_err(|source| UiBenchError::Workspace {
                path: path.to_path_buf(),
                source,
            })
        };
        make(&data)?;
        make(&xdg_data)?;
        let work = Workspace {
            dir,
            data,
            xdg_data,
            _tracked: tracked,
        };
        work.link_folk_set()?;
        Ok(work)
    }

    /// Links the user's folk set into the scratch data folder (else the studio falls back to
    /// its built-in demo melodies).
    fn link_folk_set(&self) -> Result<(), UiBenchError> {
        let Ok(real) = crate::data::fetch::data_dir() else {
            return Ok(());
        };
        let folk = crate::data::fetch::folk_dir_in(&real);
        if !folk.is_dir() {
            return Ok(());
        }
        let link = crate::data::fetch::folk_dir_in(&self.data);
        #[cfg(unix)]
        std::os::unix::fs::symlink(&folk, &link)
            .map_err(|source| UiBenchError::Workspace { path: link, source })?;
        Ok(())
    }

    /// The folk set's three ABC files joined into one in the scratch folder, with its tune
    /// count (`None` without the folk set).
    fn joined_folk_abc(&self) -> Result<Option<(PathBuf, usize)>, UiBenchError> {
        let Ok(real) = crate::data::fetch::data_dir() else {
            return Ok(None);
        };
        let folk = crate::data::fetch::folk_dir_in(&real);
        if !crate::data::fetch::folk_is_present_in(&folk) {
            return Ok(None);
        }
        let mut joined = String::new();
        for part in crate::data::fetch::folk_abc_paths(&folk) {
            let text = std::fs::read_to_string(&part)
                .map_err(|source| UiBenchError::Workspace { path: part, source })?;
            joined.push_str(&text);
            joined.push_str("\n\n");
        }
        let tunes = joined.lines().filter(|l| l.starts_with("X:")).count();
        let path = self.dir.join("folk-all.abc");
        std::fs::write(&path, joined).map_err(|source| UiBenchError::Workspace {
            path: path.clone(),
            source,
        })?;
        Ok(Some((path, tunes)))
    }

    /// A generated MIDI file of [`BIG_MIDI_NOTES`] notes (about 5 MB) in the scratch folder,
    /// with its size in bytes.
    fn big_midi_file(&self) -> Result<(PathBuf, u64), UiBenchError> {
        use crate::music::{Note, Piece, Pitch, Velocity};
        let path = self.dir.join("big.mid");
        let sixteenth = 120;
        let notes: Vec<Note> = (0..BIG_MIDI_NOTES)
            .filter_map(|i| {
                let pitch = Pitch::new(48 + ((i * 7) % 36) as u8).ok()?;
                // Four voices a step apart; steps of a sixteenth.
                let start = u64::from(i / 4) * sixteenth + u64::from(i % 4);
                Note::new(pitch, start, sixteenth * 2, Velocity::DEFAULT).ok()
            })
            .collect();
        let workspace = |source| UiBenchError::Workspace {
            path: path.clone(),
            source,
        };
        let piece = Piece::from_notes(480, "big", notes)
            .map_err(|e| workspace(io::Error::other(e.to_string())))?;
        crate::midi::write_file(&path, &piece)
            .map_err(|e| workspace(io::Error::other(e.to_string())))?;
        let bytes = std::fs::metadata(&path).map_err(workspace)?.len();
        Ok((path, bytes))
    }

    /// Starts the studio with `args`, waits for it to close by itself after `secs` seconds,
    /// and returns the wall-clock time just before the spawn, its report and the report's
    /// path.
    fn launch(
        &self,
        exe: &Path,
        what: &str,
        args: &[&str],
        secs: f64,
    ) -> Result<(f64, FrameReport, PathBuf), UiBenchError> {
        let name = what.replace(' ', "-");
        let record = self.dir.join(format!("{name}.json"));
        let stderr_path = self.dir.join(format!("{name}.stderr"));
        let workspace_error = |path: &Path| {
            let path = path.to_path_buf();
            move |source| UiBenchError::Workspace { path, source }
        };
        let stderr = std::fs::File::create(&stderr_path).map_err(workspace_error(&stderr_path))?;
        let mut command = Command::new(exe);
        command
            .arg("--bench-frames")
            .arg(&record)
            .arg("--exit-after")
            .arg(format!("{secs}"))
            .args(args)
            .env(crate::data::fetch::DATA_DIR_ENV, &self.data)
            .env("XDG_DATA_HOME", &self.xdg_data)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr);
        let spawned = unix_now_s();
        let child = command.spawn().map_err(|source| UiBenchError::Spawn {
            path: exe.to_path_buf(),
            source,
        })?;
        let status = wait_for(child, Duration::from_secs_f64(secs) + EXIT_GRACE, what)?;
        if !status.success() {
            let text = std::fs::read_to_string(&stderr_path).unwrap_or_default();
            return Err(UiBenchError::Failed {
                what: what.into(),
                status,
                stderr: tail(&text, 2000),
            });
        }
        let report = read_report(&record)?;
        Ok((spawned, report, record))
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Reads a frame record written by the studio.
pub fn read_report(path: &Path) -> Result<FrameReport, UiBenchError> {
    let bytes = std::fs::read(path).map_err(|source| UiBenchError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_slice(&bytes).map_err(|source| UiBenchError::Parse {
        path: path.to_path_buf(),
        source,
    })
}

/// Waits for `child` to exit, stopping it after `limit`.
fn wait_for(mut child: Child, limit: Duration, what: &str) -> Result<ExitStatus, UiBenchError> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if start.elapsed() >= limit {
            let _ = child.kill();
            let _ = child.wait();
            return Err(UiBenchError::Timeout {
                what: what.into(),
                secs: limit.as_secs_f64(),
            });
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The last `max` bytes of `text` (cut at a character boundary), trimmed.
fn tail(text: &str, max: usize) -> String {
    let mut start = text.len().saturating_sub(max);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    text[start..].trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(t_s: f64, cpu: Option<f64>, training: bool, steps: u64) -> FrameSample {
        FrameSample {
            t_s,
            update_ms: t_s * 10.0,
            frame_cpu_ms: cpu,
            training,
            steps,
            files_busy: false,
        }
    }

    #[test]
    fn frame_rate_counts_intervals_between_selected_frames_only() {
        // Training frames at 1.0, 1.1, 1.3 then a gap (frame 4 not training), then 2.0, 2.5.
        // Intervals: 0.1 + 0.2 (first run) + 0.5 (second run) = 0.8 s for 3 intervals.
        let frames = [
            frame(0.0, Some(50.0), false, 0),
            frame(1.0, Some(10.0), true, 5),
            frame(1.1, Some(20.0), true, 6),
            frame(1.3, Some(30.0), true, 8),
            frame(1.8, Some(99.0), false, 9),
            frame(2.0, Some(40.0), true, 10),
            frame(2.5, None, true, 12),
        ];
        let stats = frame_stats(&frames, |f| f.training).unwrap();
        assert_eq!(stats.intervals, 3);
        assert!((stats.seconds - 0.8).abs() < 1e-12);
        assert!((stats.fps - 3.0 / 0.8).abs() < 1e-9);
        // CPU of the selected frames that have one: 10, 20, 30, 40.
        assert_eq!(stats.frame_cpu_ms_median, 25.0);
        assert_eq!(stats.frame_cpu_ms_p95, 40.0);
        // update_ms = 10 * t: 10, 11, 13, 20, 25 -> median 13.
        assert!((stats.update_ms_median - 13.0).abs() < 1e-9);
        assert_eq!(stats.steps, 12 - 5);
    }

    #[test]
    fn no_stats_without_two_consecutive_selected_frames() {
        let frames = [
            frame(0.0, None, true, 0),
            frame(1.0, None, false, 0),
            frame(2.0, None, true, 0),
        ];
        assert_eq!(frame_stats(&frames, |f| f.training), None);
        assert_eq!(frame_stats(&[], |_| true), None);
    }

    #[test]
    fn percentile_by_nearest_rank() {
        let values: Vec<f64> = (1..=20).rev().map(f64::from).collect();
        assert_eq!(percentile(&values, 0.95), 19.0);
        assert_eq!(percentile(&values, 0.5), 10.0);
        assert_eq!(percentile(&values, 1.0), 20.0);
        assert_eq!(percentile(&values, 0.0), 1.0);
        assert_eq!(percentile(&[7.0], 0.95), 7.0);
        assert!(percentile(&[], 0.95).is_nan());
    }

    #[test]
    fn tail_keeps_the_end_at_a_character_boundary() {
        assert_eq!(tail("abc♯def", 4), "def");
        assert_eq!(tail("  short ", 100), "short");
    }
}
