//! `herald inbound`: reads bounces, complaints and unsubscribe requests from standard
//! input, a Maildir or an mbox. Exit 0 for anything it read, understood or not;
//! 75 (EX_TEMPFAIL) when the configuration or the state database cannot be used, so a
//! mail server keeps the message and retries.

use std::io::BufReader;
use std::path::{Path, PathBuf};

use herald::inbound::source::{self, Capped, MAX_MESSAGE_BYTES, Mbox};
use herald::inbound::{Addresses, Outcome};
use herald::newsletter::lifecycle::Policy;
use herald::store::Store;

use super::{Context, Failure};

/// Options of `herald inbound`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Handle every message in this Maildir's `new/` folder, moving each to `cur/`
    /// (flagged seen) once handled.
    #[arg(long, value_name = "DIR", conflicts_with = "mbox")]
    maildir: Option<PathBuf>,
    /// Handle every message in this mbox file (the file is not changed).
    #[arg(long, value_name = "FILE")]
    mbox: Option<PathBuf>,
    /// The envelope recipient, when the mail server passes it (Postfix pipe:
    /// `--recipient ${recipient}`); may be repeated.
    #[arg(long, value_name = "ADDR")]
    recipient: Vec<String>,
    /// Print one JSON object per message instead of a line of text.
    #[arg(long)]
    json: bool,
}

/// Runs `herald inbound`.
pub fn run(context: &Context, args: Args) -> Result<(), Failure> {
    let config = context.config().map_err(temporary)?;
    let mut store = Store::open(&config.state_file).map_err(Failure::temporary)?;
    let secret = context.secrets.secret.as_ref().map(|s| s.as_bytes());
    match secret {
        Some(secret) => {
            herald::mail::unsubscribe::index(&mut store, secret).map_err(Failure::temporary)?;
        }
        None => eprintln!(
            "warning: HERALD_SECRET is not set: tokens cannot name subscribers, only reported addresses can"
        ),
    }
    let handler = Handler {
        store: &store,
        secret,
        addresses: Addresses {
            bounce: config.newsletter.bounce_address.clone(),
            unsubscribe: config.newsletter.unsubscribe_mailto.clone(),
        },
        recipients: args.recipient,
        context,
        json: args.json,
        policy: Policy::from(&config.newsletter.bounces),
    };
    if let Some(dir) = &args.maildir {
        return maildir(&handler, dir);
    }
    if let Some(file) = &args.mbox {
        return mbox(&handler, file);
    }
    let message = source::read_capped(std::io::stdin().lock(), MAX_MESSAGE_BYTES)
        .map_err(|e| Failure::temporary(anyhow::Error::new(e).context("reading standard input")))?;
    handler.handle(&message, "stdin")
}

/// A config problem is the admin's to fix; until then the MTA should keep the mail.
fn temporary(failure: Failure) -> Failure {
    failure.with_code(75)
}

/// What handling a message needs.
struct Handler<'a> {
    store: &'a Store,
    secret: Option<&'a [u8]>,
    addresses: Addresses,
    recipients: Vec<String>,
    context: &'a Context,
    json: bool,
    policy: Policy,
}

impl Handler<'_> {
    /// Classifies and applies one message and prints its line. A store error is a
    /// temporary failure.
    fn handle(&self, message: &Capped, origin: &str) -> Result<(), Failure> {
        let classified =
            herald::inbound::classify(&message.bytes, &self.addresses, &self.recipients);
        let outcome = herald::inbound::apply(
            self.store,
            self.secret,
            &classified,
            self.context.now,
            self.policy,
        )
        .map_err(Failure::temporary)?;
        if message.truncated {
            eprintln!(
                "warning: {origin}: the message is larger than {} MiB; only its start was read",
                MAX_MESSAGE_BYTES >> 20
            );
        }
        self.print(&outcome, origin)
    }

    fn print(&self, outcome: &Outcome, origin: &str) -> Result<(), Failure> {
        if self.json {
            let mut value = serde_json::to_value(outcome).map_err(Failure::runtime)?;
            value["source"] = origin.into();
            println!("{value}");
        } else if !self.context.quiet || outcome.changed {
            println!("{origin}: {outcome}");
        }
        Ok(())
    }
}

fn maildir(handler: &Handler<'_>, dir: &Path) -> Result<(), Failure> {
    let files = source::maildir_new(dir).map_err(Failure::temporary)?;
    for file in files {
        let opened = match std::fs::File::open(&file) {
            Ok(opened) => opened,
            // Taken by another reader since the listing: not ours any more.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Failure::temporary(herald::Error::io(&file, e))),
        };
        let message = source::read_capped(opened, MAX_MESSAGE_BYTES)
            .map_err(|e| Failure::temporary(herald::Error::io(&file, e)))?;
        handler.handle(&message, &file.display().to_string())?;
        source::maildir_done(dir, &file).map_err(Failure::temporary)?;
    }
    Ok(())
}

fn mbox(handler: &Handler<'_>, file: &Path) -> Result<(), Failure> {
    let opened =
        std::fs::File::open(file).map_err(|e| Failure::temporary(herald::Error::io(file, e)))?;
    let mut messages = Mbox::new(BufReader::new(opened), MAX_MESSAGE_BYTES);
    let mut index = 0;
    while let Some(message) = messages
        .next_message()
        .map_err(|e| Failure::temporary(herald::Error::io(file, e)))?
    {
        index += 1;
        handler.handle(&message, &format!("{}#{index}", file.display()))?;
    }
    Ok(())
}
