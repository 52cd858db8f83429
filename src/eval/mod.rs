//! The symbolic-music evaluation suite: per-piece metrics and set-against-set comparison.
//!
//! # What is measured
//! Every metric reads a piece's [`NoteStream`]: all notes of all parts not on the drum
//! channel, merged and ordered by onset, then pitch. Chords are kept: histograms, entropies and
//! polyphony see every note; step-to-step metrics (transitions, pitch shift, repeated
//! patterns) read the notes of a chord one after the other, lowest first.
//!
//! [`PieceMetrics`] holds them all: used pitches, unique tones (pitch classes), pitch range
//! (= C-RNN-GAN's tone span), pitch mean and standard deviation, average pitch shift, average
//! inter-onset interval, the duration-weighted pitch-class histogram, the 12x12 pitch-class
//! transition matrix, the 12-class note-length histogram and 12x12 note-length transition
//! matrix, scale consistency and pitch-in-scale rate, polyphony and polyphony rate (strict
//! `>` threshold), empty-beat rate, pitch and pitch-class entropy in bits, repeated 3-note
//! patterns, the number of notes and the pitch-group (octave) histogram. Where MusPy 0.5 has
//! the metric its definition is used (see each function in [`pitch`], [`rhythm`] and
//! [`scale`]; the one deliberate difference, the empty-beat rate's beat count, is documented
//! on [`rhythm::empty_beat_rate`]); `scripts/muspy_compare.py` checks the values against MusPy
//! on the same MIDI files.
//!
//! Two bar-based metrics read the piece's time signatures ([`bars`]): notes per bar
//! ([`rhythm::notes_per_bar`]) and phrase repetition, the share of bars that repeat an
//! earlier bar exactly or transposed ([`phrase`], [`phrase_repetition`]).
//!
//! # How sets are compared
//! [`compare`] follows MGEval: per [`Feature`], leave-one-out intra-set and inter-set
//! Euclidean distances, Gaussian densities of those distances on one shared grid ([`kde`]),
//! overlap area and KL divergence; for scalar features also the densities of the values
//! themselves. [`Report`] gathers every feature and the summary figures of the model card;
//! [`plots`] draws it; [`load_dir`] reads folders of MIDI/ABC files and lists the files it
//! could not use.
//!
//! # Use
//! ```no_run
//! use gan_studio::eval::{CompareOptions, SetMetrics, compare_sets};
//! # let training_pieces: Vec<gan_studio::music::Piece> = Vec::new();
//! # let samples: Vec<gan_studio::music::Piece> = Vec::new();
//! let reference = SetMetrics::of(&training_pieces); // once
//! let report = compare_sets(
//!     &SetMetrics::of(&samples),
//!     "epoch 3",
//!     &reference,
//!     "training set",
//!     &CompareOptions::default(),
//! );
//! println!("{:?}", report.summary.mean_overlap);
//! ```
//!
//! # The judge and the copy check
//! [`judge`] is a classifier two-sample test: could classifiers that never saw these melodies
//! tell generated from real ones? [`two_sample_test`] gives the cross-validated accuracy of a
//! logistic regression and of boosted trees on transposition-invariant features, with a
//! binomial p-value and the spread over folds (50% = cannot tell). [`copy`] checks how much
//! of each generated melody is found note for note in a training tune: build a [`CopyIndex`]
//! once per training set and [`CopyIndex::check`] each set of samples (longest copied run,
//! share of 8-note patterns found, melodies flagged for a run of [`FLAG_RUN`] notes or more).
//! [`Report`] carries both when they were run (`gan-studio eval` fills them in).
//!
//! ```no_run
//! use gan_studio::eval::{CopyIndex, JudgeConfig, MelodyFeatures, two_sample_test_on};
//! # let training: Vec<gan_studio::music::Piece> = Vec::new();
//! # let held_out: Vec<gan_studio::music::Piece> = Vec::new();
//! # let samples: Vec<gan_studio::music::Piece> = Vec::new();
//! let config = JudgeConfig { bars: Some(8), ..JudgeConfig::default() };
//! let real = MelodyFeatures::of(&held_out, config.bars); // once
//! let index = CopyIndex::new(&training); // once
//! // every epoch:
//! let judge = two_sample_test_on(&MelodyFeatures::of(&samples, config.bars), &real, &config)?;
//! let copies = index.check(&samples);
//! println!("judge {:.0}%, flagged {}", 100.0 * judge.accuracy(), copies.flagged);
//! # Ok::<(), gan_studio::eval::EvalError>(())
//! ```
//!
//! No GUI or machine-learning dependency.

pub mod bars;
pub mod compare;
pub mod copy;
mod error;
pub mod features;
pub mod judge;
pub mod kde;
mod load;
pub mod metrics;
pub mod notes;
pub mod phrase;
pub mod pitch;
pub mod plots;
pub(crate) mod report;
pub mod rhythm;
pub mod scale;

pub use bars::{BarGrid, first_bars};
pub use copy::{CopyIndex, CopyReport, FLAG_RUN, MelodyCopy, PATTERN_NOTES};
pub use judge::{
    ClassifierScore, JudgeConfig, JudgeReport, MelodyFeatures, TellingFeature, feature_names,
    telling_features, two_sample_test, two_sample_test_on,
};
pub use phrase::phrase_repetition;

pub use compare::{CompareOptions, FeatureComparison, FeatureCurves, Stats};
pub use error::EvalError;
pub use features::Feature;
pub use kde::Bandwidth;
pub use load::{LoadedSet, SkippedFile, load_dir};
pub use metrics::PieceMetrics;
pub use notes::NoteStream;
pub use plots::{DEJAVU_SANS, write_plots};
pub use report::{
    CopyCheck, REPORT_VERSION, Report, SetMetrics, SetSummary, Summary, compare_sets, evaluate,
};
pub use rhythm::NoteLength;
