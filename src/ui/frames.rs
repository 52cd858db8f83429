//! The studio's frame recorder for `gan-studio bench ui`: with `--bench-frames FILE` the studio
//! repaints without pause and a [`FrameRecorder`] notes every frame (its start, the time of
//! `logic` + `ui`, eframe's whole-frame time, the training worker's state, memory); at exit it
//! writes a [`FrameReport`] as JSON to `FILE`, which the benchmark reads.

use std::io;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// How often the resident memory is sampled while training runs.
const RSS_PROBE_EVERY: Duration = Duration::from_millis(250);

/// The frame record could not be written.
#[derive(Debug, thiserror::Error)]
#[error("could not write the frame record: {source}: {path}")]
pub struct FrameRecordError {
    /// The record.
    pub path: PathBuf,
    /// Why.
    #[source]
    pub source: io::Error,
}

/// One frame of the studio, as the [`FrameRecorder`] saw it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrameSample {
    /// When the frame began (start of `App::logic`), in seconds since the recorder started.
    pub t_s: f64,
    /// Milliseconds of `logic` + `ui` on the UI thread.
    pub update_ms: f64,
    /// Milliseconds of the whole frame by eframe's count (update, tessellation, rendering;
    /// no vsync wait); `None` for the last frame, whose figure eframe never reported.
    pub frame_cpu_ms: Option<f64>,
    /// Whether the training worker was running (stepping) during the frame.
    pub training: bool,
    /// Training steps done when the frame ended.
    pub steps: u64,
    /// Whether file work (opening, saving, exporting) was under way in the background.
    #[serde(default)]
    pub files_busy: bool,
}

/// What the studio writes at exit in `--bench-frames` mode.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FrameReport {
    /// The renderer and adapter, e.g. `wgpu: llvmpipe (Vulkan, Cpu)` or `glow`.
    pub renderer: String,
    /// Wall-clock time (seconds since the UNIX epoch) at which the first `ui` call ended.
    pub first_update_unix_s: Option<f64>,
    /// Wall-clock time (seconds since the UNIX epoch) at which the second frame began, that
    /// is when the first one had been painted.
    pub first_frame_unix_s: Option<f64>,
    /// Every frame, in order.
    pub frames: Vec<FrameSample>,
    /// Peak resident memory of the process at exit (`VmHWM`), MB.
    pub vm_hwm_mb: Option<f64>,
    /// Resident memory at exit (`VmRSS`), MB.
    pub vm_rss_mb: Option<f64>,
    /// The largest `VmRSS` sampled while training ran, MB.
    pub training_rss_max_mb: Option<f64>,
}

/// Records the studio's frames in `--bench-frames` mode (see the module docs); the studio calls
/// [`FrameRecorder::begin_frame`] first thing in `logic`, [`FrameRecorder::end_frame`] last
/// thing in `ui`, and [`FrameRecorder::write`] at exit.
#[derive(Debug)]
pub struct FrameRecorder {
    path: PathBuf,
    started: Instant,
    last_frame_nr: Option<u64>,
    frame_began: Option<Instant>,
    last_rss_probe: Option<Instant>,
    report: FrameReport,
}

impl FrameRecorder {
    /// A recorder that will write its report to `path`.
    pub fn new(path: PathBuf) -> Self {
        FrameRecorder {
            path,
            started: Instant::now(),
            last_frame_nr: None,
            frame_began: None,
            last_rss_probe: None,
            report: FrameReport::default(),
        }
    }

    /// Notes the start of a frame and asks for the next one at once (continuous repainting).
    /// A second egui pass of the same frame is ignored.
    pub fn begin_frame(&mut self, ctx: &egui::Context, frame: &eframe::Frame) {
        ctx.request_repaint();
        let frame_nr = ctx.cumulative_frame_nr();
        if self.last_frame_nr == Some(frame_nr) {
            return;
        }
        self.last_frame_nr = Some(frame_nr);
        if self.report.renderer.is_empty() {
            self.report.renderer = renderer_name(frame);
        }
        let cpu_ms = frame.info().cpu_usage.map(|s| f64::from(s) * 1000.0);
        self.begin(cpu_ms);
    }

    /// [`FrameRecorder::begin_frame`] without egui: `previous_cpu_ms` is the previous frame's
    /// whole-frame time.
    fn begin(&mut self, previous_cpu_ms: Option<f64>) {
        if let Some(last) = self.report.frames.last_mut() {
            last.frame_cpu_ms = previous_cpu_ms;
        }
        if self.report.frames.len() == 1 && self.report.first_frame_unix_s.is_none() {
            self.report.first_frame_unix_s = Some(unix_now_s());
        }
        self.frame_began = Some(Instant::now());
    }

    /// Notes the end of a frame's `ui`, with the training worker's state (`training`: it is
    /// stepping), its step count, and whether file work runs in the background.
    pub fn end_frame(&mut self, training: bool, steps: u64, files_busy: bool) {
        let Some(began) = self.frame_began.take() else {
            return;
        };
        let now = Instant::now();
        if self.report.first_update_unix_s.is_none() {
            self.report.first_update_unix_s = Some(unix_now_s());
        }
        if training
            && self
                .last_rss_probe
                .is_none_or(|t| now.duration_since(t) >= RSS_PROBE_EVERY)
        {
            self.last_rss_probe = Some(now);
            if let Some(rss) = proc_status_mb("VmRSS:") {
                let max = self.report.training_rss_max_mb.get_or_insert(rss);
                *max = max.max(rss);
            }
        }
        self.report.frames.push(FrameSample {
            t_s: began.duration_since(self.started).as_secs_f64(),
            update_ms: now.duration_since(began).as_secs_f64() * 1000.0,
            frame_cpu_ms: None,
            training,
            steps,
            files_busy,
        });
    }

    /// The report so far.
    pub fn report(&self) -> &FrameReport {
        &self.report
    }

    /// Writes the report (with the memory figures of this moment) to its file, atomically.
    pub fn write(&self) -> Result<(), FrameRecordError> {
        let mut report = self.report.clone();
        report.vm_hwm_mb = proc_status_mb("VmHWM:");
        report.vm_rss_mb = proc_status_mb("VmRSS:");
        let bytes = serde_json::to_vec(&report).map_err(|e| FrameRecordError {
            path: self.path.clone(),
            source: io::Error::other(e),
        })?;
        crate::fsutil::write_atomic(&self.path, &bytes).map_err(|source| FrameRecordError {
            path: self.path.clone(),
            source,
        })
    }
}

/// The renderer eframe runs with, and for wgpu the adapter (name, graphics API, device type).
pub fn renderer_name(frame: &eframe::Frame) -> String {
    if let Some(state) = frame.wgpu_render_state() {
        let info = state.adapter.get_info();
        format!(
            "wgpu: {} ({:?}, {:?})",
            info.name, info.backend, info.device_type
        )
    } else if frame.gl().is_some() {
        "glow (OpenGL)".to_owned()
    } else {
        "unknown".to_owned()
    }
}

/// A `/proc/self/status` line such as `VmRSS:` in MB, where the platform has one.
fn proc_status_mb(key: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Seconds since the UNIX epoch (0 if the clock is before it).
pub(crate) fn unix_now_s() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorder_gives_each_frame_the_cpu_time_reported_at_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("frames.json");
        let mut recorder = FrameRecorder::new(path.clone());
        recorder.begin(None);
        recorder.end_frame(false, 0, false);
        assert!(recorder.report().first_update_unix_s.is_some());
        assert!(recorder.report().first_frame_unix_s.is_none());
        recorder.begin(Some(12.5));
        assert!(recorder.report().first_frame_unix_s.is_some());
        recorder.end_frame(true, 3, true);
        // A second end without a begin (a second egui pass) records nothing.
        recorder.end_frame(true, 4, false);
        recorder.write().unwrap();
        let report: FrameReport = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(report.frames.len(), 2);
        assert_eq!(report.frames[0].frame_cpu_ms, Some(12.5));
        assert_eq!(report.frames[1].frame_cpu_ms, None);
        assert!(report.frames[1].training);
        assert_eq!(report.frames[1].steps, 3);
        assert!(report.frames[1].files_busy && !report.frames[0].files_busy);
        assert!(report.frames[1].t_s >= report.frames[0].t_s);
        assert!(report.first_frame_unix_s >= report.first_update_unix_s);
        if cfg!(target_os = "linux") {
            assert!(report.vm_hwm_mb.is_some_and(|mb| mb > 0.0));
            assert!(report.training_rss_max_mb.is_some_and(|mb| mb > 0.0));
        }
    }
}
