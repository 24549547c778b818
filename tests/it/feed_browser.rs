//! The feeds as a browser shows them: headless Chromium opens `rss.xml` and `atom.xml`
//! from the real `herald serve` (with its Content-Security-Policy) and gets the HTML
//! page the build wrote beside each; without those pages (an older build), it applies
//! `feed.xsl`. Either way every item title must be on the page. Screenshots go to
//! `target/screenshots/`.
//!
//! Chromium is Debian's `chromium` (`.ci/run` installs it). Without it the test prints a
//! skip, except under `CI=true`, where a missing browser is a failure.

use std::path::Path;
use std::process::Command;

use crate::feed_validity::varied_site;
use crate::web_pages::{BROWSER, SITE_FEEDS};

/// Runs headless Chromium on `url` with `args`; returns stdout.
fn run_chromium(chromium: &Path, profile: &Path, url: &str, args: &[&str]) -> String {
    let output = Command::new(chromium)
        .args(crate::support::chromium::HEADLESS)
        .arg("--hide-scrollbars")
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--window-size=1000,1400", "--virtual-time-budget=5000"])
        .args(args)
        .arg(url)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", chromium.display()));
    assert!(
        output.status.success(),
        "chromium failed on {url}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn browsers_show_every_item_title_of_both_xml_feeds() {
    let Some(chromium) = crate::support::chromium::find("the feeds' browser page") else {
        return;
    };
    let site = varied_site("");
    site.herald(&["build"]).expect_code(0);
    let server = site.serve(&[]);
    let profile = tempfile::tempdir().expect("profile folder");
    let shots = crate::support::chromium::screenshot_dir();
    let titles = [
        "Caching &amp; &lt;Cache&gt; \"Busting\"",
        "Own id",
        "Bare",
        "Long",
    ];
    // First the HTML pages the build wrote; then, with them gone, feed.xsl.
    for (mode, suffix) in [("page", ""), ("xslt", "-xslt")] {
        if mode == "xslt" {
            for page in ["rss.html", "atom.html"] {
                std::fs::remove_file(site.path(&format!("public/{page}"))).expect("remove page");
            }
        }
        for file in ["rss.xml", "atom.xml"] {
            let shot = format!("feed-{}{suffix}.png", file.trim_end_matches(".xml"));
            check_in_chromium(
                &chromium,
                profile.path(),
                &server.base,
                file,
                &shots.join(shot),
                &titles,
            );
        }
    }
}

/// Opens `file` from the server at `base` in Chromium: the feed's page, with its
/// address and every title in `titles`; a screenshot at `path`.
fn check_in_chromium(
    chromium: &Path,
    profile: &Path,
    base: &str,
    file: &str,
    path: &Path,
    titles: &[&str],
) {
    let url = format!("{base}/{file}");
    let dom = run_chromium(chromium, profile, &url, &["--dump-dom"]);
    assert!(
        dom.contains("This is a web feed."),
        "{file} not styled:\n{dom}"
    );
    assert!(
        dom.contains("value=\"https://example.com/blog/"),
        "{file}: no feed address:\n{dom}"
    );
    for title in titles {
        assert!(
            dom.contains(&format!(">{title}</a>")),
            "{file}: title {title:?} not shown:\n{dom}"
        );
    }
    let _ = std::fs::remove_file(path);
    run_chromium(
        chromium,
        profile,
        &url,
        &[&format!("--screenshot={}", path.display())],
    );
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    assert!(size > 1000, "{}: no screenshot", path.display());
}

#[test]
fn serve_gives_browsers_the_page_else_xml_they_can_style_and_readers_the_feed_types() {
    let site = varied_site("");
    site.herald(&["build"]).expect_code(0);
    let server = site.serve(&[]);
    let (browser, feeds) = (BROWSER, SITE_FEEDS);
    for (file, _, _) in feeds {
        let page = server.get_with(file, &[("accept", browser)]);
        assert_eq!(page.status, 200);
        assert_eq!(
            page.header("content-type"),
            Some("text/html; charset=utf-8")
        );
    }
    // Without the pages (an older build), the XML for feed.xsl, under its policy.
    for (_, page, _) in feeds {
        std::fs::remove_file(site.path(&format!("public/{page}"))).expect("remove page");
    }
    // A deleted file is seen within a second (docs/serve.md).
    std::thread::sleep(std::time::Duration::from_secs(1));
    for (file, _, own_type) in &feeds[..2] {
        let page = server.get_with(file, &[("accept", browser)]);
        assert_eq!(page.status, 200);
        assert_eq!(
            page.header("content-type"),
            Some("application/xml; charset=utf-8")
        );
        let csp = page.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("script-src 'self'"), "{csp}");
        assert!(csp.contains("style-src 'unsafe-inline'"), "{csp}");
        for accept in ["application/rss+xml, application/atom+xml, */*", "*/*"] {
            let reader = server.get_with(file, &[("accept", accept)]);
            assert_eq!(reader.header("content-type"), Some(*own_type), "{accept}");
        }
    }
    let json = server.get_with("/feed.json", &[("accept", browser)]);
    assert_eq!(
        json.header("content-type"),
        Some("application/feed+json; charset=utf-8")
    );
    let xsl = server.get("/feed.xsl");
    assert_eq!(xsl.status, 200);
    assert!(xsl.body.contains("xsl:stylesheet"));
}
