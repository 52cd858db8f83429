//! Fuzz target: the MIDI reader on arbitrary bytes must return a piece or an error, never
//! panic, hang or take memory out of proportion to its input; whatever it reads, once written,
//! must read and write back unchanged.
#![no_main]

use gan_studio::midi::{read_bytes, write_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(file) = read_bytes(data, "fuzz input") else {
        return;
    };
    let _ = file.info().to_string();
    // Writing may refuse a piece MIDI cannot hold (a gap over 2^28 ticks). Otherwise the
    // first write plays overlapping notes of one key as a keyboard does (so the piece read
    // back may differ from the input's); from then on it must survive round trips exactly.
    if let Ok(bytes) = write_bytes(&file.piece) {
        let once = read_bytes(&bytes, "rewritten fuzz input").expect("a written file reads");
        assert!(once.piece.note_count() <= file.piece.note_count());
        let again = write_bytes(&once.piece).expect("a written piece writes again");
        assert_eq!(again, bytes);
    }
});
