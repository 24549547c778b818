//! The record each issue's page carries in its head: JSON-LD (schema.org's
//! `PublicationIssue`) naming the issue, its subject, when it was sent and what it holds.
//! The archive's index and feed are rebuilt from these records, so the published pages
//! are the one account of what was published.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What opens the record in a page; a page without it is not an issue's.
const OPEN: &str = r#"<script type="application/ld+json">"#;
/// What closes it; the JSON itself never holds `<` (see [`Record::to_script`]).
const CLOSE: &str = "</script>";
const CONTEXT: &str = "https://schema.org";
const KIND: &str = "PublicationIssue";

/// One issue, as its page records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Record {
    #[serde(rename = "@context", default)]
    context: String,
    #[serde(rename = "@type")]
    kind: String,
    /// The issue id.
    pub(super) identifier: String,
    /// The subject.
    pub(super) name: String,
    /// When sending started.
    #[serde(rename = "datePublished")]
    pub(super) date_published: DateTime<Utc>,
    /// Its articles' titles.
    #[serde(default)]
    pub(super) description: String,
    /// The page's address when it was written (the index builds addresses from the
    /// folder and the current `site.url` instead, so a moved site keeps working links).
    #[serde(default)]
    pub(super) url: String,
    /// The newsletter.
    #[serde(rename = "isPartOf", default)]
    part_of: Periodical,
}

/// schema.org's `Periodical`: the newsletter an issue belongs to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Periodical {
    #[serde(rename = "@type", default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    url: String,
}

/// What a page's record said, when it has one.
pub(super) type Read = Result<Record, serde_json::Error>;

impl Record {
    /// The record of issue `identifier`, of the newsletter `site` at `site_url`.
    pub(super) fn new(
        identifier: &str,
        name: &str,
        date_published: DateTime<Utc>,
        description: &str,
        url: &str,
        (site, site_url): (&str, &str),
    ) -> Record {
        Record {
            context: CONTEXT.into(),
            kind: KIND.into(),
            identifier: identifier.into(),
            name: name.into(),
            date_published,
            description: description.into(),
            url: url.into(),
            part_of: Periodical {
                kind: "Periodical".into(),
                name: site.into(),
                url: site_url.into(),
            },
        }
    }

    /// The JSON, safe inside a `<script>` element as it is: `<`, `>` and `&` (which can
    /// only occur in its strings) are written as `\u003c`, `\u003e` and `\u0026`.
    pub(super) fn to_script(&self) -> String {
        // A struct of strings and a date always serialises.
        let json = serde_json::to_string(self).unwrap_or_default();
        json.replace('<', "\\u003c")
            .replace('>', "\\u003e")
            .replace('&', "\\u0026")
    }

    /// The record in `html`; `None` when the page has none (it is not an issue's page).
    pub(super) fn read(html: &str) -> Option<Read> {
        let start = html.find(OPEN)? + OPEN.len();
        let end = html[start..].find(CLOSE)? + start;
        let record = serde_json::from_str::<Record>(&html[start..end]);
        Some(record.and_then(|record| {
            if record.kind == KIND {
                Ok(record)
            } else {
                Err(serde::de::Error::custom(format!(
                    "its @type is {:?}, not {KIND:?}",
                    record.kind
                )))
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn record(name: &str) -> Record {
        let date = Utc.with_ymd_and_hms(2026, 1, 2, 9, 30, 0).unwrap();
        Record::new(
            "20260101-abc",
            name,
            date,
            "One; Two",
            "https://example.com/newsletter/2026-01-02-one/",
            ("Site", "https://example.com/"),
        )
    }

    #[test]
    fn a_record_reads_back_from_its_page() {
        for name in [
            "Plain",
            "</script><script>alert(1)</script>",
            "A & B <c> \"d\" 'e' \u{2028}",
            "",
        ] {
            let written = record(name);
            let script = written.to_script();
            assert!(!script.contains('<') && !script.contains('>'), "{script}");
            let page = format!("<head><title>x</title>{OPEN}{script}{CLOSE}<style></style>");
            let read = Record::read(&page).expect("a record").expect("it parses");
            assert_eq!(read, written);
        }
        assert!(
            record("x")
                .to_script()
                .contains(r#""datePublished":"2026-01-02T09:30:00Z""#)
        );
    }

    #[test]
    fn pages_without_a_record_or_with_a_broken_one() {
        assert!(Record::read("<html><head><title>Mine</title></head></html>").is_none());
        let other = format!(
            r#"{OPEN}{{"@type":"BlogPosting","identifier":"a","name":"b","datePublished":"2026-01-01T00:00:00Z"}}{CLOSE}"#
        );
        let err = Record::read(&other).unwrap().unwrap_err().to_string();
        assert!(err.contains("BlogPosting"), "{err}");
        let broken = format!("{OPEN}{{\"@type\": {CLOSE}");
        assert!(Record::read(&broken).unwrap().is_err());
    }
}
