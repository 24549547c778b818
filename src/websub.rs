//! WebSub (W3C Recommendation): telling the hub named in `feeds.websub_hub` that a
//! feed changed, so that it fetches the feed and pushes it to its subscribers.
//!
//! The feeds announce the hub themselves (`rel="hub"` links, JSON Feed `hubs`); this
//! module only sends the publish ping, `hub.mode=publish&hub.url=<feed URL>` as a form
//! POST. The build library never pings: the CLI calls [`publish`] after the files are
//! committed, so a build stays free of hidden network calls.

use std::time::Duration;

/// Why a ping did not reach the hub.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PingError {
    /// The hub answered, but not with a 2xx status.
    #[error("the hub answered HTTP {0}")]
    Status(u16),
    /// No answer: connection refused, timeout, TLS or DNS failure.
    #[error("{0}")]
    Transport(#[from] ureq::Error),
}

/// Tells `hub` that the feed at `feed_url` changed: one form POST, tried again once on
/// failure, each try given at most `timeout`.
pub fn publish(hub: &str, feed_url: &str, timeout: Duration) -> Result<(), PingError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .user_agent(concat!("herald/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    match ping(&agent, hub, feed_url) {
        Ok(()) => Ok(()),
        Err(_) => ping(&agent, hub, feed_url),
    }
}

/// One try.
fn ping(agent: &ureq::Agent, hub: &str, feed_url: &str) -> Result<(), PingError> {
    let response = agent
        .post(hub)
        .send_form([("hub.mode", "publish"), ("hub.url", feed_url)])?;
    let status = response.status().as_u16();
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(PingError::Status(status))
    }
}
