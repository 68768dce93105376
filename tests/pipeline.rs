//! `run` end to end: real server, real SQLite file, real published files.

use sqlx::Row;
use veille::config::Config;

use crate::util::{FixtureServer, db, write_config};

async fn setup() -> (tempfile::TempDir, FixtureServer, Config) {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    server.put_fixture("maroc-rss2.xml", "application/rss+xml; charset=utf-8");
    server.put_fixture("world-atom.xml", "application/atom+xml");
    server.put_fixture("arabic-rss2.xml", "text/xml");
    // Not a feed at all: this source fails.
    server.put(
        "broken.xml",
        "text/html",
        "<!DOCTYPE html><html><body><h1>Maintenance</h1></body></html>",
    );
    // Cut off mid-item: read anyway, and the fetch says why it was malformed.
    server.put(
        "truncated.xml",
        "text/xml",
        "<rss version=\"2.0\"><channel><title>Cut</title><item><title>Caf&eacute; Half</title>\
         <link>https://cut.example/1</link></item><item><title>Tw",
    );
    let path = write_config(
        dir.path(),
        &[
            ("Maroc FR", server.url("maroc-rss2.xml")),
            ("World Policy", server.url("world-atom.xml")),
            ("Akhbar", server.url("arabic-rss2.xml")),
            ("Broken", server.url("broken.xml")),
            ("Gone", server.url("missing.xml")),
            ("Truncated", server.url("truncated.xml")),
        ],
    );
    let config = Config::load(&path).unwrap();
    (dir, server, config)
}

async fn count(pool: &sqlx::SqlitePool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[tokio::test]
async fn run_stores_articles_records_failures_and_publishes() {
    let (dir, server, config) = setup().await;
    let report = crate::util::run(&config, true).await;
    assert_eq!(report.totals.sources_ok, 4);
    assert_eq!(report.totals.sources_failed, 2);
    assert_eq!(report.totals.items_new, 8);
    assert!(
        dir.path().join("data/veille.db").exists(),
        "database created relative to the config"
    );

    let pool = db(dir.path()).await;
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM sources").await, 6);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM articles").await, 8);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM fetches").await, 6);
    // Each fetch records the size of the body it read.
    let fixture = std::fs::metadata(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/feeds/maroc-rss2.xml"),
    )
    .unwrap()
    .len();
    assert_eq!(
        count(
            &pool,
            "SELECT f.bytes FROM fetches f JOIN sources s ON s.id = f.source_id WHERE s.name = 'Maroc FR'"
        )
        .await,
        fixture as i64
    );
    assert_eq!(
        count(
            &pool,
            "SELECT COUNT(*) FROM runs WHERE finished_at IS NOT NULL AND sources_failed = 2"
        )
        .await,
        1
    );

    // Each failure is recorded on its fetch and its source, naming the cause.
    let rows = sqlx::query(
        "SELECT s.name, f.http_status, f.error FROM fetches f JOIN sources s ON s.id = f.source_id
         WHERE f.error IS NOT NULL ORDER BY s.name",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let failures: Vec<(String, Option<i64>, String)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(failures[0].0, "Broken");
    assert!(
        failures[0].2.contains("broken.xml") && failures[0].2.contains("HTML"),
        "{:?}",
        failures[0]
    );
    assert_eq!(failures[1].0, "Gone");
    assert_eq!(failures[1].1, Some(404));
    assert!(failures[1].2.contains("HTTP 404"), "{:?}", failures[1]);

    // The truncated feed's complete item is kept; the fetch says what broke.
    let malformed: String = sqlx::query_scalar(
        "SELECT f.malformed FROM fetches f JOIN sources s ON s.id = f.source_id WHERE s.name = 'Truncated'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(
        malformed.contains("truncated") && malformed.contains("&eacute;"),
        "{malformed}"
    );
    let cut: Vec<String> = sqlx::query_scalar(
        "SELECT a.title FROM articles a JOIN sources s ON s.id = a.source_id WHERE s.name = 'Truncated' ORDER BY a.id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(cut, ["Café Half", "Tw"]);

    // Normalised fields as a user querying the file would see them.
    let row = sqlx::query(
        "SELECT url, link, title, author, content, published_at, language, first_seen_at FROM articles WHERE guid = 'news-ma-1001'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        row.get::<String, _>("url"),
        "https://news.example.ma/economie/strategie-ia"
    );
    assert_eq!(
        row.get::<String, _>("link"),
        "https://news.example.ma/economie/strategie-ia?utm_source=rss&utm_medium=feed"
    );
    assert_eq!(
        row.get::<String, _>("title"),
        "Le Maroc adopte une stratégie nationale d'intelligence artificielle"
    );
    assert_eq!(row.get::<String, _>("author"), "Salma Bennani");
    let content: String = row.get("content");
    assert!(!content.contains("script"), "{content}");
    assert!(
        content.contains("href=\"https://news.example.ma/dossiers/ia\""),
        "{content}"
    );
    assert_eq!(row.get::<String, _>("published_at"), "2026-02-05T09:30:00Z");
    assert_eq!(row.get::<String, _>("language"), "fr");
    let first_seen: String = row.get("first_seen_at");
    assert!(
        first_seen.len() == 20 && first_seen.ends_with('Z'),
        "{first_seen}"
    );

    // The unreadable date stays NULL; the article still has a sort date.
    let row = sqlx::query("SELECT published_at, sort_at, first_seen_at FROM articles WHERE title = 'Item sans date ni guid'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(row.get::<Option<String>, _>("published_at"), None);
    assert_eq!(
        row.get::<String, _>("sort_at"),
        row.get::<String, _>("first_seen_at")
    );
    let lang: String =
        sqlx::query_scalar("SELECT language FROM articles WHERE guid LIKE 'https://akhbar%'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        lang, "ar",
        "detected from the text: the feed declares no language"
    );
    assert_eq!(server.hits("maroc-rss2.xml"), 1);
}

#[tokio::test]
async fn second_run_adds_no_duplicates_and_changed_items_are_updated() {
    let (dir, server, config) = setup().await;
    crate::util::run(&config, true).await;
    let again = crate::util::run(&config, true).await;
    assert_eq!(again.totals.items_new, 0);
    assert_eq!(again.totals.items_updated, 0);
    let pool = db(dir.path()).await;
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM articles").await, 8);
    let uid_before: String =
        sqlx::query_scalar("SELECT uid FROM articles WHERE guid = 'news-ma-1001'")
            .fetch_one(&pool)
            .await
            .unwrap();

    // The outlet corrects its article: same guid, new title and text.
    let edited = String::from_utf8(crate::util::fixture("maroc-rss2.xml"))
        .unwrap()
        .replace(
            "adopte une stratégie",
            "adopte officiellement une stratégie",
        )
        .replace("présente la gouvernance", "détaille la gouvernance");
    server.put("maroc-rss2.xml", "application/rss+xml", edited);
    let third = crate::util::run(&config, true).await;
    assert_eq!(third.totals.items_new, 0);
    assert_eq!(third.totals.items_updated, 1);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM articles").await, 8);
    let row = sqlx::query(
        "SELECT uid, title, summary, revisions FROM articles WHERE guid = 'news-ma-1001'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        row.get::<String, _>("uid"),
        uid_before,
        "the public id survives edits"
    );
    assert!(
        row.get::<String, _>("title")
            .contains("adopte officiellement")
    );
    assert!(
        row.get::<String, _>("summary")
            .contains("détaille la gouvernance")
    );
    assert_eq!(row.get::<i64, _>("revisions"), 1);
    let updated: i64 = sqlx::query_scalar("SELECT items_updated FROM fetches WHERE url LIKE '%maroc-rss2.xml' ORDER BY id DESC LIMIT 1")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(updated, 1);
}
