//! One exact message, byte for byte: what a subscriber receives for a fixed site, clock,
//! secret and issue. Any change to headers, encoding, layout or wording shows up here and
//! is reviewed like code (`cargo insta review`).

use crate::support::Site;

const CONFIG: &str = "\
site:
  title: Golden Site
  url: https://example.com/blog/
  description: A site for the golden message
  author: Site Author
newsletter:
  from: \"Golden Site <news@example.com>\"
  reply_to: editors@example.com
  unsubscribe_url: \"https://example.com/unsubscribe/{token}\"
  unsubscribe_mailto: unsubscribe@example.com
";

#[test]
fn the_message_a_subscriber_receives_is_exactly_the_golden_one() {
    let site = Site::with_config(CONFIG);
    site.write(
        "content/first.md",
        "---\ntitle: 'First <piece> & more'\nsubtitle: 'A subtitle, with “quotes”'\n\
         description: 'What the first piece is about.'\nauthor: 'Ann Writer'\n\
         read_time: '4 mins'\npublish_date: '2025-12-01'\nheroImage: 'images/hero.jpg'\n\
         cta: 'Read it now'\n---\n\nBody.\n",
    );
    site.write(
        "content/second.md",
        "---\ntitle: 'Second'\npublish_date: '2025-12-02'\n---\n\nBody.\n",
    );
    let env = [("HERALD_SECRET", "golden-secret-0f3c8a5e9b2d7146a2c9")];
    site.herald_with(
        &[
            "subscribers",
            "add",
            "reader@example.org",
            "--name",
            "Río Reader",
        ],
        &env,
    )
    .expect_code(0);
    let run = site.herald_with(&["send"], &env);
    run.expect_code(0);
    let outbox = site.path(".herald/outbox");
    let issues: Vec<_> = std::fs::read_dir(&outbox).unwrap().collect();
    assert_eq!(issues.len(), 1, "{}", run.describe());
    let issue = issues[0].as_ref().unwrap().path();
    let eml = std::fs::read_to_string(issue.join("reader@example.org.eml")).unwrap();
    // insta compares text with line endings normalised: the wire form is CRLF only.
    assert!(
        !eml.replace("\r\n", "").contains(['\r', '\n']),
        "bare CR or LF"
    );
    let message = mail_parser::MessageParser::default()
        .parse(eml.as_bytes())
        .expect("parses");
    assert_eq!(message.text_body.len(), 1);
    assert_eq!(message.html_body.len(), 1);
    insta::assert_snapshot!("golden.eml", eml);
}
