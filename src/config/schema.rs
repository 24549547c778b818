//! The typed shape of `herald.yaml`.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::theme::Theme;

/// The whole configuration, with paths already made absolute by [`Config::load`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {
    /// The site the feeds describe.
    pub(crate) site: Site,
    /// Folder holding the `*.md` articles, relative to the config file.
    #[serde(default = "defaults::content_dir")]
    pub(crate) content_dir: PathBuf,
    /// Folder the feeds are written to, relative to the config file.
    #[serde(default = "defaults::output_dir")]
    pub(crate) output_dir: PathBuf,
    /// Each article's URL path under `site.url`; `{slug}` is replaced.
    #[serde(default = "defaults::permalink")]
    pub(crate) permalink: String,
    /// Feed options.
    #[serde(default)]
    pub(crate) feeds: FeedSettings,
    /// Email digest options; `newsletter.from` is required by `herald send`.
    #[serde(default)]
    pub(crate) newsletter: Newsletter,
    /// SMTP relay; without the section (and `HERALD_SMTP_URL`) messages are written to
    /// `.herald/outbox/`.
    #[serde(default)]
    pub(crate) smtp: Option<Smtp>,
    /// `herald serve` options.
    #[serde(default)]
    pub(crate) serve: Serve,
    /// The record of each article's first feed id (commit it with the content),
    /// relative to the config file.
    #[serde(default = "defaults::ids_file")]
    pub(crate) ids_file: PathBuf,
    /// The SQLite state database, relative to the config file.
    #[serde(default = "defaults::state_file")]
    pub(crate) state_file: PathBuf,
    /// The config file itself, for messages.
    #[serde(skip)]
    pub(crate) file: PathBuf,
    /// The folder the config file is in; every relative path was resolved against it.
    #[serde(skip)]
    pub(crate) root: PathBuf,
    /// The parsed `site.url`, guaranteed absolute http(s) and ending in `/`; derived
    /// from `site.url`, so read through [`Config::base_url`].
    #[serde(skip, default = "defaults::base_url")]
    pub(crate) base_url: url::Url,
    /// The parsed `site.timezone`, read through [`Config::timezone`].
    #[serde(skip, default = "defaults::timezone")]
    pub(crate) timezone: chrono_tz::Tz,
}

/// `site:`: what the feeds say about the blog.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Site {
    /// The blog's name (required).
    pub title: String,
    /// The blog's absolute home URL (required); every link is built on it.
    pub url: String,
    /// One line about the blog (required).
    pub description: String,
    /// Language tag such as `en` or `fr-CA`.
    #[serde(default)]
    pub language: Option<String>,
    /// Author used when an article names none.
    #[serde(default)]
    pub author: Option<String>,
    /// IANA time zone in which a date-only `publish_date` is midnight.
    #[serde(default = "defaults::timezone_name")]
    pub timezone: String,
}

/// `feeds:`: what goes in the feeds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct FeedSettings {
    /// The newest N published articles per feed; 0 means all.
    pub limit: usize,
    /// `full` (each item carries the article's HTML) or `summary` (the description, or
    /// subtitle, or the start of the text only).
    pub content: FeedContent,
    /// The XSL stylesheet that lets a browser show the RSS and Atom feeds as a page:
    /// `true` (herald's own, copied to `output_dir/feed.xsl`), `false` (none) or the path
    /// of your own file (relative to the config file), copied there instead.
    pub stylesheet: Stylesheet,
    /// A WebSub hub URL: announced in every feed, and pinged after a build that changed
    /// a feed.
    pub websub_hub: Option<String>,
    /// Seconds to wait for the WebSub hub before giving up on a ping (tried twice).
    pub websub_timeout_seconds: u64,
    /// Largest size of each feed file in bytes; past it, full content is dropped from
    /// the oldest items first, then the oldest items. 0 means no limit.
    pub max_bytes: usize,
    /// With a `limit`, also write RFC 5005 archive pages (`archive/rss-1.xml` …, oldest
    /// first) holding every published article the current feed leaves out. The first
    /// build renders them all; later builds render only the documents a change reached.
    pub archives: bool,
    /// Articles per archive page.
    pub archive_page_size: std::num::NonZeroUsize,
    /// Also write a feed per tag, under `tags/{slug}/`.
    pub per_tag: bool,
    /// With `per_tag` and `archives`, also give each tag's feed its own archive pages
    /// (`tags/{slug}/archive/…`). Off, a tag's feed is its current document only: every
    /// article is still in the site's archive, and tag archives would copy it once more
    /// per tag.
    pub tag_archives: bool,
}

impl Default for FeedSettings {
    fn default() -> Self {
        FeedSettings {
            limit: 20,
            content: FeedContent::Full,
            stylesheet: Stylesheet::Builtin,
            websub_hub: None,
            websub_timeout_seconds: 10,
            max_bytes: 1_000_000,
            archives: true,
            archive_page_size: std::num::NonZeroUsize::new(50)
                .unwrap_or(std::num::NonZeroUsize::MIN),
            per_tag: false,
            tag_archives: false,
        }
    }
}

/// `feeds.content`: what each feed item carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum FeedContent {
    /// The article's whole HTML, plus its summary.
    Full,
    /// The summary only: the description, else the subtitle, else the start of the text.
    Summary,
}

/// `feeds.stylesheet`: the XSL stylesheet linked from the XML feeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stylesheet {
    /// herald's own `templates/feed.xsl`.
    Builtin,
    /// No stylesheet: the feeds link none and no `feed.xsl` is written.
    Off,
    /// The user's file, copied to `output_dir/feed.xsl`.
    File(PathBuf),
}

impl<'de> Deserialize<'de> for Stylesheet {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // A string, not `deserialize_any`: YAML hands `true` and `false` to `visit_str`
        // when a string is asked for, and the schema stays traceable (the test that keeps
        // docs/configuration.md in step with the keys reads it with serde-reflection).
        deserializer.deserialize_str(StylesheetVisitor)
    }
}

/// Reads `true`, `false` or a path.
struct StylesheetVisitor;

impl serde::de::Visitor<'_> for StylesheetVisitor {
    type Value = Stylesheet;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("true, false or the path of an .xsl file")
    }

    fn visit_bool<E: serde::de::Error>(self, on: bool) -> Result<Stylesheet, E> {
        Ok(if on {
            Stylesheet::Builtin
        } else {
            Stylesheet::Off
        })
    }

    fn visit_str<E: serde::de::Error>(self, path: &str) -> Result<Stylesheet, E> {
        // An empty value stays a path, so the build names `feeds.stylesheet` when it
        // cannot read it, rather than quietly linking no stylesheet.
        Ok(match path.trim() {
            "true" => Stylesheet::Builtin,
            "false" => Stylesheet::Off,
            path => Stylesheet::File(PathBuf::from(path)),
        })
    }
}

/// `newsletter:`: the email digest. Every field has a default (written once, in
/// [`Newsletter::default`]); `from` is checked when sending, not when loading.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Newsletter {
    /// The `From:` mailbox, e.g. `Magick AI <news@magick.ai>` (required to send).
    pub from: Option<String>,
    /// An optional `Reply-To:` mailbox.
    pub reply_to: Option<String>,
    /// Subject template: `{site}`, `{first_title}`, `{count}` and `{more}` are replaced.
    pub subject: String,
    /// Most articles in one issue; the rest wait for the next one.
    pub max_articles: usize,
    /// One-click unsubscribe URL; `{token}` is replaced by the subscriber's token.
    pub unsubscribe_url: Option<String>,
    /// Address for `List-Unsubscribe: <mailto:…>`.
    pub unsubscribe_mailto: Option<String>,
    /// The preferences page's URL (topics, pause, unsubscribe), linked beside
    /// Unsubscribe in every message; `{token}` is replaced by the subscriber's token.
    /// Unset: `{serve.public_url}/preferences/{token}` when `serve.public_url` is set,
    /// else no link.
    pub preferences_url: Option<String>,
    /// Bounce address for VERP, e.g. `bounces@example.com`: each message's SMTP
    /// `MAIL FROM` becomes `bounces+{token}@example.com`, so `herald inbound` can tell
    /// whose message a bounce is about. Unset: `MAIL FROM` is the `from` address.
    pub bounce_address: Option<String>,
    /// Optional DKIM signing.
    pub dkim: Option<Dkim>,
    /// The sender's physical postal address (plain text, several lines allowed), shown
    /// at the foot of every issue; CAN-SPAM requires one in commercial email, so
    /// `check` and `send` warn when it is missing.
    pub postal_address: Option<String>,
    /// Logo, accent colour, header and footer of the digest and the `serve` pages.
    pub theme: Theme,
    /// What bounce reports do to an address.
    pub bounces: Bounces,
    /// Publish every issue `herald send` sends as a web page in `output_dir`
    /// (`newsletter/<date>-<slug>/index.html`, with an index and an Atom feed of the
    /// issues), and give each message a "View in browser" link and an `Archived-At:`
    /// header pointing at it.
    pub archive: bool,
    /// The topics a reader may choose from (article tags). A subscriber who chose
    /// none gets every article; one who chose some gets only the articles tagged with
    /// one of them.
    pub topics: Vec<Topic>,
}

impl Newsletter {
    /// The topic of `newsletter.topics` that `tag` names: the same tag by slug (as
    /// per-tag feeds match tags: `Rust`, `rust` and ` RUST ` are one), if any.
    pub(crate) fn topic(&self, tag: &str) -> Option<&Topic> {
        let slug = crate::content::tag_slug::slug(tag)?;
        self.topics
            .iter()
            .find(|topic| crate::content::tag_slug::slug(&topic.tag).as_deref() == Some(&slug))
    }
}

/// One of `newsletter.topics`: an article tag a reader may choose to receive.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Topic {
    /// The article tag, as written in front matter (`tags:`); matched as tags are
    /// matched for the per-tag feeds (by slug: `Rust` and `rust` are one tag).
    pub tag: String,
    /// What readers see, e.g. `Rust and systems`.
    pub name: String,
    /// One optional line under the name.
    #[serde(default)]
    pub description: Option<String>,
}

/// `newsletter.bounces:`: the bounce policy. A hard bounce (the mailbox or domain does
/// not exist) suppresses an address at the first report; soft bounces (full, blocked,
/// filtered, expired…) are counted and suppress it only after reports on
/// `soft_limit` distinct issues.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Bounces {
    /// Soft bounces on this many distinct issues make an address bounced (at least 1).
    pub soft_limit: u32,
}

impl Default for Bounces {
    fn default() -> Self {
        Bounces { soft_limit: 5 }
    }
}

impl Default for Newsletter {
    fn default() -> Self {
        Newsletter {
            from: None,
            reply_to: None,
            subject: "{site}: {first_title}".into(),
            max_articles: 10,
            unsubscribe_url: None,
            unsubscribe_mailto: None,
            preferences_url: None,
            bounce_address: None,
            dkim: None,
            postal_address: None,
            theme: Theme::default(),
            bounces: Bounces::default(),
            archive: true,
            topics: Vec::new(),
        }
    }
}

/// `newsletter.dkim:`: DKIM signing key.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Dkim {
    /// The signing domain (`d=`).
    pub domain: String,
    /// The selector (`s=`).
    pub selector: String,
    /// PEM private key (RSA or Ed25519), relative to the config file.
    pub private_key_file: PathBuf,
}

/// `smtp:`: the relay messages are sent through. Every field has a default (written
/// once, in [`Smtp::default`]); the section's presence means "send over SMTP", so a
/// section without `url` needs `HERALD_SMTP_URL`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Smtp {
    /// lettre URL form, e.g. `smtp://mail.example.com:587?tls=required`.
    pub url: Option<String>,
    /// Pooled connections.
    pub concurrency: usize,
    /// Messages per second across all connections; 0 means unlimited.
    pub rate_per_second: u32,
    /// Seconds to wait for the server before giving up on a command.
    pub timeout_seconds: u64,
    /// A PEM certificate to trust for STARTTLS/TLS besides the public roots (a private
    /// relay's CA), relative to the config file.
    pub ca_file: Option<PathBuf>,
}

impl Default for Smtp {
    fn default() -> Self {
        Smtp {
            url: None,
            concurrency: 4,
            rate_per_second: 0,
            timeout_seconds: 60,
            ca_file: None,
        }
    }
}

/// `serve:`: the HTTP server (`herald serve`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Serve {
    /// The address to listen on; `--listen` overrides it.
    pub listen: std::net::SocketAddr,
    /// The public base URL of this server (e.g. `https://news.example.com`), used in the
    /// links it mails; when set and `newsletter.unsubscribe_url` is not, unsubscribe
    /// links point at `{public_url}/unsubscribe/{token}`.
    pub public_url: Option<String>,
    /// Reverse proxies (IPs or CIDRs) whose `X-Forwarded-For` is believed; from any
    /// other peer the header is ignored.
    pub trusted_proxies: Vec<String>,
    /// The token that unlocks `GET /preview` (`?token=` or `Authorization: Bearer`);
    /// without it the preview is off (404).
    pub preview_token: Option<String>,
    /// Hours a sign-up confirmation link stays valid.
    pub confirm_hours: u32,
    /// Sign-ups accepted per client IP per minute.
    pub signups_per_ip_per_minute: u32,
    /// Minutes between two confirmation mails to the same mailbox (`+tags` folded).
    pub confirm_mail_interval_minutes: u32,
    /// Confirmation mails sent per hour, over all addresses; past it sign-ups wait in
    /// the queue. 0 = no cap.
    pub confirm_mails_per_hour: u32,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Seconds a client has to send a whole request head: from the moment it connects,
    /// or, for a later request on a kept-alive connection, from the head's first byte.
    /// Past it the connection is closed.
    pub header_read_timeout_seconds: u64,
    /// Seconds a kept-alive connection may wait for its next request after an answer;
    /// past them it is closed.
    pub idle_timeout_seconds: u64,
    /// Seconds SIGTERM or Ctrl-C waits for open requests to finish; past them the
    /// connections still open are closed and the process exits. 0 closes them at once.
    pub shutdown_timeout_seconds: u64,
    /// The relays' bounce and complaint callbacks (`POST /webhooks/…`).
    pub webhooks: Webhooks,
}

/// `serve.webhooks:`: relay callbacks. Mailgun, Postmark and SendGrid are turned on by
/// their secrets in the environment; Amazon SES (through SNS) by its topics here.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Webhooks {
    /// The SNS topic ARNs whose SES notifications `POST /webhooks/ses` accepts (and
    /// whose subscription it confirms); empty: the endpoint is off (404).
    pub ses_topic_arns: Vec<String>,
}

impl Default for Serve {
    fn default() -> Self {
        Serve {
            listen: std::net::SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            trusted_proxies: Vec::new(),
            preview_token: None,
            confirm_hours: 48,
            signups_per_ip_per_minute: 5,
            confirm_mail_interval_minutes: 10,
            confirm_mails_per_hour: 100,
            max_body_bytes: 16 * 1024,
            header_read_timeout_seconds: 10,
            idle_timeout_seconds: 180,
            shutdown_timeout_seconds: 10,
            webhooks: Webhooks::default(),
        }
    }
}

mod defaults {
    use std::path::PathBuf;

    pub(super) fn content_dir() -> PathBuf {
        "content".into()
    }
    pub(super) fn output_dir() -> PathBuf {
        "public".into()
    }
    pub(super) fn state_file() -> PathBuf {
        ".herald/herald.db".into()
    }
    pub(super) fn ids_file() -> PathBuf {
        "herald-ids.yaml".into()
    }
    pub(super) fn permalink() -> String {
        "/articles/{slug}/".into()
    }
    pub(super) fn timezone_name() -> String {
        "UTC".into()
    }
    pub(super) fn timezone() -> chrono_tz::Tz {
        chrono_tz::UTC
    }
    pub(super) fn base_url() -> url::Url {
        url::Url::parse("http://localhost/").expect("constant URL parses")
    }
}
