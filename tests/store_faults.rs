//! A database that fails during a run. Disk full stops the run at once
//! with one message naming the database, and leaves every source's fetch
//! either wholly stored or not at all; a write lock another program holds
//! for a few seconds is waited out and costs no source.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::util::script::ScriptServer;
use crate::util::{config_with, run, source};

/// A feed of `n` items with long, distinct bodies, so each commit takes
/// room.
/// A user's sqlite3 session on `dir/veille.db` holding the write lock
/// (BEGIN IMMEDIATE) until it commits.
async fn hold_write_lock(dir: &std::path::Path) -> sqlx::pool::PoolConnection<sqlx::Sqlite> {
    let url = format!("sqlite://{}", dir.join("veille.db").display());
    let holder = sqlx::SqlitePool::connect(&url).await.unwrap();
    let mut session = holder.acquire().await.unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut *session)
        .await
        .unwrap();
    session
}

fn wordy_feed(prefix: &str, n: usize) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>T</title><link>https://e.ma/</link><description>d</description>",
    );
    for i in 0..n {
        let body: Vec<String> = (0..250).map(|w| format!("{prefix}mot{i}x{w}")).collect();
        s.push_str(&format!(
            "<item><title>{prefix} {i}</title><link>https://e.ma/{prefix}/{i}</link><guid>{prefix}-{i}</guid><description>{}</description></item>",
            body.join(" ")
        ));
    }
    s + "</channel></rss>"
}

/// Runs `veille run` on the config in `dir` with its database on a
/// filesystem of `bytes` bytes: a tmpfs in a private mount namespace
/// (which vanishes with the process) where that is allowed, else a file
/// size limit (`ulimit -f`). The database files are copied back to `dir`.
fn run_on_a_small_disk(dir: &Path, bytes: u64) -> std::process::Output {
    let veille = assert_cmd::cargo::cargo_bin!("veille");
    let tmpfs = Command::new("unshare")
        .args(["-m", "true"])
        .status()
        .is_ok_and(|s| s.success());
    let script = if tmpfs {
        format!(
            "mount -t tmpfs -o size={bytes} tmpfs \"$1\" && cp \"$2/config.toml\" \"$1/\" && cd \"$1\" \
             && \"$3\" -c config.toml run; code=$?; cp \"$1\"/veille.db* \"$2/\"; exit $code"
        )
    } else {
        // Blocks of 512 bytes in POSIX sh; a write past the limit fails
        // (EFBIG) instead of killing the process once SIGXFSZ is ignored.
        format!(
            "trap '' XFSZ; ulimit -f {}; cd \"$2\" && exec \"$3\" -c config.toml run",
            bytes / 512
        )
    };
    let mount = dir.join("mnt");
    std::fs::create_dir_all(&mount).unwrap();
    let mut command = if tmpfs {
        let mut c = Command::new("unshare");
        c.args(["-m", "sh", "-c", &script]);
        c
    } else {
        let mut c = Command::new("sh");
        c.args(["-c", &script]);
        c
    };
    command
        .arg("sh")
        .arg(&mount)
        .arg(dir)
        .arg(veille)
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn disk_full_stops_the_run_at_once_with_one_message_and_nothing_half_written() {
    let server = ScriptServer::start().await;
    let mut sources = String::new();
    for i in 0..20 {
        let path = format!("f{i}.xml");
        server.feed(&path, wordy_feed(&format!("s{i}"), 40), 1);
        sources.push_str(&source(&format!("Source {i}"), &server.url(&path), ""));
    }
    let dir = tempfile::tempdir().unwrap();
    config_with(dir.path(), "concurrency = 2", &sources);
    let out = tokio::task::spawn_blocking({
        let dir = dir.path().to_path_buf();
        move || run_on_a_small_disk(&dir, 1_200_000)
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    // One message, naming the database and the cause; no source blamed.
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0].starts_with("veille: fatal: database ")
            && lines[0].contains("veille.db")
            && (lines[0].contains("disk full") || lines[0].contains("disk I/O error")),
        "{stderr}"
    );
    // Fetching stopped: the sources after the failure were not asked.
    let asked = (0..20)
        .filter(|i| !server.requests(&format!("f{i}.xml")).is_empty())
        .count();
    assert!(
        asked < 20,
        "{asked} of 20 sources fetched after the disk filled"
    );

    // What was stored is whole: a source has a fetch row and all its
    // articles, or neither; the run is recorded as not finished.
    let pool = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        dir.path().join("veille.db").display()
    ))
    .await
    .unwrap();
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(check, "ok");
    let per_source: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT s.name, (SELECT count(*) FROM fetches f WHERE f.source_id = s.id), \
                (SELECT count(*) FROM articles a WHERE a.source_id = s.id) FROM sources s",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let stored = per_source.iter().filter(|(_, f, _)| *f > 0).count();
    assert!(
        stored < asked,
        "the failing fetch left a row: {per_source:?}"
    );
    for (name, fetches, articles) in &per_source {
        assert!(
            (*fetches, *articles) == (0, 0) || (*fetches, *articles) == (1, 40),
            "{name}: {fetches} fetches, {articles} articles"
        );
    }
    let unfinished: i64 = sqlx::query_scalar("SELECT count(*) FROM runs WHERE finished_at IS NULL")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(unfinished, 1);
    pool.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_write_lock_held_for_a_few_seconds_costs_no_source() {
    let server = ScriptServer::start().await;
    let mut sources = String::new();
    for i in 0..6 {
        let path = format!("f{i}.xml");
        server.feed(&path, wordy_feed(&format!("s{i}"), 5), 1);
        sources.push_str(&source(&format!("Source {i}"), &server.url(&path), ""));
    }
    let dir = tempfile::tempdir().unwrap();
    let config = config_with(dir.path(), "", &sources);
    run(&config, true).await;
    for i in 0..6 {
        server.feed(&format!("f{i}.xml"), wordy_feed(&format!("t{i}"), 5), 2);
    }
    let mut session = hold_write_lock(dir.path()).await;
    let release = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(3)).await;
        sqlx::query("COMMIT").execute(&mut *session).await.unwrap();
    });
    let started = std::time::Instant::now();
    let report = run(&config, true).await;
    release.await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "the lock was held during the run"
    );
    for outcome in &report.sources {
        assert!(
            outcome.result.is_ok(),
            "{}: {:?}",
            outcome.name,
            outcome.result
        );
    }
    assert_eq!(report.totals.items_new, 30);
}

/// Reading while another process writes: `veille search` opens the
/// database and answers while a writer holds SQLite's write lock for
/// longer than the busy timeout (10 s). Opening reads the index version
/// without taking the write lock, and a search is a read.
#[tokio::test]
async fn a_search_answers_while_a_writer_holds_the_lock() {
    let server = ScriptServer::start().await;
    server.feed("f.xml", wordy_feed("s", 5), 1);
    let dir = tempfile::tempdir().unwrap();
    let config = config_with(dir.path(), "", &source("Source", &server.url("f.xml"), ""));
    run(&config, true).await;
    let mut session = hold_write_lock(dir.path()).await;
    let store = veille::store::Store::open_sqlite(&dir.path().join("veille.db"))
        .await
        .expect("opened while the write lock is held");
    let mut query = veille::filter::Query::parse("smot0x1").unwrap();
    let compiled = store
        .compile_query(&mut query, chrono::Utc::now())
        .await
        .unwrap();
    let found = store.search(&compiled, None, 10).await.unwrap();
    assert!(!found.is_empty(), "the stored articles are found");
    sqlx::query("COMMIT").execute(&mut *session).await.unwrap();
}
