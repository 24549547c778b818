//! Building one recipient's message from the issue rendered once, and the one-part
//! messages that are not an issue (the sign-up confirmation) with the same headers,
//! Message-ID, encoding and DKIM signature.

use std::time::SystemTime;

use lettre::Message;
use lettre::address::Envelope;
use lettre::message::MessageBuilder;
use lettre::message::dkim::{
    DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningAlgorithm,
    DkimSigningKey,
};
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use sha2::{Digest, Sha256};

use super::encoded::EncodedPart;
use super::unsubscribe::Unsubscribe;
use crate::content::text::one_line;
use crate::digest::Rendered;
use crate::digest::render::{PREFERENCES_PLACEHOLDER, UNSUBSCRIBE_PLACEHOLDER};
use crate::error::{Error, Result};

/// One subscriber to write to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Recipient {
    /// The address.
    pub email: String,
    /// The display name, when known.
    pub name: Option<String>,
    /// Which of a run's composers builds the message (an issue has one per distinct
    /// set of articles its recipients get; 0 when there is one).
    pub edition: usize,
}

/// A finished message: the SMTP envelope and the bytes to send (or write as `.eml`).
#[derive(Debug, Clone)]
pub(crate) struct Composed {
    /// `MAIL FROM` and `RCPT TO`.
    pub envelope: Envelope,
    /// The RFC 5322 message, DKIM-signed when configured.
    pub bytes: Vec<u8>,
}

/// Everything a [`Composer`] needs besides the rendered issue.
pub(crate) struct ComposerSettings<'a> {
    /// The issue id (part of every Message-ID).
    pub issue: &'a str,
    /// `newsletter.from`, e.g. `Magick AI <news@magick.ai>`.
    pub from: &'a str,
    /// `newsletter.reply_to`.
    pub reply_to: Option<&'a str>,
    /// The site's name, used in `List-Id`.
    pub site_title: &'a str,
    /// How to unsubscribe.
    pub unsubscribe: Unsubscribe,
    /// The signing key, when DKIM is configured.
    pub dkim: Option<DkimKey>,
    /// The `Date:` of every message.
    pub date: SystemTime,
    /// Put before the subject, e.g. `[TEST] `.
    pub subject_prefix: &'a str,
    /// `newsletter.bounce_address`: with it, each `MAIL FROM` is this address with the
    /// recipient's token (VERP); without it, the `From:` address.
    pub bounce_address: Option<&'a str>,
    /// The issue's page in the archive: `Archived-At: <url>` (RFC 5064).
    pub archived_at: Option<&'a str>,
}

/// A DKIM signing key with its domain and selector.
pub(crate) struct DkimKey {
    /// `d=`.
    pub domain: String,
    /// `s=`.
    pub selector: String,
    /// The key.
    pub key: DkimSigningKey,
}

impl DkimKey {
    /// Reads a key file: an RSA key in PKCS#1 PEM (`BEGIN RSA PRIVATE KEY`), or an
    /// Ed25519 key as the base64 of its 32 raw bytes.
    pub(crate) fn parse(
        domain: &str,
        selector: &str,
        text: &str,
        path: &std::path::Path,
    ) -> Result<DkimKey> {
        let (algorithm, body) = if text.contains("-----BEGIN RSA PRIVATE KEY-----") {
            (DkimSigningAlgorithm::Rsa, text)
        } else if text.contains("-----BEGIN") {
            return Err(Error::newsletter(
                path,
                "DKIM key is PEM but not PKCS#1 RSA; convert it with `openssl rsa -in KEY -traditional`, or give an Ed25519 key as base64 of its 32 bytes",
            ));
        } else {
            (DkimSigningAlgorithm::Ed25519, text.trim())
        };
        let key = DkimSigningKey::new(body, algorithm)
            .map_err(|e| Error::newsletter(path, format!("not a usable DKIM private key: {e}")))?;
        Ok(DkimKey {
            domain: domain.to_string(),
            selector: selector.to_string(),
            key,
        })
    }
}

/// What every message herald sends carries, an issue's or a confirmation's: `From`,
/// `Reply-To`, the domain of its Message-IDs, and the DKIM signature when configured.
pub(crate) struct Letterhead {
    from: Mailbox,
    reply_to: Option<Mailbox>,
    id_domain: String,
    dkim: Option<DkimConfig>,
}

impl Letterhead {
    /// Checks `newsletter.from` and `newsletter.reply_to`; `config_path` names the file
    /// in errors.
    pub(crate) fn new(
        from: &str,
        reply_to: Option<&str>,
        dkim: Option<DkimKey>,
        config_path: &std::path::Path,
    ) -> Result<Letterhead> {
        let mailbox = |field: &str, value: &str| {
            value.parse::<Mailbox>().map_err(|e| {
                Error::newsletter(
                    config_path,
                    format!("newsletter.{field} {value:?} is not a mailbox ({e}); use e.g. \"Site <news@example.com>\""),
                )
            })
        };
        let from = mailbox("from", from)?;
        let reply_to = reply_to.map(|r| mailbox("reply_to", r)).transpose()?;
        Ok(Letterhead {
            id_domain: from.email.domain().to_string(),
            from,
            reply_to,
            dkim: dkim.map(dkim_config),
        })
    }

    /// The Message-ID of the message `key` (an issue id, or a confirmation's
    /// `confirm-…`) to `email`: the same on every run, so a copy sent twice is
    /// recognisable downstream.
    fn message_id(&self, key: &str, email: &str) -> String {
        let mut hash = Sha256::new();
        hash.update(key.as_bytes());
        hash.update([0]);
        hash.update(email.trim().to_lowercase().as_bytes());
        let digest = hash.finalize();
        let hex = crate::hex::encode(&digest[..10]);
        format!("<{key}.{hex}@{}>", self.id_domain)
    }

    /// A message with the headers every message starts with: `From`, `To`, `Subject`
    /// (one line), `Date` and `Message-ID`.
    fn builder(
        &self,
        to: Mailbox,
        subject: &str,
        date: SystemTime,
        message_id: &str,
    ) -> MessageBuilder {
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(one_line(subject))
            .date(date)
            .message_id(Some(message_id.to_string()))
    }

    /// `builder` with `Reply-To`, when configured.
    fn reply_to(&self, builder: MessageBuilder) -> MessageBuilder {
        match &self.reply_to {
            Some(reply_to) => builder.reply_to(reply_to.clone()),
            None => builder,
        }
    }

    /// `message`, DKIM-signed when configured.
    fn sign(&self, mut message: Message) -> Message {
        if let Some(dkim) = &self.dkim {
            message.sign(dkim);
        }
        message
    }

    /// A plain-text message to `email` that is not an issue (the sign-up
    /// confirmation), built as an issue's messages are: the same headers, a Message-ID
    /// derived from `key` and the address, quoted-printable text and the DKIM
    /// signature. It carries no list headers (the address is on no list yet), and its
    /// envelope sender is the `From:` address (no VERP: there is no subscriber to
    /// match a bounce to).
    pub(crate) fn text_message(
        &self,
        key: &str,
        email: &str,
        subject: &str,
        text: &str,
        date: SystemTime,
    ) -> Result<Composed> {
        let to = mailbox_of(email, None)?;
        let message_id = self.message_id(key, email);
        let body = EncodedPart::new(text, &[]).with(&[]);
        let message = self
            .reply_to(self.builder(to, subject, date, &message_id))
            .singlepart(SinglePart::plain(body))
            .map_err(|e| Error::message(email, "lettre", e))?;
        let message = self.sign(message);
        Ok(Composed {
            envelope: message.envelope().clone(),
            bytes: message.formatted(),
        })
    }
}

/// The `To:` mailbox of `email`, mailed as the address rule writes it: a row stored
/// before the rule may spell its domain in Unicode, which would need SMTPUTF8. A stored
/// address the rule refuses is tried as it is, as it was before the rule.
fn mailbox_of(email: &str, name: Option<&str>) -> Result<Mailbox> {
    let to = crate::address::normalize(email).unwrap_or_else(|_| email.trim().to_string());
    let address = to
        .parse()
        .map_err(|e| Error::message(email, "not a valid address", e))?;
    let name = name.map(one_line).filter(|n| !n.is_empty());
    Ok(Mailbox::new(name, address))
}

/// The per-recipient links in a rendered issue, in the order [`EncodedPart::with`]
/// takes their values.
const LINKS: [&str; 2] = [UNSUBSCRIBE_PLACEHOLDER, PREFERENCES_PLACEHOLDER];

/// Builds each recipient's message; cheap per recipient, since the issue was rendered
/// once and only the unsubscribe and preferences links, `To` and `Message-ID` differ.
pub(crate) struct Composer {
    issue: String,
    letterhead: Letterhead,
    list_id: String,
    subject: String,
    rendered: Rendered,
    /// The HTML and text parts, encoded once for every recipient.
    html: EncodedPart,
    text: EncodedPart,
    unsubscribe: Unsubscribe,
    date: SystemTime,
    bounce_address: Option<String>,
    archived_at: Option<String>,
}

impl Composer {
    /// Checks the addresses and prepares the parts shared by every message.
    /// `config_path` names the file in errors.
    pub(crate) fn new(
        settings: ComposerSettings<'_>,
        rendered: Rendered,
        config_path: &std::path::Path,
    ) -> Result<Composer> {
        let letterhead =
            Letterhead::new(settings.from, settings.reply_to, settings.dkim, config_path)?;
        let list_id = list_id(settings.site_title, &letterhead.id_domain);
        // The footer's preferences link stays only when there is a preferences page.
        let rendered = rendered.with_preferences(settings.unsubscribe.preferences.is_some());
        Ok(Composer {
            issue: settings.issue.to_string(),
            subject: one_line(&format!("{}{}", settings.subject_prefix, rendered.subject)),
            letterhead,
            list_id,
            html: EncodedPart::new(&rendered.html, &LINKS),
            text: EncodedPart::new(&rendered.text, &LINKS),
            rendered,
            unsubscribe: settings.unsubscribe,
            date: settings.date,
            bounce_address: settings.bounce_address.map(str::to_string),
            archived_at: settings.archived_at.map(|url| format!("<{url}>")),
        })
    }

    /// The subject every message carries.
    pub(crate) fn subject(&self) -> &str {
        &self.subject
    }

    /// The Message-ID for `email` in this issue: the same on every run, so a copy sent
    /// twice is recognisable downstream.
    pub(crate) fn message_id(&self, email: &str) -> String {
        self.letterhead.message_id(&self.issue, email)
    }

    /// The HTML and text parts for `email`, with its own unsubscribe and preferences
    /// links.
    pub(crate) fn parts(&self, email: &str) -> (String, String) {
        let links = self.unsubscribe.links(email);
        self.rendered
            .personalise(links.footer(), links.preferences.as_deref())
    }

    /// Builds, and signs when DKIM is configured, the message for `recipient`.
    pub(crate) fn compose(&self, recipient: &Recipient) -> Result<Composed> {
        let to = mailbox_of(&recipient.email, recipient.name.as_deref())?;
        let links = self.unsubscribe.links(&recipient.email);
        // As `Rendered::personalise` does, from the parts encoded once per issue.
        let (in_html, in_text) = Rendered::unsubscribe_values(links.footer());
        let preferences = links.preferences.as_deref().unwrap_or("");
        let (prefs_html, prefs_text) = Rendered::unsubscribe_values(preferences);
        let html = self.html.with(&[&in_html, &prefs_html]);
        let text = self.text.with(&[in_text, prefs_text]);
        let message_id = self.message_id(&recipient.email);
        let mut builder = self
            .letterhead
            .builder(to, &self.subject, self.date, &message_id)
            .raw_header(header("List-Id", &self.list_id));
        builder = self.letterhead.reply_to(builder);
        if let Some(value) = &self.archived_at {
            builder = builder.raw_header(header("Archived-At", value));
        }
        if let Some(value) = links.header() {
            builder = builder.raw_header(header("List-Unsubscribe", &value));
        }
        if links.one_click() {
            builder = builder.raw_header(header(
                "List-Unsubscribe-Post",
                "List-Unsubscribe=One-Click",
            ));
        }
        let body = MultiPart::alternative()
            .boundary(boundary(&message_id))
            .singlepart(SinglePart::plain(text))
            .singlepart(SinglePart::html(html));
        let message = builder
            .multipart(body)
            .map_err(|e| Error::message(recipient.email.as_str(), "lettre", e))?;
        let message = self.letterhead.sign(message);
        Ok(Composed {
            envelope: self.envelope(message.envelope(), &recipient.email)?,
            bytes: message.formatted(),
        })
    }

    /// The message's own envelope, or with VERP, the same recipients and a `MAIL FROM`
    /// of the bounce address with `email`'s token.
    fn envelope(&self, envelope: &Envelope, email: &str) -> Result<Envelope> {
        let Some(bounce) = &self.bounce_address else {
            return Ok(envelope.clone());
        };
        let token = super::unsubscribe::token(&self.unsubscribe.secret, email);
        let sender = super::verp::sender(bounce, &token)
            .parse()
            .map_err(|e| Error::message(email, "the VERP sender is not a valid address", e))?;
        Envelope::new(Some(sender), envelope.to().to_vec())
            .map_err(|e| Error::message(email, "no envelope", e))
    }
}

/// The MIME boundary of the message whose Message-ID is `message_id`: derived from it,
/// so a message is the same bytes every time it is built (a resent copy, a golden test).
/// `=_` can never occur in quoted-printable text, which both parts are, so the boundary
/// cannot collide with a body line.
fn boundary(message_id: &str) -> String {
    let digest = Sha256::digest(message_id.as_bytes());
    let hex = crate::hex::encode(&digest[..12]);
    format!("=_herald_{hex}")
}

/// A header whose value is flattened to one line first, so no value can start a new
/// header.
fn header(name: &'static str, value: &str) -> HeaderValue {
    HeaderValue::new(HeaderName::new_from_ascii_str(name), one_line(value))
}

/// `List-Id: Site Name <newsletter.example.com>` (RFC 2919); the phrase keeps only
/// characters that need no quoting.
fn list_id(site_title: &str, domain: &str) -> String {
    let phrase: String = site_title
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '!') {
                c
            } else {
                ' '
            }
        })
        .collect();
    let phrase = one_line(&phrase);
    if phrase.is_empty() {
        format!("<newsletter.{domain}>")
    } else {
        format!("{phrase} <newsletter.{domain}>")
    }
}

fn dkim_config(key: DkimKey) -> DkimConfig {
    let headers = [
        "From",
        "To",
        "Subject",
        "Date",
        "Message-ID",
        "List-Id",
        "List-Unsubscribe",
        "List-Unsubscribe-Post",
        "Archived-At",
    ]
    .into_iter()
    .map(HeaderName::new_from_ascii_str)
    .collect();
    DkimConfig::new(
        key.selector,
        key.domain,
        key.key,
        headers,
        DkimCanonicalization {
            header: DkimCanonicalizationType::Relaxed,
            body: DkimCanonicalizationType::Relaxed,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn composer(url: Option<&str>, prefix: &str) -> Composer {
        let settings = ComposerSettings {
            issue: "20260101-abc",
            from: "Site <news@example.com>",
            reply_to: Some("editors@example.com"),
            site_title: "My \"Site\"\r\nX: y",
            unsubscribe: Unsubscribe {
                url: url.map(str::to_string),
                mailto: Some("off@example.com".into()),
                preferences: None,
                secret: b"k".to_vec(),
            },
            dkim: None,
            date: SystemTime::UNIX_EPOCH,
            subject_prefix: prefix,
            bounce_address: None,
            archived_at: Some("https://example.com/newsletter/2026-01-01-a/"),
        };
        let rendered = Rendered {
            subject: "Hello".into(),
            html: format!(
                "<a href=\"{}\">u</a>",
                crate::digest::render::UNSUBSCRIBE_PLACEHOLDER
            ),
            text: crate::digest::render::UNSUBSCRIBE_PLACEHOLDER.into(),
        };
        Composer::new(settings, rendered, std::path::Path::new("herald.yaml")).unwrap()
    }

    fn compose(composer: &Composer, email: &str, name: Option<&str>) -> String {
        let recipient = Recipient {
            email: email.into(),
            name: name.map(str::to_string),
            edition: 0,
        };
        String::from_utf8(composer.compose(&recipient).unwrap().bytes).unwrap()
    }

    #[test]
    fn message_ids_are_stable_per_issue_and_recipient() {
        let c = composer(None, "");
        assert_eq!(c.message_id("a@x.org"), c.message_id("A@x.org"));
        assert_ne!(c.message_id("a@x.org"), c.message_id("b@x.org"));
        assert!(c.message_id("a@x.org").starts_with("<20260101-abc."));
        assert!(c.message_id("a@x.org").ends_with("@example.com>"));
    }

    #[test]
    fn headers_are_single_lines_and_one_click_needs_https() {
        let c = composer(Some("https://example.com/u/{token}"), "[TEST] ");
        let text = compose(&c, "a@x.org", Some("Ann\r\nBcc: evil@x.org"));
        let headers = text.split("\r\n\r\n").next().unwrap();
        assert!(
            !headers
                .lines()
                .any(|l| l.starts_with("Bcc:") || l.starts_with("X: ")),
            "{headers}"
        );
        assert!(headers.contains("Subject: [TEST] Hello"));
        assert!(
            headers.contains("List-Id: My Site X y <newsletter.example.com>"),
            "{headers}"
        );
        assert!(headers.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
        assert!(
            headers.contains("Archived-At: <https://example.com/newsletter/2026-01-01-a/>"),
            "{headers}"
        );
        assert!(headers.contains("List-Unsubscribe: <https://example.com/u/"));
        let mailto_only = compose(&composer(None, ""), "a@x.org", None);
        assert!(!mailto_only.contains("List-Unsubscribe-Post"));
        assert!(
            mailto_only
                .contains("List-Unsubscribe: <mailto:off@example.com?subject=unsubscribe%20")
        );
    }

    #[test]
    fn each_message_links_its_own_preferences_page_beside_unsubscribe() {
        let rendered = Rendered {
            subject: "Hello".into(),
            html: format!(
                "<a href=\"{}\">u</a> HERALD-PREFERENCES-START<a href=\"{}\">p</a>HERALD-PREFERENCES-END",
                UNSUBSCRIBE_PLACEHOLDER, PREFERENCES_PLACEHOLDER
            ),
            text: format!(
                "U {UNSUBSCRIBE_PLACEHOLDER}HERALD-PREFERENCES-START P {PREFERENCES_PLACEHOLDER}HERALD-PREFERENCES-END"
            ),
        };
        let with = |preferences: Option<&str>| {
            let mut c = composer(Some("https://example.com/u/{token}"), "");
            c.unsubscribe.preferences = preferences.map(str::to_string);
            let settings_rendered = rendered.with_preferences(preferences.is_some());
            c.html = EncodedPart::new(&settings_rendered.html, &LINKS);
            c.text = EncodedPart::new(&settings_rendered.text, &LINKS);
            c.rendered = settings_rendered;
            c
        };
        let token = crate::mail::unsubscribe::token(b"k", "ann@x.org");
        let c = with(Some("https://example.com/p/{token}"));
        let (html, text) = c.parts("ann@x.org");
        assert_eq!(
            html,
            format!(
                "<a href=\"https://example.com/u/{token}\">u</a> <a href=\"https://example.com/p/{token}\">p</a>"
            )
        );
        assert_eq!(
            text,
            format!("U https://example.com/u/{token} P https://example.com/p/{token}")
        );
        let message = compose(&c, "ann@x.org", None).replace("=\r\n", "");
        assert!(
            message.contains(&format!("https://example.com/p/{token}")),
            "{message}"
        );
        let (html, text) = with(None).parts("ann@x.org");
        assert_eq!(
            html,
            format!("<a href=\"https://example.com/u/{token}\">u</a> ")
        );
        assert_eq!(text, format!("U https://example.com/u/{token}"));
    }

    #[test]
    fn verp_changes_the_envelope_sender_and_not_the_from_header() {
        let plain = composer(None, "");
        let recipient = Recipient {
            email: "Ann@x.org".into(),
            name: None,
            edition: 0,
        };
        let before = plain.compose(&recipient).unwrap();
        let verp = Composer {
            bounce_address: Some("bounces@example.com".into()),
            ..composer(None, "")
        };
        let after = verp.compose(&recipient).unwrap();
        let token = crate::mail::unsubscribe::token(b"k", "ann@x.org");
        assert_eq!(
            after.envelope.from().unwrap().to_string(),
            format!("bounces+{token}@example.com")
        );
        assert_eq!(
            before.envelope.from().unwrap().to_string(),
            "news@example.com"
        );
        assert_eq!(after.envelope.to(), before.envelope.to());
        assert_eq!(after.bytes, before.bytes, "the message itself is unchanged");
    }

    #[test]
    fn a_text_message_has_the_issues_headers_and_no_list_headers() {
        let path = std::path::Path::new("herald.yaml");
        let key = DkimKey::parse(
            "example.com",
            "s1",
            include_str!("../../tests/it/fixtures/dkim-ed25519.key"),
            path,
        )
        .unwrap();
        let letterhead = Letterhead::new(
            "Site <news@example.com>",
            Some("editors@example.com"),
            Some(key),
            path,
        )
        .unwrap();
        let text = "Hello,\n\nopen https://example.com/confirm/1.abc\n\n-- \nSite";
        let composed = letterhead
            .text_message(
                "confirm-1",
                "Ann@x.org",
                "Confirm\r\nBcc: x@y.org",
                text,
                SystemTime::UNIX_EPOCH,
            )
            .unwrap();
        let (envelope, bytes) = (
            composed.envelope,
            String::from_utf8(composed.bytes).unwrap(),
        );
        let (headers, body) = bytes.split_once("\r\n\r\n").unwrap();
        assert!(headers.contains("DKIM-Signature: "), "{headers}");
        assert!(
            headers.contains("\r\nSubject: Confirm Bcc: x@y.org\r\n"),
            "{headers}"
        );
        assert!(
            headers.contains("Reply-To: editors@example.com"),
            "{headers}"
        );
        assert!(headers.contains("Content-Transfer-Encoding: quoted-printable"));
        assert!(!headers.contains("List-"), "{headers}");
        let id = letterhead.message_id("confirm-1", "ann@x.org");
        assert!(headers.contains(&format!("Message-ID: {id}")), "{headers}");
        assert!(id.starts_with("<confirm-1.") && id.ends_with("@example.com>"));
        assert_ne!(id, letterhead.message_id("confirm-2", "ann@x.org"));
        let decoded =
            quoted_printable::decode(body.as_bytes(), quoted_printable::ParseMode::Strict).unwrap();
        assert_eq!(
            String::from_utf8(decoded).unwrap(),
            format!("{}\r\n", text.replace('\n', "\r\n")),
            "the text (and the message's closing CRLF), its signature line's trailing space included"
        );
        assert_eq!(envelope.from().unwrap().to_string(), "news@example.com");
    }

    #[test]
    fn bad_addresses_are_errors_not_panics() {
        let c = composer(None, "");
        let err = c
            .compose(&Recipient {
                email: "not an address".into(),
                name: None,
                edition: 0,
            })
            .unwrap_err();
        assert!(err.to_string().contains("not an address"), "{err}");
        let path = std::path::Path::new("herald.yaml");
        let settings = |from: &'static str| ComposerSettings {
            issue: "i",
            from,
            reply_to: None,
            site_title: "S",
            unsubscribe: Unsubscribe {
                url: None,
                mailto: None,
                preferences: None,
                secret: vec![],
            },
            dkim: None,
            date: SystemTime::UNIX_EPOCH,
            subject_prefix: "",
            bounce_address: None,
            archived_at: None,
        };
        let rendered = Rendered {
            subject: String::new(),
            html: String::new(),
            text: String::new(),
        };
        let err = Composer::new(settings("nobody"), rendered, path)
            .err()
            .unwrap();
        assert!(
            err.to_string().contains("newsletter.from \"nobody\""),
            "{err}"
        );
    }
}
