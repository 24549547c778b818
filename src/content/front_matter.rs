//! Typing the YAML front matter field by field, so one file reports every problem at once.

use std::borrow::Cow;

use serde::de::DeserializeOwned;
use serde_yaml::Value;

use super::limits;
use crate::error::strip_location;

/// The front-matter keys herald understands.
pub(crate) const KNOWN_KEYS: &[&str] = &[
    "title",
    "subtitle",
    "description",
    "author",
    "read_time",
    "publish_date",
    "created_date",
    "updated_date",
    "heroImage",
    "hero_image",
    "cta",
    "cta_url",
    "slug",
    "id",
    "tags",
    "draft",
];

/// The fields as written, before dates and URLs are interpreted.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct FrontMatter<'a> {
    /// `title:` as written.
    pub title: Option<String>,
    /// `subtitle:` as written.
    pub subtitle: Option<String>,
    /// `description:` as written.
    pub description: Option<String>,
    /// `author:` as written.
    pub author: Option<String>,
    /// `read_time:` as written.
    pub read_time: Option<String>,
    /// `publish_date:` as written.
    pub publish_date: Option<String>,
    /// `created_date:` as written.
    pub created_date: Option<String>,
    /// `updated_date:` as written.
    pub updated_date: Option<String>,
    /// `heroImage:` (or `hero_image:`) as written.
    pub hero_image: Option<String>,
    /// `cta:` as written.
    pub cta: Option<String>,
    /// `cta_url:` as written.
    pub cta_url: Option<String>,
    /// `slug:` as written.
    pub slug: Option<String>,
    /// `id:` as written.
    pub id: Option<String>,
    /// `tags:` as written.
    pub tags: Vec<String>,
    /// `draft:` as written.
    pub draft: bool,
    /// The 1-based line (within the front matter) of each top-level key, for messages.
    pub lines: KeyLines<'a>,
}

/// The 1-based line (within the front matter) of each top-level key, in file order.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct KeyLines<'a>(Vec<(&'a str, usize)>);

impl KeyLines<'_> {
    /// The line of `key`'s first occurrence.
    pub(crate) fn get(&self, key: &str) -> Option<usize> {
        self.0
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, line)| *line)
    }
}

/// The top-level fields, keys as text, in file order.
type Entries<'a> = Vec<(Cow<'a, str>, Value)>;

/// A problem with one field, at a line relative to the front matter's first line (1-based).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct FieldProblem {
    /// 1-based line inside the front matter, when known.
    pub line: Option<usize>,
    /// What is wrong and what to do.
    pub message: String,
    /// A warning leaves the article usable.
    pub warning: bool,
}

/// Parses front matter YAML, returning the fields it could read and every problem.
/// `None` means the YAML itself is unreadable.
pub(crate) fn parse(yaml: &str) -> (Option<FrontMatter<'_>>, Vec<FieldProblem>) {
    let (entries, lines) = match read_fields(yaml) {
        Ok(read) => read,
        Err(problem) => return (None, vec![problem]),
    };
    let mut fields = Fields {
        entries,
        lines: &lines,
        problems: Vec::new(),
    };
    let front_matter = FrontMatter {
        title: fields.text("title"),
        subtitle: fields.text("subtitle"),
        description: fields.text("description"),
        author: fields.text("author"),
        read_time: fields.text("read_time"),
        publish_date: fields.text("publish_date"),
        created_date: fields.text("created_date"),
        updated_date: fields.text("updated_date"),
        hero_image: fields.hero_image(),
        cta: fields.text("cta"),
        cta_url: fields.text("cta_url"),
        slug: fields.text("slug"),
        id: fields.text("id"),
        tags: fields.tags(),
        draft: fields
            .typed::<bool>("draft", "true or false")
            .unwrap_or(false),
        lines: KeyLines::default(),
    };
    fields.warn_unknown_keys();
    let mut problems = fields.problems;
    problems.sort_by_key(|p| p.line);
    (
        Some(FrontMatter {
            lines,
            ..front_matter
        }),
        problems,
    )
}

/// The fields and their lines: from the fast reader when the YAML is plain, else from
/// serde_yaml.
fn read_fields(yaml: &str) -> Result<(Entries<'_>, KeyLines<'_>), FieldProblem> {
    if yaml.trim().is_empty() {
        return Ok(Default::default());
    }
    limits::check_size(yaml).map_err(over_limit)?;
    if let Some(fields) = super::simple_yaml::parse(yaml) {
        let lines = KeyLines(fields.iter().map(|f| (f.key, f.line)).collect());
        let entries = fields
            .into_iter()
            .map(|f| (Cow::Borrowed(f.key), f.value))
            .collect();
        return Ok((entries, lines));
    }
    // The fast reader takes no nesting; the YAML parser must not see absurd nesting.
    limits::check_depth(yaml).map_err(over_limit)?;
    let entries = match serde_yaml::from_str::<Value>(yaml) {
        Ok(Value::Mapping(mapping)) => mapping
            .into_iter()
            .map(|(key, value)| (Cow::Owned(key_text(&key)), value))
            .collect(),
        Ok(Value::Null) => Vec::new(),
        Ok(_) => {
            return Err(FieldProblem {
                line: Some(1),
                message: "the front matter is not a list of `key: value` fields; write one field \
                          per line, e.g. `title: My article`"
                    .into(),
                warning: false,
            });
        }
        Err(e) => {
            return Err(FieldProblem {
                // "unexpected end of stream" points past the last line; the cause is above it.
                line: e
                    .location()
                    .map(|l| l.line().min(yaml.lines().count().max(1))),
                message: format!(
                    "YAML syntax error: {}; check the quoting (values containing `: ` or starting \
                     with a quote, `[`, `{{`, `&`, `*` or `@` need quotes)",
                    strip_location(&e.to_string())
                ),
                warning: false,
            });
        }
    };
    Ok((entries, key_lines(yaml)))
}

fn over_limit(over: limits::OverLimit) -> FieldProblem {
    FieldProblem {
        line: Some(over.line),
        message: over.message,
        warning: false,
    }
}

/// A mapping key as the text a writer would recognise (`1`, `true`, …).
fn key_text(key: &Value) -> String {
    match key {
        Value::String(s) => s.clone(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

/// The line of every top-level key, for messages.
fn key_lines(yaml: &str) -> KeyLines<'_> {
    let mut lines = KeyLines::default();
    for (index, line) in yaml.lines().enumerate() {
        if line.starts_with([' ', '\t', '#', '-']) {
            continue;
        }
        if let Some((key, _)) = line.split_once(':') {
            let key = key.trim().trim_matches(['"', '\'']);
            if lines.get(key).is_none() {
                lines.0.push((key, index + 1));
            }
        }
    }
    lines
}

/// The fields still to be typed; each is taken out as it is read, so what is left at the
/// end is unknown.
struct Fields<'a> {
    entries: Entries<'a>,
    lines: &'a KeyLines<'a>,
    problems: Vec<FieldProblem>,
}

impl Fields<'_> {
    fn line(&self, key: &str) -> Option<usize> {
        self.lines.get(key)
    }

    fn error(&mut self, key: &str, message: String) {
        let line = self.line(key);
        self.problems.push(FieldProblem {
            line,
            message,
            warning: false,
        });
    }

    fn take(&mut self, key: &str) -> Option<Value> {
        let index = self.entries.iter().position(|(k, _)| k == key)?;
        Some(self.entries.swap_remove(index).1)
    }

    /// A scalar field as text: strings as written, numbers and booleans in their YAML form.
    /// `~` or an empty value count as absent.
    fn text(&mut self, key: &str) -> Option<String> {
        match self.take(key)? {
            Value::Null => None,
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            other => {
                let found = describe(&other);
                self.error(
                    key,
                    format!("`{key}` should be text but is {found}; put the value on one line, in quotes if it contains `: `"),
                );
                None
            }
        }
    }

    fn typed<T: DeserializeOwned>(&mut self, key: &str, expected: &str) -> Option<T> {
        let value = self.take(key)?;
        let found = describe(&value);
        match serde_yaml::from_value(value) {
            Ok(v) => Some(v),
            Err(_) => {
                self.error(key, format!("`{key}` should be {expected} but is {found}"));
                None
            }
        }
    }

    fn hero_image(&mut self) -> Option<String> {
        let camel = self.text("heroImage");
        let snake = self.text("hero_image");
        if camel.is_some() && snake.is_some() {
            self.error(
                "hero_image",
                "both `heroImage` and `hero_image` are set; keep only one".into(),
            );
        }
        camel.or(snake)
    }

    fn tags(&mut self) -> Vec<String> {
        match self.take("tags") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(s)) => s
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(String::from)
                .collect(),
            Some(Value::Sequence(items)) => {
                let mut tags = Vec::new();
                for item in items {
                    match item {
                        Value::String(s) => tags.push(s),
                        Value::Number(n) => tags.push(n.to_string()),
                        other => {
                            let found = describe(&other);
                            self.error(
                                "tags",
                                format!("each tag should be text but one is {found}; write tags as [ai, design]"),
                            );
                        }
                    }
                }
                tags
            }
            Some(other) => {
                let found = describe(&other);
                self.error(
                    "tags",
                    format!("`tags` should be a list such as [ai, design] but is {found}"),
                );
                Vec::new()
            }
        }
    }

    fn warn_unknown_keys(&mut self) {
        let mut unknown: Vec<(Option<usize>, String)> = self
            .entries
            .iter()
            .map(|(key, _)| key.as_ref())
            .filter(|key| !KNOWN_KEYS.contains(key))
            .map(|key| (self.line(key), key.to_string()))
            .collect();
        unknown.sort();
        for (line, key) in unknown {
            let hint = match suggest(&key) {
                Some(known) => format!("did you mean `{known}`?"),
                None => format!("known keys are {}", KNOWN_KEYS.join(", ")),
            };
            self.problems.push(FieldProblem {
                line,
                message: format!("unknown front-matter key `{key}` is ignored; {hint}"),
                warning: true,
            });
        }
    }
}

/// The known key closest to `key`, if any is close enough to be a likely typo.
pub(crate) fn suggest(key: &str) -> Option<&'static str> {
    let normalise = |s: &str| s.to_lowercase().replace(['_', '-', ' '], "");
    let wanted = normalise(key);
    KNOWN_KEYS
        .iter()
        .map(|known| (strsim::jaro_winkler(&wanted, &normalise(known)), *known))
        .filter(|(score, _)| *score >= 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, known)| known)
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "empty",
        Value::Bool(_) => "a true/false value",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a nested mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(yaml: &str) -> Vec<FieldProblem> {
        parse(yaml).1
    }

    #[test]
    fn reads_every_field_and_both_hero_image_spellings() {
        let yaml = "title: 'T'\nsubtitle: S\nread_time: 8\npublish_date: 2024-03-15\n\
                    hero_image: img.png\ntags: [a, 2]\ndraft: true\n";
        let (fm, problems) = parse(yaml);
        let fm = fm.unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(fm.title.as_deref(), Some("T"));
        assert_eq!(fm.read_time.as_deref(), Some("8"));
        assert_eq!(fm.publish_date.as_deref(), Some("2024-03-15"));
        assert_eq!(fm.hero_image.as_deref(), Some("img.png"));
        assert_eq!(fm.tags, ["a", "2"]);
        assert!(fm.draft);
        let fm = parse("heroImage: x.jpg\n").0.unwrap();
        assert_eq!(fm.hero_image.as_deref(), Some("x.jpg"));
    }

    #[test]
    fn every_wrong_type_is_reported_with_its_line() {
        let yaml = "title: [a, b]\nauthor: x\ndraft: maybe\ntags: {a: 1}\n";
        let found = problems(yaml);
        let lines: Vec<_> = found.iter().map(|p| p.line).collect();
        assert_eq!(lines, [Some(1), Some(3), Some(4)], "{found:?}");
        assert!(
            found[0]
                .message
                .contains("`title` should be text but is a list")
        );
        assert!(found[1].message.contains("`draft` should be true or false"));
    }

    #[test]
    fn yaml_syntax_error_has_a_line() {
        let found = problems("title: a\nsubtitle: 'unclosed\nauthor: b: c\n");
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.starts_with("YAML syntax error"),
            "{found:?}"
        );
        assert!(found[0].line.is_some());
    }

    #[test]
    fn unknown_keys_are_warnings_with_a_hint() {
        let found = problems("title: a\npublishDate: 2024-01-01\nhero: x\nzzz: 1\n");
        assert!(found.iter().all(|p| p.warning));
        assert!(
            found[0].message.contains("did you mean `publish_date`?"),
            "{found:?}"
        );
        assert_eq!(found[0].line, Some(2));
        assert!(found[2].message.contains("known keys are"), "{found:?}");
    }

    #[test]
    fn nesting_is_parsed_up_to_the_limit_and_refused_past_it() {
        let nested = |depth: usize| {
            format!(
                "title: a\nextra: {}x{}\ntags: [a]\n",
                "[".repeat(depth),
                "]".repeat(depth)
            )
        };
        let yaml = nested(limits::MAX_DEPTH);
        let (fm, found) = parse(&yaml);
        assert_eq!(fm.unwrap().tags, ["a"]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].warning && found[0].message.contains("`extra`"));
        for depth in [limits::MAX_DEPTH + 1, 100_000] {
            let yaml = nested(depth);
            let (fm, found) = parse(&yaml);
            assert!(fm.is_none());
            assert_eq!(found.len(), 1, "{found:?}");
            assert_eq!(found[0].line, Some(2));
            assert!(
                found[0]
                    .message
                    .starts_with("front matter nests deeper than 64 levels"),
                "{}",
                found[0].message
            );
        }
        let yaml = format!("title: '{}'\n", "a".repeat(limits::MAX_BYTES));
        let (fm, found) = parse(&yaml);
        assert!(fm.is_none());
        assert!(
            found[0].message.contains("over the 1 MiB limit"),
            "{found:?}"
        );
    }
}
