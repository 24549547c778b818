//! The `name=value; name=value` tag lists of DKIM (RFC 6376 §3.2) and DMARC records.

/// The tags of `record` in order, names lower-cased, values trimmed; `Err` holds the
/// piece that is not `name=value`, or a name given twice.
pub(super) fn parse(record: &str) -> Result<Vec<(String, String)>, String> {
    let mut tags: Vec<(String, String)> = Vec::new();
    for piece in record.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((name, value)) = piece.split_once('=') else {
            return Err(format!("`{piece}` is not name=value"));
        };
        let name = name.trim().to_ascii_lowercase();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("`{piece}` has no valid tag name"));
        }
        if tags.iter().any(|(n, _)| *n == name) {
            return Err(format!("tag `{name}` appears twice"));
        }
        tags.push((name, value.trim().to_string()));
    }
    Ok(tags)
}

/// The value of tag `name`.
pub(super) fn get<'a>(tags: &'a [(String, String)], name: &str) -> Option<&'a str> {
    tags.iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_lists() {
        let tags = parse("v=DKIM1; K=rsa ;p=AB CD;").unwrap();
        assert_eq!(get(&tags, "k"), Some("rsa"));
        assert_eq!(get(&tags, "p"), Some("AB CD"));
        assert_eq!(get(&tags, "t"), None);
        for bad in ["v=DKIM1; p", "v=a; v=b", "=x"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
