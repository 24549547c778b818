//! Mailgun webhooks: a JSON body `{"signature": {"timestamp", "token", "signature"},
//! "event-data": {…}}`. The signature is HMAC-SHA256 of timestamp and token with the
//! webhook signing key, in hex; the timestamp must be within five minutes, and a token
//! is accepted once (the store remembers them, [`crate::store::Store::first_relay_token`]).
//! Event `failed` with severity `permanent` is hard, `temporary` soft; `complained` a
//! complaint; anything else (delivered, opened, clicked …) nothing.

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use serde_json::Value;
use sha2::Sha256;

use super::report::{Effect, Recipient, Refusal, Report, Window};
use crate::hex::decode as decode_hex;
use crate::inbound::Feedback;

/// How far a signed timestamp may be from the server's clock, in seconds.
pub(crate) const WINDOW_SECONDS: i64 = 5 * 60;

/// A Mailgun callback.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Callback {
    /// What signs it.
    pub signature: Signature,
    /// The event.
    #[serde(rename = "event-data")]
    pub event_data: Value,
}

/// Mailgun's `signature` object.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Signature {
    /// Unix seconds, as a string.
    pub timestamp: String,
    /// A random string, new for each request.
    pub token: String,
    /// Hex HMAC-SHA256 of `timestamp` + `token`.
    pub signature: String,
}

impl Callback {
    /// Reads a callback; a body without a `signature` object is unsigned (401).
    pub(crate) fn parse(body: &[u8]) -> Result<Callback, Refusal> {
        let value: Value =
            serde_json::from_slice(body).map_err(|e| Refusal::json("Mailgun", &e))?;
        if !value.get("signature").is_some_and(Value::is_object) {
            return Err(Refusal::Unauthorized("the Mailgun callback is not signed"));
        }
        serde_json::from_value(value).map_err(|e| Refusal::json("Mailgun", &e))
    }

    /// Checks the signature with `key` and the timestamp against `now`. The token's
    /// first use is the caller's to check.
    pub(crate) fn verify(&self, key: &[u8], now: DateTime<Utc>) -> Result<(), Refusal> {
        let signature = &self.signature;
        let given = decode_hex(signature.signature.trim())
            .ok_or(Refusal::Unauthorized("the Mailgun signature is not hex"))?;
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(signature.timestamp.as_bytes());
        mac.update(signature.token.as_bytes());
        mac.verify_slice(&given)
            .map_err(|_| Refusal::Unauthorized("the Mailgun signature does not match"))?;
        let signed: i64 = signature
            .timestamp
            .trim()
            .parse()
            .map_err(|_| Refusal::Unauthorized("the Mailgun timestamp is not a number"))?;
        if !Window::either_way(WINDOW_SECONDS).holds(signed, now) {
            return Err(Refusal::Unauthorized(
                "the Mailgun timestamp is more than 5 minutes away (stale)",
            ));
        }
        Ok(())
    }

    /// What the event reports.
    pub(crate) fn report(&self) -> Result<Report, Refusal> {
        let event = &self.event_data;
        let text = |value: &Value| value.as_str().map(str::to_string);
        let Some(id) = text(&event["id"]).filter(|id| !id.is_empty()) else {
            return Err(Refusal::Unreadable(
                "a Mailgun event without event-data.id".into(),
            ));
        };
        let effect = match (event["event"].as_str(), event["severity"].as_str()) {
            (Some("failed"), Some("permanent")) => Effect::Hard,
            (Some("failed"), Some("temporary")) => Effect::Soft,
            (Some("complained"), _) => Effect::Complaint(Feedback::Abuse),
            _ => Effect::Nothing,
        };
        let status = &event["delivery-status"];
        let said = [&status["message"], &status["description"], &event["reason"]]
            .into_iter()
            .filter_map(Value::as_str)
            .find(|s| !s.trim().is_empty())
            .unwrap_or("");
        let code = status["code"].as_u64().map(|c| c.to_string());
        let said = match code {
            Some(code) if !said.starts_with(&code) => format!("{code} {said}"),
            _ => said.to_string(),
        };
        let recipients = text(&event["recipient"])
            .map(|address| Recipient::new(&address, status["enhanced-code"].as_str(), &said))
            .into_iter()
            .collect();
        Ok(Report {
            id,
            effect,
            recipients,
            envelope_sender: text(&event["envelope"]["sender"]),
        })
    }
}
