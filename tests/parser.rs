//! The parser against inputs nobody controls: the shared real-world corpus
//! (when present), and random mutations of feeds. Nothing may panic.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use veille::parse::parse_feed;

/// `../shared/corpus`, which a fresh clone does not have (`.ci/run` sets
/// `VEILLE_REQUIRE_SHARED=1`, so there it must be present).
fn corpus_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let present = dir.is_dir();
    assert!(
        present || std::env::var_os("VEILLE_REQUIRE_SHARED").is_none(),
        "../shared/corpus is required here (VEILLE_REQUIRE_SHARED is set)"
    );
    present.then_some(dir)
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("xml" | "rss" | "atom" | "rdf" | "json")
        ) && !path.to_string_lossy().ends_with(".serde.json")
        {
            out.push(path);
        }
    }
}

#[test]
fn every_corpus_feed_parses_without_panicking() {
    let Some(dir) = corpus_dir() else {
        eprintln!("skipped: ../shared/corpus is not here (it is not part of a clone)");
        return;
    };
    let mut files = Vec::new();
    files_under(&dir, &mut files);
    assert!(
        files.len() > 2000,
        "corpus looks incomplete: {} files",
        files.len()
    );
    let mut read = 0;
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        if let Ok(feed) = parse_feed(&bytes, None) {
            read += 1;
            // Output stays proportional to input: no runaway expansion.
            let out: usize = feed
                .items
                .iter()
                .map(|i| {
                    i.summary.as_deref().map_or(0, str::len)
                        + i.content.as_deref().map_or(0, str::len)
                })
                .sum();
            assert!(
                out <= bytes.len() * 4 + 1024,
                "{} grew from {} to {out} bytes",
                file.display(),
                bytes.len()
            );
        }
    }
    // Nearly every file is a feed, broken or not; the few that are not are
    // deliberately not feeds (HTML pages, empty files).
    assert!(
        read * 100 >= files.len() * 97,
        "only {read} of {} corpus files were read",
        files.len()
    );
}

#[test]
fn corpus_expectations_do_not_regress() {
    // The level reached (of 1,058): 1041 when the lenient reader landed,
    // 1045 with the DTD entities. (Rewriting self-closed SVG children as
    // feedparser re-serialises them reached 1047 and was removed: it only
    // changed `veille parse` output, to match two records.)
    const PASSED_AT_LEAST: u32 = 1045;
    let Some(dir) = corpus_dir() else {
        eprintln!("skipped: ../shared/corpus is not here (it is not part of a clone)");
        return;
    };
    let command = format!("{} parse --json {{file}}", env!("CARGO_BIN_EXE_veille"));
    let output = match std::process::Command::new("python3")
        .arg("check_expectations.py")
        .args(["--cmd", &command, "--jobs", "2"])
        .current_dir(&dir)
        .output()
    {
        Ok(o) => o,
        Err(e) => {
            eprintln!("skipped: python3 is not available ({e})");
            return;
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    let passed: u32 = last
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    eprintln!("corpus: {last}");
    assert!(
        passed >= PASSED_AT_LEAST,
        "corpus score dropped to {last}\n{stdout}"
    );
    // No category of ten records or more under 85% (a smaller one turns on
    // one or two records: relative-uri-in-html, 6 records, is at 4 since
    // the SVG rewriting that matched two of them went). Rows of the table
    // read `name total passed failed pct%`.
    let categories: Vec<(&str, u32, u32)> = stdout
        .lines()
        .filter_map(|line| {
            let mut cells = line.split_whitespace();
            let name = cells.next()?;
            let total = cells.next()?.parse().ok()?;
            let passed = cells.next()?.parse().ok()?;
            Some((name, total, passed))
        })
        .collect();
    assert!(categories.len() > 1, "no category table in:\n{stdout}");
    for (name, total, passed) in categories.into_iter().filter(|c| c.1 >= 10) {
        assert!(
            passed * 100 >= total * 85,
            "category {name}: {passed} of {total} passed, under 85%\n{stdout}"
        );
    }
}

/// Feeds to mutate: the project's own fixtures.
fn seeds() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/feeds");
    let mut files = Vec::new();
    files_under(&dir, &mut files);
    files.sort();
    files.iter().map(|f| std::fs::read(f).unwrap()).collect()
}

/// Pieces that break XML in the ways real feeds do.
const NASTY: &[&[u8]] = &[
    b"<",
    b"&",
    b"]]>",
    b"<!--",
    b"\0",
    b"&#x0;",
    b"<item>",
    b"</channel>",
    b"&eacute;",
    b"\xff\xfe",
    b"<![CDATA[",
    b"xmlns:a=\"",
    b"<!DOCTYPE x [<!ENTITY a \"&a;&a;\">]>",
    b"<!DOCTYPE rss [<!ENTITY b \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;\">]>",
    b"&b;&c;&c;&c;&c;",
    b"<!ENTITY % p \"x\">",
    b"&lt;svg&gt;&lt;g&gt;&lt;c x='/>'/&gt;&lt;/g",
];

/// Every character of text in a parsed feed: titles, summaries, contents.
fn text_size(feed: &veille::parse::ParsedFeed) -> usize {
    feed.items
        .iter()
        .map(|i| {
            i.title.as_ref().map_or(0, String::len)
                + i.summary.as_ref().map_or(0, |s| s.len())
                + i.content.as_ref().map_or(0, |c| c.len())
        })
        .sum()
}

#[test]
fn entity_expansion_is_bounded_by_the_document_size() {
    // One declared entity of 16 KiB used 20,000 times: fully expanded that
    // would be 320 MB of text from a 100 KB document.
    let value = "x".repeat(16 * 1024);
    let uses = "&big;".repeat(20_000);
    let feed = format!(
        "<!DOCTYPE rss [<!ENTITY big \"{value}\">]><rss><channel><item><title>t</title><description>{uses}</description></item></channel></rss>"
    );
    let parsed = parse_feed(feed.as_bytes(), None).unwrap();
    let size = text_size(&parsed);
    // Uses are expanded until they have added the document's own size
    // (at least 64 KiB), then kept as written.
    assert!(size > 64 * 1024, "{size} bytes of text: nothing expanded?");
    assert!(size <= 2 * feed.len() + 64 * 1024, "{size} bytes of text");
    assert!(
        parsed
            .malformed
            .as_deref()
            .is_some_and(|m| m.contains("expansion limit")),
        "{:?}",
        parsed.malformed
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

    #[test]
    fn mutated_feeds_never_panic(
        seed in 0usize..64,
        edits in proptest::collection::vec((0.0f64..1.0, 0usize..4, 0usize..NASTY.len(), 0u8..=255), 1..8),
    ) {
        let seeds = seeds();
        let mut bytes = seeds[seed % seeds.len()].clone();
        for (at, kind, piece, byte) in edits {
            let pos = ((bytes.len() as f64) * at) as usize;
            let pos = pos.min(bytes.len());
            match kind {
                0 => { bytes.truncate(pos); }
                1 => { bytes.splice(pos..pos, NASTY[piece].iter().copied()); }
                2 => if pos < bytes.len() { bytes[pos] = byte; },
                _ => { let end = (pos + 16).min(bytes.len()); bytes.drain(pos..end); }
            }
        }
        if let Ok(feed) = parse_feed(&bytes, None) {
            prop_assert!(feed.items.len() <= bytes.len());
            // Declared entities expand within a budget of the document's
            // size (at least 64 KiB); decoding never grows text much.
            prop_assert!(text_size(&feed) <= 8 * bytes.len() + 256 * 1024);
        }
    }
}

/// `text` as UTF-16 without a byte-order mark.
fn utf16_without_bom(text: &str, big_endian: bool) -> Vec<u8> {
    text.encode_utf16()
        .flat_map(|u| {
            if big_endian {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            }
        })
        .collect()
}

#[test]
fn real_world_shapes_other_parsers_read() {
    // UTF-16 without a BOM, no prolog (as SimplePie's feed-utf16be.xml).
    let rss = "<rss version=\"2.0\">\n<channel><title>Actualités</title><link>https://e.ma/</link>\
               <item><title>Décret sur l'IA</title><link>https://e.ma/1</link></item></channel></rss>";
    for big_endian in [true, false] {
        let bytes = utf16_without_bom(rss, big_endian);
        let feed = parse_feed(&bytes, Some("utf-8")).unwrap();
        assert_eq!(feed.title.as_deref(), Some("Actualités"));
        assert_eq!(feed.items[0].title.as_deref(), Some("Décret sur l'IA"));
    }
    // Month before day on a 12-hour clock without a zone (NBC New York),
    // and a truncated offset (an RSS 1.0 example).
    let dates = "<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel><title>t</title>\
                 <item><title>a</title><pubDate>Sat, Dec 16 2023 02:02:33 PM</pubDate></item>\
                 <item><title>b</title><dc:date>2017-06-13T03:18:00+00:0</dc:date></item></channel></rss>";
    let feed = parse_feed(dates.as_bytes(), None).unwrap();
    let published: Vec<String> = feed
        .items
        .iter()
        .map(|i| i.published.map(|d| d.to_rfc3339()).unwrap_or_default())
        .collect();
    assert_eq!(
        published,
        ["2023-12-16T14:02:33+00:00", "2017-06-13T03:18:00+00:00"]
    );
    // A standalone Atom entry document is a feed of that one item.
    let entry = "<?xml version=\"1.0\"?><entry xmlns=\"http://www.w3.org/2005/Atom\">\
                 <title>Specifications</title><id>urn:uuid:1</id><updated>2009-08-31T18:55:12Z</updated>\
                 <link href=\"https://e.org/spec\"/><summary>Une fiche technique.</summary></entry>";
    let feed = parse_feed(entry.as_bytes(), None).unwrap();
    assert_eq!(feed.items.len(), 1);
    let item = &feed.items[0];
    assert_eq!(item.title.as_deref(), Some("Specifications"));
    assert_eq!(item.id.as_deref(), Some("urn:uuid:1"));
    assert_eq!(item.link.as_deref(), Some("https://e.org/spec"));
    assert!(item.updated.is_some());
    // An Atom entry without a link: a web-address id is its permalink, a
    // urn: id is not a link.
    let atom = "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title>\
                <entry><id>https://numi.st/post/2022/travel-uke</id><title>a</title></entry>\
                <entry><id>urn:uuid:2</id><title>b</title></entry></feed>";
    let feed = parse_feed(atom.as_bytes(), None).unwrap();
    assert_eq!(
        feed.items[0].link.as_deref(),
        Some("https://numi.st/post/2022/travel-uke")
    );
    assert_eq!(feed.items[1].link, None);
    // UTF-8 encoded twice (SimplePie's capture of rss.com): restored, in
    // Latin-1 and windows-1252 forms; text as meant is left alone.
    let doubled = "<rss version=\"2.0\"><channel><title>t</title>\
                   <item><title>Grupo F\u{c3}\u{b3}rmula</title><description>&lt;p&gt;You \u{e2}\u{20ac}\u{201c} It\u{e2}\u{20ac}\u{2122}s&lt;/p&gt;</description></item>\
                   <item><title>Stratégie d’IA</title></item></channel></rss>";
    let feed = parse_feed(doubled.as_bytes(), None).unwrap();
    assert_eq!(feed.items[0].title.as_deref(), Some("Grupo Fórmula"));
    assert_eq!(feed.items[0].summary.as_deref(), Some("<p>You – It’s</p>"));
    assert_eq!(feed.items[1].title.as_deref(), Some("Stratégie d’IA"));
}

#[test]
fn realworld_differences_with_feedparser_stay_the_explained_ones() {
    let Some(dir) = corpus_dir() else {
        eprintln!("skipped: ../shared/corpus is not here (it is not part of a clone)");
        return;
    };
    let have_feedparser = std::process::Command::new("python3")
        .args(["-c", "import feedparser"])
        .status()
        .is_ok_and(|s| s.success());
    if !have_feedparser {
        assert!(
            std::env::var_os("VEILLE_REQUIRE_FEEDPARSER").is_none(),
            "feedparser is required here (VEILLE_REQUIRE_FEEDPARSER is set)"
        );
        eprintln!("skipped: python3 with feedparser is not installed");
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/realworld_diff.py");
    let out = std::process::Command::new("python3")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_veille"))
        .arg(dir.join("realworld"))
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // README lists each of these differences and why it is veille's
    // deliberate reading; a new one fails here until it is explained.
    let last = report.lines().last().unwrap_or_default();
    assert_eq!(
        last,
        "85 files, 299 feedparser items; differences: 0 files veille cannot read, \
         5 item counts, 1 titles, 3 links, 2 dates",
        "{report}"
    );
}

/// WebSub discovery: a hub and the feed's self link, in each format; a
/// hub without a self link is no subscription target.
#[test]
fn websub_hub_and_topic_are_found_in_atom_rss_and_json_feed() {
    let atom = br#"<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
        <link rel="self" href="https://news.example.ma/feed.atom"/><link rel="hub" href="https://hub.example.org/"/>
        <link rel="alternate" href="https://news.example.ma/"/></feed>"#;
    let rss = br#"<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>T</title>
        <link>https://news.example.ma/</link><atom:link rel="hub" href="https://hub.example.org/"/>
        <atom:link rel="self" type="application/rss+xml" href="https://news.example.ma/rss"/></channel></rss>"#;
    let json = br#"{"version": "https://jsonfeed.org/version/1.1", "title": "T", "feed_url": "https://news.example.ma/feed.json",
        "hubs": [{"type": "rssCloud", "url": "https://cloud.example.org/"}, {"type": "WebSub", "url": "https://hub.example.org/"}], "items": []}"#;
    let no_self =
        br#"<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
        <link rel="hub" href="https://hub.example.org/"/></feed>"#;
    let found = |bytes: &[u8]| {
        parse_feed(bytes, None)
            .unwrap()
            .websub
            .map(|w| (w.hub, w.topic))
    };
    let hub = "https://hub.example.org/".to_string();
    assert_eq!(
        found(atom),
        Some((hub.clone(), "https://news.example.ma/feed.atom".into()))
    );
    assert_eq!(
        found(rss),
        Some((hub.clone(), "https://news.example.ma/rss".into()))
    );
    assert_eq!(
        found(json),
        Some((hub, "https://news.example.ma/feed.json".into()))
    );
    assert_eq!(found(no_self), None);
}
