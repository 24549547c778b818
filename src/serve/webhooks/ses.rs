//! Amazon SES notifications (the `Message` of an SNS notification): `Bounce` (with
//! `bouncedRecipients`; `Permanent` is hard, `Transient` and `Undetermined` soft),
//! `Complaint` (with `complainedRecipients`), and `Delivery` and the other event types
//! (nothing). Both the notification form (`notificationType`) and the event publishing
//! form (`eventType`) are read.

use serde::Deserialize;

use super::report::{Effect, Recipient, Refusal, Report};
use crate::inbound::feedback;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Notification {
    #[serde(default)]
    notification_type: Option<String>,
    #[serde(default)]
    event_type: Option<String>,
    #[serde(default)]
    mail: Mail,
    #[serde(default)]
    bounce: Option<Bounce>,
    #[serde(default)]
    complaint: Option<Complaint>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Mail {
    /// The envelope sender (`MAIL FROM`) of the original message.
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    message_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Bounce {
    bounce_type: String,
    #[serde(default)]
    bounced_recipients: Vec<Bounced>,
    #[serde(default)]
    feedback_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Bounced {
    email_address: String,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    diagnostic_code: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Complaint {
    #[serde(default)]
    complained_recipients: Vec<Complained>,
    #[serde(default)]
    complaint_feedback_type: Option<String>,
    #[serde(default)]
    feedback_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Complained {
    email_address: String,
}

/// The event in an SES notification (`message`, the SNS `Message`); `sns_id` (the SNS
/// `MessageId`) keys it when SES gives no `feedbackId`.
pub(crate) fn report(message: &str, sns_id: &str) -> Result<Report, Refusal> {
    let notification: Notification =
        serde_json::from_str(message).map_err(|e| Refusal::json("Amazon SES", &e))?;
    let kind = notification
        .notification_type
        .or(notification.event_type)
        .unwrap_or_default();
    let sender = notification.mail.source;
    let fallback = || {
        notification
            .mail
            .message_id
            .clone()
            .map_or_else(|| sns_id.to_string(), |m| format!("{m}/{sns_id}"))
    };
    let mut report = match (kind.as_str(), notification.bounce, notification.complaint) {
        ("Bounce", Some(bounce), _) => {
            let effect = match bounce.bounce_type.as_str() {
                "Permanent" => Effect::Hard,
                _ => Effect::Soft,
            };
            let recipients = bounce
                .bounced_recipients
                .iter()
                .map(|r| {
                    let said = r.diagnostic_code.as_deref().unwrap_or("");
                    // "smtp; 550 5.1.1 user unknown": the words after the type.
                    let said = said.split_once(';').map_or(said, |(_, rest)| rest.trim());
                    Recipient::new(&r.email_address, r.status.as_deref(), said)
                })
                .collect();
            Report {
                id: bounce
                    .feedback_id
                    .filter(|id| !id.is_empty())
                    .unwrap_or_else(fallback),
                effect,
                recipients,
                envelope_sender: None,
            }
        }
        ("Complaint", _, Some(complaint)) => {
            let kind = complaint
                .complaint_feedback_type
                .as_deref()
                .unwrap_or("abuse")
                .to_ascii_lowercase();
            let effect = feedback(&kind).map_or(Effect::Nothing, Effect::Complaint);
            Report {
                id: complaint
                    .feedback_id
                    .filter(|id| !id.is_empty())
                    .unwrap_or_else(fallback),
                effect,
                recipients: complaint
                    .complained_recipients
                    .iter()
                    .map(|r| Recipient::new(&r.email_address, None, ""))
                    .collect(),
                envelope_sender: None,
            }
        }
        ("Bounce" | "Complaint", _, _) => {
            return Err(Refusal::Unreadable(format!(
                "an SES {kind} notification without its {} object",
                kind.to_lowercase()
            )));
        }
        _ => Report {
            id: fallback(),
            effect: Effect::Nothing,
            recipients: Vec::new(),
            envelope_sender: None,
        },
    };
    report.envelope_sender = sender;
    Ok(report)
}
