//! Faults around the output folder: full disk, read-only folder, a folder that is a file.
//! Each must fail with a message naming the path, exit 1, and leave the previous feeds.
//!
//! The disk cases mount a tiny tmpfs inside a private user and mount namespace
//! (`unshare -rm`), so they need no root; where the kernel forbids user namespaces they
//! say so on stderr and pass without checking, except under `CI=true`, where a missing
//! `unshare -rm` fails them (CI must run them: see `.ci/run`).

use std::process::Command;

use crate::support::{Run, Site};

const BUILD: &str = "\"$HERALD\" --config herald.yaml --now 2026-01-01T00:00:00Z build";

/// Runs `script` with `sh -eu` inside a new user and mount namespace, in the site folder.
fn in_namespace(site: &Site, script: &str) -> Option<Run> {
    let probe = Command::new("unshare").args(["-rm", "true"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "the fault tests must run under CI=true, and user namespaces (unshare -rm) are not available: \
             allow them (sysctl kernel.unprivileged_userns_clone=1) or run CI in a VM"
        );
        eprintln!("skipped: user namespaces (unshare -rm) are not available here");
        return None;
    }
    let mut command = Command::new("unshare");
    command
        .args(["-rm", "sh", "-euc", script])
        .current_dir(site.root())
        .env("HERALD", env!("CARGO_BIN_EXE_herald"));
    Some(Run::of(command))
}

/// Builds once on a fresh tmpfs, saves the feeds, runs `break_it`, adds an article and
/// builds again expecting failure; then checks the old feeds are still there, byte for byte.
fn script(mount_options: &str, break_it: &str) -> String {
    format!(
        "mkdir -p public && mount -t tmpfs -o {mount_options} tmpfs public\n\
         {BUILD}\n\
         mkdir -p saved && cp public/rss.xml public/atom.xml public/feed.json saved/\n\
         {break_it}\n\
         if {BUILD}; then echo 'the build should have failed' >&2; exit 3; fi\n\
         for f in rss.xml atom.xml feed.json; do cmp public/$f saved/$f; done\n\
         ls -a public >&2\n"
    )
}

#[test]
fn a_full_disk_fails_naming_the_path_and_keeps_the_old_feeds() {
    let site = Site::new();
    site.article("small", "Small", "2024-01-01");
    let body = "A long paragraph of words that fills the disk. ".repeat(8_000);
    site.write(
        "big.md",
        format!("---\ntitle: Big\npublish_date: 2024-02-01\n---\n{body}\n"),
    );
    let Some(run) = in_namespace(&site, &script("size=256k", "mv big.md content/")) else {
        return;
    };
    run.expect_code(0)
        .expect_stderr("error: public/")
        .expect_stderr("No space left on device");
    assert!(
        !run.stderr().contains(".tmp"),
        "a temporary file was left\n{}",
        run.describe()
    );
}

#[test]
fn a_read_only_output_folder_fails_naming_it_and_keeps_the_old_feeds() {
    let site = Site::new();
    site.article("one", "One", "2024-01-01");
    site.write(
        "two.md",
        "---\ntitle: Two\npublish_date: 2024-02-01\n---\nbody\n",
    );
    let break_it = "mount -o remount,ro public && mv two.md content/";
    let Some(run) = in_namespace(&site, &script("size=1m", break_it)) else {
        return;
    };
    run.expect_code(0)
        .expect_stderr("error: public")
        .expect_stderr("Read-only file system");
}

#[test]
fn an_output_folder_that_is_a_file_is_a_clear_error() {
    let site = Site::new();
    site.article("one", "One", "2024-01-01");
    site.write("public", "not a folder");
    site.herald(&["build"])
        .expect_code(1)
        .expect_stderr("error: public: ");
}

/// Documents are published one at a time, a feed's archive pages before the current
/// document that links to them: when a page cannot be written, the current feed (rendered
/// first) is not published either, and no temporary file is left beside it.
#[test]
fn a_page_that_cannot_be_written_keeps_the_current_feed_that_would_link_to_it() {
    let config = format!(
        "{}feeds:\n  limit: 2\n  archive_page_size: 2\n",
        crate::support::CONFIG
    );
    let site = Site::with_config(&config);
    for i in 0..5 {
        site.article(
            &format!("a{i}"),
            &format!("Old {i}"),
            &format!("2024-01-0{}", i + 1),
        );
    }
    site.article("a5", "New", "2024-02-01");
    std::fs::rename(site.path("content/a5.md"), site.path("new.md")).unwrap();
    // The archive folder is made read-only (a bind mount onto itself) after the first
    // build; the new article changes the current feed and pushes an item onto a page.
    let break_it = "mount --bind public/archive public/archive && \
                    mount -o remount,ro,bind public/archive && mv new.md content/";
    let script = format!(
        "{BUILD}\n\
         mkdir -p saved && cp public/rss.xml public/atom.xml public/feed.json public/rss.html saved/\n\
         {break_it}\n\
         if {BUILD}; then echo 'the build should have failed' >&2; exit 3; fi\n\
         for f in rss.xml atom.xml feed.json rss.html; do cmp public/$f saved/$f; done\n\
         ls -a public public/archive >&2\n"
    );
    let Some(run) = in_namespace(&site, &script) else {
        return;
    };
    run.expect_code(0)
        .expect_stderr("error: public/archive")
        .expect_stderr("Read-only file system");
    // The error names the temporary file it could not create; the listing has none.
    assert!(
        !run.stderr()
            .lines()
            .any(|line| line.starts_with(".herald-")),
        "a temporary file was left\n{}",
        run.describe()
    );
}
