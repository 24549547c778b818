//! How one feed's published articles are shared between its current document and its
//! RFC 5005 archive pages.
//!
//! The current document holds the newest `feeds.limit` articles; the archive holds every
//! other one, exactly once, cut into pages of `feeds.archive_page_size` from the oldest:
//! page 1 holds the oldest articles, and only the newest page is ever partly filled. A
//! new article pushes the current document's oldest one onto the newest page, so full
//! pages keep their items. Walking the current document and then the pages from the
//! newest to the oldest meets every published article exactly once.

use crate::content::ArticleMeta;

/// A feed's items, newest first, shared between the current document and the pages.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Split<'s, 'a> {
    /// The current document's items, newest first.
    pub(crate) current: &'s [&'a ArticleMeta],
    /// The archived items, newest first.
    archived: &'s [&'a ArticleMeta],
    /// Items per full page.
    page_size: usize,
}

impl<'s, 'a> Split<'s, 'a> {
    /// Splits `items` (every published article of a feed, newest first): the newest
    /// `limit` (0: all) are current; the rest are archived when `archives` is on, else
    /// left out.
    pub(crate) fn new(
        items: &'s [&'a ArticleMeta],
        limit: usize,
        archives: bool,
        page_size: usize,
    ) -> Self {
        let cut = if limit == 0 {
            items.len()
        } else {
            limit.min(items.len())
        };
        let (current, rest) = items.split_at(cut);
        Split {
            current,
            archived: if archives { rest } else { &[] },
            page_size: page_size.max(1),
        }
    }

    /// How many archive pages there are.
    pub(crate) fn pages(&self) -> usize {
        self.archived.len().div_ceil(self.page_size)
    }

    /// The items of archive page `n` (1 is the oldest), newest first; empty when there
    /// is no such page.
    pub(crate) fn page(&self, n: usize) -> &'s [&'a ArticleMeta] {
        if n == 0 || n > self.pages() {
            return &[];
        }
        // Counted from the oldest, page n holds [(n-1)·size, n·size); the slice is
        // newest first, so those positions are counted from its end.
        let len = self.archived.len();
        let newest = len - (n * self.page_size).min(len);
        let oldest = len - (n - 1) * self.page_size;
        &self.archived[newest..oldest]
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::Config;

    /// `count` articles, newest first, titled by their age rank (0 the oldest).
    fn articles(count: usize) -> Vec<ArticleMeta> {
        let yaml = "site:\n  title: T\n  url: https://example.com/\n  description: D\n";
        let config = Config::from_yaml(yaml.as_bytes(), Path::new("herald.yaml")).unwrap();
        (0..count)
            .rev()
            .map(|age| {
                let text = format!("---\ntitle: '{age}'\npublish_date: 2024-01-01\n---\n");
                let path = format!("content/{age:04}.md");
                let article = crate::content::parse(Path::new(&path), text.as_bytes(), &config)
                    .article
                    .unwrap();
                ArticleMeta::of(&article)
            })
            .collect()
    }

    fn titles(items: &[&ArticleMeta]) -> Vec<usize> {
        items
            .iter()
            .map(|a| a.slug().trim_start_matches('0').parse().unwrap_or(0))
            .collect()
    }

    #[test]
    fn pages_are_filled_from_the_oldest() {
        let articles = articles(12);
        let refs: Vec<&ArticleMeta> = articles.iter().collect();
        let split = Split::new(&refs, 3, true, 4);
        assert_eq!(titles(split.current), [11, 10, 9]);
        assert_eq!(split.pages(), 3);
        assert_eq!(titles(split.page(1)), [3, 2, 1, 0]);
        assert_eq!(titles(split.page(2)), [7, 6, 5, 4]);
        assert_eq!(titles(split.page(3)), [8]);
        assert!(split.page(0).is_empty() && split.page(4).is_empty());
    }

    #[test]
    fn current_and_pages_hold_every_article_once() {
        let articles = articles(23);
        let refs: Vec<&ArticleMeta> = articles.iter().collect();
        for (limit, size) in [(1, 1), (5, 5), (5, 3), (20, 50), (22, 1), (23, 4), (30, 2)] {
            let split = Split::new(&refs, limit, true, size);
            let mut seen = titles(split.current);
            for n in (1..=split.pages()).rev() {
                assert!(!split.page(n).is_empty() && split.page(n).len() <= size);
                seen.extend(titles(split.page(n)));
            }
            assert_eq!(seen, (0..23).rev().collect::<Vec<_>>(), "{limit}/{size}");
        }
    }

    #[test]
    fn a_new_article_changes_only_the_newest_page() {
        let before = articles(10);
        let after = articles(11);
        let (before, after): (Vec<&ArticleMeta>, Vec<&ArticleMeta>) =
            (before.iter().collect(), after.iter().collect());
        let (old, new) = (
            Split::new(&before, 2, true, 3),
            Split::new(&after, 2, true, 3),
        );
        assert_eq!((old.pages(), new.pages()), (3, 3));
        for n in 1..=2 {
            assert_eq!(titles(old.page(n)), titles(new.page(n)), "page {n}");
        }
        assert_eq!(titles(old.page(3)), [7, 6]);
        assert_eq!(titles(new.page(3)), [8, 7, 6]);
    }

    #[test]
    fn no_limit_or_no_archives_means_no_pages() {
        let articles = articles(5);
        let refs: Vec<&ArticleMeta> = articles.iter().collect();
        assert_eq!(Split::new(&refs, 0, true, 2).current.len(), 5);
        assert_eq!(Split::new(&refs, 0, true, 2).pages(), 0);
        let off = Split::new(&refs, 2, false, 2);
        assert_eq!((off.current.len(), off.pages()), (2, 0));
        assert_eq!(Split::new(&[], 2, true, 2).pages(), 0);
    }
}
