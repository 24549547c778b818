//! SPF (RFC 7208): one `v=spf1` record for the sending domain, well-formed, ending in
//! `~all` or `-all`, within the limit of 10 DNS lookups.

use super::{Answer, Check, Dns, Level, Report};

/// Receivers stop evaluating (and fail SPF) past this many DNS-querying terms.
const MAX_LOOKUPS: usize = 10;

/// The fix for a domain without SPF.
fn add_record(domain: &str) -> String {
    format!(
        "add a TXT record at {domain}: `v=spf1 include:<your relay's SPF domain> ~all` (your relay's documentation names it, e.g. include:amazonses.com)"
    )
}

/// Checks the SPF record of `domain`, following `include:` and `redirect=` to count
/// DNS lookups.
pub(super) fn check(domain: &str, dns: &dyn Dns, report: &mut Report) {
    let record = match find(domain, dns) {
        Found::One(record) => record,
        Found::None => {
            let fix = add_record(domain);
            report.push(
                Level::Error,
                Check::Spf,
                format!("no SPF record for {domain}: {fix}"),
            );
            return;
        }
        Found::Several(n) => {
            report.push(
                Level::Error,
                Check::Spf,
                format!("{domain} has {n} SPF records, which receivers treat as a permanent error: merge them into one `v=spf1 … ~all` record"),
            );
            return;
        }
        Found::Failed(why) => {
            report.push(
                Level::Error,
                Check::Spf,
                format!("could not look up SPF for {domain}: {why}"),
            );
            return;
        }
    };
    let terms = match parse(&record) {
        Ok(terms) => terms,
        Err(problem) => {
            report.push(
                Level::Error,
                Check::Spf,
                format!("SPF record for {domain} is malformed ({problem}): `{record}`; fix it, e.g. `v=spf1 include:<your relay's SPF domain> ~all`"),
            );
            return;
        }
    };
    let before = report.findings.len();
    judge_all(domain, &terms, report);
    let mut counter = Counter {
        dns,
        visited: vec![domain.to_ascii_lowercase()],
        problems: Vec::new(),
    };
    let lookups = counter.count(&terms, 0);
    for problem in counter.problems {
        report.push(
            Level::Error,
            Check::Spf,
            format!("SPF for {domain}: {problem}"),
        );
    }
    if lookups > MAX_LOOKUPS {
        report.push(
            Level::Error,
            Check::Spf,
            format!("SPF for {domain} needs {lookups} DNS lookups, more than the limit of {MAX_LOOKUPS} (receivers then fail SPF): drop includes you no longer use, or replace some with ip4:/ip6: ranges"),
        );
    }
    if report.findings.len() == before {
        report.push(
            Level::Ok,
            Check::Spf,
            format!(
                "{domain}: `{record}` ({lookups} DNS {} of {MAX_LOOKUPS})",
                if lookups == 1 { "lookup" } else { "lookups" }
            ),
        );
    }
}

enum Found {
    One(String),
    None,
    Several(usize),
    Failed(String),
}

/// The `v=spf1` records among the TXT records at `domain`.
fn find(domain: &str, dns: &dyn Dns) -> Found {
    match dns.txt(domain) {
        Answer::Failed(why) => Found::Failed(why),
        Answer::Missing => Found::None,
        Answer::Records(records) => {
            let mut spf: Vec<String> = records.into_iter().filter(|r| is_spf(r)).collect();
            match spf.len() {
                0 => Found::None,
                1 => Found::One(spf.remove(0)),
                n => Found::Several(n),
            }
        }
    }
}

fn is_spf(record: &str) -> bool {
    let lower = record.trim().to_ascii_lowercase();
    lower == "v=spf1" || lower.starts_with("v=spf1 ")
}

/// One term of an SPF record.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    /// `+`, `-`, `~` or `?` (mechanisms); `=` for a modifier.
    qualifier: char,
    /// The mechanism or modifier name, lower-cased.
    name: String,
    /// What follows `:` (mechanisms) or `=` (modifiers).
    value: Option<String>,
}

/// The terms after `v=spf1`, or what is wrong with one of them.
fn parse(record: &str) -> Result<Vec<Term>, String> {
    let mut words = record.split_whitespace();
    words.next(); // v=spf1
    words.map(parse_term).collect()
}

fn parse_term(word: &str) -> Result<Term, String> {
    if let Some((name, value)) = word.split_once('=')
        && !name.contains(':')
    {
        let name = name.to_ascii_lowercase();
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(format!("`{word}` is not a valid modifier"));
        }
        if matches!(name.as_str(), "redirect" | "exp") && value.is_empty() {
            return Err(format!("`{word}` needs a domain"));
        }
        return Ok(Term {
            qualifier: '=',
            name,
            value: Some(value.to_string()),
        });
    }
    let (qualifier, rest) = match word.chars().next() {
        Some(q @ ('+' | '-' | '~' | '?')) => (q, &word[1..]),
        _ => ('+', word),
    };
    let (name, value) = match rest.find([':', '/']) {
        Some(at) => (&rest[..at], Some(rest[at..].trim_start_matches(':'))),
        None => (rest, None),
    };
    let name = name.to_ascii_lowercase();
    let value = value.map(str::to_string);
    let valid = match name.as_str() {
        "all" => value.is_none(),
        "include" | "exists" => value.as_deref().is_some_and(|v| !v.is_empty()),
        "a" | "mx" | "ptr" => true,
        "ip4" => value
            .as_deref()
            .is_some_and(|v| valid_network::<std::net::Ipv4Addr>(v, 32)),
        "ip6" => value
            .as_deref()
            .is_some_and(|v| valid_network::<std::net::Ipv6Addr>(v, 128)),
        _ => return Err(format!("unknown term `{word}`")),
    };
    if !valid {
        return Err(format!("`{word}` is not a valid `{name}` term"));
    }
    Ok(Term {
        qualifier,
        name,
        value,
    })
}

fn valid_network<A: std::str::FromStr>(value: &str, max_prefix: u8) -> bool {
    let (address, prefix) = match value.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (value, None),
    };
    address.parse::<A>().is_ok()
        && prefix.is_none_or(|p| p.parse::<u8>().is_ok_and(|p| p <= max_prefix))
}

/// Findings about how the record ends: `+all` lets anyone send, `?all` says nothing.
fn judge_all(domain: &str, terms: &[Term], report: &mut Report) {
    let all = terms.iter().find(|t| t.name == "all");
    let redirect = terms
        .iter()
        .any(|t| t.qualifier == '=' && t.name == "redirect");
    match all.map(|t| t.qualifier) {
        Some('+') => report.push(
            Level::Error,
            Check::Spf,
            format!("SPF for {domain} ends with `+all`, so anyone may send as {domain}: end it with `~all` or `-all`"),
        ),
        Some('?') => report.push(
            Level::Warn,
            Check::Spf,
            format!("SPF for {domain} ends with `?all` (neutral), which protects nothing: end it with `~all` or `-all`"),
        ),
        None if !redirect => report.push(
            Level::Warn,
            Check::Spf,
            format!("SPF for {domain} has no `all` term, so it says nothing about other senders: end it with `~all` or `-all`"),
        ),
        _ => {}
    }
    if terms.iter().any(|t| t.name == "ptr") {
        report.push(
            Level::Warn,
            Check::Spf,
            format!("SPF for {domain} uses `ptr`, which RFC 7208 says not to use and some receivers ignore: list the addresses with ip4:/ip6: instead"),
        );
    }
}

/// Counts the DNS-querying terms, following `include:` and `redirect=` (RFC 7208 §4.6.4).
struct Counter<'a> {
    dns: &'a dyn Dns,
    visited: Vec<String>,
    problems: Vec<String>,
}

impl Counter<'_> {
    fn count(&mut self, terms: &[Term], depth: usize) -> usize {
        let mut lookups = 0;
        for term in terms {
            match (term.name.as_str(), term.qualifier) {
                ("a" | "mx" | "ptr" | "exists", q) if q != '=' => lookups += 1,
                ("include", q) if q != '=' => lookups += 1 + self.follow(term, depth),
                ("redirect", '=') => lookups += 1 + self.follow(term, depth),
                _ => {}
            }
            if lookups > MAX_LOOKUPS * 2 {
                break; // far past the limit: no need to walk further
            }
        }
        lookups
    }

    /// The lookups inside the record an `include:` or `redirect=` points at.
    fn follow(&mut self, term: &Term, depth: usize) -> usize {
        let target = term.value.clone().unwrap_or_default();
        if target.contains('%') {
            return 0; // a macro: depends on the message, cannot be followed here
        }
        let key = target.trim_end_matches('.').to_ascii_lowercase();
        if self.visited.contains(&key) || depth >= MAX_LOOKUPS {
            self.problems.push(format!(
                "`{}:{target}` loops back to a record already included: remove it",
                term.name
            ));
            return 0;
        }
        self.visited.push(key.clone());
        let record = match find(&key, self.dns) {
            Found::One(record) => record,
            Found::None => {
                self.problems.push(format!("`{}:{target}` points at a domain without an SPF record (a permanent error for receivers): check the name with your relay", term.name));
                return 0;
            }
            Found::Several(n) => {
                self.problems.push(format!(
                    "`{}:{target}` has {n} SPF records (a permanent error for receivers)",
                    term.name
                ));
                return 0;
            }
            Found::Failed(why) => {
                self.problems
                    .push(format!("could not look up `{}:{target}`: {why}", term.name));
                return 0;
            }
        };
        match parse(&record) {
            Ok(terms) => self.count(&terms, depth + 1),
            Err(problem) => {
                self.problems.push(format!(
                    "the record of `{}:{target}` is malformed ({problem})",
                    term.name
                ));
                0
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::testing::{Zone, findings};

    fn run(zone: &Zone) -> Vec<(Level, String)> {
        let mut report = Report::default();
        check("example.com", zone, &mut report);
        findings(report)
    }

    fn only(zone: Zone, level: Level, needle: &str) {
        let found = run(&zone);
        assert!(
            found.iter().any(|(l, m)| *l == level && m.contains(needle)),
            "{needle:?} at {level:?} not in {found:#?}"
        );
        if level == Level::Ok {
            assert_eq!(found.len(), 1, "{found:#?}");
        }
    }

    #[test]
    fn good_record_with_lookups_counted_through_includes() {
        let zone = Zone::default()
            .with(
                "example.com",
                &[
                    "google-site-verification=x",
                    "v=spf1 include:relay.test mx -all",
                ],
            )
            .with(
                "relay.test",
                &["v=spf1 ip4:192.0.2.0/24 include:b.relay.test ~all"],
            )
            .with("b.relay.test", &["v=spf1 a ip6:2001:db8::/32 ~all"]);
        only(zone, Level::Ok, "(4 DNS lookups of 10)");
    }

    #[test]
    fn problems_and_their_fixes() {
        let cases = [
            (
                Zone::default(),
                Level::Error,
                "no SPF record for example.com: add a TXT record at example.com: `v=spf1 include:",
            ),
            (
                Zone::default().with("example.com", &["v=spf1 -all", "v=spf1 mx -all"]),
                Level::Error,
                "has 2 SPF records",
            ),
            (
                Zone::default().with("example.com", &["v=spf1 inclde:relay.test -all"]),
                Level::Error,
                "malformed (unknown term `inclde:relay.test`)",
            ),
            (
                Zone::default().with("example.com", &["v=spf1 ip4:300.1.1.1 -all"]),
                Level::Error,
                "malformed (`ip4:300.1.1.1` is not a valid `ip4` term)",
            ),
            (
                Zone::default().with("example.com", &["v=spf1 +all"]),
                Level::Error,
                "ends with `+all`",
            ),
            (
                Zone::default().with("example.com", &["v=spf1 mx all"]),
                Level::Error,
                "ends with `+all`",
            ),
            (
                Zone::default().with("example.com", &["v=spf1 mx ?all"]),
                Level::Warn,
                "`?all`",
            ),
            (
                Zone::default().with("example.com", &["v=spf1 mx"]),
                Level::Warn,
                "no `all` term",
            ),
            (
                Zone::default().with("example.com", &["v=spf1 ptr -all"]),
                Level::Warn,
                "uses `ptr`",
            ),
            (
                Zone::default().with("example.com", &["v=spf1 include:gone.test -all"]),
                Level::Error,
                "`include:gone.test` points at a domain without an SPF record",
            ),
            (
                Zone::default().failing("example.com", "timed out"),
                Level::Error,
                "could not look up SPF for example.com: timed out",
            ),
            (
                Zone::default()
                    .with("example.com", &["v=spf1 include:a.test -all"])
                    .with("a.test", &["v=spf1 include:example.com -all"]),
                Level::Error,
                "loops back",
            ),
        ];
        for (zone, level, needle) in cases {
            only(zone, level, needle);
        }
    }

    #[test]
    fn more_than_ten_lookups_is_an_error() {
        let many = "v=spf1 a mx include:a.test include:b.test -all";
        let five = "v=spf1 a mx exists:x.test a:y.test mx:z.test ~all";
        let zone = Zone::default()
            .with("example.com", &[many])
            .with("a.test", &[five])
            .with("b.test", &[five]);
        only(
            zone,
            Level::Error,
            "needs 14 DNS lookups, more than the limit of 10",
        );
    }

    #[test]
    fn redirect_counts_and_stands_for_all() {
        let zone = Zone::default()
            .with("example.com", &["v=spf1 redirect=_spf.example.net"])
            .with("_spf.example.net", &["v=spf1 mx -all"]);
        only(zone, Level::Ok, "(2 DNS lookups of 10)");
    }
}
