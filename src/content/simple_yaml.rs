//! A fast reader for the plain front matter almost every article has: one `key: value`
//! per line, values plain, quoted, or a flat `[a, b]` list.
//!
//! YAML parsing was most of herald's build time on a large archive. This reader accepts
//! only a conservative subset whose meaning it is sure of, and gives up (`None`) on
//! anything else — nesting, block scalars, escapes, anchors, tags, numbers, booleans,
//! nulls, duplicate keys, control characters — so that the full YAML parser decides
//! those cases, errors and messages included. A property test checks that whatever it
//! accepts, serde_yaml reads the same way.

use serde_yaml::Value;

/// One `key: value` line of the front matter.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Field<'a> {
    /// The key, as written.
    pub key: &'a str,
    /// The value, as YAML would read it.
    pub value: Value,
    /// 1-based line within the front matter.
    pub line: usize,
}

/// Reads `yaml` if it lies in the simple subset; `None` means "ask the YAML parser".
/// The fields come in file order.
pub(super) fn parse(yaml: &str) -> Option<Vec<Field<'_>>> {
    let mut fields: Vec<Field<'_>> = Vec::with_capacity(16);
    for (index, line) in yaml.lines().enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        if !line.bytes().all(|b| (0x20..0x7f).contains(&b)) && line.chars().any(is_unusual) {
            return None;
        }
        let (key, value) = key_value(line)?;
        if fields.iter().any(|f| f.key == key) {
            return None;
        }
        fields.push(Field {
            key,
            value,
            line: index + 1,
        });
    }
    Some(fields)
}

/// Characters YAML forbids, treats as line breaks, or that the subset leaves alone.
fn is_unusual(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
        )
}

fn key_value(line: &str) -> Option<(&str, Value)> {
    let colon = line.find(':')?;
    let key = &line[..colon];
    let mut chars = key.chars();
    let first = chars.next()?;
    if !(first.is_ascii_alphabetic() || first == '_')
        || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return None;
    }
    let rest = &line[colon + 1..];
    if !rest.starts_with(' ') {
        return None;
    }
    let value = rest.trim_matches(' ');
    let value = match value.chars().next()? {
        '\'' => Value::String(single_quoted(value)?),
        '"' => Value::String(double_quoted(value)?),
        '[' => sequence(value)?,
        _ => Value::String(plain(value)?.to_string()),
    };
    Some((key, value))
}

/// `'text'` with `''` for a quote, and nothing after the closing quote.
fn single_quoted(value: &str) -> Option<String> {
    let inner = value.strip_prefix('\'')?.strip_suffix('\'')?;
    if !inner.contains('\'') {
        return Some(inner.to_string());
    }
    let unescaped = inner.replace("''", "\u{0}");
    if unescaped.contains('\'') {
        return None;
    }
    Some(unescaped.replace('\u{0}', "'"))
}

/// `"text"` without escapes, and nothing after the closing quote.
fn double_quoted(value: &str) -> Option<String> {
    let inner = value.strip_prefix('"')?.strip_suffix('"')?;
    if inner.contains(['"', '\\']) {
        return None;
    }
    Some(inner.to_string())
}

/// `[a, b, c]` of plain items.
fn sequence(value: &str) -> Option<Value> {
    let inner = value.strip_prefix('[')?.strip_suffix(']')?;
    if inner.contains(['[', ']', '{', '}', '\'', '"', '#', ':', '?']) {
        return None;
    }
    if inner.trim().is_empty() {
        return Some(Value::Sequence(Vec::new()));
    }
    inner
        .split(',')
        .map(|item| plain(item.trim_matches(' ')).map(|s| Value::String(s.to_string())))
        .collect::<Option<Vec<_>>>()
        .map(Value::Sequence)
}

/// A plain scalar that YAML reads as exactly this text.
fn plain(value: &str) -> Option<&str> {
    let first = value.chars().next()?;
    let indicator = "-?:,[]{}#&*!|>'\"%@`~.+".contains(first);
    let comment_or_mapping = value.contains(" #") || value.contains(": ") || value.ends_with(':');
    if indicator || comment_or_mapping || value.contains('\t') || resolves_to_non_string(value) {
        return None;
    }
    Some(value)
}

/// Whether YAML would read `value` as a number, a boolean or null instead of text.
///
/// `plain` has already refused a leading sign or dot, so only a leading digit can make a
/// number; the words need no allocation to compare.
fn resolves_to_non_string(value: &str) -> bool {
    const WORDS: [&str; 12] = [
        "true", "false", "null", "yes", "no", "on", "off", "y", "n", "nan", "inf", "infinity",
    ];
    if WORDS.iter().any(|word| word.eq_ignore_ascii_case(value)) {
        return true;
    }
    if !value.starts_with(|c: char| c.is_ascii_digit()) {
        return value.parse::<f64>().is_ok();
    }
    let lower = value.to_ascii_lowercase();
    value.parse::<f64>().is_ok()
        || value.parse::<i128>().is_ok()
        || lower.starts_with("0x")
        || lower.starts_with("0o")
        || lower.starts_with("0b")
        || value.contains('_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_yaml::Mapping;

    fn mapping(fields: Vec<Field<'_>>) -> Mapping {
        fields
            .into_iter()
            .map(|f| (Value::String(f.key.to_string()), f.value))
            .collect()
    }

    #[test]
    fn reads_the_usual_front_matter() {
        let yaml = "title: 'It''s here: finally'\nsubtitle: \"Say 'hi'\"\nauthor: Ann O'Neil\n\
                    publish_date: 2024-03-15\nheroImage: /img/a.jpg\ntags: [rust, web-dev]\n# note\n\n";
        let fields = parse(yaml).expect("simple");
        let lines: Vec<usize> = fields.iter().map(|f| f.line).collect();
        assert_eq!(lines, [1, 2, 3, 4, 5, 6]);
        let mapping = mapping(fields);
        assert_eq!(mapping, serde_yaml::from_str::<Mapping>(yaml).unwrap());
    }

    #[test]
    fn leaves_everything_else_to_the_yaml_parser() {
        for yaml in [
            "title: a\ntitle: b\n",
            "read_time: 8\n",
            "draft: true\n",
            "title: |\n  block\n",
            "title:\n  nested: x\n",
            "title: \"esc\\n\"\n",
            "title: a # comment\n",
            "title: &anchor a\n",
            "title: 'unclosed\n",
            "title: ~\n",
            "title:\n",
            "tags: ['a', b]\n",
            "title: 1_000\n",
            " title: indented\n",
            "title: a\u{1}b\n",
            "title: key: value\n",
            "title: .5\n",
        ] {
            assert_eq!(parse(yaml), None, "{yaml:?}");
        }
    }

    fn scalar() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop::sample::select(vec![
                "a",
                "Z",
                "0",
                "9",
                "-",
                "_",
                ".",
                ":",
                " ",
                "#",
                "'",
                "\"",
                ",",
                "[",
                "]",
                "e",
                "x",
                "o",
                "+",
                "~",
                "é",
                "🎉",
                "\\",
                "&",
                "*",
                "!",
                "|",
                ">",
                "%",
                "@",
                "true",
                "null",
                "2024-03-15",
                "T10:00:00Z",
                "inf",
                "\t",
                "{",
                "}",
                "?",
            ]),
            0..8,
        )
        .prop_map(|parts| parts.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

        #[test]
        fn whatever_it_accepts_yaml_reads_the_same(
            lines in prop::collection::vec(("[a-z_]{1,3}", scalar(), 0..4usize), 1..5)
        ) {
            let yaml: String = lines
                .iter()
                .map(|(key, value, style)| match style {
                    0 => format!("{key}: {value}\n"),
                    1 => format!("{key}: '{value}'\n"),
                    2 => format!("{key}: \"{value}\"\n"),
                    _ => format!("{key}: [{value}]\n"),
                })
                .collect();
            if let Some(fast) = parse(&yaml) {
                let slow = serde_yaml::from_str::<Value>(&yaml);
                prop_assert!(slow.is_ok(), "YAML rejects what the fast path took: {yaml:?}");
                prop_assert_eq!(Value::Mapping(mapping(fast)), slow.unwrap(), "{:?}", yaml);
            }
        }
    }
}
