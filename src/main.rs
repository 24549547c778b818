//! The `herald` command: a thin layer over the library, built to be run by cron.

mod cli;

/// A build allocates and frees a few small strings per front-matter field of every
/// article; mimalloc does that markedly faster than the system allocator (see the
/// benchmark section of README). Library users keep whatever allocator they choose.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
