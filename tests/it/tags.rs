//! Per-tag feeds (`feeds.per_tag`) through `herald build`: slugs, one tag for every
//! spelling, collisions and traversal attempts, determinism, stale folders.

use crate::support::Site;

const CONFIG: &str = "\
site:
  title: Test Site
  url: https://example.com/blog/
  description: A site for tests
  author: Site Author
feeds:
  limit: 2
  archives: true
  archive_page_size: 2
  per_tag: true
  tag_archives: true
";

/// Writes `content/{name}.md` with `tags` (a YAML flow list) on `date`.
fn tagged(site: &Site, name: &str, date: &str, tags: &str) {
    site.write(
        &format!("content/{name}.md"),
        format!("---\ntitle: {name}\npublish_date: {date}\ntags: {tags}\n---\n\nBody of {name}.\n"),
    );
}

fn parse(site: &Site, file: &str) -> feed_rs::model::Feed {
    let xml = site.read(file);
    feed_rs::parser::parse(xml.as_bytes()).unwrap_or_else(|e| panic!("{file}: {e}\n{xml}"))
}

fn titles(feed: &feed_rs::model::Feed) -> Vec<String> {
    feed.entries
        .iter()
        .map(|e| e.title.as_ref().expect("title").content.clone())
        .collect()
}

fn self_link(feed: &feed_rs::model::Feed) -> String {
    feed.links
        .iter()
        .find(|l| l.rel.as_deref() == Some("self"))
        .expect("a self link")
        .href
        .clone()
}

/// A site using every kind of tag name.
fn varied() -> Site {
    let site = Site::with_config(CONFIG);
    tagged(&site, "a", "2025-01-01", "['C++', rust]");
    tagged(&site, "b", "2025-01-02", "['C#', Rust]");
    tagged(&site, "c", "2025-01-03", "[Café, Rust, RUST]");
    tagged(&site, "d", "2025-01-04", "[数据, Rust]");
    tagged(&site, "e", "2025-01-05", "[rust]");
    site.write(
        "content/draft.md",
        "---\ntitle: draft\npublish_date: 2025-01-01\ndraft: true\ntags: [secret]\n---\nx\n",
    );
    site
}

#[test]
fn each_tag_gets_its_own_folder_and_titled_feeds() {
    let site = varied();
    site.herald(&["build"]).expect_code(0);
    let cases = [
        ("c-plus-plus", "C++", vec!["a"]),
        ("c-sharp", "C#", vec!["b"]),
        ("cafe", "Café", vec!["c"]),
        ("u-6570-636e", "数据", vec!["d"]),
    ];
    for (slug, name, items) in cases {
        let base = format!("https://example.com/blog/tags/{slug}/");
        let rss = parse(&site, &format!("public/tags/{slug}/rss.xml"));
        let atom = parse(&site, &format!("public/tags/{slug}/atom.xml"));
        for feed in [&rss, &atom] {
            let title = &feed.title.as_ref().expect("title").content;
            assert_eq!(title, &format!("Test Site: {name}"), "{slug}");
            assert_eq!(titles(feed), items, "{slug}");
        }
        assert_eq!(self_link(&rss), format!("{base}rss.xml"));
        assert_eq!(self_link(&atom), format!("{base}atom.xml"));
        assert_eq!(
            atom.id,
            format!("{base}atom.xml"),
            "a tag feed has its own id"
        );
        let json: serde_json::Value =
            serde_json::from_str(&site.read(&format!("public/tags/{slug}/feed.json")))
                .expect("feed.json parses");
        assert_eq!(json["title"], format!("Test Site: {name}").as_str());
        assert_eq!(json["feed_url"], format!("{base}feed.json").as_str());
    }
    // Rust, rust and RUST are one tag, titled with the most used spelling (Rust: 3
    // articles, rust: 2). Limit 2, pages of 2: e d current; page 2 holds c, page 1 b a.
    let rust = parse(&site, "public/tags/rust/atom.xml");
    assert_eq!(rust.title.as_ref().unwrap().content, "Test Site: Rust");
    assert_eq!(titles(&rust), ["e", "d"]);
    assert_eq!(
        titles(&parse(&site, "public/tags/rust/archive/rss-2.xml")),
        ["c"]
    );
    assert_eq!(
        titles(&parse(&site, "public/tags/rust/archive/rss-1.xml")),
        ["b", "a"]
    );
    let mut folders: Vec<String> = std::fs::read_dir(site.path("public/tags"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    assert_eq!(
        folders,
        ["c-plus-plus", "c-sharp", "cafe", "rust", "u-6570-636e"],
        "a draft's tag gets no feed"
    );
}

#[test]
fn two_builds_of_the_same_content_are_byte_identical() {
    let (one, two) = (varied(), varied());
    one.herald(&["build"]).expect_code(0);
    two.herald(&["build"]).expect_code(0);
    let files = [
        "public/rss.xml",
        "public/archive/feed-1.json",
        "public/tags/rust/atom.xml",
        "public/tags/rust/archive/rss-1.xml",
        "public/tags/rust/archive/feed-2.json",
        "public/tags/u-6570-636e/feed.json",
        "public/tags/cafe/rss.xml",
    ];
    for file in files {
        assert_eq!(one.read(file), two.read(file), "{file}");
    }
    let before = one.identity("public/tags/rust/archive/atom-1.xml");
    one.herald(&["build"]).expect_code(0);
    assert_eq!(one.identity("public/tags/rust/archive/atom-1.xml"), before);
}

#[test]
fn tags_sharing_a_slug_stop_the_build_naming_both_files() {
    let site = Site::with_config(CONFIG);
    tagged(&site, "new", "2025-01-02", "[Café]");
    tagged(&site, "old", "2025-01-01", "[ok, Cafe]");
    let run = site.herald(&["build"]);
    run.expect_code(1).expect_stderr("tags/cafe/");
    let stderr = run.stderr();
    assert!(
        stderr.contains("content/new.md:4") && stderr.contains("content/old.md"),
        "{stderr}"
    );
    assert!(!site.path("public/rss.xml").exists(), "nothing is written");

    // `herald check` finds it too.
    site.herald(&["check"])
        .expect_code(1)
        .expect_stderr("content/new.md:4: tag \"Café\" and tag \"Cafe\" (content/old.md)");

    // --skip-invalid builds everything else, without the two tags' feeds.
    site.herald(&["build", "--skip-invalid"]).expect_code(0);
    assert!(site.path("public/tags/ok/rss.xml").exists());
    assert!(!site.path("public/tags/cafe").exists());
}

#[test]
fn a_tag_cannot_name_a_path_outside_its_folder() {
    let site = Site::with_config(CONFIG);
    tagged(
        &site,
        "a",
        "2025-01-01",
        "['../x', 'a/../../b', '../../../etc/passwd']",
    );
    site.herald(&["build"]).expect_code(0);
    for slug in ["x", "a-b", "etc-passwd"] {
        assert!(
            site.path(&format!("public/tags/{slug}/rss.xml")).exists(),
            "{slug}"
        );
    }
    assert!(!site.path("x").exists() && !site.path("public/x").exists());
    assert!(!site.path("b").exists() && !site.path("etc").exists());

    // (A blank tag never gets this far: the front matter reader drops it.)
    for tag in ["/", ".", "..", "-_-"] {
        let site = Site::with_config(CONFIG);
        tagged(&site, "bad", "2025-01-01", &format!("[ok, '{tag}']"));
        site.herald(&["build"])
            .expect_code(1)
            .expect_stderr("content/bad.md:4")
            .expect_stderr("no letter or digit");
        assert!(!site.path("public").join("rss.xml").exists(), "{tag}");
    }
}

#[test]
fn a_tag_no_longer_used_loses_its_feed_and_nothing_else() {
    let site = Site::with_config(CONFIG);
    tagged(&site, "a", "2025-01-01", "[rust, go]");
    site.write("public/tags/go/index.html", "the site generator's page");
    site.herald(&["build"]).expect_code(0);
    assert!(site.path("public/tags/go/atom.xml").exists());
    tagged(&site, "a", "2025-01-01", "[rust]");
    site.herald(&["build"]).expect_code(0).expect_stdout(
        "removed public/tags/go/atom.html, public/tags/go/atom.xml, public/tags/go/feed.html, \
         public/tags/go/feed.json, public/tags/go/rss.html, public/tags/go/rss.xml",
    );
    assert!(!site.path("public/tags/go/rss.xml").exists());
    assert_eq!(
        site.read("public/tags/go/index.html"),
        "the site generator's page"
    );

    // per_tag off: every tag feed goes, empty folders with them.
    site.write(
        "herald.yaml",
        CONFIG.replace("per_tag: true", "per_tag: false"),
    );
    site.herald(&["build"]).expect_code(0);
    assert!(!site.path("public/tags/rust").exists());
    assert!(site.path("public/tags/go/index.html").exists());
}

/// Tag feeds keep their current documents only unless `feeds.tag_archives` is on: every
/// article is still in the site's archive, and turning the setting off removes the
/// tags' old pages.
#[test]
fn tag_feeds_have_archive_pages_only_with_tag_archives() {
    let site = varied();
    site.herald(&["build"]).expect_code(0);
    assert!(site.path("public/tags/rust/archive/rss-1.xml").exists());
    site.write("herald.yaml", CONFIG.replace("  tag_archives: true\n", ""));
    site.herald(&["build"])
        .expect_code(0)
        .expect_stdout("; removed ");
    assert!(!site.path("public/tags/rust/archive").exists());
    assert_eq!(
        titles(&parse(&site, "public/tags/rust/atom.xml")),
        ["e", "d"]
    );
    assert!(
        site.path("public/archive/rss-1.xml").exists(),
        "the site keeps its pages"
    );
    let run = site.herald(&["build", "-v"]);
    run.expect_code(0);
    let bytes = run
        .stdout()
        .lines()
        .find(|l| l.starts_with("bytes: "))
        .unwrap_or_else(|| panic!("no bytes line\n{}", run.describe()))
        .to_string();
    let numbers: Vec<u64> = bytes
        .split(|c: char| !c.is_ascii_digit())
        .filter(|w| !w.is_empty())
        .map(|w| w.parse().unwrap())
        .collect();
    let size = |file: &str| std::fs::metadata(site.path(file)).unwrap().len();
    let current = size("public/rss.xml") + size("public/atom.xml") + size("public/feed.json");
    assert_eq!(numbers[0], current, "{bytes}");
    assert!(
        numbers[1] > 0 && numbers[2] > 0 && numbers[3] > 0,
        "{bytes}"
    );
    assert_eq!(numbers[4], numbers[..4].iter().sum::<u64>(), "{bytes}");
}
