//! Headless Chromium for the tests that look at pages (`browser.rs`, `feed_browser.rs`):
//! finding it, and where screenshots go.
//!
//! `.ci/run` installs Debian's `chromium`. Without it a test prints a skip, except under
//! `CI=true`, where a missing browser is a failure.

use std::path::{Path, PathBuf};

/// The flags every run uses: no sandbox (root in CI), no GPU, nothing fetched in the
/// background.
pub const HEADLESS: [&str; 4] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
];

/// Chromium from `PATH`; `None` (with a notice naming `what` is skipped) when it is
/// missing, and a failure under `CI=true`.
pub fn find(what: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file());
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "Chromium is required under CI=true: apt-get install -y chromium"
        );
        eprintln!(
            "skipped: Chromium not found on PATH, so {what} is not checked (apt-get install -y chromium)"
        );
    }
    found
}

/// `<target>/screenshots`, created.
pub fn screenshot_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let dir = tmp.parent().unwrap_or(tmp).join("screenshots");
    std::fs::create_dir_all(&dir).expect("screenshots folder");
    dir
}
