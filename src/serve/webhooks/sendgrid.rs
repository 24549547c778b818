//! SendGrid's signed Event Webhook: a JSON array of events, signed with ECDSA P-256
//! over SHA-256 of the `X-Twilio-Email-Event-Webhook-Timestamp` header followed by the
//! body (the signature, base64 DER, in `X-Twilio-Email-Event-Webhook-Signature`). The
//! key is the base64 DER `SubjectPublicKeyInfo` SendGrid shows. Events: `bounce` (type
//! `bounce` hard, `blocked` soft), `dropped` (for a bounced or invalid address hard, a
//! spam-reporting address a complaint, an unsubscribed one an opt-out, the sender's own
//! trouble such as a quota nothing) and
//! `spamreport` (a complaint); anything else (processed, delivered, deferred, open,
//! click …) nothing.

use base64::Engine;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use x509_parser::oid_registry::{OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY};
use x509_parser::prelude::FromDer;
use x509_parser::x509::SubjectPublicKeyInfo;

use super::report::{Effect, Recipient, Refusal, Report, Window};
use crate::inbound::Feedback;

/// The header that carries the signature.
pub(crate) const SIGNATURE_HEADER: &str = "x-twilio-email-event-webhook-signature";

/// The header that carries the signed timestamp.
pub(crate) const TIMESTAMP_HEADER: &str = "x-twilio-email-event-webhook-timestamp";

/// How far a signed timestamp may be from the server's clock, in seconds.
pub(crate) const WINDOW_SECONDS: i64 = 5 * 60;

/// SendGrid's verification key: the uncompressed P-256 point.
#[derive(Debug, Clone)]
pub(crate) struct Key(Vec<u8>);

impl Key {
    /// Reads the base64 key SendGrid shows (DER `SubjectPublicKeyInfo` of a P-256 key).
    pub(crate) fn parse(base64: &str) -> Result<Key, String> {
        let der = base64::engine::general_purpose::STANDARD
            .decode(base64.trim())
            .map_err(|e| format!("is not base64 ({e})"))?;
        let (rest, spki) = SubjectPublicKeyInfo::from_der(&der)
            .map_err(|e| format!("is not a public key ({e})"))?;
        let p256 = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.as_oid().ok())
            .is_some_and(|curve| curve == OID_EC_P256);
        if !rest.is_empty() || spki.algorithm.algorithm != OID_KEY_TYPE_EC_PUBLIC_KEY || !p256 {
            return Err("is not an ECDSA P-256 public key".into());
        }
        Ok(Key(spki.subject_public_key.data.to_vec()))
    }

    /// Checks `signature` (base64 DER) over `timestamp` and `body`, and that
    /// `timestamp` is within five minutes of `now`.
    pub(crate) fn verify(
        &self,
        timestamp: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<(), Refusal> {
        let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
            return Err(Refusal::Unauthorized("the SendGrid request is not signed"));
        };
        let signature = base64::engine::general_purpose::STANDARD
            .decode(signature.trim())
            .map_err(|_| Refusal::Unauthorized("the SendGrid signature is not base64"))?;
        let mut signed = Vec::with_capacity(timestamp.len() + body.len());
        signed.extend_from_slice(timestamp.as_bytes());
        signed.extend_from_slice(body);
        ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_ASN1, &self.0)
            .verify(&signed, &signature)
            .map_err(|_| Refusal::Unauthorized("the SendGrid signature does not match"))?;
        let at: i64 = timestamp
            .trim()
            .parse()
            .map_err(|_| Refusal::Unauthorized("the SendGrid timestamp is not a number"))?;
        if !Window::either_way(WINDOW_SECONDS).holds(at, now) {
            return Err(Refusal::Unauthorized(
                "the SendGrid timestamp is more than 5 minutes away (stale)",
            ));
        }
        Ok(())
    }
}

/// One SendGrid event.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Event {
    /// The recipient.
    #[serde(default)]
    pub email: Option<String>,
    /// `bounce`, `dropped`, `spamreport`, `delivered` …
    pub event: String,
    /// The event's id.
    #[serde(default)]
    pub sg_event_id: Option<String>,
    /// For `bounce`: `bounce` or `blocked`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// The enhanced status code.
    #[serde(default)]
    pub status: Option<String>,
    /// The server's words, or why SendGrid dropped the message.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Reads a batch of events.
pub(crate) fn parse(body: &[u8]) -> Result<Vec<Event>, Refusal> {
    serde_json::from_slice(body).map_err(|e| Refusal::json("SendGrid", &e))
}

impl Event {
    /// What the event reports (nothing for an event without an id: it cannot be
    /// made once).
    pub(crate) fn report(&self) -> Report {
        let reason = self.reason.as_deref().unwrap_or("");
        let effect = match (self.event.as_str(), self.kind.as_deref()) {
            ("bounce", Some("blocked")) => Effect::Soft,
            ("bounce", _) => Effect::Hard,
            ("spamreport", _) => Effect::Complaint(Feedback::Abuse),
            ("dropped", _) => dropped(reason),
            _ => Effect::Nothing,
        };
        let id = self.sg_event_id.clone().unwrap_or_default();
        Report {
            // An event without its id cannot be made once: it is left alone.
            effect: if id.is_empty() {
                Effect::Nothing
            } else {
                effect
            },
            id,
            recipients: self
                .email
                .as_deref()
                .map(|address| Recipient::new(address, self.status.as_deref(), reason))
                .into_iter()
                .collect(),
            envelope_sender: None,
        }
    }
}

/// Why SendGrid dropped a message, as what it means for the address.
fn dropped(reason: &str) -> Effect {
    let reason = reason.to_ascii_lowercase();
    if reason.contains("bounced address") || reason.contains("invalid") {
        Effect::Hard
    } else if reason.contains("spam reporting address") {
        Effect::Complaint(Feedback::Abuse)
    } else if reason.contains("unsubscribed address") {
        Effect::Complaint(Feedback::OptOut)
    } else {
        // The sender's own trouble (a quota, a bad API header): not the address's.
        Effect::Nothing
    }
}
