//! Google News items read right, against a server on 127.0.0.1 that
//! speaks Google News's protocol: the outlet named in `<source>` is stored
//! and published, the " - Outlet" suffix goes only when it is the
//! outlet's name, links whose id embeds the URL are decoded offline, the
//! others are resolved online (at most 10 per source and run, each link
//! once), a failure keeps the Google link, and the item joins the
//! outlet's own report of the same URL in one story.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;

use crate::util;

#[derive(Default)]
struct Google {
    /// Opaque token → where it leads (absent: the endpoint fails).
    leads_to: HashMap<String, String>,
    /// Requests by kind ("page", "batchexecute").
    hits: HashMap<&'static str, usize>,
    feed: String,
    outlet_feed: String,
    /// The search feed has an ETag and answers 304 when it is sent back.
    etag: bool,
}

type Shared = Arc<Mutex<Google>>;

/// (title, outlet, outlet_url, link, aggregator_link) of a stored item.
type StoredItem = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// A Google News id as Google builds them: field 1 = 19, field 4 = `text`.
fn google_id(text: &str) -> String {
    let mut message = vec![0x08, 0x13, 0x22];
    let mut len = text.len();
    loop {
        let byte = (len & 0x7f) as u8;
        len >>= 7;
        if len == 0 {
            message.push(byte);
            break;
        }
        message.push(byte | 0x80);
    }
    message.extend(text.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&message)
}

async fn search_feed(State(g): State<Shared>, headers: axum::http::HeaderMap) -> Response {
    let g = g.lock().unwrap();
    if !g.etag {
        return (
            [(header::CONTENT_TYPE, "application/rss+xml")],
            g.feed.clone(),
        )
            .into_response();
    }
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v == "\"v1\"")
    {
        return axum::http::StatusCode::NOT_MODIFIED.into_response();
    }
    let headers = [
        (header::CONTENT_TYPE, "application/rss+xml"),
        (header::ETAG, "\"v1\""),
    ];
    (headers, g.feed.clone()).into_response()
}

async fn outlet_feed(State(g): State<Shared>) -> Response {
    let feed = g.lock().unwrap().outlet_feed.clone();
    ([(header::CONTENT_TYPE, "application/rss+xml")], feed).into_response()
}

/// The article page: Google's `c-wiz` element with the signature and
/// timestamp the next call needs.
async fn article_page(State(g): State<Shared>, Path(id): Path<String>) -> Response {
    *g.lock().unwrap().hits.entry("page").or_default() += 1;
    let html = format!(
        "<html><body><c-wiz><div jscontroller=\"aLI87\" data-n-a-id=\"{id}\" data-n-a-sg=\"AZ5r3eSig{}\" data-n-a-ts=\"1733200000\"></div></c-wiz></body></html>",
        id.len()
    );
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

/// `batchexecute`: reads `f.req`, answers `garturlres` with the URL, as
/// Google does (after its `)]}'` guard line).
async fn batchexecute(State(g): State<Shared>, body: String) -> Response {
    let mut google = g.lock().unwrap();
    *google.hits.entry("batchexecute").or_default() += 1;
    let form: HashMap<String, String> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let envelope: serde_json::Value = serde_json::from_str(&form["f.req"]).unwrap();
    let inner: serde_json::Value =
        serde_json::from_str(envelope[0][0][1].as_str().unwrap()).unwrap();
    assert_eq!(inner[0], "garturlreq");
    assert_eq!(inner[3], 1_733_200_000, "the page's timestamp, as a number");
    assert!(inner[4].as_str().unwrap().starts_with("AZ5r3eSig"));
    let id = inner[2].as_str().unwrap();
    let token = id_token(id);
    let Some(url) = google.leads_to.get(&token) else {
        return (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "error").into_response();
    };
    let payload = serde_json::json!(["garturlres", url, 1]).to_string();
    let rows = serde_json::json!([
        ["wrb.fr", "Fbv4je", payload, null, null, null, "generic"],
        ["di", 42]
    ]);
    format!(")]}}'\n\n{rows}").into_response()
}

/// The token inside an id (field 4).
fn id_token(id: &str) -> String {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(id)
        .unwrap();
    let start = if bytes[3] & 0x80 != 0 { 5 } else { 4 };
    String::from_utf8(bytes[start..].to_vec()).unwrap()
}

fn item(title: &str, link: &str, outlet: Option<(&str, &str)>, text: &str) -> String {
    let source = outlet
        .map(|(name, url)| format!("<source url=\"{url}\">{name}</source>"))
        .unwrap_or_default();
    let now = chrono::Utc::now().to_rfc2822();
    format!(
        "<item><title>{title}</title><link>{link}</link><guid isPermaLink=\"false\">{link}</guid>\
         <pubDate>{now}</pubDate><description>{text}</description>{source}</item>"
    )
}

fn rss(items: &[String]) -> String {
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title><link>http://example.org/</link>\
         <description>d</description>{}</channel></rss>",
        items.concat()
    )
}

const STORY: &str = "Le gouvernement marocain a présenté mardi à Rabat sa stratégie nationale \
    pour l'intelligence artificielle, qui prévoit un cadre de gouvernance des données, la formation \
    de dix mille ingénieurs et un fonds public pour les jeunes entreprises du numérique, ainsi qu'une \
    autorité chargée de contrôler les usages des algorithmes dans l'administration publique";
const COLLOQUE: &str = "Un colloque international consacré à l'éthique de l'intelligence \
    artificielle s'est ouvert à Rabat avec des chercheurs venus de quinze pays africains, des \
    représentants des ministères et des entreprises technologiques qui débattent de régulation, \
    de protection des données personnelles et de souveraineté numérique pendant trois jours";

/// The Google News server and the links it serves.
struct GoogleNews {
    base: String,
    google: Shared,
    strategy_url: String,
    colloque_url: String,
    /// Google's link to `strategy_url`, the URL embedded in its id.
    embedded: String,
    /// The `[[source]]` tables of the search feed and the outlet's feed.
    sources: String,
}

impl GoogleNews {
    /// How many times `kind` ("page", "batchexecute") was asked.
    fn hits(&self, kind: &str) -> usize {
        self.google
            .lock()
            .unwrap()
            .hits
            .get(kind)
            .copied()
            .unwrap_or(0)
    }
}

fn opaque(n: usize) -> String {
    format!("AU_yqLOpaqueToken{n:03}xyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
}

fn opaque_link(base: &str, n: usize) -> String {
    format!("{base}/rss/articles/{}?oc=5", google_id(&opaque(n)))
}

/// Starts the server: a Google News search of 15 items (one decoded
/// offline, thirteen resolved online, one that never resolves) and the
/// outlet's own feed of three of those stories.
async fn serve_google_news() -> GoogleNews {
    let google: Shared = Arc::default();
    let app = Router::new()
        .route("/rss/search", get(search_feed))
        .route("/outlet/feed.xml", get(outlet_feed))
        .route("/rss/articles/{id}", get(article_page))
        .route("/_/DotsSplashUi/data/batchexecute", post(batchexecute))
        .with_state(google.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let strategy_url = format!("{base}/outlet/strategie-ia.html");
    let colloque_url = format!("{base}/outlet/colloque.html");
    let embedded = format!("{base}/rss/articles/{}?oc=5", google_id(&strategy_url));
    let opaque_link = |n: usize| opaque_link(&base, n);
    let hespress = Some(("Hespress FR", "https://fr.hespress.com"));
    let medias24 = Some(("Médias24", "https://medias24.com"));
    let mut items = vec![
        item(
            "Le Maroc adopte une stratégie IA - Hespress FR",
            &embedded,
            hespress,
            "Stratégie",
        ),
        item(
            "Colloque sur l'IA - Rabat",
            &opaque_link(0),
            medias24,
            "Colloque",
        ),
        item(
            "Un lien que Google ne résout pas - Le360",
            &opaque_link(1),
            Some(("Le360", "https://le360.ma")),
            "x",
        ),
    ];
    // Twelve more: over the ten links a run may ask about.
    for n in 2..14 {
        items.push(item(
            &format!("Brève {n} - Le360"),
            &opaque_link(n),
            Some(("Le360", "https://le360.ma")),
            "brève",
        ));
    }
    {
        let mut g = google.lock().unwrap();
        g.feed = rss(&items);
        g.outlet_feed = rss(&[
            item("Stratégie nationale de l'IA", &strategy_url, None, STORY),
            item(
                "Colloque sur l'éthique de l'IA",
                &colloque_url,
                None,
                COLLOQUE,
            ),
            // Google's link to this one is resolved by the second run.
            item(
                "Brève 12",
                &format!("{base}/outlet/breve-12.html"),
                None,
                STORY,
            ),
        ]);
        g.leads_to.insert(opaque(0), colloque_url.clone());
        for n in 2..14 {
            g.leads_to
                .insert(opaque(n), format!("{base}/outlet/breve-{n}.html"));
        }
    }
    let sources = [
        util::source(
            "Google News Maroc",
            &format!("{base}/rss/search?q=maroc&hl=fr&gl=MA&ceid=MA:fr"),
            "",
        ),
        util::source("Hespress FR", &format!("{base}/outlet/feed.xml"), ""),
    ]
    .concat();
    GoogleNews {
        base,
        google,
        strategy_url,
        colloque_url,
        embedded,
        sources,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn google_news_items_name_their_outlet_and_link_to_it() {
    let news = serve_google_news().await;
    // The search feed answers 304 from the second run on: the links that
    // waited are resolved all the same (on PostgreSQL below, it sends its
    // body each time).
    news.google.lock().unwrap().etag = true;
    let GoogleNews {
        base,
        strategy_url,
        colloque_url,
        embedded,
        sources,
        ..
    } = &news;
    let opaque_link = |n: usize| opaque_link(base, n);
    let dir = tempfile::tempdir().unwrap();

    let config = util::config_with(dir.path(), "", sources);
    let report = util::run(&config, true).await;
    assert!(
        report.sources.iter().all(|s| s.result.is_ok()),
        "{:?}",
        report.sources
    );

    let db = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        dir.path().join("veille.db").display()
    ))
    .await
    .unwrap();
    let rows: Vec<StoredItem> = sqlx::query_as(
        "SELECT a.title, a.outlet, a.outlet_url, a.link, a.aggregator_link FROM articles a
             JOIN sources s ON s.id = a.source_id WHERE s.name = 'Google News Maroc' ORDER BY a.id",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    let by_title: HashMap<&str, _> = rows.iter().map(|r| (r.0.as_str(), r)).collect();
    // The suffix goes when it is the outlet's name, and only then.
    let strategy = by_title["Le Maroc adopte une stratégie IA"];
    assert_eq!(strategy.1.as_deref(), Some("Hespress FR"));
    assert_eq!(strategy.2.as_deref(), Some("https://fr.hespress.com"));
    assert_eq!(
        strategy.3.as_deref(),
        Some(strategy_url.as_str()),
        "decoded offline"
    );
    assert_eq!(strategy.4.as_deref(), Some(embedded.as_str()));
    let colloque = by_title["Colloque sur l'IA - Rabat"];
    assert_eq!(colloque.1.as_deref(), Some("Médias24"));
    assert_eq!(
        colloque.3.as_deref(),
        Some(colloque_url.as_str()),
        "resolved online"
    );
    let failed = by_title["Un lien que Google ne résout pas"];
    assert_eq!(
        failed.3.as_deref(),
        Some(opaque_link(1).as_str()),
        "a failure keeps the Google link"
    );
    let hits = |kind| news.hits(kind);
    assert_eq!(
        hits("batchexecute"),
        10,
        "at most 10 asked per source and run"
    );
    let waiting: i64 =
        sqlx::query_scalar("SELECT count(*) FROM articles WHERE link = aggregator_link")
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(waiting, 1 + 4, "the failed link and the four not yet asked");

    // The next run asks about the four that waited, and nothing twice.
    let report = util::run(&config, true).await;
    assert_eq!(hits("batchexecute"), 14);
    let unchanged = report
        .sources
        .iter()
        .find(|s| s.name == "Google News Maroc")
        .and_then(|s| s.result.as_ref().ok())
        .is_some_and(|ok| ok.http_status == 304);
    assert!(unchanged, "the search feed answered 304");
    let waiting: Vec<String> =
        sqlx::query_scalar("SELECT title FROM articles WHERE link = aggregator_link")
            .fetch_all(&db)
            .await
            .unwrap();
    assert_eq!(
        waiting,
        ["Un lien que Google ne résout pas"],
        "failed recently: not asked again yet"
    );
    util::run(&config, true).await;
    assert_eq!(hits("batchexecute"), 14);

    // The Google News item and the outlet's own report are one story,
    // whether the link was decoded offline, resolved online at once, or
    // resolved by a later run.
    let breve_url = format!("{base}/outlet/breve-12.html");
    for url in [strategy_url, colloque_url, &breve_url] {
        let clusters: Vec<Option<i64>> =
            sqlx::query_scalar("SELECT cluster_id FROM articles WHERE url = ? ORDER BY id")
                .bind(url)
                .fetch_all(&db)
                .await
                .unwrap();
        assert_eq!(clusters.len(), 2, "{url}");
        assert!(
            clusters[0].is_some() && clusters[0] == clusters[1],
            "{url}: {clusters:?}"
        );
    }
    db.close().await;

    // Published with the outlet's name, found by `source:`.
    let feed: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("public/all/feed.json")).unwrap())
            .unwrap();
    let published = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["title"] == "Le Maroc adopte une stratégie IA")
        .unwrap();
    assert_eq!(published["url"], strategy_url.as_str());
    assert_eq!(published["_veille"]["outlet"]["name"], "Hespress FR");
    assert_eq!(published["authors"][0]["name"], "Hespress FR");
    let page = std::fs::read_to_string(dir.path().join("public/all/index.html")).unwrap();
    let line = page
        .lines()
        .flat_map(|l| l.split("<li"))
        .find(|l| l.contains("Le Maroc adopte une stratégie IA"))
        .unwrap();
    assert!(
        line.contains("Hespress FR"),
        "the page names the outlet: {line}"
    );
    let rss_file = std::fs::read_to_string(dir.path().join("public/all/rss.xml")).unwrap();
    assert!(rss_file.contains("<source url=\"https://fr.hespress.com\">Hespress FR</source>"));
    let config_path = dir.path().join("config.toml");
    // A link resolved at a later run is searchable by its outlet's URL:
    // the Google News item as well as the outlet's own report.
    let by_url = searched(&config_path, "url:\"breve 12\"");
    assert_eq!(by_url.len(), 2, "{by_url:?}");
    let titles = searched(&config_path, "source:Médias24");
    assert_eq!(titles, ["Colloque sur l'IA - Rabat"]);
    // `-source:` keeps the articles that name no outlet.
    let titles = searched(&config_path, "ia -source:Médias24");
    let has = |t: &str| titles.iter().any(|s| s == t);
    assert!(has("Stratégie nationale de l'IA"), "{titles:?}");
    assert!(has("Le Maroc adopte une stratégie IA"), "{titles:?}");
    assert!(!has("Colloque sur l'IA - Rabat"), "{titles:?}");
}

/// The titles `veille search --json QUERY` finds.
fn searched(config: &std::path::Path, query: &str) -> Vec<String> {
    let out = util::veille(config, &["search", "--json", "--limit", "100", query]);
    let found: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap().to_string())
        .collect()
}

/// The same links on PostgreSQL: resolved at once or at a later run, each
/// asked once, joined to the outlet's story, and searchable by the
/// outlet's URL (its own SQL for the index row).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_resolves_and_joins_as_sqlite_does() {
    let Some(url) = util::postgres::fresh_database("aggregator").await else {
        return;
    };
    let news = serve_google_news().await;
    let dir = tempfile::tempdir().unwrap();
    let config =
        util::postgres::on_postgres(util::config_with(dir.path(), "", &news.sources), &url);
    util::run(&config, true).await;
    assert_eq!(news.hits("batchexecute"), 10);
    // Times are stored to the second, and with `--all` a worker skips the
    // sources fetched since its run started: the next run starts in the
    // next second, as it would under cron.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    util::run(&config, true).await;
    assert_eq!(news.hits("batchexecute"), 14, "the four that waited");

    let pg = sqlx::PgPool::connect(&url).await.unwrap();
    let breve_url = format!("{}/outlet/breve-12.html", news.base);
    for url in [&news.strategy_url, &news.colloque_url, &breve_url] {
        let clusters: Vec<Option<i64>> =
            sqlx::query_scalar("SELECT cluster_id FROM articles WHERE url = $1 ORDER BY id")
                .bind(url)
                .fetch_all(&pg)
                .await
                .unwrap();
        assert_eq!(clusters.len(), 2, "{url}");
        assert!(
            clusters[0].is_some() && clusters[0] == clusters[1],
            "{url}: {clusters:?}"
        );
    }
    pg.close().await;

    let store = veille::store::Store::open(&config.database).await.unwrap();
    let mut query = veille::filter::Query::parse("url:\"breve 12\"").unwrap();
    let compiled = store
        .compile_query(&mut query, chrono::Utc::now())
        .await
        .unwrap();
    let found = store.search(&compiled, None, 100).await.unwrap();
    assert_eq!(found.len(), 2, "{found:?}");
    store.close().await;
}
