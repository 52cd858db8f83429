//! The room: a Freeverb-style stereo reverb (Jezar's public-domain design) run after the
//! synthesizer's voices.
//!
//! A mono send feeds eight damped comb filters per side in parallel, whose sum runs through
//! four all-pass filters in series; the right side's delay lines are 23 samples longer than the
//! left's, which is what makes the two channels differ. The tunings are the published
//! Freeverb ones (at 44.1 kHz, scaled to other rates), and the settings are those rustysynth
//! uses for its own reverb (room 0.5, damping 0.5, width 1, wet 1), so a piece sounds the
//! same as it did with rustysynth's effects.
//!
//! Written for speed, because it runs for every block of every render:
//! - the sixteen combs (eight per side) are updated side by side, one sample at a time, over
//!   fixed-size arrays, so the CPU overlaps their sixteen independent feedback chains instead
//!   of running one long chain after another;
//! - a block is cut into segments in which no delay line wraps around, so the inner loops
//!   carry no wrap-around checks;
//! - denormal numbers (which make some CPUs a hundred times slower) are kept away by a tiny
//!   constant added to the comb input (about -370 dB, far below anything audible) rather than
//!   by a test per sample per filter;
//! - after [`Reverb::IDLE_AFTER_SECONDS`] of exactly silent input the tail has decayed by more
//!   than 150 dB: the state is cleared once and processing stops until sound comes again, so a
//!   stopped transport costs next to nothing.
//!
//! Nothing here allocates after [`Reverb::new`], so it runs on the audio thread.

/// Comb delay lengths of the left side at 44.1 kHz (the published Freeverb tuning).
const COMB_TUNING: [usize; 8] = [1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617];
/// All-pass delay lengths of the left side at 44.1 kHz, in processing order.
const ALLPASS_TUNING: [usize; ALLPASSES] = [556, 441, 341, 225];
/// How much longer the right side's delay lines are, in samples at 44.1 kHz.
const STEREO_SPREAD: usize = 23;

/// Comb filters in all: 0..8 feed the left output, 8..16 the right.
const COMBS: usize = 16;
/// All-pass filters per side.
const ALLPASSES: usize = 4;

/// The input gain of the comb bank (Freeverb's fixed gain).
const INPUT_GAIN: f32 = 0.015;
/// Comb feedback: Freeverb's room size 0.5 scaled as 0.5 * 0.28 + 0.7.
const FEEDBACK: f32 = 0.84;
/// Comb damping: Freeverb's damping 0.5 scaled as 0.5 * 0.4.
const DAMP: f32 = 0.2;
/// All-pass feedback.
const ALLPASS_FEEDBACK: f32 = 0.5;
/// Added to every comb input sample: the combs settle near 6e-20 instead of decaying into
/// the denormal range (below 1.2e-38) during silence.
const ANTI_DENORMAL: f32 = 1e-20;

/// A stereo reverb with a mono input.
#[derive(Clone)]
pub struct Reverb {
    /// The sixteen comb delay lines, back to back.
    comb_lines: Vec<f32>,
    /// Length of each comb's delay line.
    comb_len: [usize; COMBS],
    /// Read/write position in each comb's delay line.
    comb_pos: [usize; COMBS],
    /// Each comb's one-pole low-pass state (the damping).
    comb_store: [f32; COMBS],
    /// The eight all-pass delay lines (left 0..4, right 4..8), back to back.
    allpass_lines: Vec<f32>,
    /// Length of each all-pass delay line.
    allpass_len: [usize; 2 * ALLPASSES],
    /// Position in each all-pass delay line.
    allpass_pos: [usize; 2 * ALLPASSES],
    /// Frames of exactly silent input in a row (saturating).
    silent_frames: usize,
    /// After this many silent frames the reverb goes idle.
    idle_after: usize,
    /// Whether the state is all zero and processing is skipped while the input is silent.
    idle: bool,
}

impl std::fmt::Debug for Reverb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reverb")
            .field("comb_len", &self.comb_len)
            .field("allpass_len", &self.allpass_len)
            .field("idle", &self.idle)
            .finish()
    }
}

impl Reverb {
    /// Seconds of exactly silent input after which the reverb clears its state and stops
    /// working until sound comes again. The slowest comb loses about 40 dB a second, so the
    /// tail is more than 150 dB down by then.
    pub const IDLE_AFTER_SECONDS: f64 = 4.0;

    /// A silent reverb for a sample rate (the tunings are scaled from 44.1 kHz; rates below
    /// 1 kHz are treated as 1 kHz).
    pub fn new(sample_rate: u32) -> Reverb {
        let rate = sample_rate.max(1_000);
        let scale = |samples: usize| -> usize {
            ((samples as f64 * f64::from(rate) / 44_100.0).round() as usize).max(1)
        };
        let mut comb_len = [0; COMBS];
        for (i, &tuning) in COMB_TUNING.iter().enumerate() {
            comb_len[i] = scale(tuning);
            comb_len[i + COMB_TUNING.len()] = scale(tuning + STEREO_SPREAD);
        }
        let mut allpass_len = [0; 2 * ALLPASSES];
        for (i, &tuning) in ALLPASS_TUNING.iter().enumerate() {
            allpass_len[i] = scale(tuning);
            allpass_len[i + ALLPASSES] = scale(tuning + STEREO_SPREAD);
        }
        Reverb {
            comb_lines: vec![0.0; comb_len.iter().sum()],
            comb_len,
            comb_pos: [0; COMBS],
            comb_store: [0.0; COMBS],
            allpass_lines: vec![0.0; allpass_len.iter().sum()],
            allpass_len,
            allpass_pos: [0; 2 * ALLPASSES],
            silent_frames: 0,
            idle_after: (Self::IDLE_AFTER_SECONDS * f64::from(rate)) as usize,
            idle: true,
        }
    }

    /// Empties the reverb at once (its tail stops).
    pub fn mute(&mut self) {
        self.comb_lines.fill(0.0);
        self.allpass_lines.fill(0.0);
        self.comb_store = [0.0; COMBS];
        self.silent_frames = 0;
        self.idle = true;
    }

    /// Whether the reverb is idle: its state is all zero and silent input costs nothing.
    pub fn is_idle(&self) -> bool {
        self.idle
    }

    /// Runs a block: reads the mono `input` and **adds** the reverberated signal to `left`
    /// and `right`. The three slices are processed up to the shortest one's length.
    pub fn process(&mut self, input: &[f32], left: &mut [f32], right: &mut [f32]) {
        let n = input.len().min(left.len()).min(right.len());
        let mut done = 0;
        while done < n {
            let chunk = (n - done).min(CHUNK);
            let (input, left, right) = (
                &input[done..done + chunk],
                &mut left[done..done + chunk],
                &mut right[done..done + chunk],
            );
            self.process_chunk(input, left, right);
            done += chunk;
        }
    }

    fn process_chunk(&mut self, input: &[f32], left: &mut [f32], right: &mut [f32]) {
        let silent = input.iter().all(|&x| x == 0.0);
        if silent {
            self.silent_frames = self.silent_frames.saturating_add(input.len());
            if self.idle {
                return;
            }
            if self.silent_frames >= self.idle_after {
                self.mute();
                return;
            }
        } else {
            self.silent_frames = 0;
            self.idle = false;
        }
        let mut wet_left = [0.0f32; CHUNK];
        let mut wet_right = [0.0f32; CHUNK];
        let n = input.len();
        self.run_combs(input, &mut wet_left[..n], &mut wet_right[..n]);
        self.run_allpasses(&mut wet_left[..n], &mut wet_right[..n]);
        for (out, wet) in left.iter_mut().zip(&wet_left[..n]) {
            *out += wet;
        }
        for (out, wet) in right.iter_mut().zip(&wet_right[..n]) {
            *out += wet;
        }
    }

    /// The comb bank: writes the sum of the left combs to `left` and of the right ones to
    /// `right`.
    fn run_combs(&mut self, input: &[f32], left: &mut [f32], right: &mut [f32]) {
        let n = input.len();
        let mut done = 0;
        while done < n {
            // The longest stretch in which no comb's position wraps around.
            let mut seg = n - done;
            for (len, pos) in self.comb_len.iter().zip(&self.comb_pos) {
                seg = seg.min(len - pos);
            }
            let mut lines: [&mut [f32]; COMBS] = Default::default();
            let mut rest: &mut [f32] = &mut self.comb_lines;
            for (k, line) in lines.iter_mut().enumerate() {
                let (whole, tail) = std::mem::take(&mut rest).split_at_mut(self.comb_len[k]);
                rest = tail;
                let pos = self.comb_pos[k];
                *line = &mut whole[pos..pos + seg];
            }
            let mut store = self.comb_store;
            for t in 0..seg {
                let x = input[done + t] * INPUT_GAIN + ANTI_DENORMAL;
                let mut delayed = [0.0f32; COMBS];
                for (d, line) in delayed.iter_mut().zip(lines.iter()) {
                    *d = line[t];
                }
                for (s, d) in store.iter_mut().zip(&delayed) {
                    *s = d * (1.0 - DAMP) + *s * DAMP;
                }
                for (line, s) in lines.iter_mut().zip(&store) {
                    line[t] = x + s * FEEDBACK;
                }
                let (l, r) = delayed.split_at(COMBS / 2);
                left[done + t] = l.iter().sum();
                right[done + t] = r.iter().sum();
            }
            self.comb_store = store;
            for (len, pos) in self.comb_len.iter().zip(self.comb_pos.iter_mut()) {
                *pos += seg;
                if *pos == *len {
                    *pos = 0;
                }
            }
            done += seg;
        }
    }

    /// The all-pass diffusers, in series on each side, in place.
    fn run_allpasses(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len().min(right.len());
        let mut done = 0;
        while done < n {
            let mut seg = n - done;
            for (len, pos) in self.allpass_len.iter().zip(&self.allpass_pos) {
                seg = seg.min(len - pos);
            }
            let mut lines: [&mut [f32]; 2 * ALLPASSES] = Default::default();
            let mut rest: &mut [f32] = &mut self.allpass_lines;
            for (k, line) in lines.iter_mut().enumerate() {
                let (whole, tail) = std::mem::take(&mut rest).split_at_mut(self.allpass_len[k]);
                rest = tail;
                let pos = self.allpass_pos[k];
                *line = &mut whole[pos..pos + seg];
            }
            let (lines_left, lines_right) = lines.split_at_mut(ALLPASSES);
            for t in 0..seg {
                // The two sides are independent chains: interleaved, the CPU overlaps them.
                let mut l = left[done + t];
                let mut r = right[done + t];
                for (line_l, line_r) in lines_left.iter_mut().zip(lines_right.iter_mut()) {
                    let bl = line_l[t];
                    let br = line_r[t];
                    line_l[t] = l + bl * ALLPASS_FEEDBACK;
                    line_r[t] = r + br * ALLPASS_FEEDBACK;
                    l = bl - l;
                    r = br - r;
                }
                left[done + t] = l;
                right[done + t] = r;
            }
            for (len, pos) in self.allpass_len.iter().zip(self.allpass_pos.iter_mut()) {
                *pos += seg;
                if *pos == *len {
                    *pos = 0;
                }
            }
            done += seg;
        }
    }
}

/// Frames processed per inner pass (stack buffers of this size hold the comb sums).
const CHUNK: usize = 128;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_lines_follow_the_published_tuning_and_the_rate() {
        let r = Reverb::new(44_100);
        assert_eq!(r.comb_len[0], 1116);
        assert_eq!(r.comb_len[8], 1139);
        assert_eq!(r.allpass_len[3], 225);
        assert_eq!(r.allpass_len[7], 248);
        // 48 kHz: 1116 * 48000 / 44100 = 1214.7 -> 1215.
        assert_eq!(Reverb::new(48_000).comb_len[0], 1215);
    }

    #[test]
    fn the_first_echo_arrives_after_the_shortest_comb_delay() {
        // An impulse reaches the output only through the combs, the shortest of which delays
        // it by 1116 samples; the all-passes pass their input through at once (times -1).
        let mut r = Reverb::new(44_100);
        let mut input = vec![0.0f32; 1200];
        input[0] = 1.0;
        let mut left = vec![0.0f32; 1200];
        let mut right = vec![0.0f32; 1200];
        r.process(&input, &mut left, &mut right);
        assert!(left[..1116].iter().all(|x| x.abs() < 1e-15));
        // Comb output 0.015 (the input gain) at sample 1116, negated by the four all-passes
        // (-1)^4 = +1 on the way through: the first left sample is 0.015.
        assert!((left[1116] - 0.015).abs() < 1e-6, "{}", left[1116]);
        // The right side's shortest comb is 23 samples longer.
        assert!(right[..1139].iter().all(|x| x.abs() < 1e-15));
        assert!((right[1139] - 0.015).abs() < 1e-6, "{}", right[1139]);
    }
}
