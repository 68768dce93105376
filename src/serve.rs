//! `veille serve`: the publish folder over HTTP, read-only.
//!
//! For users without a web server: correct content types, `ETag` and
//! `Last-Modified` with `304 Not Modified`, gzip when the client accepts it,
//! and no way out of the folder (`..`, encoded or not, and symlinks that
//! lead elsewhere are refused). It never fetches or writes anything in
//! the folder. `/metrics` gives the database's figures to Prometheus
//! (see `metrics`). With `--public-url`, it also takes WebSub hubs'
//! requests under `/websub/` (see `websub`).

mod connections;
mod metrics;
mod websub;

pub use connections::Limits;
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
    serve_within(listener, dir, extra, Limits::default()).await
}

/// [`serve_with`], with clients held to `limits`.
pub async fn serve_within(
    listener: tokio::net::TcpListener,
    dir: PathBuf,
    extra: Option<Router>,
    limits: Limits,
) -> std::io::Result<()> {
    let root = Arc::new(dir.canonicalize().unwrap_or(dir));
    let files = Router::new().fallback(handle).with_state(root);
    let app = match extra {
        Some(routes) => routes.merge(files),
        None => files,
    };
    connections::serve_connections(listener, app, limits).await
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
    /// A folder named without its final `/`: its page's relative links
    /// only work from the folder's own URL, so the client is sent there.
    Folder,
    /// Nothing there, or nothing veille publishes (dotfiles such as the
    /// files being written, and types it never writes, such as a database
    /// or config file someone put in the folder).
    Missing,
    /// An attempt to leave the folder, or a path that is not text.
    Forbidden,
}

fn resolve(root: &Path, raw_path: &str) -> Target {
    match resolve_inner(root, raw_path) {
        Some(target) => target,
        None => Target::Forbidden,
    }
}

/// `None`: forbidden.
fn resolve_inner(root: &Path, raw_path: &str) -> Option<Target> {
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
            Component::Normal(part) if part.to_string_lossy().starts_with('.') => {
                return Some(Target::Missing);
            }
            Component::Normal(part) => path.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if path.is_dir() {
        if !decoded.ends_with('/') {
            return Some(Target::Folder);
        }
        path.push("index.html");
    }
    if content_type(&path) == OTHER_TYPE {
        return Some(Target::Missing);
    }
    // Symlinks may not lead out of the folder either.
    let Ok(real) = path.canonicalize() else {
        return Some(Target::Missing);
    };
    real.starts_with(root).then_some(Target::File(real))
}

/// The type of files veille does not publish, which are not served.
const OTHER_TYPE: &str = "application/octet-stream";

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
            _ => OTHER_TYPE,
        },
    }
}

fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// Whether the client's copy is current: `If-None-Match` by weak
/// comparison (RFC 9110 13.1.2) against any representation's tag, else
/// `If-Modified-Since`.
fn not_modified(headers: &HeaderMap, tags: &[&str], modified: DateTime<Utc>) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_string();
    if let Some(inm) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        return inm
            .split(',')
            .map(opaque)
            .any(|t| t == "*" || tags.iter().any(|tag| opaque(tag) == t));
    }
    headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
        .is_some_and(|since| modified.timestamp() <= since.timestamp())
}

async fn handle(State(root): State<Arc<PathBuf>>, request: Request) -> Response {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        let mut response = status(StatusCode::METHOD_NOT_ALLOWED, "GET or HEAD only\n");
        let allow = HeaderValue::from_static("GET, HEAD");
        response.headers_mut().insert(header::ALLOW, allow);
        return response;
    }
    let path = match resolve(&root, request.uri().path()) {
        Target::File(path) => path,
        Target::Folder => return to_folder(request.uri().path()),
        Target::Missing => return status(StatusCode::NOT_FOUND, "not found\n"),
        Target::Forbidden => return status(StatusCode::FORBIDDEN, "forbidden\n"),
    };
    let Some((bytes, modified)) = read_with_time(&path).await else {
        return status(StatusCode::NOT_FOUND, "not found\n");
    };
    let gzip_wanted = accepts_gzip(request.headers()) && bytes.len() > 256;
    // Hashing and compressing a page of several MB is CPU work: off the
    // async workers, which also answer the other requests.
    let prepared = tokio::task::spawn_blocking(move || prepare(bytes, gzip_wanted)).await;
    let Ok(file) = prepared else {
        return status(StatusCode::INTERNAL_SERVER_ERROR, "error\n");
    };
    let mut response = Response::new(Body::empty());
    set_file_headers(response.headers_mut(), &path, &file.etag, modified);
    let tags = [file.plain_etag.as_str(), file.gzip_etag.as_str()];
    if not_modified(request.headers(), &tags, modified) {
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        return response;
    }
    if file.gzipped {
        response
            .headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    if let Ok(v) = HeaderValue::from_str(&file.body.len().to_string()) {
        response.headers_mut().insert(header::CONTENT_LENGTH, v);
    }
    if request.method() == Method::GET {
        *response.body_mut() = Body::from(file.body);
    }
    response
}

/// A 301 to the folder's own URL (with its final `/`).
fn to_folder(path: &str) -> Response {
    let mut response = status(StatusCode::MOVED_PERMANENTLY, "moved\n");
    if let Ok(location) = HeaderValue::from_str(&format!("{path}/")) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// The file's bytes and the time it was last written, from one open
/// handle: a publish that replaces the file meanwhile cannot pair the old
/// bytes with the new time.
async fn read_with_time(path: &Path) -> Option<(Vec<u8>, DateTime<Utc>)> {
    use tokio::io::AsyncReadExt;
    let mut file = tokio::fs::File::open(path).await.ok()?;
    let modified = file
        .metadata()
        .await
        .and_then(|m| m.modified())
        .map(DateTime::<Utc>::from)
        .unwrap_or_default();
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).await.ok()?;
    Some((bytes, modified))
}

/// A file as it is sent: its body (compressed when asked) and the tags of
/// both representations, which differ so that caches keep them apart.
struct Prepared {
    body: Vec<u8>,
    gzipped: bool,
    etag: String,
    plain_etag: String,
    gzip_etag: String,
}

fn prepare(bytes: Vec<u8>, gzip_wanted: bool) -> Prepared {
    let digest = Sha256::digest(&bytes);
    let hex = crate::model::to_hex(digest.get(..12).unwrap_or_default());
    let plain_etag = format!("\"{hex}\"");
    let gzip_etag = format!("\"{hex}-gz\"");
    let compressed = gzip_wanted.then(|| gzip(&bytes).ok()).flatten();
    let gzipped = compressed.is_some();
    Prepared {
        body: compressed.unwrap_or(bytes),
        gzipped,
        etag: if gzipped {
            gzip_etag.clone()
        } else {
            plain_etag.clone()
        },
        plain_etag,
        gzip_etag,
    }
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

/// Whether `Accept-Encoding` takes gzip (`gzip;q=0` refuses it).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    let takes = |coding: &str| {
        let mut parts = coding.split(';').map(str::trim);
        let name = parts.next().unwrap_or_default();
        let refused = parts.any(|p| {
            p.strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        (name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip")) && !refused
    };
    headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(takes))
}

fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes)?;
    encoder.finish()
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue, header};
    use chrono::{DateTime, Utc};

    use super::{Target, accepts_gzip, not_modified, resolve};

    fn with(name: header::HeaderName, value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(name, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn gzip_is_sent_only_when_accepted() {
        for (value, takes) in [
            ("gzip, deflate, br", true),
            ("br;q=1.0, gzip;q=0.8", true),
            ("GZIP", true),
            ("gzip;q=0", false),
            ("gzip; q=0.0, identity", false),
            ("br", false),
            ("x-gzip", true),
        ] {
            assert_eq!(
                accepts_gzip(&with(header::ACCEPT_ENCODING, value)),
                takes,
                "{value}"
            );
        }
    }

    #[test]
    fn validators_compare_weakly_and_know_both_representations() {
        let tags = ["\"abc\"", "\"abc-gz\""];
        let now = DateTime::<Utc>::UNIX_EPOCH;
        for (value, fresh) in [
            ("\"abc\"", true),
            ("W/\"abc\"", true),
            ("\"zzz\", W/\"abc-gz\"", true),
            ("*", true),
            ("\"zzz\"", false),
        ] {
            assert_eq!(
                not_modified(&with(header::IF_NONE_MATCH, value), &tags, now),
                fresh,
                "{value}"
            );
        }
    }

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
        assert_eq!(resolve(&root, "/topic"), Target::Folder);
        // Not what veille publishes, or being written.
        std::fs::write(root.join("veille.db"), "x").unwrap();
        std::fs::write(root.join("config.toml"), "x").unwrap();
        std::fs::write(root.join("topic/.tmpAbC123"), "x").unwrap();
        for unpublished in [
            "/veille.db",
            "/config.toml",
            "/topic/.tmpAbC123",
            "/.git/config",
        ] {
            assert_eq!(
                resolve(&root, unpublished),
                Target::Missing,
                "{unpublished}"
            );
        }
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
