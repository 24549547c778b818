//! Static files from `output_dir`: the feeds, and whatever else is deployed beside them.
//!
//! - `Content-Type` by name: `application/rss+xml`, `application/atom+xml` and
//!   `application/feed+json` (with `charset=utf-8`) for the feeds, the usual types for
//!   the rest ([`kind`]).
//! - A strong `ETag` (a hash of the bytes; `-gz`/`-br` for the compressed variants) and
//!   `Last-Modified`; `304 Not Modified` for `If-None-Match` (which takes precedence) and
//!   `If-Modified-Since` ([`conditional`]); `HEAD` with the same headers and no body.
//! - brotli or gzip as `Accept-Encoding` prefers them, q-values included ([`encoding`]);
//!   `Vary: Accept-Encoding` on everything compressible.
//! - Feeds get `Access-Control-Allow-Origin: *` (browser-based readers) and
//!   `Cache-Control: max-age=300`.
//! - A request for one of herald's feed documents that prefers `text/html` (a browser;
//!   q-values weighed, [`accept`]) gets the HTML page the build wrote beside it
//!   (`rss.html` for `rss.xml`), with that file's own ETag and compressed variants;
//!   without the page, the feed as `application/xml` for its XSL stylesheet. Both carry
//!   `Vary: Accept`.
//! - The newsletter archive's HTML pages (`/newsletter/…`) get the preview's policy
//!   ([`super::security::archive_page`]): they show the issues' images.
//! - Nothing outside `output_dir`: `..` and encoded separators are refused ([`path`]),
//!   a symlink that leads out is a 404, hidden files (the build lock, temporary files)
//!   are 404. No listings: a folder serves its `index.html`, or 404.
//! - In memory: each file's bytes, compressed variants and header blocks ([`cache`]),
//!   checked on disk with a `stat` at most once a second per request path ([`recent`]),
//!   so a rebuilt, new or deleted file is seen within a second; files over 8 MiB are
//!   streamed from disk, uncompressed.

mod accept;
mod cache;
mod conditional;
mod encoding;
mod kind;
mod path;
mod recent;
#[cfg(test)]
mod tests;

use std::convert::Infallible;
use std::fs::Metadata;
use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Method, StatusCode, Uri, request::Parts};
use axum::response::{IntoResponse, Response};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use tokio::io::AsyncReadExt;

use cache::{Cache, CachedFile, Limits, LoadError, Loaded, Variant, Version};
use conditional::Precondition;
use kind::Kind;
use recent::Recent;

/// Serves the files below `output_dir` (see the module documentation): the app
/// router's fallback.
pub(crate) fn service(output_dir: PathBuf) -> Service {
    service_with(output_dir, Limits::default())
}

/// [`service`] with other memory limits.
pub(crate) fn service_with(output_dir: PathBuf, limits: Limits) -> Service {
    Service(Arc::new(Files {
        root: output_dir,
        cache: Cache::new(limits),
        recent: Recent::new(limits.revalidate),
    }))
}

/// The file server as a tower service (the app router's fallback): one boxed future
/// per request, where a router of its own (a handler and its extractors) would take
/// several. [`Service::handle`] answers without the router.
#[derive(Debug, Clone)]
pub(crate) struct Service(Arc<Files>);

impl Service {
    /// The answer to `request`, whose body is not read.
    pub(crate) async fn handle<B>(&self, request: axum::http::Request<B>) -> Response {
        handle(Arc::clone(&self.0), request).await
    }
}

impl tower::Service<Request> for Service {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let files = Arc::clone(&self.0);
        Box::pin(async move { Ok(handle(files, request).await) })
    }
}

/// The served folder and what is known of it.
#[derive(Debug)]
struct Files {
    root: PathBuf,
    cache: Cache,
    recent: Recent,
}

const ALLOW: HeaderValue = HeaderValue::from_static("GET, HEAD, OPTIONS");
const VARY: HeaderValue = HeaderValue::from_static("accept-encoding");
/// What a feed document's answer depends on: the page or the feed, and the coding.
const VARY_FEED: HeaderValue = HeaderValue::from_static("accept-encoding, accept");
const FEED_CACHE_CONTROL: HeaderValue = HeaderValue::from_static("max-age=300");
const ANY_ORIGIN: HeaderValue = HeaderValue::from_static("*");
const EXPOSED: HeaderValue = HeaderValue::from_static("ETag");
const NOSNIFF: HeaderValue = HeaderValue::from_static("nosniff");
/// An XML feed's type for a browser, which applies `feed.xsl` to it.
const XML_FOR_BROWSERS: HeaderValue = HeaderValue::from_static("application/xml; charset=utf-8");
/// The policy of an XML feed: its same-origin XSL stylesheet and inline styles only.
const FEED_CSP: HeaderValue = HeaderValue::from_static(
    "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self'; \
     form-action 'none'; base-uri 'none'; frame-ancestors 'none'",
);
/// Streamed files are read in pieces of this size.
const STREAM_CHUNK: usize = 64 << 10;

async fn handle<B>(files: Arc<Files>, request: axum::http::Request<B>) -> Response {
    let (parts, _body) = request.into_parts();
    let feed_types = path::file_name(parts.uri.path()).and_then(|name| kind::feed_types(&name));
    let wants_html = feed_types.is_some_and(|types| accept::prefers_html(&parts.headers, types));
    let response = match parts.method {
        Method::GET | Method::HEAD => files.respond(&parts, wants_html).await,
        Method::OPTIONS => Ok(preflight(&parts.uri)),
        _ => Err(Failure::MethodNotAllowed),
    };
    let mut response = response.unwrap_or_else(|failure| failure.into_response());
    if feed_types.is_some() {
        for_browsers(wants_html, response.headers_mut());
    }
    super::security::archive_page(parts.uri.path(), &mut response);
    response
}

/// The headers of an answer about a feed document, whose representation depends on
/// `Accept` (its HTML page or the feed): `Vary: Accept`, on 200s and 304s alike. When
/// a browser wanted HTML but got the XML feed (its page is missing: an older build),
/// the feed shows as a page through its `feed.xsl`: browsers apply a stylesheet only to
/// a document served as `application/xml` (they show `application/rss+xml` as text),
/// so it gets that type, and a policy that lets it load its stylesheet (CSP governs
/// XSLT with `script-src`) and use inline styles, nothing more; a feed reader's copy
/// gets none, like every other file.
fn for_browsers(wants_html: bool, headers: &mut HeaderMap) {
    headers.insert(header::VARY, VARY_FEED);
    let xml_feed = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| {
            t.starts_with("application/rss+xml") || t.starts_with("application/atom+xml")
        });
    if wants_html && xml_feed {
        headers.insert(header::CONTENT_TYPE, XML_FOR_BROWSERS);
        headers.insert(header::CONTENT_SECURITY_POLICY, FEED_CSP);
    }
}

/// Why a request gets no file.
#[derive(Debug)]
enum Failure {
    BadRequest,
    NotFound,
    Forbidden,
    MethodNotAllowed,
    /// A folder asked for without its trailing slash: go there (relative links in its
    /// `index.html` need it).
    Redirect(HeaderValue),
    Internal,
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let (status, text) = match self {
            Failure::BadRequest => (StatusCode::BAD_REQUEST, "Bad request\n"),
            Failure::NotFound => (StatusCode::NOT_FOUND, "Not found\n"),
            Failure::Forbidden => (StatusCode::FORBIDDEN, "Forbidden\n"),
            Failure::MethodNotAllowed => {
                return (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, ALLOW)]).into_response();
            }
            Failure::Redirect(location) => {
                return (
                    StatusCode::MOVED_PERMANENTLY,
                    [(header::LOCATION, location)],
                )
                    .into_response();
            }
            Failure::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "Internal server error\n"),
        };
        (status, text).into_response()
    }
}

impl From<path::Refused> for Failure {
    fn from(refused: path::Refused) -> Failure {
        match refused {
            path::Refused::BadRequest => Failure::BadRequest,
            path::Refused::Hidden => Failure::NotFound,
        }
    }
}

/// A file found below the root.
struct Located {
    relative: String,
    full: PathBuf,
    meta: Metadata,
}

impl Files {
    /// The file the request names or, for a feed document when `wants_html`, its HTML
    /// page when the build wrote one: what the same path led to within the last
    /// [`Limits::revalidate`], else looked up on disk.
    async fn respond(
        self: &Arc<Self>,
        parts: &Parts,
        wants_html: bool,
    ) -> Result<Response, Failure> {
        let path = parts.uri.path();
        let entry = match self.recent.get(path, wants_html) {
            Some(entry) => {
                self.cache.touch(&entry);
                entry
            }
            None => {
                let mut located = self.locate(&parts.uri)?;
                if wants_html && let Some(page) = self.page_of(&located) {
                    located = page;
                }
                let version = Version::of(&located.meta);
                let entry = match self.cache.get(&located.relative, version) {
                    Some(entry) => entry,
                    None => match self.load(&located).await? {
                        Loaded::Cached(entry) => entry,
                        Loaded::Large(file, meta) => {
                            return Ok(stream(file, &meta, &located.relative, parts));
                        }
                    },
                };
                self.recent.remember(path, wants_html, &entry);
                entry
            }
        };
        Ok(self.reply(&entry, parts).await)
    }

    /// The regular file the URI names, with one `stat` (two for a folder's index).
    ///
    /// A blocking call on the async thread, on purpose: a `stat` of a cached inode
    /// takes microseconds, far less than handing it to the blocking pool; and a path
    /// takes this way at most once per [`Limits::revalidate`].
    fn locate(&self, uri: &Uri) -> Result<Located, Failure> {
        let request = path::parse(uri.path())?;
        let mut relative = request.relative;
        let mut full = self.root.join(&relative);
        let mut meta = self.stat(&relative, &full)?;
        if meta.is_dir() {
            if !request.trailing_slash {
                return Err(Failure::Redirect(with_slash(&relative, uri)?));
            }
            full.push("index.html");
            relative = if relative.is_empty() {
                "index.html".to_owned()
            } else {
                format!("{relative}/index.html")
            };
            meta = self.stat(&relative, &full)?;
        } else if request.trailing_slash {
            return Err(Failure::NotFound);
        }
        if !meta.is_file() {
            return Err(Failure::NotFound);
        }
        Ok(Located {
            relative,
            full,
            meta,
        })
    }

    /// The HTML page beside the feed document `feed`, when it is a regular file.
    fn page_of(&self, feed: &Located) -> Option<Located> {
        let relative = kind::alternative(&feed.relative)?.page;
        let full = self.root.join(&relative);
        let meta = self.stat(&relative, &full).ok().filter(Metadata::is_file)?;
        Some(Located {
            relative,
            full,
            meta,
        })
    }

    fn stat(&self, relative: &str, full: &std::path::Path) -> Result<Metadata, Failure> {
        std::fs::metadata(full).map_err(|error| {
            if error.kind() == io::ErrorKind::NotFound {
                self.cache.forget(relative);
            }
            io_failure(full, &error)
        })
    }

    /// Reads a file that has no entry for its current version, off the async threads.
    async fn load(self: &Arc<Self>, located: &Located) -> Result<Loaded, Failure> {
        let files = Arc::clone(self);
        let relative = located.relative.clone();
        let full = located.full.clone();
        let loaded = tokio::task::spawn_blocking(move || {
            files
                .cache
                .load(&files.root, &relative, &full)
                .map_err(|error| (full, error))
        })
        .await
        .map_err(|_| Failure::Internal)?;
        loaded.map_err(|(full, error)| match error {
            LoadError::Outside | LoadError::NotAFile => Failure::NotFound,
            LoadError::Io(error) => io_failure(&full, &error),
        })
    }

    /// A 200 or a 304 from a cached entry, with the header block it holds for it.
    async fn reply(&self, entry: &CachedFile, parts: &Parts) -> Response {
        let modified = conditional::whole_seconds(entry.version.modified());
        match conditional::evaluate(&parts.headers, &entry.tags(), modified) {
            Precondition::MatchedTag(index) => not_modified(entry.not_modified(index)),
            Precondition::NotModified => {
                let variant = self.negotiate(entry, &parts.headers).await;
                not_modified(entry.not_modified(variant.tag_index()))
            }
            Precondition::Send => {
                let variant = self.negotiate(entry, &parts.headers).await;
                let mut response = if parts.method == Method::HEAD {
                    Response::new(Body::empty())
                } else {
                    Response::new(Body::from(variant.bytes.clone()))
                };
                *response.headers_mut() = variant.headers.clone();
                response
            }
        }
    }

    /// The variant the client prefers among those this entry has.
    async fn negotiate<'e>(&self, entry: &'e CachedFile, headers: &HeaderMap) -> &'e Variant {
        for coding in encoding::ranked(headers).into_iter().flatten() {
            if let Some(variant) = self.cache.variant(entry, coding).await {
                return variant;
            }
        }
        &entry.identity
    }
}

fn not_modified(headers: &HeaderMap) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::NOT_MODIFIED;
    *response.headers_mut() = headers.clone();
    response
}

/// The headers every response about a file carries, 200 or 304.
fn describe(headers: &mut HeaderMap, kind: &Kind, last_modified: HeaderValue) {
    headers.insert(header::CONTENT_TYPE, kind.content_type.clone());
    headers.insert(header::LAST_MODIFIED, last_modified);
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, NOSNIFF);
    if kind.compressible {
        headers.insert(header::VARY, VARY);
    }
    if kind.feed {
        headers.insert(header::CACHE_CONTROL, FEED_CACHE_CONTROL);
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, ANY_ORIGIN);
        headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSED);
    }
}

/// A file too large to cache, streamed from disk as it is, with an entity tag made from
/// its modification time and length.
fn stream(file: std::fs::File, meta: &Metadata, relative: &str, parts: &Parts) -> Response {
    let version = Version::of(meta);
    let modified = conditional::whole_seconds(version.modified());
    let since_epoch = version
        .modified()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let tag = format!("\"m{:x}-{:x}\"", since_epoch.as_nanos(), version.len());
    let etag = HeaderValue::from_str(&tag).expect("hex digits and quotes");
    let kind = kind::of(relative);
    let last_modified = cache::http_date(version.modified());
    let mut response = match conditional::evaluate(&parts.headers, &[&tag], modified) {
        Precondition::Send if parts.method == Method::HEAD => Response::new(Body::empty()),
        Precondition::Send => {
            let reader = tokio::fs::File::from_std(file).take(version.len());
            let chunks = tokio_util::io::ReaderStream::with_capacity(reader, STREAM_CHUNK);
            Response::new(Body::from_stream(chunks))
        }
        Precondition::MatchedTag(_) | Precondition::NotModified => {
            let mut response = not_modified_headers(&kind, last_modified);
            response.headers_mut().insert(header::ETAG, etag);
            return response;
        }
    };
    let headers = response.headers_mut();
    describe(headers, &kind, last_modified);
    headers.insert(header::ETAG, etag);
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(version.len()));
    response
}

fn not_modified_headers(kind: &Kind, last_modified: HeaderValue) -> Response {
    let mut response = StatusCode::NOT_MODIFIED.into_response();
    let headers = response.headers_mut();
    describe(headers, kind, last_modified);
    headers.remove(header::CONTENT_TYPE);
    response
}

/// `OPTIONS`: what a browser asks before a cross-origin request with its own headers.
fn preflight(uri: &Uri) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    headers.insert(header::ALLOW, ALLOW);
    let is_feed = path::parse(uri.path()).is_ok_and(|p| kind::of(&p.relative).feed);
    if is_feed {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, ANY_ORIGIN);
        headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, ALLOW);
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("if-none-match, if-modified-since"),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("86400"),
        );
    }
    response
}

/// Where a folder asked for without its trailing slash lives: rebuilt from the checked
/// path (never the raw one, so `//host` cannot turn into another site), plus the query.
fn with_slash(relative: &str, uri: &Uri) -> Result<HeaderValue, Failure> {
    let mut location = String::from("/");
    for segment in relative.split('/') {
        location.extend(utf8_percent_encode(segment, SEGMENT));
        location.push('/');
    }
    if let Some(query) = uri.query() {
        location.push('?');
        location.push_str(query);
    }
    HeaderValue::from_str(&location).map_err(|_| Failure::BadRequest)
}

/// What a path segment must escape (RFC 3986 `pchar` is the rest).
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// The response for a file system error on `full`; unexpected ones are logged.
fn io_failure(full: &std::path::Path, error: &io::Error) -> Failure {
    match error.kind() {
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory | io::ErrorKind::InvalidFilename => {
            Failure::NotFound
        }
        io::ErrorKind::PermissionDenied => Failure::Forbidden,
        _ => {
            tracing::error!("{}: {error}", full.display());
            Failure::Internal
        }
    }
}
