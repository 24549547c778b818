//! `herald serve`: the HTTP server.

use std::net::SocketAddr;

use herald::serve::{ServeOptions, serve};

use super::{Context, Failure};

/// Options of `herald serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The address to listen on (default: `serve.listen`, else 127.0.0.1:8080); port 0
    /// picks a free port, printed once listening.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
}

/// Serves until SIGTERM or Ctrl-C, logging one line per request to stderr.
pub fn run(context: &Context, args: Args) -> Result<(), Failure> {
    let config = context.config()?;
    init_logging(context.quiet, context.verbose);
    let options = ServeOptions {
        listen: args.listen.unwrap_or(config.serve.listen),
        now: context.pinned_now,
    };
    serve(&config, &context.secrets, options, |address| {
        eprintln!("listening on http://{address}");
    })?;
    Ok(())
}

/// Request logs go to stderr; `RUST_LOG` picks the level (default `info`; `warn` with
/// `--quiet`, `debug` with `--verbose`).
fn init_logging(quiet: bool, verbose: bool) {
    let default = match (quiet, verbose) {
        (true, _) => "warn",
        (false, true) => "debug",
        (false, false) => "info",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}
