//! One test per bug found, named after what broke.

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

/// The first CSV reader split records at every line break: a quoted name holding one
/// was refused, and its second line read as a row of its own.
#[test]
fn a_quoted_newline_in_a_subscriber_name_stays_in_one_record() {
    let site = Site::with_config(&crate::newsletter::config_with("", ""));
    site.write(
        "list.csv",
        "email,name\na@x.org,\"Ann, \"\"A\"\"\nSecond line\"\nb@x.org,Bo\n",
    );
    site.herald(&["subscribers", "import", "list.csv"])
        .expect_code(0)
        .expect_stdout("2 added");
    let list = site.herald(&["subscribers", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_str(&list.stdout()).unwrap();
    assert_eq!(list[0]["name"], "Ann, \"A\"\nSecond line");
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
    let problems: Vec<String> = run.stderr().lines().map(str::to_string).collect();
    assert_eq!(problems.len(), 1, "{}", run.describe());
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
