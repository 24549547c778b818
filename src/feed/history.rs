//! RFC 5005's "feed history" namespace: the `<fh:archive/>` element that marks an
//! archive page in RSS and Atom (a subscription document never carries it).

use std::collections::BTreeMap;

/// The prefix the namespace is declared with.
pub(crate) const PREFIX: &str = "fh";

/// The feed history namespace, RFC 5005 §4.
pub(crate) const NAMESPACE: &str = "http://purl.org/syndication/history/1.0";

/// `<fh:archive></fh:archive>` as an RSS channel extension.
pub(crate) fn archive_extension() -> rss::extension::ExtensionMap {
    let element = rss::extension::Extension {
        name: format!("{PREFIX}:archive"),
        // An empty text keeps the pretty-printer from putting a line break inside.
        value: Some(String::new()),
        ..rss::extension::Extension::default()
    };
    by_prefix(element)
}

/// `<fh:archive></fh:archive>` as an Atom feed extension.
pub(crate) fn atom_archive_extension() -> atom_syndication::extension::ExtensionMap {
    let element = atom_syndication::extension::Extension {
        name: format!("{PREFIX}:archive"),
        value: Some(String::new()),
        ..atom_syndication::extension::Extension::default()
    };
    by_prefix(element)
}

/// The maps both crates use: prefix → local name → elements.
fn by_prefix<E>(element: E) -> BTreeMap<String, BTreeMap<String, Vec<E>>> {
    let by_name = BTreeMap::from([("archive".to_string(), vec![element])]);
    BTreeMap::from([(PREFIX.to_string(), by_name)])
}
