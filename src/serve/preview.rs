//! `GET /preview`: the next issue's HTML exactly as `herald digest --html` writes it,
//! behind `serve.preview_token` (`?token=` or `Authorization: Bearer`); 404 when no
//! token is configured or the one given is wrong.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use super::app::App;
use super::pages;
use super::security::PREVIEW_CSP;
use crate::newsletter::{self, Next};
use crate::store::Store;

/// `?token=`.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct PreviewQuery {
    token: Option<String>,
}

/// The preview, for the holder of the token.
pub(crate) async fn preview(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(query): Query<PreviewQuery>,
) -> Response {
    let Some(expected) = app.config.serve.preview_token.as_deref() else {
        return pages::not_found(&app.frame, "There is nothing here.");
    };
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let given = query.token.as_deref().or(bearer).unwrap_or("");
    if !bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
        return pages::not_found(&app.frame, "There is nothing here.");
    }
    let app2 = Arc::clone(&app);
    let rendered = tokio::task::spawn_blocking(move || render(&app2)).await;
    match rendered {
        Ok(Ok(Some(html))) => (
            StatusCode::OK,
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                ),
                (
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static(PREVIEW_CSP),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
            html,
        )
            .into_response(),
        Ok(Ok(None)) => pages::message(
            &app.frame,
            StatusCode::OK,
            "Nothing to preview",
            &["No article was published since the last issue."],
        ),
        Ok(Err(e)) => pages::internal(&app.frame, "rendering the preview", &e.to_string()),
        Err(e) => pages::internal(&app.frame, "rendering the preview", &e.to_string()),
    }
}

/// The next issue's HTML part as the sender's own address would get it (what
/// `herald digest --html` writes), or `None` when there is nothing new.
fn render(app: &App) -> crate::error::Result<Option<String>> {
    let config = &app.config;
    let now = app.clock.now();
    let loaded = crate::content::load(config)?;
    let store = Store::open_read_only(&config.state_file)?;
    let plan = match newsletter::plan_next(config, store.as_ref(), &loaded.articles, now)? {
        Next::Nothing { .. } => return Ok(None),
        Next::Issue(plan) => plan,
    };
    let from = config
        .newsletter
        .as_ref()
        .and_then(|n| n.from.parse::<lettre::message::Mailbox>().ok())
        .map(|m| m.email.to_string())
        .unwrap_or_else(|| "preview@example.com".into());
    let (html, _) = newsletter::preview_parts(config, &app.secrets, &plan, now, &from)?;
    Ok(Some(html))
}
