//! `Accept` negotiation (RFC 9110 §12.5.1) between a feed and its HTML page: does the
//! client prefer `text/html` to the feed's own types?

use axum::http::header::{ACCEPT, HeaderMap};

use super::encoding::parse_qvalue;

/// Whether the request prefers `text/html` to every type in `feed_types` (the feed's
/// own type and the generic ones it is also served as): HTML only when its q-value is
/// higher. A tie (no `Accept`, `*/*`) goes to the feed, which is what feed readers
/// expect. A browser's `text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8`
/// gets HTML; a reader's `application/rss+xml, application/xml;q=0.9, */*;q=0.8` the
/// feed.
pub(crate) fn prefers_html(headers: &HeaderMap, feed_types: &[&str]) -> bool {
    if !headers.contains_key(ACCEPT) {
        // `*/*`: a tie, without looking further.
        return false;
    }
    let ranges = ranges(headers);
    let html = quality(&ranges, "text/html");
    let feed = feed_types
        .iter()
        .map(|t| quality(&ranges, t))
        .max()
        .unwrap_or(0);
    html > feed
}

/// One media range with its q-value in thousandths.
#[derive(Debug)]
struct Range<'a> {
    kind: &'a str,
    subtype: &'a str,
    q: u16,
}

/// The media ranges of every `Accept` header; without one, `*/*`.
fn ranges(headers: &HeaderMap) -> Vec<Range<'_>> {
    let mut ranges = Vec::new();
    let mut any_header = false;
    for value in headers.get_all(ACCEPT) {
        any_header = true;
        let Ok(value) = value.to_str() else { continue };
        ranges.extend(value.split(',').filter_map(parse_range));
    }
    if !any_header {
        ranges.push(Range {
            kind: "*",
            subtype: "*",
            q: 1000,
        });
    }
    ranges
}

/// `type/subtype[;param=value]*[;q=value]`; `None` when malformed.
fn parse_range(element: &str) -> Option<Range<'_>> {
    let mut parts = element.split(';');
    let (kind, subtype) = parts.next()?.trim().split_once('/')?;
    let (kind, subtype) = (kind.trim(), subtype.trim());
    if kind.is_empty() || subtype.is_empty() || (kind == "*" && subtype != "*") {
        return None;
    }
    let mut q = 1000;
    for parameter in parts {
        let Some((name, value)) = parameter.split_once('=') else {
            continue;
        };
        if name.trim().eq_ignore_ascii_case("q") {
            q = parse_qvalue(value.trim())?;
        }
    }
    Some(Range { kind, subtype, q })
}

/// The q-value the ranges give `media_type` (`type/subtype`): that of the most specific
/// range that matches it (the highest among equally specific ones), 0 when none does.
fn quality(ranges: &[Range<'_>], media_type: &str) -> u16 {
    let (kind, subtype) = media_type.split_once('/').unwrap_or((media_type, ""));
    let mut best: Option<(u8, u16)> = None;
    for range in ranges {
        let specificity = if range.kind.eq_ignore_ascii_case(kind)
            && range.subtype.eq_ignore_ascii_case(subtype)
        {
            2
        } else if range.kind.eq_ignore_ascii_case(kind) && range.subtype == "*" {
            1
        } else if range.kind == "*" {
            0
        } else {
            continue;
        };
        best = match best {
            Some((s, q)) if s > specificity || (s == specificity && q >= range.q) => Some((s, q)),
            _ => Some((specificity, range.q)),
        };
    }
    best.map_or(0, |(_, q)| q)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSS: [&str; 2] = ["application/rss+xml", "application/xml"];

    fn html(values: &[&str]) -> bool {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(ACCEPT, value.parse().unwrap());
        }
        prefers_html(&headers, &RSS)
    }

    #[test]
    fn negotiation() {
        let cases: [(&[&str], bool); 16] = [
            // Chromium, Firefox, Safari.
            (
                &[
                    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
                ],
                true,
            ),
            (
                &["text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"],
                true,
            ),
            // Feed readers.
            (
                &["application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.8"],
                false,
            ),
            (
                &[
                    "application/atom+xml,application/rss+xml;q=0.9,application/xml;q=0.8,text/xml;q=0.7,*/*;q=0.5",
                ],
                false,
            ),
            (&[], false),
            (&["*/*"], false),
            (&["text/html"], true),
            (&["TEXT/HTML"], true),
            (&["text/*"], true),
            (&["text/html;q=0"], false),
            (&["text/html;q=0.5, application/xml;q=0.5"], false),
            (&["text/html;level=1;q=0.9, */*;q=0.8"], true),
            // The most specific range decides: text/html is refused here.
            (&["text/html;q=0, text/*, */*"], false),
            (&["application/xml", "text/html"], false),
            (&["garbage, text/html;q=2"], false),
            (&["*/html, text/html;q=0.1"], true),
        ];
        for (values, want) in cases {
            assert_eq!(html(values), want, "{values:?}");
        }
    }
}
