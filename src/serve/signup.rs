//! Double opt-in: `GET /subscribe` (the form), `POST /subscribe` (records the address
//! as pending and mails a signed link), `GET /confirm/{token}` (a button) and
//! `POST /confirm/{token}` (makes the subscriber active).
//!
//! The answer to a sign-up is the same page and status whatever the address's state,
//! so the form cannot tell anyone who is on the list; an address already active gets
//! no mail. An unsubscribed or bounced address comes back only through its link.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Duration;

use super::app::App;
use super::confirm_token::{self, Refusal};
use super::mailer::Job;
use super::pages::{self, ConfirmPage, SubscribePage, SubscribeSentPage};
use crate::newsletter::lifecycle::{self, Effect, Event, Policy};
use crate::{address, name};

/// The sign-up form's fields.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct SignupForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: Option<String>,
}

/// Longest name kept.
const MAX_NAME: usize = 200;

/// The form.
pub(crate) async fn form(State(app): State<Arc<App>>) -> Response {
    if enabled(&app).is_none() {
        return off(&app);
    }
    form_page(&app, StatusCode::OK, None, "", "")
}

/// Records the sign-up and queues the confirmation mail.
pub(crate) async fn sign_up(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<SignupForm>, FormRejection>,
) -> Response {
    let Some(secret) = enabled(&app) else {
        return off(&app);
    };
    let client = app.proxies.client(peer.ip(), &headers);
    if !app.per_ip.allow(&client) {
        return pages::too_many(&app.frame);
    }
    let Form(form) = match form {
        Ok(form) => form,
        Err(rejection) => {
            let status = rejection.status();
            let problem = if status == StatusCode::PAYLOAD_TOO_LARGE {
                "The form was too large."
            } else {
                "The form could not be read; please fill it in again."
            };
            return form_page(&app, status, Some(problem), "", "");
        }
    };
    let given = form.name.unwrap_or_default();
    let name: String = given.trim().chars().take(MAX_NAME).collect();
    let email = match address::normalize(&form.email) {
        Ok(email) => email,
        Err(reason) => {
            let problem =
                format!("That does not look like an email address we can send to: {reason}.");
            let name = name::clean(&name).name.unwrap_or_default();
            let email = form.email.trim();
            return form_page(&app, StatusCode::BAD_REQUEST, Some(&problem), email, &name);
        }
    };
    if let Err(reason) = name::check(&given) {
        // The form comes back with the name as it would be kept, to check and send again.
        let problem = format!("Please check your name: {reason}.");
        let name = name::clean(&name).name.unwrap_or_default();
        return form_page(&app, StatusCode::BAD_REQUEST, Some(&problem), &email, &name);
    }
    if !app.per_address.allow(&email.to_lowercase()) {
        return pages::too_many(&app.frame);
    }
    let now = app.clock.now();
    let expires = now + Duration::hours(i64::from(app.config.serve.confirm_hours));
    let policy = Policy::from(&app.config.newsletter.bounces);
    let recorded = {
        let (email, name) = (email.clone(), name.clone());
        app.db(move |store, _| {
            let name = Some(name).filter(|n| !n.is_empty());
            let event = Event::SignedUp {
                name,
                link: expires,
            };
            lifecycle::record(store, &email, &event, now, policy)
        })
        .await
    };
    match recorded.map(|change| change.effect) {
        Ok(Effect::LinkIssued(expires)) => {
            let link = confirm_link(&app, &secret, &email, expires);
            if let Some(mailer) = &app.mailer {
                mailer.send(Job {
                    to: email.clone(),
                    link,
                    now,
                });
            }
        }
        Ok(_) => {}
        Err(e) => return pages::internal(&app.frame, "recording a sign-up", &e.0),
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

/// The confirmation button, for a genuine link that has not expired.
pub(crate) async fn confirm_page(
    State(app): State<Arc<App>>,
    Path(token): Path<String>,
) -> Response {
    let Some(secret) = enabled(&app) else {
        return off(&app);
    };
    match confirm_token::check(&secret, &token, app.clock.now()) {
        Ok(claim) => pages::html(
            StatusCode::OK,
            &ConfirmPage {
                page: &app.frame,
                email: &claim.email,
            },
        ),
        Err(refusal) => refused(&app, refusal),
    }
}

/// Makes the link's subscriber active.
pub(crate) async fn confirm(State(app): State<Arc<App>>, Path(token): Path<String>) -> Response {
    let Some(secret) = enabled(&app) else {
        return off(&app);
    };
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

fn confirm_link(
    app: &App,
    secret: &[u8],
    email: &str,
    expires: chrono::DateTime<chrono::Utc>,
) -> String {
    let base = app
        .config
        .serve
        .public_url
        .as_deref()
        .unwrap_or_default()
        .trim_end_matches('/');
    format!(
        "{base}/confirm/{}",
        confirm_token::issue(secret, email, expires)
    )
}

fn form_page(
    app: &App,
    status: StatusCode,
    problem: Option<&str>,
    email: &str,
    name: &str,
) -> Response {
    pages::html(
        status,
        &SubscribePage {
            page: &app.frame,
            problem,
            email,
            name,
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
