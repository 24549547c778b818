//! Turning `herald.yaml` and the secrets into a composer and a transport, with errors
//! that name the setting to fix.

use std::time::{Duration, SystemTime};

use crate::config::{Config, Newsletter, Secrets};
use crate::digest::Rendered;
use crate::error::{Error, Result, SecretProblem};
use crate::mail::compose::{ComposerSettings, DkimKey, Letterhead};
use crate::mail::unsubscribe::Unsubscribe;
use crate::mail::{Composer, Deliver, Outbox, Smtp, SmtpSettings};

use super::plan::IssuePlan;

/// The `newsletter:` section and its `from`, or an error saying to add them.
pub(super) fn newsletter_section(config: &Config) -> Result<(&Newsletter, &str)> {
    let newsletter = &config.newsletter;
    let from = newsletter.from.as_deref().ok_or_else(|| {
        Error::newsletter(
            config_file(config),
            "`newsletter.from` is not set: add a `newsletter:` section with at least `from: \"Site <news@example.com>\"` and `unsubscribe_url:` or `unsubscribe_mailto:`",
        )
    })?;
    Ok((newsletter, from))
}

/// The composer for `plan`, whose articles (all, or those of one edition) are
/// `rendered`. Without `HERALD_SECRET`, `preview` allows a fixed
/// placeholder key (for `herald digest`); sending requires the real one.
pub(crate) fn composer_for(
    config: &Config,
    secrets: &Secrets,
    plan: &IssuePlan<'_>,
    rendered: &Rendered,
    date: SystemTime,
    subject_prefix: &str,
    preview: bool,
) -> Result<Composer> {
    let (newsletter, from) = newsletter_section(config)?;
    let path = config_file(config);
    let unsubscribe_url = config.unsubscribe_url();
    if unsubscribe_url.is_none() && newsletter.unsubscribe_mailto.is_none() {
        return Err(Error::newsletter(
            &path,
            "newsletter: set `unsubscribe_url` (https, with {token}), `unsubscribe_mailto`, or `serve.public_url` (for herald serve's own page): every message needs an unsubscribe link",
        ));
    }
    let secret = match (secrets.secret_key()?, preview) {
        (Some(secret), _) => secret.to_vec(),
        (None, true) => b"herald-preview-placeholder".to_vec(),
        (None, false) => {
            return Err(SecretProblem::Missing {
                needed_by: "`herald send` needs it to sign the unsubscribe links",
            }
            .into());
        }
    };
    let dkim = dkim_key(newsletter)?;
    let settings = ComposerSettings {
        issue: &plan.issue.id,
        from,
        reply_to: newsletter.reply_to.as_deref(),
        site_title: &config.site.title,
        unsubscribe: Unsubscribe {
            url: unsubscribe_url,
            mailto: newsletter.unsubscribe_mailto.clone(),
            preferences: config.preferences_url(),
            secret,
        },
        dkim,
        date,
        subject_prefix,
        bounce_address: newsletter.bounce_address.as_deref(),
        archived_at: plan.archive.as_ref().map(|place| place.url.as_str()),
    };
    Composer::new(settings, rendered.clone(), &path)
}

/// What every message carries (`From`, `Reply-To`, the DKIM signature), for the
/// messages that are not an issue: `herald serve`'s confirmation mails.
pub(crate) fn letterhead(config: &Config) -> Result<Letterhead> {
    let (newsletter, from) = newsletter_section(config)?;
    Letterhead::new(
        from,
        newsletter.reply_to.as_deref(),
        dkim_key(newsletter)?,
        &config.file,
    )
}

/// `newsletter.dkim`'s key, read from its file, when DKIM is configured.
fn dkim_key(newsletter: &Newsletter) -> Result<Option<DkimKey>> {
    let Some(dkim) = &newsletter.dkim else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&dkim.private_key_file)
        .map_err(|e| Error::io(&dkim.private_key_file, e))?;
    DkimKey::parse(&dkim.domain, &dkim.selector, &text, &dkim.private_key_file).map(Some)
}

/// The SMTP relay (`HERALD_SMTP_URL`, else `smtp.url`), or the outbox folder
/// `<state folder>/outbox/<issue>/` when neither the `smtp:` section nor
/// `HERALD_SMTP_URL` is there.
pub(crate) fn transport_for(
    config: &Config,
    secrets: &Secrets,
    issue: &str,
) -> Result<Box<dyn Deliver>> {
    let url = secrets
        .smtp_url
        .clone()
        .or_else(|| config.smtp.as_ref().and_then(|s| s.url.clone()));
    let Some(url) = url else {
        if config.smtp.is_some() {
            return Err(Error::newsletter(
                config_file(config),
                "smtp: has no `url` and HERALD_SMTP_URL is not set; give one (e.g. smtp://mail.example.com:587?tls=required), or remove `smtp:` to write .eml files instead",
            ));
        }
        let outbox = Outbox::new(outbox_dir(config).join(issue))
            .recording_envelope(config.newsletter.bounce_address.is_some());
        return Ok(Box::new(outbox));
    };
    let smtp = config.smtp.clone().unwrap_or_default();
    let settings = SmtpSettings {
        url,
        password: secrets.smtp_password.clone(),
        concurrency: smtp.concurrency,
        timeout: Duration::from_secs(smtp.timeout_seconds),
        ca_file: smtp.ca_file,
    };
    let smtp = Smtp::new(&settings)?;
    smtp.check()?;
    Ok(Box::new(smtp))
}

/// `.herald/outbox` beside the state database: without an SMTP relay, each issue's
/// messages are written to `<outbox>/<issue>/`.
pub fn outbox_dir(config: &Config) -> std::path::PathBuf {
    config.beside_state("outbox")
}

/// The config file, for messages.
pub(super) fn config_file(config: &Config) -> std::path::PathBuf {
    config.file.clone()
}
