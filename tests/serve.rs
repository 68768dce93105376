//! `veille serve`: content types, validators, gzip, and no way out of the
//! publish folder; `--refresh` keeps it up to date without cron.

use std::time::Duration;

use crate::util::script::{ScriptServer, rss};
use crate::util::{config_with, run, source};

async fn start(dir: std::path::PathBuf) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(veille::serve::serve(listener, dir));
    addr
}

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().gzip(false).build().unwrap()
}

#[tokio::test]
async fn serves_feeds_with_validators_gzip_and_no_traversal() {
    let server = ScriptServer::start().await;
    server.feed("a.xml", rss("a", 40), 1);
    let dir = tempfile::tempdir().unwrap();
    let config = config_with(dir.path(), "", &source("A", &server.url("a.xml"), ""));
    run(&config, true).await;
    std::fs::write(dir.path().join("secret.txt"), "do not serve").unwrap();
    let addr = start(config.publish.dir.clone()).await;
    let http = client();
    let get = |path: &str| http.get(format!("http://{addr}{path}"));

    let rss = get("/all/rss.xml").send().await.unwrap();
    assert_eq!(rss.status(), 200);
    assert_eq!(
        rss.headers()["content-type"],
        "application/rss+xml; charset=utf-8"
    );
    let etag = rss.headers()["etag"].to_str().unwrap().to_string();
    let modified = rss.headers()["last-modified"].to_str().unwrap().to_string();
    let body = rss.bytes().await.unwrap();
    assert_eq!(
        body,
        std::fs::read(config.publish.dir.join("all/rss.xml")).unwrap()
    );
    for (path, mime) in [
        ("/all/atom.xml", "application/atom+xml"),
        ("/all/feed.json", "application/feed+json"),
        ("/", "text/html"),
        ("/feeds.opml", "text/x-opml"),
    ] {
        let r = get(path).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with(mime),
            "{path}"
        );
    }
    // Validators.
    let r = get("/all/rss.xml")
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    let r = get("/all/rss.xml")
        .header("if-modified-since", &modified)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    // gzip when asked.
    let r = get("/all/rss.xml")
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let compressed = r.bytes().await.unwrap();
    assert!(compressed.len() < body.len());
    let mut plain = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&compressed[..]),
        &mut plain,
    )
    .unwrap();
    assert_eq!(plain, body);
    // Nothing outside the folder, however the path is spelled.
    for bad in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/all/..%2f..%2fsecret.txt",
        "/%2e%2e%2fsecret.txt",
    ] {
        let r = get(bad).send().await.unwrap();
        assert!(
            r.status() == 403 || r.status() == 404,
            "{bad}: {}",
            r.status()
        );
        assert_ne!(r.text().await.unwrap(), "do not serve", "{bad}");
    }
    // A raw request line (clients normalise `..` before sending).
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut raw = tokio::net::TcpStream::connect(addr).await.unwrap();
    raw.write_all(b"GET /../secret.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    raw.read_to_string(&mut answer).await.unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 403") || answer.starts_with("HTTP/1.1 400"),
        "{answer}"
    );
    assert_eq!(get("/nope.xml").send().await.unwrap().status(), 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_refresh_fetches_and_publishes_without_cron() {
    let server = ScriptServer::start().await;
    server.feed("a.xml", rss("fresh", 3), 1);
    let dir = tempfile::tempdir().unwrap();
    config_with(dir.path(), "", &source("A", &server.url("a.xml"), ""));
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("veille"))
        .arg("-c")
        .arg(dir.path().join("config.toml"))
        .args([
            "serve",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--refresh",
            "1h",
        ])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let http = client();
    let mut body = String::new();
    // Bounded wait (20 s) for the first refresh.
    for _ in 0..200 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if let Ok(r) = http
            .get(format!("http://127.0.0.1:{port}/all/atom.xml"))
            .send()
            .await
            && r.status() == 200
        {
            body = r.text().await.unwrap();
            break;
        }
    }
    child.kill().unwrap();
    let _ = child.wait();
    assert!(
        body.contains("fresh item 2"),
        "the refresh published the feed: {body}"
    );
}
