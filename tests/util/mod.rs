//! Shared test helpers: fixture HTTP servers on 127.0.0.1 and config files.

pub mod hub;
pub mod postgres;
pub mod script;
pub mod smtp;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use axum::routing::get;

/// A file the server answers with.
#[derive(Clone)]
pub struct Served {
    pub content_type: String,
    pub body: Vec<u8>,
}

/// A loopback HTTP server whose files tests can change between runs.
pub struct FixtureServer {
    pub addr: SocketAddr,
    files: Arc<Mutex<HashMap<String, Served>>>,
    hits: Arc<Mutex<HashMap<String, usize>>>,
}

type Shared = (
    Arc<Mutex<HashMap<String, Served>>>,
    Arc<Mutex<HashMap<String, usize>>>,
);

async fn serve_file(
    State((files, hits)): State<Shared>,
    UrlPath(name): UrlPath<String>,
) -> Response {
    *hits.lock().unwrap().entry(name.clone()).or_default() += 1;
    let found = files.lock().unwrap().get(&name).cloned();
    match found {
        Some(f) => Response::builder()
            .header(header::CONTENT_TYPE, f.content_type)
            .body(Body::from(f.body))
            .unwrap(),
        None => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Body::from("not found"))
            .unwrap(),
    }
}

impl FixtureServer {
    pub async fn start() -> FixtureServer {
        let files = Arc::new(Mutex::new(HashMap::new()));
        let hits = Arc::new(Mutex::new(HashMap::new()));
        let app = Router::new()
            .route("/{name}", get(serve_file))
            .with_state((files.clone(), hits.clone()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        FixtureServer { addr, files, hits }
    }

    pub fn put(&self, name: &str, content_type: &str, body: impl Into<Vec<u8>>) {
        self.files.lock().unwrap().insert(
            name.to_string(),
            Served {
                content_type: content_type.to_string(),
                body: body.into(),
            },
        );
    }

    pub fn put_fixture(&self, name: &str, content_type: &str) {
        self.put(name, content_type, fixture(name));
    }

    pub fn url(&self, name: &str) -> String {
        format!("http://{}/{name}", self.addr)
    }

    pub fn hits(&self, name: &str) -> usize {
        self.hits.lock().unwrap().get(name).copied().unwrap_or(0)
    }
}

/// Bytes of `tests/fixtures/feeds/{name}`.
pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/feeds")
            .join(name),
    )
    .unwrap()
}

/// The shipped `config.toml`.
pub fn shipped_config_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config.toml")
}

/// The query of a feed in the shipped config (so tests check the real one).
pub fn shipped_query(slug: &str) -> String {
    let config = veille::config::Config::load(&shipped_config_path()).unwrap();
    config
        .feeds
        .into_iter()
        .find(|f| f.slug == slug)
        .unwrap()
        .query
}

/// Writes a config with one source per `(name, url)` and the shipped
/// `morocco-ai-governance` feed plus an `everything` feed; returns its path.
pub fn write_config(dir: &Path, sources: &[(&str, String)]) -> PathBuf {
    let mut text = String::from(
        "[database]\nurl = \"sqlite://data/veille.db\"\n\n[fetch]\nconcurrency = 4\ntimeout_secs = 5\n\n\
         [publish]\ndir = \"public\"\nbase_url = \"https://example.org/veille/\"\n\n",
    );
    for (name, url) in sources {
        text.push_str(&format!(
            "[[source]]\nname = \"{name}\"\nurl = \"{url}\"\ntags = [\"test\"]\n\n"
        ));
    }
    text.push_str(&format!(
        "[[feed]]\nslug = \"morocco-ai-governance\"\ntitle = \"Morocco AI governance\"\nlimit = 50\nquery = '''{}'''\n\n",
        shipped_query("morocco-ai-governance")
    ));
    text.push_str(
        "[[feed]]\nslug = \"everything\"\ntitle = \"Everything\"\nlimit = 3\nquery = \"-zzzzzz\"\n",
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// The publish tests' three outlets (French, English, Arabic fixtures)
/// served on 127.0.0.1, and a config for them written into `dir`.
pub async fn three_outlets(dir: &Path) -> (FixtureServer, PathBuf) {
    let server = FixtureServer::start().await;
    server.put_fixture("maroc-rss2.xml", "application/rss+xml");
    server.put_fixture("world-atom.xml", "application/atom+xml");
    server.put_fixture("arabic-rss2.xml", "application/rss+xml");
    let path = write_config(
        dir,
        &[
            ("Maroc FR", server.url("maroc-rss2.xml")),
            ("World Policy", server.url("world-atom.xml")),
            ("Akhbar", server.url("arabic-rss2.xml")),
        ],
    );
    (server, path)
}

/// Opens the test database read-only-ish with a plain sqlx pool.
pub async fn db(dir: &Path) -> sqlx::SqlitePool {
    let url = format!("sqlite://{}", dir.join("data/veille.db").display());
    sqlx::SqlitePool::connect(&url).await.unwrap()
}

/// Writes a config with `[fetch]` lines `fetch` and the raw `[[source]]`
/// tables `sources`, plus one catch-all feed; loads it.
pub fn config_with(dir: &Path, fetch: &str, sources: &str) -> veille::config::Config {
    let text = format!(
        "[database]\nurl = \"sqlite://veille.db\"\n\n[fetch]\ntimeout_secs = 2\nconnect_timeout_secs = 2\n{fetch}\n\n\
         [publish]\ndir = \"public\"\nbase_url = \"https://example.org/veille/\"\n\n{sources}\n\n\
         [[feed]]\nslug = \"all\"\ntitle = \"All\"\nquery = \"-zzzzzz\"\n"
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    veille::config::Config::load(&path).unwrap()
}

/// One `[[source]]` table.
pub fn source(name: &str, url: &str, extra: &str) -> String {
    format!("[[source]]\nname = \"{name}\"\nurl = \"{url}\"\n{extra}\n")
}

/// Runs fetch + publish; `all` forces every source.
pub async fn run(config: &veille::config::Config, all: bool) -> veille::pipeline::RunReport {
    let options = veille::pipeline::RunOptions {
        fetch: true,
        publish: true,
        all,
    };
    veille::pipeline::run(config, options, &veille::pipeline::Silent)
        .await
        .unwrap()
}

/// The outcome line of one source in a report, its error as printed.
pub fn outcome(
    report: &veille::pipeline::RunReport,
    name: &str,
) -> Result<veille::pipeline::SourceSuccess, String> {
    report
        .sources
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("{name} was not fetched"))
        .result
        .as_ref()
        .copied()
        .map_err(ToString::to_string)
}

/// A scalar from the test database at `dir/veille.db`.
pub async fn scalar<T>(dir: &Path, sql: &'static str) -> T
where
    T: Send + Unpin + for<'r> sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
{
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.join("veille.db").display()))
        .await
        .unwrap();
    let value = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
    pool.close().await;
    value
}

/// The item titles of a published JSON Feed file, in order.
pub fn feed_titles(path: &Path) -> Vec<String> {
    let feed: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap().to_string())
        .collect()
}

/// Sources named `names` (each at `url`), as a run would record them;
/// their states by name.
pub async fn plain_sources(
    store: &veille::store::Store,
    names: &[(String, String)],
    now: chrono::DateTime<chrono::Utc>,
) -> HashMap<String, veille::store::SourceState> {
    let new: Vec<veille::store::NewSource> = names
        .iter()
        .map(|(name, url)| veille::store::NewSource {
            name,
            url,
            kind: "feed",
            tags: &[],
            language: None,
            enabled: true,
            fingerprint: "x",
        })
        .collect();
    store.sync_sources(&new, now).await.unwrap()
}

/// Runs the `veille` binary with `-c config` and `args`.
pub fn veille(config: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(assert_cmd::cargo::cargo_bin!("veille"))
        .arg("-c")
        .arg(config)
        .args(args)
        .output()
        .unwrap()
}
