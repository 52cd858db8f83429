//! Training corpora and their preprocessing into token windows.
//!
//! # From files to windows
//! 1. **Sources** ([`DataSource`]): the Essen folk set (ABC, fetched by
//!    [`fetch`]), ABC files, folders of MIDI files, zip archives, the MAESTRO
//!    v3 layout, and the built-in demo melodies. Listing a source gives its files.
//! 2. **Preprocessing** ([`PreprocessConfig`], [`preprocess`]): each piece becomes a
//!    monophonic melody (skyline rule) on the 16th grid, transposed to C major / A minor by
//!    its estimated key, encoded as tokens of vocabulary v1.
//! 3. **Splits** ([`split`]): by piece, seeded, or as MAESTRO gives them.
//! 4. **Windows** ([`windows`]): 64-step slices with a stride, plus augmented (transposed)
//!    copies of training pieces, cut on demand from the stored sequences.
//!
//! [`load_dataset`] does it all on two threads, reporting [`Progress`] through a channel and
//! stopping when its cancel flag is set; a file that fails is listed with its reason in
//! [`DatasetStats::skipped`] and never stops the import. The encoded set is cached on disk
//! ([`cache`]) under a key of the files' content and the settings.
//!
//! ```no_run
//! use gan_studio::data::{DataSource, LoadOptions, PreprocessConfig, Split, load_dataset};
//! let sources = [DataSource::Folder("my_midi".into())];
//! let options = LoadOptions::with_cache("/tmp/gan-studio-cache");
//! let dataset = load_dataset(&sources, &PreprocessConfig::default(), &options)?;
//! println!("{}", dataset.stats);
//! let windows = dataset.shuffled_windows(Split::Train, 1);
//! let batch = dataset.batch_ids(&windows[..windows.len().min(32)]); // [32, 64] token ids
//! # Ok::<(), gan_studio::data::DataError>(())
//! ```

pub mod archive;
pub mod cache;
mod dataset;
mod error;
pub mod fetch;
mod format;
mod hash;
mod load;
pub mod maestro;
pub mod preprocess;
mod progress;
mod source;
pub mod split;
mod stats;
pub mod windows;

pub use archive::ZipLimits;
pub use dataset::{Dataset, PieceInfo};
pub use error::DataError;
pub use format::{FileFormat, format_of};
pub use load::{LoadOptions, load_dataset, source_for};
pub use preprocess::{KeyPolicy, Layout, PreprocessConfig, RhythmPolicy, ShortPieces};
pub use progress::{Progress, ProgressCallback};
pub use source::{DEMO_ABC, DataSource};
pub use split::Split;
pub use stats::{DatasetStats, Skipped, SplitCounts};
pub use windows::WindowRef;
