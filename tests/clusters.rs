//! Story clustering measured on labelled pairs (`tests/fixtures/story_pairs.json`):
//! the same story rewritten by two outlets, and different stories on the
//! same topic, in French, English and Arabic. Each pair goes through the
//! real path: normalisation, then the store's clustering on insert.

use std::path::Path;

use chrono::{Duration, TimeZone, Utc};
use veille::parse::{ParsedFeed, ParsedItem};
use veille::store::{FetchRecord, NewSource, PreparedArticles, Store};

#[derive(serde::Deserialize)]
struct Pair {
    lang: String,
    same: bool,
    a: String,
    b: String,
}

fn article(text: &str, guid: &str, at: chrono::DateTime<Utc>) -> veille::model::Article {
    let feed = ParsedFeed {
        items: vec![ParsedItem {
            id: Some(guid.into()),
            title: Some(text.chars().take(60).collect()),
            content: Some(format!("<p>{text}</p>").into()),
            published: Some(at),
            ..ParsedItem::default()
        }],
        ..ParsedFeed::default()
    };
    let url = url::Url::parse("https://outlet.example/feed").unwrap();
    let context = veille::normalise::SourceContext {
        feed_url: &url,
        language: None,
    };
    veille::normalise::normalise_feed(&feed, &context).remove(0)
}

fn record(source_id: i64, name: &str, at: chrono::DateTime<Utc>) -> FetchRecord {
    FetchRecord {
        items_seen: 1,
        ..FetchRecord::succeeded(source_id, name, "https://outlet.example/feed", at)
    }
}

#[tokio::test]
async fn clustering_precision_and_recall_on_labelled_pairs() {
    let pairs: Vec<Pair> = serde_json::from_slice(
        &std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/story_pairs.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("veille.db"))
        .await
        .unwrap();
    let tags: Vec<String> = Vec::new();
    let new = |name: &'static str| NewSource {
        name,
        url: "https://outlet.example/feed",
        kind: "feed",
        tags: &tags,
        language: None,
        enabled: true,
        fingerprint: "x",
    };
    let states = store
        .sync_sources(&[new("Outlet A"), new("Outlet B")], Utc::now())
        .await
        .unwrap();
    let (a_id, b_id) = (states["Outlet A"].id, states["Outlet B"].id);
    let start = Utc.with_ymd_and_hms(2025, 1, 1, 8, 0, 0).unwrap();
    let (mut tp, mut fp, mut fn_, mut per_lang) = (
        0,
        0,
        0,
        std::collections::BTreeMap::<String, (u32, u32)>::new(),
    );
    for (i, pair) in pairs.iter().enumerate() {
        // Pairs ten days apart: only the two articles of a pair can meet.
        let at = start + Duration::days(10 * i as i64);
        let later = at + Duration::hours(3);
        store
            .commit_fetch(
                &record(a_id, "Outlet A", at),
                &PreparedArticles::new("Outlet A", vec![article(&pair.a, &format!("a{i}"), at)]),
            )
            .await
            .unwrap();
        store
            .commit_fetch(
                &record(b_id, "Outlet B", later),
                &PreparedArticles::new("Outlet B", vec![article(&pair.b, &format!("b{i}"), later)]),
            )
            .await
            .unwrap();
    }
    veille::pipeline::cluster_new_articles(&store, start - Duration::days(1), None)
        .await
        .unwrap();
    let pool = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        dir.path().join("veille.db").display()
    ))
    .await
    .unwrap();
    for (i, pair) in pairs.iter().enumerate() {
        let cluster = |guid: String| {
            let pool = pool.clone();
            async move {
                sqlx::query_scalar::<_, Option<i64>>(
                    "SELECT cluster_id FROM articles WHERE guid = ?1",
                )
                .bind(guid)
                .fetch_one(&pool)
                .await
                .unwrap()
            }
        };
        let (ca, cb) = (
            cluster(format!("a{i}")).await,
            cluster(format!("b{i}")).await,
        );
        let clustered = ca.is_some() && ca == cb;
        match (clustered, pair.same) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, true) => fn_ += 1,
            (false, false) => {}
        }
        let entry = per_lang.entry(pair.lang.clone()).or_default();
        entry.1 += 1;
        if clustered == pair.same {
            entry.0 += 1;
        }
    }
    let precision = f64::from(tp) / f64::from((tp + fp).max(1));
    let recall = f64::from(tp) / f64::from((tp + fn_).max(1));
    eprintln!(
        "story clustering on {} labelled pairs: precision {precision:.2}, recall {recall:.2}, per language (right/total): {per_lang:?}",
        pairs.len()
    );
    assert!(
        pairs.iter().filter(|p| p.same).count() >= 12
            && pairs.iter().filter(|p| !p.same).count() >= 12
    );
    assert!(precision >= 0.9, "precision {precision:.2}");
    assert!(recall >= 0.9, "recall {recall:.2}");
}
