//! The ids an article's HTML carries into a feed, made unique per article.
//!
//! A reader that shows many items on one page holds every article's HTML in one document:
//! two articles that both write `[^1]` (pulldown-cmark's `id="1"` and `href="#1"`), or
//! the same heading id, would collide, and every footnote link would jump to the first
//! article's note. So every id an article carries is prefixed with its slug (slugs are
//! unique across a site), and so are the same-document `#fragment` links that point at
//! them. Footnotes become `{slug}-fn-{name}`, other ids `{slug}-{id}`.

/// One article's id prefix.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Anchors<'a> {
    slug: &'a str,
}

impl<'a> Anchors<'a> {
    /// The anchors of the article with this slug.
    pub(crate) fn new(slug: &'a str) -> Self {
        Anchors { slug }
    }

    /// The id of footnote `name` (both its definition and its references).
    pub(crate) fn footnote(&self, name: &str) -> String {
        format!("{}-fn-{name}", self.slug)
    }

    /// An id the author wrote (a heading's or in raw HTML), scoped to the article.
    pub(crate) fn id(&self, id: &str) -> String {
        format!("{}-{id}", self.slug)
    }

    /// Whether `id` is already scoped to this article (so it is not prefixed twice).
    pub(crate) fn owns(&self, id: &str) -> bool {
        id.strip_prefix(self.slug)
            .is_some_and(|rest| rest.starts_with('-'))
    }

    /// The scoped form of an author's id, unchanged when it is scoped already.
    pub(crate) fn scoped(&self, id: &str) -> Option<String> {
        (!self.owns(id)).then(|| self.id(id))
    }
}

/// Whether a piece of raw HTML may declare an id (`id=` or `name=`): a cheap test on
/// text the Markdown parser hands over anyway, which decides whether the HTML rewrite
/// scopes same-document links too.
pub(crate) fn may_declare_id(raw_html: &str) -> bool {
    raw_html.contains("id=") || raw_html.contains("name=")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_prefixed_once() {
        let anchors = Anchors::new("post");
        assert_eq!(anchors.footnote("1"), "post-fn-1");
        assert_eq!(anchors.id("intro"), "post-intro");
        assert_eq!(anchors.scoped("intro").as_deref(), Some("post-intro"));
        assert_eq!(anchors.scoped("post-fn-1"), None);
        // Another article whose slug starts the same is not this one.
        assert_eq!(anchors.scoped("poster").as_deref(), Some("post-poster"));
    }

    #[test]
    fn raw_html_declaring_ids_is_noticed() {
        assert!(may_declare_id("<h2 id=\"a\">"));
        assert!(may_declare_id("<a name='x'>"));
        assert!(!may_declare_id("<br>"));
    }
}
