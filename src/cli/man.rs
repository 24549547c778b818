//! `herald man`: the manual page in roff (clap_mangen), on stdout or one page per
//! command in a folder.

use std::path::PathBuf;

use clap::CommandFactory;

use super::{Cli, Context, Failure};

/// Options of `herald man`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Write `herald.1` and one `herald-COMMAND.1` per command to this folder instead
    /// of printing `herald.1`.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

/// Prints `herald.1`, or writes every page to `--out`.
pub(super) fn run(context: &Context, args: Args) -> Result<(), Failure> {
    let command = Cli::command();
    let Some(dir) = args.out else {
        clap_mangen::Man::new(command)
            .render(&mut std::io::stdout())
            .map_err(Failure::runtime)?;
        return Ok(());
    };
    std::fs::create_dir_all(&dir).map_err(|e| crate::Error::io(&dir, e))?;
    clap_mangen::generate_to(command, &dir).map_err(|e| crate::Error::io(&dir, e))?;
    if !context.quiet {
        println!("wrote the manual pages to {}", dir.display());
        if context.verbose {
            let mut names: Vec<_> = std::fs::read_dir(&dir)
                .map_err(|e| crate::Error::io(&dir, e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .collect();
            names.sort();
            for name in names {
                println!("  {}", name.display());
            }
        }
    }
    Ok(())
}
