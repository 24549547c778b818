//! `herald build`: write the feeds.

use herald::build::{BuildOptions, build};

use super::{Context, Failure};

/// Options of `herald build`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Build from the valid articles and print the invalid ones as warnings, instead of
    /// writing nothing.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Wait at most this many seconds for another build of the same site to finish
    /// (0: do not wait), then give up with exit code 1.
    #[arg(long, value_name = "SECONDS", default_value_t = herald::build::DEFAULT_WAIT.as_secs())]
    pub wait: u64,
}

/// Builds, printing warnings to stderr and a one-line summary to stdout.
pub fn run(context: &Context, args: Args) -> Result<(), Failure> {
    let config = context.config()?;
    let options = BuildOptions {
        skip_invalid: args.skip_invalid,
        wait: Some(std::time::Duration::from_secs(args.wait)),
        on_wait: |path, holder| {
            eprintln!(
                "waiting for another herald build to finish ({holder} holds {})",
                path.display()
            );
        },
    };
    let report = match build(&config, context.now, options) {
        Ok(report) => report,
        Err(herald::Error::Content(diagnostics)) => {
            for diagnostic in &diagnostics {
                eprintln!("{diagnostic}");
            }
            let errors = diagnostics.iter().filter(|d| d.is_error()).count();
            eprintln!(
                "error: {errors} invalid article(s); nothing was written (fix them, or pass --skip-invalid to build from the valid ones)"
            );
            return Err(Failure::silent(1));
        }
        Err(e) => return Err(e.into()),
    };
    for diagnostic in &report.diagnostics {
        if diagnostic.is_error() {
            eprintln!("{diagnostic} (skipped)");
        } else {
            eprintln!("{diagnostic}");
        }
    }
    if !context.quiet {
        println!("{}", summary(&report));
    }
    Ok(())
}

fn summary(report: &herald::build::BuildReport) -> String {
    // Archive pages and tag feeds can make thousands of files: past a few, a count.
    let names = |paths: &[std::path::PathBuf]| {
        if paths.len() > 6 {
            return format!("{} files", paths.len());
        }
        paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut line = format!(
        "{} item(s) per feed from {} article(s) ({} draft, {} scheduled)",
        report.items, report.articles, report.drafts, report.scheduled
    );
    if !report.written.is_empty() {
        line += &format!("; wrote {}", names(&report.written));
    }
    if !report.unchanged.is_empty() {
        line += &format!("; unchanged {}", names(&report.unchanged));
    }
    if !report.removed.is_empty() {
        line += &format!("; removed {}", names(&report.removed));
    }
    line
}
