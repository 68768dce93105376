//! Published feeds read by an independent implementation: Python's
//! feedparser must find the RSS and Atom files well-formed (and the JSON
//! Feed must pass the spec's rules, checked in Python), with the same
//! titles, links, ids and dates veille wrote. `.ci/run` installs feedparser and sets
//! `VEILLE_REQUIRE_FEEDPARSER=1`, so in CI this test cannot skip.

use crate::util::FixtureServer;
use crate::util::write_config;

const SCRIPT: &str = r#"
import json, sys, calendar
from datetime import datetime
import feedparser

def json_feed(path):
    # Released feedparser (6.0.x) has no JSON Feed reader: the checks below
    # are the JSON Feed 1.1 rules, applied with Python's own json and
    # datetime modules (independent of veille's code).
    problems = []
    doc = json.load(open(path, encoding="utf-8"))
    if doc.get("version") != "https://jsonfeed.org/version/1.1":
        problems.append("version")
    if not isinstance(doc.get("title"), str):
        problems.append("title")
    entries = []
    for item in doc.get("items", []):
        if not isinstance(item.get("id"), str) or not item["id"]:
            problems.append("item id")
        if "content_html" not in item and "content_text" not in item:
            problems.append("item content")
        for key in ("url", "external_url"):
            if key in item and not item[key].startswith(("http://", "https://")):
                problems.append("relative " + key)
        for tag in item.get("tags", []):
            if not isinstance(tag, str):
                problems.append("tag")
        published = item.get("date_published")
        stamp = calendar.timegm(datetime.fromisoformat(published.replace("Z", "+00:00")).utctimetuple()) if published else None
        entries.append({"id": item.get("id"), "title": item.get("title"), "link": item.get("url"), "published": stamp})
    return {"bozo": bool(problems), "error": ", ".join(problems), "title": doc.get("title"), "entries": entries}

out = []
for path in sys.argv[1:]:
    if path.endswith(".json"):
        out.append(json_feed(path))
        continue
    d = feedparser.parse(path)
    out.append({
        "bozo": bool(d.bozo),
        "error": str(d.get("bozo_exception", "")),
        "title": d.feed.get("title"),
        "entries": [{
            "id": e.get("id"),
            "title": e.get("title"),
            "link": e.get("link"),
            "published": calendar.timegm(e.published_parsed) if e.get("published_parsed") else None,
        } for e in d.entries],
    })
print(json.dumps(out))
"#;

#[tokio::test(flavor = "multi_thread")]
async fn python_feedparser_reads_every_format_as_veille_wrote_it() {
    let have_feedparser = std::process::Command::new("python3")
        .args(["-c", "import feedparser"])
        .status()
        .is_ok_and(|s| s.success());
    if !have_feedparser {
        assert!(
            std::env::var_os("VEILLE_REQUIRE_FEEDPARSER").is_none(),
            "feedparser is required here (VEILLE_REQUIRE_FEEDPARSER is set) but python3 cannot import it"
        );
        eprintln!("skipped: python3 with feedparser is not installed (`pip install feedparser`)");
        return;
    }
    let server = FixtureServer::start().await;
    for f in ["maroc-rss2.xml", "world-atom.xml", "arabic-rss2.xml"] {
        server.put_fixture(f, "application/xml");
    }
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(
        dir.path(),
        &[
            ("Maroc FR", server.url("maroc-rss2.xml")),
            ("World Policy", server.url("world-atom.xml")),
            ("Akhbar", server.url("arabic-rss2.xml")),
        ],
    );
    let config = veille::config::Config::load(&path).unwrap();
    crate::util::run(&config, true).await;
    let folder = config.publish.dir.join("morocco-ai-governance");
    let files: Vec<_> = ["rss.xml", "atom.xml", "feed.json"]
        .iter()
        .map(|f| folder.join(f))
        .collect();
    let output = std::process::Command::new("python3")
        .arg("-c")
        .arg(SCRIPT)
        .args(&files)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let results: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let ours = veille::parse::parse_feed(&std::fs::read(&files[1]).unwrap(), None)
        .unwrap()
        .into_owned();
    assert_eq!(ours.items.len(), 3);
    for (file, result) in files.iter().zip(results.as_array().unwrap()) {
        let name = file.file_name().unwrap().to_string_lossy();
        assert_eq!(result["bozo"], false, "{name}: {}", result["error"]);
        assert_eq!(result["title"], "Morocco AI governance", "{name}");
        let entries = result["entries"].as_array().unwrap();
        assert_eq!(entries.len(), ours.items.len(), "{name}");
        for (theirs, mine) in entries.iter().zip(&ours.items) {
            assert_eq!(theirs["title"].as_str(), mine.title.as_deref(), "{name}");
            assert_eq!(theirs["link"].as_str(), mine.link.as_deref(), "{name}");
            assert_eq!(theirs["id"].as_str(), mine.id.as_deref(), "{name}");
            assert_eq!(
                theirs["published"].as_i64(),
                mine.published.map(|d| d.timestamp()),
                "{name}"
            );
        }
    }
}
