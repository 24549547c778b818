//! Stable identities: an article keeps its first feed id after a rename.

use crate::support::Site;

fn ids_file(site: &Site) -> String {
    site.read("herald-ids.yaml")
}

/// `(path, id)` of every recorded article, read back with a YAML parser.
fn recorded(site: &Site) -> Vec<(String, String)> {
    let value: serde_yaml::Value = serde_yaml::from_str(&ids_file(site)).unwrap();
    value["articles"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|e| {
            let field = |k: &str| e[k].as_str().unwrap().to_string();
            (field("path"), field("id"))
        })
        .collect()
}

#[test]
fn a_renamed_article_keeps_its_first_id_and_check_says_so() {
    let site = Site::new();
    site.article("hello", "Hello", "2024-01-01");
    site.herald(&["build"]).expect_code(0);
    let hello = "https://example.com/blog/articles/hello/".to_string();
    assert_eq!(recorded(&site), [("hello.md".to_string(), hello.clone())]);

    std::fs::rename(
        site.path("content/hello.md"),
        site.path("content/hello-world.md"),
    )
    .unwrap();
    site.herald(&["check"]).expect_code(0).expect_stderr(
        "content/hello-world.md: warning: it moved from hello.md; feeds keep its first id \"https://example.com/blog/articles/hello/\"",
    );
    site.herald(&["build"]).expect_code(0);
    assert_eq!(recorded(&site), [("hello-world.md".to_string(), hello)]);
    for feed in ["rss.xml", "atom.xml", "feed.json"] {
        let text = site.read(&format!("public/{feed}"));
        assert!(
            text.contains("https://example.com/blog/articles/hello/"),
            "{feed}: {text}"
        );
        assert!(
            text.contains("https://example.com/blog/articles/hello-world/"),
            "{feed}: {text}"
        );
    }
}

#[test]
fn a_changed_slug_in_the_same_file_keeps_the_id() {
    let site = Site::new();
    site.article("post", "Post", "2024-01-01");
    site.herald(&["build"]).expect_code(0);
    site.write(
        "content/post.md",
        "---\ntitle: Post\npublish_date: 2024-01-01\nslug: better-name\n---\n",
    );
    site.herald(&["check"])
        .expect_code(0)
        .expect_stderr("content/post.md: warning: its URL changed; feeds keep its first id \"https://example.com/blog/articles/post/\"");
}

#[test]
fn a_new_article_cannot_take_an_old_articles_id() {
    let site = Site::new();
    site.article("first", "First", "2024-01-01");
    site.herald(&["build"]).expect_code(0);
    // `first` moves to a new slug; a different article then takes the old slug.
    site.write(
        "content/first.md",
        "---\ntitle: First\npublish_date: 2024-01-01\nslug: first-renamed\n---\n",
    );
    site.article("first-again", "Another", "2024-02-01");
    site.write(
        "content/first-again.md",
        "---\ntitle: Another\npublish_date: 2024-02-01\nslug: first\n---\n",
    );
    site.herald(&["check"])
        .expect_code(1)
        .expect_stderr("content/first-again.md: feed id \"https://example.com/blog/articles/first/\" was first published by first.md");
}

#[test]
fn drafts_and_scheduled_articles_are_not_recorded() {
    let site = Site::new();
    site.article("now", "Now", "2024-01-01");
    site.article("later", "Later", "2030-01-01");
    site.herald(&["build"]).expect_code(0);
    let ids = ids_file(&site);
    let paths: Vec<String> = recorded(&site).into_iter().map(|(path, _)| path).collect();
    assert_eq!(paths, ["now.md"]);
    site.herald(&["build"])
        .expect_code(0)
        .expect_stdout("unchanged");
    assert_eq!(ids_file(&site), ids, "a rebuild leaves the ids file alone");
}

#[test]
fn the_ids_file_is_left_alone_until_an_article_is_new_and_recreated_if_deleted() {
    let site = Site::new();
    site.article("one", "One", "2024-01-01");
    site.herald(&["build"]).expect_code(0);
    let path = site.path("herald-ids.yaml");
    let modified = || site.identity("herald-ids.yaml");
    let first = modified();

    site.herald(&["build"]).expect_code(0);
    assert_eq!(modified(), first, "an unchanged ledger is not rewritten");

    site.article("two", "Two", "2024-02-01");
    site.herald(&["build"]).expect_code(0);
    assert_eq!(recorded(&site).len(), 2);
    assert_ne!(modified(), first, "a new article is recorded");

    std::fs::remove_file(&path).unwrap();
    site.herald(&["build"]).expect_code(0);
    let paths: Vec<String> = recorded(&site).into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        paths,
        ["one.md", "two.md"],
        "a deleted ids file is written again"
    );
}
