//! Checks pages as a person would see them, for any test: given pages by URL
//! (`http://…` from a running `herald serve`, or a built file), [`check`] runs, in
//! Debian's headless Chromium driven by `playwright-core`:
//!
//! - axe-core's WCAG 2 A/AA rules, in the light and the dark colour scheme: 0 violations;
//! - the Nu Html Checker (`vnu.jar`, on the bytes the browser received): 0 errors;
//! - at a 375 px wide viewport: nothing wider than the viewport (the document's scroll
//!   width, and every element's box);
//! - screenshots at 375 and 1000 px into `target/screenshots/<name>-<width>.png`.
//!
//! The Node side is `tests/pages/` (`check.mjs`, its `package.json` and lock file;
//! `.ci/run` installs it with `npm ci`). It needs `node`, `java` (Debian's
//! `default-jre-headless`) and `/usr/bin/chromium` (or `HERALD_CHROMIUM`). Without one
//! of them a test prints a skip line, except under `CI=true`, where that is a failure.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// One page to check: `name` names its screenshots.
pub struct Page {
    pub name: String,
    pub url: String,
}

impl Page {
    /// The page at `url`.
    pub fn url(name: &str, url: &str) -> Page {
        Page {
            name: name.to_string(),
            url: url.to_string(),
        }
    }

    /// The built file at `path`.
    pub fn file(name: &str, path: &Path) -> Page {
        let path = path.canonicalize().expect("the page's file exists");
        Page::url(name, &format!("file://{}", path.display()))
    }
}

/// The Node side's folder.
fn node_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pages")
}

/// What is missing to run the checks, if anything.
fn missing() -> Option<String> {
    let chromium = std::env::var_os("HERALD_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    let runs = |program: &str, arg: &str| {
        Command::new(program)
            .arg(arg)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !chromium.is_file() {
        return Some(format!(
            "{} (apt-get install -y chromium fonts-liberation)",
            chromium.display()
        ));
    }
    if !runs("node", "--version") {
        return Some("node (apt-get install -y nodejs npm)".into());
    }
    if !runs("java", "-version") {
        return Some("java (apt-get install -y default-jre-headless)".into());
    }
    let modules = node_dir().join("node_modules");
    for package in ["axe-core", "playwright-core", "vnu-jar"] {
        if !modules.join(package).is_dir() {
            return Some(format!(
                "tests/pages/node_modules/{package} (cd tests/pages && npm ci)"
            ));
        }
    }
    None
}

/// Checks `pages` (see the module documentation) and panics with every finding, naming
/// the page; returns `false` (after printing a skip line naming `what`) when the tools
/// are missing outside CI.
pub fn check(what: &str, pages: &[Page]) -> bool {
    if let Some(missing) = missing() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "the page checks are required under CI=true, and {missing} is missing"
        );
        eprintln!("skipped: the page checks of {what}: {missing} is missing");
        return false;
    }
    let shots = super::chromium::screenshot_dir();
    let input = serde_json::Value::Array(
        pages
            .iter()
            .map(|p| serde_json::json!({ "name": p.name, "url": p.url }))
            .collect(),
    );
    let mut child = Command::new("node")
        .arg(node_dir().join("check.mjs"))
        .arg(&shots)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting node tests/pages/check.mjs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.to_string().as_bytes())
        .expect("writing the pages to check.mjs");
    let output = child.wait_with_output().expect("check.mjs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "check.mjs failed on {what} ({}):\n{}\n{stdout}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let reports: Vec<serde_json::Value> = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("check.mjs printed no report ({e}):\n{stdout}"));
    let mut findings = Vec::new();
    for report in &reports {
        findings.extend(findings_of(report));
    }
    assert!(
        findings.is_empty(),
        "{what}: {} finding(s):\n{}",
        findings.len(),
        findings.join("\n")
    );
    for report in &reports {
        eprintln!(
            "checked {}: 0 axe violations, 0 vnu errors, fits 375 px; screenshots {}",
            report["url"], report["screenshots"]
        );
    }
    true
}

/// One line per problem the report of one page holds.
fn findings_of(report: &serde_json::Value) -> Vec<String> {
    let url = report["url"].as_str().unwrap_or("?");
    let mut findings = Vec::new();
    if let Some(status) = report["status"].as_u64().filter(|s| *s != 200) {
        findings.push(format!("{url}: HTTP status {status}"));
    }
    for violation in report["axe"].as_array().into_iter().flatten() {
        findings.push(format!(
            "{url}: axe ({} scheme) {} [{}]: {} at {}",
            violation["scheme"].as_str().unwrap_or("?"),
            violation["id"].as_str().unwrap_or("?"),
            violation["impact"].as_str().unwrap_or("?"),
            violation["help"].as_str().unwrap_or("?"),
            violation["nodes"]
        ));
    }
    for error in report["vnu"].as_array().into_iter().flatten() {
        findings.push(format!(
            "{url}: vnu line {}: {} in {}",
            error["line"],
            error["message"].as_str().unwrap_or("?"),
            error["extract"]
        ));
    }
    let overflow = &report["overflow"];
    let width = overflow["scrollWidth"].as_u64().unwrap_or(u64::MAX);
    if width > 375 {
        findings.push(format!(
            "{url}: scrolls sideways at 375 px (scrollWidth {width})"
        ));
    }
    for offender in overflow["offenders"].as_array().into_iter().flatten() {
        findings.push(format!(
            "{url}: {} reaches {} px at a 375 px viewport",
            offender["element"].as_str().unwrap_or("?"),
            offender["right"]
        ));
    }
    findings
}
