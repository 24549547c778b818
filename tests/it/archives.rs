//! RFC 5005 archives through `herald build`: the chain of pages read back with feed-rs
//! (RSS, Atom) and serde_json (JSON Feed), walked end to end, and which files a rebuild
//! touches.

use std::collections::BTreeSet;

use crate::support::Site;

/// Three items in the current feed, archive pages of four.
const CONFIG: &str = "\
site:
  title: Test Site
  url: https://example.com/blog/
  description: A site for tests
  author: Site Author
feeds:
  limit: 3
  archives: true
  archive_page_size: 4
";

const BASE: &str = "https://example.com/blog/";

/// A site with `count` published articles `post-00` … (one a day from 2025-01-01), a
/// draft and a scheduled article.
fn site(count: usize) -> Site {
    let site = Site::with_config(CONFIG);
    for n in 0..count {
        add(&site, n);
    }
    site.write(
        "content/draft.md",
        "---\ntitle: Draft\npublish_date: 2025-01-01\ndraft: true\n---\nx\n",
    );
    site.write(
        "content/later.md",
        "---\ntitle: Later\npublish_date: 2030-01-01\n---\nx\n",
    );
    site
}

/// Adds `post-NN`, published `n` days after 2025-01-01.
fn add(site: &Site, n: usize) {
    let date = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + chrono::Days::new(n as u64);
    site.article(
        &format!("post-{n:02}"),
        &format!("Post {n}"),
        &date.to_string(),
    );
}

fn url_of(n: usize) -> String {
    format!("{BASE}articles/post-{n:02}/")
}

fn every_article(count: usize) -> Vec<String> {
    (0..count).rev().map(url_of).collect()
}

/// The file of `public/` a feed URL names.
fn file_of(url: &str) -> String {
    let relative = url
        .strip_prefix(BASE)
        .unwrap_or_else(|| panic!("{url} is not under {BASE}"));
    format!("public/{relative}")
}

fn parse(site: &Site, file: &str) -> feed_rs::model::Feed {
    let xml = site.read(file);
    feed_rs::parser::parse(xml.as_bytes()).unwrap_or_else(|e| panic!("{file}: {e}\n{xml}"))
}

fn link(feed: &feed_rs::model::Feed, rel: &str) -> Option<String> {
    let mut found = feed
        .links
        .iter()
        .filter(|l| l.rel.as_deref() == Some(rel))
        .map(|l| l.href.clone());
    let first = found.next();
    assert!(found.next().is_none(), "two {rel} links");
    first
}

/// The article URLs of a feed document, in order.
fn items(feed: &feed_rs::model::Feed) -> Vec<String> {
    feed.entries
        .iter()
        .map(|e| e.links[0].href.clone())
        .collect()
}

/// Follows `prev-archive` from the current document `file`, checking each page's other
/// links on the way; returns the article URLs met, in order, and the pages visited.
fn walk_xml(site: &Site, file: &str) -> (Vec<String>, Vec<String>) {
    let current_url = format!("{BASE}{file}");
    let current = parse(site, &format!("public/{file}"));
    assert_eq!(
        link(&current, "self").as_deref(),
        Some(current_url.as_str())
    );
    assert_eq!(link(&current, "current"), None);
    assert_eq!(link(&current, "next-archive"), None);
    let mut urls = items(&current);
    let mut pages = Vec::new();
    let mut newer = current_url.clone();
    let mut next = link(&current, "prev-archive");
    while let Some(page_url) = next {
        let page = parse(site, &file_of(&page_url));
        assert_eq!(link(&page, "self").as_deref(), Some(page_url.as_str()));
        assert_eq!(
            link(&page, "current").as_deref(),
            Some(current_url.as_str())
        );
        let expected_next = (newer != current_url).then(|| newer.clone());
        assert_eq!(link(&page, "next-archive"), expected_next, "{page_url}");
        let text = site.read(&file_of(&page_url));
        assert!(
            text.contains("xmlns:fh=\"http://purl.org/syndication/history/1.0\"")
                && text.contains("<fh:archive>"),
            "{page_url} is not marked as an archive:\n{text}"
        );
        urls.extend(items(&page));
        pages.push(page_url.clone());
        newer = page_url;
        next = link(&page, "prev-archive");
    }
    (urls, pages)
}

/// Follows `next_url` from `feed.json`; returns the article URLs met, in order.
fn walk_json(site: &Site) -> Vec<String> {
    let main_url = format!("{BASE}feed.json");
    let mut urls = Vec::new();
    let mut file = "public/feed.json".to_string();
    loop {
        let text = site.read(&file);
        let json: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
        assert_eq!(json["feed_url"], main_url.as_str(), "{file}");
        for item in json["items"].as_array().expect("items") {
            urls.push(item["url"].as_str().expect("url").to_string());
        }
        match json["next_url"].as_str() {
            Some(next) => file = file_of(next),
            None => return urls,
        }
    }
}

/// Every file under `public/` of `root`, relative to `root`, sorted.
fn published_files(root: &std::path::Path) -> Vec<String> {
    let mut files = Vec::new();
    let mut stack = vec![root.join("public")];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).expect("read public") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    files.sort();
    files
}

/// Every file under `public/`, with its identity.
fn identities(site: &Site) -> Vec<(String, (u64, std::time::SystemTime))> {
    published_files(site.root())
        .into_iter()
        .map(|relative| {
            let identity = site.identity(&relative);
            (relative, identity)
        })
        .collect()
}

/// The files whose identity differs between two listings, and those only in one.
fn changed(
    before: &[(String, (u64, std::time::SystemTime))],
    after: &[(String, (u64, std::time::SystemTime))],
) -> BTreeSet<String> {
    let before: std::collections::BTreeMap<_, _> = before.iter().cloned().collect();
    let after: std::collections::BTreeMap<_, _> = after.iter().cloned().collect();
    let names: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    names
        .into_iter()
        .filter(|name| before.get(*name) != after.get(*name))
        .cloned()
        .collect()
}

fn set(files: &[&str]) -> BTreeSet<String> {
    files.iter().map(|f| format!("public/{f}")).collect()
}

#[test]
fn walking_the_archives_meets_every_published_article_once() {
    // 3 current + pages of 4, 4 and 3.
    let site = site(14);
    site.herald(&["build"]).expect_code(0);
    for file in ["rss.xml", "atom.xml"] {
        let (urls, pages) = walk_xml(&site, file);
        assert_eq!(urls, every_article(14), "walking from {file}");
        let stem = file.trim_end_matches(".xml");
        let expected: Vec<String> = (1..=3)
            .rev()
            .map(|n| format!("{BASE}archive/{stem}-{n}.xml"))
            .collect();
        assert_eq!(pages, expected);
        assert!(!site.read(&format!("public/{file}")).contains("fh:archive"));
    }
    assert_eq!(walk_json(&site), every_article(14));
    // Page 1 holds the four oldest articles.
    let oldest = parse(&site, "public/archive/atom-1.xml");
    assert_eq!(items(&oldest), [url_of(3), url_of(2), url_of(1), url_of(0)]);
    // Following next-archive from the oldest page reaches the newest.
    let mut page = "public/archive/rss-1.xml".to_string();
    let mut visited = 1;
    while let Some(next) = link(&parse(&site, &page), "next-archive") {
        page = file_of(&next);
        visited += 1;
    }
    assert_eq!((page.as_str(), visited), ("public/archive/rss-3.xml", 3));
}

#[test]
fn a_new_article_rewrites_only_the_current_feeds_and_the_newest_page() {
    // Pages of 4, 4 and 3: the newest page has room for one more.
    let site = site(14);
    site.herald(&["build"]).expect_code(0);
    let first = identities(&site);
    site.herald(&["build"])
        .expect_code(0)
        .expect_stdout("unchanged 25 files");
    assert!(
        changed(&first, &identities(&site)).is_empty(),
        "a rebuild rewrote files"
    );

    add(&site, 14);
    site.herald(&["build"]).expect_code(0);
    let second = identities(&site);
    // Each document's HTML page (rss.html …) changes with it.
    let current = [
        "rss.xml",
        "atom.xml",
        "feed.json",
        "rss.html",
        "atom.html",
        "feed.html",
    ];
    let newest = [
        "archive/rss-3.xml",
        "archive/atom-3.xml",
        "archive/feed-3.json",
        "archive/rss-3.html",
        "archive/atom-3.html",
        "archive/feed-3.html",
    ];
    assert_eq!(
        changed(&first, &second),
        set(&[current.as_slice(), newest.as_slice()].concat())
    );
    assert_eq!(walk_json(&site), every_article(15));

    // Page 3 is full now: the next article starts page 4, and page 3 gains its
    // next-archive link in RSS and Atom (its items stay; JSON Feed has no forward link,
    // so feed-3.json stays as it is); pages 1 and 2 are not touched.
    add(&site, 15);
    site.herald(&["build"]).expect_code(0);
    // Every format's page 3 HTML page gains its "Newer articles" link.
    let linked = [
        "archive/rss-3.xml",
        "archive/atom-3.xml",
        "archive/rss-3.html",
        "archive/atom-3.html",
        "archive/feed-3.html",
    ];
    let fourth = [
        "archive/rss-4.xml",
        "archive/atom-4.xml",
        "archive/feed-4.json",
        "archive/rss-4.html",
        "archive/atom-4.html",
        "archive/feed-4.html",
    ];
    assert_eq!(
        changed(&second, &identities(&site)),
        set(&[current.as_slice(), linked.as_slice(), fourth.as_slice()].concat())
    );
    assert_eq!(walk_xml(&site, "rss.xml").0, every_article(16));
    assert_eq!(walk_json(&site), every_article(16));
}

#[test]
fn pages_no_longer_needed_are_removed_and_other_files_kept() {
    let site = site(14);
    site.write("public/archive/notes.txt", "mine");
    site.herald(&["build"]).expect_code(0);
    assert!(site.path("public/archive/rss-3.xml").exists());
    // Five articles fewer: pages of 4 and 2.
    for n in 0..5 {
        std::fs::remove_file(site.path(&format!("content/post-{n:02}.md"))).unwrap();
    }
    site.herald(&["build"]).expect_code(0).expect_stdout(
        "removed public/archive/atom-3.html, public/archive/atom-3.xml, public/archive/feed-3.html, \
         public/archive/feed-3.json, public/archive/rss-3.html, public/archive/rss-3.xml",
    );
    assert!(!site.path("public/archive/rss-3.xml").exists());
    let remaining: Vec<String> = (5..14).rev().map(url_of).collect();
    assert_eq!(walk_xml(&site, "atom.xml").0, remaining);
    assert_eq!(walk_json(&site), remaining);

    // Archives off: no page is linked or left, the user's file stays.
    let config = CONFIG.replace("archives: true", "archives: false");
    site.write("herald.yaml", config);
    site.herald(&["build"]).expect_code(0);
    assert!(!site.path("public/archive/rss-1.xml").exists());
    assert_eq!(site.read("public/archive/notes.txt"), "mine");
    let (urls, pages) = walk_xml(&site, "rss.xml");
    assert_eq!((urls.len(), pages.len()), (3, 0));
}

#[test]
fn archives_are_on_by_default_and_off_on_request() {
    let site = site(6);
    site.write("herald.yaml", CONFIG.replace("  archives: true\n", ""));
    site.herald(&["build"]).expect_code(0);
    assert_eq!(walk_xml(&site, "atom.xml").0, every_article(6));
    assert!(site.path("public/archive/atom-1.xml").exists());
    site.write(
        "herald.yaml",
        CONFIG.replace("archives: true", "archives: false"),
    );
    site.herald(&["build"]).expect_code(0);
    assert!(!site.path("public/archive").exists(), "pages removed");
}

#[test]
fn without_a_limit_there_are_no_archive_pages() {
    let site = site(6);
    site.write("herald.yaml", CONFIG.replace("limit: 3", "limit: 0"));
    site.herald(&["build"]).expect_code(0);
    assert!(!site.path("public/archive").exists());
    let (urls, pages) = walk_xml(&site, "rss.xml");
    assert_eq!((urls, pages.len()), (every_article(6), 0));
    assert!(!site.read("public/feed.json").contains("next_url"));
}

#[test]
fn a_zero_page_size_is_refused_with_its_line() {
    let site = site(1);
    site.write(
        "herald.yaml",
        CONFIG.replace("archive_page_size: 4", "archive_page_size: 0"),
    );
    site.herald(&["build"])
        .expect_code(2)
        .expect_stderr("herald.yaml:9");
    assert!(!site.path("public/rss.xml").exists());
}

/// Every document of a site with archives and tag feeds passes the W3C feedvalidator
/// (when installed) and is read back by feed-rs.
#[test]
fn every_archive_page_and_tag_feed_is_valid() {
    let site = Site::with_config(&format!("{CONFIG}  per_tag: true\n  tag_archives: true\n"));
    for n in 0..9 {
        let date = format!("2025-01-{:02}", n + 1);
        let tags = ["['C++', Rust]", "[数据, rust]", "[Café & co, Rust]"][n % 3];
        site.write(
            &format!("content/post-{n}.md"),
            format!(
                "---\ntitle: 'Post {n} & <more>'\npublish_date: {date}\ndescription: About {n}\n\
                 tags: {tags}\n---\n\nBody of [post {n}](../post-0/).\n"
            ),
        );
    }
    site.herald(&["build"]).expect_code(0);
    let folders = [
        "",
        "archive/",
        "tags/rust/",
        "tags/rust/archive/",
        "tags/c-plus-plus/",
        "tags/u-6570-636e/",
        "tags/cafe-and-co/",
    ];
    let mut checked = 0;
    for folder in folders {
        let dir = site.path(&format!("public/{folder}"));
        let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{folder}: {e}"))
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file() && p.extension().is_none_or(|e| e != "xsl" && e != "html"))
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{folder} is empty");
        for file in &files {
            assert_stylesheet_is_found(file);
            let feed = crate::support::validate::read_back(file);
            assert!(!feed.entries.is_empty(), "{}", file.display());
        }
        let paths: Vec<&std::path::Path> = files.iter().map(|p| p.as_path()).collect();
        if let Some(report) =
            crate::support::validate::no_errors(&paths, &format!("{BASE}{folder}"))
        {
            for warning in &report.warnings {
                eprintln!("{warning}");
            }
        }
        checked += files.len();
    }
    assert_eq!(checked, 27);
}

/// An XML document's `<?xml-stylesheet href?>`, relative to the document, names the
/// one `feed.xsl` at the root of `public/`, from archive pages and tag feeds too.
fn assert_stylesheet_is_found(file: &std::path::Path) {
    if file.extension().is_some_and(|e| e == "json") {
        return;
    }
    let text = std::fs::read_to_string(file).expect("read feed");
    let href = text
        .split_once("<?xml-stylesheet type=\"text/xsl\" href=\"")
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(href, _)| href)
        .unwrap_or_else(|| panic!("{} links no stylesheet", file.display()));
    let target = file.parent().expect("folder").join(href);
    let public = file
        .ancestors()
        .find(|a| a.ends_with("public"))
        .expect("under public/");
    assert_eq!(
        std::fs::canonicalize(&target).ok(),
        std::fs::canonicalize(public.join("feed.xsl")).ok(),
        "{}: stylesheet {href} is not public/feed.xsl",
        file.display()
    );
}

// ------------------------------------------------- documents left unrendered when unchanged

/// Every file under `public/` of `root`, with its bytes.
fn outputs(root: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    published_files(root)
        .into_iter()
        .map(|relative| {
            let bytes = std::fs::read(root.join(&relative)).expect("read output");
            (relative, bytes)
        })
        .collect()
}

/// Builds a copy of `site` (config, articles, ids file) from nothing and asserts that
/// `site`'s own output, built on top of earlier builds, holds exactly the same files
/// and bytes: a page left unrendered must be the page a full render writes.
fn assert_same_as_a_fresh_build(site: &Site, step: &str) {
    let fresh = Site::with_config(&site.read("herald.yaml"));
    for entry in std::fs::read_dir(site.path("content")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        fresh.write(&format!("content/{name}"), std::fs::read(&path).unwrap());
    }
    fresh.write("herald-ids.yaml", site.read("herald-ids.yaml"));
    fresh.herald(&["build"]).expect_code(0);
    let (built, expected) = (outputs(site.root()), outputs(fresh.root()));
    let names = |files: &std::collections::BTreeMap<String, Vec<u8>>| {
        files.keys().cloned().collect::<Vec<_>>()
    };
    assert_eq!(names(&built), names(&expected), "{step}: the files differ");
    for (name, bytes) in &expected {
        assert!(
            built[name] == *bytes,
            "{step}: {name} differs from a fresh build's\n--- built ---\n{}\n--- fresh ---\n{}",
            String::from_utf8_lossy(&built[name]),
            String::from_utf8_lossy(bytes)
        );
    }
}

/// How many documents a `build -v` left unrendered.
fn skipped(run: &crate::support::Run) -> usize {
    let out = run.stdout();
    out.lines()
        .find_map(|line| line.strip_prefix("left "))
        .and_then(|rest| rest.split(' ').next())
        .map_or(0, |n| n.parse().unwrap())
}

/// Rewrites `relative` with `from` replaced by `to` (same length), keeping its inode
/// and modification time: a change the recorded size, time and inode cannot see.
fn tamper(site: &Site, relative: &str, from: &str, to: &str) {
    assert_eq!(from.len(), to.len());
    let path = site.path(relative);
    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
    let text = site.read(relative);
    assert!(text.contains(from), "{relative} has no {from:?}");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .truncate(false)
        .open(&path)
        .unwrap();
    std::io::Write::write_all(&mut file, text.replace(from, to).as_bytes()).unwrap();
    file.set_modified(modified).unwrap();
}

#[test]
fn documents_are_left_unrendered_only_while_nothing_in_them_changed() {
    let site = Site::with_config(&format!("{CONFIG}  per_tag: true\n  tag_archives: true\n"));
    let tagged = |n: usize, tags: &str, body: &str| {
        let date =
            chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + chrono::Days::new(n as u64);
        site.write(
            &format!("content/post-{n:02}.md"),
            format!(
                "---\ntitle: 'Post {n}'\npublish_date: {date}\ntags: [{tags}]\n---\n\n{body}\n"
            ),
        );
    };
    for n in 0..20 {
        tagged(
            n,
            ["Rust", "Rust, web", "web"][n % 3],
            &format!("Body {n}."),
        );
    }
    // Site: 3 current, pages of 4: 4 full pages and one of 1. Tag rust (14 articles):
    // 3 current, 2 full pages and one of 3. Tag web (13): 3 current, 2 full and one of 2.
    let build = || site.herald(&["build", "-v"]).expect_code(0).stdout();
    // Builds on top of the earlier builds, then compares with a fresh build.
    let rebuilt = |step: &str| {
        build();
        assert_same_as_a_fresh_build(&site, step);
    };
    rebuilt("first build");
    // Three feeds: 3 current documents and 5 + 3 + 3 pages.
    let documents = 3 + 5 + 3 + 3;

    // Nothing changed: every document but the one rendered to check the record (the
    // site's current feed).
    let run = site.herald(&["build", "-v"]);
    assert_eq!(
        skipped(run.expect_code(0)),
        documents - 1,
        "{}",
        run.stdout()
    );
    assert_same_as_a_fresh_build(&site, "rebuild");

    // A tag's spelling changes by majority ("rust" wins) in articles outside the rust
    // tag's page 1: that page's files are the same, its title is not.
    for n in [6, 9, 12, 15, 18] {
        tagged(n, "rust", &format!("Body {n}."));
    }
    for n in [7, 10, 13, 16, 19] {
        tagged(n, "rust, web", &format!("Body {n}."));
    }
    rebuilt("a tag renamed by majority");

    // A new article: only the newest pages move.
    tagged(20, "Rust", "Body 20.");
    rebuilt("a new article");

    // An archived article edited: its pages (site page 2, its tags' page 2) follow.
    tagged(7, "Rust, web", "Body 7, edited.");
    rebuilt("an archived article edited");

    // Its tags changed: the tags' pages shift, the site's page 2 changes.
    tagged(7, "web", "Body 7, edited.");
    rebuilt("an archived article's tags changed");

    // An archived article's recorded id changed in the ids file, its file untouched.
    let ids = site.read("herald-ids.yaml");
    let old_id = format!("\"{BASE}articles/post-06/\"");
    assert!(ids.contains(&old_id), "{ids}");
    site.write(
        "herald-ids.yaml",
        ids.replace(&old_id, "\"tag:example.com,2025:six\""),
    );
    build();
    assert!(
        site.read("public/archive/rss-2.xml")
            .contains("tag:example.com,2025:six")
    );
    assert_same_as_a_fresh_build(&site, "an archived article's id changed");

    // An archived article moved to another file: same bytes and id, another URL.
    std::fs::rename(
        site.path("content/post-05.md"),
        site.path("content/post-05-moved.md"),
    )
    .unwrap();
    rebuilt("an archived article moved");

    // The newest page fills, then the next article starts a page after it: the full
    // page gains its next-archive link.
    tagged(21, "web", "Body 21.");
    tagged(22, "web", "Body 22.");
    rebuilt("the newest page filled");
    tagged(23, "web", "Body 23.");
    rebuilt("a page after a full one");

    // An archived article deleted: every later page shifts by one.
    std::fs::remove_file(site.path("content/post-02.md")).unwrap();
    rebuilt("an archived article deleted");

    // The settings change: every page says so.
    site.write(
        "herald.yaml",
        site.read("herald.yaml")
            .replace("title: Test Site", "title: Test Blog"),
    );
    rebuilt("the site's title changed");

    // A page file removed from the output, and the record damaged.
    std::fs::remove_file(site.path("public/archive/atom-2.xml")).unwrap();
    rebuilt("a page removed");
    let record = std::fs::read_dir(site.path(".herald"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("feed-documents-")
        })
        .expect("the record of rendered documents");
    std::fs::write(&record, "herald feed documents 1\nnot a line\n").unwrap();
    let run = site.herald(&["build", "-v"]);
    assert_eq!(
        skipped(run.expect_code(0)),
        0,
        "a damaged record skips nothing"
    );
    assert_same_as_a_fresh_build(&site, "a damaged record");

    // Two documents edited behind herald's back, size, time and inode kept (as when a
    // newer herald renders differently): the document rendered to check the record
    // differs, so the record is not trusted and every document is rendered again.
    build();
    tamper(&site, "public/rss.xml", "Test Blog", "Test Blob");
    tamper(
        &site,
        "public/tags/web/archive/atom-1.xml",
        "Test Blog",
        "Test Blob",
    );
    let run = site.herald(&["build", "-v"]);
    assert_eq!(skipped(run.expect_code(0)), 0, "{}", run.stdout());
    assert_same_as_a_fresh_build(&site, "pages edited behind herald's back");
    let run = site.herald(&["build", "-v"]);
    assert!(skipped(run.expect_code(0)) > 0, "{}", run.stdout());
}

#[test]
fn a_new_article_renders_one_unchanged_page_to_check_the_record_not_a_batch() {
    let site = Site::with_config(CONFIG);
    let article = |n: u64| {
        let date = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + chrono::Days::new(n);
        site.write(
            &format!("content/post-{n:02}.md"),
            format!("---\ntitle: 'Post {n}'\npublish_date: {date}\n---\n\nBody {n}.\n"),
        );
    };
    // 23 articles: 3 current, 5 full pages of 4.
    for n in 0..23 {
        article(n);
    }
    site.herald(&["build"]).expect_code(0);
    // The 24th: the current document changes, page 5 gains a next-archive link, page 6
    // starts. Pages 1 to 4 are as they were: the first is rendered to check the record
    // (the current document, which changed, could not check it), the others are not.
    article(23);
    let run = site.herald(&["build", "-v"]);
    assert_eq!(skipped(run.expect_code(0)), 3, "{}", run.stdout());
    assert_same_as_a_fresh_build(&site, "a new article");
}
