//! The search index follows the articles: inserts, revisions and deletes
//! land in it in the same transactions, a changed analysis rebuilds it,
//! and newest-first searches look back as far as they need.

use chrono::{Duration, Utc};
use veille::filter::Query;
use veille::model::Article;
use veille::store::{FetchRecord, NewSource, PreparedArticles, Store};

fn article(guid: &str, title: &str, text: &str, at: chrono::DateTime<Utc>) -> Article {
    Article {
        dedup_key: format!("guid:{guid}"),
        guid: Some(guid.into()),
        title: title.into(),
        content_text: text.into(),
        published_at: Some(at),
        language: Some("fr".into()),
        content_hash: format!("{title}|{text}|{at}"),
        ..Article::default()
    }
}

fn record(source_id: i64, at: chrono::DateTime<Utc>) -> FetchRecord {
    FetchRecord {
        items_seen: 1,
        ..FetchRecord::succeeded(source_id, "Le Desk", "https://ledesk.example/feed", at)
    }
}

async fn open(dir: &std::path::Path) -> (Store, i64) {
    with_source(Store::open_sqlite(&dir.join("veille.db")).await.unwrap()).await
}

/// `store` with the one source these tests store under, and its id.
async fn with_source(store: Store) -> (Store, i64) {
    let tags = vec!["maroc".to_string()];
    let states = store
        .sync_sources(
            &[NewSource {
                name: "Le Desk",
                url: "https://ledesk.example/feed",
                kind: "feed",
                tags: &tags,
                language: None,
                enabled: true,
                fingerprint: "x",
            }],
            Utc::now(),
        )
        .await
        .unwrap();
    (store, states["Le Desk"].id)
}

async fn titles(
    store: &Store,
    query: &str,
    since: Option<chrono::DateTime<Utc>>,
    limit: usize,
) -> Vec<String> {
    let mut q = Query::parse(query).unwrap();
    let compiled = store.compile_query(&mut q, Utc::now()).await.unwrap();
    store
        .search(&compiled, since, limit)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.article.title)
        .collect()
}

async fn fts_integrity(dir: &std::path::Path) {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.join("veille.db").display()))
        .await
        .unwrap();
    sqlx::query("INSERT INTO article_index(article_index) VALUES('integrity-check')")
        .execute(&pool)
        .await
        .unwrap();
    let (articles, rows): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM article_index)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(articles, rows, "one index row per article");
    pool.close().await;
}

#[tokio::test]
async fn newest_first_search_looks_back_as_far_as_needed() {
    let dir = tempfile::tempdir().unwrap();
    let (store, source) = open(dir.path()).await;
    let now = Utc::now();
    // Two years of articles, fetched as they were published, one in three
    // about governance: few in the last month, most long ago.
    let mut expected = Vec::new();
    for i in (0..240).rev() {
        let at = now - Duration::days(3 * i as i64 + 1);
        let about = i % 3 == 0;
        let title = format!("article {i}");
        let text = if about {
            "la gouvernance des données"
        } else {
            "le marché du phosphate"
        };
        if about {
            expected.push(title.clone());
        }
        store
            .commit_fetch(
                &record(source, at),
                &PreparedArticles::new(
                    "Le Desk",
                    vec![article(&format!("g{i}"), &title, text, at)],
                ),
            )
            .await
            .unwrap();
    }
    expected.reverse(); // newest first
    assert_eq!(titles(&store, "gouvernance", None, 5).await, expected[..5]);
    assert_eq!(
        titles(&store, "gouvernance", None, 50).await,
        expected[..50]
    );
    assert_eq!(titles(&store, "gouvernance", None, 1000).await, expected);
    let year_ago = now - Duration::days(365);
    let within_year: Vec<String> = titles(&store, "gouvernance", Some(year_ago), 1000).await;
    assert_eq!(within_year.len(), 41, "{within_year:?}");
    assert_eq!(within_year, expected[..41]);
    assert!(
        titles(&store, "phosphate gouvernance", None, 10)
            .await
            .is_empty()
    );
    fts_integrity(dir.path()).await;
    // The daily optimization merges the index without changing answers;
    // a new index counts as optimized when it is built.
    let day = Duration::hours(24);
    assert!(!store.optimize_search_index_if_due(now).await.unwrap());
    assert!(store.optimize_search_index_if_due(now + day).await.unwrap());
    assert!(
        !store
            .optimize_search_index_if_due(now + day + Duration::hours(23))
            .await
            .unwrap()
    );
    assert_eq!(
        titles(&store, "gouvernance", None, 50).await,
        expected[..50]
    );
    fts_integrity(dir.path()).await;
    assert!(
        store
            .optimize_search_index_if_due(now + day * 2)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn revisions_and_deletes_keep_the_index_in_step() {
    let dir = tempfile::tempdir().unwrap();
    let (store, source) = open(dir.path()).await;
    let now = Utc::now();
    let long_ago = now - Duration::days(200);
    for i in 0..20 {
        let at = long_ago + Duration::hours(i);
        store
            .commit_fetch(
                &record(source, at),
                &PreparedArticles::new(
                    "Le Desk",
                    vec![article(
                        &format!("old{i}"),
                        &format!("ancien {i}"),
                        "la sécheresse au Maroc",
                        at,
                    )],
                ),
            )
            .await
            .unwrap();
    }
    assert_eq!(titles(&store, "secheresse", None, 100).await.len(), 20);
    // An article fetched 200 days ago is revised today, with a new date
    // and new words: a month's search finds it, by its new words only.
    store
        .commit_fetch(
            &record(source, now),
            &PreparedArticles::new(
                "Le Desk",
                vec![article(
                    "old3",
                    "ancien 3, mis à jour",
                    "la régulation de l'intelligence artificielle",
                    now,
                )],
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        titles(&store, "regulation", Some(now - Duration::days(30)), 10).await,
        ["ancien 3, mis à jour"]
    );
    assert_eq!(titles(&store, "secheresse", None, 100).await.len(), 19);
    fts_integrity(dir.path()).await;

    // A user deletes articles with sqlite3: their index rows go too.
    let pool = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        dir.path().join("veille.db").display()
    ))
    .await
    .unwrap();
    sqlx::query("DELETE FROM articles WHERE title LIKE 'ancien 1%'")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    assert_eq!(titles(&store, "secheresse", None, 100).await.len(), 19 - 11);
    fts_integrity(dir.path()).await;
    store.close().await;
}

#[tokio::test]
async fn a_new_analysis_rebuilds_the_index_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let (store, source) = open(dir.path()).await;
    let now = Utc::now();
    store
        .commit_fetch(
            &record(source, now),
            &PreparedArticles::new(
                "Le Desk",
                vec![
                    article(
                        "a",
                        "Stratégie numérique",
                        "les régulations du numérique",
                        now,
                    ),
                    article("b", "Pluies", "la météo", now),
                ],
            ),
        )
        .await
        .unwrap();
    store.close().await;
    // As after an upgrade whose analysis differs: the recorded version is
    // not this one's, and the index is stale.
    let pool = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        dir.path().join("veille.db").display()
    ))
    .await
    .unwrap();
    sqlx::query("UPDATE index_meta SET analyzer_version = -1")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM article_index")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let (store, _) = open(dir.path()).await;
    assert_eq!(
        titles(&store, "regulation", None, 10).await,
        ["Stratégie numérique"]
    );
    assert_eq!(titles(&store, "meteo", None, 10).await, ["Pluies"]);
    fts_integrity(dir.path()).await;
    store.close().await;
}

#[tokio::test]
async fn a_whole_word_regex_looks_its_word_up_and_finds_what_the_expression_finds() {
    let dir = tempfile::tempdir().unwrap();
    let (store, source) = open(dir.path()).await;
    whole_word_regex(&store, source, r#"(body : ("gitex"))"#).await;
}

#[tokio::test]
async fn a_whole_word_regex_finds_what_the_expression_finds_on_postgres() {
    let Some(url) = crate::util::postgres::fresh_database("whole_word").await else {
        return;
    };
    let config = veille::config::DatabaseConfig::Postgres {
        url,
        lease: std::time::Duration::from_secs(600),
    };
    let (store, source) = with_source(Store::open(&config).await.unwrap()).await;
    whole_word_regex(&store, source, "'gitex'").await;
    store.close().await;
}

/// Whole-word expressions against the forms outlets write the word in:
/// the answers are the expression's own, and the word is looked up in the
/// index (`looked_up`, as `--explain` shows it) only where the expression
/// must match.
async fn whole_word_regex(store: &Store, source: i64, looked_up: &str) {
    let now = Utc::now();
    // The word in the contexts outlets write it in, and look-alikes the
    // expression must not match.
    let texts = [
        ("fr", "Le GITEX Africa ouvre à Marrakech, Maroc."),
        (
            "fr",
            "Au Maroc, l'édition du GITEX-Africa attire les start-up.",
        ),
        (
            "en",
            "Morocco hosts GITEX's Africa edition in Maroc's red city",
        ),
        ("fr", "Maroc : «GITEX» revient, gitex."),
        ("ar", "المغرب يحتضن معرض GITEX إفريقيا في مراكش maroc"),
        ("fr", "Le GITEX2024 au Maroc"),
        ("fr", "Le salon XGITEX du Maroc"),
        ("fr", "Le Maroc et l'intelligence artificielle"),
        ("en", "GITEX without the country"),
        ("fr", "Gitex_Maroc est un compte, pas un mot"),
    ];
    let mut articles = Vec::new();
    for (i, (lang, text)) in texts.iter().enumerate() {
        let at = now - Duration::hours(i as i64 + 1);
        let mut a = article(&format!("w{i}"), &format!("t{i}"), text, at);
        a.language = Some((*lang).into());
        articles.push(a);
    }
    store
        .commit_fetch(
            &record(source, now),
            &PreparedArticles::new("Le Desk", articles),
        )
        .await
        .unwrap();
    let gitex = regex::RegexBuilder::new(r"\bGITEX\b")
        .case_insensitive(true)
        .build()
        .unwrap();
    let maroc = |t: &str| veille::normalise::words(t).iter().any(|w| w == "maroc");
    let expected = |keep: &dyn Fn(&str) -> bool| -> Vec<String> {
        texts
            .iter()
            .enumerate()
            .filter(|(_, (_, t))| keep(t))
            .map(|(i, _)| format!("t{i}"))
            .collect()
    };
    type Keep<'a> = &'a dyn Fn(&str) -> bool;
    let cases: [(&str, Keep); 4] = [
        (r"/\bGITEX\b/", &|t| gitex.is_match(t)),
        (r"/\bGITEX\b/ maroc", &|t| gitex.is_match(t) && maroc(t)),
        (r"maroc NOT /\bGITEX\b/", &|t| {
            maroc(t) && !gitex.is_match(t)
        }),
        (r"maroc OR /\bgitex\b/", &|t| maroc(t) || gitex.is_match(t)),
    ];
    for (query, keep) in cases {
        let want = expected(keep);
        assert!(!want.is_empty(), "{query}");
        assert_eq!(titles(store, query, None, 100).await, want, "{query}");
    }
    // The word goes to the index where the expression must match, and
    // only there.
    let explain = |query: &str| {
        let query = query.to_string();
        async move {
            let mut q = Query::parse(&query).unwrap();
            store.compile_query(&mut q, now).await.unwrap().explain()
        }
    };
    assert!(explain(r"/\bGITEX\b/ maroc").await.contains(looked_up));
    assert!(explain(r"/\bGITEX\b/").await.contains(looked_up));
    assert!(!explain(r"maroc NOT /\bGITEX\b/").await.contains(looked_up));
    assert!(!explain(r"maroc OR /\bGITEX\b/").await.contains(looked_up));
    assert!(!explain(r"/\bGITEX\w*/ maroc").await.contains(looked_up));
}
