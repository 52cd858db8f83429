//! Sound: SoundFont synthesis, playback and WAV rendering (work in progress).
