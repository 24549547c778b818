//! The relays' bounce and complaint callbacks: `POST /webhooks/ses` (Amazon SES
//! through SNS), `/webhooks/mailgun`, `/webhooks/postmark` and `/webhooks/sendgrid`.
//!
//! Each endpoint is off (404) until configured: SES by `serve.webhooks.ses_topic_arns`,
//! the others by their secrets in the environment. A request is authenticated first
//! (the SNS signature with the certificate at its `SigningCertURL`, Mailgun's HMAC and
//! one-time token, Postmark's basic auth, SendGrid's ECDSA signature; a signed
//! timestamp must be recent): an unsigned, forged, stale or replayed one gets 401 and
//! changes nothing. Then each event becomes the message `herald inbound` would have
//! read (`apply.rs`) and is applied once, keyed by the relay's event id, so a retry
//! changes nothing. Bodies are capped at [`MAX_BODY_BYTES`]; the access log has one
//! line per request and no address.
//!
//! The parsers are public for the fuzz targets: [`sns::Envelope`], [`ses::report`],
//! [`mailgun::Callback`], [`postmark::Callback`], [`sendgrid::parse`].

mod apply;
pub(crate) mod mailgun;
pub(crate) mod postmark;
mod report;
pub(crate) mod sendgrid;
pub(crate) mod ses;
pub(crate) mod sns;
mod sns_cert;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use chrono::{DateTime, Utc};
use subtle::ConstantTimeEq;

pub(crate) use report::{Effect, Refusal, Report};

use super::AppRoutes;
use super::app::App;
use crate::config::{Config, Secrets};
use crate::error::{Result, SecretProblem};
use crate::newsletter::lifecycle::Policy;
use crate::store::Store;
use apply::{Context, Tally};

/// The largest callback body accepted: SendGrid posts events in batches.
pub(crate) const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Which relays' callbacks are on, with their keys.
pub(crate) struct Webhooks {
    /// `serve.webhooks.ses_topic_arns`.
    ses_topics: Vec<String>,
    /// SNS's certificates, when SES is on.
    certificates: Option<Arc<sns_cert::Certificates>>,
    /// `HERALD_MAILGUN_SIGNING_KEY`.
    mailgun: Option<Vec<u8>>,
    /// `HERALD_POSTMARK_WEBHOOK_USER:HERALD_POSTMARK_WEBHOOK_PASSWORD`.
    postmark: Option<Vec<u8>>,
    /// `HERALD_SENDGRID_WEBHOOK_PUBLIC_KEY`.
    sendgrid: Option<sendgrid::Key>,
}

impl Webhooks {
    /// The webhooks `config` and `secrets` turn on; a secret that is set but unusable
    /// is an error saying how to fix it.
    pub(crate) fn of(config: &Config, secrets: &Secrets) -> Result<Webhooks, SecretProblem> {
        let ses_topics = config.serve.webhooks.ses_topic_arns.clone();
        let postmark = match (
            &secrets.postmark_webhook_user,
            &secrets.postmark_webhook_password,
        ) {
            (Some(user), Some(password)) => Some(format!("{user}:{password}").into_bytes()),
            (None, None) => None,
            (Some(_), None) | (None, Some(_)) => {
                return Err(SecretProblem::Webhook {
                    name: "HERALD_POSTMARK_WEBHOOK_USER",
                    fix: "and HERALD_POSTMARK_WEBHOOK_PASSWORD go together: set both (the user and password in the webhook URL you give Postmark), or neither".into(),
                });
            }
        };
        let sendgrid = match &secrets.sendgrid_webhook_public_key {
            Some(key) => Some(sendgrid::Key::parse(key).map_err(|why| SecretProblem::Webhook {
                name: "HERALD_SENDGRID_WEBHOOK_PUBLIC_KEY",
                fix: format!("{why}: copy the verification key SendGrid shows under Settings > Mail Settings > Event Webhook > Signature Verification"),
            })?),
            None => None,
        };
        Ok(Webhooks {
            certificates: (!ses_topics.is_empty()).then(|| Arc::new(sns_cert::Certificates::new())),
            ses_topics,
            mailgun: secrets
                .mailgun_signing_key
                .as_ref()
                .map(|k| k.trim().as_bytes().to_vec()),
            postmark,
            sendgrid,
        })
    }

    /// The endpoints that are on, e.g. `["/webhooks/ses", "/webhooks/mailgun"]`.
    pub(crate) fn on(&self) -> Vec<&'static str> {
        [
            (self.certificates.is_some(), "/webhooks/ses"),
            (self.mailgun.is_some(), "/webhooks/mailgun"),
            (self.postmark.is_some(), "/webhooks/postmark"),
            (self.sendgrid.is_some(), "/webhooks/sendgrid"),
        ]
        .into_iter()
        .filter_map(|(on, path)| on.then_some(path))
        .collect()
    }
}

/// The four endpoints, with their own body cap.
pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
        .app_route("/webhooks/ses", post(ses))
        .app_route("/webhooks/mailgun", post(mailgun))
        .app_route("/webhooks/postmark", post(postmark))
        .app_route("/webhooks/sendgrid", post(sendgrid))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

/// Why a callback was not acted on.
enum Failure {
    /// The endpoint is off.
    Off,
    /// Refused before anything was done.
    Refused(Refusal),
    /// SNS could not be reached for its certificate or the confirmation: try later.
    Unavailable(String),
    /// The store failed: the relay retries.
    Internal(String),
}

impl From<Refusal> for Failure {
    fn from(refusal: Refusal) -> Self {
        Failure::Refused(refusal)
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        match self {
            Failure::Off => (StatusCode::NOT_FOUND, "not found\n").into_response(),
            Failure::Refused(refusal @ Refusal::Unauthorized(_)) => (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Basic realm=\"herald webhooks\"")],
                format!("{refusal}\n"),
            )
                .into_response(),
            Failure::Refused(refusal) => {
                (StatusCode::BAD_REQUEST, format!("{refusal}\n")).into_response()
            }
            Failure::Unavailable(why) => {
                tracing::warn!("webhooks: {why}");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "SNS unreachable, try again\n",
                )
                    .into_response()
            }
            Failure::Internal(why) => {
                tracing::error!("webhooks: {why}");
                (StatusCode::INTERNAL_SERVER_ERROR, "state database error\n").into_response()
            }
        }
    }
}

type Answer = std::result::Result<String, Failure>;

/// What acting on events needs from the server's state.
fn context(app: &App) -> Context<'_> {
    Context {
        secret: app.secret.as_deref(),
        bounce_address: app.config.newsletter.bounce_address.as_deref(),
        policy: Policy::from(&app.config.newsletter.bounces),
    }
}

/// Applies `reports` of `relay` on the blocking pool; `first` runs first in the same
/// transaction and may refuse the whole request (a replayed token).
async fn apply_reports(
    app: &Arc<App>,
    relay: &'static str,
    reports: Vec<Report>,
    now: DateTime<Utc>,
    first: impl FnOnce(&Store) -> Result<Option<Refusal>> + Send + 'static,
) -> Answer {
    let done = app
        .db(move |store, app| {
            store.transaction(|store| {
                if let Some(refusal) = first(store)? {
                    return Ok(Err(refusal));
                }
                apply::apply_all(store, context(app), relay, &reports, now).map(Ok)
            })
        })
        .await
        .map_err(|e| Failure::Internal(e.0))?;
    let tally: Tally = done?;
    Ok(format!("ok: {tally}\n"))
}

fn none(_: &Store) -> Result<Option<Refusal>> {
    Ok(None)
}

/// A check for [`apply_reports`]: refuses the request when `relay`'s signed request
/// named by `token` (Mailgun's token, an SNS message id, a SendGrid signature, a
/// Postmark bounce ID) was
/// taken before. Tokens are kept for twice the window a signature is accepted in; an
/// older request is refused as stale anyway. The relays' own retries of a request
/// that was answered 2xx are refused too, and change nothing either way.
fn once(
    relay: &'static str,
    token: String,
    now: DateTime<Utc>,
    window_seconds: i64,
    why: &'static str,
) -> impl FnOnce(&Store) -> Result<Option<Refusal>> + Send + 'static {
    let forget_before = now - chrono::Duration::seconds(2 * window_seconds);
    move |store| {
        let first = store.first_relay_token(relay, &token, now, forget_before)?;
        Ok((!first).then_some(Refusal::Unauthorized(why)))
    }
}

async fn ses(State(app): State<Arc<App>>, body: Bytes) -> Answer {
    let Some(certificates) = app.webhooks.certificates.clone() else {
        return Err(Failure::Off);
    };
    let now = app.clock.now();
    let envelope = sns::Envelope::parse(&body)?;
    if !app.webhooks.ses_topics.contains(&envelope.topic_arn) {
        return Err(
            Refusal::Unauthorized("the SNS topic is not in serve.webhooks.ses_topic_arns").into(),
        );
    }
    let (hash, signature, url) = envelope.signature()?;
    let text = envelope.string_to_sign()?;
    envelope.fresh(now)?;
    let url = url.to_string();
    let key = match certificates.cached(&url, now) {
        Some(key) => key,
        None => {
            let certificates = Arc::clone(&certificates);
            blocking(move || certificates.key(&url, now)).await??
        }
    };
    sns::verify(&key.key, hash, &text, &signature)?;
    match envelope.kind.as_str() {
        "SubscriptionConfirmation" => {
            let url = envelope.subscribe_url.clone().unwrap_or_default();
            blocking(move || certificates.confirm(&url)).await??;
            tracing::info!(
                "webhooks: confirmed the SNS subscription to {}",
                envelope.topic_arn
            );
            Ok("subscription confirmed\n".into())
        }
        "Notification" => {
            let report = ses::report(&envelope.message, &envelope.message_id)?;
            let first = once(
                "ses",
                envelope.message_id.clone(),
                now,
                sns::MAX_AGE_SECONDS,
                "this SNS message was taken before (a replayed request)",
            );
            apply_reports(&app, "ses", vec![report], now, first).await
        }
        _ => Ok("ok\n".into()),
    }
}

/// Runs `f` on the blocking pool.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> std::result::Result<T, sns_cert::FetchError> + Send + 'static,
) -> std::result::Result<std::result::Result<T, Failure>, Failure> {
    let joined = tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Failure::Internal(format!("certificate task: {e}")))?;
    Ok(joined.map_err(|e| match e {
        sns_cert::FetchError::Untrusted => Failure::Refused(Refusal::Unauthorized(
            "the SNS URL is not https on sns.<region>.amazonaws.com",
        )),
        sns_cert::FetchError::BadCertificate(why) => {
            tracing::warn!("webhooks: SNS signing certificate: {why}");
            Failure::Refused(Refusal::Unauthorized(
                "the SNS signing certificate is not usable",
            ))
        }
        sns_cert::FetchError::Unreachable(why) => Failure::Unavailable(why),
    }))
}

async fn mailgun(State(app): State<Arc<App>>, body: Bytes) -> Answer {
    let Some(key) = app.webhooks.mailgun.as_deref() else {
        return Err(Failure::Off);
    };
    let now = app.clock.now();
    let callback = mailgun::Callback::parse(&body)?;
    callback.verify(key, now)?;
    let report = callback.report()?;
    let first = once(
        "mailgun",
        callback.signature.token,
        now,
        mailgun::WINDOW_SECONDS,
        "this Mailgun token was used before (a replayed request)",
    );
    apply_reports(&app, "mailgun", vec![report], now, first).await
}

async fn postmark(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Answer {
    let Some(expected) = app.webhooks.postmark.as_deref() else {
        return Err(Failure::Off);
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|v| {
            base64::engine::general_purpose::STANDARD
                .decode(v.trim())
                .ok()
        })
        .ok_or(Refusal::Unauthorized(
            "the Postmark request has no basic auth",
        ))?;
    if !bool::from(given.ct_eq(expected)) {
        return Err(Refusal::Unauthorized("wrong Postmark webhook user or password").into());
    }
    let now = app.clock.now();
    let callback = postmark::Callback::parse(&body)?;
    let report = callback.report()?;
    if report.effect == Effect::Nothing {
        return apply_reports(&app, "postmark", vec![report], now, none).await;
    }
    callback.fresh(now)?;
    let first = once(
        "postmark",
        report.id.clone(),
        now,
        postmark::MAX_AGE_SECONDS,
        "this Postmark bounce or complaint was taken before (a replayed request)",
    );
    apply_reports(&app, "postmark", vec![report], now, first).await
}

async fn sendgrid(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Answer {
    let Some(key) = &app.webhooks.sendgrid else {
        return Err(Failure::Off);
    };
    let now = app.clock.now();
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let signature = header(sendgrid::SIGNATURE_HEADER);
    key.verify(header(sendgrid::TIMESTAMP_HEADER), signature, &body, now)?;
    let reports = sendgrid::parse(&body)?
        .iter()
        .map(sendgrid::Event::report)
        .collect();
    let first = once(
        "sendgrid",
        signature.unwrap_or_default().trim().to_string(),
        now,
        sendgrid::WINDOW_SECONDS,
        "this SendGrid signature was used before (a replayed request)",
    );
    apply_reports(&app, "sendgrid", reports, now, first).await
}
