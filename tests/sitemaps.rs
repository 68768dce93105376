//! News sitemaps as a source kind, from a loopback outlet that publishes
//! them the way WordPress/Yoast and Arc sites do: a sitemap index of daily
//! files (one gzip-compressed), news elements, `robots.txt` naming them.
//! Combined with `full_text` the items become whole articles; the index
//! is fetched conditionally; `veille discover` lists the sitemaps.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::util;

#[derive(Default)]
struct Outlet {
    base: String,
    hits: HashMap<String, usize>,
}

type Shared = Arc<Mutex<Outlet>>;

fn news_url(base: &str, slug: &str, title: &str, date: &str) -> String {
    format!(
        "<url><loc>{base}/articles/{slug}.html</loc><news:news><news:publication><news:name>Outlet</news:name>\
         <news:language>fr</news:language></news:publication><news:publication_date>{date}</news:publication_date>\
         <news:title>{title}</news:title><news:keywords>IA, Maroc</news:keywords></news:news></url>"
    )
}

fn urlset(urls: &[String]) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" \
         xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\">{}</urlset>",
        urls.concat()
    )
}

fn gzip(text: &str) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    gz.finish().unwrap()
}

const ARTICLE: &str = "Le ministère de la Transition numérique a publié la feuille de route \
    nationale de l'intelligence artificielle, qui fixe les règles de gouvernance des données \
    publiques, crée un comité d'éthique indépendant et prévoit la formation de dix mille \
    ingénieurs d'ici cinq ans, avec des financements pour les jeunes entreprises marocaines.";

async fn file(State(o): State<Shared>, Path(name): Path<String>, headers: HeaderMap) -> Response {
    let base = {
        let mut outlet = o.lock().unwrap();
        *outlet.hits.entry(name.clone()).or_default() += 1;
        outlet.base.clone()
    };
    let today = chrono::Utc::now();
    let day = |d: i64| {
        (today - chrono::Duration::days(d))
            .format("%Y-%m-%d")
            .to_string()
    };
    let at = |d: i64| format!("{}T09:00:00+01:00", day(d));
    let xml = |body: String| ([(header::CONTENT_TYPE, "application/xml")], body).into_response();
    match name.as_str() {
        "robots.txt" => format!(
            "User-agent: *\nDisallow: /wp-admin/\nSitemap: {base}/sitemap_index.xml\nSitemap: {base}/news-sitemap.xml\n"
        )
        .into_response(),
        "sitemap_index.xml" => {
            if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some("\"idx-1\"") {
                return StatusCode::NOT_MODIFIED.into_response();
            }
            let entry = |file: &str, d: i64| {
                format!("<sitemap><loc>{base}/{file}</loc><lastmod>{}T23:00:00Z</lastmod></sitemap>", day(d))
            };
            let body = format!(
                "<?xml version=\"1.0\"?><sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">{}{}{}{}</sitemapindex>",
                entry("day-3.xml", 3),
                entry("day-0.xml.gz", 0),
                entry("day-1.xml", 1),
                entry("day-2.xml", 2)
            );
            ([(header::CONTENT_TYPE, "application/xml"), (header::ETAG, "\"idx-1\"")], body).into_response()
        }
        "day-0.xml.gz" => (
            [(header::CONTENT_TYPE, "application/x-gzip")],
            gzip(&urlset(&[news_url(&base, "feuille-de-route-ia", "La feuille de route IA publiée", &at(0))])),
        )
            .into_response(),
        "day-1.xml" => xml(urlset(&[news_url(&base, "cndp-avis", "La CNDP rend son avis", &at(1))])),
        "day-2.xml" => xml(urlset(&[news_url(&base, "colloque-rabat", "Colloque à Rabat", &at(2))])),
        "day-3.xml" => xml(urlset(&[news_url(&base, "trop-ancien", "Trop ancien", &at(3))])),
        "news-sitemap.xml" => xml(urlset(&[news_url(&base, "cndp-avis", "La CNDP rend son avis", &at(1))])),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn article(Path(slug): Path<String>) -> Response {
    let html = format!(
        "<html><head><title>{slug}</title></head><body><nav>Accueil Politique Économie</nav>\
         <article><h1>{slug}</h1><p>{ARTICLE}</p><p>{ARTICLE}</p></article><footer>© Outlet</footer></body></html>"
    );
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

async fn home() -> Response {
    (
        [(header::CONTENT_TYPE, "text/html")],
        "<html><head><title>Outlet</title></head><body>Bienvenue</body></html>",
    )
        .into_response()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_news_sitemap_index_becomes_whole_articles() {
    let outlet: Shared = Arc::default();
    let app = Router::new()
        .route("/", get(home))
        .route("/{name}", get(file))
        .route("/articles/{slug}", get(article))
        .with_state(outlet.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    outlet.lock().unwrap().base = base.clone();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let sources = util::source(
        "Outlet (sitemap)",
        &format!("{base}/sitemap_index.xml"),
        "kind = \"sitemap\"\nfull_text = \"auto\"",
    );
    let config = util::config_with(dir.path(), "", &sources);
    let report = util::run(&config, true).await;
    let counts = util::outcome(&report, "Outlet (sitemap)").unwrap().counts;
    assert_eq!(counts.new, 3, "the three newest daily files");
    let hits = |name: &str| outlet.lock().unwrap().hits.get(name).copied().unwrap_or(0);
    assert_eq!(hits("day-3.xml"), 0, "older files are not read");

    let db = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        dir.path().join("veille.db").display()
    ))
    .await
    .unwrap();
    let rows: Vec<(String, String, Option<String>, String, String)> = sqlx::query_as(
        "SELECT title, link, language, categories, content_text FROM articles ORDER BY sort_at DESC",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    db.close().await;
    let titles: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(
        titles,
        [
            "La feuille de route IA publiée",
            "La CNDP rend son avis",
            "Colloque à Rabat"
        ]
    );
    let newest = &rows[0];
    assert_eq!(
        newest.1,
        format!("{base}/articles/feuille-de-route-ia.html")
    );
    assert_eq!(newest.2.as_deref(), Some("fr"));
    assert_eq!(newest.3, "[\"IA\",\"Maroc\"]");
    assert!(
        newest.4.contains("comité d'éthique indépendant"),
        "full text: {}",
        newest.4
    );

    // The index answers 304: nothing else is read.
    let before = hits("day-1.xml");
    let report = util::run(&config, true).await;
    assert_eq!(
        util::outcome(&report, "Outlet (sitemap)")
            .unwrap()
            .http_status,
        304
    );
    assert_eq!(hits("day-1.xml"), before);

    // `veille discover` finds them through robots.txt.
    let out = util::veille(
        &dir.path().join("config.toml"),
        &["discover", &format!("{base}/")],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains(&format!(
            "{base}/sitemap_index.xml  sitemap index of 4 files, the newest a news sitemap"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("{base}/news-sitemap.xml  news sitemap (1 page)")),
        "{text}"
    );
}
