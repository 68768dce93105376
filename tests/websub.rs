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

/// A hub that records subscription requests and answers 202; the test
/// then plays the hub's part: verify the intent, push content.
#[derive(Clone, Default)]
struct SubscribingHub {
    requests: std::sync::Arc<std::sync::Mutex<Vec<crate::util::hub::Form>>>,
}

async fn subscribe_request(
    axum::extract::State(hub): axum::extract::State<SubscribingHub>,
    body: String,
) -> axum::http::StatusCode {
    let form = url::form_urlencoded::parse(body.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    hub.requests.lock().unwrap().push(form);
    axum::http::StatusCode::ACCEPTED
}

fn field<'f>(form: &'f [(String, String)], key: &str) -> &'f str {
    &form.iter().find(|(k, _)| k == key).unwrap().1
}

fn signed(secret: &str, body: &[u8]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let tag = ring::hmac::sign(&key, body);
    let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

fn feed_with(hub: &str, topic: &str, guid: &str, title: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\"><channel><title>Pushy</title>\
         <link>https://pushy.example.ma/</link><atom:link rel=\"hub\" href=\"{hub}\"/><atom:link rel=\"self\" href=\"{topic}\"/>\
         <item><title>{title}</title><link>https://pushy.example.ma/{guid}</link><guid>{guid}</guid>\
         <pubDate>Thu, 03 Dec 2026 08:00:00 GMT</pubDate><description>Texte.</description></item></channel></rss>"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribe_verify_and_push_with_valid_and_invalid_signatures() {
    let dir = tempfile::tempdir().unwrap();
    let hub = SubscribingHub::default();
    let app = axum::Router::new()
        .route("/hub", axum::routing::post(subscribe_request))
        .with_state(hub.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hub_url = format!("http://{}/hub", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let server = FixtureServer::start().await;
    let topic = server.url("pushy.xml");
    server.put(
        "pushy.xml",
        "application/rss+xml",
        feed_with(&hub_url, &topic, "a-1", "Premier"),
    );
    let path = write_config(dir.path(), &[("Pushy", topic.clone())]);
    let config = veille::config::Config::load(&path).unwrap();
    crate::util::run(&config, false).await;

    // veille serve --public-url, in this process.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let public = url::Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
    let routes = veille::serve::websub_routes(std::sync::Arc::new(config.clone()));
    let folder = config.publish.dir.clone();
    tokio::spawn(async move { veille::serve::serve_with(listener, folder, Some(routes)).await });

    let refused = veille::pipeline::websub::renew_subscriptions(&config, &public)
        .await
        .unwrap();
    assert!(refused.is_empty(), "{refused:?}");
    let request = hub.requests.lock().unwrap()[0].clone();
    assert_eq!(field(&request, "hub.mode"), "subscribe");
    assert_eq!(field(&request, "hub.topic"), topic);
    let callback = field(&request, "hub.callback").to_string();
    assert!(
        callback.starts_with(&format!("{public}websub/")),
        "{callback}"
    );
    let secret = field(&request, "hub.secret").to_string();
    assert!(secret.len() >= 32);

    // Intent verification: the challenge comes back; a wrong topic is refused.
    let http = reqwest::Client::new();
    let verify = |topic: &str| {
        let url = format!(
            "{callback}?hub.mode=subscribe&hub.topic={}&hub.challenge=c-42&hub.lease_seconds=864000",
            url::form_urlencoded::byte_serialize(topic.as_bytes()).collect::<String>()
        );
        http.get(url).send()
    };
    let wrong = verify("https://elsewhere.example/feed").await.unwrap();
    assert_eq!(wrong.status(), 404);
    // veille never asks to unsubscribe: a request to is not confirmed.
    let unsubscribe = http
        .get(format!(
            "{callback}?hub.mode=unsubscribe&hub.topic={}&hub.challenge=u-1",
            url::form_urlencoded::byte_serialize(topic.as_bytes()).collect::<String>()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(unsubscribe.status(), 404);
    let ok = verify(&topic).await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), "c-42");
    // Verified for ten days: nothing to renew.
    veille::pipeline::websub::renew_subscriptions(&config, &public)
        .await
        .unwrap();
    assert_eq!(hub.requests.lock().unwrap().len(), 1);

    // A signed push is stored as a fetch; a badly signed one is not.
    let good = feed_with(&hub_url, &topic, "a-2", "Poussé");
    let response = http
        .post(&callback)
        .header("content-type", "application/rss+xml")
        .header("x-hub-signature", signed(&secret, good.as_bytes()))
        .body(good)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let forged = feed_with(&hub_url, &topic, "a-3", "Forgé");
    let response = http
        .post(&callback)
        .header(
            "x-hub-signature",
            signed("not-the-secret", forged.as_bytes()),
        )
        .body(forged)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let titles: Vec<String> = {
        let pool = crate::util::db(dir.path()).await;
        let rows: Vec<(String,)> = sqlx::query_as("SELECT title FROM articles ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
        pool.close().await;
        rows.into_iter().map(|(t,)| t).collect()
    };
    assert_eq!(titles, ["Premier", "Poussé"]);
    // An unknown callback is gone.
    let gone = http
        .post(format!("{public}websub/nope"))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 410);

    // A token veille never makes is refused before the database is opened
    // or a body read: a callback whose database cannot be opened still
    // answers 404 and 410, where a token of the right shape gets 500.
    let mut broken = config.clone();
    let not_a_folder = dir.path().join("not-a-folder");
    std::fs::write(&not_a_folder, "x").unwrap();
    broken.database = veille::config::DatabaseConfig::Sqlite {
        path: not_a_folder.join("veille.db"),
    };
    broken.fetch.max_body_bytes = 1000;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let broken_url = format!("http://{}/websub", listener.local_addr().unwrap());
    let routes = veille::serve::websub_routes(std::sync::Arc::new(broken));
    let folder = config.publish.dir.clone();
    tokio::spawn(async move { veille::serve::serve_with(listener, folder, Some(routes)).await });
    let status_of = |request: reqwest::RequestBuilder| async move {
        request.send().await.unwrap().status().as_u16()
    };
    let query = "?hub.mode=subscribe&hub.topic=x&hub.challenge=c";
    let shaped = "0123456789abcdef0123456789abcdef";
    assert_eq!(
        status_of(http.get(format!("{broken_url}/nope{query}"))).await,
        404
    );
    assert_eq!(
        status_of(
            http.post(format!("{broken_url}/nope"))
                .body(vec![b'x'; 5000])
        )
        .await,
        410
    );
    assert_eq!(
        status_of(http.get(format!("{broken_url}/{shaped}{query}"))).await,
        500
    );
    assert_eq!(
        status_of(
            http.post(format!("{broken_url}/{shaped}"))
                .body(vec![b'x'; 5000])
        )
        .await,
        413,
        "a body over fetch.max_body_bytes"
    );
}
