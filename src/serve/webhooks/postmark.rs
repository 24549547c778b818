//! Postmark webhooks: one JSON object per request, behind HTTP basic auth (the user
//! and password put in the webhook's URL). `RecordType` `Bounce` with a `Type`
//! (`HardBounce`, `BadEmailAddress`, `ManuallyDeactivated` hard; `SoftBounce`,
//! `Transient`, `DnsError`, `Blocked`, `DMARCPolicy`, `Unknown` soft; `SpamComplaint`
//! a complaint; the rest, such as `AutoResponder` or `AddressChange`, nothing), and
//! `RecordType` `SpamComplaint`. Deliveries, opens and clicks are nothing.

use serde::Deserialize;
use serde_json::Value;

use super::report::{Effect, Recipient, Refusal, Report, Window};
use crate::inbound::Feedback;

/// A Postmark callback.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Callback {
    /// `Bounce`, `SpamComplaint`, `Delivery`, `Open`, `Click`, `SubscriptionChange`.
    pub record_type: String,
    /// The bounce type (`HardBounce` …) for bounces and complaints.
    #[serde(default, rename = "Type")]
    pub kind: Option<String>,
    /// The bounce's id (a number).
    #[serde(default, rename = "ID")]
    pub id: Option<Value>,
    /// The recipient.
    #[serde(default)]
    pub email: Option<String>,
    /// Postmark's description of the bounce type.
    #[serde(default)]
    pub description: Option<String>,
    /// The receiving server's words.
    #[serde(default)]
    pub details: Option<String>,
    /// When Postmark took the bounce or complaint (RFC 3339).
    #[serde(default)]
    pub bounced_at: Option<String>,
}

/// How old a bounce or complaint may be: Postmark retries a webhook for about ten and a
/// half hours; an older request is stale.
pub(crate) const MAX_AGE_SECONDS: i64 = 12 * 60 * 60;

/// How far ahead of the server's clock `BouncedAt` may be.
const MAX_AHEAD_SECONDS: i64 = 5 * 60;

impl Callback {
    /// Reads a callback.
    pub(crate) fn parse(body: &[u8]) -> Result<Callback, Refusal> {
        serde_json::from_slice(body).map_err(|e| Refusal::json("Postmark", &e))
    }

    /// Whether a bounce or complaint was taken within `MAX_AGE_SECONDS` (12 hours) of `now`
    /// (Postmark signs nothing: its `BouncedAt` is what tells a stale request).
    pub(crate) fn fresh(&self, now: chrono::DateTime<chrono::Utc>) -> Result<(), Refusal> {
        let at = self
            .bounced_at
            .as_deref()
            .and_then(|at| chrono::DateTime::parse_from_rfc3339(at.trim()).ok())
            .ok_or(Refusal::Unauthorized(
                "the Postmark bounce or complaint has no BouncedAt time",
            ))?;
        let window = Window {
            age: MAX_AGE_SECONDS,
            ahead: MAX_AHEAD_SECONDS,
        };
        if window.holds(at.timestamp(), now) {
            Ok(())
        } else {
            Err(Refusal::Unauthorized(
                "the Postmark BouncedAt is too old (stale) or in the future",
            ))
        }
    }

    /// What the callback reports.
    pub(crate) fn report(&self) -> Result<Report, Refusal> {
        let effect = match (self.record_type.as_str(), self.kind.as_deref()) {
            ("SpamComplaint", _) | ("Bounce", Some("SpamComplaint")) => {
                Effect::Complaint(Feedback::Abuse)
            }
            ("Bounce", Some(kind)) => bounce_effect(kind),
            _ => Effect::Nothing,
        };
        let id = match &self.id {
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ if effect == Effect::Nothing => String::new(),
            _ => {
                return Err(Refusal::Unreadable(format!(
                    "a Postmark {} without its ID",
                    self.record_type
                )));
            }
        };
        let said = self
            .details
            .as_deref()
            .filter(|d| !d.trim().is_empty())
            .or(self.description.as_deref())
            .unwrap_or("");
        let recipients = self
            .email
            .as_deref()
            .map(|address| Recipient::new(address, None, said))
            .into_iter()
            .collect();
        Ok(Report {
            id,
            effect,
            recipients,
            envelope_sender: None,
        })
    }
}

/// How a Postmark bounce `Type` counts.
fn bounce_effect(kind: &str) -> Effect {
    match kind {
        "HardBounce" | "BadEmailAddress" | "ManuallyDeactivated" => Effect::Hard,
        "SoftBounce" | "Transient" | "DnsError" | "Blocked" | "DMARCPolicy" | "Unknown" => {
            Effect::Soft
        }
        _ => Effect::Nothing,
    }
}
