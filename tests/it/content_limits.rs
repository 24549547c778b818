//! Hostile content folders: link loops, stray files, huge and numerous articles, files
//! that vanish. No panic, a clear message, and the valid articles still published.

use crate::support::{CONFIG, Site};

#[cfg(unix)]
#[test]
fn a_symlink_loop_is_visited_once() {
    let site = Site::new();
    site.article("a", "A", "2024-01-01");
    std::os::unix::fs::symlink(site.path("content"), site.path("content/loop")).unwrap();
    std::os::unix::fs::symlink("missing-target.md", site.path("content/dangling.md")).unwrap();
    site.herald(&["check"])
        .expect_code(0)
        .expect_stdout("ok: 1 article(s)");
}

#[test]
fn files_that_are_not_markdown_are_ignored() {
    let site = Site::new();
    site.article("a", "A", "2024-01-01");
    site.write("content/notes.txt", "not an article");
    site.write("content/images/hero.jpg", [0xff, 0xd8, 0xff, 0x00]);
    site.write("content/.hidden.md", "not even front matter");
    site.write(
        "content/UPPER.MD",
        "---\ntitle: Upper\npublish_date: 2024-01-02\n---\n",
    );
    site.herald(&["check"])
        .expect_code(0)
        .expect_stdout("ok: 2 article(s)");
}

#[test]
fn a_50_mb_article_builds() {
    // No size budget, so the whole article is in the feed.
    let site = Site::with_config(&format!("{CONFIG}feeds:\n  max_bytes: 0\n"));
    let paragraph = "Words, *emphasis*, `code` and a [link](rel/). ".repeat(20);
    let body = format!("{paragraph}\n\n").repeat(50 * 1024 * 1024 / (paragraph.len() + 2));
    site.write(
        "content/huge.md",
        format!("---\ntitle: Huge\npublish_date: 2024-01-01\n---\n{body}"),
    );
    site.article("small", "Small", "2024-01-02");
    site.herald(&["build"])
        .expect_code(0)
        .expect_stdout("2 item(s)");
    let size = std::fs::metadata(site.path("public/feed.json"))
        .unwrap()
        .len();
    assert!(
        size > 50_000_000,
        "the huge article is in the feed ({size} bytes)"
    );
}

#[test]
fn a_hundred_thousand_tiny_articles_check_and_build() {
    let site = Site::new();
    for i in 0..100_000 {
        site.write(
            &format!("content/{:03}/{i}.md", i % 500),
            format!(
                "---\ntitle: Note {i}\npublish_date: 2020-01-01T00:00:{:02}Z\n---\nx\n",
                i % 60
            ),
        );
    }
    site.herald(&["check"])
        .expect_code(0)
        .expect_stdout("ok: 100000 article(s)");
    site.herald(&["build"])
        .expect_code(0)
        .expect_stdout("20 item(s) per feed from 100000 article(s)");
}

// A file that vanishes between listing and reading: a unit test in src/content/load.rs.

#[test]
fn bodies_stay_in_their_files_until_shown_and_a_vanished_one_is_a_clear_error() {
    let site = Site::new();
    site.article("kept", "Kept", "2024-01-01");
    site.article("gone", "Gone", "2024-01-02");
    let config = herald::Config::load(&site.path("herald.yaml")).unwrap();
    let loaded = herald::content::load(&config).unwrap();
    let now = chrono::Utc::now();
    let items = herald::feed::select(&loaded.articles, now, 0);
    // Read whole, the shown articles still leave their bodies in the files (a unit test
    // in src/content/record.rs looks at how they are held).
    let full = herald::content::load_full(&config, &items).unwrap();
    assert_eq!(full[1].render_html().unwrap(), "<p>Body of kept.</p>\n");
    std::fs::remove_file(site.path("content/gone.md")).unwrap();
    let err = herald::feed::render_all(&config, &full.iter().collect::<Vec<_>>())
        .unwrap_err()
        .to_string();
    assert!(err.contains("gone.md"), "{err}");
    let err = herald::content::load_full(&config, &items)
        .unwrap_err()
        .to_string();
    assert!(err.contains("gone.md"), "{err}");
}
