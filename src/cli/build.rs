//! `herald build`: write the feeds.

use crate::build::{BuildOptions, build};

use super::{Context, Failure, paint};

/// Options of `herald build`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Build from the valid articles and print the invalid ones as warnings, instead of
    /// writing nothing.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Wait at most this many seconds for another build of the same site to finish
    /// (0: do not wait), then give up with exit code 1.
    #[arg(long, value_name = "SECONDS", default_value_t = crate::build::DEFAULT_WAIT.as_secs())]
    pub wait: u64,
}

/// Builds, printing warnings to stderr and a one-line summary to stdout.
pub(super) fn run(context: &Context, args: Args) -> Result<(), Failure> {
    let config = context.config()?;
    let started = std::time::Instant::now();
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
        Err(crate::Error::Content(diagnostics)) => {
            for diagnostic in &diagnostics {
                paint::diagnostic(diagnostic);
            }
            let errors = diagnostics.iter().filter(|d| d.is_error()).count();
            paint::error(&format!(
                "{errors} invalid article(s); nothing was written (fix them, or pass --skip-invalid to build from the valid ones)"
            ));
            return Err(Failure::silent(1));
        }
        Err(e) => return Err(e.into()),
    };
    for diagnostic in &report.diagnostics {
        if diagnostic.is_error() {
            eprintln!("{diagnostic} (skipped)");
        } else {
            paint::diagnostic(diagnostic);
        }
    }
    for trimmed in &report.trimmed {
        paint::warning(&trim_message(trimmed));
    }
    if !context.quiet {
        print_outcome(context, &config, &report, started);
    }
    ping_hub(&config, &report);
    Ok(())
}

/// The summary line, with `-v` each file and the time taken, then the next step.
fn print_outcome(
    context: &Context,
    config: &crate::Config,
    report: &crate::build::BuildReport,
    started: std::time::Instant,
) {
    paint::success(&summary(report));
    if context.verbose {
        for path in &report.written {
            println!("wrote {}", path.display());
        }
        for path in &report.unchanged {
            println!("unchanged {}", path.display());
        }
        if report.unrendered > 0 {
            println!(
                "left {} feed document(s) as they were, unrendered: nothing in them changed",
                report.unrendered
            );
        }
        let bytes = &report.bytes;
        println!(
            "bytes: current feeds {}, archive pages {}, tag feeds {}, HTML feed pages {}; {} in all",
            bytes.current,
            bytes.archive,
            bytes.tags,
            bytes.pages,
            bytes.total()
        );
        println!("took {:.3}s", started.elapsed().as_secs_f64());
    }
    if report.articles == 0 {
        paint::next(&format!(
            "{} has no article yet: write one with `herald new \"Title\"`",
            config.content_dir.display()
        ));
    } else {
        println!("feeds are in {}", config.output_dir.display());
    }
}

/// Pings `feeds.websub_hub` for each feed the build changed; a failure is a warning,
/// never a failed build.
fn ping_hub(config: &crate::Config, report: &crate::build::BuildReport) {
    let Some(hub) = &config.feeds.websub_hub else {
        return;
    };
    let timeout = std::time::Duration::from_secs(config.feeds.websub_timeout_seconds);
    for file in report.changed_feeds(&config.output_dir) {
        let Ok(feed_url) = config.base_url().join(&file) else {
            continue;
        };
        if let Err(e) = crate::websub::publish(hub, feed_url.as_str(), timeout) {
            eprintln!(
                "warning: WebSub ping to {hub} for {feed_url} failed twice ({e}); the build is done, readers will see the change at their next poll"
            );
        }
    }
}

/// One line on what `feeds.max_bytes` took out of a file.
fn trim_message(trimmed: &crate::feed::Trimmed) -> String {
    format!(
        "{} is over feeds.max_bytes ({} bytes): full content dropped from the {} oldest item(s), {} oldest item(s) left out; now {} bytes (raise feeds.max_bytes, or 0 for no limit)",
        trimmed.file, trimmed.max_bytes, trimmed.summarized, trimmed.dropped, trimmed.bytes
    )
}

fn summary(report: &crate::build::BuildReport) -> String {
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
    for trimmed in &report.trimmed {
        line += &format!(
            "; trimmed {} to {} bytes ({} summarized, {} dropped)",
            trimmed.file, trimmed.bytes, trimmed.summarized, trimmed.dropped
        );
    }
    if !report.removed.is_empty() {
        line += &format!("; removed {}", names(&report.removed));
    }
    line
}
