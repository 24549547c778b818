//! `herald serve`: the HTTP server.

use std::net::SocketAddr;

use crate::serve::{ServeOptions, serve};

use super::log::Log;
use super::{Context, Failure};

/// Options of `herald serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The address to listen on (default: `serve.listen`, else 127.0.0.1:8080); port 0
    /// picks a free port, printed once listening.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
}

/// Serves until SIGTERM or Ctrl-C, logging one line per request to stderr through a
/// queue that never blocks a request (see [`Log`]).
pub(super) fn run(context: &Context, args: Args) -> Result<(), Failure> {
    let config = context.config()?;
    let log = Log::start(context.quiet, context.verbose);
    let options = ServeOptions {
        listen: args.listen.unwrap_or(config.serve.listen),
        now: context.pinned_now,
    };
    let served = serve(&config, &context.secrets, options, |address| {
        log.print(&format!("listening on http://{address}"));
    });
    log.finish();
    served?;
    Ok(())
}
