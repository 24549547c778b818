//! Reading `herald.yaml` from bytes, validating it and resolving its paths.

use std::path::{Path, PathBuf};

use super::schema::{Config, Topic};
use crate::content::tag_slug;
use crate::error::{Error, Result, SecretProblem, strip_location};

/// The config file looked for when `--config` is not given.
pub(crate) const DEFAULT_FILE: &str = "herald.yaml";

/// The fewest bytes `HERALD_SECRET` may have: 256 bits, what `openssl rand -hex 32`
/// gives (as 64 hex digits).
pub(crate) const MIN_SECRET_BYTES: usize = 32;

/// Values that come from the environment, never from `herald.yaml`.
///
/// `main` reads them once and passes them in, so the library never touches the
/// environment itself. Their `Debug` output hides the values.
/// Start from [`Secrets::default`] (none set) or `Secrets::from_env` and set the
/// fields you have; more may be added, so it is not built with a struct literal.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct Secrets {
    /// `HERALD_SMTP_URL`: overrides `smtp.url`; may carry credentials.
    pub smtp_url: Option<String>,
    /// `HERALD_SMTP_PASSWORD`: the SMTP password.
    pub smtp_password: Option<String>,
    /// `HERALD_SECRET`: the key for unsubscribe tokens. Read it through
    /// `Secrets::secret_key`, which checks its length.
    pub secret: Option<String>,
    /// `HERALD_MAILGUN_SIGNING_KEY`: Mailgun's webhook signing key; turns on
    /// `POST /webhooks/mailgun`.
    pub mailgun_signing_key: Option<String>,
    /// `HERALD_POSTMARK_WEBHOOK_USER`: the basic-auth user of Postmark's webhook; with
    /// the password it turns on `POST /webhooks/postmark`.
    pub postmark_webhook_user: Option<String>,
    /// `HERALD_POSTMARK_WEBHOOK_PASSWORD`: the basic-auth password of Postmark's webhook.
    pub postmark_webhook_password: Option<String>,
    /// `HERALD_SENDGRID_WEBHOOK_PUBLIC_KEY`: the base64 verification key SendGrid shows
    /// for its signed Event Webhook; turns on `POST /webhooks/sendgrid`.
    pub sendgrid_webhook_public_key: Option<String>,
}

impl Secrets {
    /// Reads `HERALD_SMTP_URL`, `HERALD_SMTP_PASSWORD`, `HERALD_SECRET` and the relay
    /// webhooks' secrets (`HERALD_MAILGUN_SIGNING_KEY`, `HERALD_POSTMARK_WEBHOOK_USER`,
    /// `HERALD_POSTMARK_WEBHOOK_PASSWORD`, `HERALD_SENDGRID_WEBHOOK_PUBLIC_KEY`).
    pub(crate) fn from_env() -> Self {
        let var = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
        Secrets {
            smtp_url: var("HERALD_SMTP_URL"),
            smtp_password: var("HERALD_SMTP_PASSWORD"),
            secret: var("HERALD_SECRET"),
            mailgun_signing_key: var("HERALD_MAILGUN_SIGNING_KEY"),
            postmark_webhook_user: var("HERALD_POSTMARK_WEBHOOK_USER"),
            postmark_webhook_password: var("HERALD_POSTMARK_WEBHOOK_PASSWORD"),
            sendgrid_webhook_public_key: var("HERALD_SENDGRID_WEBHOOK_PUBLIC_KEY"),
        }
    }

    /// `HERALD_SECRET`'s bytes: `Ok(None)` when it is not set, an error when it is
    /// shorter than [`MIN_SECRET_BYTES`]. Every command that uses the secret reads it
    /// here, so the rule is the same everywhere.
    pub(crate) fn secret_key(&self) -> std::result::Result<Option<&[u8]>, SecretProblem> {
        match self.secret.as_deref().map(str::as_bytes) {
            Some(key) if key.len() < MIN_SECRET_BYTES => {
                Err(SecretProblem::TooShort { bytes: key.len() })
            }
            key => Ok(key),
        }
    }
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |v: &Option<String>| if v.is_some() { "<set>" } else { "<unset>" };
        f.debug_struct("Secrets")
            .field("smtp_url", &shown(&self.smtp_url))
            .field("smtp_password", &shown(&self.smtp_password))
            .field("secret", &shown(&self.secret))
            .field("mailgun_signing_key", &shown(&self.mailgun_signing_key))
            .field("postmark_webhook_user", &shown(&self.postmark_webhook_user))
            .field(
                "postmark_webhook_password",
                &shown(&self.postmark_webhook_password),
            )
            .field(
                "sendgrid_webhook_public_key",
                &shown(&self.sendgrid_webhook_public_key),
            )
            .finish()
    }
}

impl Config {
    /// The folder the feeds are written to and deployed from (`output_dir`).
    pub fn output_dir(&self) -> &Path {
        &self.output_dir
    }

    /// The SQLite state database (`state_file`, `.herald/herald.db` by default): open
    /// it with [`crate::store::Store::open`].
    pub fn state_file(&self) -> &Path {
        &self.state_file
    }

    /// `feeds.limit`: how many of the newest published articles a feed shows (0: all),
    /// the `limit` to pass to [`crate::feed::select`].
    pub fn feed_limit(&self) -> usize {
        self.feeds.limit
    }

    /// The parsed `site.url`: absolute http(s), ending in `/`; every link is built on it.
    pub fn base_url(&self) -> &url::Url {
        &self.base_url
    }

    /// The parsed `site.timezone` (default UTC), for dates written without an offset.
    pub fn timezone(&self) -> chrono_tz::Tz {
        self.timezone
    }

    /// The address of the article whose slug is `slug`: `permalink` with `{slug}`
    /// replaced, under `site.url`.
    pub(crate) fn article_url(&self, slug: &str) -> std::result::Result<url::Url, url::ParseError> {
        let path = self.permalink.replace("{slug}", slug);
        self.base_url.join(path.trim_start_matches('/'))
    }

    /// The file or folder `name` beside the state database (`.herald/` by default):
    /// where the build and send locks, the outbox and the render record live.
    pub(crate) fn beside_state(&self, name: &str) -> PathBuf {
        self.state_file
            .parent()
            .unwrap_or(Path::new("."))
            .join(name)
    }

    /// Reads and validates the config file at `path`.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Config::from_yaml(&text, path)
    }

    /// Parses `text` as if it were the file at `path` (used for messages and to resolve
    /// relative paths against `path`'s folder).
    pub fn from_yaml(text: &[u8], path: &Path) -> Result<Config> {
        let fail = |line, message: String| Error::Config {
            path: path.to_path_buf(),
            line,
            message,
        };
        let text = std::str::from_utf8(text).map_err(|e| {
            fail(
                None,
                format!("not valid UTF-8 ({e}); save the file as UTF-8"),
            )
        })?;
        let mut config: Config = serde_yaml::from_str(text).map_err(|e| {
            let line = e.location().map(|l| l.line());
            let column = e.location().map(|l| format!(" (column {})", l.column()));
            fail(
                line,
                format!(
                    "{}{}",
                    strip_location(&e.to_string()),
                    column.unwrap_or_default()
                ),
            )
        })?;
        let root = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new(""))
            .to_path_buf();
        config.validate().map_err(|message| fail(None, message))?;
        config.resolve_paths(&root);
        config
            .check_stylesheet()
            .map_err(|message| fail(None, message))?;
        config.file = path.to_path_buf();
        Ok(config)
    }

    fn validate(&mut self) -> std::result::Result<(), String> {
        self.base_url = parse_site_url(&self.site.url)?;
        self.timezone = self.site.timezone.parse().map_err(|_| {
            format!(
                "site.timezone {:?} is not an IANA time zone (use a name such as UTC, Europe/Paris or America/New_York)",
                self.site.timezone
            )
        })?;
        for (field, value) in [
            ("site.title", &self.site.title),
            ("site.description", &self.site.description),
        ] {
            if value.trim().is_empty() {
                return Err(format!("{field} is empty; give it a value"));
            }
        }
        if !self.permalink.contains("{slug}") {
            return Err(format!(
                "permalink {:?} does not contain {{slug}}, so every article would get the same URL (use e.g. /articles/{{slug}}/)",
                self.permalink
            ));
        }
        if let Some(address) = &self.newsletter.bounce_address {
            check_bounce_address(address)?;
        }
        if self.newsletter.bounces.soft_limit == 0 {
            return Err(
                "newsletter.bounces.soft_limit must be at least 1 (the default, 5, suppresses an address after soft bounces on 5 distinct issues)".into(),
            );
        }
        if let Some(smtp) = &self.smtp
            && smtp.concurrency == 0
        {
            return Err("smtp.concurrency must be at least 1".into());
        }
        self.newsletter.theme.validate(&self.base_url)?;
        validate_topics(&self.newsletter.topics)?;
        self.validate_feeds()?;
        self.validate_serve()
    }

    fn validate_feeds(&mut self) -> std::result::Result<(), String> {
        let feeds = &mut self.feeds;
        if let Some(raw) = &feeds.websub_hub {
            let url = url::Url::parse(raw.trim())
                .ok()
                .filter(|url| matches!(url.scheme(), "http" | "https"))
                .ok_or_else(|| {
                    format!(
                        "feeds.websub_hub {raw:?} is not an absolute http(s) URL; give the hub's URL, e.g. https://pubsubhubbub.appspot.com/"
                    )
                })?;
            feeds.websub_hub = Some(url.into());
        }
        if feeds.websub_timeout_seconds == 0 {
            return Err("feeds.websub_timeout_seconds must be at least 1".into());
        }
        Ok(())
    }

    fn validate_serve(&mut self) -> std::result::Result<(), String> {
        let serve = &mut self.serve;
        if let Some(raw) = &serve.public_url {
            let url = url::Url::parse(raw.trim()).map_err(|e| {
                format!("serve.public_url {raw:?} is not an absolute URL ({e}); give the server's public base, e.g. https://news.example.com")
            })?;
            if !matches!(url.scheme(), "http" | "https") || url.query().is_some() {
                return Err(format!(
                    "serve.public_url {raw:?} must be an http(s) URL without a query, e.g. https://news.example.com"
                ));
            }
            serve.public_url = Some(url.as_str().trim_end_matches('/').to_string());
        }
        serve.trusted_proxy_nets()?;
        if serve.confirm_hours == 0 {
            return Err("serve.confirm_hours must be at least 1".into());
        }
        if serve.max_body_bytes < 1024 {
            return Err("serve.max_body_bytes must be at least 1024".into());
        }
        for (key, seconds) in [
            (
                "header_read_timeout_seconds",
                serve.header_read_timeout_seconds,
            ),
            ("idle_timeout_seconds", serve.idle_timeout_seconds),
        ] {
            if seconds == 0 {
                return Err(format!(
                    "serve.{key} must be at least 1 (a connection needs some time to send a request)"
                ));
            }
        }
        for arn in &serve.webhooks.ses_topic_arns {
            if !arn.starts_with("arn:") || arn.split(':').count() != 6 {
                return Err(format!(
                    "serve.webhooks.ses_topic_arns: {arn:?} is not an SNS topic ARN; copy it from the SNS console, e.g. arn:aws:sns:us-east-1:123456789012:ses-bounces"
                ));
            }
        }
        if serve.preview_token.as_deref().is_some_and(|t| t.len() < 16) {
            return Err(
                "serve.preview_token is shorter than 16 characters; use a long random string"
                    .into(),
            );
        }
        Ok(())
    }

    /// The one-click unsubscribe URL template: `newsletter.unsubscribe_url`, else
    /// `{serve.public_url}/unsubscribe/{token}` when the server's public URL is set.
    pub(crate) fn unsubscribe_url(&self) -> Option<String> {
        self.newsletter.unsubscribe_url.clone().or_else(|| {
            self.serve
                .public_url
                .as_ref()
                .map(|base| format!("{base}/unsubscribe/{{token}}"))
        })
    }

    /// The preferences page's URL template (`{token}` in it): `newsletter.preferences_url`,
    /// else `herald serve`'s own page under `serve.public_url`, else none.
    pub(crate) fn preferences_url(&self) -> Option<String> {
        self.newsletter.preferences_url.clone().or_else(|| {
            self.serve
                .public_url
                .as_ref()
                .map(|base| format!("{base}/preferences/{{token}}"))
        })
    }

    /// What `check` and `send` warn about in the newsletter settings without refusing
    /// them: a missing `newsletter.postal_address` once the newsletter is set up
    /// (`newsletter.from`), since CAN-SPAM requires a physical address in commercial
    /// email.
    pub(crate) fn newsletter_warnings(&self) -> Vec<crate::error::Diagnostic> {
        let newsletter = &self.newsletter;
        let missing = newsletter
            .postal_address
            .as_deref()
            .is_none_or(|a| a.trim().is_empty());
        if newsletter.from.is_some() && missing {
            vec![crate::error::Diagnostic::warning(
                &self.file,
                None,
                "newsletter.postal_address is not set: CAN-SPAM requires a physical postal address in commercial email; add it under `newsletter:`, e.g. postal_address: \"Example Ltd, 1 Main St, Springfield, IL 62701, USA\"",
            )]
        } else {
            Vec::new()
        }
    }

    /// `feeds.stylesheet`'s file is there to copy: a missing or empty path is a
    /// configuration error (exit 2) here, not an I/O error at build time.
    fn check_stylesheet(&self) -> std::result::Result<(), String> {
        let crate::config::Stylesheet::File(file) = &self.feeds.stylesheet else {
            return Ok(());
        };
        if file.is_file() {
            return Ok(());
        }
        Err(format!(
            "feeds.stylesheet: cannot read {} (no such file); give the path of an .xsl file (relative to this file), true for herald's own, or false",
            file.display()
        ))
    }

    fn resolve_paths(&mut self, root: &Path) {
        let join = |p: &PathBuf| root.join(p);
        self.content_dir = join(&self.content_dir);
        self.output_dir = join(&self.output_dir);
        self.state_file = join(&self.state_file);
        self.ids_file = join(&self.ids_file);
        if let Some(dkim) = self.newsletter.dkim.as_mut() {
            dkim.private_key_file = root.join(&dkim.private_key_file);
        }
        if let crate::config::Stylesheet::File(file) = &mut self.feeds.stylesheet {
            *file = root.join(&*file);
        }
        if let Some(ca_file) = self.smtp.as_mut().and_then(|s| s.ca_file.as_mut()) {
            *ca_file = root.join(&*ca_file);
        }
        self.root = root.to_path_buf();
    }
}

impl crate::config::Serve {
    /// `trusted_proxies` parsed: each entry an IP address or a CIDR block.
    pub(crate) fn trusted_proxy_nets(&self) -> std::result::Result<Vec<ipnet::IpNet>, String> {
        self.trusted_proxies
            .iter()
            .map(|entry| {
                let entry = entry.trim();
                entry
                    .parse::<ipnet::IpNet>()
                    .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| {
                        format!(
                            "serve.trusted_proxies: {entry:?} is not an IP address or CIDR block (use e.g. 127.0.0.1 or 10.0.0.0/8)"
                        )
                    })
            })
            .collect()
    }
}

/// `newsletter.topics`: each with a tag and a name, no two tags that are one tag (the
/// same slug, as per-tag feeds and articles' tags are matched).
fn validate_topics(topics: &[Topic]) -> std::result::Result<(), String> {
    let mut seen: Vec<(String, &str)> = Vec::new();
    for (i, topic) in topics.iter().enumerate() {
        if topic.name.trim().is_empty() {
            return Err(format!(
                "newsletter.topics[{i}] (tag {:?}) has an empty name; give it the name readers see, e.g. name: \"Rust and systems\"",
                topic.tag
            ));
        }
        let Some(slug) = tag_slug::slug(&topic.tag) else {
            return Err(format!(
                "newsletter.topics[{i}] ({:?}) has no usable tag ({:?}); give the article tag it stands for, as written in front matter `tags:`",
                topic.name, topic.tag
            ));
        };
        if let Some((_, first)) = seen.iter().find(|(s, _)| *s == slug) {
            return Err(format!(
                "newsletter.topics has the tag {first:?} twice (as {:?}: tags are matched by slug, so both are `{slug}`); remove one of them",
                topic.tag
            ));
        }
        seen.push((slug, &topic.tag));
    }
    Ok(())
}

/// `newsletter.bounce_address` must be a bare `local@domain` whose local part has no
/// `+`, since VERP puts `+{token}` after it.
fn check_bounce_address(raw: &str) -> std::result::Result<(), String> {
    let bad = |why: &str| {
        Err(format!(
            "newsletter.bounce_address {raw:?} {why}; give a bare address such as bounces@example.com"
        ))
    };
    let Some((local, domain)) = raw.rsplit_once('@') else {
        return bad("has no @");
    };
    if local.is_empty() || domain.is_empty() || !domain.contains('.') {
        return bad("is not an address");
    }
    if raw.contains(|c: char| c.is_whitespace() || c.is_control() || "<>\"(),;:[]".contains(c))
        || local.contains('@')
    {
        return bad("is not a bare address (no name, brackets or spaces)");
    }
    if local.contains('+') {
        return bad("already has a + in its local part (herald adds +{token} itself)");
    }
    Ok(())
}

fn parse_site_url(raw: &str) -> std::result::Result<url::Url, String> {
    let hint = "give the absolute home URL, e.g. https://example.com/";
    let mut url = url::Url::parse(raw.trim())
        .map_err(|e| format!("site.url {raw:?} is not an absolute URL ({e}); {hint}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!(
            "site.url {raw:?} must be an http or https URL; {hint}"
        ));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "site:\n  title: T\n  url: https://example.com/blog\n  description: D\n";

    fn parse(text: &str) -> Result<Config> {
        Config::from_yaml(text.as_bytes(), Path::new("site/herald.yaml"))
    }

    #[test]
    fn defaults_and_paths_resolve_against_the_config_folder() {
        let config = parse(MINIMAL).unwrap();
        assert_eq!(config.content_dir, Path::new("site/content"));
        assert_eq!(config.output_dir, Path::new("site/public"));
        assert_eq!(config.state_file, Path::new("site/.herald/herald.db"));
        assert_eq!(config.base_url.as_str(), "https://example.com/blog/");
        assert_eq!(config.feeds.limit, 20);
        assert_eq!(config.timezone, chrono_tz::UTC);
    }

    #[test]
    fn rejects_bad_values_with_a_fix() {
        let cases = [
            (
                "url: https://example.com/blog",
                "url: /blog/",
                "site.url \"/blog/\" is not an absolute URL",
            ),
            (
                "url: https://example.com/blog",
                "url: ftp://example.com/",
                "must be an http or https URL",
            ),
            (
                "description: D",
                "description: D\n  timezone: Mars/Olympus",
                "not an IANA time zone",
            ),
            (
                "description: D",
                "description: D\npermalink: /a/",
                "does not contain {slug}",
            ),
        ];
        for (from, to, expected) in cases {
            let err = parse(&MINIMAL.replace(from, to)).unwrap_err().to_string();
            assert!(err.contains(expected), "{to}: {err}");
            assert!(err.starts_with("site/herald.yaml"), "{err}");
        }
    }

    #[test]
    fn topics_need_a_tag_a_name_and_distinct_slugs() {
        let topics = |list: &str| parse(&format!("{MINIMAL}newsletter:\n  topics:\n{list}"));
        let config = topics(
            "    - tag: Rust\n      name: Rust\n    - tag: c++\n      name: C++\n      description: Templates.\n",
        )
        .unwrap();
        assert_eq!(config.newsletter.topics.len(), 2);
        assert_eq!(
            config.newsletter.topics[1].description.as_deref(),
            Some("Templates.")
        );
        let cases = [
            ("    - tag: rust\n      name: \" \"\n", "has an empty name"),
            (
                "    - tag: \"--\"\n      name: Dashes\n",
                "has no usable tag",
            ),
            (
                "    - tag: Rust\n      name: A\n    - tag: \" rust \"\n      name: B\n",
                "has the tag \"Rust\" twice",
            ),
            ("    - tag: rust\n", "missing field `name`"),
        ];
        for (list, expected) in cases {
            let err = topics(list).unwrap_err().to_string();
            assert!(err.contains(expected), "{list}: {err}");
            assert!(err.starts_with("site/herald.yaml"), "{err}");
        }
    }

    #[test]
    fn unknown_key_is_an_error_with_line_and_column() {
        let err = parse(&format!("{MINIMAL}feeds:\n  limt: 3\n"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("site/herald.yaml:6:"), "{err}");
        assert!(err.contains("unknown field `limt`"), "{err}");
        assert!(err.contains("column 3"), "{err}");
    }

    #[test]
    fn serve_defaults_and_checks() {
        let config = parse(MINIMAL).unwrap();
        assert_eq!(config.serve.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.serve.confirm_hours, 48);
        let serve = &config.serve;
        assert_eq!(
            (
                serve.header_read_timeout_seconds,
                serve.idle_timeout_seconds,
                serve.shutdown_timeout_seconds
            ),
            (10, 180, 10)
        );
        assert_eq!(config.unsubscribe_url(), None);
        let with_url = parse(&format!(
            "{MINIMAL}serve:\n  public_url: https://news.example.com/\n  trusted_proxies: [127.0.0.1, 10.0.0.0/8]\n"
        ))
        .unwrap();
        assert_eq!(
            with_url.unsubscribe_url().as_deref(),
            Some("https://news.example.com/unsubscribe/{token}")
        );
        assert_eq!(config.preferences_url(), None);
        assert_eq!(
            with_url.preferences_url().as_deref(),
            Some("https://news.example.com/preferences/{token}")
        );
        let explicit = parse(&format!(
            "{MINIMAL}serve:\n  public_url: https://news.example.com\nnewsletter:\n  from: a@example.com\n  unsubscribe_url: https://other.example.com/u/{{token}}\n"
        ))
        .unwrap();
        assert_eq!(
            explicit.unsubscribe_url().as_deref(),
            Some("https://other.example.com/u/{token}")
        );
        // The preferences page stays herald serve's own unless set apart.
        assert_eq!(
            explicit.preferences_url().as_deref(),
            Some("https://news.example.com/preferences/{token}")
        );
        let cases = [
            (
                "serve:\n  trusted_proxies: [10.0.0.0/33]\n",
                "is not an IP address or CIDR",
            ),
            (
                "serve:\n  public_url: news.example.com\n",
                "serve.public_url",
            ),
            (
                "serve:\n  listen: localhost\n",
                "herald.yaml:6: serve.listen: invalid socket address",
            ),
            ("serve:\n  lisen: 127.0.0.1:1\n", "unknown field `lisen`"),
            ("serve:\n  preview_token: short\n", "shorter than 16"),
            (
                "serve:\n  header_read_timeout_seconds: 0\n",
                "serve.header_read_timeout_seconds must be at least 1",
            ),
            (
                "serve:\n  idle_timeout_seconds: 0\n",
                "serve.idle_timeout_seconds must be at least 1",
            ),
        ];
        for (extra, expected) in cases {
            let err = parse(&format!("{MINIMAL}{extra}")).unwrap_err().to_string();
            assert!(err.contains(expected), "{extra}: {err}");
        }
    }

    #[test]
    fn theme_keys_are_checked_at_load_naming_the_file() {
        let err = parse(&format!(
            "{MINIMAL}newsletter:\n  theme:\n    accent: \"#aaaaaa\"\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("site/herald.yaml: "), "{err}");
        assert!(
            err.contains("newsletter.theme.accent #aaaaaa is too light"),
            "{err}"
        );
        let err = parse(&format!(
            "{MINIMAL}newsletter:\n  theme:\n    accent: blue\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(err.contains("#rgb or #rrggbb"), "{err}");
        let config = parse(&format!(
            "{MINIMAL}newsletter:\n  theme:\n    logo:\n      url: /logo.png\n      alt: T\n"
        ))
        .unwrap();
        let logo = config.newsletter.theme.logo.unwrap();
        assert_eq!(logo.url, "https://example.com/logo.png");
        assert_eq!(logo.width, 200);
        assert_eq!(config.newsletter.theme.accent, "#1d4ed8");
    }

    #[test]
    fn a_missing_postal_address_warns_once_the_newsletter_is_set_up() {
        assert!(parse(MINIMAL).unwrap().newsletter_warnings().is_empty());
        let with_from = format!("{MINIMAL}newsletter:\n  from: a@example.com\n");
        let warnings = parse(&with_from).unwrap().newsletter_warnings();
        assert_eq!(warnings.len(), 1);
        let shown = warnings[0].to_string();
        assert!(
            shown.starts_with("site/herald.yaml: warning: newsletter.postal_address"),
            "{shown}"
        );
        let with_address = format!("{with_from}  postal_address: |\n    1 Main St\n    Town\n");
        let config = parse(&with_address).unwrap();
        assert!(config.newsletter_warnings().is_empty());
        assert_eq!(
            config.newsletter.postal_address.as_deref(),
            Some("1 Main St\nTown\n")
        );
    }

    #[test]
    fn the_secret_must_be_32_bytes_or_more() {
        let with = |secret: Option<&str>| Secrets {
            secret: secret.map(str::to_string),
            ..Secrets::default()
        };
        /// A secret, and its length as read or the problem with it.
        type Case<'a> = (Option<&'a str>, Result<Option<usize>, SecretProblem>);
        let cases: [Case; 5] = [
            (None, Ok(None)),
            (Some("x"), Err(SecretProblem::TooShort { bytes: 1 })),
            (
                Some(&"x".repeat(31)),
                Err(SecretProblem::TooShort { bytes: 31 }),
            ),
            (Some(&"x".repeat(32)), Ok(Some(32))),
            // Bytes, not characters: 16 two-byte characters are enough.
            (Some(&"é".repeat(16)), Ok(Some(32))),
        ];
        for (secret, expected) in cases {
            let secrets = with(secret);
            let got = secrets.secret_key().map(|key| key.map(<[u8]>::len));
            assert_eq!(got, expected, "{secret:?}");
        }
        let message = SecretProblem::Missing {
            needed_by: "`herald send` needs it",
        }
        .to_string();
        assert!(
            message.starts_with("HERALD_SECRET is not set; `herald send` needs it: "),
            "{message}"
        );
        assert!(message.contains("openssl rand -hex 32"), "{message}");
        let short = with(Some("x")).secret_key().unwrap_err().to_string();
        assert!(
            short.contains("is 1 byte long; it must be at least 32"),
            "{short}"
        );
    }

    #[test]
    fn secrets_debug_hides_values() {
        let secrets = Secrets {
            smtp_url: Some("smtp://u:hunter2@host".into()),
            smtp_password: Some("hunter2".into()),
            mailgun_signing_key: Some("hunter2".into()),
            postmark_webhook_password: Some("hunter2".into()),
            ..Secrets::default()
        };
        assert!(!format!("{secrets:?}").contains("hunter2"));
    }
}
