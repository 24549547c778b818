//! `herald serve`: one HTTP process beside the cron commands, on the same config and
//! state database.
//!
//! It answers what needs an answer from the web: the built feeds from `output_dir`,
//! and a health check (`/healthz`). It runs on a tokio runtime of its own, so library
//! users call the blocking [`serve`] like any other stage.

mod files;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;

use crate::config::{Config, Secrets};
use crate::error::{Error, Result};
use crate::store::Store;

/// What `herald serve` was asked for on its command line.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The address to listen on (`--listen`, else `serve.listen`); port 0 picks a free one.
    pub listen: SocketAddr,
    /// A pinned clock (`--now`, for tests and demonstrations); `None` reads the system
    /// clock at each request.
    pub now: Option<chrono::DateTime<chrono::Utc>>,
}

/// What every handler shares.
struct App {
    state_file: PathBuf,
}

/// Runs the server until SIGTERM or Ctrl-C, calling `on_listening` with the bound
/// address once it accepts connections.
pub fn serve(
    config: &Config,
    _secrets: &Secrets,
    options: ServeOptions,
    on_listening: impl FnOnce(SocketAddr),
) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| Error::Listen {
            address: options.listen.to_string(),
            source,
        })?;
    let app = Arc::new(App {
        state_file: config.state_file.clone(),
    });
    let router = router(app, config.output_dir.clone());
    runtime.block_on(async move {
        let listen_error = |source| Error::Listen {
            address: options.listen.to_string(),
            source,
        };
        let listener = tokio::net::TcpListener::bind(options.listen)
            .await
            .map_err(listen_error)?;
        on_listening(listener.local_addr().map_err(listen_error)?);
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(listen_error)
    })
}

fn router(app: Arc<App>, output_dir: PathBuf) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .with_state(app)
        .fallback_service(files::router(output_dir))
}

async fn healthz(State(app): State<Arc<App>>) -> (StatusCode, &'static str) {
    let path = app.state_file.clone();
    let opened = tokio::task::spawn_blocking(move || Store::open(&path)).await;
    match opened {
        Ok(Ok(_)) => (StatusCode::OK, "ok\n"),
        Ok(Err(e)) => {
            tracing::error!("healthz: {e}");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "state database unavailable\n",
            )
        }
        Err(e) => {
            tracing::error!("healthz: {e}");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n")
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
    tracing::info!("shutting down");
}
