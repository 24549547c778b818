//! Per-tag feeds: which tags there are, what each is called, and its articles.
//!
//! Spellings that [`fold`] to the same key are one tag (`Rust`, `rust`); its feed is
//! titled with the spelling used by the most articles, ties going to the first in
//! code-point order, and lives in `tags/{slug}/` ([`slug`]). A tag without a slug, or
//! two tags with the same slug, is an error naming the files, and gets no feed.

use std::collections::BTreeMap;
use std::path::Path;

use crate::content::ArticleMeta;
use crate::content::tag_slug::{fold, slug};
use crate::error::Diagnostic;

/// One tag's feed.
#[derive(Debug, Clone)]
pub(crate) struct TagFeed<'a> {
    /// The folder name under `tags/`.
    pub(crate) slug: String,
    /// The most used spelling, for the feed's title.
    pub(crate) name: String,
    /// Its published articles, newest first.
    pub(crate) items: Vec<&'a ArticleMeta>,
}

/// Every spelling of one tag and where it is used.
#[derive(Debug, Default)]
struct Group<'a> {
    /// Each spelling and how many articles use it.
    spellings: BTreeMap<&'a str, usize>,
    items: Vec<&'a ArticleMeta>,
}

impl Group<'_> {
    /// The spelling used most, ties to the smallest.
    fn name(&self) -> &str {
        let mut best: Option<(&str, usize)> = None;
        for (&spelling, &count) in &self.spellings {
            if best.is_none_or(|(_, most)| count > most) {
                best = Some((spelling, count));
            }
        }
        best.map(|(name, _)| name).unwrap_or_default()
    }
}

/// The tag feeds of `items` (published articles, newest first), sorted by slug, and the
/// problems that kept a tag from having one.
pub(crate) fn group<'a>(items: &[&'a ArticleMeta]) -> (Vec<TagFeed<'a>>, Vec<Diagnostic>) {
    let mut groups: BTreeMap<String, Group<'a>> = BTreeMap::new();
    for &article in items {
        let mut seen: Vec<String> = Vec::new();
        for tag in article.tags() {
            let key = fold(tag);
            let group = groups.entry(key.clone()).or_default();
            *group.spellings.entry(tag).or_default() += 1;
            if !seen.contains(&key) {
                group.items.push(article);
                seen.push(key);
            }
        }
    }
    let mut diagnostics = Vec::new();
    let mut by_slug: BTreeMap<String, Vec<Group<'a>>> = BTreeMap::new();
    for group in groups.into_values() {
        match slug(group.name()) {
            Some(slug) => by_slug.entry(slug).or_default().push(group),
            None => diagnostics.extend(no_slug(&group)),
        }
    }
    let mut feeds = Vec::new();
    for (slug, mut groups) in by_slug {
        if groups.len() > 1 {
            diagnostics.extend(collisions(&slug, &groups));
            continue;
        }
        if let Some(group) = groups.pop() {
            feeds.push(TagFeed {
                name: group.name().to_string(),
                slug,
                items: group.items,
            });
        }
    }
    (feeds, diagnostics)
}

/// One error per article using a tag that has no slug.
fn no_slug(group: &Group<'_>) -> Vec<Diagnostic> {
    group
        .items
        .iter()
        .map(|article| {
            let tag = used_spelling(article, group);
            Diagnostic::error(
                article.path(),
                line_of(article.path(), tag),
                format!(
                    "tag {tag:?} has no letter or digit to name its feed folder (tags/…/) with; \
                     rename the tag or remove it"
                ),
            )
        })
        .collect()
}

/// Errors for tags that share `slug`: each other tag named at its newest article, with
/// the first tag's newest article.
fn collisions(slug: &str, groups: &[Group<'_>]) -> Vec<Diagnostic> {
    let Some((first, others)) = groups.split_first() else {
        return Vec::new();
    };
    let Some(first_article) = first.items.first() else {
        return Vec::new();
    };
    let first_tag = used_spelling(first_article, first);
    others
        .iter()
        .filter_map(|group| {
            let article = group.items.first()?;
            let tag = used_spelling(article, group);
            Some(Diagnostic::error(
                article.path(),
                line_of(article.path(), tag),
                format!(
                    "tag {tag:?} and tag {first_tag:?} ({}) are different tags but both make \
                     the feed folder tags/{slug}/; spell them the same way, or rename one",
                    first_article.path().display()
                ),
            ))
        })
        .collect()
}

/// The spelling of `group`'s tag that `article` uses.
fn used_spelling<'g>(article: &'g ArticleMeta, group: &'g Group<'_>) -> &'g str {
    let key = fold(group.name());
    article
        .tags()
        .find(|tag| fold(tag) == key)
        .unwrap_or(group.name())
}

/// The 1-based line of `path` that first mentions `tag` (for messages); `None` when
/// the file cannot be read or the tag is not found as written.
fn line_of(path: &Path, tag: &str) -> Option<usize> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut lines = text.lines().enumerate();
    if tag.trim().is_empty() {
        return lines
            .find(|(_, line)| line.trim_start().starts_with("tags:"))
            .map(|(at, _)| at + 1);
    }
    lines
        .find(|(_, line)| line.contains(tag))
        .map(|(at, _)| at + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn article(name: &str, tags: &[&str]) -> ArticleMeta {
        let yaml = "site:\n  title: T\n  url: https://example.com/\n  description: D\n";
        let config = Config::from_yaml(yaml.as_bytes(), Path::new("herald.yaml")).unwrap();
        let text = format!("---\ntitle: {name}\npublish_date: 2024-01-01\n---\n");
        let mut article = crate::content::parse(
            Path::new(&format!("content/{name}.md")),
            text.as_bytes(),
            &config,
        )
        .article
        .unwrap();
        article.tags = tags.iter().map(|t| t.to_string()).collect();
        ArticleMeta::of(&article)
    }

    fn summary(feeds: &[TagFeed<'_>]) -> Vec<(String, String, Vec<String>)> {
        feeds
            .iter()
            .map(|feed| {
                let slugs = feed.items.iter().map(|a| a.slug().to_string()).collect();
                (feed.slug.clone(), feed.name.clone(), slugs)
            })
            .collect()
    }

    #[test]
    fn spellings_are_one_tag_titled_by_the_most_used() {
        let articles = [
            article("a", &["rust", "C++"]),
            article("b", &["Rust", "RUST"]),
            article("c", &["Rust", "C#"]),
            article("d", &["数据"]),
        ];
        let refs: Vec<&ArticleMeta> = articles.iter().collect();
        let (feeds, diagnostics) = group(&refs);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let s = |v: &str| v.to_string();
        assert_eq!(
            summary(&feeds),
            [
                (s("c-plus-plus"), s("C++"), vec![s("a")]),
                (s("c-sharp"), s("C#"), vec![s("c")]),
                (s("rust"), s("Rust"), vec![s("a"), s("b"), s("c")]),
                (s("u-6570-636e"), s("数据"), vec![s("d")]),
            ]
        );
    }

    #[test]
    fn a_tie_goes_to_the_first_spelling_in_code_point_order() {
        let articles = [article("a", &["rust"]), article("b", &["Rust"])];
        let refs: Vec<&ArticleMeta> = articles.iter().collect();
        assert_eq!(group(&refs).0[0].name, "Rust");
        let refs: Vec<&ArticleMeta> = articles.iter().rev().collect();
        assert_eq!(group(&refs).0[0].name, "Rust");
    }

    #[test]
    fn tags_sharing_a_slug_are_an_error_naming_both_files() {
        let articles = [article("new", &["Café", "ok"]), article("old", &["Cafe"])];
        let refs: Vec<&ArticleMeta> = articles.iter().collect();
        let (feeds, diagnostics) = group(&refs);
        assert_eq!(summary(&feeds).len(), 1, "only `ok` gets a feed");
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        let message = diagnostics[0].to_string();
        assert!(message.contains("content/new.md"), "{message}");
        assert!(message.contains("content/old.md"), "{message}");
        assert!(message.contains("tags/cafe/"), "{message}");
        assert!(diagnostics[0].is_error());
    }

    #[test]
    fn a_tag_without_a_slug_is_an_error_naming_the_file() {
        let articles = [article("a", &["/", "ok"]), article("b", &[".", ""])];
        let refs: Vec<&ArticleMeta> = articles.iter().collect();
        let (feeds, diagnostics) = group(&refs);
        assert_eq!(feeds.len(), 1);
        assert_eq!(diagnostics.len(), 3, "{diagnostics:?}");
        for diagnostic in &diagnostics {
            assert!(
                diagnostic.message.contains("no letter or digit"),
                "{diagnostic}"
            );
        }
    }
}
