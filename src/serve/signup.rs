//! Double opt-in: `GET /subscribe` (the form), `POST /subscribe` (records the address
//! as pending and mails a signed link), `GET /confirm/{token}` (a button) and
//! `POST /confirm/{token}` (makes the subscriber active).
//!
//! A sign-up is queued in the state database and answered at once: the same page,
//! status and work whatever the address's state, so neither the form nor its timing
//! tells anyone who is on the list. The mailer ([`super::mailer`]) decides: an address
//! already active gets no mail. An unsubscribed or bounced address comes back only
//! through its link. The topics ticked on the form (`newsletter.topics`; a tag not
//! offered is 400) wait in the queue with the sign-up, and the mailer records them
//! only with a new link, never for an active subscriber. Limits: per client (an IPv4
//! address or an IPv6 /64), per mailbox (`+tags` folded), confirmation mails per hour,
//! and forms posted from other sites are refused ([`super::origin`]).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::RawFormRejection;
use axum::extract::{ConnectInfo, Path, RawForm, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

use super::app::App;
use super::client_ip::rate_key;
use super::confirm_token::{self, Refusal};
use super::form;
use super::mailer::MAX_QUEUED;
use super::origin;
use super::pages::{self, ConfirmPage, SubscribePage, SubscribeSentPage};
use super::topics::{self, Choice};
use crate::newsletter::lifecycle::{self, Effect, Event, Policy};
use crate::{address, name};

/// Longest name kept.
const MAX_NAME: usize = 200;

/// The form.
pub(crate) async fn form(State(app): State<Arc<App>>) -> Response {
    if enabled(&app).is_none() {
        return off(&app);
    }
    form_page(&app, StatusCode::OK, None, "", "", &[])
}

/// Queues the sign-up for the mailer: the same work and the same answer whatever the
/// address's state (the worker decides whether a link is mailed).
pub(crate) async fn sign_up(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<RawForm, RawFormRejection>,
) -> Response {
    let Some(mailer) = app.mailer.as_ref() else {
        return off(&app);
    };
    if !origin::same_site(&headers, app.config.serve.public_url.as_deref()) {
        return elsewhere(&app);
    }
    let client = rate_key(app.proxies.client(peer.ip(), &headers));
    if let Err(wait) = app.per_ip.allow(&client) {
        return pages::too_many(&app.frame, wait);
    }
    let fields = match form {
        Ok(RawForm(body)) => form::fields(&body),
        Err(rejection) => {
            let status = rejection.status();
            let problem = if status == StatusCode::PAYLOAD_TOO_LARGE {
                "The form was too large."
            } else {
                "The form could not be read; please fill it in again."
            };
            return form_page(&app, status, Some(problem), "", "", &[]);
        }
    };
    let given_email = form::first(&fields, "email").unwrap_or_default();
    let given = form::first(&fields, "name").unwrap_or_default();
    let name: String = given.trim().chars().take(MAX_NAME).collect();
    // A refused form comes back with what was given: the name as it would be kept, to
    // check and send again.
    let refuse = |problem: &str, email: &str, ticked: &[String]| {
        let name = name::clean(&name).name.unwrap_or_default();
        form_page(
            &app,
            StatusCode::BAD_REQUEST,
            Some(problem),
            email,
            &name,
            ticked,
        )
    };
    let chosen = match topics::chosen(&fields, &app.config.newsletter.topics) {
        Ok(chosen) => chosen,
        Err(problem) => return refuse(&problem, given_email.trim(), &[]),
    };
    let email = match address::normalize(given_email) {
        Ok(email) => email,
        Err(reason) => {
            let problem =
                format!("That does not look like an email address we can send to: {reason}.");
            return refuse(&problem, given_email.trim(), &chosen);
        }
    };
    if let Err(reason) = name::check(given) {
        return refuse(
            &format!("Please check your name: {reason}."),
            &email,
            &chosen,
        );
    }
    if let Err(wait) = app.per_mailbox.allow(&mailbox_key(&email)) {
        return pages::too_many(&app.frame, wait);
    }
    let now = app.clock.now();
    let queued = {
        let email = email.clone();
        let name = Some(name).filter(|n| !n.is_empty());
        app.db(move |store, _| {
            store.queue_signup(&email, name.as_deref(), &chosen, now, MAX_QUEUED)
        })
        .await
    };
    let refund = || {
        // Nothing was recorded: the client's and the mailbox's quotas are not spent.
        app.per_ip.refund(&client);
        app.per_mailbox.refund(&mailbox_key(&email));
    };
    match queued {
        Ok(true) => mailer.wake(),
        Ok(false) => {
            refund();
            return busy(&app);
        }
        Err(e) => {
            refund();
            return pages::internal(&app.frame, "queueing a sign-up", &e.0);
        }
    }
    pages::html(
        StatusCode::OK,
        &SubscribeSentPage {
            page: &app.frame,
            email: &email,
            hours: app.config.serve.confirm_hours,
        },
    )
}

/// What the sign-up limits count a mailbox by: lowercase, without a `+tag`.
fn mailbox_key(email: &str) -> String {
    let email = email.to_lowercase();
    match email.rsplit_once('@') {
        Some((local, domain)) => {
            let local = local.split_once('+').map_or(local, |(base, _)| base);
            format!("{local}@{domain}")
        }
        None => email,
    }
}

/// 403: a form posted from another site's page.
fn elsewhere(app: &App) -> Response {
    pages::message(
        &app.frame,
        StatusCode::FORBIDDEN,
        "This form was sent from another site",
        &["Sign up from this site's own page."],
    )
}

/// 503: the queue of confirmation mails is full.
fn busy(app: &App) -> Response {
    let mut response = pages::message(
        &app.frame,
        StatusCode::SERVICE_UNAVAILABLE,
        "Too many sign-ups just now",
        &["Nothing was recorded. Please try again in a few minutes."],
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
    response
}

/// The confirmation button, for a genuine link that has not expired.
pub(crate) async fn confirm_page(
    State(app): State<Arc<App>>,
    Path(token): Path<String>,
) -> Response {
    let Some(secret) = enabled(&app) else {
        return off(&app);
    };
    let claim = match confirm_token::check(&secret, &token, app.clock.now()) {
        Ok(claim) => claim,
        Err(refusal) => return refused(&app, refusal),
    };
    let topics = chosen_topics(&app, claim.email.clone()).await;
    pages::html(
        StatusCode::OK,
        &ConfirmPage {
            page: &app.frame,
            email: &claim.email,
            topics: topics.as_deref(),
        },
    )
}

/// The names of the topics recorded with `email`'s sign-up, for the confirmation page
/// to say what confirming subscribes to; `None` when no topics are offered (or the row
/// cannot be read: the page is shown without them). Empty: every article.
async fn chosen_topics(app: &Arc<App>, email: String) -> Option<Vec<String>> {
    let configured = &app.config.newsletter.topics;
    if configured.is_empty() {
        return None;
    }
    let known = app.db(move |store, _| store.known(&email)).await.ok()?;
    let crate::store::Known::Row(subscriber) = known else {
        return None;
    };
    let names = configured
        .iter()
        .filter(|t| subscriber.topics.contains(&t.tag))
        .map(|t| t.name.clone())
        .collect();
    Some(names)
}

/// Makes the link's subscriber active. The page's form posts nothing the path does
/// not say, but its body is read whole: hyper closes a kept-alive connection whose
/// request body was left unread, and a client reusing it then fails.
pub(crate) async fn confirm(
    State(app): State<Arc<App>>,
    Path(token): Path<String>,
    headers: HeaderMap,
    _body: Bytes,
) -> Response {
    let Some(secret) = enabled(&app) else {
        return off(&app);
    };
    if !origin::same_site(&headers, app.config.serve.public_url.as_deref()) {
        return elsewhere(&app);
    }
    let claim = match confirm_token::check(&secret, &token, app.clock.now()) {
        Ok(claim) => claim,
        Err(refusal) => return refused(&app, refusal),
    };
    let policy = Policy::from(&app.config.newsletter.bounces);
    let now = app.clock.now();
    let done = app
        .db(move |store, _| {
            let event = Event::Confirmed {
                link: claim.expires,
            };
            lifecycle::record(store, &claim.email, &event, now, policy)
        })
        .await;
    match done.map(|change| change.effect) {
        Ok(Effect::Activated | Effect::AlreadyActive) => pages::message(
            &app.frame,
            StatusCode::OK,
            "You are subscribed",
            &["Thank you: the next issue of the newsletter will reach you."],
        ),
        Ok(_) => pages::message(
            &app.frame,
            StatusCode::BAD_REQUEST,
            "This link was already used or replaced",
            &["Sign up again to get a new link."],
        ),
        Err(e) => pages::internal(&app.frame, "confirming a sign-up", &e.0),
    }
}

/// The secret when sign-up is on (see `signup_problem` in the parent module).
fn enabled(app: &App) -> Option<Vec<u8>> {
    app.mailer.as_ref().and(app.secret.clone())
}

/// The page saying sign-up is off.
fn off(app: &App) -> Response {
    pages::not_found(&app.frame, "Sign-up is not enabled on this server.")
}

/// The form, with what was given in it (`ticked`: the topics ticked).
fn form_page(
    app: &App,
    status: StatusCode,
    problem: Option<&str>,
    email: &str,
    name: &str,
    ticked: &[String],
) -> Response {
    let topics: Vec<Choice> = topics::choices(&app.config.newsletter.topics, ticked);
    pages::html(
        status,
        &SubscribePage {
            page: &app.frame,
            problem,
            email,
            name,
            topics: &topics,
        },
    )
}

fn refused(app: &App, refusal: Refusal) -> Response {
    match refusal {
        Refusal::Expired => pages::message(
            &app.frame,
            StatusCode::BAD_REQUEST,
            "This link has expired",
            &["Confirmation links are valid for a limited time. Sign up again to get a new one."],
        ),
        Refusal::Invalid => pages::message(
            &app.frame,
            StatusCode::BAD_REQUEST,
            "This confirmation link is not valid",
            &[
                "The link may have been cut or changed on its way. Open it exactly as it is in the message, or sign up again.",
            ],
        ),
    }
}
