//! `feeds.max_bytes`: the size budget of each feed file.
//!
//! While a document streams, [`Budget`] keeps it in memory (at most the budget) instead
//! of writing it; a document that ends within the budget is then written as it is, so
//! the common case renders every item once. A document that outgrows the budget is
//! [`trim`]med: full content is dropped from the oldest items first (each keeps its
//! summary), then the oldest items are left out, until it fits.

use super::document::{Format, Fragment};
use super::item::Item;
use super::stream::Sink;
use crate::config::FeedContent;
use crate::content::Article;
use crate::error::Result;

/// What the budget took out of one feed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Trimmed {
    /// The file under `output_dir`, e.g. `rss.xml` or `tags/rust/atom.xml`.
    pub file: String,
    /// The budget, `feeds.max_bytes`.
    pub max_bytes: usize,
    /// The file's size once trimmed.
    pub bytes: usize,
    /// Items that lost their full content and show their summary only.
    pub summarized: usize,
    /// Items left out, the oldest ones.
    pub dropped: usize,
}

/// One format's document on its way to its sink, held back while it may outgrow `max`.
pub(crate) struct Budget<'s> {
    sink: &'s mut dyn Sink,
    /// The budget; 0 writes through.
    max: usize,
    /// The tail's length, counted from the start.
    tail: usize,
    /// The head and the items so far, while they fit.
    buffer: Vec<u8>,
    /// The buffer's length after each item.
    ends: Vec<usize>,
    /// The head's length.
    head: usize,
    /// Whether an item did not fit.
    over: bool,
}

impl<'s> Budget<'s> {
    /// A budget of `max` bytes (0: none) in front of `sink`, for a document whose tail
    /// is `tail` bytes long.
    pub(crate) fn new(sink: &'s mut dyn Sink, max: usize, tail: usize) -> Self {
        Budget {
            sink,
            max,
            tail,
            buffer: Vec::new(),
            ends: Vec::new(),
            head: 0,
            over: false,
        }
    }

    /// The document's head.
    pub(crate) fn head(&mut self, head: &[u8]) -> Result<()> {
        self.head = head.len();
        if self.max == 0 {
            return self.sink.append(head);
        }
        self.buffer.extend_from_slice(head);
        Ok(())
    }

    /// One item, preceded by `separator`.
    pub(crate) fn item(&mut self, separator: &[u8], fragment: &[u8]) -> Result<()> {
        if self.max == 0 {
            self.sink.append(separator)?;
            return self.sink.append(fragment);
        }
        if self.over {
            return Ok(());
        }
        let size = self.buffer.len() + separator.len() + fragment.len() + self.tail;
        if size > self.max {
            self.over = true;
            return Ok(());
        }
        self.buffer.extend_from_slice(separator);
        self.buffer.extend_from_slice(fragment);
        self.ends.push(self.buffer.len());
        Ok(())
    }

    /// Writes the document with its `tail`, trimmed to the budget when it outgrew it.
    pub(crate) fn finish(
        self,
        tail: &[u8],
        format: &dyn Format,
        articles: &[&Article],
        content: FeedContent,
    ) -> Result<Option<Trimmed>> {
        if !self.over {
            if self.max > 0 {
                self.sink.append(&self.buffer)?;
            }
            self.sink.append(tail)?;
            return Ok(None);
        }
        trim(self, tail, format, articles, content).map(Some)
    }
}

/// Writes the largest document that fits: the newest `full` items with their content
/// (at most those that fitted before the budget ran out), the next ones as summaries,
/// the oldest left out.
fn trim(
    budget: Budget<'_>,
    tail: &[u8],
    format: &dyn Format,
    articles: &[&Article],
    content: FeedContent,
) -> Result<Trimmed> {
    let separator = format.separator();
    let overhead = budget.head + tail.len();
    // The summaries that fit, newest first.
    let mut summaries: Vec<Fragment> = Vec::new();
    let mut total = overhead;
    for (index, article) in articles.iter().enumerate() {
        let fragment = format.fragment(&Item::new(article, FeedContent::Summary)?)?;
        let size = fragment.as_bytes().len() + if index > 0 { separator.len() } else { 0 };
        if total + size > budget.max {
            break;
        }
        total += size;
        summaries.push(fragment);
    }
    let kept = summaries.len();
    let full = if kept == articles.len() {
        full_items_that_fit(&budget, &summaries, separator.len(), tail.len())
    } else {
        0
    };
    let head_and_full = match full {
        0 => budget.head,
        n => budget.ends[n - 1],
    };
    let mut bytes = head_and_full + tail.len();
    budget.sink.append(&budget.buffer[..head_and_full])?;
    for (index, fragment) in summaries.iter().enumerate().skip(full) {
        if index > 0 {
            budget.sink.append(separator)?;
            bytes += separator.len();
        }
        budget.sink.append(fragment.as_bytes())?;
        bytes += fragment.as_bytes().len();
    }
    budget.sink.append(tail)?;
    let summarized = match content {
        FeedContent::Full => kept - full,
        FeedContent::Summary => 0,
    };
    Ok(Trimmed {
        file: format.file().to_string(),
        max_bytes: budget.max,
        bytes,
        summarized,
        dropped: articles.len() - kept,
    })
}

/// The most newest items that can keep their full content (from the buffer) while every
/// other item shows its summary (`summaries`, one per item) and the whole fits.
fn full_items_that_fit(
    budget: &Budget<'_>,
    summaries: &[Fragment],
    separator: usize,
    tail: usize,
) -> usize {
    // summaries_from[i]: the bytes of items i.. as summaries, each after a separator.
    let mut summaries_from = vec![0; summaries.len() + 1];
    for (index, fragment) in summaries.iter().enumerate().rev() {
        summaries_from[index] = summaries_from[index + 1] + separator + fragment.as_bytes().len();
    }
    (1..=budget.ends.len())
        .rev()
        .find(|&full| budget.ends[full - 1] + summaries_from[full] + tail <= budget.max)
        .unwrap_or(0)
}
