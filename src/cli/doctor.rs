//! `herald doctor`: SPF, DKIM, DMARC and the SMTP relay, one finding per line.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use crate::doctor::{Level, Options, Report};

use super::{Context, Failure};

/// Options of `herald doctor`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Ask this DNS server (IP or IP:PORT) instead of the system resolver.
    #[arg(long, value_name = "IP[:PORT]", value_parser = parse_dns)]
    pub dns: Option<SocketAddr>,
    /// Seconds to wait for each DNS answer and for the SMTP relay.
    #[arg(long, value_name = "SECONDS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=60))]
    pub timeout: u64,
    /// Print the findings as one JSON object instead of lines.
    #[arg(long)]
    pub json: bool,
}

fn parse_dns(raw: &str) -> Result<SocketAddr, String> {
    raw.parse::<SocketAddr>()
        .or_else(|_| raw.parse::<IpAddr>().map(|ip| SocketAddr::new(ip, 53)))
        .map_err(|_| {
            format!("{raw:?} is not an IP address or IP:PORT; use e.g. 1.1.1.1 or 127.0.0.1:5353")
        })
}

/// Prints every finding; exits 1 when any is an error, so it can gate a deploy.
pub(super) fn run(context: &Context, args: Args) -> Result<(), Failure> {
    let config = context.config()?;
    let options = Options {
        dns_server: args.dns,
        timeout: Duration::from_secs(args.timeout),
    };
    let report = crate::doctor::run(&config, &context.secrets, &options);
    if args.json {
        println!("{}", json(&report));
    } else {
        print_lines(&report, context.quiet);
    }
    if report.has_errors() {
        return Err(Failure::silent(1));
    }
    Ok(())
}

fn print_lines(report: &Report, quiet: bool) {
    for finding in &report.findings {
        if !quiet || finding.level == Level::Error {
            println!("{finding}");
        }
    }
    let (errors, warnings) = (report.count(Level::Error), report.count(Level::Warn));
    if errors > 0 {
        eprintln!(
            "{errors} error(s), {warnings} warning(s): fix the errors above, then run `herald doctor` again"
        );
    } else if !quiet {
        println!(
            "{} ok, {warnings} warning(s), no errors",
            report.count(Level::Ok)
        );
    }
}

fn json(report: &Report) -> serde_json::Value {
    let findings: Vec<_> = report
        .findings
        .iter()
        .map(|f| {
            serde_json::json!({
                "level": f.level.as_str(),
                "check": f.check.as_str(),
                "message": f.message,
            })
        })
        .collect();
    serde_json::json!({
        "findings": findings,
        "errors": report.count(Level::Error),
        "warnings": report.count(Level::Warn),
    })
}
