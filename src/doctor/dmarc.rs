//! DMARC (RFC 7489): a `v=DMARC1` record at `_dmarc.<From domain>` (or at its parent
//! domain), with a valid policy and an address for aggregate reports.

use super::{Answer, Check, Dns, Level, Report, tags};

/// Checks the DMARC record that governs mail from `from_domain`.
pub(super) fn check(from_domain: &str, dns: &dyn Dns, report: &mut Report) {
    let suggested = format!("v=DMARC1; p=none; rua=mailto:dmarc-reports@{from_domain}");
    let mut looked_at = Vec::new();
    for domain in candidates(from_domain) {
        let name = format!("_dmarc.{domain}");
        match dns.txt(&name) {
            Answer::Failed(why) => {
                report.push(
                    Level::Error,
                    Check::Dmarc,
                    format!("could not look up {name}: {why}"),
                );
                return;
            }
            Answer::Missing => looked_at.push(name),
            Answer::Records(records) => {
                let dmarc: Vec<&String> = records
                    .iter()
                    .filter(|r| r.trim_start().to_ascii_lowercase().starts_with("v=dmarc1"))
                    .collect();
                match dmarc.as_slice() {
                    [] => looked_at.push(name),
                    [record] => return judge(record, &name, &suggested, report),
                    more => {
                        report.push(
                            Level::Error,
                            Check::Dmarc,
                            format!("{} DMARC records at {name}, so receivers apply none: keep one, e.g. `{suggested}`", more.len()),
                        );
                        return;
                    }
                }
            }
        }
    }
    report.push(
        Level::Error,
        Check::Dmarc,
        format!("no DMARC record at {}: add a TXT record at _dmarc.{from_domain}: `{suggested}` (Gmail and Yahoo require one from bulk senders)", looked_at.join(" nor ")),
    );
}

/// `_dmarc` is looked up at the domain, then at its parents down to two labels (a
/// stand-in for the organisational domain without a public-suffix list).
fn candidates(domain: &str) -> Vec<String> {
    let labels: Vec<&str> = domain.trim_end_matches('.').split('.').collect();
    (0..labels.len().saturating_sub(1).max(1))
        .map(|skip| labels[skip..].join("."))
        .collect()
}

/// The finding for the one `v=DMARC1` record found at `name`.
fn judge(record: &str, name: &str, suggested: &str, report: &mut Report) {
    let malformed = |problem: String| {
        format!(
            "DMARC record at {name} is malformed ({problem}): `{record}`; use e.g. `{suggested}` (tags separated by `;`)"
        )
    };
    let tags = match tags::parse(record) {
        Ok(tags) => tags,
        Err(problem) => return report.push(Level::Error, Check::Dmarc, malformed(problem)),
    };
    if tags::get(&tags, "v") != Some("DMARC1") {
        let v = tags::get(&tags, "v").unwrap_or_default();
        return report.push(
            Level::Error,
            Check::Dmarc,
            malformed(format!("v= must be exactly DMARC1, found `{v}`")),
        );
    }
    let policy = tags::get(&tags, "p")
        .unwrap_or_default()
        .to_ascii_lowercase();
    match policy.as_str() {
        "none" => report.push(
            Level::Warn,
            Check::Dmarc,
            format!("DMARC at {name} has p=none: fine to start; move to p=quarantine once the aggregate reports show all your mail passing"),
        ),
        "quarantine" | "reject" => {}
        "" => return report.push(Level::Error, Check::Dmarc, malformed("no p= policy".into())),
        other => {
            return report.push(
                Level::Error,
                Check::Dmarc,
                malformed(format!("p={other} is not none, quarantine or reject")),
            );
        }
    }
    let rua = tags::get(&tags, "rua").unwrap_or_default();
    if rua.is_empty() {
        report.push(
            Level::Warn,
            Check::Dmarc,
            format!("DMARC at {name} has no rua=: you get no aggregate reports, so you cannot tell when mail fails; add `rua=mailto:<an address you read>`"),
        );
    } else if !rua
        .split(',')
        .all(|uri| uri.trim().to_ascii_lowercase().starts_with("mailto:"))
    {
        report.push(
            Level::Error,
            Check::Dmarc,
            malformed(format!("rua={rua} is not a list of mailto: addresses")),
        );
    }
    if policy != "none" {
        report.push(Level::Ok, Check::Dmarc, format!("{name}: `{record}`"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::testing::{Zone, findings};

    fn run(domain: &str, zone: Zone) -> Vec<(Level, String)> {
        let mut report = Report::default();
        check(domain, &zone, &mut report);
        findings(report)
    }

    #[test]
    fn policies_and_their_fixes() {
        let name = "_dmarc.example.com";
        let cases = [
            (
                Zone::default().with(name, &["v=DMARC1; p=reject; rua=mailto:d@example.com"]),
                Level::Ok,
                "_dmarc.example.com: `v=DMARC1; p=reject",
            ),
            (
                Zone::default().with(name, &["v=DMARC1; p=none; rua=mailto:d@example.com"]),
                Level::Warn,
                "p=none: fine to start; move to p=quarantine",
            ),
            (
                Zone::default().with(name, &["v=DMARC1; p=quarantine"]),
                Level::Warn,
                "no rua=",
            ),
            (
                Zone::default(),
                Level::Error,
                "no DMARC record at _dmarc.example.com: add a TXT record at _dmarc.example.com: `v=DMARC1; p=none; rua=mailto:dmarc-reports@example.com`",
            ),
            (
                Zone::default().with(name, &["some-verification=1"]),
                Level::Error,
                "no DMARC record",
            ),
            (
                Zone::default().with(name, &["v=DMARC1 p=reject"]),
                Level::Error,
                "malformed (v= must be exactly DMARC1, found `DMARC1 p=reject`)",
            ),
            (
                Zone::default().with(name, &["v=DMARC1; p=block"]),
                Level::Error,
                "malformed (p=block is not none",
            ),
            (
                Zone::default().with(name, &["v=DMARC1; rua=mailto:a@b"]),
                Level::Error,
                "malformed (no p= policy)",
            ),
            (
                Zone::default().with(name, &["v=DMARC1; p=reject; rua=https://x"]),
                Level::Error,
                "not a list of mailto:",
            ),
            (
                Zone::default().with(name, &["v=DMARC1; p=none", "v=DMARC1; p=reject"]),
                Level::Error,
                "2 DMARC records",
            ),
            (
                Zone::default().failing(name, "timed out"),
                Level::Error,
                "could not look up _dmarc.example.com: timed out",
            ),
        ];
        for (zone, level, needle) in cases {
            let found = run("example.com", zone);
            assert!(
                found.iter().any(|(l, m)| *l == level && m.contains(needle)),
                "{needle:?} at {level:?} not in {found:#?}"
            );
        }
    }

    #[test]
    fn subdomain_falls_back_to_the_parent_record() {
        let zone = Zone::default().with(
            "_dmarc.example.com",
            &["v=DMARC1; p=reject; rua=mailto:d@example.com"],
        );
        let found = run("news.example.com", zone);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].1.starts_with("_dmarc.example.com:"), "{found:#?}");
        assert_eq!(
            candidates("a.b.example.com"),
            ["a.b.example.com", "b.example.com", "example.com"]
        );
        assert_eq!(candidates("localhost"), ["localhost"]);
    }
}
