//! `GET /`: what a visitor who lands on the server finds: the site's title and
//! description, the sign-up form when sign-up is on, and the feeds that are built, with
//! their addresses to copy into a reader.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::app::App;
use super::pages::{self, FeedLink, HomePage};
use crate::feed::{ATOM_FILE, JSON_FILE, RSS_FILE};

/// The home page.
pub(crate) async fn home(State(app): State<Arc<App>>) -> Response {
    let feeds = feeds(&app);
    pages::html(
        StatusCode::OK,
        &HomePage {
            page: &app.frame,
            description: &app.config.site.description,
            signup: app.mailer.is_some(),
            feeds: &feeds,
        },
    )
}

/// The site's feeds that exist in `output_dir`, at their public addresses.
fn feeds(app: &App) -> Vec<FeedLink> {
    [
        ("RSS 2.0", RSS_FILE),
        ("Atom 1.0", ATOM_FILE),
        ("JSON Feed 1.1", JSON_FILE),
    ]
    .into_iter()
    .filter(|(_, file)| app.config.output_dir.join(file).is_file())
    .filter_map(|(name, file)| {
        let url = app.config.base_url.join(file).ok()?;
        Some(FeedLink {
            name,
            url: url.to_string(),
        })
    })
    .collect()
}
