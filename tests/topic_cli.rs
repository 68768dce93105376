//! The curator's commands: `veille check` on examples files, `veille topic
//! eval` and `veille topic label`, and a model fitted again when its
//! examples change.

use std::path::Path;

use crate::util::{FixtureServer, veille, write_config};

/// A fixture server with a French, an English and an Arabic outlet, and a
/// config in a fresh folder that lists them (the server and folder are
/// returned so that they live as long as the test).
async fn three_outlets() -> (FixtureServer, tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let (server, config) = crate::util::three_outlets(dir.path()).await;
    (server, dir, config)
}

/// The first `n` examples of the shipped topic, into `dir/examples.jsonl`.
fn some_examples(dir: &Path, n: usize) -> std::path::PathBuf {
    let all = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("topics/morocco-ai-governance.jsonl"),
    )
    .unwrap();
    // Every fifth line, so both labels and all languages are there.
    let lines: Vec<&str> = all.lines().step_by(5).take(n).collect();
    let path = dir.join("examples.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

/// The test config with `examples` added to the shipped topic's feed.
fn with_examples(config: &Path, examples: &Path) {
    let text = std::fs::read_to_string(config).unwrap().replace(
        "slug = \"morocco-ai-governance\"\n",
        &format!(
            "slug = \"morocco-ai-governance\"\nexamples = \"{}\"\n",
            examples.display()
        ),
    );
    std::fs::write(config, text).unwrap();
}

#[test]
fn check_names_each_bad_line_of_an_examples_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &[]);
    let examples = some_examples(dir.path(), 20);
    let mut text = std::fs::read_to_string(&examples).unwrap();
    text.push_str("{\"lang\":\"fr\",\"relevant\":true}\nnot json\n");
    std::fs::write(&examples, text).unwrap();
    with_examples(&config, &examples);
    let out = veille(&config, &["check"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("morocco-ai-governance")
            && stderr.contains("line 21: ")
            && stderr.contains("line 22: "),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn eval_reports_query_and_model_and_label_refits_the_model() {
    let (_server, dir, config) = three_outlets().await;
    let examples = some_examples(dir.path(), 80);
    with_examples(&config, &examples);

    let config_path = config.clone();
    let out = tokio::task::spawn_blocking(move || {
        veille(&config_path, &["topic", "eval", "morocco-ai-governance"])
    })
    .await
    .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for expected in [
        "80 examples, 5-fold",
        "query alone:",
        "query + model:",
        "by language",
        "by kind",
        "misclassified (",
    ] {
        assert!(report.contains(expected), "{expected}: {report}");
    }

    // A run fits and stores the model; labelling an article appends it.
    let loaded = veille::config::Config::load(&config).unwrap();
    crate::util::run(&loaded, true).await;

    // `search --topic --explain` judges as the feed does, and says why.
    let config_path = config.clone();
    let out = tokio::task::spawn_blocking(move || {
        veille(
            &config_path,
            &["search", "--topic", "morocco-ai-governance", "--explain"],
        )
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
    let score_line = text
        .lines()
        .find(|l| l.trim_start().starts_with("score "))
        .unwrap_or_default();
    for part in [
        "placement",
        "proximity",
        "specificity",
        "breadth",
        "salience",
        "prior",
    ] {
        assert!(score_line.contains(part), "{part}: {text}");
    }
    assert!(
        text.lines()
            .any(|l| l.contains("model: probability") && l.contains("strongest: ")),
        "{text}"
    );
    let config_path = config.clone();
    let out = tokio::task::spawn_blocking(move || {
        veille(
            &config_path,
            &["search", "--topic", "morocco-ai-governance", "--json"],
        )
    })
    .await
    .unwrap();
    let items: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for item in items.as_array().unwrap() {
        let score = item["score"].as_f64().unwrap();
        assert!((0.0..=100.0).contains(&score));
        assert!(item["probability"].as_f64().is_some());
    }
    let pool = crate::util::db(dir.path()).await;
    let hash = || async {
        sqlx::query_scalar::<_, String>(
            "SELECT examples_hash FROM topic_models WHERE feed_slug = 'morocco-ai-governance'",
        )
        .fetch_one(&pool)
        .await
        .unwrap()
    };
    let before = hash().await;
    let (uid, title): (String, String) =
        sqlx::query_as("SELECT uid, title FROM articles ORDER BY id LIMIT 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    let config_path = config.clone();
    let label_uid = uid.clone();
    let out = tokio::task::spawn_blocking(move || {
        veille(
            &config_path,
            &[
                "topic",
                "label",
                "morocco-ai-governance",
                &label_uid,
                "irrelevant",
            ],
        )
    })
    .await
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let last = std::fs::read_to_string(&examples)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .to_string();
    let labelled: serde_json::Value = serde_json::from_str(&last).unwrap();
    assert_eq!(labelled["title"], title.as_str());
    assert_eq!(labelled["relevant"], false);
    crate::util::run(&loaded, true).await;
    assert_ne!(
        hash().await,
        before,
        "the model was fitted again from the new examples"
    );
    // An unknown uid is a clear usage error.
    let config_path = config.clone();
    let out = tokio::task::spawn_blocking(move || {
        veille(
            &config_path,
            &[
                "topic",
                "label",
                "morocco-ai-governance",
                "no-such-uid",
                "relevant",
            ],
        )
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no article with uid"));
}

#[tokio::test(flavor = "multi_thread")]
async fn min_score_keeps_the_articles_search_scores_high_enough() {
    let (_server, dir, config) = three_outlets().await;
    const QUERY: &str = "(maroc OR morocco OR المغرب OR royaume OR rabat OR casablanca) (ia OR ai OR \"الذكاء الاصطناعي\" OR festival OR derby OR strategie)";
    let loaded = veille::config::Config::load(&config).unwrap();
    crate::util::run(&loaded, true).await;
    // The scores `veille search` gives the matches.
    let config_path = config.clone();
    let out =
        tokio::task::spawn_blocking(move || veille(&config_path, &["search", QUERY, "--json"]))
            .await
            .unwrap();
    let found: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found = found.as_array().unwrap().clone();
    let mut scores: Vec<f64> = found.iter().map(|i| i["score"].as_f64().unwrap()).collect();
    scores.sort_by(f64::total_cmp);
    scores.dedup();
    assert!(scores.len() >= 2, "{scores:?}");
    // A least score between two of them publishes exactly those above.
    let cut = (scores[0] + scores[1]) / 2.0;
    let above = found
        .iter()
        .filter(|i| i["score"].as_f64().unwrap() >= cut)
        .count();
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "\n[[feed]]\nslug = \"scored\"\ntitle = \"S\"\nlimit = 50\nmin_score = {cut}\nformats = [\"json\"]\nquery = '''{QUERY}'''\n"
    ));
    std::fs::write(&config, text).unwrap();
    let loaded = veille::config::Config::load(&config).unwrap();
    crate::util::run(&loaded, false).await;
    let feed: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("public/scored/feed.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(feed["items"].as_array().unwrap().len(), above, "{scores:?}");
    assert!(above < found.len() && above > 0);
    // A bad value is named with its key.
    let bad = std::fs::read_to_string(&config)
        .unwrap()
        .replace(&format!("min_score = {cut}"), "min_score = 150");
    std::fs::write(&config, bad).unwrap();
    let out = veille(&config, &["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("min_score"));
}

/// The published items of `slug` under `dir`, by id.
fn published_ids(dir: &Path, slug: &str) -> Vec<String> {
    crate::util::feed_titles(&dir.join(format!("public/{slug}/feed.json")))
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_judges_and_stores_models_as_sqlite_does() {
    let Some(url) = crate::util::postgres::fresh_database("topic_models").await else {
        return;
    };
    let server = FixtureServer::start().await;
    for f in [
        "maroc-rss2.xml",
        "world-atom.xml",
        "arabic-rss2.xml",
        "embeds-rss2.xml",
    ] {
        server.put_fixture(f, "application/xml");
    }
    let mut published = Vec::new();
    for postgres in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let config = write_config(
            dir.path(),
            &[
                ("Maroc FR", server.url("maroc-rss2.xml")),
                ("World Policy", server.url("world-atom.xml")),
                ("Akhbar", server.url("arabic-rss2.xml")),
                ("Videos", server.url("embeds-rss2.xml")),
            ],
        );
        let examples = some_examples(dir.path(), 120);
        with_examples(&config, &examples);
        let mut loaded = veille::config::Config::load(&config).unwrap();
        if postgres {
            loaded = crate::util::postgres::on_postgres(loaded, &url);
        }
        crate::util::run(&loaded, true).await;
        let store = veille::store::Store::open(&loaded.database).await.unwrap();
        let model = store
            .topic_model("morocco-ai-governance")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(model.examples, 120);
        // Unchanged examples: the stored model is reused, not fitted again
        // (a marked copy under the same examples hash survives a run).
        let marked = veille::filter::topic::TopicModel {
            threshold: 0.123,
            ..model.clone()
        };
        store
            .save_topic_model("morocco-ai-governance", "x", &marked, chrono::Utc::now())
            .await
            .unwrap();
        crate::util::run(&loaded, false).await;
        assert_eq!(
            store
                .topic_model("morocco-ai-governance")
                .await
                .unwrap()
                .unwrap(),
            marked
        );
        store
            .save_topic_model("morocco-ai-governance", "x", &model, chrono::Utc::now())
            .await
            .unwrap();
        let stats = store
            .term_stats(
                &["maroc".to_string(), "zzzz".to_string()],
                chrono::Utc::now(),
            )
            .await
            .unwrap();
        assert!(
            stats.documents >= 5 && stats.frequency["maroc"] >= 1 && stats.frequency["zzzz"] == 0
        );
        store.close().await;
        published.push(published_ids(dir.path(), "morocco-ai-governance"));
    }
    assert_eq!(published[0], published[1]);
}
