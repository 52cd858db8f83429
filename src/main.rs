//! The `gan-studio` binary: with no subcommand it opens the studio window, with a subcommand it
//! runs headless. All the work happens in the library; this file only hands over.

use std::process::ExitCode;

fn main() -> ExitCode {
    gan_studio::cli::main()
}
