//! GAN Studio: a desktop composition studio where a GAN learns melodies.
//!
//! The library holds everything the studio and the command line share. Data flows one way:
//! files -> pieces -> tokens -> models -> generated pieces -> sound and files. Each module has
//! one job:
//!
//! - [`music`]: notes, pieces, pitches, keys, metres and bar positions, quantization, the
//!   token codec (vocabularies v1 and v2).
//! - [`midi`]: Standard MIDI Files in and out.
//! - [`abc`]: ABC notation in.
//! - [`data`]: corpora, preprocessing, the data-set cache, training windows and whole tunes.
//! - [`dataset_fetch`]: the folk-set download and the data and cache folders.
//! - [`eval`]: the symbolic-music metrics, set comparison, reports and plots.
//! - [`linalg`]: the matrix kernels under the fused training operations and generation.
//! - [`model`]: the burn models (LSTM generator, PatchGAN discriminator, C-RNN-GAN).
//! - [`train`]: the compute backend, the MLE and adversarial steps, the training worker and
//!   its messages, checkpoints.
//! - [`generate`]: sampling melodies from plain-`f32` weights (no burn): seeds, temperature,
//!   keys, metres, regions.
//! - [`models`]: which generator to use: the built-in model, a weights file or a run folder.
//! - [`quality`]: how good a model's tunes are, generated from nothing against held-out tunes.
//! - [`audio`]: SoundFont synthesis, the playback transport, WAV rendering.
//! - [`devices`]: MIDI ports, the output scheduler, recording from a keyboard.
//! - [`edit`]: the piano-roll document: parts, selection, edits, undo.
//! - [`project`]: project files and the autosave.
//! - [`inspect`]: file summaries for `info` and the studio.
//! - [`fsutil`]: atomic file writes.
//! - [`bench`]: the benchmarks behind `gan-studio bench`.
//! - [`ui`]: the eframe/egui studio; it owns no domain logic.
//! - [`cli`]: the clap subcommands over the same library calls.
//!
//! The domain modules (`music`, `midi`, `abc`, `data`, `eval`) never depend on the GUI or on
//! the machine-learning framework.

pub mod abc;
pub mod audio;
pub mod bench;
pub mod cli;
pub mod data;
pub mod dataset_fetch;
pub mod devices;
pub mod edit;
pub mod eval;
pub mod export;
pub mod fsutil;
pub mod generate;
pub mod inspect;
pub mod linalg;
pub mod midi;
pub mod model;
pub mod models;
pub mod music;
pub mod musicxml;
pub mod project;
pub mod quality;
pub mod train;
pub mod ui;
