//! Conditional GET (RFC 9110 §13): `If-None-Match`, then `If-Modified-Since`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::header::{HeaderMap, IF_MODIFIED_SINCE, IF_NONE_MATCH};

/// What the request's preconditions say about the current version of a file.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Precondition {
    /// No precondition, or one that the current version fails: send it.
    Send,
    /// `If-None-Match` names the variant at this index of the candidates: 304 with it.
    MatchedTag(usize),
    /// `If-None-Match: *`, or `If-Modified-Since` not older than the file: 304.
    NotModified,
}

/// Evaluates the request's preconditions against the entity tags of every variant of
/// the current version (`candidates`, quoted, e.g. `"abc-gz"`) and its modification
/// time. `If-None-Match` takes precedence: when it is present, `If-Modified-Since` is
/// ignored.
pub(crate) fn evaluate(
    headers: &HeaderMap,
    candidates: &[&str],
    modified: SystemTime,
) -> Precondition {
    let mut tags = headers.get_all(IF_NONE_MATCH).iter().peekable();
    if tags.peek().is_some() {
        for value in tags {
            let Ok(value) = value.to_str() else { continue };
            if value.trim() == "*" {
                return Precondition::NotModified;
            }
            if let Some(index) = matching(value, candidates) {
                return Precondition::MatchedTag(index);
            }
        }
        return Precondition::Send;
    }
    let since = headers
        .get(IF_MODIFIED_SINCE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| httpdate::parse_http_date(value).ok());
    match since {
        Some(since) if whole_seconds(modified) <= since => Precondition::NotModified,
        _ => Precondition::Send,
    }
}

/// The index of the first candidate named in an `If-None-Match` list, compared weakly
/// (`W/"x"` matches `"x"`), as RFC 9110 §13.1.2 asks.
fn matching(list: &str, candidates: &[&str]) -> Option<usize> {
    list.split(',')
        .map(|tag| tag.trim())
        .map(|tag| tag.strip_prefix("W/").unwrap_or(tag))
        .find_map(|tag| candidates.iter().position(|candidate| *candidate == tag))
}

/// HTTP dates have whole seconds: a file modified at 12:00:00.7 was not modified since
/// `Last-Modified: 12:00:00`.
pub(crate) fn whole_seconds(time: SystemTime) -> SystemTime {
    match time.duration_since(UNIX_EPOCH) {
        Ok(since) => UNIX_EPOCH + Duration::from_secs(since.as_secs()),
        Err(_) => time,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evaluate_with(pairs: &[(&str, &str)]) -> Precondition {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(
                axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        // Modified 2024-03-15 09:30:00.5 UTC.
        let modified = UNIX_EPOCH + Duration::from_millis(1_710_495_000_500);
        evaluate(&headers, &["\"abc\"", "\"abc-gz\"", "\"abc-br\""], modified)
    }

    #[test]
    fn preconditions() {
        use Precondition::*;
        let at = "Fri, 15 Mar 2024 09:30:00 GMT";
        let before = "Fri, 15 Mar 2024 09:29:59 GMT";
        let cases: [(&[(&str, &str)], Precondition); 14] = [
            (&[], Send),
            (&[("if-none-match", "\"abc\"")], MatchedTag(0)),
            (&[("if-none-match", "\"abc-br\"")], MatchedTag(2)),
            (&[("if-none-match", "W/\"abc-gz\"")], MatchedTag(1)),
            (&[("if-none-match", "\"old\", \"abc-gz\"")], MatchedTag(1)),
            (
                &[("if-none-match", "\"old\""), ("if-none-match", "\"abc\"")],
                MatchedTag(0),
            ),
            (&[("if-none-match", "\"old\"")], Send),
            (&[("if-none-match", "abc")], Send),
            (&[("if-none-match", "*")], NotModified),
            (&[("if-modified-since", at)], NotModified),
            (&[("if-modified-since", before)], Send),
            (&[("if-modified-since", "yesterday")], Send),
            // If-None-Match takes precedence over If-Modified-Since, either way.
            (
                &[("if-none-match", "\"old\""), ("if-modified-since", at)],
                Send,
            ),
            (
                &[("if-none-match", "\"abc\""), ("if-modified-since", before)],
                MatchedTag(0),
            ),
        ];
        for (headers, want) in cases {
            assert_eq!(evaluate_with(headers), want, "{headers:?}");
        }
    }
}
