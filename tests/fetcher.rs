//! The fetcher's HTTP behaviour against a real server on 127.0.0.1.

use std::time::Duration;

use crate::util::script::{Behavior, ScriptServer, rss};
use crate::util::{config_with, outcome, run, scalar, source};

#[tokio::test]
async fn conditional_get_sends_validators_and_304_costs_no_parsing() {
    let server = ScriptServer::start().await;
    server.feed("a.xml", rss("a", 3), 1);
    let dir = tempfile::tempdir().unwrap();
    let config = config_with(dir.path(), "", &source("A", &server.url("a.xml"), ""));
    let first = run(&config, true).await;
    assert_eq!(first.totals.items_new, 3);
    let second = run(&config, true).await;
    assert_eq!(outcome(&second, "A").as_ref().unwrap().http_status, 304);
    let requests = server.requests("a.xml");
    assert_eq!(requests.len(), 2);
    assert!(requests[0].get("if-none-match").is_none());
    assert_eq!(requests[1].get("if-none-match").unwrap(), "\"v1\"");
    assert_eq!(
        requests[1].get("if-modified-since").unwrap(),
        "Thu, 05 Feb 2026 10:01:00 GMT"
    );
    let (not_modified, seen): (i64, i64) = (
        scalar(
            dir.path(),
            "SELECT not_modified FROM fetches ORDER BY id DESC LIMIT 1",
        )
        .await,
        scalar(
            dir.path(),
            "SELECT items_seen FROM fetches ORDER BY id DESC LIMIT 1",
        )
        .await,
    );
    assert_eq!(
        (not_modified, seen),
        (1, 0),
        "a 304 is recorded and nothing is parsed"
    );
}

#[tokio::test]
async fn every_compression_is_decoded() {
    let server = ScriptServer::start().await;
    let mut sources = String::new();
    for encoding in ["gzip", "br", "deflate", "zstd"] {
        server.set(
            encoding,
            Behavior::Feed {
                body: rss(encoding, 2).into_bytes(),
                content_type: "application/rss+xml".into(),
                etag: "\"e\"".into(),
                last_modified: "Thu, 05 Feb 2026 10:00:00 GMT".into(),
                encoding: Some(encoding),
            },
        );
        sources.push_str(&source(encoding, &server.url(encoding), ""));
    }
    let dir = tempfile::tempdir().unwrap();
    let report = run(&config_with(dir.path(), "", &sources), true).await;
    for encoding in ["gzip", "br", "deflate", "zstd"] {
        assert_eq!(
            outcome(&report, encoding).as_ref().unwrap().counts.new,
            2,
            "{encoding}"
        );
        let sent = server.requests(encoding)[0]
            .get("accept-encoding")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            sent.contains(encoding),
            "Accept-Encoding {sent:?} lacks {encoding}"
        );
    }
}

#[tokio::test]
async fn statuses_backoff_and_retry_after() {
    let server = ScriptServer::start().await;
    server.set(
        "busy",
        Behavior::Raw {
            status: 429,
            body: vec![],
            headers: vec![("retry-after", "7200".into())],
        },
    );
    server.set(
        "broken",
        Behavior::Raw {
            status: 500,
            body: vec![],
            headers: vec![],
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let sources = source("Busy", &server.url("busy"), "")
        + &source("Broken", &server.url("broken"), "")
        + &source("Missing", &server.url("missing"), "");
    let config = config_with(dir.path(), "interval = \"10m\"", &sources);
    let report = run(&config, false).await;
    assert!(
        outcome(&report, "Busy")
            .as_ref()
            .unwrap_err()
            .contains("HTTP 429")
    );
    assert!(
        outcome(&report, "Broken")
            .as_ref()
            .unwrap_err()
            .contains("HTTP 500")
    );
    assert!(
        outcome(&report, "Missing")
            .as_ref()
            .unwrap_err()
            .contains("HTTP 404")
    );
    // Retry-After of two hours is honoured; a plain error waits one interval.
    let busy: f64 = scalar(dir.path(), "SELECT (julianday(next_fetch_at) - julianday(last_fetched_at)) * 24 FROM sources WHERE name = 'Busy'").await;
    assert!((busy - 2.0).abs() < 0.01, "{busy} hours");
    let broken: f64 = scalar(dir.path(), "SELECT (julianday(next_fetch_at) - julianday(last_fetched_at)) * 1440 FROM sources WHERE name = 'Broken'").await;
    assert!((broken - 10.0).abs() < 0.1, "{broken} minutes");
    // Not due yet: a normal run fetches nothing.
    let again = run(&config, false).await;
    assert!(again.sources.is_empty());
    assert_eq!(server.requests("broken").len(), 1);
    // Forced: the second failure doubles the wait.
    run(&config, true).await;
    let doubled: f64 = scalar(dir.path(), "SELECT (julianday(next_fetch_at) - julianday(last_fetched_at)) * 1440 FROM sources WHERE name = 'Broken'").await;
    assert!((doubled - 20.0).abs() < 0.1, "{doubled} minutes");
    // Success resets the backoff.
    server.feed("broken", rss("b", 1), 1);
    run(&config, true).await;
    let count: i64 = scalar(
        dir.path(),
        "SELECT error_count FROM sources WHERE name = 'Broken'",
    )
    .await;
    assert_eq!(count, 0);
}

#[tokio::test]
async fn feed_hints_lengthen_the_interval() {
    let server = ScriptServer::start().await;
    let body = rss("t", 1).replace("<channel>", "<channel><ttl>180</ttl>");
    server.feed("ttl.xml", body, 1);
    server.set(
        "cached.xml",
        Behavior::Raw {
            status: 200,
            body: rss("c", 1).into_bytes(),
            headers: vec![
                ("cache-control", "max-age=7200".into()),
                ("content-type", "text/xml".into()),
            ],
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let sources = source("Ttl", &server.url("ttl.xml"), "")
        + &source("Cached", &server.url("cached.xml"), "interval = \"1h\"");
    run(
        &config_with(dir.path(), "interval = \"30m\"", &sources),
        false,
    )
    .await;
    let ttl: i64 = scalar(
        dir.path(),
        "SELECT interval_secs FROM sources WHERE name = 'Ttl'",
    )
    .await;
    let cached: i64 = scalar(
        dir.path(),
        "SELECT interval_secs FROM sources WHERE name = 'Cached'",
    )
    .await;
    assert_eq!((ttl, cached), (3 * 3600, 2 * 3600));
}

#[tokio::test]
async fn per_host_limit_holds_whatever_the_global_concurrency() {
    let server = ScriptServer::start().await;
    server.delay_all(Duration::from_millis(150));
    let mut sources = String::new();
    for i in 0..8 {
        server.feed(&format!("f{i}.xml"), rss(&format!("f{i}"), 1), 1);
        sources.push_str(&source(
            &format!("F{i}"),
            &server.url(&format!("f{i}.xml")),
            "",
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let report = run(
        &config_with(
            dir.path(),
            "concurrency = 16\nper_host_concurrency = 2",
            &sources,
        ),
        true,
    )
    .await;
    assert_eq!(report.totals.sources_ok, 8);
    assert_eq!(server.max_in_flight(), 2);
}

#[tokio::test]
async fn user_agent_headers_and_cookies_per_source() {
    let server = ScriptServer::start().await;
    server.feed("h.xml", rss("h", 1), 1);
    let dir = tempfile::tempdir().unwrap();
    let extra = "user_agent = \"Mozilla/5.0 test\"\nheaders = { X-Api-Key = \"k1\" }\ncookies = { consent = \"yes\", region = \"ma\" }";
    let sources =
        source("H", &server.url("h.xml"), extra) + &source("Plain", &server.url("h.xml"), "");
    run(&config_with(dir.path(), "", &sources), true).await;
    let requests = server.requests("h.xml");
    let with = requests
        .iter()
        .find(|h| h.get("x-api-key").is_some())
        .expect("custom header sent");
    assert_eq!(with.get("user-agent").unwrap(), "Mozilla/5.0 test");
    assert_eq!(with.get("cookie").unwrap(), "consent=yes; region=ma");
    let plain = requests
        .iter()
        .find(|h| h.get("x-api-key").is_none())
        .unwrap();
    assert!(
        plain
            .get("user-agent")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("veille/")
    );
    assert!(plain.get("cookie").is_none());
}

#[tokio::test]
async fn charsets_from_header_prolog_and_bom() {
    let server = ScriptServer::start().await;
    let arabic = "<rss><channel><title>t</title><item><title>الذكاء الاصطناعي في المغرب</title><guid>1</guid></item></channel></rss>";
    let (cp1256, _, _) = encoding_rs::WINDOWS_1256.encode(arabic);
    server.set(
        "ar",
        Behavior::Raw {
            status: 200,
            body: cp1256.into_owned(),
            headers: vec![("content-type", "text/xml; charset=windows-1256".into())],
        },
    );
    let french = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss><channel><title>t</title><item><title>Stratégie numérique</title><guid>1</guid></item></channel></rss>";
    let (latin1, _, _) = encoding_rs::WINDOWS_1252.encode(french);
    server.set(
        "fr",
        Behavior::Raw {
            status: 200,
            body: latin1.into_owned(),
            headers: vec![("content-type", "text/xml".into())],
        },
    );
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in "<?xml version=\"1.0\" encoding=\"UTF-16\"?><rss><channel><title>t</title><item><title>Ça marche</title><guid>1</guid></item></channel></rss>".encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    server.set(
        "u16",
        Behavior::Raw {
            status: 200,
            body: utf16,
            headers: vec![("content-type", "application/xml".into())],
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let sources = source("Ar", &server.url("ar"), "")
        + &source("Fr", &server.url("fr"), "")
        + &source("U16", &server.url("u16"), "");
    run(&config_with(dir.path(), "", &sources), true).await;
    let titles: Vec<String> = {
        let pool = sqlx::SqlitePool::connect(&format!(
            "sqlite://{}",
            dir.path().join("veille.db").display()
        ))
        .await
        .unwrap();
        sqlx::query_scalar(
            "SELECT a.title FROM articles a JOIN sources s ON s.id = a.source_id ORDER BY s.name",
        )
        .fetch_all(&pool)
        .await
        .unwrap()
    };
    assert_eq!(
        titles,
        [
            "الذكاء الاصطناعي في المغرب",
            "Stratégie numérique",
            "Ça marche"
        ]
    );
}

/// A derived URL whose host name resolves to a forbidden address is
/// refused by the guarded resolver, and the fetcher reports it as a
/// refusal (found by type in the client's error chain), not as a failed
/// connection. The source it derives from is on a public address, so
/// loopback is outside its reach.
#[tokio::test]
async fn a_host_name_that_resolves_to_loopback_is_refused_by_type() {
    let server = ScriptServer::start().await;
    server.feed("page.html", "<html><body>secret</body></html>", 1);
    let fetcher = veille::fetch::Fetcher::new(&veille::config::FetchConfig::default()).unwrap();
    let mut request = veille::fetch::FetchRequest::new(
        url::Url::parse(&format!(
            "http://localhost:{}/page.html",
            server.addr.port()
        ))
        .unwrap(),
    );
    request.derived_from = Some(url::Url::parse("http://198.51.100.7/feed.xml").unwrap());
    let error = fetcher.fetch(&request).await.unwrap_err();
    assert!(
        matches!(error, veille::fetch::FetchError::Refused { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("(loopback)"), "{error}");
    assert!(
        server.requests("page.html").is_empty(),
        "nothing reached the server"
    );
}
