//! `veille sources`, OPML import/export and `veille discover`, as a user
//! runs them.

use std::process::Command;

use assert_cmd::cargo::cargo_bin;

use crate::util::script::{Behavior, ScriptServer, rss};
use crate::util::{config_with, run, source, veille};

#[tokio::test(flavor = "multi_thread")]
async fn sources_lists_health_as_a_table_and_json() {
    let server = ScriptServer::start().await;
    server.feed("ok.xml", rss("ok", 3), 1);
    let dir = tempfile::tempdir().unwrap();
    let sources = source("Working", &server.url("ok.xml"), "")
        + &source("Broken", &server.url("nope.xml"), "");
    let config = config_with(dir.path(), "", &sources);
    run(&config, true).await;
    let path = dir.path().join("config.toml");
    let table = tokio::task::spawn_blocking({
        let path = path.clone();
        move || veille(&path, &["sources"])
    })
    .await
    .unwrap();
    assert_eq!(table.status.code(), Some(0));
    let text = String::from_utf8_lossy(&table.stdout);
    let working = text.lines().find(|l| l.starts_with("Working")).unwrap();
    assert!(
        working.contains(" 200 ") && working.contains(" 3 "),
        "{working}"
    );
    let broken = text.lines().find(|l| l.starts_with("Broken")).unwrap();
    assert!(
        broken.contains(" 404 ") && broken.contains(" 1 "),
        "{broken}"
    );
    let json = tokio::task::spawn_blocking(move || veille(&path, &["sources", "--json"]))
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let broken = v
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Broken")
        .unwrap();
    assert_eq!(broken["consecutive_failures"], 1);
    assert_eq!(broken["last_status"], 404);
    assert!(broken["next_fetch_at"].is_string());
    let working = v
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Working")
        .unwrap();
    assert_eq!(working["articles"], 3);
}

#[test]
fn opml_import_keeps_the_config_file_as_written_and_export_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let original = "# My watch list\n[publish]\nbase_url = \"https://example.org/\"  # public URL\n\n[[source]]\nname = \"TelQuel\"\nurl = \"https://telquel.ma/feed\"\n";
    std::fs::write(&path, original).unwrap();
    let opml = dir.path().join("subs.opml");
    std::fs::write(
        &opml,
        r#"<?xml version="1.0"?><opml version="2.0"><body>
        <outline text="Maroc"><outline text="TelQuel" xmlUrl="https://telquel.ma/feed"/>
        <outline text="Le Desk" xmlUrl="https://ledesk.ma/feed/" language="fr"/></outline>
        <outline text="TelQuel" xmlUrl="https://telquel.ma/categorie/maroc/politique/feed"/>
        <outline text="Bad" xmlUrl="not a url"/></body></opml>"#,
    )
    .unwrap();
    let out = veille(&path, &["sources", "import", opml.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("imported 2 sources, skipped 2"));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with(original),
        "comments and layout are kept:\n{text}"
    );
    let config = veille::config::Config::load(&path).unwrap();
    let names: Vec<&str> = config.sources.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["TelQuel", "Le Desk", "TelQuel (telquel.ma)"]);
    assert_eq!(config.sources[1].tags, ["maroc"]);
    assert_eq!(config.sources[1].language.as_deref(), Some("fr"));
    // Export, then import the export into an empty config: same sources.
    let exported = veille(&path, &["sources", "export"]);
    let round = dir.path().join("round.opml");
    std::fs::write(&round, &exported.stdout).unwrap();
    let fresh = dir.path().join("fresh.toml");
    std::fs::write(&fresh, "[publish]\nbase_url = \"https://example.org/\"\n").unwrap();
    veille(&fresh, &["sources", "import", round.to_str().unwrap()]);
    let again = veille::config::Config::load(&fresh).unwrap();
    // Same set of sources (the export groups them by folder).
    let urls = |c: &veille::config::Config| {
        let mut u = c
            .sources
            .iter()
            .map(|s| s.url.to_string())
            .collect::<Vec<_>>();
        u.sort();
        u
    };
    assert_eq!(urls(&again), urls(&config));
}

#[tokio::test(flavor = "multi_thread")]
async fn discover_lists_advertised_feeds() {
    let server = ScriptServer::start().await;
    let page = r#"<!DOCTYPE html><html><head><link rel="alternate" type="application/atom+xml" title="Atom" href="/atom.xml"><link rel="alternate" type="application/rss+xml" href="rss.xml"></head></html>"#;
    server.set(
        "site/",
        Behavior::Raw {
            status: 200,
            body: page.into(),
            headers: vec![("content-type", "text/html".into())],
        },
    );
    let url = server.url("site/");
    let out = tokio::task::spawn_blocking(move || {
        Command::new(cargo_bin!("veille"))
            .args(["discover", &url])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&server.url("atom.xml")) && text.contains(&server.url("site/rss.xml")),
        "{text}"
    );
}
