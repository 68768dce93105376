//! A scriptable HTTP server on 127.0.0.1: each path answers the way a test
//! says (a feed with validators, a redirect, a status, a hang, an endless
//! body…), and every request is logged with its headers.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;

/// How a path answers.
#[derive(Clone)]
pub enum Behavior {
    /// A feed, with an ETag and Last-Modified; answers 304 to validators.
    Feed {
        body: Vec<u8>,
        content_type: String,
        etag: String,
        last_modified: String,
        encoding: Option<&'static str>,
    },
    /// Plain bytes with a content type and extra headers.
    Raw {
        status: u16,
        body: Vec<u8>,
        headers: Vec<(&'static str, String)>,
    },
    /// A redirect.
    Redirect { status: u16, to: String },
    /// Sleeps before answering (slower than the client's timeout).
    Hang(Duration),
    /// A body that never ends.
    Endless,
}

#[derive(Default)]
struct Shared {
    paths: Mutex<HashMap<String, Behavior>>,
    log: Mutex<Vec<(String, HeaderMap)>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    delay: Mutex<Duration>,
}

/// The server.
pub struct ScriptServer {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
}

fn compress(body: &[u8], encoding: &str) -> Vec<u8> {
    use std::io::Write;
    match encoding {
        "gzip" => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(body).unwrap();
            e.finish().unwrap()
        }
        "deflate" => {
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(body).unwrap();
            e.finish().unwrap()
        }
        "br" => {
            let mut out = Vec::new();
            brotli::BrotliCompress(
                &mut &body[..],
                &mut out,
                &brotli::enc::BrotliEncoderParams::default(),
            )
            .unwrap();
            out
        }
        "zstd" => zstd::encode_all(body, 3).unwrap(),
        other => panic!("unknown encoding {other}"),
    }
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let path = request.uri().path().trim_start_matches('/').to_string();
    let headers = request.headers().clone();
    shared
        .log
        .lock()
        .unwrap()
        .push((path.clone(), headers.clone()));
    let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    shared.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let delay = *shared.delay.lock().unwrap();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let behavior = shared.paths.lock().unwrap().get(&path).cloned();
    let response = match behavior {
        None => Response::builder()
            .status(404)
            .body(Body::from("not here"))
            .unwrap(),
        Some(Behavior::Feed {
            body,
            content_type,
            etag,
            last_modified,
            encoding,
        }) => {
            let matches = headers
                .get(header::IF_NONE_MATCH)
                .is_some_and(|v| v == etag.as_str())
                || (headers.get(header::IF_NONE_MATCH).is_none()
                    && headers
                        .get(header::IF_MODIFIED_SINCE)
                        .is_some_and(|v| v == last_modified.as_str()));
            let builder = Response::builder()
                .header(header::ETAG, &etag)
                .header(header::LAST_MODIFIED, &last_modified);
            if matches {
                builder.status(304).body(Body::empty()).unwrap()
            } else {
                let accepted = headers
                    .get(header::ACCEPT_ENCODING)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                match encoding.filter(|e| accepted.contains(e)) {
                    Some(e) => builder
                        .header(header::CONTENT_TYPE, content_type)
                        .header(header::CONTENT_ENCODING, e)
                        .body(Body::from(compress(&body, e)))
                        .unwrap(),
                    None => builder
                        .header(header::CONTENT_TYPE, content_type)
                        .body(Body::from(body))
                        .unwrap(),
                }
            }
        }
        Some(Behavior::Raw {
            status,
            body,
            headers,
        }) => {
            let mut b = Response::builder().status(status);
            for (k, v) in headers {
                b = b.header(k, v);
            }
            b.body(Body::from(body)).unwrap()
        }
        Some(Behavior::Redirect { status, to }) => Response::builder()
            .status(status)
            .header(header::LOCATION, to)
            .body(Body::empty())
            .unwrap(),
        Some(Behavior::Hang(d)) => {
            tokio::time::sleep(d).await;
            Response::builder()
                .status(200)
                .body(Body::from("too late"))
                .unwrap()
        }
        Some(Behavior::Endless) => {
            let chunk = bytes::Bytes::from(vec![b'x'; 64 * 1024]);
            let stream =
                futures_util::stream::repeat_with(move || Ok::<_, std::io::Error>(chunk.clone()));
            Response::builder()
                .status(200)
                .header(header::CONTENT_TYPE, "application/rss+xml")
                .body(Body::from_stream(stream))
                .unwrap()
        }
    };
    shared.in_flight.fetch_sub(1, Ordering::SeqCst);
    response
}

impl ScriptServer {
    pub async fn start() -> ScriptServer {
        let shared = Arc::new(Shared::default());
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        ScriptServer { addr, shared }
    }

    pub fn set(&self, path: &str, behavior: Behavior) {
        self.shared
            .paths
            .lock()
            .unwrap()
            .insert(path.to_string(), behavior);
    }

    /// A feed served with validators (ETag and Last-Modified).
    pub fn feed(&self, path: &str, body: impl Into<Vec<u8>>, version: u32) {
        self.set(
            path,
            Behavior::Feed {
                body: body.into(),
                content_type: "application/rss+xml; charset=utf-8".into(),
                etag: format!("\"v{version}\""),
                last_modified: format!("Thu, 05 Feb 2026 10:{version:02}:00 GMT"),
                encoding: None,
            },
        );
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}/{path}", self.addr)
    }

    /// Requests seen for `path`, with their headers.
    pub fn requests(&self, path: &str) -> Vec<HeaderMap> {
        self.shared
            .log
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _)| p == path)
            .map(|(_, h)| h.clone())
            .collect()
    }

    pub fn max_in_flight(&self) -> usize {
        self.shared.max_in_flight.load(Ordering::SeqCst)
    }

    /// Delay every answer (to observe concurrency).
    pub fn delay_all(&self, d: Duration) {
        *self.shared.delay.lock().unwrap() = d;
    }
}

/// A small valid RSS feed with `n` items whose guids start with `prefix`.
pub fn rss(prefix: &str, n: usize) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>T</title><link>https://e.ma/</link><description>d</description>",
    );
    for i in 0..n {
        s.push_str(&format!(
            "<item><title>{prefix} item {i}</title><link>https://e.ma/{prefix}/{i}</link><guid>{prefix}-{i}</guid><pubDate>Thu, 05 Feb 2026 0{}:00:00 GMT</pubDate></item>",
            i % 10
        ));
    }
    s.push_str("</channel></rss>");
    s
}
