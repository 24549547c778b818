//! `herald inbound`: reads bounces, complaints and unsubscribe requests from standard
//! input, a Maildir or an mbox. Exit 0 for anything it read, understood or not;
//! 75 (EX_TEMPFAIL) when the configuration or the state database cannot be used, so a
//! mail server keeps the message and retries.

use std::io::BufReader;
use std::path::{Path, PathBuf};

use crate::controls::{escape, to_json};
use crate::inbound::source::{self, Capped, MAX_MESSAGE_BYTES, Mbox};
use crate::inbound::{Addresses, Outcome};
use crate::newsletter::lifecycle::Policy;
use crate::store::Store;

use super::{Context, Failure};

/// Options of `herald inbound`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
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
pub(super) fn run(context: &Context, args: Args) -> Result<(), Failure> {
    let config = context.config().map_err(temporary)?;
    let mut store = Store::open(&config.state_file).map_err(Failure::temporary)?;
    let secret = context
        .secrets
        .secret_key()
        .map_err(|e| temporary(crate::Error::from(e).into()))?;
    match secret {
        Some(secret) => {
            crate::mail::unsubscribe::index(&mut store, secret).map_err(Failure::temporary)?;
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
    let handled = store
        .transaction(|store| handler.handle(store, &message, "stdin".to_string()))
        .map_err(Failure::temporary)?;
    handler.print(&handled)
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

/// Messages handled in one transaction. A crash re-reads at most this many, and none
/// acts twice: each is recorded by its Message-ID.
const BATCH: usize = 256;

/// One message handled, waiting for its transaction to commit.
struct Handled {
    outcome: Outcome,
    origin: String,
    truncated: bool,
}

impl Handler<'_> {
    /// Classifies and applies one message. A store error is the caller's to report.
    fn handle(&self, store: &Store, message: &Capped, origin: String) -> crate::Result<Handled> {
        let classified =
            crate::inbound::classify(&message.bytes, &self.addresses, &self.recipients);
        let outcome = crate::inbound::apply(
            store,
            self.secret,
            &classified,
            self.context.now,
            self.policy,
        )?;
        Ok(Handled {
            outcome,
            origin,
            truncated: message.truncated,
        })
    }

    /// Prints a committed message's line.
    fn print(&self, handled: &Handled) -> Result<(), Failure> {
        let Handled {
            outcome,
            origin,
            truncated,
        } = handled;
        if *truncated {
            eprintln!(
                "warning: {origin}: the message is larger than {} MiB; only its start was read",
                MAX_MESSAGE_BYTES >> 20
            );
        }
        if self.json {
            let mut value = serde_json::to_value(outcome).map_err(Failure::runtime)?;
            value["source"] = origin.as_str().into();
            println!("{}", to_json(&value, false).map_err(Failure::runtime)?);
        } else if !self.context.quiet || outcome.changed {
            // The outcome quotes the report (addresses, server words): escaped.
            println!("{}", escape(&format!("{origin}: {outcome}")));
        }
        Ok(())
    }
}

fn maildir(handler: &Handler<'_>, dir: &Path) -> Result<(), Failure> {
    let files = source::maildir_new(dir).map_err(Failure::temporary)?;
    for chunk in files.chunks(BATCH) {
        let handled = handler
            .store
            .transaction(|store| {
                let mut done = Vec::with_capacity(chunk.len());
                for file in chunk {
                    let opened = match std::fs::File::open(file) {
                        Ok(opened) => opened,
                        // Taken by another reader since the listing: not ours any more.
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                        Err(e) => return Err(crate::Error::io(file, e)),
                    };
                    let message = source::read_capped(opened, MAX_MESSAGE_BYTES)
                        .map_err(|e| crate::Error::io(file, e))?;
                    done.push((
                        file,
                        handler.handle(store, &message, file.display().to_string())?,
                    ));
                }
                Ok(done)
            })
            .map_err(Failure::temporary)?;
        // Moved only once their changes are committed: a failure leaves them in new/.
        for (file, handled) in &handled {
            handler.print(handled)?;
            source::maildir_done(dir, file).map_err(Failure::temporary)?;
        }
    }
    Ok(())
}

fn mbox(handler: &Handler<'_>, file: &Path) -> Result<(), Failure> {
    let opened =
        std::fs::File::open(file).map_err(|e| Failure::temporary(crate::Error::io(file, e)))?;
    let mut messages = Mbox::new(BufReader::new(opened), MAX_MESSAGE_BYTES);
    let mut index = 0;
    loop {
        let handled = handler
            .store
            .transaction(|store| {
                let mut done = Vec::new();
                while done.len() < BATCH {
                    let Some(message) = messages
                        .next_message()
                        .map_err(|e| crate::Error::io(file, e))?
                    else {
                        break;
                    };
                    index += 1;
                    let origin = format!("{}#{index}", file.display());
                    done.push(handler.handle(store, &message, origin)?);
                }
                Ok(done)
            })
            .map_err(Failure::temporary)?;
        handled.iter().try_for_each(|h| handler.print(h))?;
        if handled.len() < BATCH {
            return Ok(());
        }
    }
}
