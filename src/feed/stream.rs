//! Writing feeds as streams: the items are rendered a chunk at a time, in parallel, and
//! their fragments appended in order to one [`Sink`] per format while the next chunk
//! renders. Memory holds a chunk or two of fragments, never a whole document.

use rayon::prelude::*;

use super::budget::{Budget, Trimmed};
use super::document::{Format, Fragment, Skeleton};
use super::item::Item;
use crate::config::FeedContent;
use crate::content::Article;
use crate::error::Result;
use crate::output::ChangeWriter;

/// Items rendered per step: enough to keep every core busy, few enough that the
/// fragments in flight stay small; peak memory grows with the chunk, speed does not
/// (measured in docs/benchmark.md, "Design measurements").
const CHUNK: usize = 64;

/// Where a streamed document goes.
pub(crate) trait Sink: Send {
    /// Appends `bytes` to the document.
    fn append(&mut self, bytes: &[u8]) -> Result<()>;
}

impl Sink for Vec<u8> {
    fn append(&mut self, bytes: &[u8]) -> Result<()> {
        self.extend_from_slice(bytes);
        Ok(())
    }
}

impl Sink for ChangeWriter {
    fn append(&mut self, bytes: &[u8]) -> Result<()> {
        self.write_all(bytes)
    }
}

/// How items are written: their content, and each file's size budget (0: none).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Options {
    /// Full content or summaries.
    pub content: FeedContent,
    /// `feeds.max_bytes`.
    pub max_bytes: usize,
}

impl Options {
    /// The options of `config`'s `feeds:` for the document at `place`. Archive pages
    /// have no size budget: they are sized by `feeds.archive_page_size`, and leaving an
    /// item out of one would lose it from the archive.
    pub(crate) fn of(config: &crate::config::Config, place: &super::place::Place) -> Self {
        Options {
            content: config.feeds.content,
            max_bytes: if place.is_archive() {
                0
            } else {
                config.feeds.max_bytes
            },
        }
    }
}

/// Writes the document of each format for `articles` (in the given order) to the sink
/// of the same index. Each article's Markdown is rendered once for all formats; a
/// failure stops the stream, leaving the sinks with part of a document. Says, for each
/// format, what the size budget took out.
pub(crate) fn stream<const N: usize>(
    formats: [&dyn Format; N],
    articles: &[&Article],
    sinks: [&mut dyn Sink; N],
    options: Options,
) -> Result<[Option<Trimmed>; N]> {
    let (skeletons, first_fragments) =
        skeletons(&formats, articles.first().copied(), options.content)?;
    let mut budgets: Vec<Budget<'_>> = sinks
        .into_iter()
        .zip(&skeletons)
        .map(|(sink, skeleton)| Budget::new(sink, options.max_bytes, skeleton.tail.len()))
        .collect();
    for (budget, skeleton) in budgets.iter_mut().zip(&skeletons) {
        budget.head(&skeleton.head)?;
    }
    let mut first = true;
    // The first article was rendered for the skeletons: its fragments go in as they are.
    append(
        &formats,
        first_fragments.as_slice(),
        &mut budgets,
        &mut first,
    )?;
    let mut chunks = articles.get(1..).unwrap_or_default().chunks(CHUNK);
    let render = |chunk| render(&formats, chunk, options.content);
    let mut rendered = chunks.next().map(render).transpose()?;
    while let Some(fragments) = rendered.take() {
        // Append this chunk while the next one renders.
        let (appended, next) = rayon::join(
            || append(&formats, &fragments, &mut budgets, &mut first),
            || chunks.next().map(render).transpose(),
        );
        appended?;
        rendered = next?;
    }
    let mut trimmed = std::array::from_fn(|_| None);
    for (((budget, skeleton), format), trim) in budgets
        .into_iter()
        .zip(&skeletons)
        .zip(formats)
        .zip(&mut trimmed)
    {
        *trim = budget.finish(&skeleton.tail, format, articles, options.content)?;
    }
    Ok(trimmed)
}

/// Streams one format into a string.
#[cfg(test)]
pub(crate) fn to_string(
    format: &dyn Format,
    articles: &[&Article],
    options: Options,
) -> Result<String> {
    let mut document = Vec::new();
    stream([format], articles, [&mut document], options)?;
    into_string(format, document)
}

/// A streamed document as a string; the crates only write UTF-8.
pub(crate) fn into_string(format: &dyn Format, document: Vec<u8>) -> Result<String> {
    String::from_utf8(document).map_err(|e| crate::error::Error::Feed {
        file: format.file(),
        source: Box::new(e),
    })
}

/// Each format's head and tail, cut around `first` (its Markdown rendered once for all),
/// and `first`'s fragments in every format (`None` without articles).
fn skeletons<const N: usize>(
    formats: &[&dyn Format; N],
    first: Option<&Article>,
    content: FeedContent,
) -> Result<(Vec<Skeleton>, Option<[Fragment; N]>)> {
    let first = first.map(|a| Item::new(a, content)).transpose()?;
    let mut skeletons = Vec::with_capacity(N);
    let mut fragments: [Fragment; N] = std::array::from_fn(|_| Fragment::default());
    for (format, slot) in formats.iter().zip(&mut fragments) {
        let (skeleton, fragment) = Skeleton::new(*format, first.as_ref())?;
        skeletons.push(skeleton);
        *slot = fragment.unwrap_or_default();
    }
    Ok((skeletons, first.is_some().then_some(fragments)))
}

/// Every format's fragment of every article of `chunk`, in order, rendered in parallel.
fn render<const N: usize>(
    formats: &[&dyn Format; N],
    chunk: &[&Article],
    content: FeedContent,
) -> Result<Vec<[Fragment; N]>> {
    chunk
        .par_iter()
        .map(|article| {
            let item = Item::new(article, content)?;
            let mut fragments = std::array::from_fn(|_| Fragment::default());
            for (fragment, format) in fragments.iter_mut().zip(formats) {
                *fragment = format.fragment(&item)?;
            }
            Ok(fragments)
        })
        .collect()
}

/// Appends rendered fragments to the budgets, separated as each format needs; `first`
/// says whether no item has been appended yet.
fn append<const N: usize>(
    formats: &[&dyn Format; N],
    fragments: &[[Fragment; N]],
    budgets: &mut [Budget<'_>],
    first: &mut bool,
) -> Result<()> {
    for item in fragments {
        for ((budget, format), fragment) in budgets.iter_mut().zip(formats).zip(item) {
            let separator = if *first { &b""[..] } else { format.separator() };
            budget.item(separator, fragment.as_bytes())?;
        }
        *first = false;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::config::Config;
    use crate::error::Error;
    use crate::feed::site::Site;
    use crate::feed::{atom::Atom, json::Json, rss::Rss};

    const UNLIMITED: Options = Options {
        content: FeedContent::Full,
        max_bytes: 0,
    };

    fn config() -> Config {
        let yaml = "site:\n  title: Tom & <Jerry> ]]> Blog\n  url: https://example.com/\n  \
                    description: Notes & \"quotes\"\n  language: en\n  author: Ann\n";
        Config::from_yaml(yaml.as_bytes(), Path::new("site/herald.yaml")).unwrap()
    }

    /// Articles that exercise every optional field and the characters each format
    /// escapes; they repeat (with their own slugs) to make any number.
    fn articles(config: &Config, count: usize) -> Vec<Article> {
        let variants = [
            "title: 'Caching & <Cache> \"Busting\"'\nsubtitle: 'Why & how'\n\
             description: 'A & B < C ]]> D'\nauthor: Ann\nread_time: 6 mins\n\
             publish_date: 2025-11-03\nheroImage: images/a.jpg\ncta: 'Go & see'\n\
             tags: [web, 'a&b']\n---\nText with ]]> and &amp; and <b>bold</b>, \
             a [link](../other/) and `code`.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
            "title: Bare\npublish_date: 2024-01-01\n---\n",
            "title: Own id\nid: 'post 42/x'\npublish_date: 2024-02-01T10:00:00Z\n\
             updated_date: 2024-03-01\nheroImage: https://cdn.example.com/i.png\n---\n\
             # Heading\n\nA control \u{7} character and an emoji 🦀.\n",
            "title: URL id\nid: https://example.com/x\npublish_date: 2023-05-05\n\
             description: Plain\n---\nLine one\nline two &lt;\n",
        ];
        (0..count)
            .map(|i| {
                let text = format!("---\n{}", variants[i % variants.len()]);
                let path = PathBuf::from(format!("content/post-{i}.md"));
                let parsed = crate::content::parse(&path, text.as_bytes(), config);
                parsed
                    .article
                    .unwrap_or_else(|| panic!("{:?}", parsed.diagnostics))
            })
            .collect()
    }

    /// Streams `format` for `articles` and renders the whole document with the crate.
    fn streamed_and_whole(format: &dyn Format, articles: &[&Article]) -> (Vec<u8>, Vec<u8>) {
        let mut streamed = Vec::new();
        stream([format], articles, [&mut streamed], UNLIMITED).unwrap();
        let items: Vec<Item<'_>> = articles
            .iter()
            .map(|a| Item::new(a, FeedContent::Full).unwrap())
            .collect();
        (streamed, format.document(&items).unwrap())
    }

    #[test]
    fn head_fragments_and_tail_are_the_whole_document() {
        let config = config();
        // 0, 1, several, and more than a chunk so that chunks join.
        for count in [0, 1, 2, 5, CHUNK + 3] {
            let articles = articles(&config, count);
            let refs: Vec<&Article> = articles.iter().collect();
            let site = Site::new(&config, &refs);
            let formats: [&dyn Format; 3] = [
                &Rss::new(&config, &site).unwrap(),
                &Atom::new(&config, &site).unwrap(),
                &Json::new(&config, &site).unwrap(),
            ];
            for format in formats {
                let (streamed, whole) = streamed_and_whole(format, &refs);
                assert!(
                    streamed == whole,
                    "{} with {count} items:\n--- streamed\n{}\n--- whole\n{}",
                    format.file(),
                    String::from_utf8_lossy(&streamed),
                    String::from_utf8_lossy(&whole),
                );
            }
        }
    }

    /// Text with every character the formats escape or split on, markup, entities,
    /// non-ASCII and characters XML forbids.
    const ANY_TEXT: &str = "([a-z <>&'\"\\]\\[!#*_`\n]|&amp;|]]>|<b>|é|🦀|\u{7}|\u{FFFE}){0,24}";

    proptest::proptest! {
        /// Every field the item writers escape, in both content modes: the streamed
        /// items are byte for byte the crates' documents.
        #[test]
        fn hand_written_items_are_the_crates_items(
            title in ANY_TEXT,
            subtitle in proptest::option::of(ANY_TEXT),
            description in proptest::option::of(ANY_TEXT),
            author in proptest::option::of(ANY_TEXT),
            tags in proptest::collection::vec(ANY_TEXT, 0..3),
            id in proptest::option::of(ANY_TEXT),
            body in ANY_TEXT,
            hero in proptest::option::of("(a.png|b.JPG|c|d.webp\\?x=1&y='2'|e f.gif)"),
            cta in proptest::option::of(ANY_TEXT),
            summary_only: bool,
        ) {
            let config = config();
            let base = Article::for_test("p", chrono::DateTime::UNIX_EPOCH);
            let hero_image = hero.map(|h| base.url.join(&format!("/img/{h}")).unwrap());
            let article = Article {
                title,
                subtitle,
                description,
                author,
                tags,
                id: id.unwrap_or_else(|| base.id.clone()),
                hero_image,
                cta,
                body: crate::content::Body::Text(body),
                ..base
            };
            let content = if summary_only { FeedContent::Summary } else { FeedContent::Full };
            let options = Options { content, max_bytes: 0 };
            let refs = [&article, &article];
            let site = Site::new(&config, &refs);
            let formats: [&dyn Format; 3] = [
                &Rss::new(&config, &site).unwrap(),
                &Atom::new(&config, &site).unwrap(),
                &Json::new(&config, &site).unwrap(),
            ];
            for format in formats {
                let mut streamed = Vec::new();
                stream([format], &refs, [&mut streamed], options).unwrap();
                let items: Vec<Item<'_>> =
                    refs.iter().map(|a| Item::new(a, content).unwrap()).collect();
                let whole = format.document(&items).unwrap();
                proptest::prop_assert_eq!(
                    String::from_utf8_lossy(&streamed),
                    String::from_utf8_lossy(&whole)
                );
            }
        }
    }

    #[test]
    fn all_formats_at_once_equal_each_alone() {
        let config = config();
        let articles = articles(&config, 7);
        let refs: Vec<&Article> = articles.iter().collect();
        let feeds = crate::feed::render_all(&config, &refs).unwrap();
        assert_eq!(feeds.rss, crate::feed::rss::render(&config, &refs).unwrap());
        assert_eq!(
            feeds.atom,
            crate::feed::atom::render(&config, &refs).unwrap()
        );
        assert_eq!(
            feeds.json,
            crate::feed::json::render(&config, &refs).unwrap()
        );
    }

    /// A format whose item is written differently alone than in its document.
    struct Inconsistent;

    impl Format for Inconsistent {
        fn file(&self) -> &'static str {
            "odd.xml"
        }

        fn document(&self, _: &[Item<'_>]) -> Result<Vec<u8>> {
            Ok(b"<doc><i>in context</i></doc>".to_vec())
        }

        fn fragment(&self, _: &Item<'_>) -> Result<Fragment> {
            Ok(Fragment::whole(b"<i>alone</i>".to_vec()))
        }
    }

    #[test]
    fn an_item_not_found_in_the_document_is_an_error_naming_the_file() {
        let config = config();
        let articles = articles(&config, 1);
        let mut out = Vec::new();
        let err = stream([&Inconsistent], &[&articles[0]], [&mut out], UNLIMITED).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Feed {
                    file: "odd.xml",
                    ..
                }
            ),
            "{err}"
        );
        // Without items the document is written whole and never searched.
        stream([&Inconsistent], &[], [&mut out], UNLIMITED).unwrap();
        assert_eq!(out, b"<doc><i>in context</i></doc>");
    }

    #[test]
    fn an_article_failing_in_a_later_chunk_stops_the_stream_with_its_path() {
        let config = config();
        let mut articles = articles(&config, CHUNK * 2 + 1);
        let gone = articles.len() - 1;
        articles[gone].path = PathBuf::from("content/gone.md");
        articles[gone].leave_body_in_file(0, b"");
        let refs: Vec<&Article> = articles.iter().collect();
        let err = crate::feed::render_all(&config, &refs).unwrap_err();
        assert!(err.to_string().contains("gone.md"), "{err}");
    }
}
