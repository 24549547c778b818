//! `GET /unsubscribe/{token}` (a page with a button) and `POST /unsubscribe/{token}`
//! (RFC 8058 one-click, and the button): the POST unsubscribes, the GET never does,
//! since mail scanners follow links.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::app::App;
use super::pages::{self, UnsubscribePage};
use crate::mail::unsubscribe;
use crate::newsletter::lifecycle::{self, Event, Policy};
use crate::store::{Reason, Store, Subscriber};

/// Hex digits of a token (`mail::unsubscribe::token`).
const TOKEN_LEN: usize = 32;

/// The button page, for a token that names a subscriber.
pub(crate) async fn page(State(app): State<Arc<App>>, Path(token): Path<String>) -> Response {
    match find(&app, token, "Unsubscribe links").await {
        Ok(Some(_)) => pages::html(StatusCode::OK, &UnsubscribePage { page: &app.frame }),
        Ok(None) => invalid(&app),
        Err(response) => response,
    }
}

/// Unsubscribes the token's subscriber; the same answer when already unsubscribed.
/// The body (RFC 8058's `List-Unsubscribe=One-Click`, or the button's form) says
/// nothing the path does not, but is read whole: hyper closes a kept-alive connection
/// whose request body was left unread, and a client reusing it then fails.
pub(crate) async fn unsubscribe(
    State(app): State<Arc<App>>,
    Path(token): Path<String>,
    _body: Bytes,
) -> Response {
    let subscriber = match find(&app, token, "Unsubscribe links").await {
        Ok(Some(subscriber)) => subscriber,
        Ok(None) => return invalid(&app),
        Err(response) => return response,
    };
    let policy = Policy::from(&app.config.newsletter.bounces);
    let now = app.clock.now();
    let done = app
        .db(move |store, _| {
            let event = Event::Unsubscribed(Reason::OneClick);
            lifecycle::record(store, &subscriber.email, &event, now, policy)
        })
        .await;
    match done {
        Ok(_) => pages::message(
            &app.frame,
            StatusCode::OK,
            "You are unsubscribed",
            &["You will not receive the newsletter any more. Sorry to see you go."],
        ),
        Err(e) => pages::internal(&app.frame, "unsubscribing", &e.0),
    }
}

/// The subscriber whose token this is, found through the index and checked against
/// the secret in constant time. A miss fills the index for rows added without a token
/// (by `herald subscribers`) and looks once more. Without the secret, a 404 saying
/// `what` (`Unsubscribe links`) is not enabled.
pub(crate) async fn find(
    app: &Arc<App>,
    token: String,
    what: &str,
) -> Result<Option<Subscriber>, Response> {
    let Some(secret) = app.secret.clone() else {
        return Err(pages::not_found(
            &app.frame,
            &format!("{what} are not enabled on this server."),
        ));
    };
    if token.len() != TOKEN_LEN || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let token = token.to_ascii_lowercase();
    let found = app
        .db(move |store, _| {
            let mut subscriber = store.subscriber_by_token(&token)?;
            if subscriber.is_none() && index(store, &secret)? > 0 {
                subscriber = store.subscriber_by_token(&token)?;
            }
            Ok(subscriber.filter(|s| unsubscribe::verify(&secret, &s.email, &token)))
        })
        .await;
    found.map_err(|e| pages::internal(&app.frame, "finding an unsubscribe token", &e.0))
}

/// Fills the token index for `secret`; returns how many rows it filled.
pub(crate) fn index(store: &mut Store, secret: &[u8]) -> crate::error::Result<usize> {
    unsubscribe::index(store, secret)
}

fn invalid(app: &App) -> Response {
    pages::message(
        &app.frame,
        StatusCode::BAD_REQUEST,
        "This unsubscribe link is not valid",
        &[
            "The link may have been cut or changed on its way. Use the link at the bottom of \
             the newsletter exactly as it is, or reply to the newsletter to be removed.",
        ],
    )
}
