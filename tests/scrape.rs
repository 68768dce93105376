//! Pages without feeds and teaser feeds, on saved pages served from
//! 127.0.0.1: listing pages read through selectors, page dates in French
//! and Arabic, full text by selector and by readability extraction.

use std::path::Path;

use sqlx::Row;

use crate::util::script::{Behavior, ScriptServer};
use crate::util::{config_with, outcome, run, source};

fn page(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/pages")
            .join(name),
    )
    .unwrap()
}

fn serve_page(server: &ScriptServer, path: &str, name: &str) {
    server.set(
        path,
        Behavior::Raw {
            status: 200,
            body: page(name),
            headers: vec![("content-type", "text/html; charset=utf-8".into())],
        },
    );
}

async fn rows(dir: &Path, sql: &'static str) -> Vec<sqlx::sqlite::SqliteRow> {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.join("veille.db").display()))
        .await
        .unwrap();
    sqlx::query(sql).fetch_all(&pool).await.unwrap()
}

const FR_RULES: &str = r#"kind = "html"
[source.scrape]
item = "article.news-item"
title = ".news-title"
link = ".news-title a"
date = ".news-date"
summary = ".news-excerpt"
image = "img.thumb"
author = ".news-author""#;

#[tokio::test]
async fn listing_page_becomes_articles() {
    let server = ScriptServer::start().await;
    serve_page(&server, "actualites", "listing-fr.html");
    serve_page(&server, "ar/akhbar", "listing-ar.html");
    let dir = tempfile::tempdir().unwrap();
    let ar_rules = "kind = \"html\"\n[source.scrape]\nitem = \"li.khabar\"\ntitle = \"a.t\"\ndate = \".d\"\nday_first = true";
    let sources = source("Ministère", &server.url("actualites"), FR_RULES)
        + &source("Akhbar", &server.url("ar/akhbar"), ar_rules);
    let config = config_with(dir.path(), "", &sources);
    let before = chrono::Utc::now();
    let report = run(&config, true).await;
    assert_eq!(
        outcome(&report, "Ministère").as_ref().unwrap().counts.new,
        3
    );
    assert_eq!(outcome(&report, "Akhbar").as_ref().unwrap().counts.new, 3);
    let fr = rows(dir.path(), "SELECT a.title, a.url, a.published_at, a.summary, a.author, a.enclosures FROM articles a JOIN sources s ON s.id = a.source_id WHERE s.name = 'Ministère' ORDER BY a.id").await;
    let get =
        |r: &sqlx::sqlite::SqliteRow, c: &str| r.get::<Option<String>, _>(c).unwrap_or_default();
    assert_eq!(
        get(&fr[0], "title"),
        "Lancement de la stratégie nationale de l'IA « Maroc IA 2030 »"
    );
    assert_eq!(
        get(&fr[0], "url"),
        server.url("actualites/strategie-ia-2030")
    );
    assert_eq!(get(&fr[0], "published_at"), "2026-02-05T10:30:00Z");
    assert_eq!(get(&fr[0], "author"), "Service de communication");
    assert!(get(&fr[0], "enclosures").contains(&server.url("uploads/ia-2030.jpg")));
    assert_eq!(
        get(&fr[1], "url"),
        "https://www.example.gov.ma/actualites/cndp-donnees",
        "tracking removed"
    );
    assert_eq!(
        get(&fr[1], "published_at"),
        "2026-02-03T08:00:00Z",
        "<time datetime> preferred"
    );
    assert!(get(&fr[1], "summary").contains("<b>algorithmes</b>"));
    let three_hours_ago = get(&fr[2], "published_at");
    let parsed = chrono::DateTime::parse_from_rfc3339(&three_hours_ago).unwrap();
    assert!(
        (before - parsed.with_timezone(&chrono::Utc))
            .num_minutes()
            .abs()
            - 180
            <= 2,
        "{three_hours_ago}"
    );
    let ar = rows(dir.path(), "SELECT a.title, a.published_at, a.language FROM articles a JOIN sources s ON s.id = a.source_id WHERE s.name = 'Akhbar' ORDER BY a.id").await;
    assert_eq!(
        get(&ar[0], "published_at"),
        "2026-02-05T00:00:00Z",
        "Arabic-Indic digits"
    );
    assert_eq!(
        get(&ar[2], "published_at"),
        "2026-02-05T00:00:00Z",
        "day first"
    );
    assert_eq!(get(&ar[0], "language"), "ar", "from <html lang>");
    // Again: nothing duplicated.
    let again = run(&config, true).await;
    assert_eq!(again.totals.items_new, 0);
}

#[tokio::test]
async fn selectors_matching_nothing_fail_clearly_and_lose_nothing() {
    let server = ScriptServer::start().await;
    serve_page(&server, "actualites", "listing-fr.html");
    let dir = tempfile::tempdir().unwrap();
    let config = config_with(
        dir.path(),
        "",
        &source("Ministère", &server.url("actualites"), FR_RULES),
    );
    run(&config, true).await;
    // The site is redesigned: the selectors no longer match.
    server.set(
        "actualites",
        Behavior::Raw {
            status: 200,
            body: b"<!DOCTYPE html><html><body><div class='new-layout'>...</div></body></html>"
                .to_vec(),
            headers: vec![],
        },
    );
    let report = run(&config, true).await;
    let err = outcome(&report, "Ministère").unwrap_err();
    assert!(
        err.contains("article.news-item") && err.contains("matched nothing"),
        "{err}"
    );
    assert_eq!(
        rows(dir.path(), "SELECT id FROM articles").await.len(),
        3,
        "earlier articles stay"
    );
    // A PDF where the page was.
    server.set(
        "actualites",
        Behavior::Raw {
            status: 200,
            body: b"%PDF-1.7 binary".to_vec(),
            headers: vec![("content-type", "application/pdf".into())],
        },
    );
    let report = run(&config, true).await;
    assert!(
        outcome(&report, "Ministère")
            .as_ref()
            .unwrap_err()
            .contains("not an HTML page")
    );
}

fn teaser_feed(server: &ScriptServer, paths: &[&str]) -> String {
    let mut s = String::from(
        "<rss version=\"2.0\"><channel><title>Actu</title><link>https://actu.example.ma/</link><description>d</description>",
    );
    for (i, p) in paths.iter().enumerate() {
        s.push_str(&format!("<item><title>Article {i}</title><link>{}</link><guid>t{i}</guid><description>Teaser {i} seulement.</description></item>", server.url(p)));
    }
    s + "</channel></rss>"
}

#[tokio::test]
async fn full_text_by_readability_and_by_selector_keeps_the_feed_text_on_failure() {
    let server = ScriptServer::start().await;
    serve_page(&server, "articles/ia", "article-fr.html");
    server.feed(
        "auto.xml",
        teaser_feed(&server, &["articles/ia", "articles/missing"]),
        1,
    );
    server.feed("css.xml", teaser_feed(&server, &["articles/ia"]), 1);
    let dir = tempfile::tempdir().unwrap();
    let sources = source("Auto", &server.url("auto.xml"), "full_text = \"auto\"")
        + &source(
            "Css",
            &server.url("css.xml"),
            "full_text = \"div.article-body\"",
        );
    let config = config_with(dir.path(), "", &sources);
    run(&config, true).await;
    let stored = rows(dir.path(), "SELECT s.name, a.guid, a.content, a.summary FROM articles a JOIN sources s ON s.id = a.source_id ORDER BY s.name, a.guid").await;
    let content = |i: usize| {
        stored[i]
            .get::<Option<String>, _>("content")
            .unwrap_or_default()
    };
    for i in [0, 2] {
        let c = content(i);
        assert!(
            c.contains("comité national"),
            "{}: body kept: {c}",
            stored[i].get::<String, _>("name")
        );
        assert!(c.contains("10 000 ingénieurs"));
        for junk in [
            "JUNK-NAV",
            "JUNK-COOKIE",
            "JUNK-SIDEBAR",
            "JUNK-COMMENT",
            "JUNK-FOOTER",
            "JUNK-SCRIPT",
            "JUNK-SHARE",
        ] {
            assert!(
                !c.contains(junk),
                "{junk} leaked into {}",
                stored[i].get::<String, _>("name")
            );
        }
        assert!(
            stored[i].get::<String, _>("summary").contains("Teaser"),
            "the feed's summary stays"
        );
    }
    // The missing page: the feed's text is kept.
    assert_eq!(stored[1].get::<String, _>("guid"), "t1");
    assert!(stored[1].get::<String, _>("summary").contains("Teaser 1"));
    assert_eq!(content(1), "", "nothing replaced the feed's own text");
    // Only new articles are fetched again: a second run asks for no page.
    let before = server.requests("articles/ia").len();
    run(&config, true).await;
    assert_eq!(server.requests("articles/ia").len(), before);
}

#[tokio::test(flavor = "multi_thread")]
async fn check_source_shows_what_each_selector_matched() {
    let server = ScriptServer::start().await;
    serve_page(&server, "actualites", "listing-fr.html");
    serve_page(&server, "actualites/strategie-ia-2030", "article-fr.html");
    let dir = tempfile::tempdir().unwrap();
    let rules = FR_RULES.replace("kind = \"html\"", "kind = \"html\"\nfull_text = \"auto\"");
    config_with(
        dir.path(),
        "",
        &source("Ministère", &server.url("actualites"), &rules),
    );
    let path = dir.path().join("config.toml");
    let out = tokio::task::spawn_blocking(move || {
        crate::util::veille(&path, &["check", "--source", "Ministère"])
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("item \"article.news-item\": 3 matches"),
        "{text}"
    );
    // One line per selector, the items' line on its own.
    assert!(
        text.lines()
            .any(|l| l == "date \".news-date\": found in 3 of 3 items"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.ends_with(" items; title \"\"") || l.contains(" items; title ")),
        "{text}"
    );
    assert!(
        text.contains("author \".news-author\": found in 1 of 3 items"),
        "{text}"
    );
    assert!(
        text.contains("Lancement de la stratégie nationale"),
        "{text}"
    );
    assert!(
        text.contains("page text kept: automatic extraction found"),
        "{text}"
    );
}

/// A wire dispatch: two paragraphs, 130 characters of text in all.
const SHORT_ARTICLE: &str = "<html><head><title>Dépêche</title></head><body><nav>Accueil Économie Sport</nav><div class=\"article-body\"><p>Rabat - Le Conseil de gouvernance a adopté jeudi le projet de décret.</p><p>Le texte encadre l'usage de l'IA dans l'administration.</p></div><footer>Mentions légales</footer></body></html>";

fn one_teaser(server: &ScriptServer) -> String {
    format!(
        "<rss version=\"2.0\"><channel><title>Wire</title><link>https://wire.example.ma/</link><description>d</description>\
         <item><title>Décret IA</title><link>{}</link><guid>w1</guid><description>Court résumé.</description></item></channel></rss>",
        server.url("depeche")
    )
}

#[tokio::test]
async fn a_named_selector_is_kept_whenever_it_holds_more_than_the_teaser() {
    let server = ScriptServer::start().await;
    server.set(
        "depeche",
        Behavior::Raw {
            status: 200,
            body: SHORT_ARTICLE.as_bytes().to_vec(),
            headers: vec![("content-type", "text/html; charset=utf-8".into())],
        },
    );
    server.feed("wire.xml", one_teaser(&server), 1);
    let dir = tempfile::tempdir().unwrap();
    let sources = source(
        "Wire",
        &server.url("wire.xml"),
        "full_text = \"div.article-body\"",
    );
    let config = config_with(dir.path(), "", &sources);
    run(&config, true).await;
    let stored = rows(dir.path(), "SELECT content, content_text FROM articles").await;
    let text: String = stored[0].get("content_text");
    assert!(
        text.contains("Conseil de gouvernance") && text.contains("l'administration"),
        "the dispatch replaced the teaser: {text}"
    );
    assert!(text.chars().count() < 200, "a short text, taken anyway");
    assert!(!text.contains("Mentions légales"));
}

#[tokio::test(flavor = "multi_thread")]
async fn check_source_shows_the_rule_that_decided_for_each_sampled_item() {
    let server = ScriptServer::start().await;
    server.set(
        "depeche",
        Behavior::Raw {
            status: 200,
            body: SHORT_ARTICLE.as_bytes().to_vec(),
            headers: vec![("content-type", "text/html; charset=utf-8".into())],
        },
    );
    server.feed("wire.xml", one_teaser(&server), 1);
    let dir = tempfile::tempdir().unwrap();
    let sources = source(
        "Wire",
        &server.url("wire.xml"),
        "full_text = \"div.article-body\"",
    ) + &source("Auto", &server.url("wire.xml"), "full_text = \"auto\"");
    config_with(dir.path(), "", &sources);
    let path = dir.path().join("config.toml");
    let check = |name: &'static str| {
        let path = path.clone();
        tokio::task::spawn_blocking(move || {
            crate::util::veille(&path, &["check", "--source", name])
        })
    };
    let out = check("Wire").await.unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!(
            "full text of {}: page text kept: selector \"div.article-body\" found",
            server.url("depeche")
        )) && text.contains("more than the feed's own 13"),
        "{text}"
    );
    let out = check("Auto").await.unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("feed text kept: ") && text.contains("under the 200 it needs"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn check_source_fetches_with_the_fetch_settings_of_a_run() {
    let server = ScriptServer::start().await;
    server.set(
        "depeche",
        Behavior::Raw {
            status: 200,
            body: SHORT_ARTICLE.as_bytes().to_vec(),
            headers: vec![("content-type", "text/html; charset=utf-8".into())],
        },
    );
    server.feed("wire.xml", one_teaser(&server), 1);
    let big = format!("{}<!-- {} -->", one_teaser(&server), "x".repeat(20_000));
    server.feed("big.xml", big, 1);
    let dir = tempfile::tempdir().unwrap();
    let sources = source(
        "Wire",
        &server.url("wire.xml"),
        "full_text = \"div.article-body\"",
    ) + &source("Big", &server.url("big.xml"), "");
    config_with(
        dir.path(),
        "user_agent = \"veille-test/7 (+https://example.org/bot)\"\nmax_body_bytes = 10000",
        &sources,
    );
    let path = dir.path().join("config.toml");
    let check = |name: &'static str| {
        let path = path.clone();
        tokio::task::spawn_blocking(move || {
            crate::util::veille(&path, &["check", "--source", name])
        })
    };
    let out = check("Wire").await.unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for path in ["wire.xml", "depeche"] {
        let seen = server.requests(path);
        assert_eq!(seen.len(), 1, "{path}");
        assert_eq!(
            seen[0]["user-agent"], "veille-test/7 (+https://example.org/bot)",
            "{path} fetched with [fetch] user_agent"
        );
    }
    // `max_body_bytes` holds as it does in a run.
    let out = check("Big").await.unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let config = veille::config::Config::load(&dir.path().join("config.toml")).unwrap();
    let report = run(&config, true).await;
    let in_run = outcome(&report, "Big").unwrap_err().clone();
    assert!(
        err.contains("10000") && in_run.contains("10000"),
        "{err} / {in_run}"
    );
}

#[tokio::test]
async fn sources_kind_follows_the_config_on_every_sync() {
    let server = ScriptServer::start().await;
    serve_page(&server, "actualites", "listing-fr.html");
    server.feed("wire.xml", one_teaser(&server), 1);
    let dir = tempfile::tempdir().unwrap();
    let sources = source("Ministère", &server.url("actualites"), FR_RULES)
        + &source("Wire", &server.url("wire.xml"), "");
    let config = config_with(dir.path(), "", &sources);
    run(&config, true).await;
    let kinds = || async {
        rows(dir.path(), "SELECT name, kind FROM sources ORDER BY name")
            .await
            .iter()
            .map(|r| (r.get::<String, _>("name"), r.get::<String, _>("kind")))
            .collect::<Vec<_>>()
    };
    let expected = vec![
        ("Ministère".to_string(), "html".to_string()),
        ("Wire".to_string(), "feed".to_string()),
    ];
    assert_eq!(kinds().await, expected);
    // A database written before kinds were recorded: the next run fixes it.
    let pool = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        dir.path().join("veille.db").display()
    ))
    .await
    .unwrap();
    sqlx::query("UPDATE sources SET kind = 'feed'")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    run(&config, false).await;
    assert_eq!(kinds().await, expected);
}
