//! The digest in a real browser: headless Chromium renders what `herald digest --html`
//! writes at 375 px (a phone) and 600 px, light and dark. Screenshots go to
//! `target/screenshots/digest-{width}-{scheme}.png`; a script in the page reports, from
//! the DOM, every element wider than the viewport, each image's size against its own
//! aspect ratio, and the colours of every piece of text on its background.
//!
//! Chromium's window cannot be narrower than 500 px, so the digest is shown in an
//! iframe exactly `width` pixels wide: that iframe is the viewport the digest sees.
//!
//! Without Chromium the test prints a notice and passes, except under `CI=true`, where
//! it fails (`.ci/run` installs it).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::Site;

const WIDTHS: [u32; 2] = [375, 600];
/// Stands for the images' host in the article; the test points it at local files.
const IMAGE_HOST: &str = "https://images.invalid/";

const CONFIG: &str = "\
site:
  title: Browser Site
  url: https://example.com/blog/
  description: The digest in a browser
newsletter:
  from: \"Browser Site <news@example.com>\"
  unsubscribe_url: \"https://example.com/unsubscribe/{token}\"
  postal_address: |
    Browser Site Ltd
    1 Long Street Name That Goes On, Springfield, IL 62701, United States of America
  theme:
    logo:
      url: https://images.invalid/logo.png
      alt: Browser Site
      width: 240
    header: \"The week in review. [Read it online](issues/)\"
    footer: \"Sent from https://example.com/blog/a-very-long-unbroken-address-that-must-wrap-on-a-phone-screen\"
";

#[test]
fn the_digest_fits_a_phone_and_a_desktop_in_light_and_dark_mode() {
    let Some(chromium) = crate::support::chromium::find("the digest's layout") else {
        return;
    };
    let site = Site::with_config(CONFIG);
    site.write(
        "content/wide.md",
        format!(
            "---\ntitle: 'A title with a rather long word: Donaudampfschifffahrtsgesellschaftskapitän'\n\
             subtitle: 'Wide hero image'\ndescription: 'An article whose hero image is 1200 px wide.'\n\
             author: 'Ann Writer'\nread_time: '4 mins'\npublish_date: '2025-12-01'\n\
             heroImage: '{IMAGE_HOST}hero.png'\ncta: 'Read the whole thing'\n---\n\nBody.\n"
        ),
    );
    site.article("second", "Second article", "2025-12-02");
    site.herald(&["digest", "--html", "digest.html"])
        .expect_code(0);
    let images = site.path("images");
    std::fs::create_dir_all(&images).unwrap();
    std::fs::write(images.join("hero.png"), png(1200, 600, [200, 60, 40])).unwrap();
    std::fs::write(images.join("logo.png"), png(480, 120, [20, 40, 120])).unwrap();
    let local = format!("file://{}/", images.display());
    let digest = site.read("digest.html").replace(IMAGE_HOST, &local);

    let shots = crate::support::chromium::screenshot_dir();
    let mut problems = Vec::new();
    for width in WIDTHS {
        for dark in [false, true] {
            let scheme = if dark { "dark" } else { "light" };
            let report = measure(&chromium, &site, &digest, width, dark);
            problems.extend(
                check(&report, width, dark)
                    .into_iter()
                    .map(|p| format!("{width} px {scheme}: {p}")),
            );
            let shot = shots.join(format!("digest-{width}-{scheme}.png"));
            screenshot(&chromium, &site, &digest, width, report.height, dark, &shot);
        }
    }
    assert!(
        problems.is_empty(),
        "the digest does not hold in the browser:\n{}\n(screenshots in {})",
        problems.join("\n"),
        shots.display()
    );
}

/// What the page script reports about the digest.
#[derive(Debug, serde::Deserialize)]
struct Report {
    /// The iframe's viewport width (must be the width asked for).
    viewport: f64,
    /// `document.documentElement.scrollWidth` of the digest.
    scroll_width: f64,
    /// Elements reaching past the viewport: tag, class and horizontal extent.
    wide: Vec<String>,
    /// Every image: source, rendered and natural size.
    images: Vec<Image>,
    /// Whether `prefers-color-scheme: dark` matched inside the digest.
    dark: bool,
    /// The digest's height, for the screenshot.
    height: u32,
    /// Every element with text of its own: its colour and the background behind it.
    texts: Vec<TextColour>,
}

#[derive(Debug, serde::Deserialize)]
struct Image {
    src: String,
    width: f64,
    height: f64,
    natural_width: f64,
    natural_height: f64,
}

#[derive(Debug, serde::Deserialize)]
struct TextColour {
    what: String,
    colour: String,
    background: String,
}

fn check(report: &Report, width: u32, dark: bool) -> Vec<String> {
    let width = f64::from(width);
    let mut problems = Vec::new();
    if (report.viewport - width).abs() > 0.5 {
        problems.push(format!(
            "the viewport is {} px, not {width}: the test itself is broken",
            report.viewport
        ));
    }
    if report.dark != dark {
        problems.push(format!(
            "prefers-color-scheme: dark is {}, expected {dark}",
            report.dark
        ));
    }
    if report.scroll_width > width + 0.5 {
        problems.push(format!(
            "the page scrolls sideways: scrollWidth {} > {width}",
            report.scroll_width
        ));
    }
    for element in &report.wide {
        problems.push(format!("wider than the viewport: {element}"));
    }
    if report.images.len() != 2 {
        problems.push(format!("expected logo and hero, got {:?}", report.images));
    }
    for image in &report.images {
        if image.natural_width == 0.0 {
            problems.push(format!("{} did not load", image.src));
            continue;
        }
        let ratio = image.natural_height / image.natural_width;
        let shown = image.height / image.width.max(1.0);
        if image.width > width || (shown - ratio).abs() > 0.02 {
            problems.push(format!(
                "{} is shown {}x{} (natural {}x{}): overflowing or out of proportion",
                image.src, image.width, image.height, image.natural_width, image.natural_height
            ));
        }
    }
    for text in &report.texts {
        match (rgb(&text.colour), rgb(&text.background)) {
            (Some(fg), Some(bg)) if fg.contrast(bg) < 4.5 => problems.push(format!(
                "{}: {} on {} has a contrast of {:.2}:1 (< 4.5)",
                text.what,
                text.colour,
                text.background,
                fg.contrast(bg)
            )),
            (Some(_), Some(_)) => {}
            _ => problems.push(format!("unreadable colours reported: {text:?}")),
        }
    }
    if report.texts.len() < 8 {
        problems.push(format!("too few texts measured: {:?}", report.texts));
    }
    problems
}

/// `rgb(r, g, b)` or `rgba(r, g, b, 1)` as computed by the browser.
fn rgb(css: &str) -> Option<Colour> {
    let inner = css
        .trim()
        .strip_prefix("rgba(")
        .or_else(|| css.trim().strip_prefix("rgb("))?
        .strip_suffix(')')?;
    let parts: Vec<&str> = inner.split(',').map(str::trim).collect();
    if parts.len() == 4 && parts[3] != "1" {
        return None;
    }
    let channel = |i: usize| parts.get(i)?.parse::<u8>().ok();
    Some(Colour([channel(0)?, channel(1)?, channel(2)?]))
}

/// An sRGB colour as the browser computed it. Its WCAG 2.x contrast is worked out here,
/// from the definition, rather than with the theme's own colour code: the check does
/// not trust the code it checks.
#[derive(Debug, Clone, Copy)]
struct Colour([u8; 3]);

impl Colour {
    /// WCAG 2.x relative luminance, 0 (black) to 1 (white).
    fn luminance(self) -> f64 {
        let linear = |channel: u8| {
            let c = f64::from(channel) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        let [r, g, b] = self.0.map(linear);
        0.2126 * r + 0.7152 * g + 0.0722 * b
    }

    /// The WCAG 2.x contrast ratio, 1 to 21.
    fn contrast(self, other: Colour) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }
}

/// The script that measures the digest inside the iframe and writes its report, as
/// JSON, into `#report` of the host page (where `--dump-dom` shows it).
const MEASURE: &str = r#"
window.addEventListener('load', function () {
  var frame = document.getElementById('digest');
  var doc = frame.contentDocument, win = frame.contentWindow;
  var vw = doc.documentElement.clientWidth;
  var wide = [];
  var texts = [];
  function name(el) {
    return el.tagName.toLowerCase() + (el.className ? '.' + el.className : '');
  }
  function background(el) {
    for (; el; el = el.parentElement) {
      var bg = win.getComputedStyle(el).backgroundColor;
      if (bg && bg !== 'transparent' && bg !== 'rgba(0, 0, 0, 0)') return bg;
    }
    return 'rgb(255, 255, 255)';
  }
  doc.querySelectorAll('body *').forEach(function (el) {
    var r = el.getBoundingClientRect();
    var style = win.getComputedStyle(el);
    if (style.display === 'none' || r.width === 0) return;
    if (r.right > vw + 0.5 || r.left < -0.5) {
      wide.push(name(el) + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
    }
    var own = Array.prototype.some.call(el.childNodes, function (n) {
      return n.nodeType === 3 && n.textContent.trim() !== '';
    });
    if (own) {
      texts.push({ what: name(el) + ' "' + el.textContent.trim().slice(0, 30) + '"',
                   colour: style.color, background: background(el) });
    }
  });
  var images = Array.prototype.map.call(doc.images, function (img) {
    var r = img.getBoundingClientRect();
    return { src: img.getAttribute('src'), width: r.width, height: r.height,
             natural_width: img.naturalWidth, natural_height: img.naturalHeight };
  });
  document.getElementById('report').textContent = JSON.stringify({
    viewport: vw,
    scroll_width: doc.documentElement.scrollWidth,
    wide: wide,
    images: images,
    dark: win.matchMedia('(prefers-color-scheme: dark)').matches,
    height: Math.ceil(doc.body.getBoundingClientRect().bottom),
    texts: texts
  });
});
"#;

/// The host page: the digest in an iframe `width` px wide (and `height` px high), and,
/// when `script` is set, the measuring script and the element it reports into.
fn host_page(digest: &str, width: u32, height: u32, script: bool) -> String {
    let srcdoc = digest
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;");
    let script = if script {
        format!("<pre id=\"report\"></pre><script>{MEASURE}</script>")
    } else {
        String::new()
    };
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\">\
         <style>html, body {{ margin: 0; padding: 0; }} iframe {{ display: block; border: 0; }}</style>\
         </head><body><iframe id=\"digest\" width=\"{width}\" height=\"{height}\" \
         style=\"width: {width}px; height: {height}px;\" srcdoc=\"{srcdoc}\"></iframe>{script}</body></html>"
    )
}

fn measure(chromium: &Path, site: &Site, digest: &str, width: u32, dark: bool) -> Report {
    let page = site.path(&format!("measure-{width}-{dark}.html"));
    std::fs::write(&page, host_page(digest, width, 4000, true)).unwrap();
    let dom = run_chromium(
        chromium,
        site,
        &[
            format!("--window-size={},1000", width.max(500)),
            "--dump-dom".into(),
        ],
        dark,
        &page,
    );
    let json = dom
        .split("<pre id=\"report\">")
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .filter(|json| !json.is_empty())
        .unwrap_or_else(|| panic!("no report in the page Chromium dumped:\n{dom}"));
    let json = json
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"))
}

fn screenshot(
    chromium: &Path,
    site: &Site,
    digest: &str,
    width: u32,
    height: u32,
    dark: bool,
    out: &Path,
) {
    let page = site.path(&format!("shot-{width}-{dark}.html"));
    std::fs::write(&page, host_page(digest, width, height, false)).unwrap();
    let _ = std::fs::remove_file(out);
    run_chromium(
        chromium,
        site,
        &[
            format!("--window-size={width},{height}"),
            format!("--screenshot={}", out.display()),
        ],
        dark,
        &page,
    );
    let bytes =
        std::fs::read(out).unwrap_or_else(|e| panic!("no screenshot {}: {e}", out.display()));
    assert!(
        bytes.starts_with(b"\x89PNG"),
        "{} is not a PNG",
        out.display()
    );
}

/// Runs Chromium headless on `page` and returns its standard output.
fn run_chromium(chromium: &Path, site: &Site, extra: &[String], dark: bool, page: &Path) -> String {
    let profile = site.path("chromium-profile");
    let scheme = if dark { 0 } else { 1 };
    let mut command = Command::new(chromium);
    command
        .args(crate::support::chromium::HEADLESS)
        .args([
            "--hide-scrollbars",
            "--no-first-run",
            "--virtual-time-budget=10000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        // Blink's PreferredColorScheme: 0 is dark, 1 is light.
        .arg(format!("--blink-settings=preferredColorScheme={scheme}"))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let line = format!("{command:?}");
    let mut child = command.spawn().unwrap_or_else(|e| panic!("{line}: {e}"));
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("Chromium took more than 120 s: {line}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{line}\nexit {:?}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A `width` x `height` PNG of one colour (8-bit RGB, one stored zlib stream).
fn png(width: u32, height: u32, rgb: [u8; 3]) -> Vec<u8> {
    use std::io::Write;
    // Each row: filter type 0, then the pixels.
    let mut row = vec![0u8];
    for _ in 0..width {
        row.extend_from_slice(&rgb);
    }
    let raw = row.repeat(height as usize);
    let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    zlib.write_all(&raw).unwrap();
    let idat = zlib.finish().unwrap();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [(b"IHDR", ihdr), (b"IDAT", idat), (b"IEND", Vec::new())] {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc = crc32fast::Hasher::new();
        crc.update(kind);
        crc.update(&data);
        png.extend_from_slice(kind);
        png.extend_from_slice(&data);
        png.extend_from_slice(&crc.finalize().to_be_bytes());
    }
    png
}
