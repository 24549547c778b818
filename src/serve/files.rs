//! Serving the built feeds from `output_dir` (placeholder: the files helper replaces it).

use std::path::PathBuf;

/// A router that serves the files of `output_dir`.
pub(crate) fn router(output_dir: PathBuf) -> axum::Router {
    axum::Router::new().fallback_service(tower_http::services::ServeDir::new(output_dir))
}
