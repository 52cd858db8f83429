//! Fuzz target: the MIDI reader on arbitrary bytes must return a piece or an error, never
//! panic, hang or take memory out of proportion to its input; whatever it reads must write
//! and read back unchanged.
#![no_main]

use gan_studio::midi::{read_bytes, write_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(file) = read_bytes(data, "fuzz input") else {
        return;
    };
    let _ = file.info().to_string();
    // Writing may refuse a piece MIDI cannot hold (a gap over 2^28 ticks); otherwise the
    // piece must survive the round trip exactly.
    if let Ok(bytes) = write_bytes(&file.piece) {
        let again = read_bytes(&bytes, "rewritten fuzz input").expect("a written file reads");
        assert_eq!(again.piece, file.piece);
    }
});
