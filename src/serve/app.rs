//! What every handler shares: the config, the secret, the store, the limiters, the
//! mailer and the clock.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

use super::client_ip::TrustedProxies;
use super::limits::Limiter;
use super::mailer::Mailer;
use super::pages::PageFrame;
use super::webhooks::Webhooks;
use crate::config::{Config, Secrets};
use crate::error::Result;
use crate::store::Store;

/// The server's shared state.
pub(crate) struct App {
    pub(crate) config: Config,
    pub(crate) secrets: Secrets,
    /// `HERALD_SECRET`'s bytes; without it unsubscribe and sign-up are off.
    pub(crate) secret: Option<Vec<u8>>,
    /// One connection, used from blocking tasks one at a time.
    pub(crate) store: Mutex<Store>,
    pub(crate) clock: Clock,
    pub(crate) proxies: TrustedProxies,
    /// Sign-ups per client (an IPv4 address or an IPv6 /64).
    pub(crate) per_ip: Limiter<std::net::IpAddr>,
    /// Sign-ups per mailbox (`+tags` folded).
    pub(crate) per_mailbox: Limiter<String>,
    /// Wakes the sign-up worker; `None` when sign-up is off.
    pub(crate) mailer: Option<Mailer>,
    /// Site title and URL for every page.
    pub(crate) frame: PageFrame,
    /// The relay callbacks that are on, with their keys.
    pub(crate) webhooks: Webhooks,
}

/// Where the time comes from: the system, or a pinned instant (`--now`, for tests).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Clock {
    System,
    Fixed(DateTime<Utc>),
}

impl Clock {
    pub(crate) fn now(self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Fixed(now) => now,
        }
    }
}

/// A store call failed on the server side.
#[derive(Debug)]
pub(crate) struct Internal(pub(crate) String);

impl App {
    /// Runs `f` with the store on the blocking pool, on the file now at the state
    /// database's path (a restored backup is reopened; a deleted file is an error),
    /// and fails when that file was replaced while `f` ran.
    pub(crate) async fn db<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&mut Store, &App) -> Result<T> + Send + 'static,
    ) -> Result<T, Internal> {
        let app = Arc::clone(self);
        let joined = tokio::task::spawn_blocking(move || {
            let mut store = app.store.lock().unwrap_or_else(|e| e.into_inner());
            store.follow_file()?;
            let value = f(&mut store, &app)?;
            store.confirm_live()?;
            Ok::<T, crate::error::Error>(value)
        })
        .await;
        match joined {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(Internal(e.to_string())),
            Err(e) => Err(Internal(format!("store task: {e}"))),
        }
    }
}
