//! GAN Studio: a desktop composition studio where a GAN learns melodies.
//!
//! The library holds everything the studio and the command line share: the music domain
//! ([`music`]), Standard MIDI Files ([`midi`]), ABC notation ([`abc`]) and sound ([`audio`]).
//! The domain modules never depend on the GUI or on the machine-learning framework.

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
pub mod music;
pub mod musicxml;
pub mod project;
pub mod train;
pub mod ui;
