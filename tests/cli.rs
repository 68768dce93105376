//! The binary as cron and users run it: exit codes, messages, the lock.

use std::path::Path;
use std::process::Command;

use assert_cmd::cargo::cargo_bin;

use crate::util::{FixtureServer, veille, write_config};

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const VALID: &str = r#"[database]
url = "sqlite://veille.db"

[publish]
base_url = "https://example.org/veille/"

[[source]]
name = "One"
url = "https://one.example.ma/feed"

[[feed]]
slug = "topic"
title = "Topic"
query = "maroc"
"#;

/// Writes `text` as a config, runs `check`, expects exit 2 and a message
/// naming `key` and `line`.
fn assert_config_error(text: &str, key: &str, line: usize) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, text).unwrap();
    let out = veille(&path, &["check"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(key), "message should name {key:?}: {err}");
    let located =
        err.contains(&format!("config.toml:{line}:")) || err.contains(&format!("line {line},"));
    assert!(located, "message should point at line {line}: {err}");
}

#[test]
fn check_accepts_the_shipped_config_and_lists_it() {
    let out = veille(&crate::util::shipped_config_path(), &["check"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(text.contains("morocco-ai-governance"), "{text}");
    assert!(text.contains("Hespress"), "{text}");
}

#[test]
fn check_names_the_key_and_line_of_each_config_error() {
    assert_config_error(
        &VALID.replace("[[feed]]", "colour = \"red\"\n\n[[feed]]"),
        "colour",
        11,
    );
    assert_config_error(
        &VALID.replace(
            "[[feed]]",
            "[[source]]\nname = \"One\"\nurl = \"https://two.example.ma/\"\n\n[[feed]]",
        ),
        "source[2].name",
        12,
    );
    assert_config_error(
        &VALID.replace("https://one.example.ma/feed", "htps:/one"),
        "source[1].url",
        9,
    );
    assert_config_error(
        &VALID.replace("https://one.example.ma/feed", "ftp://one.example.ma/"),
        "source[1].url",
        9,
    );
    assert_config_error(
        &VALID.replace("[publish]", "[fetch]\nconcurrency = 0\n\n[publish]"),
        "fetch.concurrency",
        5,
    );
    assert_config_error(
        &VALID.replace("[publish]", "[fetch]\ntimeout_secs = \"soon\"\n\n[publish]"),
        "timeout_secs",
        5,
    );
    assert_config_error(
        &format!("{VALID}\n[[feed]]\nslug = \"topic\"\ntitle = \"Again\"\nquery = \"x\"\n"),
        "feed[2].slug",
        17,
    );
    assert_config_error(
        &VALID.replace("query = \"maroc\"", "query = \"maroc AND (ia OR\""),
        "feed[1].query",
        14,
    );
    // A mistyped database URL is not echoed: it may hold a password.
    let text = VALID.replace("sqlite://veille.db", "postgre://veille:S3CRETPW@db/veille");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, text).unwrap();
    let out = veille(&path, &["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("database.url"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("S3CRETPW"), "{}", stderr(&out));
    // Durations that no date arithmetic could add.
    assert_config_error(
        &VALID.replace(
            "[publish]",
            "[fetch]\nmax_interval = \"100000000d\"\n\n[publish]",
        ),
        "fetch.max_interval",
        5,
    );
    assert_config_error(
        &VALID.replace("query = \"maroc\"", "query = \"maroc since:100000000d\""),
        "feed[1].query",
        14,
    );
}

#[test]
fn bad_query_message_shows_a_caret_under_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        VALID.replace("query = \"maroc\"", "query = \"maroc \\\"ia\""),
    )
    .unwrap();
    let out = veille(&path, &["check"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(err.contains("unclosed quote"), "{err}");
    assert!(err.contains("\n        ^"), "caret under position 6: {err}");
}

#[test]
fn missing_config_is_a_usage_error() {
    let out = veille(Path::new("/nonexistent/veille/config.toml"), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("/nonexistent/veille/config.toml"));
}

#[tokio::test(flavor = "multi_thread")]
async fn run_is_quiet_on_success_apart_from_the_summary_line() {
    let server = FixtureServer::start().await;
    server.put_fixture("maroc-rss2.xml", "application/rss+xml");
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), &[("Maroc FR", server.url("maroc-rss2.xml"))]);
    let out = tokio::task::spawn_blocking(move || veille(&path, &["run"]))
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "", "nothing on stderr when all is well");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(
        stdout.contains("1 sources ok, 0 failed; 3 new, 0 updated articles; 2 of 2 feeds written"),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn failing_source_gets_one_line_and_the_run_still_succeeds() {
    let server = FixtureServer::start().await;
    server.put_fixture("maroc-rss2.xml", "application/rss+xml");
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(
        dir.path(),
        &[
            ("Maroc FR", server.url("maroc-rss2.xml")),
            ("Dead", server.url("dead.xml")),
        ],
    );
    let quiet_path = path.clone();
    let out = tokio::task::spawn_blocking(move || veille(&path, &["run"]))
        .await
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("\"Dead\"") && err.contains("HTTP 404"),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 sources ok, 1 failed"));
    // -q (as in the README's cron line) drops the summary, not the failure.
    let out = tokio::task::spawn_blocking(move || veille(&quiet_path, &["-q", "run", "--all"]))
        .await
        .unwrap();
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("\"Dead\""), "{err}");
    assert!(out.stdout.is_empty());
}

/// A bad `[[source]]` or `[[feed]]` fails that one entry: one line each,
/// naming it, and the run fetches and publishes the rest; `check` still
/// reports them and exits 2.
#[tokio::test(flavor = "multi_thread")]
async fn a_bad_source_or_query_is_skipped_and_the_rest_runs() {
    let server = FixtureServer::start().await;
    server.put_fixture("maroc-rss2.xml", "application/rss+xml");
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), &[("Maroc FR", server.url("maroc-rss2.xml"))]);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(
        "\n[[source]]\nname = \"Old FTP\"\nurl = \"ftp://files.example.ma/feed\"\n\n\
         [[feed]]\nslug = \"broken\"\ntitle = \"Broken\"\nquery = \"maroc AND (ia OR\"\n",
    );
    std::fs::write(&path, text).unwrap();
    let check_path = path.clone();
    let out = tokio::task::spawn_blocking(move || veille(&path, &["run"]))
        .await
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(err.lines().count(), 2, "{err}");
    assert!(
        err.contains("source[2].url") && err.contains("skipped"),
        "{err}"
    );
    assert!(
        err.contains("feed[3].query") && err.contains("skipped"),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 sources ok, 0 failed"));
    let everything = dir.path().join("public/everything/feed.json");
    assert_eq!(crate::util::feed_titles(&everything).len(), 3);
    assert!(!dir.path().join("public/broken").exists());

    let out = veille(&check_path, &["check"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("source[2].url") && err.contains("feed[3].query"),
        "{err}"
    );
}

#[test]
fn second_run_while_the_lock_is_held_exits_75() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), &[]);
    let db = dir.path().join("data/veille.db");
    let _held = veille::lock::RunLock::try_acquire(&db).unwrap();
    let out = veille(&path, &["run"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(75), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("another veille run"), "{err}");
    assert!(!db.exists(), "a locked-out run must not touch the database");
}

#[test]
fn unwritable_output_folder_is_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), &[]);
    // A file where the output folder should be.
    std::fs::write(dir.path().join("public"), "not a folder").unwrap();
    let out = veille(&path, &["publish"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("public"), "{}", stderr(&out));
}

#[test]
fn parse_json_has_the_documented_shape() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/feeds/world-atom.xml");
    let out = Command::new(cargo_bin!("veille"))
        .args(["parse", "--json"])
        .arg(&fixture)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["feed"]["title"], "World Tech Policy");
    assert_eq!(v["feed"]["language"], "en");
    assert_eq!(v["feed"]["updated"], "2026-02-05T09:30:00Z");
    assert_eq!(v["feed"]["authors"][0]["name"], "Policy Desk");
    let item = &v["items"][0];
    assert_eq!(item["id"], "tag:policy.example.org,2026:morocco-ai-council");
    assert_eq!(item["title"], "Morocco sets up an AI governance council");
    assert_eq!(item["published"], "2026-02-05T09:00:00Z");
    assert_eq!(item["authors"][0]["email"], "jane@policy.example.org");
    assert_eq!(item["categories"][0], "governance");
    assert_eq!(v["items"][1]["authors"], serde_json::json!([]));
    assert!(v["items"][1]["content"].is_null());
}

#[test]
fn unreachable_postgres_is_fatal_with_the_cause_and_no_password() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    // Port 1 on loopback: nothing listens there.
    std::fs::write(
        &config,
        "[database]\nurl = \"postgres://veille:hunter2@127.0.0.1:1/veille\"\n\n\
         [publish]\ndir = \"public\"\nbase_url = \"https://example.org/\"\n",
    )
    .unwrap();
    let out = crate::util::veille(&config, &["run"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("cannot open database postgres://veille:***@127.0.0.1:1/veille"),
        "{err}"
    );
    assert!(err.to_lowercase().contains("refused"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
}

#[test]
fn parse_stored_prints_what_a_run_would_store() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/feeds/maroc-rss2.xml");
    let out = Command::new(cargo_bin!("veille"))
        .args(["parse", "--stored"])
        .arg(&fixture)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = &v["articles"][0];
    assert_eq!(first["dedup_key"], "guid:news-ma-1001");
    assert_eq!(first["language"], "fr");
    // Sanitised: the feed's <script> is gone, links are absolute.
    let content = first["content"].as_str().unwrap();
    assert!(!content.contains("script"), "{content}");
    assert!(
        content.contains("href=\"https://news.example.ma/dossiers/ia\""),
        "{content}"
    );
    // Canonical URL without tracking parameters; the link as published.
    assert_eq!(
        first["url"],
        "https://news.example.ma/economie/strategie-ia"
    );
    assert!(first["link"].as_str().unwrap().contains("utm_source"));
    assert!(first["content_text"].as_str().unwrap().starts_with("Rabat"));
    // The parsed form keeps the feed's own markup, script included.
    let parsed = Command::new(cargo_bin!("veille"))
        .args(["parse", "--json"])
        .arg(&fixture)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&parsed.stdout).unwrap();
    assert!(
        v["items"][0]["content"]
            .as_str()
            .unwrap()
            .contains("<script>")
    );
}

#[test]
fn parse_help_says_what_each_form_prints() {
    let out = Command::new(cargo_bin!("veille"))
        .args(["parse", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("--json") && help.contains("parsed feed"),
        "{help}"
    );
    assert!(
        help.contains("--stored") && help.contains("would store"),
        "{help}"
    );
    assert!(!help.contains("normalised feed"), "{help}");
}
