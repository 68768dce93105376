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

/// What a client that misbehaves or asks oddly gets: a connection that
/// never finishes its request head is closed; a folder without its `/`
/// is redirected; other methods are told which are allowed; the gzip
/// representation has its own tag; files veille does not publish are
/// not served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_cut_off_and_odd_requests_answered_right() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = ScriptServer::start().await;
    server.feed("a.xml", rss("a", 40), 1);
    let dir = tempfile::tempdir().unwrap();
    let config = config_with(dir.path(), "", &source("A", &server.url("a.xml"), ""));
    run(&config, true).await;
    std::fs::write(config.publish.dir.join("veille.db"), "not a feed").unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let limits = veille::serve::Limits {
        header_timeout: Duration::from_millis(500),
        ..veille::serve::Limits::default()
    };
    let folder = config.publish.dir.clone();
    tokio::spawn(veille::serve::serve_within(listener, folder, None, limits));

    // Half a request, then silence: closed after the header timeout.
    let started = std::time::Instant::now();
    let mut stalled = tokio::net::TcpStream::connect(addr).await.unwrap();
    stalled
        .write_all(b"GET /all/rss.xml HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut rest = Vec::new();
    let closed =
        tokio::time::timeout(Duration::from_secs(10), stalled.read_to_end(&mut rest)).await;
    assert!(
        closed.is_ok(),
        "the stalled connection is still open after 10 s"
    );
    assert!(started.elapsed() >= Duration::from_millis(400));

    let http = reqwest::Client::builder()
        .gzip(false)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let get = |path: &str| http.get(format!("http://{addr}{path}"));
    let folder = get("/all").send().await.unwrap();
    assert_eq!(folder.status(), 301);
    assert_eq!(folder.headers()["location"], "/all/");
    assert_eq!(get("/all/").send().await.unwrap().status(), 200);
    let post = http
        .post(format!("http://{addr}/all/rss.xml"))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 405);
    assert_eq!(post.headers()["allow"], "GET, HEAD");
    assert_eq!(get("/veille.db").send().await.unwrap().status(), 404);

    let plain = get("/all/rss.xml").send().await.unwrap();
    let plain_tag = plain.headers()["etag"].to_str().unwrap().to_string();
    let zipped = get("/all/rss.xml")
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    let zipped_tag = zipped.headers()["etag"].to_str().unwrap().to_string();
    assert_ne!(plain_tag, zipped_tag, "one tag per representation");
    let refused = get("/all/rss.xml")
        .header("accept-encoding", "gzip;q=0")
        .send()
        .await
        .unwrap();
    assert!(refused.headers().get("content-encoding").is_none());
    let weak = get("/all/rss.xml")
        .header("if-none-match", format!("W/{zipped_tag}"))
        .send()
        .await
        .unwrap();
    assert_eq!(weak.status(), 304);
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
