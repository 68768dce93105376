//! Metrics after scripted runs: `veille run --metrics-file` and
//! `veille serve`'s `/metrics` give the same figures in the Prometheus
//! text format (read back with a Prometheus text parser), and `veille
//! stats --json` the same counts for a person.

use std::path::Path;
use std::sync::Arc;

use prometheus_parse::{Sample, Scrape, Value};

use crate::util::{self, FixtureServer};

async fn get(url: String) -> reqwest::Response {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::get(url).await.unwrap()
}

fn parse(text: &str) -> Scrape {
    Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).unwrap()
}

/// The value of `metric` with these labels; panics when it is missing.
fn value(scrape: &Scrape, metric: &str, labels: &[(&str, &str)]) -> f64 {
    let found: Vec<&Sample> = scrape
        .samples
        .iter()
        .filter(|s| s.metric == metric && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{metric} {labels:?} in {:#?}",
        scrape.samples
    );
    match found[0].value {
        Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => v,
        ref other => panic!("{metric}: unexpected {other:?}"),
    }
}

fn kind(scrape: &Scrape, metric: &str) -> &'static str {
    match scrape
        .samples
        .iter()
        .find(|s| s.metric == metric)
        .map(|s| &s.value)
    {
        Some(Value::Counter(_)) => "counter",
        Some(Value::Gauge(_)) => "gauge",
        _ => "other",
    }
}

fn write_config(dir: &Path, server: &FixtureServer) -> std::path::PathBuf {
    let sources = [
        util::source("news", &server.url("news.xml"), ""),
        util::source("missing", &server.url("missing.xml"), ""),
    ]
    .concat();
    util::config_with(dir, "", &sources);
    dir.join("config.toml")
}

fn check_figures(scrape: &Scrape, database_bytes: f64) {
    let fetches = "veille_source_fetches_total";
    assert_eq!(kind(scrape, fetches), "counter");
    assert_eq!(
        value(scrape, fetches, &[("source", "news"), ("outcome", "200")]),
        2.0
    );
    assert_eq!(
        value(
            scrape,
            fetches,
            &[("source", "missing"), ("outcome", "404")]
        ),
        2.0
    );
    assert_eq!(
        value(
            scrape,
            "veille_source_articles_stored_total",
            &[("source", "news")]
        ),
        3.0
    );
    assert_eq!(
        value(scrape, "veille_source_articles", &[("source", "news")]),
        3.0
    );
    assert_eq!(
        value(
            scrape,
            "veille_source_consecutive_failures",
            &[("source", "missing")]
        ),
        2.0
    );
    assert_eq!(
        value(
            scrape,
            "veille_source_consecutive_failures",
            &[("source", "news")]
        ),
        0.0
    );
    let now = chrono::Utc::now().timestamp() as f64;
    let success = value(
        scrape,
        "veille_source_last_success_timestamp_seconds",
        &[("source", "news")],
    );
    assert!((now - success).abs() < 120.0, "{success} vs {now}");
    assert!(
        !scrape.samples.iter().any(
            |s| s.metric == "veille_source_last_success_timestamp_seconds"
                && s.labels.get("source") == Some("missing")
        ),
        "a source that never succeeded has no last success"
    );
    for stage in ["fetch", "normalise", "store", "cluster", "publish"] {
        let seconds = value(
            scrape,
            "veille_run_stage_duration_seconds",
            &[("stage", stage)],
        );
        assert!((0.0..60.0).contains(&seconds), "{stage}: {seconds}");
    }
    assert_eq!(
        value(scrape, "veille_run_articles_new", &[]),
        1.0,
        "the second run's new item"
    );
    assert_eq!(value(scrape, "veille_feed_items", &[("feed", "all")]), 3.0);
    let changed = value(
        scrape,
        "veille_feed_last_change_timestamp_seconds",
        &[("feed", "all")],
    );
    assert!((now - changed).abs() < 120.0);
    let size = value(scrape, "veille_database_size_bytes", &[]);
    assert_eq!(size, database_bytes);
}

/// The database's pages, as SQLite counts them.
async fn database_bytes(database: &Path) -> f64 {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", database.display()))
        .await
        .unwrap();
    let bytes: i64 = sqlx::query_scalar(
        "SELECT p.page_count * s.page_size FROM pragma_page_count() p, pragma_page_size() s",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    bytes as f64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_metrics_file_and_serve_metrics_report_the_scripted_runs() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    server.put(
        "news.xml",
        "application/rss+xml",
        util::script::rss("news", 2),
    );
    let config = write_config(dir.path(), &server);
    let metrics = dir.path().join("textfile/veille.prom");
    std::fs::create_dir_all(metrics.parent().unwrap()).unwrap();
    let first = util::veille(
        &config,
        &["run", "--metrics-file", metrics.to_str().unwrap()],
    );
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    server.put(
        "news.xml",
        "application/rss+xml",
        util::script::rss("news", 3),
    );
    let second = util::veille(
        &config,
        &["run", "--all", "--metrics-file", metrics.to_str().unwrap()],
    );
    assert!(
        second.status.success(),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    let leftovers: Vec<_> = std::fs::read_dir(metrics.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers,
        ["veille.prom"],
        "written atomically, no temporary file left"
    );
    let from_file = std::fs::read_to_string(&metrics).unwrap();
    let bytes = database_bytes(&dir.path().join("veille.db")).await;
    check_figures(&parse(&from_file), bytes);

    // The same figures from `veille serve`.
    let loaded = veille::config::Config::load(&config).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let routes = veille::serve::metrics_routes(Arc::new(loaded.clone()));
    let public = loaded.publish.dir.clone();
    tokio::spawn(veille::serve::serve_with(listener, public, Some(routes)));
    let response = get(format!("http://{addr}/metrics")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let scraped = response.text().await.unwrap();
    check_figures(&parse(&scraped), bytes);
    assert_eq!(
        parse(&scraped).samples.len(),
        parse(&from_file).samples.len(),
        "the same metrics"
    );
    // The feed files are still served beside it.
    let feed = get(format!("http://{addr}/all/feed.json")).await;
    assert_eq!(feed.status(), 200);

    let stats = util::veille(&config, &["stats", "--json"]);
    assert!(stats.status.success());
    let stats: serde_json::Value = serde_json::from_slice(&stats.stdout).unwrap();
    let per_day = stats["articles_per_day"].as_array().unwrap();
    assert_eq!(per_day.len(), 30);
    let today = chrono::Utc::now().date_naive().to_string();
    assert_eq!(per_day[29], serde_json::json!([today, 3]));
    let news = stats["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "news")
        .unwrap();
    assert_eq!(news["fetches"], serde_json::json!({"200": 2}));
    let storage = stats["storage"].as_array().unwrap();
    assert!(
        storage.iter().any(|s| s["name"] == "articles"
            && s["kind"] == "table"
            && s["bytes"].as_i64() > Some(0))
    );
    assert!(
        storage
            .iter()
            .any(|s| s["name"] == "articles_sort_at" && s["kind"] == "index")
    );
    let text = util::veille(&config, &["stats"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("database: 3 articles"), "{text}");
    assert!(text.contains("200:2") && text.contains("404:2"), "{text}");
}

#[tokio::test]
async fn metrics_answer_503_when_the_database_cannot_be_read() {
    let dir = tempfile::tempdir().unwrap();
    let blocked = dir.path().join("not-a-folder");
    std::fs::write(&blocked, "a file where the database folder should be").unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        "[database]\nurl = \"sqlite://not-a-folder/veille.db\"\n[publish]\nbase_url = \"https://example.org/\"\n",
    )
    .unwrap();
    let config = veille::config::Config::load(&dir.path().join("config.toml")).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let routes = veille::serve::metrics_routes(Arc::new(config));
    tokio::spawn(veille::serve::serve_with(
        listener,
        dir.path().to_path_buf(),
        Some(routes),
    ));
    let response = get(format!("http://{addr}/metrics")).await;
    assert_eq!(response.status(), 503);
    let body = response.text().await.unwrap();
    assert!(body.contains("cannot read the database"), "{body}");
    assert!(
        !body.contains("not-a-folder"),
        "the path is for the log only: {body}"
    );
}
