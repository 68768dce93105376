//! Redirects, moves, gone sources, request-forgery guard, and the health
//! feed that announces what happened.

use crate::util::script::{Behavior, ScriptServer, rss};
use crate::util::{config_with, outcome, run, scalar, source};

#[tokio::test]
async fn permanent_redirect_is_adopted_only_when_confirmed() {
    let server = ScriptServer::start().await;
    server.set(
        "old.xml",
        Behavior::Redirect {
            status: 301,
            to: "/new.xml".into(),
        },
    );
    server.feed("new.xml", rss("n", 2), 1);
    let dir = tempfile::tempdir().unwrap();
    let config = config_with(dir.path(), "", &source("Mover", &server.url("old.xml"), ""));
    // First sight: followed, remembered, not adopted.
    assert!(outcome(&run(&config, true).await, "Mover").is_ok());
    let adopted: Option<String> = scalar(dir.path(), "SELECT fetch_url FROM sources").await;
    assert_eq!(adopted, None);
    // Seen again: adopted, announced, and the config URL is untouched.
    run(&config, true).await;
    let adopted: Option<String> = scalar(dir.path(), "SELECT fetch_url FROM sources").await;
    assert_eq!(adopted.as_deref(), Some(server.url("new.xml").as_str()));
    let url: String = scalar(dir.path(), "SELECT url FROM sources").await;
    assert_eq!(url, server.url("old.xml"));
    // From now on the new address is fetched directly.
    run(&config, true).await;
    assert_eq!(server.requests("old.xml").len(), 2);
    assert_eq!(server.requests("new.xml").len(), 3);
    let health = std::fs::read_to_string(config.publish.dir.join("health/atom.xml")).unwrap();
    assert!(health.contains("Mover: moved"), "{health}");
    let feed = veille::parse::parse_feed(health.as_bytes(), None).unwrap();
    assert_eq!(feed.items.len(), 1);
}

#[tokio::test]
async fn temporary_redirects_are_followed_but_never_adopted() {
    let server = ScriptServer::start().await;
    server.set(
        "t.xml",
        Behavior::Redirect {
            status: 302,
            to: "/real.xml".into(),
        },
    );
    server.feed("real.xml", rss("r", 1), 1);
    let dir = tempfile::tempdir().unwrap();
    let config = config_with(dir.path(), "", &source("Temp", &server.url("t.xml"), ""));
    run(&config, true).await;
    run(&config, true).await;
    let (adopted, candidate): (Option<String>, Option<String>) = (
        scalar(dir.path(), "SELECT fetch_url FROM sources").await,
        scalar(dir.path(), "SELECT redirect_candidate FROM sources").await,
    );
    assert_eq!((adopted, candidate), (None, None));
}

#[tokio::test]
async fn redirect_loops_and_endless_chains_are_clear_errors() {
    let server = ScriptServer::start().await;
    server.set(
        "a",
        Behavior::Redirect {
            status: 302,
            to: "/b".into(),
        },
    );
    server.set(
        "b",
        Behavior::Redirect {
            status: 302,
            to: "/a".into(),
        },
    );
    for i in 0..20 {
        server.set(
            &format!("hop{i}"),
            Behavior::Redirect {
                status: 307,
                to: format!("/hop{}", i + 1),
            },
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let sources = source("Loop", &server.url("a"), "") + &source("Chain", &server.url("hop0"), "");
    let report = run(&config_with(dir.path(), "", &sources), true).await;
    let looped = outcome(&report, "Loop").unwrap_err();
    assert!(looped.starts_with("redirect loop: "), "{looped}");
    assert!(
        looped.contains("/a -> ") && looped.contains("/b -> "),
        "{looped}"
    );
    let chain = outcome(&report, "Chain").unwrap_err();
    assert!(chain.contains("more than 10 redirects"), "{chain}");
    assert_eq!(server.requests("hop10").len(), 1);
    assert_eq!(
        server.requests("hop11").len(),
        0,
        "stops after 10 redirects"
    );
}

#[tokio::test]
async fn derived_urls_may_not_reach_metadata_or_private_networks() {
    let server = ScriptServer::start().await;
    server.set(
        "meta",
        Behavior::Redirect {
            status: 302,
            to: "http://169.254.169.254/latest/meta-data/".into(),
        },
    );
    server.set(
        "lan",
        Behavior::Redirect {
            status: 301,
            to: "http://10.0.0.1/admin".into(),
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let sources = source("Meta", &server.url("meta"), "") + &source("Lan", &server.url("lan"), "");
    let report = run(&config_with(dir.path(), "", &sources), true).await;
    let meta = outcome(&report, "Meta").unwrap_err();
    assert!(
        meta.contains("169.254.169.254") && meta.contains("cloud metadata"),
        "{meta}"
    );
    let lan = outcome(&report, "Lan").unwrap_err();
    assert!(lan.contains("private network"), "{lan}");
    // A source on loopback may redirect within loopback (localhost resolves there).
    server.set(
        "local",
        Behavior::Redirect {
            status: 302,
            to: format!("http://localhost:{}/ok.xml", server.addr.port()),
        },
    );
    server.feed("ok.xml", rss("ok", 1), 1);
    let dir = tempfile::tempdir().unwrap();
    let report = run(
        &config_with(dir.path(), "", &source("Local", &server.url("local"), "")),
        true,
    )
    .await;
    assert!(
        outcome(&report, "Local").is_ok(),
        "{:?}",
        outcome(&report, "Local")
    );
}

#[tokio::test]
async fn gone_sources_stop_until_their_entry_changes() {
    let server = ScriptServer::start().await;
    server.set(
        "gone.xml",
        Behavior::Raw {
            status: 410,
            body: vec![],
            headers: vec![],
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let config = config_with(dir.path(), "", &source("Dead", &server.url("gone.xml"), ""));
    run(&config, true).await;
    let again = run(&config, true).await;
    assert!(
        again.sources.is_empty(),
        "a gone source is not polled, even with --all"
    );
    assert_eq!(server.requests("gone.xml").len(), 1);
    let health = std::fs::read_to_string(config.publish.dir.join("health/atom.xml")).unwrap();
    assert!(
        health.contains("Dead: gone") && health.contains("410 Gone"),
        "{health}"
    );
    // The user edits the entry (here: a new interval): it is tried again.
    server.feed("gone.xml", rss("back", 1), 1);
    let edited = config_with(
        dir.path(),
        "",
        &source("Dead", &server.url("gone.xml"), "interval = \"2h\""),
    );
    let report = run(&edited, false).await;
    assert!(outcome(&report, "Dead").is_ok());
}

#[tokio::test]
async fn html_page_instead_of_a_feed_names_the_feeds_it_advertises() {
    let server = ScriptServer::start().await;
    let page = r#"<!DOCTYPE html><html><head><title>News</title>
        <link rel="alternate" type="application/rss+xml" title="Flux RSS" href="/feed/"></head><body>hi</body></html>"#;
    server.set(
        "home",
        Behavior::Raw {
            status: 200,
            body: page.into(),
            headers: vec![("content-type", "text/html".into())],
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let report = run(
        &config_with(dir.path(), "", &source("Home", &server.url("home"), "")),
        true,
    )
    .await;
    let err = outcome(&report, "Home").unwrap_err();
    assert!(
        err.contains("HTML page") && err.contains(&server.url("feed/")),
        "{err}"
    );
}

#[tokio::test]
async fn failing_and_recovered_sources_reach_the_health_feed() {
    let server = ScriptServer::start().await;
    server.set(
        "flaky.xml",
        Behavior::Raw {
            status: 503,
            body: vec![],
            headers: vec![],
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let config = config_with(
        dir.path(),
        "",
        &source("Flaky", &server.url("flaky.xml"), ""),
    );
    for _ in 0..3 {
        run(&config, true).await;
    }
    server.feed("flaky.xml", rss("f", 1), 1);
    run(&config, true).await;
    let health = veille::parse::parse_feed(
        &std::fs::read(config.publish.dir.join("health/atom.xml")).unwrap(),
        None,
    )
    .unwrap()
    .into_owned();
    let titles: Vec<&str> = health
        .items
        .iter()
        .map(|i| i.title.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(titles, ["Flaky: recovered", "Flaky: failing"]);
}
