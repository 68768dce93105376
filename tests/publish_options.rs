//! Per-feed options, JSON Feed, HTML pages, OPML and story deduplication.

use crate::util::script::ScriptServer;
use crate::util::{config_with, run, source};

const WIRE: &str = "RABAT (MAP) - Le ministère de la Transition numérique a présenté mardi à Rabat la stratégie nationale de l'intelligence artificielle, qui prévoit un cadre de gouvernance, la protection des données personnelles et un programme de formation de dix mille ingénieurs.";

fn feed_with(items: &[(&str, &str, &str, &str)]) -> String {
    let mut s = String::from(
        "<rss version=\"2.0\"><channel><title>T</title><link>https://e.ma/</link><description>d</description>",
    );
    for (guid, title, date, text) in items {
        s.push_str(&format!(
            "<item><guid>{guid}</guid><title>{title}</title><link>https://e.ma/{guid}</link><pubDate>{date}</pubDate><description>{text}</description><content:encoded xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">&lt;p&gt;{text} Full.&lt;/p&gt;</content:encoded></item>"
        ));
    }
    s + "</channel></rss>"
}

#[tokio::test]
async fn options_json_feed_pages_and_opml() {
    let server = ScriptServer::start().await;
    let recent = chrono::Utc::now() - chrono::Duration::hours(2);
    let old = chrono::Utc::now() - chrono::Duration::days(40);
    server.feed(
        "ma.xml",
        feed_with(&[
            (
                "new",
                "Maroc : nouvelle régulation de l'IA",
                &recent.to_rfc2822(),
                "Le Maroc prépare une régulation de l'intelligence artificielle.",
            ),
            (
                "old",
                "Maroc : ancienne loi sur l'IA",
                &old.to_rfc2822(),
                "Le Maroc avait une loi sur l'intelligence artificielle.",
            ),
        ]),
        1,
    );
    let dir = tempfile::tempdir().unwrap();
    let feeds = r#"
[[feed]]
slug = "recent"
title = "Recent AI"
description = "Last month only"
query = 'maroc (IA OR "intelligence artificielle") régul*'
max_age = "30d"
full_content = false
formats = ["atom", "json"]
"#;
    let sources = source("Maroc Actu", &server.url("ma.xml"), "tags = [\"maroc\"]") + feeds;
    let config = config_with(dir.path(), "", &sources);
    run(&config, true).await;
    let folder = config.publish.dir.join("recent");
    assert!(
        !folder.join("rss.xml").exists(),
        "only the chosen formats are written"
    );
    let atom = veille::parse::parse_feed(&std::fs::read(folder.join("atom.xml")).unwrap(), None)
        .unwrap()
        .into_owned();
    assert_eq!(
        atom.items.len(),
        1,
        "max_age leaves the 40-day-old item out"
    );
    assert!(atom.items[0].content.is_none(), "full_content = false");
    // The source's tag, then the query terms the item matched ("IA" is in its title).
    assert_eq!(
        atom.items[0].categories,
        ["maroc", "ia", "intelligence artificielle", "regul*"]
    );
    let json_bytes = std::fs::read(folder.join("feed.json")).unwrap();
    let json = veille::parse::parse_feed(&json_bytes, None).unwrap();
    assert_eq!(json.format, Some(veille::parse::FeedFormat::JsonFeed));
    assert_eq!(json.items[0].id, atom.items[0].id);
    assert_eq!(json.items[0].title, atom.items[0].title);
    assert_eq!(json.items[0].published, atom.items[0].published);
    let raw: serde_json::Value = serde_json::from_slice(&json_bytes).unwrap();
    assert_eq!(raw["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(
        raw["feed_url"],
        "https://example.org/veille/recent/feed.json"
    );
    assert_eq!(raw["items"][0]["_veille"]["source"]["name"], "Maroc Actu");

    // Pages for people.
    let index = std::fs::read_to_string(config.publish.dir.join("index.html")).unwrap();
    for needle in [
        "Recent AI",
        "recent/atom.xml",
        "recent/feed.json",
        "<svg",
        "dir=\"auto\"",
        "Maroc Actu",
        "nouvelle régulation",
    ] {
        assert!(index.contains(needle), "index.html lacks {needle:?}");
    }
    assert!(!index.contains("<script"), "no script on the page");
    assert!(
        !index.contains("<link rel=\"stylesheet\""),
        "no external assets"
    );
    let topic = std::fs::read_to_string(folder.join("index.html")).unwrap();
    assert!(topic.contains("nouvelle régulation") && topic.contains("rel=\"alternate\""));
    // One OPML for everything, readable by readers (and by veille).
    let opml = veille::parse::opml::parse_opml(
        &std::fs::read(config.publish.dir.join("feeds.opml")).unwrap(),
    )
    .unwrap();
    let urls: Vec<&str> = opml.iter().map(|f| f.xml_url.as_str()).collect();
    assert_eq!(
        urls,
        [
            "https://example.org/veille/recent/atom.xml",
            "https://example.org/veille/all/rss.xml"
        ]
    );
}

#[tokio::test]
async fn dedupe_keeps_the_first_report_and_names_the_other_outlets() {
    let server = ScriptServer::start().await;
    let t = |h: i64| (chrono::Utc::now() - chrono::Duration::hours(h)).to_rfc2822();
    server.feed(
        "map.xml",
        feed_with(&[("m1", "Stratégie IA présentée à Rabat", &t(5), WIRE)]),
        1,
    );
    server.feed(
        "le.xml",
        feed_with(&[(
            "l1",
            "Le Maroc dévoile sa stratégie IA",
            &t(3),
            &format!("{WIRE} Détails à suivre."),
        )]),
        1,
    );
    server.feed("other.xml", feed_with(&[("o1", "Football : le Raja gagne", &t(1), "Le Raja de Casablanca a battu le Wydad samedi soir lors d'un derby très disputé au complexe Mohammed V.")]), 1);
    let dir = tempfile::tempdir().unwrap();
    let sources = source("MAP", &server.url("map.xml"), "")
        + &source("Le Site", &server.url("le.xml"), "")
        + &source("Sport", &server.url("other.xml"), "")
        + "[[feed]]\nslug = \"stories\"\ntitle = \"Stories\"\nquery = \"-zzzzzz\"\ndedupe = true\n";
    let config = config_with(dir.path(), "", &sources);
    run(&config, true).await;
    let json: serde_json::Value = serde_json::from_slice(
        &std::fs::read(config.publish.dir.join("stories/feed.json")).unwrap(),
    )
    .unwrap();
    let items = json["items"].as_array().unwrap();
    let titles: Vec<&str> = items.iter().map(|i| i["title"].as_str().unwrap()).collect();
    assert_eq!(
        titles,
        ["Football : le Raja gagne", "Stratégie IA présentée à Rabat"],
        "one item per story, the earliest report"
    );
    assert_eq!(
        items[1]["_veille"]["also_reported_by"],
        serde_json::json!(["Le Site"])
    );
    let all = veille::parse::parse_feed(
        &std::fs::read(config.publish.dir.join("all/atom.xml")).unwrap(),
        None,
    )
    .unwrap()
    .into_owned();
    assert_eq!(
        all.items.len(),
        3,
        "without dedupe every report is published"
    );
}
