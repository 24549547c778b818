//! `herald check`: report every problem in the configuration and the articles.

use super::{Context, Failure, paint};

/// Options of `herald check`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// Prints every diagnostic as `path:line: message`; fails if any is an error.
pub(super) fn run(context: &Context, _args: Args) -> Result<(), Failure> {
    let config = context.config()?;
    let loaded = crate::build::prepare(&config, context.now)?;
    let settings = config.newsletter_warnings();
    for diagnostic in settings.iter().chain(&loaded.diagnostics) {
        paint::diagnostic(diagnostic);
    }
    let errors = loaded.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = loaded.diagnostics.len() - errors + settings.len();
    if errors > 0 {
        eprintln!(
            "{errors} error(s), {warnings} warning(s): fix the errors above, then run `herald check` again"
        );
        return Err(Failure::silent(1));
    }
    if !context.quiet {
        let published = loaded
            .articles
            .iter()
            .filter(|a| a.is_published(context.now))
            .count();
        paint::success(&format!(
            "ok: {} article(s), {published} published, {warnings} warning(s)",
            loaded.articles.len()
        ));
        if context.verbose {
            println!("content: {}", config.content_dir.display());
        }
        paint::next("`herald build` writes the feeds");
    }
    Ok(())
}
