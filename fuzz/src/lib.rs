//! The project's domain modules compiled on their own for fuzzing. `music`, `midi` and
//! `fsutil` depend on nothing but midly, serde and thiserror, so including their sources here
//! keeps the sanitizer build small (the full crate would also build the GUI and audio stacks).
#![allow(missing_docs)]

#[path = "../../src/fsutil.rs"]
pub mod fsutil;
#[path = "../../src/midi/mod.rs"]
pub mod midi;
#[path = "../../src/music/mod.rs"]
pub mod music;
