//! `herald serve`: one HTTP process beside the cron commands, on the same config and
//! state database.
//!
//! It answers what needs an answer from the web:
//!
//! - `GET|POST /unsubscribe/{token}`: the page with a button, and the RFC 8058
//!   one-click unsubscribe (only a POST unsubscribes).
//! - `GET|POST /preferences/{token}`: the subscriber's topics, a pause, unsubscribing;
//!   only a POST changes anything (docs/serve.md).
//! - `GET|POST /subscribe` and `GET|POST /confirm/{token}`: double opt-in sign-up.
//! - `GET /preview`: the next issue's HTML, behind `serve.preview_token`.
//! - `GET /`: the home page: the site, the sign-up form, the feeds, the past issues.
//! - `GET /healthz`: 200 when the state database answers.
//! - `POST /webhooks/{ses,mailgun,postmark,sendgrid}`: the relays' bounce and complaint
//!   callbacks, each off (404) until configured (`webhooks`).
//! - everything else: the built feeds from `output_dir`; a request for a feed that
//!   prefers HTML (a browser) gets the feed's HTML page the build wrote beside it.
//!
//! It runs on a tokio runtime of its own, so library users call the blocking [`serve`]
//! like any other stage. Every HTML page carries a strict Content-Security-Policy;
//! token pages are never stored by caches; with an https `serve.public_url` every
//! answer carries HSTS. A request head has `serve.header_read_timeout_seconds` to
//! arrive, a kept-alive connection may idle `serve.idle_timeout_seconds`, and shutdown
//! waits at most `serve.shutdown_timeout_seconds` for open connections.

mod access_log;
mod app;
mod client_ip;
mod confirm_token;
mod files;
mod form;
mod home;
mod limits;
mod listen;
mod mailer;
mod origin;
mod pages;
mod preferences;
mod preview;
mod security;
mod signup;
mod timeouts;
mod topics;
mod unsubscribe;
pub(crate) mod webhooks;
mod workers;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::routing::{MethodRouter, get};
use chrono::{DateTime, Utc};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::config::{Config, Secrets};
use crate::error::{Error, Result, SecretProblem};
use crate::store::Store;
use app::{App, Clock};

/// What `herald serve` was asked for on its command line.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The address to listen on (`--listen`, else `serve.listen`); port 0 picks a free one.
    pub listen: SocketAddr,
    /// A pinned clock (`--now`, for tests and demonstrations); `None` reads the system
    /// clock at each request.
    pub now: Option<DateTime<Utc>>,
}

/// After the shutdown, how long a store call still running on the blocking pool may
/// take before the process leaves without it.
const BLOCKING_GRACE: Duration = Duration::from_secs(1);

/// Runs the server until SIGTERM or Ctrl-C, calling `on_listening` with the bound
/// address once it accepts connections. Then it stops accepting, waits for the requests
/// under way at most `serve.shutdown_timeout_seconds`, closes what is still open, and
/// returns.
///
/// `HERALD_SECRET` must be at least 32 bytes long, and is required when the config sets `newsletter.from` (the newsletter's mails
/// link to the unsubscribe page). Without a newsletter and without the secret, the
/// unsubscribe and sign-up pages answer 404. Sign-up also needs `serve.public_url`; what
/// is missing is logged at start.
pub fn serve(
    config: &Config,
    secrets: &Secrets,
    options: ServeOptions,
    on_listening: impl FnOnce(SocketAddr),
) -> Result<()> {
    let listen_error = |source| Error::Listen {
        address: options.listen.to_string(),
        source,
    };
    let app = Arc::new(build_app(config, secrets, options.now)?);
    let files = files::service(config.output_dir.clone());
    let router = router(app, files.clone(), config);
    let policy = policy(config);
    let limits = listen::Limits::of(&config.serve);
    // The accept loop, the signals and the shutdown run here; the connections, on the
    // workers.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(listen_error)?;
    let workers = workers::Workers::per_core(BLOCKING_GRACE).map_err(listen_error)?;
    let served = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(options.listen)
            .await
            .map_err(listen_error)?;
        on_listening(listener.local_addr().map_err(listen_error)?);
        let answer = listen::Answer {
            router,
            files,
            policy,
        };
        listen::run(listener, answer, &workers, limits, shutdown_signal()).await;
        Ok(())
    });
    // Drops the connections still open (past the deadline) without waiting for them.
    workers.stop();
    runtime.shutdown_timeout(BLOCKING_GRACE);
    served
}

fn build_app(config: &Config, secrets: &Secrets, now: Option<DateTime<Utc>>) -> Result<App> {
    let secret = secrets.secret_key()?.map(<[u8]>::to_vec);
    // The newsletter's mails link to the unsubscribe page: without the secret that
    // page would refuse every link.
    if secret.is_none() && config.newsletter.from.is_some() {
        return Err(SecretProblem::Missing {
            needed_by: "`herald serve` needs it for the newsletter's unsubscribe and sign-up pages (the config sets newsletter.from)",
        }
        .into());
    }
    let mut store = Store::open(&config.state_file)?;
    match &secret {
        Some(secret) => {
            unsubscribe::index(&mut store, secret)?;
        }
        None => {
            tracing::warn!("HERALD_SECRET is not set: unsubscribe and sign-up pages are off (404)")
        }
    }
    let clock = now.map_or(Clock::System, Clock::Fixed);
    let mailer = match (signup_problem(config), &secret) {
        (Ok(()), Some(secret)) => Some(mailer::Mailer::start(
            config,
            secrets,
            crate::newsletter::letterhead(config)?,
            secret.clone(),
            clock,
        )),
        (Err(problem), Some(_)) => {
            tracing::warn!("sign-up is off (404): {problem}");
            None
        }
        (_, None) => None,
    };
    let webhooks = webhooks::Webhooks::of(config, secrets)?;
    match webhooks.on().as_slice() {
        [] => {}
        on => tracing::info!("relay webhooks on: {}", on.join(", ")),
    }
    let serve = &config.serve;
    let nets = serve
        .trusted_proxy_nets()
        .map_err(|message| Error::Config {
            path: config.file.clone(),
            line: None,
            message,
        })?;
    Ok(App {
        config: config.clone(),
        secrets: secrets.clone(),
        secret,
        store: Mutex::new(store),
        clock,
        proxies: client_ip::TrustedProxies::new(nets),
        per_ip: limits::Limiter::new(serve.signups_per_ip_per_minute, Duration::from_secs(60)),
        per_mailbox: limits::Limiter::new(
            1,
            Duration::from_secs(u64::from(serve.confirm_mail_interval_minutes) * 60),
        ),
        mailer,
        frame: pages::PageFrame::of(config),
        webhooks,
    })
}

/// What sign-up needs besides the secret: the public URL for the link and a From.
fn signup_problem(config: &Config) -> std::result::Result<(), String> {
    if config.serve.public_url.is_none() {
        return Err("set serve.public_url (the confirmation link is built on it)".into());
    }
    let from = config
        .newsletter
        .from
        .as_deref()
        .ok_or("add a `newsletter:` section with `from:` (confirmation mails need a sender)")?;
    from.parse::<lettre::message::Mailbox>()
        .map(drop)
        .map_err(|e| format!("newsletter.from {from:?} is not a mailbox ({e})"))
}

fn router(app: Arc<App>, files: files::Service, config: &Config) -> Router {
    // Pages whose URL carries a token (or whose answer is for the token's holder only):
    // no cache keeps them, whatever the answer.
    let no_store = SetResponseHeaderLayer::overriding(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    Router::new()
        .app_route("/", get(home::home))
        .app_route("/healthz", get(healthz))
        .app_route(
            "/unsubscribe/{token}",
            get(unsubscribe::page)
                .post(unsubscribe::unsubscribe)
                .layer(no_store.clone()),
        )
        .app_route(
            "/preferences/{token}",
            get(preferences::page)
                .post(preferences::change)
                .layer(no_store.clone()),
        )
        .app_route("/subscribe", get(signup::form).post(signup::sign_up))
        .app_route(
            "/confirm/{token}",
            get(signup::confirm_page)
                .post(signup::confirm)
                .layer(no_store.clone()),
        )
        .app_route("/preview", get(preview::preview).layer(no_store))
        .layer(DefaultBodyLimit::max(config.serve.max_body_bytes))
        .merge(webhooks::routes())
        .with_state(app)
        .fallback_service(files)
}

/// The first path segments of the app's routes. A request whose path starts with none
/// of them can match no route: it goes to the files without the router ([`listen`]).
const ROUTE_SEGMENTS: [&str; 8] = [
    "",
    "healthz",
    "unsubscribe",
    "preferences",
    "subscribe",
    "confirm",
    "preview",
    "webhooks",
];

/// Whether `path` (as the request spells it) may match one of the app's routes.
pub(crate) fn may_be_a_route(path: &str) -> bool {
    let first = path.strip_prefix('/').unwrap_or(path);
    let first = first.split_once('/').map_or(first, |(segment, _)| segment);
    ROUTE_SEGMENTS.contains(&first)
}

/// How the app's routes are added: each is checked against [`ROUTE_SEGMENTS`], so that
/// no route is added that the requests for files would pass by.
pub(crate) trait AppRoutes<S> {
    /// [`Router::route`], for a path that [`may_be_a_route`].
    fn app_route(self, path: &str, method: MethodRouter<S>) -> Self;
}

impl<S: Clone + Send + Sync + 'static> AppRoutes<S> for Router<S> {
    fn app_route(self, path: &str, method: MethodRouter<S>) -> Self {
        assert!(
            may_be_a_route(path),
            "{path}: add its first segment to ROUTE_SEGMENTS"
        );
        self.route(path, method)
    }
}

/// The headers every answer gets ([`security::Policy::harden`]).
fn policy(config: &Config) -> security::Policy {
    let logo = config
        .newsletter
        .theme
        .logo
        .as_ref()
        .map(|l| l.url.as_str());
    security::Policy {
        csp: security::page_csp(logo),
        https: config
            .serve
            .public_url
            .as_deref()
            .is_some_and(|url| url.starts_with("https:")),
    }
}

async fn healthz(State(app): State<Arc<App>>) -> (StatusCode, &'static str) {
    match app.db(|store, _| store.check()).await {
        Ok(()) => (StatusCode::OK, "ok\n"),
        Err(e) => {
            tracing::error!("healthz: {}", e.0);
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "state database unavailable\n",
            )
        }
    }
}

/// Resolves on SIGTERM or Ctrl-C (SIGINT).
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

#[cfg(test)]
mod tests {
    use super::may_be_a_route;

    #[test]
    fn only_paths_under_a_route_segment_may_be_routes() {
        let cases = [
            ("/", true),
            ("/healthz", true),
            ("/unsubscribe/abc", true),
            ("/preferences/abc", true),
            ("/subscribe", true),
            ("/confirm/1.ab", true),
            ("/preview", true),
            ("/webhooks/ses", true),
            // Not a route, but past the router does no harm: its fallback is the files.
            ("/preview/page.html", true),
            ("//x", true),
            ("/rss.xml", false),
            ("/index.html", false),
            ("/newsletter/", false),
            ("/healthz.html", false),
            ("/%68ealthz", false),
            ("/Healthz", false),
            ("*", false),
        ];
        for (path, expected) in cases {
            assert_eq!(may_be_a_route(path), expected, "{path}");
        }
    }

    #[test]
    #[should_panic(expected = "/feeds/{name}: add its first segment to ROUTE_SEGMENTS")]
    fn a_route_outside_the_segments_is_refused() {
        use super::AppRoutes;
        let _: axum::Router =
            axum::Router::new().app_route("/feeds/{name}", axum::routing::get(|| async { "" }));
    }
}
