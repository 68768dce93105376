//! Published feeds checked by the W3C Feed Validator (the code behind
//! validator.w3.org/feed), which nobody here wrote. It is not on PyPI:
//! `../shared/tools/feedvalidator` holds its package and
//! `../shared/tools/w3c_validate.py` runs it, so a fresh clone skips this
//! test with a message. `.ci/run` installs what it needs (lxml, html5lib,
//! rdflib) and sets `VEILLE_REQUIRE_W3C=1`, so in CI it cannot skip.

use std::path::{Path, PathBuf};

use crate::util::{FixtureServer, write_config};

/// `../shared/tools`, when the validator and its runner are there.
fn validator_tools() -> Option<PathBuf> {
    let tools = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/tools");
    let present = tools.join("w3c_validate.py").is_file()
        && tools.join("feedvalidator/feedvalidator").is_dir();
    let importable = std::process::Command::new("python3")
        .args(["-c", "import lxml, html5lib, rdflib"])
        .status()
        .is_ok_and(|s| s.success());
    if present && importable {
        return Some(tools);
    }
    assert!(
        std::env::var_os("VEILLE_REQUIRE_W3C").is_none(),
        "the W3C validator is required here (VEILLE_REQUIRE_W3C is set) but ../shared/tools \
         or python3's lxml, html5lib and rdflib are missing"
    );
    None
}

fn feeds_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            feeds_under(&path, out);
        } else if path
            .file_name()
            .is_some_and(|n| n == "rss.xml" || n == "atom.xml")
        {
            out.push(path);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn published_rss_and_atom_pass_the_w3c_validator() {
    let Some(tools) = validator_tools() else {
        eprintln!(
            "skipped: the W3C Feed Validator (../shared/tools) or python3's lxml, html5lib \
             and rdflib are not here"
        );
        return;
    };
    let server = FixtureServer::start().await;
    let fixtures = [
        ("Maroc FR", "maroc-rss2.xml"),
        ("World Policy", "world-atom.xml"),
        ("Akhbar", "arabic-rss2.xml"),
        ("Videos", "embeds-rss2.xml"),
    ];
    for (_, file) in fixtures {
        server.put_fixture(file, "application/xml");
    }
    let dir = tempfile::tempdir().unwrap();
    let sources: Vec<_> = fixtures
        .iter()
        .map(|(name, file)| (*name, server.url(file)))
        .collect();
    let path = write_config(dir.path(), &sources);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(
        "\n[[feed]]\nslug = \"all\"\ntitle = \"All\"\nlimit = 50\nfull_content = true\nquery = \"-zzzzzz\"\n",
    );
    // With a WebSub hub, so that its `rel="hub"` links are validated too.
    let (_hub, hub_url) = crate::util::hub::Hub::start().await;
    text = text.replacen(
        "[publish]\n",
        &format!("[publish]\nhubs = [\"{hub_url}\"]\n"),
        1,
    );
    std::fs::write(&path, text).unwrap();
    let config = veille::config::Config::load(&path).unwrap();
    // Twice, so that the health feed and unchanged files are published too.
    crate::util::run(&config, true).await;
    crate::util::run(&config, true).await;

    let mut files = Vec::new();
    feeds_under(&config.publish.dir, &mut files);
    files.sort();
    assert!(files.len() >= 4, "too few feeds published: {files:?}");
    let output = std::process::Command::new("python3")
        .arg(tools.join("w3c_validate.py"))
        .arg(tools.join("feedvalidator"))
        .arg("https://example.org/veille/")
        .args(&files)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the W3C validator rejected published feeds:\n{report}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        report.contains(&format!("{} valid, 0 invalid", files.len())),
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn video_players_are_links_in_rss_and_atom_and_other_frames_go_whole() {
    let server = FixtureServer::start().await;
    server.put_fixture("embeds-rss2.xml", "application/xml");
    let dir = tempfile::tempdir().unwrap();
    let sources = [("Videos", server.url("embeds-rss2.xml"))];
    let path = write_config(dir.path(), &sources);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(
        "\n[[feed]]\nslug = \"all\"\ntitle = \"All\"\nlimit = 50\nfull_content = true\nquery = \"-zzzzzz\"\n",
    );
    std::fs::write(&path, text).unwrap();
    let config = veille::config::Config::load(&path).unwrap();
    crate::util::run(&config, true).await;

    // The database keeps the players and nothing of the refused frames.
    let pool = crate::util::db(dir.path()).await;
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT coalesce(content, '') || coalesce(summary, '') FROM articles")
            .fetch_all(&pool)
            .await
            .unwrap();
    let stored = stored.concat();
    assert_eq!(stored.matches("<iframe").count(), 3, "{stored}");
    assert!(stored.contains(r#"src="https://www.youtube.com/embed/dQw4w9WgXcQ?si=abc""#));
    for gone in [
        "evil.example",
        "Cliquez",
        "sans source",
        "javascript",
        "<iframe>",
    ] {
        assert!(!stored.contains(gone), "{gone} in {stored}");
    }

    let folder = config.publish.dir.join("all");
    let read = |file: &str| std::fs::read_to_string(folder.join(file)).unwrap();
    for file in ["rss.xml", "atom.xml"] {
        let feed = read(file);
        assert!(!feed.contains("iframe"), "{file}: {feed}");
        assert!(
            feed.contains("https://www.youtube.com/watch?v=dQw4w9WgXcQ")
                && feed.contains("Video: Entretien avec la ministre")
                && feed.contains("https://vimeo.com/76979871")
                && feed.contains("https://www.dailymotion.com/video/x8abc12"),
            "{file}: {feed}"
        );
        assert!(!feed.contains("evil.example"), "{file}");
    }
    let json = read("feed.json");
    assert!(json.contains("<iframe"), "JSON Feed keeps the players");
    assert!(!json.contains("evil.example"));
    let page = read("index.html");
    assert!(
        page.contains(r#"<div class="video"><iframe "#)
            && page.contains(r#"src="https://www.youtube.com/embed/dQw4w9WgXcQ?si=abc""#),
        "the topic page shows the player: {page}"
    );
}
