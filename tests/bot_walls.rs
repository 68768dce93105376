//! Bot walls named, not mistaken for broken feeds: a 403 or 503 that is a
//! bot-protection challenge says so, with what to do, in the run's error,
//! `veille sources` and the health feed; it is not a malformed feed; a
//! plain 403 says it is not a challenge.

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

use crate::util;

const CHALLENGE_PAGE: &str = "<!DOCTYPE html><html lang=\"en-US\"><head><title>Just a moment...</title>\
    </head><body><noscript>Enable JavaScript and cookies to continue</noscript>\
    <script src=\"/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray=8f\"></script></body></html>";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn challenges_are_named_and_plain_refusals_say_so() {
    let app = Router::new()
        .route(
            "/header.xml",
            get(|| async {
                (StatusCode::FORBIDDEN, [("cf-mitigated", "challenge")], "").into_response()
            }),
        )
        .route(
            "/page.xml",
            get(|| async {
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(header::CONTENT_TYPE, "text/html")],
                    CHALLENGE_PAGE,
                )
                    .into_response()
            }),
        )
        .route(
            "/forbidden.xml",
            get(|| async { (StatusCode::FORBIDDEN, "<h1>Forbidden</h1>").into_response() }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let dir = tempfile::tempdir().unwrap();
    let sources = [
        util::source("Walled", &format!("{base}/header.xml"), ""),
        util::source("Challenged", &format!("{base}/page.xml"), ""),
        util::source("Refusing", &format!("{base}/forbidden.xml"), ""),
    ]
    .concat();
    let config = util::config_with(dir.path(), "", &sources);
    let mut report = util::run(&config, true).await;
    for _ in 0..2 {
        report = util::run(&config, true).await;
    }
    for name in ["Walled", "Challenged"] {
        let error = util::outcome(&report, name).unwrap_err();
        assert!(
            error.contains("a bot-protection challenge (Cloudflare)"),
            "{error}"
        );
        assert!(
            error.contains("user_agent") && error.contains("site:"),
            "{error}"
        );
    }
    let refusing = util::outcome(&report, "Refusing").unwrap_err();
    assert!(
        refusing.contains("HTTP 403") && refusing.contains("no bot-protection challenge"),
        "{refusing}"
    );

    let db = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        dir.path().join("veille.db").display()
    ))
    .await
    .unwrap();
    let malformed: i64 =
        sqlx::query_scalar("SELECT count(*) FROM fetches WHERE malformed IS NOT NULL")
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(malformed, 0, "not a malformed feed");
    let outcomes: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT s.name, t.outcome, t.fetches FROM fetch_totals t JOIN sources s ON s.id = t.source_id ORDER BY s.name",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(
        outcomes,
        [
            ("Challenged".to_string(), "bot_wall".to_string(), 3),
            ("Refusing".to_string(), "403".to_string(), 3),
            ("Walled".to_string(), "bot_wall".to_string(), 3),
        ]
    );
    db.close().await;

    let listing = util::veille(&dir.path().join("config.toml"), &["sources"]);
    let listing = String::from_utf8_lossy(&listing.stdout);
    assert!(
        listing
            .matches("bot-protection challenge (Cloudflare)")
            .count()
            >= 2,
        "{listing}"
    );
    let health = std::fs::read_to_string(dir.path().join("public/health/atom.xml")).unwrap();
    assert!(
        health.contains("bot-protection challenge (Cloudflare)"),
        "{health}"
    );
    assert!(health.contains("no bot-protection challenge"), "{health}");
}
