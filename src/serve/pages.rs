//! Every page the server shows, each from an askama template in `templates/serve/`
//! extending one base layout, and the response that carries it.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

pub(crate) use crate::digest::theme::PageFrame;

use super::topics::Choice;

/// A heading and a few paragraphs: results and errors.
#[derive(Template)]
#[template(path = "serve/message.html")]
pub(crate) struct MessagePage<'a> {
    pub(crate) page: &'a PageFrame,
    pub(crate) heading: &'a str,
    pub(crate) paragraphs: &'a [&'a str],
}

/// `/`: the site, the sign-up form when sign-up is on, the feeds and the past issues.
#[derive(Template)]
#[template(path = "serve/home.html")]
pub(crate) struct HomePage<'a> {
    pub(crate) page: &'a PageFrame,
    pub(crate) description: &'a str,
    pub(crate) signup: bool,
    /// The sign-up form's topic checkboxes (none when `newsletter.topics` is empty).
    pub(crate) topics: &'a [Choice],
    /// The site's feeds.
    pub(crate) feeds: &'a [FeedLink],
    /// Each tag's RSS feed, named by its slug.
    pub(crate) tags: &'a [FeedLink],
    /// The newsletter's past issues, newest first.
    pub(crate) issues: &'a [PastIssue],
    /// The newsletter archive's index, when it is built.
    pub(crate) archive: Option<&'a str>,
}

/// A feed on the home page.
#[derive(Debug, Clone)]
pub(crate) struct FeedLink {
    pub(crate) name: String,
    pub(crate) url: String,
}

/// A past issue of the newsletter on the home page: its title, the day it was sent, and
/// its page in the archive.
#[derive(Debug, Clone)]
pub(crate) struct PastIssue {
    pub(crate) title: String,
    pub(crate) date: chrono::NaiveDate,
    pub(crate) url: String,
}

/// The unsubscribe button.
#[derive(Template)]
#[template(path = "serve/unsubscribe.html")]
pub(crate) struct UnsubscribePage<'a> {
    pub(crate) page: &'a PageFrame,
}

/// The sign-up form.
#[derive(Template)]
#[template(path = "serve/subscribe.html")]
pub(crate) struct SubscribePage<'a> {
    pub(crate) page: &'a PageFrame,
    pub(crate) problem: Option<&'a str>,
    pub(crate) email: &'a str,
    pub(crate) name: &'a str,
    /// The topic checkboxes, as ticked when the form comes back.
    pub(crate) topics: &'a [Choice],
}

/// After a sign-up, whatever the address's state.
#[derive(Template)]
#[template(path = "serve/subscribe_sent.html")]
pub(crate) struct SubscribeSentPage<'a> {
    pub(crate) page: &'a PageFrame,
    pub(crate) email: &'a str,
    pub(crate) hours: u32,
}

/// The confirmation button.
#[derive(Template)]
#[template(path = "serve/confirm.html")]
pub(crate) struct ConfirmPage<'a> {
    pub(crate) page: &'a PageFrame,
    pub(crate) email: &'a str,
    /// The names of the topics chosen at sign-up (empty: every article); `None` when
    /// no topics are offered.
    pub(crate) topics: Option<&'a [String]>,
}

/// `/preferences/{token}`: what the subscriber receives, and the forms that change it.
#[derive(Template)]
#[template(path = "serve/preferences.html")]
pub(crate) struct PreferencesPage<'a> {
    pub(crate) page: &'a PageFrame,
    /// The address, masked (`a…@example.org`).
    pub(crate) address: &'a str,
    /// What the last change did, after its redirect.
    pub(crate) status: Option<&'a str>,
    /// Whether issues go to the address (active; maybe paused).
    pub(crate) active: bool,
    /// Whether the address left (unsubscribed or bounced): no forms then.
    pub(crate) left: bool,
    /// The end of a pause under way, as shown.
    pub(crate) paused_until: Option<String>,
    /// The topic checkboxes, ticked as stored (none when `newsletter.topics` is empty).
    pub(crate) topics: &'a [Choice],
    /// The pauses offered: (form value, label).
    pub(crate) pauses: &'a [(&'a str, &'a str)],
}

/// The confirmation mail's text.
#[derive(Template)]
#[template(path = "serve/confirm_mail.txt")]
pub(crate) struct ConfirmMail<'a> {
    pub(crate) site_title: &'a str,
    pub(crate) site_url: &'a str,
    pub(crate) email: &'a str,
    pub(crate) link: &'a str,
    pub(crate) hours: u32,
}

/// Renders `template` as an HTML response with `status`.
pub(crate) fn html(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(body) => (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            )],
            body,
        )
            .into_response(),
        Err(e) => {
            tracing::error!("rendering a page: {e}");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response()
        }
    }
}

/// A message page with `status`.
pub(crate) fn message(
    frame: &PageFrame,
    status: StatusCode,
    heading: &str,
    paragraphs: &[&str],
) -> Response {
    html(
        status,
        &MessagePage {
            page: frame,
            heading,
            paragraphs,
        },
    )
}

/// The page for a failure on our side; the details go to the log only.
pub(crate) fn internal(frame: &PageFrame, what: &str, detail: &str) -> Response {
    tracing::error!("{what}: {detail}");
    message(
        frame,
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        &["The server could not do this just now. Please try again in a few minutes."],
    )
}

/// 404 with a page.
pub(crate) fn not_found(frame: &PageFrame, what: &str) -> Response {
    message(frame, StatusCode::NOT_FOUND, "Not found", &[what])
}

/// 429 with a page, and `Retry-After`: the seconds until the limiter's window that
/// refused it ends.
pub(crate) fn too_many(frame: &PageFrame, wait: std::time::Duration) -> Response {
    let mut response = message(
        frame,
        StatusCode::TOO_MANY_REQUESTS,
        "Too many requests",
        &["Please wait a few minutes before trying again."],
    );
    response.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(super::limits::retry_after_seconds(wait)),
    );
    response
}
