//! GAN Studio: a desktop composition studio where a GAN learns melodies.
//!
//! The library holds everything the studio and the command line share. Data flows one way:
//! files -> pieces -> tokens -> models -> generated pieces -> sound and files. Each module has
//! one job; from the ground up:
//!
//! - [`music`]: notes, pieces, pitches, keys, metres and bar positions, quantization, the
//!   flattening of a piece into note events, the token codec (vocabularies v1 and v2).
//! - [`fsutil`]: atomic file writes and the temporary files a signal must not leave behind.
//! - [`linalg`]: the dense `f32` kernels (packed and strided matrix products, gates) under
//!   the fused training operations and generation.
//! - [`midi`]: Standard MIDI Files in (format 0 and 1) and out (format 1).
//! - [`abc`]: ABC notation in and out.
//! - [`musicxml`]: MusicXML scores out, for notation programs.
//! - [`data`]: corpora and their sources, the folk-set download and the data and cache
//!   folders, preprocessing, the data-set cache, training windows and whole tunes.
//! - [`eval`]: the symbolic-music metrics, set comparison, the judge, reports and plots.
//! - [`edit`]: the piano-roll document (parts, selection, edits, undo) and its project file
//!   and autosave.
//! - [`devices`]: MIDI ports, the MIDI-out player and its scheduler, recording from a
//!   keyboard.
//! - [`audio`]: SoundFont synthesis, the playback transport and engine, WAV rendering.
//! - [`export`]: saving a piece as MIDI, ABC or MusicXML, by the format the user picks.
//! - [`inspect`]: file summaries for `gan-studio info` and the studio's file list.
//! - [`model`]: the burn models (LSTM generator, PatchGAN discriminator, C-RNN-GAN, the fused
//!   LSTM).
//! - [`generate`]: sampling melodies from plain-`f32` weights (no burn): seeds, temperature,
//!   keys, metres, regions.
//! - [`quality`]: how good a model's tunes are, generated from nothing against held-out tunes.
//! - [`train`]: the compute backend, the MLE and adversarial steps, the training worker and
//!   its messages, checkpoints.
//! - [`models`]: which generator to use: the built-in model, a weights file or a run folder.
//! - [`ui`]: the eframe/egui studio; it owns no domain logic.
//! - [`bench`]: the benchmarks behind `gan-studio bench` (the UI one drives the studio).
//! - [`cli`]: the clap subcommands over the same library calls.
//!
//! The domain modules (`music`, `midi`, `abc`, `data`, `eval`) never depend on the GUI or on
//! the machine-learning framework, and each module imports only modules listed before it.

pub mod abc;
pub mod audio;
pub mod bench;
pub mod cli;
pub mod data;
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
pub mod quality;
pub mod train;
pub mod ui;
