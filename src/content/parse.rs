//! One file's bytes to an [`Article`], collecting every problem in the file.

use std::path::Path;

use super::article::{Article, Body, Fingerprint};
use super::front_matter::{self, FieldProblem, FrontMatter, KeyLines};
use super::text::{clean, clean_owned};
use super::{dates, slug, split};
use crate::config::Config;
use crate::error::Diagnostic;

/// The outcome of reading one file: the article if it is usable, and every problem found.
#[derive(Debug)]
pub(crate) struct Parsed {
    /// The article, when no problem is an error.
    pub article: Option<Article>,
    /// Where the body starts in the bytes, when the file could be split.
    pub body_offset: Option<usize>,
    /// Errors and warnings, in line order.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses the bytes of the file at `path` (used in messages and for the default slug).
/// The article keeps its body in memory ([`Body::Text`]).
pub(crate) fn parse(path: &Path, bytes: &[u8], config: &Config) -> Parsed {
    parse_with(path, bytes, config, true)
}

/// Like [`parse`], but the article's body stays in its file ([`Body::InFile`]) and is
/// read again only if it is shown, so a large archive is not held in memory.
pub(crate) fn parse_leaving_body(path: &Path, bytes: &[u8], config: &Config) -> Parsed {
    parse_with(path, bytes, config, false)
}

fn parse_with(path: &Path, bytes: &[u8], config: &Config, keep_body: bool) -> Parsed {
    let mut diagnostics = Vec::new();
    let mut body_offset = None;
    let article = parse_inner(
        path,
        bytes,
        config,
        keep_body,
        &mut diagnostics,
        &mut body_offset,
    );
    diagnostics.sort_by_key(|d| d.line);
    let article = article.filter(|_| !diagnostics.iter().any(Diagnostic::is_error));
    Parsed {
        article,
        body_offset,
        diagnostics,
    }
}

fn parse_inner(
    path: &Path,
    bytes: &[u8],
    config: &Config,
    keep_body: bool,
    diagnostics: &mut Vec<Diagnostic>,
    body_offset: &mut Option<usize>,
) -> Option<Article> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            diagnostics.push(Diagnostic::error(
                path,
                Some(line),
                format!(
                    "invalid UTF-8 at byte {}; re-save the file with UTF-8 encoding",
                    e.valid_up_to()
                ),
            ));
            return None;
        }
    };
    let split = match split::split(text) {
        Ok(split) => split,
        Err(e) => {
            diagnostics.push(Diagnostic::error(path, Some(e.line), e.message));
            return None;
        }
    };
    let offset_in_file = split.body.as_ptr() as usize - bytes.as_ptr() as usize;
    *body_offset = Some(offset_in_file);
    let body = if keep_body {
        Body::Text(split.body.to_string())
    } else {
        Body::InFile {
            offset: offset_in_file,
            fingerprint: Fingerprint::of(bytes),
        }
    };
    let (front_matter, problems) = front_matter::parse(split.front_matter);
    let offset = split.front_matter_line - 1;
    diagnostics.extend(problems.into_iter().map(|p| to_diagnostic(path, offset, p)));
    let mut front_matter = front_matter?;
    let mut build = Builder {
        path,
        config,
        key_lines: std::mem::take(&mut front_matter.lines),
        offset,
        diagnostics,
    };
    build.article(front_matter, body)
}

fn to_diagnostic(path: &Path, offset: usize, problem: FieldProblem) -> Diagnostic {
    let line = problem.line.map(|l| l + offset);
    if problem.warning {
        Diagnostic::warning(path, line, problem.message)
    } else {
        Diagnostic::error(path, line, problem.message)
    }
}

struct Builder<'a, 'text> {
    path: &'a Path,
    config: &'a Config,
    /// Each top-level key's line within the front matter.
    key_lines: KeyLines<'text>,
    /// Lines of the file before the front matter's first line.
    offset: usize,
    diagnostics: &'a mut Vec<Diagnostic>,
}

impl Builder<'_, '_> {
    /// The file line of a top-level front-matter key.
    fn line(&self, key: &str) -> Option<usize> {
        self.key_lines.get(key).map(|line| line + self.offset)
    }

    fn error(&mut self, key: &str, message: String) {
        let line = self.line(key).or(Some(1));
        self.diagnostics
            .push(Diagnostic::error(self.path, line, message));
    }

    fn article(&mut self, fm: FrontMatter, body: Body) -> Option<Article> {
        let title = self.required_text("title", fm.title, "title: My article");
        let published = match fm.publish_date {
            Some(raw) => self.date("publish_date", &raw),
            None => {
                self.error(
                    "publish_date",
                    "missing `publish_date`; add e.g. `publish_date: 2024-03-15`".into(),
                );
                None
            }
        };
        let updated = fm
            .updated_date
            .and_then(|raw| self.date("updated_date", &raw));
        let created = fm
            .created_date
            .and_then(|raw| self.date("created_date", &raw));
        let slug = self.slug(fm.slug);
        let url = self.article_url(&slug);
        let hero_key = match self.line("heroImage") {
            Some(_) => "heroImage",
            None => "hero_image",
        };
        let hero_image = fm
            .hero_image
            .and_then(|raw| self.link(hero_key, &raw, url.as_ref()));
        let cta_url = fm
            .cta_url
            .and_then(|raw| self.link("cta_url", &raw, url.as_ref()));
        let (title, published, url) = (title?, published?, url?);
        let id = match fm.id {
            Some(id) if !id.trim().is_empty() => id.trim().to_string(),
            _ => url.to_string(),
        };
        Some(Article {
            path: self.path.to_path_buf(),
            slug,
            id,
            url,
            title,
            subtitle: non_empty(fm.subtitle),
            description: non_empty(fm.description),
            author: non_empty(fm.author).or_else(|| self.config.site.author.clone()),
            read_time: non_empty(fm.read_time),
            published,
            updated,
            created,
            hero_image,
            cta: non_empty(fm.cta),
            cta_url,
            tags: fm
                .tags
                .iter()
                .map(|t| clean(t))
                .filter(|t| !t.is_empty())
                .collect(),
            draft: fm.draft,
            body,
        })
    }

    fn required_text(&mut self, key: &str, value: Option<String>, example: &str) -> Option<String> {
        match non_empty(value) {
            Some(value) => Some(value),
            // A present value of the wrong type was reported already.
            None if self.already_reported(key) => None,
            None => {
                self.error(key, format!("missing `{key}`; add e.g. `{example}`"));
                None
            }
        }
    }

    fn already_reported(&self, key: &str) -> bool {
        let line = self.line(key);
        line.is_some()
            && self
                .diagnostics
                .iter()
                .any(|d| d.is_error() && d.line == line)
    }

    fn date(&mut self, key: &str, raw: &str) -> Option<chrono::DateTime<chrono::Utc>> {
        match dates::parse(raw, self.config.timezone) {
            Ok(date) => Some(date),
            Err(message) => {
                self.error(key, format!("`{key}` {message}"));
                None
            }
        }
    }

    fn slug(&mut self, explicit: Option<String>) -> String {
        let from_file = slug::from_path(self.path);
        let slug = match explicit.as_deref().map(str::trim) {
            Some(raw) if !raw.is_empty() => {
                let slug = slug::slugify(raw);
                if slug != raw {
                    let line = self.line("slug");
                    self.diagnostics.push(Diagnostic::warning(
                        self.path,
                        line,
                        format!(
                            "slug {raw:?} is used as {slug:?}; write it that way to silence this"
                        ),
                    ));
                }
                slug
            }
            _ => from_file,
        };
        if slug.is_empty() {
            self.error(
                "slug",
                "the slug is empty; rename the file or add `slug: my-article` with letters or digits".into(),
            );
        }
        slug
    }

    fn article_url(&mut self, slug: &str) -> Option<url::Url> {
        match self.config.article_url(slug) {
            Ok(url) => Some(url),
            Err(e) => {
                let path = self.config.permalink.replace("{slug}", slug);
                let path = path.trim_start_matches('/');
                self.error(
                    "slug",
                    format!("cannot build the article URL from {path:?}: {e}"),
                );
                None
            }
        }
    }

    /// Resolves a front-matter link against the article's URL.
    fn link(&mut self, key: &str, raw: &str, base: Option<&url::Url>) -> Option<url::Url> {
        let raw = raw.trim();
        if raw.is_empty() {
            return None;
        }
        let resolved = match url::Url::parse(raw) {
            Ok(absolute) => Ok(absolute),
            Err(_) => base
                .ok_or(url::ParseError::RelativeUrlWithoutBase)
                .and_then(|b| b.join(raw)),
        };
        match resolved {
            Ok(url) if matches!(url.scheme(), "http" | "https" | "mailto") => Some(url),
            Ok(url) => {
                self.error(
                    key,
                    format!(
                        "`{key}` uses the {:?} scheme; use an http(s) URL or a path",
                        url.scheme()
                    ),
                );
                None
            }
            Err(e) => {
                self.error(key, format!("`{key}` {raw:?} is not a valid URL ({e})"));
                None
            }
        }
    }
}

/// The value without control characters, trimmed; `None` when nothing is left.
fn non_empty(value: Option<String>) -> Option<String> {
    value.map(clean_owned).filter(|v| !v.is_empty())
}

/// One table per concern: the front matter (or the whole file) in, the field's value or
/// the `line: message` problems out. Lines are the file's: the front matter starts on
/// line 2.
#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        let yaml = "site:\n  title: T\n  url: https://example.com/blog/\n  description: d\n  \
                    author: Site Author\n  timezone: Europe/Paris\npermalink: /articles/{slug}/\n";
        Config::from_yaml(yaml.as_bytes(), Path::new("herald.yaml")).unwrap()
    }

    /// Parses `content/{name}.md` holding `bytes`.
    fn parse_file(name: &str, bytes: &[u8]) -> Parsed {
        parse(Path::new(&format!("content/{name}.md")), bytes, &config())
    }

    /// A valid article's front matter plus `extra` lines.
    fn with(extra: &str) -> String {
        format!("---\ntitle: T\npublish_date: 2024-03-15\n{extra}---\nBody\n")
    }

    fn article(text: &str) -> Article {
        let parsed = parse_file("post", text.as_bytes());
        parsed
            .article
            .unwrap_or_else(|| panic!("{text:?}: {:?}", parsed.diagnostics))
    }

    /// Every problem as `line: message`, warnings marked `(warning)`.
    fn problems(bytes: &[u8]) -> Vec<String> {
        parse_file("post", bytes)
            .diagnostics
            .iter()
            .map(|d| {
                let line = d.line.map_or("-".to_string(), |l| l.to_string());
                let kind = if d.is_error() { "" } else { "(warning) " };
                format!("{line}: {kind}{}", d.message)
            })
            .collect()
    }

    #[test]
    fn file_level_errors() {
        let cases: &[(&[u8], &str)] = &[
            (
                b"---\ntitle: a\xff\n---\n",
                "2: invalid UTF-8 at byte 12; re-save the file with UTF-8 encoding",
            ),
            (
                b"",
                "1: the file is empty; an article starts with front matter between `---` lines \
                 (at least title and publish_date), then the Markdown body",
            ),
            (
                b"title: a\n",
                "1: no front matter: the file must start with a `---` line, then YAML fields \
                 (title, publish_date, …), then a closing `---`",
            ),
            (
                b"---\ntitle: a\n",
                "1: the front matter opened here is never closed; did you forget the closing \
                 `---` line after the last field?",
            ),
            (
                b"---\n- a\n- b\n---\n",
                "2: the front matter is not a list of `key: value` fields; write one field per \
                 line, e.g. `title: My article`",
            ),
        ];
        for (bytes, expected) in cases {
            assert_eq!(problems(bytes), [*expected], "{bytes:?}");
            assert!(parse_file("post", bytes).article.is_none());
        }
    }

    #[test]
    fn required_fields() {
        let cases = [
            (
                "---\npublish_date: 2024-03-15\n---\n",
                vec!["1: missing `title`; add e.g. `title: My article`"],
            ),
            (
                "---\ntitle: '  '\npublish_date: 2024-03-15\n---\n",
                vec!["2: missing `title`; add e.g. `title: My article`"],
            ),
            (
                "---\ntitle: T\n---\n",
                vec!["1: missing `publish_date`; add e.g. `publish_date: 2024-03-15`"],
            ),
            (
                "---\n---\n",
                vec![
                    "1: missing `title`; add e.g. `title: My article`",
                    "1: missing `publish_date`; add e.g. `publish_date: 2024-03-15`",
                ],
            ),
            // A present title of the wrong type is reported once, not also as missing.
            (
                "---\ntitle: [a]\npublish_date: 2024-03-15\n---\n",
                vec![
                    "2: `title` should be text but is a list; put the value on one line, in \
                     quotes if it contains `: `",
                ],
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(problems(text.as_bytes()), expected, "{text:?}");
        }
    }

    #[test]
    fn dates() {
        let cases = [
            // A plain date is midnight in the site's time zone (Paris: UTC+1 in winter).
            ("2024-01-15", "2024-01-14T23:00:00+00:00"),
            ("2024-07-15", "2024-07-14T22:00:00+00:00"),
            ("2024-01-15T09:30:00Z", "2024-01-15T09:30:00+00:00"),
            ("2024-01-15T09:30:00+05:00", "2024-01-15T04:30:00+00:00"),
            ("2024-01-15 09:30", "2024-01-15T08:30:00+00:00"),
            ("'2024-01-15T09:30:15'", "2024-01-15T08:30:15+00:00"),
        ];
        for (raw, expected) in cases {
            let a = article(&format!("---\ntitle: T\npublish_date: {raw}\n---\n"));
            assert_eq!(a.published.to_rfc3339(), expected, "{raw}");
        }
        let a = article(&with(
            "updated_date: 2024-04-01T00:00:00Z\ncreated_date: 2024-01-01T00:00:00Z\n",
        ));
        assert_eq!(
            a.updated.map(|d| d.to_rfc3339()).as_deref(),
            Some("2024-04-01T00:00:00+00:00")
        );
        assert_eq!(
            a.created.map(|d| d.to_rfc3339()).as_deref(),
            Some("2024-01-01T00:00:00+00:00")
        );
        let errors = [
            (
                "---\ntitle: T\npublish_date: March 15\n---\n",
                "3: `publish_date` \"March 15\" is not a date (use 2024-03-15, or an RFC 3339 \
                 date-time such as 2024-03-15T09:30:00Z)",
            ),
            (
                &with("updated_date: soon\n"),
                "4: `updated_date` \"soon\" is not a date (use 2024-03-15, or an RFC 3339 \
                 date-time such as 2024-03-15T09:30:00Z)",
            ),
            (
                &with("created_date: 2024-13-01\n"),
                "4: `created_date` \"2024-13-01\" is not a date (use 2024-03-15, or an RFC 3339 \
                 date-time such as 2024-03-15T09:30:00Z)",
            ),
        ];
        for (text, expected) in errors {
            assert_eq!(problems(text.as_bytes()), [expected], "{text:?}");
        }
    }

    #[test]
    fn slugs_and_urls() {
        let cases = [
            ("", "post", "https://example.com/blog/articles/post/"),
            (
                "slug: my-post\n",
                "my-post",
                "https://example.com/blog/articles/my-post/",
            ),
            (
                "slug: '  my-post '\n",
                "my-post",
                "https://example.com/blog/articles/my-post/",
            ),
            (
                "slug: ''\n",
                "post",
                "https://example.com/blog/articles/post/",
            ),
        ];
        for (extra, slug, url) in cases {
            let a = article(&with(extra));
            assert_eq!((a.slug.as_str(), a.url.as_str()), (slug, url), "{extra:?}");
        }
        let problems_for = [
            (
                "slug: My Post!\n",
                "4: (warning) slug \"My Post!\" is used as \"my-post\"; write it that way to \
                 silence this",
            ),
            (
                "slug: '!!!'\n",
                // (The warning is noise here; the error says what to do.)
                "4: (warning) slug \"!!!\" is used as \"\"; write it that way to silence this\n\
                 4: the slug is empty; rename the file or add `slug: my-article` with letters or \
                 digits",
            ),
        ];
        for (extra, expected) in problems_for {
            let expected: Vec<&str> = expected.split('\n').collect();
            assert_eq!(problems(with(extra).as_bytes()), expected, "{extra:?}");
        }
    }

    #[test]
    fn ids() {
        let cases = [
            ("", "https://example.com/blog/articles/post/"),
            ("id: urn:x:1\n", "urn:x:1"),
            ("id: '  42 '\n", "42"),
            ("id: 42\n", "42"),
            ("id: ' '\n", "https://example.com/blog/articles/post/"),
        ];
        for (extra, expected) in cases {
            assert_eq!(article(&with(extra)).id, expected, "{extra:?}");
        }
    }

    #[test]
    fn links() {
        let cases = [
            (
                "heroImage: img/a.png\n",
                Some("https://example.com/blog/articles/post/img/a.png"),
            ),
            ("hero_image: /a.png\n", Some("https://example.com/a.png")),
            (
                "heroImage: https://cdn.example.org/a.png\n",
                Some("https://cdn.example.org/a.png"),
            ),
            ("heroImage: '  '\n", None),
            ("", None),
        ];
        for (extra, expected) in cases {
            let a = article(&with(extra));
            assert_eq!(
                a.hero_image.as_ref().map(url::Url::as_str),
                expected,
                "{extra:?}"
            );
        }
        let a = article(&with("cta_url: ../other/\n"));
        assert_eq!(
            a.cta_url.as_ref().map(url::Url::as_str),
            Some("https://example.com/blog/articles/other/")
        );
        assert_eq!(article(&with("")).cta_target(), &article(&with("")).url);
        let errors = [
            (
                "heroImage: javascript:alert(1)\n",
                "4: `heroImage` uses the \"javascript\" scheme; use an http(s) URL or a path",
            ),
            (
                "cta_url: ftp://example.com/x\n",
                "4: `cta_url` uses the \"ftp\" scheme; use an http(s) URL or a path",
            ),
            (
                "hero_image: 'http://[::1'\n",
                "4: `hero_image` \"http://[::1\" is not a valid URL (invalid IPv6 address)",
            ),
            (
                "heroImage: a.png\nhero_image: b.png\n",
                "5: both `heroImage` and `hero_image` are set; keep only one",
            ),
        ];
        for (extra, expected) in errors {
            assert_eq!(problems(with(extra).as_bytes()), [expected], "{extra:?}");
        }
    }

    /// Reads one optional text field of an article.
    type Field = fn(&Article) -> Option<&str>;

    #[test]
    fn text_fields() {
        let cases: [(&str, Field, Option<&str>); 8] = [
            (
                "subtitle: \"  S \\u0007 \"\n",
                |a| a.subtitle.as_deref(),
                Some("S"),
            ),
            ("subtitle: ''\n", |a| a.subtitle.as_deref(), None),
            ("description: D\n", |a| a.description.as_deref(), Some("D")),
            ("author: Ann\n", |a| a.author.as_deref(), Some("Ann")),
            // No author: the site's.
            ("", |a| a.author.as_deref(), Some("Site Author")),
            (
                "author: ' '\n",
                |a| a.author.as_deref(),
                Some("Site Author"),
            ),
            ("read_time: 8\n", |a| a.read_time.as_deref(), Some("8")),
            ("cta: '  Go '\n", |a| a.cta.as_deref(), Some("Go")),
        ];
        for (extra, field, expected) in cases {
            assert_eq!(field(&article(&with(extra))), expected, "{extra:?}");
        }
        assert_eq!(article(&with("")).title, "T");
        assert_eq!(
            article("---\ntitle: \" A\\u0000 title \"\npublish_date: 2024-03-15\n---\n").title,
            "A title"
        );
    }

    #[test]
    fn tags_and_draft() {
        let cases: [(&str, &[&str]); 5] = [
            ("", &[]),
            ("tags: [a, 2, ' ', \" b \"]\n", &["a", "2", "b"]),
            ("tags: a, b ,\n", &["a", "b"]),
            ("tags:\n  - x\n  - y\n", &["x", "y"]),
            ("tags: ~\n", &[]),
        ];
        for (extra, expected) in cases {
            assert_eq!(article(&with(extra)).tags, expected, "{extra:?}");
        }
        for (extra, draft) in [
            ("", false),
            ("draft: true\n", true),
            ("draft: false\n", false),
        ] {
            assert_eq!(article(&with(extra)).draft, draft, "{extra:?}");
        }
        let errors = [
            (
                "tags: [a, [b]]\n",
                "4: each tag should be text but one is a list; write tags as [ai, design]",
            ),
            (
                "tags: {a: 1}\n",
                "4: `tags` should be a list such as [ai, design] but is a nested mapping",
            ),
            (
                "draft: maybe\n",
                "4: `draft` should be true or false but is text",
            ),
        ];
        for (extra, expected) in errors {
            assert_eq!(problems(with(extra).as_bytes()), [expected], "{extra:?}");
        }
    }

    #[test]
    fn bodies_and_their_offsets() {
        let text = "---\ntitle: T\npublish_date: 2024-03-15\n---\nBody\n";
        let kept = parse_file("post", text.as_bytes());
        assert_eq!(kept.body_offset, Some(text.len() - "Body\n".len()));
        assert_eq!(kept.article.unwrap().body, Body::Text("Body\n".into()));
        let left = parse_leaving_body(Path::new("content/post.md"), text.as_bytes(), &config());
        assert_eq!(
            left.article.unwrap().body,
            Body::InFile {
                offset: text.len() - "Body\n".len(),
                fingerprint: Fingerprint::of(text.as_bytes()),
            }
        );
    }
}
