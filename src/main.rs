//! The `herald` command: a thin layer over the library (`src/cli/`), built to be run by cron.

fn main() -> std::process::ExitCode {
    herald::run_cli()
}
