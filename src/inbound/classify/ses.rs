//! Amazon SES notifications sent as email (through SNS): a JSON body whose
//! `notificationType` is `Bounce` (with `bouncedRecipients`), `Complaint` (with
//! `complainedRecipients`) or `Delivery`. Lines longer than SNS allows come wrapped
//! as `!` + line end + space.

use serde_json::Value;

use super::super::fields;
use super::{Class, Failure, Identifiers, Kind, Mail, hex_runs, text, verp_tokens, words};

/// What an SES notification says, or `None` when the body is not one.
pub(crate) fn read(mail: &Mail<'_>) -> Option<Kind> {
    let (readable, _) = mail.readable();
    let body = readable.trim_start();
    if !body.starts_with('{') || !body.contains("notificationType") {
        return None;
    }
    let joined = body.replace("!\n ", "").replace("!\r\n ", "");
    // SNS appends an unsubscribe footer after the JSON: read the first value only.
    let mut value: Value = serde_json::Deserializer::from_str(&joined)
        .into_iter::<Value>()
        .next()?
        .ok()?;
    // An SNS envelope carries the notification as a string in `Message`.
    if let Some(inner) = value.get("Message").and_then(Value::as_str) {
        value = serde_json::from_str(inner).ok()?;
    }
    let who = sender_tokens(mail, &value);
    match value.get("notificationType")?.as_str()? {
        "Bounce" => bounce(&value, who),
        "Complaint" => Some(complaint(&value, who)),
        "Delivery" => Some(Kind::Notice {
            status: Some("2.0.0".into()),
        }),
        _ => None,
    }
}

/// Tokens in the returned original: its VERP source and its `List-Unsubscribe`.
fn sender_tokens(mail: &Mail<'_>, value: &Value) -> Identifiers {
    let mut who = Identifiers::default();
    let base = mail.addresses.bounce.as_deref();
    verp_tokens(&mail.envelope, base, &mut who);
    let original = &value["mail"];
    let source: Vec<String> = original["source"]
        .as_str()
        .and_then(fields::address)
        .into_iter()
        .collect();
    verp_tokens(&source, base, &mut who);
    for header in original["headers"].as_array().into_iter().flatten() {
        if header["name"]
            .as_str()
            .is_some_and(|n| n.eq_ignore_ascii_case("List-Unsubscribe"))
        {
            for token in hex_runs(header["value"].as_str().unwrap_or("")) {
                who.token(token);
            }
        }
    }
    who
}

/// A `Bounce` notification: one failure per bounced recipient; a `Transient` bounce
/// is never hard.
fn bounce(value: &Value, mut who: Identifiers) -> Option<Kind> {
    let transient = value["bounce"]["bounceType"].as_str() != Some("Permanent");
    let mut failures = Vec::new();
    for recipient in value["bounce"]["bouncedRecipients"].as_array()? {
        let address = recipient["emailAddress"].as_str().and_then(fields::address);
        let said = recipient["diagnosticCode"].as_str().unwrap_or("");
        let said = said.split_once(';').map_or(said, |(_, rest)| rest.trim());
        let (mut class, status) = words::judge(recipient["status"].as_str(), said, said);
        if transient {
            class = Class::Soft;
        }
        who.address(address.clone());
        failures.push(Failure {
            address,
            class,
            status,
            words: text::one_line(said),
        });
    }
    if failures.is_empty() {
        return None;
    }
    Some(Kind::Bounce { who, failures })
}

/// A `Complaint` notification: abuse unless the type says otherwise.
fn complaint(value: &Value, mut who: Identifiers) -> Kind {
    let feedback_type = value["complaint"]["complaintFeedbackType"]
        .as_str()
        .unwrap_or("abuse")
        .to_ascii_lowercase();
    let Some(feedback) = super::arf::feedback(&feedback_type) else {
        return Kind::OtherFeedback { feedback_type };
    };
    for recipient in value["complaint"]["complainedRecipients"]
        .as_array()
        .into_iter()
        .flatten()
    {
        who.address(recipient["emailAddress"].as_str().and_then(fields::address));
    }
    Kind::Complaint { who, feedback }
}
