//! Published RSS and Atom files, read back with veille's own parser.

use std::time::SystemTime;

use veille::config::Config;
use veille::parse::{FeedFormat, ParsedFeed, parse_feed};

use crate::util::{FixtureServer, write_config};

fn read_back(config: &Config, slug: &str, file: &str) -> ParsedFeed<'static> {
    let bytes = std::fs::read(config.publish.dir.join(slug).join(file)).unwrap();
    parse_feed(&bytes, None).unwrap().into_owned()
}

fn titles<'f>(feed: &'f ParsedFeed) -> Vec<&'f str> {
    feed.items
        .iter()
        .map(|i| i.title.as_deref().unwrap_or(""))
        .collect()
}

async fn configured() -> (tempfile::TempDir, FixtureServer, Config) {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    server.put_fixture("maroc-rss2.xml", "application/rss+xml");
    server.put_fixture("world-atom.xml", "application/atom+xml");
    server.put_fixture("arabic-rss2.xml", "application/rss+xml");
    let path = write_config(
        dir.path(),
        &[
            ("Maroc FR", server.url("maroc-rss2.xml")),
            ("World Policy", server.url("world-atom.xml")),
            ("Akhbar", server.url("arabic-rss2.xml")),
        ],
    );
    let config = Config::load(&path).unwrap();
    (dir, server, config)
}

#[tokio::test]
async fn topic_feed_has_the_matching_items_newest_first_in_both_formats() {
    let (_dir, _server, config) = configured().await;
    crate::util::run(&config, true).await;
    let expected = [
        "Le Maroc adopte une stratégie nationale d'intelligence artificielle",
        "Morocco sets up an AI governance council",
        "المغرب يطلق استراتيجية وطنية للذكاء الاصطناعي وحكامة المعطيات",
    ];
    let rss = read_back(&config, "morocco-ai-governance", "rss.xml");
    let atom = read_back(&config, "morocco-ai-governance", "atom.xml");
    assert_eq!(rss.format, Some(FeedFormat::Rss));
    assert_eq!(atom.format, Some(FeedFormat::Atom));
    // Football, the EU-only story and the festival are left out.
    assert_eq!(titles(&rss), expected);
    assert_eq!(titles(&atom), expected);
    assert_eq!(rss.title.as_deref(), Some("Morocco AI governance"));

    // Same permanent ids in both formats; dates survive the round trip.
    for (r, a) in rss.items.iter().zip(&atom.items) {
        let id = r.id.as_deref().unwrap();
        assert!(id.starts_with("urn:uuid:"), "{id}");
        assert_eq!(r.id, a.id);
        assert_eq!(r.published, a.published);
        assert_eq!(r.link, a.link);
    }
    assert_eq!(
        rss.items[0]
            .published
            .map(veille::model::rfc3339)
            .as_deref(),
        Some("2026-02-05T09:30:00Z")
    );
    assert_eq!(
        atom.items[1].link.as_deref(),
        Some("https://policy.example.org/2026/02/morocco-ai-council")
    );
    assert_eq!(atom.items[1].authors[0].name.as_deref(), Some("Jane Doe"));
    // Self links point at the public URL.
    let rss_text =
        std::fs::read_to_string(config.publish.dir.join("morocco-ai-governance/rss.xml")).unwrap();
    assert!(
        rss_text.contains(r#"href="https://example.org/veille/morocco-ai-governance/rss.xml""#)
    );
    assert!(rss_text.contains(r#"rel="self""#));
    let atom_text =
        std::fs::read_to_string(config.publish.dir.join("morocco-ai-governance/atom.xml")).unwrap();
    assert!(
        atom_text.contains(r#"href="https://example.org/veille/morocco-ai-governance/atom.xml""#)
    );

    // `limit` keeps the newest: the undated festival item counts from first sight.
    let everything = read_back(&config, "everything", "atom.xml");
    assert_eq!(
        titles(&everything),
        [
            "Item sans date ni guid",
            "Le Maroc adopte une stratégie nationale d'intelligence artificielle",
            "Morocco sets up an AI governance council"
        ]
    );
}

#[tokio::test]
async fn publishing_again_without_changes_leaves_files_untouched() {
    let (_dir, _server, config) = configured().await;
    crate::util::run(&config, true).await;
    let files: Vec<_> = ["rss.xml", "atom.xml", "feed.json", "index.html"]
        .iter()
        .map(|f| config.publish.dir.join("morocco-ai-governance").join(f))
        .collect();
    let before: Vec<(Vec<u8>, SystemTime)> = files
        .iter()
        .map(|p| {
            (
                std::fs::read(p).unwrap(),
                std::fs::metadata(p).unwrap().modified().unwrap(),
            )
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let report = crate::util::run(&config, true).await;
    assert_eq!(report.totals.feeds_written, 0);
    for (path, (bytes, mtime)) in files.iter().zip(before) {
        assert_eq!(std::fs::read(path).unwrap(), bytes, "{}", path.display());
        assert_eq!(
            std::fs::metadata(path).unwrap().modified().unwrap(),
            mtime,
            "{}",
            path.display()
        );
    }
    // No temporary files are left behind.
    let mut leftovers: Vec<_> = std::fs::read_dir(config.publish.dir.join("morocco-ai-governance"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    leftovers.sort();
    assert_eq!(
        leftovers,
        ["atom.xml", "feed.json", "index.html", "rss.xml"]
    );
}

#[tokio::test]
async fn a_media_thumbnail_is_published_as_the_items_image() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    server.put(
        "thumbs.xml",
        "application/rss+xml",
        r#"<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>Thumbs</title>
           <item><title>Le Maroc et l'IA</title><link>https://news.example.ma/ia</link><guid>t1</guid>
           <pubDate>Mon, 02 Nov 2026 10:00:00 +0000</pubDate><description>Texte.</description>
           <media:thumbnail url="https://news.example.ma/img/ia.jpg" width="300" height="200"/></item>
           </channel></rss>"#,
    );
    let path = write_config(dir.path(), &[("Thumbs", server.url("thumbs.xml"))]);
    let config = Config::load(&path).unwrap();
    crate::util::run(&config, true).await;
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(config.publish.dir.join("everything/feed.json")).unwrap(),
    )
    .unwrap();
    let item = &json["items"][0];
    assert_eq!(item["image"], "https://news.example.ma/img/ia.jpg");
    assert_eq!(item["attachments"][0]["mime_type"], "image/jpeg");
    // RSS readers get it as the item's enclosure.
    let rss = read_back(&config, "everything", "rss.xml");
    assert_eq!(
        rss.items[0].enclosures[0].url,
        "https://news.example.ma/img/ia.jpg"
    );
}

#[tokio::test]
async fn an_empty_feed_has_a_plausible_date_that_stays_put() {
    let (_dir, _server, config) = configured().await;
    let path = config.path.clone();
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("\n[[feed]]\nslug = \"nothing\"\ntitle = \"Nothing\"\nquery = \"zzzzzz\"\n");
    std::fs::write(&path, text).unwrap();
    let config = Config::load(&path).unwrap();
    let files = [
        config.publish.dir.join("nothing/rss.xml"),
        config.publish.dir.join("nothing/atom.xml"),
        config.publish.dir.join("health/atom.xml"),
    ];
    let read_all = || {
        files
            .iter()
            .map(|f| std::fs::read(f).unwrap())
            .collect::<Vec<_>>()
    };
    crate::util::run(&config, true).await;
    let first = read_all();
    for (file, bytes) in files.iter().zip(&first) {
        let text = String::from_utf8_lossy(bytes);
        assert!(!text.contains("1970"), "{}: {text}", file.display());
    }
    let this_year = chrono::Utc::now().format("%Y").to_string();
    let feed = read_back(&config, "nothing", "atom.xml");
    assert!(feed.items.is_empty());
    assert!(
        format!("{:?}", feed.updated).contains(&this_year),
        "{:?}",
        feed.updated
    );
    // Written once when it became empty, then left alone, even when the
    // files' modification times change.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    for file in &files {
        let f = std::fs::File::options().append(true).open(file).unwrap();
        f.set_modified(std::time::SystemTime::now()).unwrap();
    }
    crate::util::run(&config, true).await;
    assert_eq!(read_all(), first);
}
