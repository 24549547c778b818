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
