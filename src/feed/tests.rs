//! The feed module as a whole: the three formats rendered together and alone, and a
//! failure part-way through a write.

use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};

use super::*;

const CONFIG: &str = "site:\n  title: Test Site\n  url: https://example.com/blog/\n  \
                      description: A site for tests\n  author: Site Author\n";

/// A site in a temporary folder: `herald.yaml` and `content/<name>.md` for each
/// `(name, title, publish_date)`.
fn site(articles: &[(&str, &str, &str)]) -> (tempfile::TempDir, Config) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("content")).unwrap();
    for (name, title, date) in articles {
        write_article(dir.path(), name, title, date);
    }
    let config = Config::from_yaml(CONFIG.as_bytes(), &dir.path().join("herald.yaml")).unwrap();
    (dir, config)
}

fn write_article(root: &Path, name: &str, title: &str, date: &str) {
    std::fs::write(
        root.join(format!("content/{name}.md")),
        format!("---\ntitle: '{title}'\npublish_date: '{date}'\n---\n\nBody of {name}.\n"),
    )
    .unwrap();
}

/// The articles published at `now`, read whole.
fn shown(config: &Config, now: DateTime<Utc>) -> Vec<Article> {
    let loaded = crate::content::load(config).unwrap();
    let items = select(&loaded.articles, now, 0);
    crate::content::load_full(config, &items).unwrap()
}

#[test]
fn render_all_matches_each_format_rendered_alone() {
    let (_dir, config) = site(&[
        ("old", "Old", "2024-01-10"),
        ("tie-b", "Tie B", "2024-02-01"),
        ("tie-a", "Tie A & <b>", "2024-02-01"),
        ("scheduled", "Scheduled", "2024-06-01T08:00:00Z"),
    ]);
    let items = shown(&config, Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap());
    assert_eq!(items.len(), 3);
    let items: Vec<&Article> = items.iter().collect();
    let all = render_all(&config, &items).expect("render_all");
    assert_eq!(all.rss, rss::render(&config, &items).expect("rss"));
    assert_eq!(all.atom, atom::render(&config, &items).expect("atom"));
    assert_eq!(all.json, json::render(&config, &items).expect("json"));
}

#[test]
fn an_article_failing_after_the_feeds_differ_leaves_the_old_feeds_and_no_temporary_file() {
    let articles: Vec<(String, String)> = (0..300)
        .map(|i| {
            let date = format!("2024-01-01T00:{:02}:{:02}Z", i / 60, i % 60);
            (format!("a{i:03}"), date)
        })
        .collect();
    let listed: Vec<(&str, &str, &str)> = articles
        .iter()
        .map(|(name, date)| (name.as_str(), "Old", date.as_str()))
        .collect();
    let (dir, config) = site(&listed);
    crate::build::build(&config, Utc::now(), Default::default()).unwrap();
    let listing = |dir: &Path| {
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        names
    };
    let before = listing(&config.output_dir);
    let old: Vec<Vec<u8>> = FILES
        .iter()
        .map(|f| std::fs::read(config.output_dir.join(f)).unwrap())
        .collect();
    // The newest article changes (so every feed differs from its first item on), and the
    // oldest one, rendered last, is gone by the time its body is read.
    write_article(dir.path(), "a299", "New", "2024-01-01T00:04:59Z");
    let items = shown(&config, Utc::now());
    std::fs::remove_file(dir.path().join("content/a000.md")).unwrap();
    let items: Vec<&Article> = items.iter().collect();
    let err = write_all(&config, &items, &config.output_dir).unwrap_err();
    assert!(err.to_string().contains("a000.md"), "{err}");
    assert_eq!(
        listing(&config.output_dir),
        before,
        "a temporary file was left"
    );
    for (file, old) in FILES.iter().zip(&old) {
        let now = std::fs::read(config.output_dir.join(file)).unwrap();
        assert!(&now == old, "{file} changed");
    }
}
