//! `gan-studio info FILE...`: what is in MIDI and ABC files.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::inspect::inspect_file;

/// Arguments of `gan-studio info`.
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// The files to describe (.mid, .midi, .kar, .abc).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Print one JSON object per file instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Describes each file; a bad file is reported and the batch goes on. Fails (exit status 1)
/// if any file could not be read.
pub fn run(args: &InfoArgs) -> anyhow::Result<ExitCode> {
    let mut failed = 0usize;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for path in &args.files {
        match inspect_file(path) {
            Ok(info) if args.json => writeln!(out, "{}", serde_json::to_string(&info)?)?,
            Ok(info) => writeln!(out, "{}\n{info}", path.display())?,
            Err(error) => {
                failed += 1;
                out.flush()?;
                eprintln!("error: {error}");
            }
        }
    }
    if failed > 0 {
        eprintln!("{failed} of {} file(s) could not be read", args.files.len());
        Ok(ExitCode::FAILURE)
    } else {
        Ok(ExitCode::SUCCESS)
    }
}
