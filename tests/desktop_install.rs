//! The desktop integration: the menu entry validates with `desktop-file-validate`, the icons
//! have their sizes, `scripts/install.sh` puts every file in a (temporary) home with no root
//! and no build (a stand-in program), the file types register, `scripts/uninstall.sh` removes
//! exactly what was installed, and `gan-studio --version` answers.
//!
//! Without `desktop-file-validate` (Debian: desktop-file-utils) the validation prints a notice
//! and passes, unless `GAN_STUDIO_REQUIRE_DESKTOP_FILE_VALIDATE` is set (scripts/test.sh sets
//! it), in which case it fails.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod env_support;

use std::path::{Path, PathBuf};
use std::process::Command;

const SIZES: [u32; 6] = [16, 32, 48, 64, 128, 256];

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `desktop-file-validate` on `file` and returns whether it ran (false: not installed).
fn validate(file: &Path) -> bool {
    match Command::new("desktop-file-validate").arg(file).output() {
        Ok(out) => {
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(out.status.success(), "{}: {text}", file.display());
            // Hints are advice; errors and warnings are failures.
            assert!(
                !text.contains("error:") && !text.contains("warning:"),
                "{}: {text}",
                file.display()
            );
            true
        }
        Err(_) => env_support::present_or_required(
            false,
            "DESKTOP_FILE_VALIDATE",
            "desktop-file-validate",
            "apt-get install desktop-file-utils",
        ),
    }
}

#[test]
fn the_desktop_entry_validates_and_names_the_file_types() {
    let entry = repo().join("assets/desktop/gan-studio.desktop");
    validate(&entry);
    let text = std::fs::read_to_string(&entry).unwrap();
    for line in [
        "Exec=gan-studio %F",
        "Icon=gan-studio",
        "Categories=AudioVideo;Audio;Midi;Music;",
        "MimeType=application/x-gan-studio-project;audio/midi;audio/x-midi;text/vnd.abc;",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line:?}");
    }
    let mime = std::fs::read_to_string(repo().join("assets/desktop/gan-studio-mime.xml")).unwrap();
    assert!(mime.contains("<mime-type type=\"application/x-gan-studio-project\">"));
    assert!(mime.contains("<glob pattern=\"*.gsproj\"/>"));
}

#[test]
fn the_icons_have_their_sizes() {
    for size in SIZES {
        let path = repo().join(format!("assets/icons/gan-studio-{size}.png"));
        let decoder =
            png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap()));
        let reader = decoder.read_info().unwrap();
        let info = reader.info();
        assert_eq!(
            (info.width, info.height),
            (size, size),
            "{}",
            path.display()
        );
    }
    let svg = std::fs::read_to_string(repo().join("assets/icons/gan-studio.svg")).unwrap();
    assert!(svg.contains("viewBox=\"0 0 256 256\""));
}

fn run_script(name: &str, home: &Path, program: Option<&Path>) -> String {
    let mut command = Command::new("bash");
    command
        .arg(repo().join("scripts").join(name))
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("share"))
        .env_remove("GAN_STUDIO_BIN_DIR");
    if let Some(program) = program {
        command.env("GAN_STUDIO_BIN", program);
    }
    let out = command.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{name}: {text}");
    text
}

fn installed_files(home: &Path) -> Vec<PathBuf> {
    let share = home.join("share");
    let mut files = vec![
        home.join(".local/bin/gan-studio"),
        share.join("applications/gan-studio.desktop"),
        share.join("mime/packages/gan-studio.xml"),
        share.join("icons/hicolor/scalable/apps/gan-studio.svg"),
    ];
    for size in SIZES {
        files.push(share.join(format!("icons/hicolor/{size}x{size}/apps/gan-studio.png")));
    }
    files
}

#[test]
fn install_puts_every_file_in_place_and_uninstall_removes_them() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let program = dir.path().join("stand-in-program");
    std::fs::write(&program, "#!/bin/sh\necho stand-in\n").unwrap();

    run_script("install.sh", &home, Some(&program));
    for file in installed_files(&home) {
        assert!(file.is_file(), "{} was not installed", file.display());
    }
    let copied = home.join(".local/bin/gan-studio");
    assert_eq!(
        std::fs::read(&copied).unwrap(),
        std::fs::read(&program).unwrap()
    );
    let entry = home.join("share/applications/gan-studio.desktop");
    let text = std::fs::read_to_string(&entry).unwrap();
    assert!(
        text.contains(&format!("Exec=\"{}\" %F", copied.display())),
        "{text}"
    );
    validate(&entry);
    // update-mime-database (when present) compiles the new type from our XML.
    if Command::new("update-mime-database")
        .arg("-v")
        .output()
        .is_ok()
    {
        let compiled = home.join("share/mime/application/x-gan-studio-project.xml");
        assert!(compiled.is_file(), "the MIME type was not registered");
        let globs = std::fs::read_to_string(home.join("share/mime/globs2")).unwrap();
        assert!(
            globs.contains("application/x-gan-studio-project:*.gsproj"),
            "{globs}"
        );
    }
    // Installing again (an update) works over the old files.
    run_script("install.sh", &home, Some(&program));

    run_script("uninstall.sh", &home, None);
    for file in installed_files(&home) {
        assert!(!file.exists(), "{} was left behind", file.display());
    }
    if home.join("share/mime/globs2").exists() {
        let globs = std::fs::read_to_string(home.join("share/mime/globs2")).unwrap();
        assert!(!globs.contains("gan-studio"), "{globs}");
    }
}

/// The section names `readelf` lists for an ELF file.
fn sections(file: &Path) -> Vec<String> {
    let out = Command::new("readelf")
        .args(["-S", "--wide"])
        .arg(file)
        .output()
        .expect("readelf (binutils) is needed to check the installed program");
    assert!(out.status.success(), "readelf {}", file.display());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| {
            let after = line.split_once(']')?.1;
            after.split_whitespace().next().map(str::to_string)
        })
        .collect()
}

#[test]
fn the_installed_program_leaves_its_debug_sections_behind_and_still_runs() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let built = Path::new(env!("CARGO_BIN_EXE_gan-studio"));
    assert!(
        sections(built).iter().any(|s| s == ".debug_line"),
        "the test build should carry line tables"
    );
    run_script("install.sh", &home, Some(built));
    let installed = home.join(".local/bin/gan-studio");
    let kept = sections(&installed);
    // (`.debug_gdb_scripts` is loaded with the program: a pointer for gdb, not debug data.)
    assert!(
        !kept
            .iter()
            .any(|s| s.starts_with(".debug") && s != ".debug_gdb_scripts"),
        "debug sections installed: {kept:?}"
    );
    // Symbol names stay, so a backtrace names its functions.
    assert!(kept.iter().any(|s| s == ".symtab"), "{kept:?}");
    let smaller = std::fs::metadata(&installed).unwrap().len();
    assert!(smaller < std::fs::metadata(built).unwrap().len());
    let out = Command::new(&installed).arg("--version").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("gan-studio "));
    run_script("uninstall.sh", &home, None);
    assert!(!installed.exists());
}

#[test]
fn install_refuses_a_missing_program() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new("bash")
        .arg(repo().join("scripts/install.sh"))
        .arg(dir.path().join("no-such-program"))
        .env("HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path().join("share"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-program"));
    assert!(!dir.path().join("share/applications").exists());
}

#[test]
fn version_prints_the_package_version() {
    let out = Command::new(env!("CARGO_BIN_EXE_gan-studio"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        format!("gan-studio {}", env!("CARGO_PKG_VERSION"))
    );
}
