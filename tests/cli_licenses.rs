//! The built-in piano is embedded in the binary, so its MIT notice must come with it.

use std::process::Command;

#[test]
fn licenses_prints_the_soundfont_and_folk_set_notices() {
    let out = Command::new(env!("CARGO_BIN_EXE_gan-studio"))
        .arg("licenses")
        .output()
        .expect("run gan-studio");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Frank Wen"), "{text}");
    assert!(text.contains("Permission is hereby granted"), "{text}");
    assert!(text.contains("non-commercial"), "{text}");
}
