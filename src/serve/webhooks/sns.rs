//! Amazon SNS HTTP(S) deliveries: the JSON envelope (`Type`, `MessageId`, `TopicArn`,
//! `Message`, `Timestamp`, `SignatureVersion`, `Signature`, `SigningCertURL`, and
//! `SubscribeURL` and `Token` on a subscription confirmation), and its signature:
//! RSA PKCS #1 v1.5 over the envelope's "string to sign", SHA-1 for
//! `SignatureVersion` 1 and SHA-256 for 2, with the key of the certificate at
//! `SigningCertURL` (fetched and kept by `sns_cert.rs`).

use base64::Engine;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::report::{Refusal, Window};

/// How old a notification's `Timestamp` may be: SNS retries an HTTP delivery for at
/// most an hour; older is stale.
pub(crate) const MAX_AGE_SECONDS: i64 = 65 * 60;

/// How far ahead of the server's clock a `Timestamp` may be.
pub(crate) const MAX_AHEAD_SECONDS: i64 = 5 * 60;

/// What SNS posts.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Envelope {
    /// `Notification`, `SubscriptionConfirmation` or `UnsubscribeConfirmation`.
    #[serde(rename = "Type")]
    pub kind: String,
    /// SNS's id of the message; the same on each retry.
    pub message_id: String,
    /// The topic it was published to.
    pub topic_arn: String,
    /// The subject, when the publisher gave one (notifications only).
    #[serde(default)]
    pub subject: Option<String>,
    /// The message: for SES, its notification as JSON text.
    pub message: String,
    /// When it was published (ISO 8601).
    pub timestamp: String,
    /// `1` (SHA-1) or `2` (SHA-256).
    #[serde(default)]
    pub signature_version: Option<String>,
    /// Base64 of the RSA signature.
    #[serde(default)]
    pub signature: Option<String>,
    /// Where the signing certificate is.
    #[serde(rename = "SigningCertURL", default)]
    pub signing_cert_url: Option<String>,
    /// The URL that confirms a subscription.
    #[serde(rename = "SubscribeURL", default)]
    pub subscribe_url: Option<String>,
    /// The confirmation token.
    #[serde(default)]
    pub token: Option<String>,
}

/// The hash a `SignatureVersion` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hash {
    /// Version 1.
    Sha1,
    /// Version 2.
    Sha256,
}

impl Envelope {
    /// Reads an SNS delivery.
    pub(crate) fn parse(body: &[u8]) -> Result<Envelope, Refusal> {
        serde_json::from_slice(body).map_err(|e| Refusal::json("Amazon SNS", &e))
    }

    /// The signature's hash and bytes, and the certificate's URL: unsigned or an
    /// unknown version is refused.
    pub(crate) fn signature(&self) -> Result<(Hash, Vec<u8>, &str), Refusal> {
        let (Some(signature), Some(url)) = (&self.signature, &self.signing_cert_url) else {
            return Err(Refusal::Unauthorized("the SNS message is not signed"));
        };
        let hash = match self.signature_version.as_deref() {
            Some("1") => Hash::Sha1,
            Some("2") => Hash::Sha256,
            _ => return Err(Refusal::Unauthorized("unknown SNS SignatureVersion")),
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(signature.trim())
            .map_err(|_| Refusal::Unauthorized("the SNS Signature is not base64"))?;
        Ok((hash, bytes, url))
    }

    /// The text SNS signs: each signed field's name and value on a line of its own, in
    /// the order SNS documents.
    pub(crate) fn string_to_sign(&self) -> Result<String, Refusal> {
        let mut text = String::new();
        let mut add = |name: &str, value: &str| {
            text.push_str(name);
            text.push('\n');
            text.push_str(value);
            text.push('\n');
        };
        match self.kind.as_str() {
            "Notification" => {
                add("Message", &self.message);
                add("MessageId", &self.message_id);
                if let Some(subject) = &self.subject {
                    add("Subject", subject);
                }
                add("Timestamp", &self.timestamp);
                add("TopicArn", &self.topic_arn);
                add("Type", &self.kind);
            }
            "SubscriptionConfirmation" | "UnsubscribeConfirmation" => {
                let (Some(url), Some(token)) = (&self.subscribe_url, &self.token) else {
                    return Err(Refusal::Unreadable(format!(
                        "an SNS {} without SubscribeURL or Token",
                        self.kind
                    )));
                };
                add("Message", &self.message);
                add("MessageId", &self.message_id);
                add("SubscribeURL", url);
                add("Timestamp", &self.timestamp);
                add("Token", token);
                add("TopicArn", &self.topic_arn);
                add("Type", &self.kind);
            }
            _ => {
                return Err(Refusal::Unreadable(
                    "an SNS message of an unknown Type".into(),
                ));
            }
        }
        Ok(text)
    }

    /// Whether the message was published within [`MAX_AGE_SECONDS`] of `now` (and
    /// not after it by more than [`MAX_AHEAD_SECONDS`]).
    pub(crate) fn fresh(&self, now: DateTime<Utc>) -> Result<(), Refusal> {
        let published = DateTime::parse_from_rfc3339(self.timestamp.trim())
            .map_err(|_| Refusal::Unauthorized("the SNS Timestamp is not a time"))?;
        let window = Window {
            age: MAX_AGE_SECONDS,
            ahead: MAX_AHEAD_SECONDS,
        };
        if !window.holds(published.timestamp(), now) {
            return Err(Refusal::Unauthorized(
                "the SNS Timestamp is too old (stale) or in the future",
            ));
        }
        Ok(())
    }
}

/// Verifies `signature` over `text` with the RSA public key `key` (PKCS #1
/// `RSAPublicKey` DER, as in a certificate's subject public key).
pub(crate) fn verify(key: &[u8], hash: Hash, text: &str, signature: &[u8]) -> Result<(), Refusal> {
    let algorithm: &ring::signature::RsaParameters = match hash {
        Hash::Sha1 => &ring::signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
        Hash::Sha256 => &ring::signature::RSA_PKCS1_2048_8192_SHA256,
    };
    ring::signature::UnparsedPublicKey::new(algorithm, key)
        .verify(text.as_bytes(), signature)
        .map_err(|_| Refusal::Unauthorized("the SNS signature does not match"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_string_to_sign_follows_the_documented_order() {
        let body = br#"{"Type":"Notification","MessageId":"m1","TopicArn":"arn:aws:sns:us-east-1:1:t","Subject":"S","Message":"hi","Timestamp":"2026-01-01T00:00:00.000Z","SignatureVersion":"2","Signature":"AA==","SigningCertURL":"https://sns.us-east-1.amazonaws.com/c.pem"}"#;
        let envelope = Envelope::parse(body).unwrap();
        assert_eq!(
            envelope.string_to_sign().unwrap(),
            "Message\nhi\nMessageId\nm1\nSubject\nS\nTimestamp\n2026-01-01T00:00:00.000Z\nTopicArn\narn:aws:sns:us-east-1:1:t\nType\nNotification\n"
        );
        let unsigned = br#"{"Type":"Notification","MessageId":"m1","TopicArn":"a","Message":"hi","Timestamp":"2026-01-01T00:00:00Z"}"#;
        assert!(matches!(
            Envelope::parse(unsigned).unwrap().signature(),
            Err(Refusal::Unauthorized(_))
        ));
    }
}
