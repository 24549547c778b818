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

/// Found by deploying with `rsync public/ server:`: the build lock was created inside the
/// output folder and went out with the site. The output holds the feeds and nothing else.
#[test]
fn the_build_lock_is_not_published_with_the_site() {
    let site = Site::new();
    site.article("a", "A", "2024-01-01");
    // A lock file an older herald left behind is removed too.
    site.write("public/.herald-build.lock", "");
    site.herald(&["build"]).expect_code(0);
    let mut names: Vec<String> = std::fs::read_dir(site.path("public"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["atom.xml", "feed.json", "rss.xml"]);
    assert!(site.path(".herald/build.lock").exists());
}

/// Found in the same review: a build waited for the lock without bound, so a stuck build
/// piled up every later cron run behind it. `--wait` bounds it and the error names the
/// holder.
#[test]
fn a_build_gives_up_waiting_for_a_held_lock_and_names_the_holder() {
    let site = Site::new();
    site.article("a", "A", "2024-01-01");
    let lock_file = site.path(".herald/build.lock");
    let _held = herald::lock::Lock::acquire(&lock_file, "a test holding the lock", None, |_, _| {})
        .expect("the test takes the lock");
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
