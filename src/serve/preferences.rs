//! `GET /preferences/{token}` (what the subscriber receives, and a form for each
//! change) and `POST /preferences/{token}` (one change: the topics, a pause, resuming,
//! or unsubscribing), keyed by the same token as the unsubscribe link and linked from
//! every message's footer beside it.
//!
//! A GET (and so a HEAD, or a mail scanner's or a browser's prefetch) changes nothing.
//! A POST must come from this site's own page ([`super::origin`]); it turns the form
//! into one lifecycle event (`ChoseTopics`, `Paused`, `Resumed`,
//! `Unsubscribed(Preferences)`), records it, and answers 303 to the page with what
//! happened in its query (`?done=topics`), so a reload posts nothing twice. A token
//! that names no subscriber (cut, changed, from another secret) gets 400, as the
//! unsubscribe link does. The address is shown masked (`a…@example.org`): the URL is
//! in every message, and may be forwarded with it.

use std::sync::Arc;

use axum::extract::rejection::RawFormRejection;
use axum::extract::{Path, RawForm, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Months, Utc};

use super::app::App;
use super::form;
use super::origin;
use super::pages::{self, PreferencesPage};
use super::topics::{self, Choice};
use super::unsubscribe;
use crate::newsletter::lifecycle::{self, Effect, Event, Policy};
use crate::store::{Reason, Status, Subscriber};

/// The pauses offered: the form value, and the label.
const PAUSES: [(&str, &str); 3] = [("1w", "1 week"), ("1m", "1 month"), ("3m", "3 months")];

/// The page, with the stored choices ticked.
pub(crate) async fn page(
    State(app): State<Arc<App>>,
    Path(token): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let subscriber = match unsubscribe::find(&app, token, "Preferences pages").await {
        Ok(Some(subscriber)) => subscriber,
        Ok(None) => return invalid(&app),
        Err(response) => return response,
    };
    let done = query
        .as_deref()
        .map(|q| form::fields(q.as_bytes()))
        .and_then(|fields| form::first(&fields, "done").and_then(status_line));
    show(&app, &subscriber, done)
}

/// Makes the one change the form asks for, then sends the browser back to the page.
pub(crate) async fn change(
    State(app): State<Arc<App>>,
    Path(token): Path<String>,
    headers: HeaderMap,
    form: Result<RawForm, RawFormRejection>,
) -> Response {
    if !origin::same_site(&headers, app.config.serve.public_url.as_deref()) {
        return pages::message(
            &app.frame,
            StatusCode::FORBIDDEN,
            "This form was sent from another site",
            &["Change your preferences from the page the link in the newsletter opens."],
        );
    }
    let subscriber = match unsubscribe::find(&app, token, "Preferences pages").await {
        Ok(Some(subscriber)) => subscriber,
        Ok(None) => return invalid(&app),
        Err(response) => return response,
    };
    let fields = match form {
        Ok(RawForm(body)) => form::fields(&body),
        Err(rejection) => return refused(&app, rejection.status(), "The form could not be read."),
    };
    let now = app.clock.now();
    let event = match event_of(&fields, &app.config.newsletter.topics, now) {
        Ok(event) => event,
        Err(problem) => return refused(&app, StatusCode::BAD_REQUEST, &problem),
    };
    let policy = Policy::from(&app.config.newsletter.bounces);
    let email = subscriber.email;
    let done = app
        .db(move |store, _| lifecycle::record(store, &email, &event, now, policy))
        .await;
    match done {
        Ok(change) => back(done_key(&change.effect)),
        Err(e) => pages::internal(&app.frame, "changing preferences", &e.0),
    }
}

/// The event a posted form asks for: its `action` (the button pressed), with the
/// ticked topics or the chosen pause.
fn event_of(
    fields: &[(String, String)],
    configured: &[crate::config::Topic],
    now: DateTime<Utc>,
) -> Result<Event, String> {
    match form::first(fields, "action") {
        Some("topics") if configured.is_empty() => {
            Err("This newsletter offers no topics to choose from.".into())
        }
        Some("topics") => topics::chosen(fields, configured).map(Event::ChoseTopics),
        Some("pause") => {
            let period = form::first(fields, "pause").unwrap_or_default();
            pause_end(period, now)
                .map(|until| Event::Paused { until })
                .ok_or_else(|| "Choose how long to pause for: 1 week, 1 month or 3 months.".into())
        }
        Some("resume") => Ok(Event::Resumed),
        Some("unsubscribe") => Ok(Event::Unsubscribed(Reason::Preferences)),
        _ => Err("The form did not say what to change; use the buttons on the page.".into()),
    }
}

/// When a pause of `period` (a value of [`PAUSES`]) started at `now` ends.
fn pause_end(period: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    match period {
        "1w" => Some(now + Duration::weeks(1)),
        "1m" => now.checked_add_months(Months::new(1)),
        "3m" => now.checked_add_months(Months::new(3)),
        _ => None,
    }
}

/// What the page says after a change, by the key the redirect carries.
fn done_key(effect: &Effect) -> &'static str {
    match effect {
        Effect::TopicsChosen(_) => "topics",
        Effect::Paused(_) => "paused",
        Effect::Resumed => "resumed",
        Effect::Left(_) => "unsubscribed",
        _ => "unchanged",
    }
}

/// The line shown for a `done` key; `None` for anything else.
fn status_line(key: &str) -> Option<&'static str> {
    Some(match key {
        "topics" => "Your topics are saved: the next issue holds only their articles.",
        "paused" => "Your pause is saved.",
        "resumed" => "The pause is over: the next issue will reach you.",
        "unsubscribed" => "You are unsubscribed.",
        "unchanged" => "Nothing needed to change.",
        _ => return None,
    })
}

/// 303 to the page (the same path: a relative reference keeps any prefix a proxy
/// adds), with what happened.
fn back(done: &str) -> Response {
    let location =
        HeaderValue::from_str(&format!("?done={done}")).unwrap_or(HeaderValue::from_static("?"));
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

/// The page for `subscriber`, with `status` on top.
fn show(app: &App, subscriber: &Subscriber, status: Option<&str>) -> Response {
    let now = app.clock.now();
    let paused_until = subscriber
        .paused_until
        .filter(|until| *until > now && subscriber.status == Status::Active)
        .map(|until| {
            until
                .with_timezone(&app.config.timezone)
                .format("%-d %B %Y, %H:%M")
                .to_string()
        });
    let choices: Vec<Choice> = topics::choices(&app.config.newsletter.topics, &subscriber.topics);
    pages::html(
        StatusCode::OK,
        &PreferencesPage {
            page: &app.frame,
            address: &mask(&subscriber.email),
            status,
            active: subscriber.status == Status::Active,
            left: matches!(subscriber.status, Status::Unsubscribed | Status::Bounced),
            paused_until,
            topics: &choices,
            pauses: &PAUSES,
        },
    )
}

/// `ann@example.org` as `a…@example.org`.
fn mask(email: &str) -> String {
    match email.rsplit_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}…@{domain}")
        }
        None => "…".into(),
    }
}

/// 400 for a token that names no subscriber.
fn invalid(app: &App) -> Response {
    pages::message(
        &app.frame,
        StatusCode::BAD_REQUEST,
        "This preferences link is not valid",
        &[
            "The link may have been cut or changed on its way. Use the Preferences link at the \
             bottom of the newsletter exactly as it is.",
        ],
    )
}

/// A form that cannot be acted on: nothing changed.
fn refused(app: &App, status: StatusCode, problem: &str) -> Response {
    pages::message(
        &app.frame,
        status,
        "Nothing was changed",
        &[problem, "Go back to the page, and try again."],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Topic;

    fn form(body: &str) -> Vec<(String, String)> {
        form::fields(body.as_bytes())
    }

    #[test]
    fn each_button_is_one_event() {
        let now = DateTime::parse_from_rfc3339("2026-01-31T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let configured = [Topic {
            tag: "rust".into(),
            name: "Rust".into(),
            description: None,
        }];
        let event = |body: &str| event_of(&form(body), &configured, now);
        assert_eq!(
            event("action=topics&topic=rust").unwrap(),
            Event::ChoseTopics(vec!["rust".into()])
        );
        assert_eq!(event("action=topics").unwrap(), Event::ChoseTopics(vec![]));
        assert!(event("action=topics&topic=go").is_err());
        assert!(event_of(&form("action=topics"), &[], now).is_err());
        // A month from 31 January is the end of February.
        assert_eq!(
            event("action=pause&pause=1m").unwrap(),
            Event::Paused {
                until: DateTime::parse_from_rfc3339("2026-02-28T10:00:00Z")
                    .unwrap()
                    .with_timezone(&Utc)
            }
        );
        assert_eq!(
            event("action=pause&pause=1w").unwrap(),
            Event::Paused {
                until: now + Duration::days(7)
            }
        );
        assert!(event("action=pause&pause=10y").is_err());
        assert_eq!(event("action=resume").unwrap(), Event::Resumed);
        assert_eq!(
            event("action=unsubscribe").unwrap(),
            Event::Unsubscribed(Reason::Preferences)
        );
        assert!(event("").is_err());
        assert!(event("action=delete").is_err());
    }

    #[test]
    fn the_address_is_masked_and_every_done_key_has_a_line() {
        assert_eq!(mask("ann@example.org"), "a…@example.org");
        assert_eq!(mask("éa@x.org"), "é…@x.org");
        for effect in [
            Effect::TopicsChosen(vec![]),
            Effect::Paused(Utc::now()),
            Effect::Resumed,
            Effect::Left(Reason::Preferences),
            Effect::Unchanged("x"),
        ] {
            assert!(status_line(done_key(&effect)).is_some());
        }
        assert_eq!(status_line("<script>"), None);
    }
}
