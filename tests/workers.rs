//! Several `veille run` processes sharing one PostgreSQL database: each
//! source fetched once, no duplicate articles, the per-host limit held
//! across processes, and the same published feeds as one worker alone.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::routing::get;
use serde_json::Value;

use crate::util::postgres::fresh_database;

const SOURCES: usize = 600;
const ITEMS_PER_FEED: usize = 3;
const PER_HOST: usize = 4;

/// Requests per feed, and the most requests in flight at once.
#[derive(Default)]
struct Counts {
    hits: Mutex<HashMap<String, usize>>,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
    /// Each response waits this long.
    delay_ms: u64,
}

fn feed(n: usize) -> String {
    let items: String = (0..ITEMS_PER_FEED)
        .map(|k| {
            format!(
                "<item><title>Feed {n} story {k} about la gouvernance</title>\
                 <link>https://news{n}.example/{k}</link><guid>f{n}-{k}</guid>\
                 <pubDate>Mon, 02 Nov 2026 {:02}:{:02}:00 +0000</pubDate>\
                 <description>Story {k} of feed {n}.</description></item>",
                n % 24,
                k * 7 % 60
            )
        })
        .collect();
    format!("<rss version=\"2.0\"><channel><title>Feed {n}</title>{items}</channel></rss>")
}

async fn serve(State(counts): State<Arc<Counts>>, UrlPath(name): UrlPath<String>) -> String {
    *counts.hits.lock().unwrap().entry(name.clone()).or_default() += 1;
    let now = counts.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    counts.most_in_flight.fetch_max(now, Ordering::SeqCst);
    // Long enough for requests of different workers to overlap.
    tokio::time::sleep(Duration::from_millis(counts.delay_ms)).await;
    counts.in_flight.fetch_sub(1, Ordering::SeqCst);
    let n: usize = name
        .trim_start_matches('f')
        .trim_end_matches(".xml")
        .parse()
        .unwrap_or(0);
    feed(n)
}

async fn start_server(delay_ms: u64) -> (std::net::SocketAddr, Arc<Counts>) {
    let counts = Arc::new(Counts {
        delay_ms,
        ..Counts::default()
    });
    let app = Router::new()
        .route("/{name}", get(serve))
        .with_state(counts.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (addr, counts)
}

fn write_config(dir: &Path, database: &str, addr: std::net::SocketAddr) -> std::path::PathBuf {
    write_config_with(dir, database, addr, SOURCES, PER_HOST, "")
}

fn write_config_with(
    dir: &Path,
    database: &str,
    addr: std::net::SocketAddr,
    sources: usize,
    per_host: usize,
    database_extra: &str,
) -> std::path::PathBuf {
    let mut text = format!(
        "[database]\nurl = \"{database}\"\n{database_extra}\n\n[fetch]\nconcurrency = 8\nper_host_concurrency = {per_host}\n\
         allow_private_networks = true\ntimeout_secs = 10\n\n\
         [publish]\ndir = \"public\"\nbase_url = \"https://example.org/\"\n\n\
         [[feed]]\nslug = \"all\"\ntitle = \"All\"\nquery = \"-zzzzzz\"\nlimit = 5000\n\n"
    );
    for n in 0..sources {
        text.push_str(&format!(
            "[[source]]\nname = \"feed-{n}\"\nurl = \"http://{addr}/f{n}.xml\"\n\n"
        ));
    }
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `workers` `veille run` processes at once; all must succeed.
fn run_workers(config: &Path, workers: usize) {
    run_workers_with(config, workers, &[]);
}

fn run_workers_with(config: &Path, workers: usize, extra: &[&str]) {
    let children: Vec<_> = (0..workers)
        .map(|_| {
            std::process::Command::new(assert_cmd::cargo::cargo_bin!("veille"))
                .args(["-q", "-c"])
                .arg(config)
                .arg("run")
                .args(extra)
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "a worker failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The published items of the `all` feed: (id, title, date).
fn published(dir: &Path) -> Vec<(String, String, String)> {
    let feed: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("public/all/feed.json")).unwrap())
            .unwrap();
    feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].as_str().unwrap().to_string(),
                i["title"].as_str().unwrap().to_string(),
                i["date_published"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_workers_share_the_sources_of_one_database() {
    let Some(shared) = fresh_database("workers").await else {
        return;
    };
    let (addr, counts) = start_server(15).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &shared, addr);
    let config_for_workers = config.clone();
    tokio::task::spawn_blocking(move || run_workers(&config_for_workers, 3))
        .await
        .unwrap();

    // Every source was fetched, and by one worker only.
    let hits = counts.hits.lock().unwrap().clone();
    assert_eq!(hits.len(), SOURCES, "sources fetched");
    let twice: Vec<_> = hits.iter().filter(|(_, n)| **n != 1).collect();
    assert!(twice.is_empty(), "fetched more than once: {twice:?}");
    // The per-host limit held across the three processes.
    let most = counts.most_in_flight.load(Ordering::SeqCst);
    assert!(most <= PER_HOST, "{most} requests in flight at once");

    let pool = sqlx::PgPool::connect(&shared).await.unwrap();
    let (articles, distinct, fetches, leased): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM articles), (SELECT count(DISTINCT (source_id, dedup_key)) FROM articles),
                (SELECT count(*) FROM fetches), (SELECT count(*) FROM sources WHERE leased_by IS NOT NULL)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(articles as usize, SOURCES * ITEMS_PER_FEED);
    assert_eq!(distinct, articles, "duplicate articles");
    assert_eq!(fetches as usize, SOURCES, "one fetch recorded per source");
    assert_eq!(leased, 0, "leases left behind");
    let index_rows: i64 = sqlx::query_scalar("SELECT count(*) FROM article_index")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(index_rows, articles);
    pool.close().await;

    // Again at once: nothing is due yet, so nothing is fetched…
    let again = config.clone();
    tokio::task::spawn_blocking(move || run_workers(&again, 3))
        .await
        .unwrap();
    assert_eq!(counts.hits.lock().unwrap().values().sum::<usize>(), SOURCES);
    // …and with --all, every source once more, not once per worker. Times
    // are stored to the second, and a worker with --all skips the sources
    // fetched since its run started: this round starts in a later second
    // than the last fetch, as the next cron tick would.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let all = config.clone();
    tokio::task::spawn_blocking(move || run_workers_with(&all, 3, &["--all"]))
        .await
        .unwrap();
    let hits = counts.hits.lock().unwrap().clone();
    let not_twice: Vec<_> = hits.iter().filter(|(_, n)| **n != 2).collect();
    assert!(not_twice.is_empty(), "with --all: {not_twice:?}");

    // One worker alone, on its own database, publishes the same feed.
    let Some(alone) = fresh_database("one_worker").await else {
        return;
    };
    let alone_dir = tempfile::tempdir().unwrap();
    let alone_config = write_config(alone_dir.path(), &alone, addr);
    tokio::task::spawn_blocking(move || run_workers(&alone_config, 1))
        .await
        .unwrap();
    let together = published(dir.path());
    assert_eq!(together.len(), SOURCES * ITEMS_PER_FEED);
    assert_eq!(together, published(alone_dir.path()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_workers_sources_return_after_its_lease() {
    const FEEDS: usize = 40;
    let Some(shared) = fresh_database("killed").await else {
        return;
    };
    let (addr, counts) = start_server(200).await;
    let dir = tempfile::tempdir().unwrap();
    // More host slots than A can hold (8 sources at once): the slots of a
    // dead worker, like its sources, are only freed by their lease.
    let config = write_config_with(dir.path(), &shared, addr, FEEDS, 16, "lease_secs = 6");
    let pool = sqlx::PgPool::connect(&shared).await.unwrap();

    // Worker A is killed while it holds sources (requests in flight).
    let mut a = std::process::Command::new(assert_cmd::cargo::cargo_bin!("veille"))
        .args(["-q", "-c"])
        .arg(&config)
        .arg("run")
        .spawn()
        .unwrap();
    let mut waited = 0;
    while counts.hits.lock().unwrap().len() < 10 && waited < 200 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += 1;
    }
    a.kill().unwrap();
    a.wait().unwrap();
    let held: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sources WHERE leased_by IS NOT NULL AND last_fetched_at IS NULL",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(!held.is_empty(), "the worker was killed holding no source");

    // Worker B, right after: everything but what A still holds.
    let b_config = config.clone();
    tokio::task::spawn_blocking(move || run_workers(&b_config, 1))
        .await
        .unwrap();
    let unfetched: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sources WHERE last_fetched_at IS NULL ORDER BY name")
            .fetch_all(&pool)
            .await
            .unwrap();
    let mut expected = held.clone();
    expected.sort();
    assert_eq!(unfetched, expected, "B fetched a source A still held");

    // Once A's lease has run out, the next run takes its sources.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let c_config = config.clone();
    tokio::task::spawn_blocking(move || run_workers(&c_config, 1))
        .await
        .unwrap();
    let (articles, distinct, unfetched, leased): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM articles), (SELECT count(DISTINCT (source_id, dedup_key)) FROM articles),
                (SELECT count(*) FROM sources WHERE last_success_at IS NULL),
                (SELECT count(*) FROM sources WHERE leased_by IS NOT NULL)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(unfetched, 0, "sources never fetched");
    assert_eq!(articles as usize, FEEDS * ITEMS_PER_FEED, "articles lost");
    assert_eq!(distinct, articles);
    assert_eq!(leased, 0);
    pool.close().await;
}

#[tokio::test]
async fn one_worker_publishes_at_a_time() {
    let Some(url) = fresh_database("publish_lock").await else {
        return;
    };
    let database = veille::config::DatabaseConfig::Postgres {
        url,
        lease: Duration::from_secs(600),
    };
    let first = veille::store::Store::open(&database).await.unwrap();
    let second = veille::store::Store::open(&database).await.unwrap();
    let held = first.publish_lock().await.unwrap();
    // The other worker waits while the lock is held…
    let waiting = tokio::time::timeout(Duration::from_millis(500), second.publish_lock()).await;
    assert!(waiting.is_err(), "two workers published at once");
    // …and gets it once the first is done.
    drop(held);
    let got = tokio::time::timeout(Duration::from_secs(10), second.publish_lock()).await;
    assert!(got.is_ok(), "the lock was not released");
}
