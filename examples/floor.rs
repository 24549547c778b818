//! The floor of `bench/run.sh`: the least work any feed generator must do.
//!
//! ```text
//! cargo run --release --example floor -- CONTENT_DIR [LIMIT]
//! ```
//!
//! It reads every `*.md` below `CONTENT_DIR` (in parallel, as herald does), splits off and
//! parses the YAML front matter, sorts the published articles newest first, and renders
//! the Markdown of the newest `LIMIT` (0 = all) with pulldown-cmark. It writes nothing,
//! validates nothing, resolves no links and builds no feed: no generator that parses its
//! front matter with a YAML parser can be faster. (herald can: plain `key: value` front
//! matter skips the YAML parser.) It prints the number of HTML bytes so the rendering
//! cannot be optimised away.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use pulldown_cmark::{Options, Parser, html};
use rayon::prelude::*;
use serde::Deserialize;

/// The only front-matter fields the floor needs: when, and whether it is published.
#[derive(Deserialize)]
struct FrontMatter {
    publish_date: String,
    #[serde(default)]
    draft: bool,
}

/// One file: its publish date, and its text with the offset where the body starts.
struct Entry {
    published: DateTime<Utc>,
    path: PathBuf,
    text: String,
    body_start: usize,
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: floor CONTENT_DIR [LIMIT]");
        std::process::exit(2);
    };
    let limit: usize = args.next().map_or(20, |raw| {
        raw.parse().unwrap_or_else(|e| {
            eprintln!("floor: LIMIT {raw:?}: {e}");
            std::process::exit(2)
        })
    });
    let mut files = Vec::new();
    walk(Path::new(&dir), &mut files);
    let mut entries: Vec<Entry> = files.par_iter().filter_map(|p| read(p)).collect();
    entries.sort_unstable_by(|a, b| {
        b.published
            .cmp(&a.published)
            .then_with(|| a.path.cmp(&b.path))
    });
    let take = if limit == 0 { entries.len() } else { limit };
    let shown = &entries[..take.min(entries.len())];
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH;
    let html_bytes: usize = shown
        .par_iter()
        .map(|entry| {
            let body = &entry.text[entry.body_start..];
            let mut out = String::with_capacity(body.len() * 3 / 2);
            html::push_html(&mut out, Parser::new_ext(body, options));
            out.len()
        })
        .sum();
    println!(
        "floor: {} files, {} published, {} rendered, {} bytes of HTML",
        files.len(),
        entries.len(),
        shown.len(),
        html_bytes
    );
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| {
        eprintln!("floor: {}: {e}", dir.display());
        std::process::exit(1)
    });
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => walk(&path, files),
            Ok(_) if path.extension().is_some_and(|e| e == "md") => files.push(path),
            _ => {}
        }
    }
}

/// Reads one file; `None` for drafts and for files without usable front matter.
fn read(path: &Path) -> Option<Entry> {
    let text = std::fs::read_to_string(path).ok()?;
    let rest = text.strip_prefix("---\n")?;
    let end = rest.find("\n---\n")?;
    let yaml = &rest[..end + 1];
    let body_start = 4 + end + 5;
    let front: FrontMatter = serde_yaml::from_str(yaml).ok()?;
    if front.draft {
        return None;
    }
    let published = parse_date(&front.publish_date)?;
    Some(Entry {
        published,
        path: path.to_path_buf(),
        text,
        body_start,
    })
}

fn parse_date(raw: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Some(t.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok()?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc())
}
