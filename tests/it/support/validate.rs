//! Feed files checked by independent tools: the W3C Feed Validation Service's code (run
//! through `tests/feedvalidator.py`, when it is installed) and `feed-rs`, which reads
//! RSS, Atom and JSON Feed back.
//!
//! The validator lives outside the repository, in `../shared/tools/feedvalidator` beside
//! the checkout (the folder holding its `feedvalidator` package), or where
//! `$HERALD_FEEDVALIDATOR` says. It needs `python3` with lxml, html5lib and rdflib
//! (`pip install -r tests/requirements.txt`). Under `CI=true` a missing validator or
//! dependency fails the test; elsewhere the validation is skipped with a printed line.
//! feed-rs always runs.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the validator is looked for without `$HERALD_FEEDVALIDATOR`: the project's
/// shared tools beside the checkout.
fn default_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/tools/feedvalidator")
}

/// Whether a missing tool fails the test rather than skipping it.
fn required() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Skips (prints `why`) or, under `CI=true`, fails.
fn skip(why: &str) {
    assert!(
        !required(),
        "the W3C feedvalidator must run under CI=true: {why}"
    );
    eprintln!("skipped: {why}");
}

/// The folder holding the validator's `feedvalidator` package, when it is there.
pub fn validator_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("HERALD_FEEDVALIDATOR")
        .map(PathBuf::from)
        .unwrap_or_else(default_dir);
    if dir.join("feedvalidator").is_dir() {
        Some(dir)
    } else {
        skip(&format!(
            "feedvalidator not found at {} (set HERALD_FEEDVALIDATOR)",
            dir.display()
        ));
        None
    }
}

/// The wrapper script, `tests/feedvalidator.py`.
fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/feedvalidator.py")
}

/// What the validator said about some files.
#[derive(Debug)]
pub struct Report {
    /// `ERROR <file>:<line>:<column>: <message>` lines.
    pub errors: Vec<String>,
    /// `WARNING …` lines.
    pub warnings: Vec<String>,
    /// The whole output, for failure messages.
    pub output: String,
}

/// Runs the validator on `files` as published under `base` (the site's URL, so that
/// `rel="self"` links match); `None` when the validator is not installed.
pub fn run(files: &[&Path], base: &str) -> Option<Report> {
    let dir = validator_dir()?;
    let output = Command::new("python3")
        .arg(script())
        .arg("--validator")
        .arg(&dir)
        .args(["--base", base])
        .args(files)
        .output();
    let output = match output {
        Ok(output) => output,
        Err(e) => {
            skip(&format!("cannot run python3 for the feedvalidator: {e}"));
            return None;
        }
    };
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.code() == Some(2) {
        // The script could not load the validator (a missing Python package).
        skip(&format!(
            "tests/feedvalidator.py cannot load the validator (pip install -r tests/requirements.txt): {stderr}"
        ));
        return None;
    }
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "tests/feedvalidator.py failed to run ({:?})\n{text}{stderr}",
        output.status.code()
    );
    let lines = |prefix: &str| {
        text.lines()
            .filter(|line| line.starts_with(prefix))
            .map(str::to_string)
            .collect()
    };
    Some(Report {
        errors: lines("ERROR "),
        warnings: lines("WARNING "),
        output: text.clone(),
    })
}

/// Asserts that the validator (when installed) finds no error in `files`; returns its
/// report, warnings included.
pub fn no_errors(files: &[&Path], base: &str) -> Option<Report> {
    let report = run(files, base)?;
    assert!(
        report.errors.is_empty(),
        "the W3C feedvalidator found errors:\n{}",
        report.output
    );
    Some(report)
}

/// Reads a feed file back with feed-rs, failing with the file's name and text.
pub fn read_back(path: &Path) -> feed_rs::model::Feed {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    feed_rs::parser::parse(bytes.as_slice()).unwrap_or_else(|e| {
        panic!(
            "feed-rs cannot read {}: {e}\n{}",
            path.display(),
            String::from_utf8_lossy(&bytes)
        )
    })
}

/// The three feeds herald writes in `dir`, each read back by feed-rs (RSS, Atom, JSON).
pub struct Feeds {
    /// `rss.xml`.
    pub rss: feed_rs::model::Feed,
    /// `atom.xml`.
    pub atom: feed_rs::model::Feed,
    /// `feed.json`.
    pub json: feed_rs::model::Feed,
}

/// Validates `rss.xml`, `atom.xml` and `feed.json` in `dir` (published under `base`)
/// and reads them back with feed-rs; every format must list the same item titles.
pub fn feeds(dir: &Path, base: &str) -> Feeds {
    let files = ["rss.xml", "atom.xml", "feed.json"].map(|name| dir.join(name));
    no_errors(&files.each_ref().map(PathBuf::as_path), base);
    let [rss, atom, json] = files.map(|file| read_back(&file));
    let titles = |feed: &feed_rs::model::Feed| -> Vec<String> {
        feed.entries
            .iter()
            .map(|entry| {
                entry
                    .title
                    .as_ref()
                    .map(|t| t.content.clone())
                    .unwrap_or_default()
            })
            .collect()
    };
    assert_eq!(titles(&rss), titles(&atom), "RSS and Atom items differ");
    assert_eq!(titles(&rss), titles(&json), "RSS and JSON items differ");
    Feeds { rss, atom, json }
}
