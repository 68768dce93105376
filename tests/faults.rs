//! Hostile and broken servers: each fails alone, the rest of the run is
//! stored, and a run killed at any moment leaves a usable database.

use std::time::Duration;

use tokio::io::AsyncReadExt;

use crate::util::script::{Behavior, ScriptServer, rss};
use crate::util::{config_with, outcome, run, scalar, source};

/// A TCP server that accepts, reads the request, and resets the connection.
async fn resetting_server() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        // Bounded: a test run makes at most a few connections.
        for _ in 0..16 {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let mut buf = [0u8; 1024];
            let _ = socket.read(&mut buf).await;
            let _ = socket.set_zero_linger();
            drop(socket);
        }
    });
    addr
}

#[tokio::test]
async fn each_broken_server_fails_alone() {
    let server = ScriptServer::start().await;
    server.feed("good.xml", rss("good", 4), 1);
    server.set("hang", Behavior::Hang(Duration::from_secs(30)));
    server.set("endless", Behavior::Endless);
    // 64 MB of zeros, gzipped to about 64 KB: a decompression bomb.
    server.set(
        "bomb",
        Behavior::Feed {
            body: vec![b'0'; 64 << 20],
            content_type: "application/rss+xml".into(),
            etag: "\"b\"".into(),
            last_modified: "Thu, 05 Feb 2026 10:00:00 GMT".into(),
            encoding: Some("gzip"),
        },
    );
    server.set(
        "garbage",
        Behavior::Raw {
            status: 200,
            body: (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect(),
            headers: vec![("content-type", "application/rss+xml".into())],
        },
    );
    let reset = resetting_server().await;
    let dir = tempfile::tempdir().unwrap();
    let sources = source("Good", &server.url("good.xml"), "")
        + &source("Hang", &server.url("hang"), "")
        + &source("Endless", &server.url("endless"), "")
        + &source("Bomb", &server.url("bomb"), "")
        + &source("Garbage", &server.url("garbage"), "")
        + &source("Reset", &format!("http://{reset}/feed"), "");
    let config = config_with(dir.path(), "max_body_bytes = 1000000", &sources);
    let started = std::time::Instant::now();
    let report = run(&config, true).await;
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the hanging server is cut off by the timeout"
    );
    assert_eq!(outcome(&report, "Good").as_ref().unwrap().counts.new, 4);
    let err = |name: &str| outcome(&report, name).as_ref().unwrap_err().clone();
    assert!(err("Hang").contains("timed out"), "{}", err("Hang"));
    assert!(
        err("Endless").contains("larger than the 1000000-byte limit"),
        "{}",
        err("Endless")
    );
    assert!(
        err("Garbage").contains("garbage") && err("Garbage").contains("not a feed"),
        "{}",
        err("Garbage")
    );
    assert!(
        err("Reset").contains(&reset.to_string()),
        "{}",
        err("Reset")
    );
    let stored: i64 = scalar(dir.path(), "SELECT COUNT(*) FROM articles").await;
    assert_eq!(stored, 4);
    let failed: i64 = scalar(
        dir.path(),
        "SELECT COUNT(*) FROM fetches WHERE error IS NOT NULL",
    )
    .await;
    assert_eq!(failed, 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_killed_midway_leaves_a_usable_database() {
    let server = ScriptServer::start().await;
    server.delay_all(Duration::from_millis(200));
    let mut sources = String::new();
    for i in 0..24 {
        server.feed(&format!("k{i}.xml"), rss(&format!("k{i}"), 5), 1);
        sources.push_str(&source(
            &format!("K{i}"),
            &server.url(&format!("k{i}.xml")),
            "",
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let config = config_with(dir.path(), "concurrency = 2", &sources);
    let path = dir.path().join("config.toml");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("veille"))
        .args(["-q", "-c"])
        .arg(&path)
        .arg("run")
        .spawn()
        .unwrap();
    // Let it store some sources, then SIGKILL it mid-run.
    // Bounded wait (10 s) for a slow machine to get going.
    for _ in 0..200 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if dir.path().join("veille.db").exists()
            && server.requests("k5.xml").len() + server.requests("k6.xml").len() > 0
        {
            break;
        }
    }
    child.kill().unwrap();
    let _ = child.wait();
    let before: i64 = scalar(dir.path(), "SELECT COUNT(*) FROM fetches").await;
    assert!(
        before < 24,
        "the run was killed before it finished ({before} fetches stored)"
    );
    // The next run (the lock died with the process) uses the database as is.
    server.delay_all(Duration::ZERO);
    let report = run(&config, true).await;
    assert_eq!(report.totals.sources_failed, 0);
    let (articles, distinct): (i64, i64) = (
        scalar(dir.path(), "SELECT COUNT(*) FROM articles").await,
        scalar(dir.path(), "SELECT COUNT(DISTINCT guid) FROM articles").await,
    );
    assert_eq!((articles, distinct), (120, 120), "every article once");
    let integrity: String = scalar(dir.path(), "PRAGMA integrity_check").await;
    assert_eq!(integrity, "ok");
}

/// Whether `text` holds a character a terminal or an XML file must not
/// get raw: a control character other than a newline, or U+FFFD.
fn has_raw_controls(text: &str) -> bool {
    text.chars()
        .any(|c| (c.is_control() && c != '\n') || c == '\u{fffd}')
}

#[tokio::test(flavor = "multi_thread")]
async fn bytes_from_a_source_are_escaped_in_every_error_line() {
    let server = ScriptServer::start().await;
    // Random-looking bytes with a '<' early on: the lenient reader finds a
    // "root element" made of undecodable bytes and control characters.
    let mut body = b"\x93\x0e<\xef\xbf\xbd\xef\xbf\xbd4;\x13\x0b\x1b[31m".to_vec();
    body.extend((0..4096u32).map(|i| (i * 7919 % 251) as u8));
    server.set(
        "noise",
        Behavior::Raw {
            status: 200,
            body,
            headers: vec![("content-type", "application/rss+xml".into())],
        },
    );
    let dir = tempfile::tempdir().unwrap();
    config_with(dir.path(), "", &source("Noise", &server.url("noise"), ""));
    let path = dir.path().join("config.toml");
    // Three runs: the third failure in a row announces it in the health feed.
    let mut stderr = String::new();
    for _ in 0..3 {
        let path = path.clone();
        let out =
            tokio::task::spawn_blocking(move || crate::util::veille(&path, &["run", "--all"]))
                .await
                .unwrap();
        assert_eq!(out.status.code(), Some(0));
        stderr = String::from_utf8(out.stderr).expect("stderr is UTF-8");
    }
    assert!(
        stderr.contains("veille: source \"Noise\" failed:"),
        "{stderr}"
    );
    assert!(
        stderr.contains("not a feed: unknown root element <\""),
        "{stderr}"
    );
    assert!(stderr.contains("> (not XML)"), "{stderr}");
    assert!(stderr.contains("\\u{"), "escapes are written out: {stderr}");
    assert!(!has_raw_controls(&stderr), "{stderr:?}");

    let errors: Vec<String> = {
        let pool = sqlx::SqlitePool::connect(&format!(
            "sqlite://{}",
            dir.path().join("veille.db").display()
        ))
        .await
        .unwrap();
        let rows = sqlx::query_scalar("SELECT error FROM fetches UNION ALL SELECT last_error FROM sources UNION ALL SELECT detail FROM source_events")
            .fetch_all(&pool)
            .await
            .unwrap();
        pool.close().await;
        rows
    };
    assert!(errors.len() >= 5, "{errors:?}");
    for error in &errors {
        assert!(!has_raw_controls(error), "{error:?}");
        assert!(error.chars().count() <= 1001, "{} characters", error.len());
    }

    let listed = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || crate::util::veille(&path, &["sources"]))
            .await
            .unwrap()
    };
    let table = String::from_utf8(listed.stdout).unwrap();
    assert!(table.contains("last error: "), "{table}");
    assert!(!has_raw_controls(&table), "{table:?}");

    let health = std::fs::read_to_string(dir.path().join("public/health/atom.xml")).unwrap();
    assert!(health.contains("Noise: failing"), "{health}");
    assert!(!has_raw_controls(&health), "{health:?}");
    veille::parse::parse_feed(health.as_bytes(), None).unwrap();
}

/// Dates no news item can have (year 10000, 5000 BC) are read as missing,
/// on both backends: the run stores and publishes the items, and neither
/// PostgreSQL's range nor RSS's four-digit years stop it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn absurd_dates_are_read_as_missing_on_both_backends() {
    let server = ScriptServer::start().await;
    let feed = "<?xml version=\"1.0\"?><rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\
        <channel><title>T</title><link>http://example.org/</link><description>d</description>\
        <item><title>Far future</title><link>http://example.org/1</link><pubDate>Mon, 01 Jan 10000 00:00:00 GMT</pubDate></item>\
        <item><title>Far past</title><link>http://example.org/2</link><dc:date>-5000-01-01T00:00:00Z</dc:date></item>\
        <item><title>Plain</title><link>http://example.org/3</link><pubDate>Thu, 05 Feb 2026 10:00:00 GMT</pubDate></item>\
        </channel></rss>";
    server.feed("dates.xml", feed, 1);
    let sources = source("Dates", &server.url("dates.xml"), "");
    let postgres = crate::util::postgres::fresh_database("dates").await;
    for url in [None, postgres.as_deref()] {
        let dir = tempfile::tempdir().unwrap();
        let mut config = config_with(dir.path(), "", &sources);
        if let Some(url) = url {
            config = crate::util::postgres::on_postgres(config, url);
        }
        let report = run(&config, true).await;
        let ok = outcome(&report, "Dates").expect("the source is read");
        assert_eq!(ok.counts.new, 3, "{url:?}");
        let titles = crate::util::feed_titles(&dir.path().join("public/all/feed.json"));
        assert_eq!(titles.len(), 3, "{url:?}: {titles:?}");
        let rss = std::fs::read_to_string(dir.path().join("public/all/rss.xml")).unwrap();
        assert!(!rss.contains("10000") && !rss.contains("5000"), "{rss}");
    }
}
