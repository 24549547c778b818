//! One test per bug found, named after what broke.

use crate::newsletter::{config_with, full_article, herald, subscribe, summary};
use crate::smtp_server::{Behaviour, SmtpServer};
use crate::support::Site;

/// Found by validating random sites with the W3C validator: an explicit `id:` holding
/// whitespace or an unknown scheme was copied into `atom:id`, which must be a clean IRI.
#[test]
fn atom_id_from_a_messy_explicit_id_is_a_clean_tag_uri() {
    let site = Site::new();
    site.write(
        "content/a.md",
        "---\ntitle: A\npublish_date: 2024-01-01\nid: \"javascript:x]]>\\\\T\\tline\"\n---\n",
    );
    site.write(
        "content/b.md",
        "---\ntitle: B\npublish_date: 2024-01-02\nid: urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66\n---\n",
    );
    site.herald(&["build"]).expect_code(0);
    let atom = site.read("public/atom.xml");
    let feed = feed_rs::parser::parse(atom.as_bytes()).unwrap();
    let ids: Vec<&str> = feed.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids[0], "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66");
    assert!(ids[1].starts_with("tag:example.com,2024-01-01:"), "{ids:?}");
    assert!(!ids[1].contains(char::is_whitespace), "{ids:?}");
    // RSS and JSON keep the author's id as written.
    assert!(
        site.read("public/feed.json")
            .contains(r#""id": "javascript:x]]>\\T\tline""#)
    );
}

/// Found the same way: CommonMark turns NUL into U+FFFD, which validators flag.
#[test]
fn control_characters_in_a_body_are_dropped_from_the_feeds() {
    let site = Site::new();
    site.write(
        "content/a.md",
        "---\ntitle: A\npublish_date: 2024-01-01\n---\nbefore\u{0}\u{1}\u{85}after\n",
    );
    site.herald(&["build"]).expect_code(0);
    for feed in ["rss.xml", "atom.xml", "feed.json"] {
        let text = site.read(&format!("public/{feed}"));
        assert!(text.contains("beforeafter"), "{feed}: {text}");
        assert!(!text.contains('\u{fffd}'), "{feed}");
    }
}

/// Found by deploying with `rsync public/ server:`: the build lock was created inside the
/// output folder and went out with the site. The output holds the feeds and nothing else.
#[test]
fn the_build_lock_is_not_published_with_the_site() {
    let site = Site::new();
    site.article("a", "A", "2024-01-01");
    site.herald(&["build"]).expect_code(0);
    let mut names: Vec<String> = std::fs::read_dir(site.path("public"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    // feed.xsl is the feeds' browser stylesheet (`feeds.stylesheet`) and the .html files
    // their pages, all meant to be deployed.
    assert_eq!(
        names,
        [
            "atom.html",
            "atom.xml",
            "feed.html",
            "feed.json",
            "feed.xsl",
            "rss.html",
            "rss.xml"
        ]
    );
    assert!(site.path(".herald/build.lock").exists());
}

/// Found in the same review: a build waited for the lock without bound, so a stuck build
/// piled up every later cron run behind it. `--wait` bounds it and the error names the
/// holder.
#[test]
fn a_build_gives_up_waiting_for_a_held_lock_and_names_the_holder() {
    let site = Site::new();
    site.article("a", "A", "2024-01-01");
    // Held as another herald run holds it: an exclusive lock on the file, which names
    // its holder.
    std::fs::create_dir_all(site.path(".herald")).unwrap();
    let lock_file = site.path(".herald/build.lock");
    std::fs::write(
        &lock_file,
        format!("a test holding the lock (pid {})\n", std::process::id()),
    )
    .unwrap();
    let held = std::fs::File::open(&lock_file).unwrap();
    held.lock().expect("the test takes the lock");
    let run = site.herald(&["build", "--wait", "1"]);
    run.expect_code(1);
    let stderr = run.stderr();
    assert!(
        stderr.contains("a test holding the lock (pid "),
        "{}",
        run.describe()
    );
    assert!(stderr.contains("build.lock"), "{}", run.describe());
    assert!(stderr.contains("--wait"), "{}", run.describe());
    assert!(!site.path("public/rss.xml").exists(), "nothing was written");
}

/// Every `id="…"` and `<a name="…">` value in an HTML fragment, and every same-document
/// `href="#…"` target.
fn ids_and_fragment_links(html: &str) -> (Vec<String>, Vec<String>) {
    let values = |attribute: &str| -> Vec<String> {
        html.match_indices(attribute)
            .map(|(at, _)| {
                let rest = &html[at + attribute.len()..];
                rest[..rest.find('"').expect("closed attribute")].to_string()
            })
            .collect()
    };
    let mut ids = values(" id=\"");
    ids.extend(values(" name=\""));
    (ids, values(" href=\"#"))
}

/// Found reading a feed in a reader that shows every item on one page: pulldown-cmark
/// writes `id="1"` / `href="#1"` for every article's `[^1]`, so every footnote link
/// jumped to the first article's note, and raw HTML ids collided the same way.
#[test]
fn footnote_and_heading_ids_are_unique_across_feed_items() {
    let site = Site::new();
    for (name, date) in [("first", "2024-01-01"), ("second", "2024-01-02")] {
        site.write(
            &format!("content/{name}.md"),
            format!(
                "---\ntitle: {name}\npublish_date: {date}\n---\n\
                 <h2 id=\"intro\">Intro</h2>\n\n\
                 A claim[^1], another[^note], <a href=\"#intro\">back up</a>.\n\n\
                 [^1]: The {name} source.\n\n[^note]: The {name} note.\n"
            ),
        );
    }
    site.herald(&["build"]).expect_code(0);

    // Read back by the crates' own parsers, which keep the content whole.
    let rss = rss::Channel::read_from(site.read("public/rss.xml").as_bytes()).unwrap();
    let rss: Vec<String> = rss
        .items()
        .iter()
        .map(|item| item.content().unwrap().to_string())
        .collect();
    let atom = atom_syndication::Feed::read_from(site.read("public/atom.xml").as_bytes()).unwrap();
    let atom: Vec<String> = atom
        .entries()
        .iter()
        .map(|entry| entry.content().unwrap().value().unwrap().to_string())
        .collect();
    let json: serde_json::Value = serde_json::from_str(&site.read("public/feed.json")).unwrap();
    let json: Vec<String> = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["content_html"].as_str().unwrap().to_string())
        .collect();

    for (format, items) in [("rss", rss), ("atom", atom), ("json", json)] {
        assert_eq!(items.len(), 2, "{format}");
        let mut seen = std::collections::HashSet::new();
        for html in &items {
            let (ids, links) = ids_and_fragment_links(html);
            // Two footnotes and the heading, each once.
            assert_eq!(ids.len(), 3, "{format}: {ids:?} in {html}");
            for id in &ids {
                assert!(
                    seen.insert(id.clone()),
                    "{format}: id {id:?} twice in the feed"
                );
            }
            assert_eq!(links.len(), 3, "{format}: {links:?} in {html}");
            for link in &links {
                assert!(
                    ids.contains(link),
                    "{format}: #{link} points outside its item: {html}"
                );
            }
        }
    }
}

/// Found by review: a body left in its file was read again by offset when shown, so an
/// article edited between load and render mixed the new body with the old front matter
/// (same size and modification time included: only the bytes tell).
#[test]
fn an_article_edited_after_loading_is_a_clear_error_not_a_mixed_item() {
    let site = Site::new();
    site.article("edited", "Edited", "2024-01-01");
    let path = site.path("content/edited.md");
    let config = herald::Config::load(&site.path("herald.yaml")).unwrap();
    let loaded = herald::content::load(&config).unwrap();
    let full = herald::content::load_full(&config, &[&loaded.articles[0]])
        .unwrap()
        .remove(0);
    assert_eq!(full.render_html().unwrap(), "<p>Body of edited.</p>\n");

    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
    let before = std::fs::read_to_string(&path).unwrap();
    let after = before
        .replace("Edited", "Oh, no")
        .replace("edited.", "change.");
    assert_eq!(before.len(), after.len());
    std::fs::write(&path, &after).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(modified)
        .unwrap();

    let err = full.render_html().unwrap_err().to_string();
    assert!(err.contains("edited.md"), "{err}");
    assert!(err.contains("run the build again"), "{err}");
    assert!(herald::feed::render_all(&config, &[&full]).is_err());
    // Nor is the rest of its front matter read back into a record loaded before.
    let err = herald::content::load_full(&config, &[&loaded.articles[0]])
        .unwrap_err()
        .to_string();
    assert!(err.contains("edited.md"), "{err}");
    assert!(err.contains("run the build again"), "{err}");
}

/// Found by fuzzing: `tags: [[[[…]]]]` nested 100,000 deep took 16 s to refuse, the
/// YAML parser's work per token growing with the depth.
#[test]
fn absurdly_nested_front_matter_is_refused_with_its_line() {
    let site = Site::new();
    let depth = 100_000;
    site.write(
        "content/deep.md",
        format!(
            "---\ntitle: Deep\npublish_date: 2024-01-01\ntags: {}{}\n---\n",
            "[".repeat(depth),
            "]".repeat(depth)
        ),
    );
    site.herald(&["check"])
        .expect_code(1)
        .expect_stderr("content/deep.md:4: front matter nests deeper than 64 levels");
}

/// The state of one subscriber row: (status, bounces).
fn subscriber_row(db: &rusqlite::Connection, email: &str) -> (String, u32) {
    db.query_row(
        "SELECT status, bounces FROM subscribers WHERE email = ?1",
        [email],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )
    .unwrap_or_else(|e| panic!("{email}: {e}"))
}

/// A message that could not be built was recorded as the server's permanent refusal
/// (`failed`) and counted as a bounce: a local bug could mark real subscribers bounced.
/// The store takes any text as an address (another program writing the state file, or
/// an older herald, can leave one that lettre cannot parse); composing fails for it.
/// Now the run stops naming the recipient, and neither the subscriber nor the
/// delivery row's final state changes: fixed, the next run sends to it.
#[test]
fn a_message_that_cannot_be_built_is_not_counted_as_a_bounce() {
    let server = SmtpServer::start(Behaviour::default());
    let smtp = format!("smtp:\n  url: \"{}\"\n  concurrency: 1\n", server.url(""));
    let site = Site::with_config(&config_with("", &smtp));
    full_article(&site, "one", "'One'", "2025-12-01");
    subscribe(&site, &["a@example.org", "b@example.org"]);
    let bad = "zz not an address";
    let db = rusqlite::Connection::open(site.path(".herald/herald.db")).unwrap();
    db.execute(
        "INSERT INTO subscribers (email, status, added_at) VALUES (?1, 'active', '2025-01-01T00:00:00Z')",
        [bad],
    )
    .unwrap();

    let run = herald(&site, &["send"], &[]);
    run.expect_code(1).expect_stderr(bad);
    assert!(
        !run.stderr().contains("permanent failure"),
        "not the server's refusal\n{}",
        run.describe()
    );
    assert_eq!(subscriber_row(&db, bad), ("active".to_string(), 0));
    let row: String = db
        .query_row(
            "SELECT status FROM deliveries WHERE email = ?1",
            [bad],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(row, "deferred", "left for the next run, not `failed`");
    assert_eq!(server.count_for("a@example.org"), 1);

    // The address is corrected; the next run sends to it and completes the issue.
    db.execute(
        "UPDATE subscribers SET email = 'zz@example.org' WHERE email = ?1",
        [bad],
    )
    .unwrap();
    let run = herald(&site, &["send"], &[]);
    run.expect_code(0);
    assert_eq!(summary(&run)["complete"], true, "{}", run.describe());
    for email in ["a@example.org", "b@example.org", "zz@example.org"] {
        assert_eq!(server.count_for(email), 1, "{email}");
    }
}

/// An outbox folder that could not be written was reported as "no reply (connection,
/// TLS or timeout)" and retried as if a server were down. It is a local I/O error that
/// names its path: the run stops, no subscriber changes, and once the folder can be
/// written the next run completes the issue.
#[test]
fn an_outbox_that_cannot_be_written_is_an_io_error_not_a_connection_failure() {
    let site = Site::with_config(&config_with("", ""));
    full_article(&site, "one", "'One'", "2025-12-01");
    subscribe(&site, &["a@example.org", "b@example.org"]);
    // A regular file where the outbox folder goes: not even root can create folders in it.
    site.write(".herald/outbox", "not a folder");

    let run = herald(&site, &["send"], &[]);
    run.expect_code(1).expect_stderr(".herald/outbox");
    assert!(
        !run.stderr().contains("no reply"),
        "a local I/O error, not a connection failure\n{}",
        run.describe()
    );
    let db = rusqlite::Connection::open(site.path(".herald/herald.db")).unwrap();
    for email in ["a@example.org", "b@example.org"] {
        assert_eq!(subscriber_row(&db, email), ("active".to_string(), 0));
    }
    let failed: u32 = db
        .query_row(
            "SELECT COUNT(*) FROM deliveries WHERE status IN ('sent', 'failed')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(failed, 0, "no delivery row is settled");

    std::fs::remove_file(site.path(".herald/outbox")).unwrap();
    let run = herald(&site, &["send"], &[]);
    run.expect_code(0);
    let summary = summary(&run);
    assert_eq!(summary["complete"], true, "{}", run.describe());
    let issue = summary["issue"].as_str().unwrap().to_string();
    for email in ["a@example.org", "b@example.org"] {
        assert!(
            site.path(&format!(".herald/outbox/{issue}/{email}.eml"))
                .is_file(),
            "{email}"
        );
    }
}

/// The first CSV reader split records at every line break: a quoted name holding one
/// was refused, and its second line read as a row of its own. (The line break itself
/// is imported as a space, and reported: names hold no control characters.)
#[test]
fn a_quoted_newline_in_a_subscriber_name_stays_in_one_record() {
    let site = Site::with_config(&crate::newsletter::config_with("", ""));
    site.write(
        "list.csv",
        "email,name\na@x.org,\"Ann, \"\"A\"\"\nSecond line\"\nb@x.org,Bo\n",
    );
    site.herald(&["subscribers", "import", "list.csv"])
        .expect_code(0)
        .expect_stdout("2 added")
        .expect_stderr("list.csv:2: warning: the name");
    let list = site.herald(&["subscribers", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_str(&list.stdout()).unwrap();
    assert_eq!(list[0]["name"], "Ann, \"A\" Second line");
    assert_eq!(list[1]["name"], "Bo");
}

/// The first CSV reader joined `"x"y` into `xy` without a word.
#[test]
fn text_after_a_closing_quote_is_refused_with_its_line() {
    let site = Site::with_config(&crate::newsletter::config_with("", ""));
    site.write("list.csv", "email,name\nok@x.org,Ok\na@x.org,\"x\"y\n");
    site.herald(&["subscribers", "import", "list.csv"])
        .expect_code(1)
        .expect_stderr("list.csv:3: field 2 has text after its closing quote")
        .expect_stdout("1 added");
    let list = site.herald(&["subscribers", "list"]);
    assert!(!list.stdout().contains("a@x.org"), "{}", list.describe());
}

/// A header error always said "line 1", even after blank lines.
#[test]
fn a_bad_csv_header_is_reported_on_its_own_line() {
    let site = Site::with_config(&crate::newsletter::config_with("", ""));
    site.write("list.csv", "\n\nmail,name\na@x.org,A\n");
    site.herald(&["subscribers", "import", "list.csv"])
        .expect_code(2)
        .expect_stderr("list.csv:3: the header \"mail,name\" has no email column")
        .expect_stderr("`Email Address` (Mailchimp)");
}

/// After a record spanning lines, the first reader reported its continuation lines as
/// bad rows of their own; only the really bad record, on the line it starts, is.
#[test]
fn a_record_after_a_multi_line_record_is_reported_on_its_real_line() {
    let site = Site::with_config(&crate::newsletter::config_with("", ""));
    site.write(
        "list.csv",
        "email,name\na@x.org,\"A\nB\nC\"\n\nnot-an-address,X\nb@x.org,B\n",
    );
    let run = site.herald(&["subscribers", "import", "list.csv"]);
    run.expect_code(1).expect_stdout("2 added");
    let (warnings, problems): (Vec<String>, Vec<String>) = run
        .stderr()
        .lines()
        .map(str::to_string)
        .partition(|line| line.contains(": warning: "));
    assert_eq!(problems.len(), 1, "{}", run.describe());
    // The name's line breaks, imported as spaces, are reported on the record's line.
    assert_eq!(warnings.len(), 1, "{}", run.describe());
    assert!(
        warnings[0].starts_with("list.csv:2: "),
        "{}",
        run.describe()
    );
    assert!(
        problems[0].starts_with("list.csv:6: \"not-an-address\" is not a valid email address"),
        "{}",
        run.describe()
    );
}

/// A Latin-1 export was refused with an I/O message that named no line.
#[test]
fn a_subscriber_file_that_is_not_utf8_is_refused_with_its_line() {
    let site = Site::with_config(&crate::newsletter::config_with("", ""));
    site.write("list.csv", b"email,name\na@x.org,A\nb@x.org,Ren\xE9e\n");
    site.herald(&["subscribers", "import", "list.csv"])
        .expect_code(2)
        .expect_stderr("list.csv:3: the file is not UTF-8 text");
    let list = site.herald(&["subscribers", "list"]);
    assert_eq!(list.stdout(), "", "nothing is imported from such a file");
}

/// Issue 12: rendered 375 px wide, the digest was cut off on the right: its container
/// was a fixed `width="600"` table with `width: 600px` and nothing let it shrink (the
/// browser test, `browser.rs`, shows it in Chromium; this one needs no browser). The
/// fix is the fluid-hybrid pattern: a 100 % table capped at 600 px, a 600 px table for
/// Outlook only, and images that shrink with their column.
#[test]
fn the_digest_container_shrinks_below_600_px_and_holds_600_in_outlook() {
    let site = Site::with_config(&config_with("", ""));
    full_article(&site, "first", "'First'", "2025-12-01");
    herald(&site, &["digest", "--html", "digest.html"], &[]).expect_code(0);
    let html = site.read("digest.html");
    let container = html
        .split("<table")
        .find(|t| t.contains("class=\"container\""))
        .and_then(|t| t.split('>').next())
        .unwrap_or_else(|| panic!("no container table\n{html}"));
    assert!(container.contains("width=\"100%\""), "{container}");
    assert!(container.contains("max-width: 600px"), "{container}");
    assert!(
        !container.contains("\"width: 600px") && !container.contains(";width: 600px"),
        "{container}"
    );
    assert!(
        html.contains("<!--[if mso]><table role=\"presentation\" align=\"center\" width=\"600\""),
        "no 600 px table for Outlook\n{html}"
    );
    let hero = html
        .split("<img")
        .find(|t| t.contains("class=\"hero\""))
        .and_then(|t| t.split('>').next())
        .unwrap_or_else(|| panic!("no hero image\n{html}"));
    assert!(hero.contains("width=\"560\""), "{hero}");
    assert!(
        hero.contains("width: 100%;max-width: 560px;height: auto"),
        "{hero}"
    );
}
