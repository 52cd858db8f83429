//! The `gan-studio` binary: with no subcommand it opens the studio window, with a subcommand it
//! runs headless. All the work happens in the library; this file only hands over.

use std::process::ExitCode;

/// mimalloc instead of the system allocator. A training step allocates and frees tens of
/// megabytes of tensors; glibc's malloc hands such blocks back to the kernel on free, so each
/// step paid for the page faults and zeroing of fresh pages again (a fifth of an MLE step on
/// the CPU backend). mimalloc keeps them for reuse (see `benches/README.md`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    gan_studio::cli::main()
}
