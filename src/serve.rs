//! `veille serve`: the publish folder over HTTP, read-only.
//!
//! For users without a web server: correct content types, `ETag` and
//! `Last-Modified` with `304 Not Modified`, gzip when the client accepts it,
//! and no way out of the folder (`..`, encoded or not, and symlinks that
//! lead elsewhere are refused). It never fetches or writes anything in
//! the folder. `/metrics` gives the database's figures to Prometheus
//! (see `metrics`). With `--public-url`, it also takes WebSub hubs'
//! requests under `/websub/` (see `websub`).

mod metrics;
mod websub;

pub use metrics::metrics_routes;
pub use websub::websub_routes;

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// Why the folder could not be served.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The address is taken or not ours.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The publish folder could not be created.
    #[error("cannot create {}: {source}", dir.display())]
    Folder {
        /// The folder.
        dir: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The server stopped on an error.
    #[error("{0}")]
    Serve(std::io::Error),
}

/// Serves `dir` on `addr` until Ctrl-C (creating `dir` when missing);
/// `ready` is told the address once the socket listens.
pub async fn run(
    dir: &Path,
    addr: SocketAddr,
    extra: Option<Router>,
    ready: impl FnOnce(),
) -> Result<(), ServeError> {
    let listener = bind(addr)
        .await
        .map_err(|source| ServeError::Listen { addr, source })?;
    std::fs::create_dir_all(dir).map_err(|source| ServeError::Folder {
        dir: dir.to_path_buf(),
        source,
    })?;
    ready();
    tokio::select! {
        result = serve_with(listener, dir.to_path_buf(), extra) => result.map_err(ServeError::Serve),
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}

/// Serves `dir` on `listener` until the task is dropped.
pub async fn serve(listener: tokio::net::TcpListener, dir: PathBuf) -> std::io::Result<()> {
    serve_with(listener, dir, None).await
}

/// Serves `dir`, and the routes of `extra` first, on `listener`.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    dir: PathBuf,
    extra: Option<Router>,
) -> std::io::Result<()> {
    let root = Arc::new(dir.canonicalize().unwrap_or(dir));
    let files = Router::new().fallback(handle).with_state(root);
    let app = match extra {
        Some(routes) => routes.merge(files),
        None => files,
    };
    axum::serve(listener, app).await
}

/// Binds `addr` (for the CLI).
pub async fn bind(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await
}

fn status(code: StatusCode, text: &'static str) -> Response {
    let mut r = Response::new(Body::from(text));
    *r.status_mut() = code;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// What a request path names.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    /// A file inside the folder.
    File(PathBuf),
    /// Nothing there.
    Missing,
    /// An attempt to leave the folder, or a path that is not text.
    Forbidden,
}

fn resolve(root: &Path, raw_path: &str) -> Target {
    match resolve_inner(root, raw_path) {
        Some(Some(path)) => Target::File(path),
        Some(None) => Target::Missing,
        None => Target::Forbidden,
    }
}

/// `None`: forbidden; `Some(None)`: a well-formed path with nothing there.
fn resolve_inner(root: &Path, raw_path: &str) -> Option<Option<PathBuf>> {
    let decoded = percent_encoding::percent_decode_str(raw_path)
        .decode_utf8()
        .ok()?;
    if decoded.contains('\0') || decoded.contains('\\') {
        return None;
    }
    let relative = decoded.trim_start_matches('/');
    let mut path = root.to_path_buf();
    for component in Path::new(relative).components() {
        match component {
            Component::Normal(part) => path.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if decoded.ends_with('/') || path.is_dir() {
        path.push("index.html");
    }
    // Symlinks may not lead out of the folder either.
    let Ok(real) = path.canonicalize() else {
        return Some(None);
    };
    real.starts_with(root).then_some(Some(real))
}

fn content_type(path: &Path) -> &'static str {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    match name {
        "rss.xml" => "application/rss+xml; charset=utf-8",
        "atom.xml" => "application/atom+xml; charset=utf-8",
        "feed.json" => "application/feed+json; charset=utf-8",
        _ => match path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default()
        {
            "html" => "text/html; charset=utf-8",
            "opml" => "text/x-opml; charset=utf-8",
            "xml" => "application/xml; charset=utf-8",
            "json" => "application/json; charset=utf-8",
            "svg" => "image/svg+xml",
            "css" => "text/css; charset=utf-8",
            "txt" => "text/plain; charset=utf-8",
            _ => "application/octet-stream",
        },
    }
}

fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

fn not_modified(headers: &HeaderMap, etag: &str, modified: DateTime<Utc>) -> bool {
    if let Some(inm) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        return inm.split(',').any(|t| t.trim() == etag || t.trim() == "*");
    }
    headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
        .is_some_and(|since| modified.timestamp() <= since.timestamp())
}

async fn handle(State(root): State<Arc<PathBuf>>, request: Request) -> Response {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return status(StatusCode::METHOD_NOT_ALLOWED, "GET or HEAD only\n");
    }
    let path = match resolve(&root, request.uri().path()) {
        Target::File(path) => path,
        Target::Missing => return status(StatusCode::NOT_FOUND, "not found\n"),
        Target::Forbidden => return status(StatusCode::FORBIDDEN, "forbidden\n"),
    };
    let Ok(bytes) = tokio::fs::read(&path).await else {
        return status(StatusCode::NOT_FOUND, "not found\n");
    };
    let modified: DateTime<Utc> = tokio::fs::metadata(&path)
        .await
        .and_then(|m| m.modified())
        .map(DateTime::<Utc>::from)
        .unwrap_or_default();
    let digest = Sha256::digest(&bytes);
    let etag = format!(
        "\"{}\"",
        crate::model::to_hex(digest.get(..12).unwrap_or_default())
    );
    let mut response = Response::new(Body::empty());
    set_file_headers(response.headers_mut(), &path, &etag, modified);
    if not_modified(request.headers(), &etag, modified) {
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        return response;
    }
    let body = if accepts_gzip(request.headers()) && bytes.len() > 256 {
        match gzip(&bytes) {
            Ok(compressed) => {
                response
                    .headers_mut()
                    .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                compressed
            }
            Err(_) => bytes,
        }
    } else {
        bytes
    };
    if let Ok(v) = HeaderValue::from_str(&body.len().to_string()) {
        response.headers_mut().insert(header::CONTENT_LENGTH, v);
    }
    if request.method() == Method::GET {
        *response.body_mut() = Body::from(body);
    }
    response
}

/// Content type, caching and validator headers of a file.
fn set_file_headers(h: &mut HeaderMap, path: &Path, etag: &str, modified: DateTime<Utc>) {
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(path)),
    );
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&http_date(modified)) {
        h.insert(header::LAST_MODIFIED, v);
    }
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")))
}

fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes)?;
    encoder.finish()
}

#[cfg(test)]
mod tests {
    use super::{Target, resolve};

    #[test]
    fn paths_stay_inside_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("topic")).unwrap();
        std::fs::write(root.join("topic/rss.xml"), "x").unwrap();
        std::fs::write(root.join("index.html"), "x").unwrap();
        assert_eq!(
            resolve(&root, "/topic/rss.xml"),
            Target::File(root.join("topic/rss.xml"))
        );
        assert_eq!(resolve(&root, "/"), Target::File(root.join("index.html")));
        assert_eq!(resolve(&root, "/topic/none.xml"), Target::Missing);
        for bad in [
            "/../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/topic/..%2f..%2fetc",
            "/topic/%2e%2e/%2e%2e/x",
            "/a%00b",
            "/..\\x",
        ] {
            assert_eq!(resolve(&root, bad), Target::Forbidden, "{bad}");
        }
    }
}
