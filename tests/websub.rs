//! WebSub, the publisher's side: the published files name the hub, and
//! the hub is pinged for each feed file whose bytes changed, once.

use crate::util::hub::Hub;
use crate::util::{FixtureServer, write_config};

async fn configured(dir: &std::path::Path, hubs: &str) -> (FixtureServer, veille::config::Config) {
    let server = FixtureServer::start().await;
    server.put_fixture("maroc-rss2.xml", "application/rss+xml");
    server.put_fixture("world-atom.xml", "application/atom+xml");
    let path = write_config(
        dir,
        &[
            ("Maroc FR", server.url("maroc-rss2.xml")),
            ("World Policy", server.url("world-atom.xml")),
        ],
    );
    let text = std::fs::read_to_string(&path).unwrap().replacen(
        "[publish]\n",
        &format!("[publish]\nhubs = [{hubs}]\n"),
        1,
    );
    std::fs::write(&path, text).unwrap();
    (server, veille::config::Config::load(&path).unwrap())
}

#[tokio::test]
async fn changed_feed_files_are_announced_to_the_hub_once() {
    let dir = tempfile::tempdir().unwrap();
    let (hub, hub_url) = Hub::start().await;
    *hub.refuse_next.lock().unwrap() = 1;
    let (server, config) = configured(dir.path(), &format!("\"{hub_url}\"")).await;
    let report = crate::util::run(&config, false).await;
    assert!(report.hub_failures.is_empty(), "{:?}", report.hub_failures);

    let feed = |file: &str| {
        std::fs::read_to_string(config.publish.dir.join("morocco-ai-governance").join(file))
            .unwrap()
    };
    assert!(
        feed("atom.xml").contains(&format!("<link href=\"{hub_url}\" rel=\"hub\"/>")),
        "{}",
        feed("atom.xml")
    );
    assert!(
        feed("rss.xml").contains(&format!("<atom:link href=\"{hub_url}\" rel=\"hub\"/>")),
        "{}",
        feed("rss.xml")
    );
    let json: serde_json::Value = serde_json::from_str(&feed("feed.json")).unwrap();
    assert_eq!(
        json["hubs"],
        serde_json::json!([{"type": "WebSub", "url": hub_url}])
    );

    // Two feeds in three formats; the refused ping was tried again.
    let base = "https://example.org/veille/";
    let mut expected: Vec<String> = ["everything", "morocco-ai-governance"]
        .iter()
        .flat_map(|slug| ["atom.xml", "feed.json", "rss.xml"].map(|f| format!("{base}{slug}/{f}")))
        .collect();
    expected.sort();
    assert_eq!(hub.accepted_topics(), expected);
    assert_eq!(hub.pings.lock().unwrap().len(), 7);

    // Nothing changed: nothing to announce.
    crate::util::run(&config, true).await;
    assert_eq!(hub.pings.lock().unwrap().len(), 7);

    // A new item in the catch-all feed only.
    let mut body = String::from_utf8(crate::util::fixture("maroc-rss2.xml")).unwrap();
    body = body.replacen(
        "<item>",
        "<item><title>Festival de Fès</title><link>https://news.example.ma/fes</link><guid>fes-1</guid><pubDate>Thu, 03 Dec 2026 08:00:00 GMT</pubDate><description>Musique.</description></item><item>",
        1,
    );
    server.put("maroc-rss2.xml", "application/rss+xml", body);
    crate::util::run(&config, true).await;
    let pings = hub.pings.lock().unwrap().clone();
    let new: Vec<&str> = pings[7..]
        .iter()
        .map(|(_, form)| form[1].1.as_str())
        .collect();
    assert_eq!(new.len(), 3, "{new:?}");
    assert!(
        new.iter()
            .all(|t| t.starts_with(&format!("{base}everything/"))),
        "{new:?}"
    );
}

#[tokio::test]
async fn a_hub_that_is_down_fails_the_ping_not_the_run() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on this port once the listener is dropped.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (_server, config) =
        configured(dir.path(), &format!("\"http://127.0.0.1:{port}/hub\"")).await;
    let report = crate::util::run(&config, false).await;
    assert_eq!(report.totals.feeds_written, 2);
    assert_eq!(report.hub_failures.len(), 6);
    let line = report.hub_failures[0].to_string();
    assert!(
        line.starts_with(&format!(
            "WebSub hub http://127.0.0.1:{port}/hub not told that https://example.org/veille/"
        )),
        "{line}"
    );
}
