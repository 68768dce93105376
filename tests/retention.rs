//! Retention on a real database: `veille prune --dry-run` changes nothing
//! and lists exactly what the rules select; the real prune removes that
//! list and nothing else (published items, each source's newest and
//! sources with a longer `max_age` stay), keeps story clusters whole,
//! passes integrity checks and shrinks the file; a prune killed midway
//! loses nothing that should stay; `veille run` prunes once a day.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use veille::model::Article;
use veille::store::{FetchRecord, PreparedArticles, SourceEvent, Store};

use crate::util::{self, FixtureServer};

const SOURCES: [&str; 4] = ["Outlet A", "Outlet B", "Outlet C", "Outlet D"];

/// A: the default 30 days, B: its own year, C: its own 10 days, D (which
/// stopped publishing 40 days ago): the default; the 3 newest of each
/// stay; what the `maroc` feed (4 items) publishes stays.
fn config_text(database: &str, keep_published: bool) -> String {
    let mut text = format!(
        "[database]\nurl = \"{database}\"\n\n[publish]\ndir = \"public\"\nbase_url = \"https://example.org/\"\n\n\
         [retention]\nmax_age = \"30d\"\nkeep_per_source = 3\nkeep_published = {keep_published}\nkeep_history = \"30d\"\n\n"
    );
    for (name, own) in SOURCES
        .iter()
        .zip(["", "max_age = \"365d\"\n", "max_age = \"10d\"\n", ""])
    {
        text.push_str(&format!(
            "[[source]]\nname = \"{name}\"\nurl = \"http://127.0.0.1:9/{}\"\n{own}\n",
            name.replace(' ', "-")
        ));
    }
    text.push_str("[[feed]]\nslug = \"maroc\"\ntitle = \"Maroc\"\nlimit = 4\nquery = \"maroc\"\n");
    text
}

/// Words no query of these tests looks for, to give articles a body.
fn filler(seed: usize, words: usize) -> String {
    (0..words)
        .map(|i| format!("mot{}", (seed * 7919 + i * 104_729) % 5000))
        .collect::<Vec<_>>()
        .join(" ")
}

/// One article of `source`, `days` (and a half) ago.
fn article(source: &str, days: i64, story: Option<&str>, now: DateTime<Utc>) -> Article {
    let at = now - Duration::days(days) - Duration::hours(12);
    let maroc = source == "Outlet A" && days % 10 == 4;
    let title = format!("{source} jour {days}{}", if maroc { " maroc" } else { "" });
    let text = format!("{title} {}", filler(days as usize * 3 + source.len(), 250));
    Article {
        dedup_key: format!("guid:{source}/{days}"),
        guid: Some(format!("{source}/{days}")),
        title: title.clone(),
        content: Some(format!("<p>{text}</p>")),
        content_text: text.clone(),
        published_at: Some(at),
        language: Some("fr".into()),
        story_terms: story.map(|s| (0..30).map(|i| format!("{s}{i:02}")).collect()),
        content_hash: format!("{title}|{text}"),
        ..Article::default()
    }
}

/// The three stories told by several outlets: (days ago, story, outlets in
/// the order they were stored, so the first names the cluster).
const STORIES: [(i64, &str, [&str; 3]); 3] = [
    // A's and C's copies go; B's stays alone: no cluster left.
    (40, "alpha", ["Outlet A", "Outlet B", "Outlet C"]),
    // C's copy (the cluster's name) goes; A's (published) and B's stay.
    (34, "bravo", ["Outlet C", "Outlet A", "Outlet B"]),
    // C's copy goes; the cluster keeps its name (A's).
    (20, "charlie", ["Outlet A", "Outlet B", "Outlet C"]),
];

/// Fills the database with 30 articles per source over 60 days (D: 10,
/// from 40 to 58 days ago), stored as they were published, and clusters
/// them.
async fn fill(store: &Store, now: DateTime<Utc>) {
    let sources: Vec<(String, String)> = SOURCES
        .iter()
        .map(|s| {
            (
                s.to_string(),
                format!("http://127.0.0.1:9/{}", s.replace(' ', "-")),
            )
        })
        .collect();
    let states = util::plain_sources(store, &sources, now).await;
    for days in (0..30).rev().map(|d| d * 2) {
        let story = STORIES.iter().find(|(d, _, _)| *d == days);
        let mut order: Vec<&str> = story.map_or(Vec::new(), |(_, _, order)| order.to_vec());
        order.extend(
            SOURCES
                .iter()
                .filter(|s| !order.contains(s))
                .collect::<Vec<_>>(),
        );
        for source in order {
            if source == "Outlet D" && days < 40 {
                continue;
            }
            let told = story.filter(|(_, _, outlets)| outlets.contains(&source));
            let a = article(source, days, told.map(|(_, s, _)| *s), now);
            let at = a.published_at.unwrap() + Duration::minutes(5);
            let mut record = FetchRecord {
                items_seen: 1,
                ..FetchRecord::succeeded(states[source].id, source, "http://127.0.0.1:9/", at)
            };
            if source == "Outlet B" && (days == 58 || days == 2) {
                record.events.push(SourceEvent {
                    kind: "recovered",
                    detail: format!("back after an outage {days} days ago"),
                });
            }
            let prepared = PreparedArticles::new(source, vec![a]);
            store.commit_fetch(&record, &prepared).await.unwrap();
        }
    }
    veille::pipeline::cluster_new_articles(store, now - Duration::days(365), None)
        .await
        .unwrap();
}

/// What the rules remove, worked out from the data: (source, days ago).
fn expected_pruned() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for days in (0..60).step_by(2) {
        let published = days % 10 == 4 && days <= 34;
        if days >= 30 && !published {
            out.insert(format!("guid:Outlet A/{days}"));
        }
        if days >= 10 {
            out.insert(format!("guid:Outlet C/{days}"));
        }
        // All of D is old: its newest 3 (40, 42, 44) stay.
        if days >= 46 {
            out.insert(format!("guid:Outlet D/{days}"));
        }
    }
    out
}

/// Every article's uid → identity key, through SQL as a user would.
async fn identities(pool: &sqlx::SqlitePool) -> HashMap<String, String> {
    sqlx::query_as::<_, (String, String)>("SELECT uid, dedup_key FROM articles")
        .fetch_all(pool)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

/// Story clusters as the schema documents them: a cluster is named after
/// its first (lowest id) article and has at least two.
async fn assert_clusters_whole(pool: &sqlx::SqlitePool) -> Vec<(String, Vec<String>)> {
    let rows: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT id, cluster_id, dedup_key FROM articles WHERE cluster_id IS NOT NULL ORDER BY id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut clusters: std::collections::BTreeMap<i64, Vec<(i64, String)>> = Default::default();
    for (id, cluster, key) in rows {
        clusters.entry(cluster).or_default().push((id, key));
    }
    let mut out = Vec::new();
    for (cluster, members) in clusters {
        assert!(members.len() >= 2, "cluster {cluster} of one: {members:?}");
        assert_eq!(
            members[0].0, cluster,
            "cluster named after its first article"
        );
        out.push((
            members[0].1.clone(),
            members.into_iter().map(|(_, k)| k).collect(),
        ));
    }
    out
}

async fn assert_integrity(pool: &sqlx::SqlitePool) {
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(check, "ok");
    sqlx::query("INSERT INTO article_index(article_index) VALUES('integrity-check')")
        .execute(pool)
        .await
        .unwrap();
    let (articles, rows): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM article_index)",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(articles, rows, "one index row per article");
}

fn sha256(path: &Path) -> String {
    format!("{:x}", Sha256::digest(std::fs::read(path).unwrap()))
}

fn prune_json(config: &Path, args: &[&str]) -> serde_json::Value {
    let out = util::veille(config, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn uids(report: &serde_json::Value) -> BTreeSet<String> {
    report["uids"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|u| u.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// A filled SQLite archive in `dir`, closed; returns the config path.
async fn sqlite_archive(dir: &Path, keep_published: bool) -> PathBuf {
    let config = dir.join("config.toml");
    std::fs::write(&config, config_text("sqlite://veille.db", keep_published)).unwrap();
    let store = Store::open_sqlite(&dir.join("veille.db")).await.unwrap();
    fill(&store, Utc::now()).await;
    store.close().await;
    config
}

async fn pool(dir: &Path) -> sqlx::SqlitePool {
    sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.join("veille.db").display()))
        .await
        .unwrap()
}

#[tokio::test]
async fn dry_run_changes_nothing_and_the_prune_removes_exactly_its_list() {
    let dir = tempfile::tempdir().unwrap();
    let config = sqlite_archive(dir.path(), true).await;
    let file = dir.path().join("veille.db");
    let db = pool(dir.path()).await;
    let keys = identities(&db).await;
    // An old article waiting in an alert's next delivery stays.
    sqlx::query("INSERT INTO alerts (name) VALUES ('digest')")
        .execute(&db)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO alert_items (alert, article_id, feed, queued_at)
         SELECT 'digest', id, 'maroc', '2026-01-01T00:00:00Z' FROM articles WHERE dedup_key = 'guid:Outlet C/50'",
    )
    .execute(&db)
    .await
    .unwrap();
    // Resolved Google News links: an old one no article has any more goes;
    // an old one a kept article still has, and a recent one, stay. The
    // link of an article this prune removes goes at the next one, as the
    // dry run counts.
    sqlx::query(
        "UPDATE articles SET aggregator_link = 'https://news.google.com/rss/articles/kept'
         WHERE dedup_key = 'guid:Outlet A/34'",
    )
    .execute(&db)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE articles SET aggregator_link = 'https://news.google.com/rss/articles/of-a-pruned-article'
         WHERE dedup_key = 'guid:Outlet C/40'",
    )
    .execute(&db)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO link_resolutions (link, url, attempts, resolved_at, failed_at) VALUES
         ('https://news.google.com/rss/articles/gone', 'https://le360.ma/a', 1, '2025-01-01T00:00:00Z', NULL),
         ('https://news.google.com/rss/articles/kept', 'https://le360.ma/b', 1, '2025-01-01T00:00:00Z', NULL),
         ('https://news.google.com/rss/articles/of-a-pruned-article', 'https://le360.ma/c', 1, '2025-01-01T00:00:00Z', NULL),
         ('https://news.google.com/rss/articles/failed-long-ago', NULL, 5, NULL, '2025-01-01T00:00:00Z'),
         ('https://news.google.com/rss/articles/recent', NULL, 1, NULL, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
    )
    .execute(&db)
    .await
    .unwrap();
    db.close().await;
    let before = sha256(&file);
    let size_before = std::fs::metadata(&file).unwrap().len();
    let mut expected = expected_pruned();
    assert!(expected.remove("guid:Outlet C/50"));

    let dry = prune_json(&config, &["prune", "--dry-run", "--list", "--json"]);
    assert_eq!(sha256(&file), before, "a dry run changes nothing");
    let listed: BTreeSet<String> = uids(&dry).iter().map(|u| keys[u].clone()).collect();
    assert_eq!(listed, expected);
    assert_eq!(dry["dry_run"], true);
    let per_source: HashMap<String, u64> = dry["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["source"].as_str().unwrap().to_string(),
                s["articles"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        per_source,
        HashMap::from([
            ("Outlet A".into(), 14),
            ("Outlet C".into(), 24),
            ("Outlet D".into(), 7)
        ])
    );
    assert!(
        dry["history"].as_u64().unwrap() > 0,
        "old fetches are counted"
    );
    let text = util::veille(&config, &["prune", "--dry-run"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("would remove 45 articles from 3 sources"),
        "{text}"
    );
    assert!(text.contains("Outlet C") && text.contains("24"), "{text}");

    let real = prune_json(&config, &["prune", "--list", "--json"]);
    assert_eq!(
        uids(&real),
        uids(&dry),
        "the prune removes the dry run's list"
    );
    assert_eq!(real["articles"], 45);
    assert_eq!(
        real["history"], dry["history"],
        "the dry run's history count"
    );
    let db = pool(dir.path()).await;
    let left: BTreeSet<String> = identities(&db).await.into_values().collect();
    let all: BTreeSet<String> = keys.values().cloned().collect();
    assert_eq!(left, &all - &expected, "nothing else went");
    assert_integrity(&db).await;
    let clusters = assert_clusters_whole(&db).await;
    assert_eq!(
        clusters,
        vec![
            (
                "guid:Outlet A/34".to_string(),
                vec!["guid:Outlet A/34".to_string(), "guid:Outlet B/34".into()]
            ),
            (
                "guid:Outlet A/20".to_string(),
                vec!["guid:Outlet A/20".to_string(), "guid:Outlet B/20".into()]
            ),
        ],
        "alpha is undone, bravo renamed after its first remaining article, charlie kept"
    );
    let old_fetches: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM fetches WHERE started_at < strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-30 days')",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(old_fetches, 0, "history past keep_history is gone");
    let links: Vec<String> = sqlx::query_scalar("SELECT link FROM link_resolutions ORDER BY link")
        .fetch_all(&db)
        .await
        .unwrap();
    assert_eq!(
        links,
        [
            "https://news.google.com/rss/articles/kept",
            "https://news.google.com/rss/articles/of-a-pruned-article",
            "https://news.google.com/rss/articles/recent"
        ],
        "old resolutions go unless an article still has the link"
    );
    let again = prune_json(&config, &["prune", "--json"]);
    assert_eq!(again["articles"], 0);
    assert_eq!(again["history"], 1, "the pruned article's link, now");
    let (freelist, mode): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT freelist_count FROM pragma_freelist_count), (SELECT auto_vacuum FROM pragma_auto_vacuum)",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    db.close().await;
    assert_eq!(
        (freelist, mode),
        (0, 2),
        "incremental auto_vacuum returned every free page"
    );
    let size_after = std::fs::metadata(&file).unwrap().len();
    assert!(
        size_after < size_before,
        "the file shrinks: {size_before} -> {size_after}"
    );
    assert!(real["bytes_after"].as_u64() < real["bytes_before"].as_u64());

    // Published items are still published.
    let published = util::veille(&config, &["publish"]);
    assert!(published.status.success());
    assert_eq!(
        util::feed_titles(&dir.path().join("public/maroc/feed.json")),
        [
            "Outlet A jour 4 maroc",
            "Outlet A jour 14 maroc",
            "Outlet A jour 24 maroc",
            "Outlet A jour 34 maroc"
        ]
    );
    // The publish forgot the alert, which is not in the config: the item
    // it held goes at the next prune, and nothing else.
    let again = prune_json(&config, &["prune", "--list", "--json"]);
    assert_eq!(again["articles"], 1);
    let gone: Vec<String> = uids(&again).iter().map(|u| keys[u].clone()).collect();
    assert_eq!(gone, ["guid:Outlet C/50"]);
}

#[tokio::test]
async fn an_item_pruned_by_age_leaves_its_feed_at_the_next_publish() {
    let dir = tempfile::tempdir().unwrap();
    let config = sqlite_archive(dir.path(), false).await;
    let feed_file = dir.path().join("public/maroc/feed.json");
    assert!(util::veille(&config, &["publish"]).status.success());
    let items = |path: &Path| util::feed_titles(path);
    assert!(items(&feed_file).contains(&"Outlet A jour 34 maroc".to_string()));
    let pruned = prune_json(&config, &["prune", "--json"]);
    assert_eq!(
        pruned["articles"], 47,
        "without keep_published, A's day 34 goes too"
    );
    let out = util::veille(&config, &["publish"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        items(&feed_file),
        [
            "Outlet A jour 4 maroc",
            "Outlet A jour 14 maroc",
            "Outlet A jour 24 maroc"
        ]
    );
}

#[tokio::test]
async fn prune_without_retention_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[publish]\nbase_url = \"https://example.org/\"\n").unwrap();
    let out = util::veille(&config, &["prune"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("[retention]"));
}

#[tokio::test]
async fn a_prune_killed_midway_loses_nothing_that_should_stay() {
    let dir = tempfile::tempdir().unwrap();
    // Many sources' worth of old articles: the prune takes many batches.
    let template = dir.path().join("template");
    std::fs::create_dir_all(&template).unwrap();
    let config = big_archive(&template).await;
    let should_stay: BTreeSet<String> = {
        let out = prune_json(&config, &["prune", "--dry-run", "--list", "--json"]);
        let db = pool(&template).await;
        let keys = identities(&db).await;
        db.close().await;
        let gone: BTreeSet<String> = uids(&out).iter().map(|u| keys[u].clone()).collect();
        keys.into_values().filter(|k| !gone.contains(k)).collect()
    };
    // How long a whole prune takes here, on a copy.
    let timing = dir.path().join("timing");
    copy_archive(&template, &timing);
    let started = std::time::Instant::now();
    prune_json(&timing.join("config.toml"), &["prune", "--json"]);
    let whole = started.elapsed();

    let mut partial = false;
    for tenth in [5u32, 3, 7, 2, 8, 4, 6, 9] {
        let copy = dir.path().join(format!("kill-{tenth}"));
        copy_archive(&template, &copy);
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("veille"))
            .args(["-q", "-c"])
            .arg(copy.join("config.toml"))
            .arg("prune")
            .spawn()
            .unwrap();
        std::thread::sleep(whole * tenth / 10);
        let _ = child.kill();
        let _ = child.wait();
        let db = pool(&copy).await;
        assert_integrity(&db).await;
        assert_clusters_whole(&db).await;
        let left: BTreeSet<String> = identities(&db).await.into_values().collect();
        db.close().await;
        assert!(
            left.is_superset(&should_stay),
            "a killed prune removed what should stay"
        );
        if left.len() > should_stay.len() && left.len() < 3_600 {
            partial = true;
            // The next prune finishes the job.
            prune_json(&copy.join("config.toml"), &["prune", "--json"]);
            let db = pool(&copy).await;
            let left: BTreeSet<String> = identities(&db).await.into_values().collect();
            db.close().await;
            assert_eq!(left, should_stay);
            break;
        }
    }
    assert!(partial, "no kill landed midway through a {whole:?} prune");
}

/// 3,600 articles of 12 sources over 60 days (with a story at the three
/// outlets every few days), in `dir`; returns the config path.
async fn big_archive(dir: &Path) -> PathBuf {
    let config = dir.join("config.toml");
    std::fs::write(&config, config_text("sqlite://veille.db", true)).unwrap();
    let store = Store::open_sqlite(&dir.join("veille.db")).await.unwrap();
    let now = Utc::now();
    let names: Vec<String> = (0..12).map(|i| format!("Outlet {i}")).collect();
    let sources: Vec<(String, String)> = names
        .iter()
        .map(|n| (n.clone(), "http://127.0.0.1:9/".to_string()))
        .collect();
    let states = util::plain_sources(&store, &sources, now).await;
    for day in (0..60).rev() {
        for name in &names {
            let articles: Vec<Article> = (0..5)
                .map(|n| {
                    let story = (n == 0 && day % 3 == 0).then(|| format!("story{day}"));
                    let mut a = article(name, day, story.as_deref(), now);
                    a.dedup_key = format!("guid:{name}/{day}/{n}");
                    a.content_hash.push_str(&n.to_string());
                    a
                })
                .collect();
            let at = now - Duration::days(day) - Duration::hours(11);
            let record = FetchRecord {
                items_seen: 5,
                ..FetchRecord::succeeded(states[name].id, name.clone(), "http://127.0.0.1:9/", at)
            };
            let prepared = PreparedArticles::new(name, articles);
            store.commit_fetch(&record, &prepared).await.unwrap();
        }
    }
    veille::pipeline::cluster_new_articles(&store, now - Duration::days(365), None)
        .await
        .unwrap();
    store.close().await;
    config
}

fn copy_archive(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for name in ["config.toml", "veille.db"] {
        std::fs::copy(from.join(name), to.join(name)).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn veille_run_prunes_once_a_day_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let config = sqlite_archive(dir.path(), true).await;
    let server = FixtureServer::start().await;
    server.put(
        "news.xml",
        "application/rss+xml",
        util::script::rss("news", 2),
    );
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("http://127.0.0.1:9/Outlet-A", &server.url("news.xml"));
    std::fs::write(&config, text).unwrap();
    let first = util::veille(&config, &["run"]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let line = String::from_utf8_lossy(&first.stdout);
    assert!(line.contains("pruned 46 old articles"), "{line}");
    let second = util::veille(&config, &["run"]);
    let line = String::from_utf8_lossy(&second.stdout);
    assert!(
        second.status.success() && !line.contains("pruned"),
        "{line}"
    );
    let db = pool(dir.path()).await;
    let (prunes, pruned): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM prunes WHERE finished_at IS NOT NULL),
                (SELECT sum(articles_pruned) FROM runs)",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!((prunes, pruned), (1, 46));
    assert_integrity(&db).await;
    db.close().await;
    // The health feed shows the events kept, and not the pruned one.
    let health = std::fs::read_to_string(dir.path().join("public/health/atom.xml")).unwrap();
    assert!(
        health.contains("back after an outage 2 days ago"),
        "{health}"
    );
    assert!(!health.contains("58 days ago"), "{health}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_and_a_writer_go_on_while_a_prune_runs() {
    let dir = tempfile::tempdir().unwrap();
    let config = big_archive(dir.path()).await;
    let url = format!("sqlite://{}", dir.path().join("veille.db").display());
    let options: sqlx::sqlite::SqliteConnectOptions = url.parse().unwrap();
    let options = options.busy_timeout(std::time::Duration::from_secs(10));
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    let mut prune = std::process::Command::new(assert_cmd::cargo::cargo_bin!("veille"))
        .args(["-q", "-c"])
        .arg(&config)
        .arg("prune")
        .spawn()
        .unwrap();
    let (mut reads, mut writes, mut seen) = (0, 0, Vec::new());
    // Bounded: a prune of this archive takes seconds, not minutes.
    for _ in 0..20_000 {
        if prune.try_wait().unwrap().is_some() {
            break;
        }
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM articles")
            .fetch_one(&pool)
            .await
            .expect("a reader is never refused during a prune");
        seen.push(count);
        reads += 1;
        if reads % 10 == 0 {
            let mut tx = pool
                .begin_with("BEGIN IMMEDIATE")
                .await
                .expect("the writer gets in");
            sqlx::query("UPDATE sources SET title = 'still writable' WHERE name = 'Outlet 0'")
                .execute(&mut *tx)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            writes += 1;
        }
    }
    assert!(prune.wait().unwrap().success());
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM articles")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(
        left < 3_600 && reads > 0 && writes > 0,
        "{reads} reads, {writes} writes"
    );
    // Readers see whole batches (500 articles a transaction), never fewer
    // articles than a moment later.
    assert!(
        seen.iter().all(|n| (3_600 - n) % 500 == 0 || *n == left),
        "{seen:?}"
    );
    assert!(seen.windows(2).all(|w| w[0] >= w[1]), "{seen:?}");
    pool.close().await;
}

#[tokio::test]
async fn prune_on_postgres_removes_what_its_dry_run_lists() {
    let Some(url) = util::postgres::fresh_database("prune").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, config_text(&url, true)).unwrap();
    let config = veille::config::Config::load(&path).unwrap();
    let store = Store::open(&config.database).await.unwrap();
    fill(&store, Utc::now()).await;
    store.close().await;
    let pg = sqlx::PgPool::connect(&url).await.unwrap();
    sqlx::query(
        "UPDATE articles SET aggregator_link = 'https://news.google.com/rss/articles/kept'
         WHERE dedup_key = 'guid:Outlet A/34'",
    )
    .execute(&pg)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO link_resolutions (link, url, attempts, resolved_at, failed_at) VALUES
         ('https://news.google.com/rss/articles/gone', 'https://le360.ma/a', 1, '2025-01-01T00:00:00Z', NULL),
         ('https://news.google.com/rss/articles/kept', 'https://le360.ma/b', 1, '2025-01-01T00:00:00Z', NULL),
         ('https://news.google.com/rss/articles/recent', NULL, 1, NULL, now())",
    )
    .execute(&pg)
    .await
    .unwrap();
    pg.close().await;
    let options = |dry_run| veille::pipeline::PruneOptions {
        dry_run,
        list: true,
    };
    let dry = veille::pipeline::prune(&config, options(true))
        .await
        .unwrap();
    assert_eq!(dry.articles, 46);
    let real = veille::pipeline::prune(&config, options(false))
        .await
        .unwrap();
    assert_eq!(
        real.uids.iter().collect::<BTreeSet<_>>(),
        dry.uids.iter().collect::<BTreeSet<_>>()
    );
    let pg = sqlx::PgPool::connect(&url).await.unwrap();
    let keys: BTreeSet<String> = sqlx::query_scalar("SELECT dedup_key FROM articles")
        .fetch_all(&pg)
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert!(keys.is_disjoint(&expected_pruned()));
    assert_eq!(keys.len(), 100 - 46);
    let clusters: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT cluster_id, MIN(id), COUNT(*) FROM articles WHERE cluster_id IS NOT NULL GROUP BY cluster_id",
    )
    .fetch_all(&pg)
    .await
    .unwrap();
    assert_eq!(clusters.len(), 2);
    assert!(
        clusters.iter().all(|(c, first, n)| c == first && *n == 2),
        "{clusters:?}"
    );
    let index_rows: i64 = sqlx::query_scalar("SELECT count(*) FROM article_index")
        .fetch_one(&pg)
        .await
        .unwrap();
    assert_eq!(index_rows, 100 - 46);
    let links: Vec<String> = sqlx::query_scalar("SELECT link FROM link_resolutions ORDER BY link")
        .fetch_all(&pg)
        .await
        .unwrap();
    assert_eq!(
        links,
        [
            "https://news.google.com/rss/articles/kept",
            "https://news.google.com/rss/articles/recent"
        ]
    );
    pg.close().await;
}
