//! The shipped topics on their labelled sets, and the index agreeing with
//! the query evaluator.
//!
//! The shipped topic's examples (`topics/morocco-ai-governance.jsonl`, see
//! `topics/README.md`) and its held-out set
//! (`tests/fixtures/topics/morocco_ai_governance_heldout.jsonl`) are served
//! as feeds on 127.0.0.1, fetched and stored by a real run, and published
//! through the shipped feed: the published JSON Feed is what gets scored.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use chrono::Utc;
use serde_json::Value;

use crate::util::{FixtureServer, config_with, run, shipped_query, source};

struct Item {
    lang: String,
    kind: String,
    relevant: bool,
    title: String,
    summary: String,
    content: Option<String>,
    source: Option<String>,
}

/// The shipped topic's examples: its development set.
fn dev_set() -> Vec<Item> {
    load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("topics/morocco-ai-governance.jsonl"))
}

/// The held-out set: never fitted on, never used to choose anything.
fn held_out() -> Vec<Item> {
    load(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/topics/morocco_ai_governance_heldout.jsonl"),
    )
}

fn load(path: &Path) -> Vec<Item> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            let s = |k: &str| v[k].as_str().unwrap().to_string();
            Item {
                lang: s("lang"),
                kind: v["kind"].as_str().unwrap_or("-").to_string(),
                relevant: v["relevant"].as_bool().unwrap(),
                title: s("title"),
                summary: s("summary"),
                content: v["content"].as_str().map(str::to_string),
                source: v["source"].as_str().map(str::to_string),
            }
        })
        .collect()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The moment the dev set's items are dated back from: one for the whole
/// test binary, so that feeds served twice (to both backends) are the same.
static DATED_FROM: std::sync::LazyLock<chrono::DateTime<Utc>> = std::sync::LazyLock::new(Utc::now);

/// One RSS feed per language, items dated a minute apart.
fn feeds(items: &[Item]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for lang in ["fr", "en", "ar"] {
        let mut xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
             <title>dev {lang}</title><link>http://example.org/{lang}</link><language>{lang}</language>\n"
        );
        for (i, item) in items.iter().enumerate().filter(|(_, it)| it.lang == lang) {
            let date = (*DATED_FROM - chrono::Duration::minutes(i as i64 + 1)).to_rfc2822();
            xml.push_str(&format!(
                "<item><title>{}</title><link>http://example.org/{lang}/{i}</link><guid>dev-{i}</guid>\
                 <pubDate>{date}</pubDate><description>{}</description></item>\n",
                escape(&item.title),
                escape(&item.summary)
            ));
        }
        xml.push_str("</channel></rss>\n");
        out.insert(lang.to_string(), xml);
    }
    out
}

/// Serves the dev set and runs veille with `feeds_toml` as the topics.
async fn run_dev_set(dir: &Path, feeds_toml: &str) -> veille::config::Config {
    run_items(dir, &dev_set(), feeds_toml).await
}

/// Serves `items` and runs veille with `feeds_toml` as the topics.
async fn run_items(dir: &Path, items: &[Item], feeds_toml: &str) -> veille::config::Config {
    run_items_on(dir, items, feeds_toml, None).await
}

/// [`run_items`] on the PostgreSQL database `postgres` when given.
async fn run_items_on(
    dir: &Path,
    items: &[Item],
    feeds_toml: &str,
    postgres: Option<&str>,
) -> veille::config::Config {
    let server = FixtureServer::start().await;
    let mut sources = String::new();
    for (lang, xml) in feeds(items) {
        let name = format!("{lang}.xml");
        server.put(&name, "application/rss+xml", xml);
        sources.push_str(&source(&format!("dev-{lang}"), &server.url(&name), ""));
    }
    let sources = format!("{sources}\n{feeds_toml}");
    let mut config = config_with(dir, "allow_private_networks = true", &sources);
    if let Some(url) = postgres {
        config = crate::util::postgres::on_postgres(config, url);
    }
    config.feeds.retain(|f| f.slug != "all");
    let report = run(&config, true).await;
    assert_eq!(report.totals.sources_failed, 0, "{:?}", report.sources);
    assert_eq!(report.totals.items_new as usize, items.len());
    config
}

/// The items of one outlet as its RSS feed (content as `content:encoded`).
fn outlet_feed(name: &str, items: &[(usize, &Item)]) -> String {
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><channel>\
         <title>{}</title><link>http://example.org/</link>\n",
        escape(name)
    );
    for (i, item) in items {
        let date = (*DATED_FROM - chrono::Duration::minutes(*i as i64 + 1)).to_rfc2822();
        let content = item
            .content
            .as_deref()
            .map(|c| format!("<content:encoded>{}</content:encoded>", escape(c)))
            .unwrap_or_default();
        xml.push_str(&format!(
            "<item><title>{}</title><link>http://example.org/a/{i}</link><guid>item-{i}</guid>\
             <pubDate>{date}</pubDate><language>{}</language><description>{}</description>{content}</item>\n",
            escape(&item.title),
            item.lang,
            escape(&item.summary)
        ));
    }
    xml + "</channel></rss>\n"
}

/// Precision, recall and F1 of a published topic on labelled items.
#[derive(Debug, Clone, Copy)]
struct Figures {
    precision: f64,
    recall: f64,
    f1: f64,
}

fn figures(items: &[Item], published: &HashSet<String>, label: &str) -> (Figures, Vec<String>) {
    let (mut tp, mut fp, mut fneg) = (0, 0, 0);
    let mut misses = Vec::new();
    for item in items {
        match (item.relevant, published.contains(&item.title)) {
            (true, true) => tp += 1,
            (false, true) => {
                fp += 1;
                misses.push(format!(
                    "{label}: false positive ({} {}): {}",
                    item.lang, item.kind, item.title
                ));
            }
            (true, false) => {
                fneg += 1;
                misses.push(format!(
                    "{label}: missed ({} {}): {}",
                    item.lang, item.kind, item.title
                ));
            }
            (false, false) => {}
        }
    }
    let precision = tp as f64 / (tp + fp).max(1) as f64;
    let recall = tp as f64 / (tp + fneg).max(1) as f64;
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    println!(
        "{label} on {} items: precision {precision:.3}, recall {recall:.3}, F1 {f1:.3} (tp {tp}, fp {fp}, fn {fneg})",
        items.len()
    );
    (
        Figures {
            precision,
            recall,
            f1,
        },
        misses,
    )
}

/// Serves `items` from their outlets (with the tags the shipped config
/// gives them) and publishes the shipped `morocco-ai-governance` feed, its
/// query and its model fitted from `topics/`, beside the same query alone.
/// Returns the figures of query + model, then of the query alone.
async fn score_shipped_topic(items: &[Item]) -> ((Figures, Vec<String>), (Figures, Vec<String>)) {
    let shipped = veille::config::Config::load(&crate::util::shipped_config_path()).unwrap();
    let server = FixtureServer::start().await;
    let mut by_outlet: BTreeMap<String, Vec<(usize, &Item)>> = BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        let outlet = item
            .source
            .clone()
            .unwrap_or_else(|| format!("outlet-{}", item.lang));
        by_outlet.entry(outlet).or_default().push((i, item));
    }
    let mut sources = String::new();
    for (n, (outlet, outlet_items)) in by_outlet.iter().enumerate() {
        let path = format!("outlet-{n}.xml");
        server.put(
            &path,
            "application/rss+xml",
            outlet_feed(outlet, outlet_items),
        );
        let tags = shipped
            .sources
            .iter()
            .find(|s| s.name == *outlet)
            .map(|s| s.tags.clone())
            .unwrap_or_default();
        sources.push_str(&format!(
            "[[source]]\nname = {}\nurl = \"{}\"\ntags = {:?}\n\n",
            toml_string(outlet),
            server.url(&path),
            tags
        ));
    }
    let query = shipped_query("morocco-ai-governance");
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("topics/morocco-ai-governance.jsonl");
    let topics = format!(
        "[[feed]]\nslug = \"morocco-ai-governance\"\ntitle = \"T\"\nlimit = 1000\nformats = [\"json\"]\nexamples = {}\nquery = '''{query}'''\n\n\
         [[feed]]\nslug = \"query-alone\"\ntitle = \"Q\"\nlimit = 1000\nformats = [\"json\"]\nquery = '''{query}'''\n",
        toml_string(&examples.display().to_string())
    );
    let dir = tempfile::tempdir().unwrap();
    let mut config = config_with(
        dir.path(),
        "allow_private_networks = true",
        &format!("{sources}\n{topics}"),
    );
    config.feeds.retain(|f| f.slug != "all");
    let report = run(&config, true).await;
    assert_eq!(report.totals.sources_failed, 0, "{:?}", report.sources);
    assert!(report.feed_errors.is_empty(), "{:?}", report.feed_errors);
    let published = |slug: &str| -> HashSet<String> {
        crate::util::feed_titles(&dir.path().join(format!("public/{slug}/feed.json")))
            .into_iter()
            .collect()
    };
    (
        figures(items, &published("morocco-ai-governance"), "query + model"),
        figures(items, &published("query-alone"), "query alone"),
    )
}

fn toml_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The development set, as `veille topic eval` sees it: figures from
/// 5-fold cross-validation (each item judged by a model that never saw it).
#[test]
fn shipped_morocco_topic_cross_validated_on_its_examples() {
    let config = veille::config::Config::load(&crate::util::shipped_config_path()).unwrap();
    let report = veille::pipeline::topics::evaluate(&config, "morocco-ai-governance").unwrap();
    assert!(report.examples >= 600, "{} examples", report.examples);
    let by_lang: Vec<(&String, usize)> = report
        .by_language
        .iter()
        .map(|(l, (q, _))| (l, q.total()))
        .collect();
    println!("dev set: {} examples {by_lang:?}", report.examples);
    for (label, c) in [
        ("query alone", &report.query),
        ("query + model", &report.model),
    ] {
        println!(
            "dev set, cross-validated, {label}: precision {:.3}, recall {:.3}, F1 {:.3}",
            c.precision(),
            c.recall(),
            c.f1()
        );
    }
    assert!(
        report.model.f1() > report.query.f1() + 0.1,
        "the model adds precision"
    );
    assert!(report.model.precision() >= 0.9 && report.model.f1() >= 0.9);
}

/// Items written before any tuning, by a writer who saw neither the query
/// nor the model, and never used to fit, choose or edit anything: an honest
/// estimate of how the topic does on news it has not seen.
#[tokio::test(flavor = "multi_thread")]
async fn shipped_morocco_topic_on_held_out_items() {
    let items = held_out();
    assert!(items.len() >= 200);
    // No held-out item is an example, nor a close rewrite of one (most of
    // the words of its title and summary in common).
    let words = |i: &Item| -> HashSet<String> {
        format!("{} {}", i.title, i.summary)
            .to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    };
    let dev: Vec<HashSet<String>> = dev_set().iter().map(words).collect();
    for item in &items {
        let mine = words(item);
        for theirs in &dev {
            let shared = mine.intersection(theirs).count() as f64;
            let all = mine.union(theirs).count().max(1) as f64;
            assert!(
                shared / all < 0.6,
                "held-out item close to an example: {}",
                item.title
            );
        }
    }
    let ((model, misses), (query, _)) = score_shipped_topic(&items).await;
    assert!(
        model.precision >= 0.95 && model.f1 >= 0.95 && model.recall >= 0.9,
        "held out: query + model {model:?}, query alone {query:?}:\n{}",
        misses.join("\n")
    );
}

/// Queries covering every construct of the language.
const QUERIES: &[&str] = &[
    "maroc",
    "regulation",
    "régul*",
    "intellig*",
    "ذكاء",
    "\"intelligence artificielle\"",
    "\"الذكاء الاصطناعي\"",
    "(maroc OR morocco) -football",
    "ia NEAR/3 maroc",
    "\"artificial intelligence\" NEAR/8 morocco",
    "title:maroc OR title:morocco",
    "text:loi -title:loi",
    "source:dev-ar",
    "tag:test",
    "lang:ar ذكاء",
    "url:en",
    "/\\bIA\\b/ -lang:en",
    "title:/^Morocco/",
    "since:1h",
    "before:2000-01-01",
    "NOT (ia OR ai OR الذكاء)",
    "(cndp OR \"protection des données\") (ia OR ai) OR حوكمة",
];

/// Every query of `QUERIES` on the archive of `config`: the articles the
/// index finds (by stable uid) must be the ones evaluating the query on
/// every article selects.
async fn index_results(
    config: &veille::config::Config,
    now: chrono::DateTime<Utc>,
) -> BTreeMap<&'static str, HashSet<String>> {
    let store = veille::store::Store::open(&config.database).await.unwrap();
    let mut everything = veille::filter::Query::parse("-zzzzzzzz").unwrap();
    let all = store
        .search(
            &store.compile_query(&mut everything, now).await.unwrap(),
            None,
            10_000,
        )
        .await
        .unwrap();
    assert_eq!(all.len(), dev_set().len());
    let mut results = BTreeMap::new();
    for text in QUERIES {
        let mut query = veille::filter::Query::parse(text).unwrap();
        let compiled = store.compile_query(&mut query, now).await.unwrap();
        let from_index: HashSet<String> = store
            .search(&compiled, None, 10_000)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.uid)
            .collect();
        let evaluated: HashSet<String> = all
            .iter()
            .filter(|a| query.matches(&veille::pipeline::collect::document(a, now)))
            .map(|a| a.uid.clone())
            .collect();
        assert_eq!(
            from_index,
            evaluated,
            "query {text:?}\n{}",
            compiled.explain()
        );
        println!("{text:?}: {} matches", from_index.len());
        results.insert(*text, from_index);
    }
    store.close().await;
    results
}

#[tokio::test]
async fn index_lookups_agree_with_evaluating_the_query() {
    let dir = tempfile::tempdir().unwrap();
    let config = run_dev_set(
        dir.path(),
        "[[feed]]\nslug = \"x\"\ntitle = \"X\"\nquery = \"maroc\"\n",
    )
    .await;
    index_results(&config, Utc::now()).await;
}

#[tokio::test]
async fn postgres_finds_what_sqlite_finds() {
    let Some(url) = crate::util::postgres::fresh_database("topics").await else {
        return;
    };
    let feeds = "[[feed]]\nslug = \"x\"\ntitle = \"X\"\nquery = \"maroc\"\n";
    let sqlite_dir = tempfile::tempdir().unwrap();
    let on_sqlite = run_items_on(sqlite_dir.path(), &dev_set(), feeds, None).await;
    let pg_dir = tempfile::tempdir().unwrap();
    let on_postgres = run_items_on(pg_dir.path(), &dev_set(), feeds, Some(&url)).await;
    // The same moment for both: `since:1h` is relative to it.
    let now = Utc::now();
    let sqlite = index_results(&on_sqlite, now).await;
    let postgres = index_results(&on_postgres, now).await;
    // A rebuilt PostgreSQL index answers the same.
    let store = veille::store::Store::open(&on_postgres.database)
        .await
        .unwrap();
    assert_eq!(
        store
            .rebuild_search_index(chrono::Utc::now())
            .await
            .unwrap() as usize,
        dev_set().len()
    );
    store.close().await;
    assert_eq!(index_results(&on_postgres, now).await, postgres);
    for text in QUERIES {
        let only_sqlite: Vec<_> = sqlite[text].difference(&postgres[text]).collect();
        let only_postgres: Vec<_> = postgres[text].difference(&sqlite[text]).collect();
        assert!(
            only_sqlite.is_empty() && only_postgres.is_empty(),
            "query {text:?}: only on SQLite {only_sqlite:?}, only on PostgreSQL {only_postgres:?} (now {now})"
        );
    }
    // The published topic feed lists the same articles, in the same order.
    let items = |dir: &Path| -> Vec<String> {
        let feed: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("public/x/feed.json")).unwrap())
                .unwrap();
        feed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(items(sqlite_dir.path()), items(pg_dir.path()));
}

#[tokio::test]
async fn search_previews_matches_and_explains_them() {
    let dir = tempfile::tempdir().unwrap();
    run_dev_set(
        dir.path(),
        "[[feed]]\nslug = \"x\"\ntitle = \"X\"\nquery = \"maroc\"\n",
    )
    .await;
    let config = dir.path().join("config.toml");
    let out = crate::util::veille(
        &config,
        &[
            "search",
            "cndp (ia OR ai OR ذكاء OR régulations)",
            "--explain",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    println!("{text}");
    assert!(
        text.starts_with("query, as read:\nAND\n  cndp\n  OR\n    ia\n"),
        "{text}"
    );
    // The stems a word stands for are shown.
    assert!(
        text.contains("    regulations  [stems: regulations | regul]\n"),
        "{text}"
    );
    assert!(
        text.contains("La CNDP publie des recommandations sur l'IA générative"),
        "{text}"
    );
    assert!(text.contains("    matched cndp in title: cndp"), "{text}");
    assert!(text.contains("    matched ia in title: ia"), "{text}");
    assert!(
        text.contains("Moroccan data watchdog warns on generative AI"),
        "{text}"
    );
    assert!(
        text.lines().last().unwrap().ends_with(" articles"),
        "{text}"
    );

    let out = crate::util::veille(
        &config,
        &["search", "title:maroc lang:fr", "--json", "--limit", "3"],
    );
    assert!(out.status.success());
    let items: Value = serde_json::from_slice(&out.stdout).unwrap();
    let items = items.as_array().unwrap();
    assert_eq!(items.len(), 3);
    for item in items {
        assert_eq!(item["language"], "fr");
        assert!(
            item["title"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("maroc")
        );
        assert_eq!(item["matched"][0]["term"], "title:maroc");
    }
    // Newest first.
    let dates: Vec<&str> = items
        .iter()
        .map(|i| i["sort_at"].as_str().unwrap())
        .collect();
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted);

    // A limit beyond any archive finds them all (no overflow while the
    // search widens its window).
    let count = |limit: &str| {
        let out = crate::util::veille(
            &config,
            &["search", "title:maroc", "--json", "--limit", limit],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Value>(&out.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(count("4000000000000000000"), count("10000"));

    let out = crate::util::veille(&config, &["search", "maroc AND (ia OR"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("expected a word") && err.contains("^"),
        "{err}"
    );
}
