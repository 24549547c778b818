//! `newsletter.theme` and `newsletter.postal_address` end to end: a themed issue sent
//! to the real SMTP test server and read back with mail-parser; bad themes refused at
//! load; a missing postal address warned about by `check` and `send`.

use mail_parser::MessageParser;

use crate::newsletter::{config_with, full_article, herald, subscribe};
use crate::smtp_server::{Behaviour, SmtpServer};
use crate::support::Site;

const THEME: &str = "  postal_address: |
    Example Ltd
    1 Main St & Co
    Springfield, IL 62701
  theme:
    accent: \"#0B5394\"
    logo:
      url: images/logo.png
      alt: Test Site logo
      width: 180
    header: \"This week: **fresh** news. [The archive](archive/)\"
    footer: \"Written in Lisbon. <b>raw</b> [Contact us](mailto:hi@example.com)\"
";

#[test]
fn a_themed_issue_carries_logo_accent_header_footer_and_address_in_both_parts() {
    let server = SmtpServer::start(Behaviour::default());
    let smtp = format!("smtp:\n  url: \"{}\"\n", server.url(""));
    let site = Site::with_config(&config_with(THEME, &smtp));
    full_article(&site, "first", "'First'", "2025-12-01");
    subscribe(&site, &["reader@example.org"]);

    let run = herald(&site, &["send"], &[]);
    run.expect_code(0);
    assert!(
        !run.stderr().contains("postal_address"),
        "{}",
        run.describe()
    );
    let received = server.received();
    assert_eq!(received.len(), 1, "{}", run.describe());
    let message = MessageParser::default()
        .parse(&received[0].data)
        .expect("parses");
    let html = message.body_html(0).unwrap();
    // The wire form is CRLF.
    let text = message.body_text(0).unwrap().replace("\r\n", "\n");

    // Logo: made absolute against site.url, with its alt text and width.
    for expected in [
        "src=\"https://example.com/blog/images/logo.png\"",
        "alt=\"Test Site logo\"",
        "width=\"180\"",
        "max-width: 180px",
    ] {
        assert!(html.contains(expected), "{expected}\n{html}");
    }
    // Accent, normalised to lower case, on the buttons (attribute and style) and links.
    assert!(html.contains("bgcolor=\"#0b5394\""), "{html}");
    assert!(html.contains("background-color: #0b5394"), "{html}");
    assert!(
        !html.contains("#1d4ed8"),
        "the default accent is gone\n{html}"
    );
    // Header and footer: Markdown rendered, links absolute, raw HTML escaped.
    assert!(html.contains("<strong>fresh</strong>"), "{html}");
    assert!(
        html.contains("href=\"https://example.com/blog/archive/\""),
        "{html}"
    );
    assert!(html.contains("&lt;b&gt;raw&lt;/b&gt;"), "{html}");
    assert!(!html.contains("<b>raw</b>"), "{html}");
    assert!(html.contains("href=\"mailto:hi@example.com\""), "{html}");
    assert!(
        html.contains("Example Ltd<br>1 Main St &amp; Co<br>Springfield, IL 62701"),
        "{html}"
    );
    // The text part: the same pieces as plain text.
    for expected in [
        "This week: fresh news. The archive <https://example.com/blog/archive/>",
        "Written in Lisbon. <b>raw</b> Contact us <hi@example.com>",
        "Example Ltd\n1 Main St & Co\nSpringfield, IL 62701",
    ] {
        assert!(text.contains(expected), "{expected:?}\n{text}");
    }
    // Order in the text part: header before the articles, address after unsubscribe.
    let at = |needle: &str| text.find(needle).unwrap_or_else(|| panic!("{needle}"));
    assert!(at("This week") < at("First"));
    assert!(at("Unsubscribe:") < at("Example Ltd"));
}

#[test]
fn a_low_contrast_accent_is_refused_with_the_ratio_and_a_fix() {
    let site = Site::with_config(&config_with(
        "  postal_address: 1 Main St\n  theme:\n    accent: \"#aaaaaa\"\n",
        "",
    ));
    for command in [&["check"][..], &["send", "--dry-run"], &["digest"]] {
        let run = herald(&site, command, &[]);
        run.expect_code(2);
        run.expect_stderr("herald.yaml: newsletter.theme.accent #aaaaaa is too light")
            .expect_stderr("2.32:1, below the 4.5:1 that WCAG AA asks for")
            .expect_stderr("pick a darker colour (e.g. #");
    }
    let site = Site::with_config(&config_with("  theme:\n    accent: navy\n", ""));
    herald(&site, &["check"], &[]).expect_code(2).expect_stderr(
        "newsletter.theme.accent \"navy\" is not a colour: write it as #rgb or #rrggbb",
    );
    let site = Site::with_config(&config_with(
        "  theme:\n    logo:\n      url: https://cdn.example.com/l.png\n",
        "",
    ));
    herald(&site, &["check"], &[])
        .expect_code(2)
        .expect_stderr("newsletter.theme.logo.alt is missing");
}

#[test]
fn a_missing_postal_address_warns_in_check_and_send_naming_the_key() {
    let warning = "herald.yaml: warning: newsletter.postal_address is not set: CAN-SPAM requires a physical postal address";
    let site = Site::with_config(&config_with("", ""));
    site.article("one", "One", "2025-12-01");
    herald(&site, &["check"], &[])
        .expect_code(0)
        .expect_stderr(warning)
        .expect_stdout("1 warning(s)");
    subscribe(&site, &["reader@example.org"]);
    // Without an smtp section the issue goes to the outbox: still a send.
    let run = herald(&site, &["send"], &[]);
    run.expect_code(0).expect_stderr(warning);
    // With the address set, neither warns.
    let site = Site::with_config(&config_with("  postal_address: 1 Main St\n", ""));
    site.article("one", "One", "2025-12-01");
    let run = herald(&site, &["check"], &[]);
    run.expect_code(0);
    assert!(
        !run.stderr().contains("postal_address"),
        "{}",
        run.describe()
    );
    subscribe(&site, &["reader@example.org"]);
    let run = herald(&site, &["send"], &[]);
    run.expect_code(0);
    assert!(
        !run.stderr().contains("postal_address"),
        "{}",
        run.describe()
    );
}

#[test]
fn the_serve_pages_wear_the_theme_and_may_load_the_logo() {
    let site = Site::with_config(&format!(
        "{}serve:\n  public_url: \"http://news.example.test/\"\n",
        config_with(
            &THEME.replace(
                "url: images/logo.png",
                "url: https://cdn.example.com/logo.png"
            ),
            ""
        )
    ));
    let server = site.serve(&[("HERALD_SECRET", "theme-serve-secret-6b2e9f4a0d7c1853")]);
    let reply = server.get("/subscribe");
    assert_eq!(reply.status, 200, "{}", server.describe());
    let page = &reply.body;
    for expected in [
        "<img class=\"logo\" src=\"https://cdn.example.com/logo.png\" alt=\"Test Site logo\" width=\"180\"",
        "border-top: 4px solid #0b5394",
        "background-color: #0b5394",
        "<meta name=\"color-scheme\" content=\"light dark\">",
        "@media (prefers-color-scheme: dark)",
        "Written in Lisbon. &lt;b&gt;raw&lt;/b&gt;",
        "Example Ltd<br>1 Main St &amp; Co<br>Springfield, IL 62701",
    ] {
        assert!(page.contains(expected), "{expected}\n{page}");
    }
    let csp = reply.header("content-security-policy").unwrap_or("");
    assert!(
        csp.contains("img-src 'self' https://cdn.example.com;"),
        "{csp}"
    );
    assert!(csp.contains("default-src 'none'"), "{csp}");
}
