//! The command line: bad input gives `path:line: message` and the right exit code,
//! and a failed build leaves the previous feeds untouched.

use crate::support::{CONFIG, Site};

/// Every kind of broken article, with the line and the words its error must carry.
const BAD_ARTICLES: &[(&str, &[u8], usize, &str)] = &[
    ("empty", b"", 1, "the file is empty"),
    ("blank", b"\n  \n", 1, "the file is empty"),
    (
        "no-front-matter",
        b"# Hello\n\nJust text.\n",
        1,
        "no front matter",
    ),
    (
        "unclosed",
        b"---\ntitle: a\npublish_date: 2024-01-01\n\nbody\n",
        1,
        "did you forget the closing `---`",
    ),
    (
        "yaml-syntax",
        b"---\ntitle: a\npublish_date: 2024-01-01\nsubtitle: 'unclosed\n---\nbody\n",
        4,
        "YAML syntax error",
    ),
    (
        "yaml-mapping",
        b"---\ntitle: a\nauthor: b: c\npublish_date: 2024-01-01\n---\nbody\n",
        3,
        "YAML syntax error",
    ),
    (
        "wrong-type",
        b"---\ntitle: [one, two]\npublish_date: 2024-01-01\n---\n",
        2,
        "`title` should be text but is a list",
    ),
    (
        "draft-not-bool",
        b"---\ntitle: a\npublish_date: 2024-01-01\ndraft: maybe\n---\n",
        4,
        "`draft` should be true or false",
    ),
    (
        "missing-title",
        b"---\npublish_date: 2024-01-01\n---\n",
        1,
        "missing `title`",
    ),
    (
        "missing-date",
        b"---\ntitle: a\n---\n",
        1,
        "missing `publish_date`",
    ),
    (
        "bad-date",
        b"---\ntitle: a\npublish_date: March 15\n---\n",
        3,
        "`publish_date` \"March 15\" is not a date (use 2024-03-15",
    ),
    (
        "invalid-utf8",
        b"---\ntitle: caf\xe9\npublish_date: 2024-01-01\n---\n",
        2,
        "invalid UTF-8",
    ),
    (
        "bad-hero",
        b"---\ntitle: a\npublish_date: 2024-01-01\nheroImage: 'javascript:alert(1)'\n---\n",
        4,
        "`heroImage` uses the \"javascript\" scheme",
    ),
];

#[test]
fn check_reports_each_bad_article_with_its_line_and_a_fix() {
    for (name, bytes, line, message) in BAD_ARTICLES {
        let site = Site::new();
        site.article("good", "Good", "2024-01-01");
        site.write(&format!("content/{name}.md"), bytes);
        let run = site.herald(&["check"]);
        run.expect_code(1);
        let expected = format!("content/{name}.md:{line}: ");
        let found = run
            .stderr()
            .lines()
            .any(|l| l.contains(&expected) && l.contains(message));
        assert!(
            found,
            "{name}: expected `{expected}…{message}`\n{}",
            run.describe()
        );
    }
}

#[test]
fn check_reports_every_problem_not_just_the_first() {
    let site = Site::new();
    site.write("content/a.md", "---\ntitle: [x]\npublish_date: soon\n---\n");
    site.write("content/b.md", "no front matter");
    let run = site.herald(&["check"]);
    run.expect_code(1)
        .expect_stderr("content/a.md:2: `title` should be text")
        .expect_stderr("content/a.md:3: `publish_date` \"soon\" is not a date")
        .expect_stderr("content/b.md:1: no front matter")
        .expect_stderr("3 error(s)")
        .expect_stderr(
            "content/a.md:2: `title` should be text but is a list; put the value on one line",
        );
}

#[test]
fn check_warns_about_unknown_keys_with_a_suggestion() {
    let site = Site::new();
    site.write(
        "content/typo.md",
        "---\ntitle: a\npublish_date: 2024-01-01\nsubtitel: b\n---\n",
    );
    site.herald(&["check"])
        .expect_code(0)
        .expect_stderr("content/typo.md:4: warning: unknown front-matter key `subtitel` is ignored; did you mean `subtitle`?")
        .expect_stdout("1 warning(s)");
}

#[test]
fn build_refuses_to_write_when_an_article_is_invalid() {
    let site = Site::new();
    site.article("good", "Good", "2024-01-01");
    site.herald(&["build"]).expect_code(0);
    let before: Vec<_> = ["rss.xml", "atom.xml", "feed.json"]
        .iter()
        .map(|f| site.read(&format!("public/{f}")))
        .collect();
    site.article("second", "Second", "2024-02-01");
    site.write("content/broken.md", "---\ntitle: x\n");
    site.herald(&["build"])
        .expect_code(1)
        .expect_stderr("content/broken.md:1:")
        .expect_stderr("nothing was written");
    let after: Vec<_> = ["rss.xml", "atom.xml", "feed.json"]
        .iter()
        .map(|f| site.read(&format!("public/{f}")))
        .collect();
    assert_eq!(
        before, after,
        "a failed build must leave the feeds untouched"
    );
    assert!(!after[0].contains("Second"));
}

#[test]
fn skip_invalid_builds_from_the_valid_articles() {
    let site = Site::new();
    site.article("good", "Good one", "2024-01-01");
    site.write("content/broken.md", "---\ntitle: x\n");
    site.herald(&["build", "--skip-invalid"])
        .expect_code(0)
        .expect_stderr("content/broken.md:1:")
        .expect_stderr("(skipped)");
    assert!(site.read("public/rss.xml").contains("Good one"));
}

#[test]
fn bad_config_exits_2_naming_the_file_and_line() {
    let cases = [
        (
            CONFIG.replace("https://example.com/blog/", "/blog/"),
            "site.url \"/blog/\" is not an absolute URL",
        ),
        (
            format!("{CONFIG}  timezone: Moon/Base\n"),
            "not an IANA time zone",
        ),
        (
            format!("{CONFIG}feeds:\n  limt: 5\n"),
            "herald.yaml:7: feeds: unknown field `limt`, expected ",
        ),
        ("site: [".to_string(), "herald.yaml:1:"),
        (
            CONFIG.replace("  title: Test Site\n", ""),
            "missing field `title`",
        ),
    ];
    for (config, message) in cases {
        let site = Site::with_config(&config);
        site.article("good", "Good", "2024-01-01");
        for command in ["check", "build"] {
            site.herald(&[command])
                .expect_code(2)
                .expect_stderr(message);
        }
        assert!(
            !site.path("public").exists(),
            "nothing is written on a config error"
        );
    }
}

#[test]
fn missing_config_file_exits_2_naming_it() {
    let site = Site::new();
    std::fs::remove_file(site.path("herald.yaml")).unwrap();
    site.herald(&["build"])
        .expect_code(2)
        .expect_stderr("herald.yaml");
}

#[test]
fn usage_errors_exit_2() {
    let site = Site::new();
    site.herald(&["frobnicate"]).expect_code(2);
    site.herald(&["build", "--now", "yesterday"])
        .expect_code(2)
        .expect_stderr("2024-03-15T09:30:00Z");
}

#[test]
fn drafts_and_scheduled_articles_stay_out_until_their_time() {
    let site = Site::new();
    site.article("past", "Past", "2025-06-01");
    site.article("later", "Later", "2026-06-01");
    site.write(
        "content/draft.md",
        "---\ntitle: Draft\npublish_date: 2025-01-01\ndraft: true\n---\n",
    );
    site.herald(&["build"])
        .expect_code(0)
        .expect_stdout("1 item(s) per feed from 3 article(s) (1 draft, 1 scheduled)");
    let rss = site.read("public/rss.xml");
    assert!(rss.contains("Past") && !rss.contains("Later") && !rss.contains("Draft"));
    let run = crate::support::Run::of({
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_herald"));
        c.arg("--config").arg(site.path("herald.yaml")).args([
            "--now",
            "2026-06-01T00:00:00Z",
            "build",
        ]);
        c
    });
    run.expect_code(0);
    assert!(site.read("public/rss.xml").contains("Later"));
}

#[test]
fn rebuild_with_nothing_changed_rewrites_nothing() {
    let site = Site::new();
    site.article("a", "A", "2024-01-01");
    site.herald(&["build"])
        .expect_code(0)
        .expect_stdout("wrote");
    let before: Vec<_> = FEEDS.iter().map(|f| site.identity(f)).collect();
    site.herald(&["build"])
        .expect_code(0)
        .expect_stdout("unchanged 7 files");
    let run = site.herald(&["build"]);
    assert!(!run.stdout().contains("wrote"), "{}", run.describe());
    let after: Vec<_> = FEEDS.iter().map(|f| site.identity(f)).collect();
    assert_eq!(before, after, "same inode and mtime for every feed");
}

const FEEDS: [&str; 3] = ["public/rss.xml", "public/atom.xml", "public/feed.json"];

#[test]
fn duplicate_slugs_are_errors_in_both_files() {
    let site = Site::new();
    site.article("one", "One", "2024-01-01");
    site.write(
        "content/two.md",
        "---\ntitle: Two\npublish_date: 2024-01-02\nslug: one\n---\n",
    );
    site.herald(&["check"])
        .expect_code(1)
        .expect_stderr("content/one.md: slug \"one\" is also used by")
        .expect_stderr("content/two.md: slug \"one\" is also used by");
}
