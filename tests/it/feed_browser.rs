//! The feeds as a browser shows them: headless Chromium opens `rss.xml` and `atom.xml`
//! from the real `herald serve` (with its Content-Security-Policy), applies `feed.xsl`,
//! and every item title must be on the page. Screenshots go to `target/screenshots/`.
//!
//! Chromium is Debian's `chromium` (`.ci/run` installs it). Without it the test prints a
//! skip, except under `CI=true`, where a missing browser is a failure.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::feed_validity::varied_site;

/// The `chromium` binary, or `None` (a printed skip) when it is missing outside CI.
fn chromium() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("chromium"))
            .find(|path| path.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "chromium is missing under CI=true: apt-get install -y chromium"
        );
        eprintln!("skipped: chromium not found on PATH (apt-get install -y chromium)");
    }
    found
}

/// Runs headless Chromium on `url` with `args`; returns stdout.
fn run_chromium(chromium: &Path, profile: &Path, url: &str, args: &[&str]) -> String {
    let output = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
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
    let Some(chromium) = chromium() else {
        return;
    };
    let site = varied_site("");
    site.herald(&["build"]).expect_code(0);
    let server = site.serve(&[]);
    let profile = tempfile::tempdir().expect("profile folder");
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&shots).expect("screenshots folder");
    let titles = [
        "Caching &amp; &lt;Cache&gt; \"Busting\"",
        "Own id",
        "Bare",
        "Long",
    ];
    for (file, shot) in [("rss.xml", "feed-rss.png"), ("atom.xml", "feed-atom.png")] {
        let url = format!("{}/{file}", server.base);
        let dom = run_chromium(&chromium, profile.path(), &url, &["--dump-dom"]);
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
        let path = shots.join(shot);
        let _ = std::fs::remove_file(&path);
        run_chromium(
            &chromium,
            profile.path(),
            &url,
            &[&format!("--screenshot={}", path.display())],
        );
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        assert!(size > 1000, "{}: no screenshot", path.display());
    }
}

#[test]
fn serve_gives_browsers_xml_they_can_style_and_readers_the_feed_types() {
    let site = varied_site("");
    site.herald(&["build"]).expect_code(0);
    let server = site.serve(&[]);
    let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    for (file, own_type) in [
        ("/rss.xml", "application/rss+xml; charset=utf-8"),
        ("/atom.xml", "application/atom+xml; charset=utf-8"),
    ] {
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
            assert_eq!(reader.header("content-type"), Some(own_type), "{accept}");
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
