//! The `herald` command: a thin layer over the library, built to be run by cron.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
