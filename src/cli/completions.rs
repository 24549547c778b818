//! `herald completions SHELL`: a completion script on stdout (clap_complete).

use clap::CommandFactory;
use clap_complete::Shell;

use super::{Cli, Failure};

/// Options of `herald completions`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The shell: bash, zsh, fish, powershell or elvish.
    shell: Shell,
}

/// Writes the script for `args.shell` to stdout.
pub(super) fn run(args: Args) -> Result<(), Failure> {
    let mut command = Cli::command();
    clap_complete::generate(args.shell, &mut command, "herald", &mut std::io::stdout());
    Ok(())
}
