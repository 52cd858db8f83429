//! Standard MIDI Files (work in progress).
