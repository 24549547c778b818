//! `newsletter/atom.xml`: the issues as an Atom 1.0 feed, newest first, each entry
//! linking to its page.

use atom_syndication::{Feed, Text, WriteConfig};

use super::{ArchivedIssue, FEED, archive_url};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::feed::atom::{ATOM_TYPE, empty_feed_updated, fixed, generator, link, person};

/// The feed of `entries` (newest first).
pub(super) fn render(config: &Config, entries: &[ArchivedIssue]) -> Result<Vec<u8>> {
    let index = archive_url(config, "")?;
    let this = archive_url(config, FEED)?;
    let site = &config.site.title;
    let feed = Feed {
        id: index.to_string(),
        title: Text::plain(format!("{site}: past issues")),
        subtitle: Some(Text::plain(format!(
            "Every issue of the {site} newsletter, as it was sent."
        ))),
        updated: fixed(entries.first().map_or_else(empty_feed_updated, |e| e.date)),
        authors: vec![person(config.site.author.as_deref().unwrap_or(site))],
        generator: Some(generator()),
        links: vec![
            link(this.as_str(), "self", ATOM_TYPE),
            link(index.as_str(), "alternate", "text/html"),
        ],
        lang: config.site.language.clone(),
        entries: entries.iter().map(entry).collect(),
        ..Feed::default()
    };
    let write = WriteConfig {
        write_document_declaration: true,
        indent_size: Some(2),
    };
    let mut xml = feed
        .write_with_config(Vec::new(), write)
        .map_err(|e| Error::Feed {
            file: FEED_PATH,
            source: Box::new(e),
        })?;
    xml.push(b'\n');
    Ok(xml)
}

/// The feed's path in `output_dir`, for errors ([`FOLDER`]/[`FEED`]).
const FEED_PATH: &str = "newsletter/atom.xml";

/// One issue: its page is the entry's id and link; its articles' titles, the summary.
fn entry(issue: &ArchivedIssue) -> atom_syndication::Entry {
    atom_syndication::Entry {
        id: issue.url.to_string(),
        title: Text::plain(issue.title.clone()),
        published: Some(fixed(issue.date)),
        updated: fixed(issue.date),
        summary: (!issue.summary.is_empty()).then(|| Text::plain(issue.summary.clone())),
        links: vec![link(issue.url.as_str(), "alternate", "text/html")],
        ..atom_syndication::Entry::default()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_path_names_the_folder() {
        assert_eq!(
            super::FEED_PATH,
            format!("{}/{}", super::super::FOLDER, super::FEED)
        );
    }
}
