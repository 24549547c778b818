//! A feed document as a sequence of pieces that can be written one after the other: the
//! head (everything before the first item), one fragment per item, the tail.
//!
//! The crates that write the formats stay the authority on layout and escaping: the head
//! and tail are cut out of the real document the crate renders with the first item
//! alone, which must contain that item's fragment exactly (else the build stops with an
//! error naming the file). The items themselves are written by hand (RSS's and Atom's
//! with [`super::xml`], JSON's in [`super::json`]), each text escaped once into the
//! item's buffer: copying the content into the crates' structs and escaping it there
//! was the build's largest cost after Markdown. Indentation depends only on depth, so
//! the pieces put together give exactly the bytes of the whole document rendered at
//! once, which the tests check for every format.

use super::item::Item;
use crate::error::{Error, Result};

/// One feed format, split into the pieces of [`Skeleton`] and [`Format::fragment`].
pub(crate) trait Format: Sync {
    /// The file it is written to, for errors.
    fn file(&self) -> &'static str;

    /// The bytes between two items' fragments.
    fn separator(&self) -> &'static [u8] {
        b""
    }

    /// The whole document for `items`, rendered at once by the crate.
    fn document(&self, items: &[Item<'_>]) -> Result<Vec<u8>>;

    /// One item's bytes exactly as they appear in a document, indentation included.
    fn fragment(&self, item: &Item<'_>) -> Result<Fragment>;
}

/// One item's bytes, as its format's item writer wrote them.
#[derive(Debug, Default)]
pub(crate) struct Fragment {
    buffer: Vec<u8>,
}

impl Fragment {
    /// All of `buffer`.
    pub(crate) fn whole(buffer: Vec<u8>) -> Self {
        Fragment { buffer }
    }

    /// The bytes.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buffer
    }
}

/// What a document holds around its items.
#[derive(Debug)]
pub(crate) struct Skeleton {
    /// Everything before the first item; for a feed without items, the whole document.
    pub head: Vec<u8>,
    /// Everything after the last item.
    pub tail: Vec<u8>,
}

impl Skeleton {
    /// Renders the document with `first` as its only item and cuts it around that item's
    /// fragment, which it returns too (the document's first item, written once). Without
    /// items the document is rendered whole (an empty list may be written differently,
    /// as JSON's `[]`).
    pub(crate) fn new(
        format: &dyn Format,
        first: Option<&Item<'_>>,
    ) -> Result<(Self, Option<Fragment>)> {
        let Some(item) = first else {
            let skeleton = Skeleton {
                head: format.document(&[])?,
                tail: Vec::new(),
            };
            return Ok((skeleton, None));
        };
        let document = format.document(std::slice::from_ref(item))?;
        let fragment = format.fragment(item)?;
        let bytes = fragment.as_bytes();
        let at = find(&document, bytes).ok_or_else(|| {
            layout_error(
                format.file(),
                "an item is written differently alone and in the document",
            )
        })?;
        let skeleton = Skeleton {
            head: document[..at].to_vec(),
            tail: document[at + bytes.len()..].to_vec(),
        };
        Ok((skeleton, Some(fragment)))
    }
}

/// The error for a crate whose output no longer has the expected layout.
pub(crate) fn layout_error(file: &'static str, message: impl Into<String>) -> Error {
    Error::Feed {
        file,
        source: message.into().into(),
    }
}

/// Where `needle` first occurs in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_finds_the_first_occurrence() {
        assert_eq!(find(b"abcabc", b"bc"), Some(1));
        assert_eq!(find(b"abc", b"abcd"), None);
        assert_eq!(find(b"abc", b""), Some(0));
    }
}
