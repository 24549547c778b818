//! One file's bytes to an [`Article`], collecting every problem in the file.

use std::path::Path;

use super::article::{Article, Body, Fingerprint};
use super::front_matter::{self, FieldProblem, FrontMatter, KeyLines};
use super::text::{clean, is_unwanted_char};
use super::{dates, slug, split};
use crate::config::Config;
use crate::error::Diagnostic;

/// The outcome of reading one file: the article if it is usable, and every problem found.
#[derive(Debug)]
pub struct Parsed {
    /// The article, when no problem is an error.
    pub article: Option<Article>,
    /// Where the body starts in the bytes, when the file could be split.
    pub body_offset: Option<usize>,
    /// Errors and warnings, in line order.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses the bytes of the file at `path` (used in messages and for the default slug).
/// The article keeps its body in memory ([`Body::Text`]).
pub fn parse(path: &Path, bytes: &[u8], config: &Config) -> Parsed {
    parse_with(path, bytes, config, true)
}

/// Like [`parse`], but the article's body stays in its file ([`Body::InFile`]) and is
/// read again only if it is shown, so a large archive is not held in memory.
pub fn parse_leaving_body(path: &Path, bytes: &[u8], config: &Config) -> Parsed {
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
        let path = self.config.permalink.replace("{slug}", slug);
        let path = path.trim_start_matches('/');
        match self.config.base_url.join(path) {
            Ok(url) => Some(url),
            Err(e) => {
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

/// [`clean`] for an owned value, which is kept as it is when already clean.
fn clean_owned(text: String) -> String {
    if text.len() == text.trim().len() && !text.contains(is_unwanted_char) {
        text
    } else {
        clean(&text)
    }
}
