//! Alerts posting to a real webhook receiver on 127.0.0.1: items arrive
//! once, after a failing receiver recovers, with the same idempotency key.

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::StatusCode;
use veille::config::Config;

use crate::util::FixtureServer;

/// A webhook receiver that answers 500 while `failing`, and keeps every
/// body it was sent with the status it answered.
#[derive(Clone, Default)]
struct Receiver {
    failing: Arc<Mutex<bool>>,
    /// A process to SIGKILL when a message arrives, before answering.
    kill_on_receipt: Arc<Mutex<Option<u32>>>,
    received: Arc<Mutex<Vec<(u16, serde_json::Value)>>>,
}

async fn receive(State(receiver): State<Receiver>, body: String) -> StatusCode {
    let status = if *receiver.failing.lock().unwrap() {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    };
    let json = serde_json::from_str(&body).unwrap_or(serde_json::Value::String(body));
    let victim = receiver.kill_on_receipt.lock().unwrap().take();
    if let Some(pid) = victim {
        // Received, and the sender dies before it hears the answer.
        receiver.received.lock().unwrap().push((0, json));
        let kill = std::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
        assert!(kill.unwrap().success());
        return StatusCode::OK;
    }
    receiver
        .received
        .lock()
        .unwrap()
        .push((status.as_u16(), json));
    status
}

impl Receiver {
    async fn start() -> (Receiver, String) {
        let receiver = Receiver::default();
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (receiver, url)
    }

    fn accepted(&self) -> Vec<serde_json::Value> {
        let received = self.received.lock().unwrap();
        received
            .iter()
            .filter(|(s, _)| *s == 200)
            .map(|(_, b)| b.clone())
            .collect()
    }
}

/// The publish tests' three outlets, and `alert` appended to the config.
async fn configured(dir: &std::path::Path, alert: &str) -> (FixtureServer, Config) {
    let (server, path) = crate::util::three_outlets(dir).await;
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(alert);
    std::fs::write(&path, text).unwrap();
    (server, Config::load(&path).unwrap())
}

/// Adds "Outlet A" and "Outlet B", carrying the same long story about
/// Morocco's AI governance, to `config`'s file; returns it reloaded.
fn with_one_story_at_two_outlets(server: &FixtureServer, config: &Config) -> Config {
    let story = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title><link>https://a.example.ma/</link>\
        <item><title>Le Maroc installe une autorité de gouvernance de l'intelligence artificielle</title>\
        <link>https://a.example.ma/ia-autorite</link><guid>ia-autorite</guid><pubDate>Thu, 05 Feb 2026 12:00:00 +0100</pubDate>\
        <description>Rabat : le gouvernement marocain installe une autorité nationale chargée de la gouvernance de l'intelligence \
        artificielle, de la protection des données personnelles et de l'éthique des algorithmes dans les administrations publiques.</description>\
        </item></channel></rss>";
    server.put("story-a.xml", "application/rss+xml", story);
    server.put(
        "story-b.xml",
        "application/rss+xml",
        story.replace("a.example.ma", "b.example.ma"),
    );
    let mut text = std::fs::read_to_string(&config.path).unwrap();
    text = text.replacen(
        "[[feed]]",
        &format!(
            "[[source]]\nname = \"Outlet A\"\nurl = \"{}\"\n\n[[source]]\nname = \"Outlet B\"\nurl = \"{}\"\n\n[[feed]]",
            server.url("story-a.xml"),
            server.url("story-b.xml")
        ),
        1,
    );
    std::fs::write(&config.path, text).unwrap();
    Config::load(&config.path).unwrap()
}

fn titles(payload: &serde_json::Value) -> Vec<String> {
    let mut titles: Vec<String> = payload["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap().to_string())
        .collect();
    titles.sort();
    titles
}

/// Moves a failed alert's next attempt to now, as time passing would.
async fn retry_now(dir: &std::path::Path) {
    let pool = crate::util::db(dir).await;
    sqlx::query("UPDATE alerts SET next_attempt_at = NULL")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}

#[tokio::test]
async fn items_arrive_once_after_the_receiver_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let (receiver, hook) = Receiver::start().await;
    *receiver.failing.lock().unwrap() = true;
    let alert = format!(
        "\n[[alert]]\nname = \"team\"\nfeeds = [\"morocco-ai-governance\"]\nwebhook = {{ url = \"{hook}\" }}\n"
    );
    let (_server, config) = configured(dir.path(), &alert).await;

    // The receiver fails: the run goes on, the alert says why.
    let report = crate::util::run(&config, false).await;
    let error = report.alerts[0].error.as_ref().map(ToString::to_string);
    assert_eq!(
        error.as_deref(),
        Some("alert \"team\": the webhook answered HTTP 500")
    );
    assert_eq!(report.totals.feeds_written, 2);
    // Before the backoff is over, nothing is tried again.
    crate::util::run(&config, true).await;
    assert_eq!(receiver.received.lock().unwrap().len(), 1);

    *receiver.failing.lock().unwrap() = false;
    retry_now(dir.path()).await;
    let report = crate::util::run(&config, true).await;
    assert!(report.alerts[0].error.is_none());
    assert_eq!(report.alerts[0].sent, 3);
    let accepted = receiver.accepted();
    assert_eq!(accepted.len(), 1);
    let payload = &accepted[0];
    assert_eq!(
        titles(payload),
        [
            "Le Maroc adopte une stratégie nationale d'intelligence artificielle",
            "Morocco sets up an AI governance council",
            "المغرب يطلق استراتيجية وطنية للذكاء الاصطناعي وحكامة المعطيات",
        ]
    );
    // The retry is the failed message again: same key.
    let failed_key = receiver.received.lock().unwrap()[0].1["idempotency_key"].clone();
    assert_eq!(payload["idempotency_key"], failed_key);
    let item = &payload["items"][0];
    assert_eq!(item["feed"], "morocco-ai-governance");
    assert!(item["uid"].as_str().unwrap().len() >= 32, "{item}");
    assert!(
        item["matched_terms"]
            .as_array()
            .is_some_and(|t| !t.is_empty()),
        "{item}"
    );

    // Republished at every run, announced once.
    crate::util::run(&config, true).await;
    assert_eq!(receiver.accepted().len(), 1);
    assert_eq!(receiver.received.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn a_new_alert_announces_new_items_only_and_slack_gets_text() {
    let dir = tempfile::tempdir().unwrap();
    let (receiver, hook) = Receiver::start().await;
    let (server, config) = configured(dir.path(), "").await;
    crate::util::run(&config, false).await;
    // Times are stored to the second: the next run starts in a later one.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;

    // Added after the archive was stored: the archive is not announced.
    let alert = format!(
        "\n[[alert]]\nname = \"chat\"\nfeeds = [\"everything\"]\nwebhook = {{ url = \"{hook}\", format = \"slack\" }}\n"
    );
    let mut text = std::fs::read_to_string(&config.path).unwrap();
    text.push_str(&alert);
    std::fs::write(&config.path, text).unwrap();
    let config = Config::load(&config.path).unwrap();
    let report = crate::util::run(&config, true).await;
    assert_eq!(report.alerts[0].sent, 0);
    assert!(receiver.received.lock().unwrap().is_empty());

    // A new item is.
    let mut feed = String::from_utf8(crate::util::fixture("maroc-rss2.xml")).unwrap();
    feed = feed.replacen(
        "<item>",
        "<item><title>Nouvelle loi sur les données</title><link>https://maroc.example.ma/loi</link><guid>loi-1</guid><pubDate>Thu, 03 Dec 2026 08:00:00 GMT</pubDate><description>Texte.</description></item><item>",
        1,
    );
    server.put("maroc-rss2.xml", "application/rss+xml", feed);
    let report = crate::util::run(&config, true).await;
    assert_eq!(report.alerts[0].sent, 1);
    let accepted = receiver.accepted();
    let text = accepted[0]["text"].as_str().unwrap();
    assert!(text.starts_with("chat: 1 new item\n• <https://maroc.example.ma/loi|Nouvelle loi sur les données> (Maroc FR)"), "{text}");
}

/// The text of the MIME part of type `mime` in `mail`.
fn part(mail: &mailparse::ParsedMail<'_>, mime: &str) -> String {
    mail.subparts
        .iter()
        .find(|p| p.ctype.mimetype == mime)
        .unwrap_or_else(|| panic!("no {mime} part"))
        .get_body()
        .unwrap()
}

#[tokio::test]
async fn an_email_digest_groups_by_feed_and_story_and_waits_for_its_period() {
    let dir = tempfile::tempdir().unwrap();
    let sink = crate::util::smtp::SmtpSink::start().await;
    let alert = format!(
        "\n[[alert]]\nname = \"morning-digest\"\nfeeds = [\"morocco-ai-governance\"]\nevery = \"1d\"\n\
         email = {{ to = [\"analyst@example.org\"], from = \"veille@example.org\", smtp = \"smtp://127.0.0.1:{}\", starttls = false }}\n",
        sink.port
    );
    let (server, config) = configured(dir.path(), &alert).await;
    // One story at two more outlets: one entry naming both.
    let config = with_one_story_at_two_outlets(&server, &config);

    let report = crate::util::run(&config, false).await;
    assert!(
        report.alerts[0].error.is_none(),
        "{:?}",
        report.alerts[0].error
    );
    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].to, ["<analyst@example.org>"]);
    let mail = mailparse::parse_mail(&messages[0].data).unwrap();
    let subject = mail
        .headers
        .iter()
        .find(|h| h.get_key() == "Subject")
        .unwrap()
        .get_value();
    assert_eq!(
        subject,
        format!("morning-digest: {} new items", report.alerts[0].sent)
    );
    assert_eq!(mail.ctype.mimetype, "multipart/alternative");
    let plain = part(&mail, "text/plain");
    let html = part(&mail, "text/html");
    assert!(
        plain.contains("morocco-ai-governance (https://example.org/veille/morocco-ai-governance/)"),
        "{plain}"
    );
    assert!(
        html.contains("<a href=\"https://example.org/veille/morocco-ai-governance/\">"),
        "{html}"
    );
    // Five items (one story at two outlets), four entries.
    assert_eq!(report.alerts[0].sent, 5);
    let french = "Le Maroc installe une autorité de gouvernance de l'intelligence artificielle";
    assert_eq!(plain.matches(french).count(), 1, "{plain}");
    let entry = plain.lines().find(|l| l.contains(french)).unwrap();
    assert!(
        entry.contains("Outlet A; also Outlet B") || entry.contains("Outlet B; also Outlet A"),
        "{entry}"
    );
    assert!(
        html.contains("Morocco sets up an AI governance council"),
        "{html}"
    );

    // A new item the next run: the digest waits for its day.
    let mut feed = String::from_utf8(crate::util::fixture("maroc-rss2.xml")).unwrap();
    feed = feed.replacen(
        "<item>",
        "<item><title>Le Maroc et l'intelligence artificielle : une loi</title><link>https://maroc.example.ma/ia-loi</link><guid>ia-loi</guid><pubDate>Thu, 03 Dec 2026 08:00:00 GMT</pubDate><description>Gouvernance des données et IA au Maroc.</description></item><item>",
        1,
    );
    server.put("maroc-rss2.xml", "application/rss+xml", feed);
    let report = crate::util::run(&config, true).await;
    assert_eq!(report.alerts[0].sent, 0);
    assert_eq!(sink.messages().len(), 1);
}

#[tokio::test]
async fn a_missing_secret_names_the_alert_and_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let alert = "\n[[alert]]\nname = \"team\"\nfeeds = [\"everything\"]\nwebhook = { url_env = \"VEILLE_TEST_HOOK_NEVER_SET\" }\n";
    let (_server, config) = configured(dir.path(), alert).await;
    let report = crate::util::run(&config, false).await;
    let error = report.alerts[0].error.as_ref().map(ToString::to_string);
    assert_eq!(
        error.as_deref(),
        Some("alert \"team\": environment variable VEILLE_TEST_HOOK_NEVER_SET is not set")
    );
    // The items wait: `veille alerts` shows them and the error.
    let output = crate::util::veille(&config.path, &["alerts"]);
    let listing = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success());
    let line = listing.lines().find(|l| l.starts_with("team")).unwrap();
    assert!(
        line.contains("retrying")
            && line.contains(" 3 ")
            && line.contains("VEILLE_TEST_HOOK_NEVER_SET"),
        "{listing}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_test_sends_one_sample_and_records_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let sink = crate::util::smtp::SmtpSink::start().await;
    let alert = format!(
        "\n[[alert]]\nname = \"digest\"\nfeeds = [\"everything\"]\nevery = \"1d\"\n\
         email = {{ to = [\"analyst@example.org\"], from = \"veille@example.org\", smtp = \"smtp://127.0.0.1:{}\" }}\n",
        sink.port
    );
    let (_server, config) = configured(dir.path(), &alert).await;
    let path = config.path.clone();
    let output = tokio::task::spawn_blocking(move || {
        crate::util::veille(&path, &["alerts", "test", "digest"])
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    let mail = mailparse::parse_mail(&messages[0].data).unwrap();
    assert!(part(&mail, "text/plain").contains("a sample item, to check this alert"));
    assert!(
        !dir.path().join("data/veille.db").exists(),
        "a test send opens no database"
    );

    let path = config.path.clone();
    let output = tokio::task::spawn_blocking(move || {
        crate::util::veille(&path, &["alerts", "test", "nope"])
    })
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(2), "a usage error");
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "veille: no [[alert]] is named \"nope\"\n"
    );
}

/// Commands that send without fetching first (`publish`, `alerts test`)
/// have what HTTPS needs too: they used to panic before the first request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_and_alerts_test_send_webhooks_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let (receiver, hook) = Receiver::start().await;
    let alert = format!(
        "\n[[alert]]\nname = \"team\"\nfeeds = [\"morocco-ai-governance\"]\nwebhook = {{ url = \"{hook}\" }}\n"
    );
    let (_server, config) = configured(dir.path(), &alert).await;
    let path = config.path.clone();
    let outputs = tokio::task::spawn_blocking(move || {
        [
            crate::util::veille(&path, &["fetch", "--all"]),
            crate::util::veille(&path, &["-q", "publish"]),
            crate::util::veille(&path, &["alerts", "test", "team"]),
        ]
    })
    .await
    .unwrap();
    for output in &outputs {
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert!(outputs[1].stderr.is_empty() && outputs[1].stdout.is_empty());
    let accepted = receiver.accepted();
    assert_eq!(accepted.len(), 2, "the published items, then the sample");
    assert_eq!(titles(&accepted[0]).len(), 3);
}

#[tokio::test]
async fn three_failures_in_a_row_show_in_the_health_feed_until_a_success() {
    let dir = tempfile::tempdir().unwrap();
    let (receiver, hook) = Receiver::start().await;
    *receiver.failing.lock().unwrap() = true;
    let alert = format!(
        "\n[[alert]]\nname = \"team\"\nfeeds = [\"everything\"]\nwebhook = {{ url = \"{hook}\", format = \"text\" }}\n"
    );
    let (_server, config) = configured(dir.path(), &alert).await;
    let health = || std::fs::read_to_string(config.publish.dir.join("health/atom.xml")).unwrap();
    let listing =
        || String::from_utf8(crate::util::veille(&config.path, &["alerts"]).stdout).unwrap();
    for attempt in 1..=3 {
        crate::util::run(&config, true).await;
        assert_eq!(
            health().contains("alert team: failing"),
            attempt == 3,
            "after {attempt}"
        );
        assert_eq!(
            listing().contains("failing"),
            attempt == 3,
            "after {attempt}"
        );
        retry_now(dir.path()).await;
    }
    let entry = health();
    assert!(
        entry.contains("3 failures in a row, 3 items waiting; last error: alert"),
        "{entry}"
    );
    assert!(entry.contains("the webhook answered HTTP 500"), "{entry}");
    assert_eq!(receiver.received.lock().unwrap().len(), 3);

    *receiver.failing.lock().unwrap() = false;
    crate::util::run(&config, true).await;
    assert!(!health().contains("alert team"));
    assert!(
        listing()
            .lines()
            .any(|l| l.starts_with("team") && l.contains(" ok ")),
        "{}",
        listing()
    );
    let accepted = receiver.accepted();
    assert_eq!(accepted.len(), 1);
    let text = accepted[0].as_str().unwrap();
    assert!(text.starts_with("team: 3 new items\n• "), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_two_workers_send_each_item_once() {
    let Some(url) = crate::util::postgres::fresh_database("alerts").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (receiver, hook) = Receiver::start().await;
    *receiver.failing.lock().unwrap() = true;
    let alert = format!(
        "\n[[alert]]\nname = \"team\"\nfeeds = [\"morocco-ai-governance\"]\nwebhook = {{ url = \"{hook}\" }}\n"
    );
    let (_server, config) = configured(dir.path(), &alert).await;
    let config = crate::util::postgres::on_postgres(config, &url);
    let report = crate::util::run(&config, false).await;
    assert!(report.alerts[0].error.is_some());

    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    sqlx::query("UPDATE alerts SET next_attempt_at = NULL")
        .execute(&pool)
        .await
        .unwrap();
    *receiver.failing.lock().unwrap() = false;
    let (a, b) = tokio::join!(
        crate::util::run(&config, true),
        crate::util::run(&config, true)
    );
    assert_eq!(a.alerts[0].sent + b.alerts[0].sent, 3);
    let accepted = receiver.accepted();
    assert_eq!(accepted.len(), 1);
    assert_eq!(titles(&accepted[0]).len(), 3);
    let failed_key = receiver.received.lock().unwrap()[0].1["idempotency_key"].clone();
    assert_eq!(accepted[0]["idempotency_key"], failed_key);
    let (sent, items): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM alert_deliveries WHERE sent_at IS NOT NULL), (SELECT count(*) FROM alert_items)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((sent, items), (1, 3));
    pool.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_killed_between_send_and_record_sends_the_same_message_again() {
    use std::os::unix::process::ExitStatusExt;

    let dir = tempfile::tempdir().unwrap();
    let (receiver, hook) = Receiver::start().await;
    let alert = format!(
        "\n[[alert]]\nname = \"team\"\nfeeds = [\"morocco-ai-governance\"]\nwebhook = {{ url = \"{hook}\" }}\n"
    );
    let (_server, config) = configured(dir.path(), &alert).await;
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("veille"))
        .args(["-q", "-c"])
        .arg(&config.path)
        .arg("run")
        .spawn()
        .unwrap();
    *receiver.kill_on_receipt.lock().unwrap() = Some(child.id());
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert_eq!(
        status.signal(),
        Some(9),
        "the run should have been killed while sending: {status:?} {:?}",
        receiver.received.lock().unwrap()
    );
    assert!(receiver.accepted().is_empty());

    // The next run sends the message it had written: same key, same items.
    let report = crate::util::run(&config, true).await;
    assert_eq!(report.alerts[0].sent, 3);
    let received = receiver.received.lock().unwrap().clone();
    assert_eq!(received.len(), 2);
    assert_eq!(
        received[0].1["idempotency_key"],
        received[1].1["idempotency_key"]
    );
    assert_eq!(titles(&received[0].1), titles(&received[1].1));
    assert_eq!(titles(&received[1].1).len(), 3);
    crate::util::run(&config, true).await;
    assert_eq!(receiver.received.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn check_lists_alerts_without_their_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let alert = "\n[[alert]]\nname = \"chat\"\nfeeds = [\"everything\"]\nwebhook = { url = \"https://hooks.example.org/services/T0/B0/s3cr3t-token\" }\n\n\
        [[alert]]\nname = \"morning\"\nfeeds = [\"morocco-ai-governance\"]\nevery = \"1d\"\nat = \"08:00\"\ntimezone = \"Africa/Casablanca\"\n\
        email = { to = [\"analyst@example.org\"], from = \"veille@example.org\", smtp = \"smtp://mail.example.org\", starttls = true, user = \"veille\", password_env = \"VEILLE_SMTP_PASSWORD\" }\n";
    let (_server, config) = configured(dir.path(), alert).await;
    let output = crate::util::veille(&config.path, &["check"]);
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success());
    assert!(
        text.contains("  chat  at every run  webhook to hooks.example.org  feeds: everything\n"),
        "{text}"
    );
    assert!(
        text.contains("  morning  every 1d at 08:00 Africa/Casablanca  e-mail to analyst@example.org via mail.example.org:587  feeds: morocco-ai-governance\n"),
        "{text}"
    );
    assert!(!text.contains("s3cr3t"), "{text}");
}

#[tokio::test]
async fn a_feed_added_to_an_alert_sends_no_archive_and_a_removed_alert_is_forgotten() {
    let dir = tempfile::tempdir().unwrap();
    let (receiver, hook) = Receiver::start().await;
    let alert = format!(
        "\n[[alert]]\nname = \"team\"\nfeeds = [\"morocco-ai-governance\"]\nwebhook = {{ url = \"{hook}\" }}\n"
    );
    let (_server, config) = configured(dir.path(), &alert).await;
    crate::util::run(&config, false).await;
    assert_eq!(receiver.accepted().len(), 1);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;

    // The catch-all feed joins: what it already held is not news.
    let text = std::fs::read_to_string(&config.path).unwrap().replace(
        "feeds = [\"morocco-ai-governance\"]\nwebhook",
        "feeds = [\"morocco-ai-governance\", \"everything\"]\nwebhook",
    );
    std::fs::write(&config.path, &text).unwrap();
    let config = Config::load(&config.path).unwrap();
    let report = crate::util::run(&config, true).await;
    assert_eq!(report.alerts[0].sent, 0);
    assert_eq!(receiver.accepted().len(), 1);

    // Removed from the config: its rows go.
    let without = text.split("\n[[alert]]").next().unwrap().to_string();
    std::fs::write(&config.path, without).unwrap();
    let config = Config::load(&config.path).unwrap();
    crate::util::run(&config, true).await;
    let pool = crate::util::db(dir.path()).await;
    let rows: (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM alerts), (SELECT count(*) FROM alert_items), (SELECT count(*) FROM alert_deliveries)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(rows, (0, 0, 0));
    pool.close().await;
}

#[tokio::test]
async fn a_refused_email_is_sent_again_with_the_same_message_id() {
    let dir = tempfile::tempdir().unwrap();
    let sink = crate::util::smtp::SmtpSink::start().await;
    *sink.refusing.lock().unwrap() = true;
    let alert = format!(
        "\n[[alert]]\nname = \"mail\"\nfeeds = [\"morocco-ai-governance\"]\n\
         email = {{ to = [\"analyst@example.org\"], from = \"veille@example.org\", smtp = \"smtp://127.0.0.1:{}\" }}\n",
        sink.port
    );
    let (_server, config) = configured(dir.path(), &alert).await;
    let report = crate::util::run(&config, false).await;
    let error = report.alerts[0].error.as_ref().unwrap().to_string();
    assert!(
        error.starts_with("alert \"mail\": SMTP: ") && error.contains("451"),
        "{error}"
    );
    let refused_id = sink.last_refused_message_id();

    *sink.refusing.lock().unwrap() = false;
    retry_now(dir.path()).await;
    let report = crate::util::run(&config, true).await;
    assert_eq!(report.alerts[0].sent, 3);
    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    let mail = mailparse::parse_mail(&messages[0].data).unwrap();
    let id = mail
        .headers
        .iter()
        .find(|h| h.get_key() == "Message-ID")
        .unwrap()
        .get_value();
    assert_eq!(Some(id), refused_id);
}

#[tokio::test]
async fn json_items_name_the_other_outlets_of_their_story() {
    let dir = tempfile::tempdir().unwrap();
    let (receiver, hook) = Receiver::start().await;
    let alert = format!(
        "\n[[alert]]\nname = \"team\"\nfeeds = [\"morocco-ai-governance\"]\nwebhook = {{ url = \"{hook}\" }}\n"
    );
    let (server, config) = configured(dir.path(), &alert).await;
    let config = with_one_story_at_two_outlets(&server, &config);
    crate::util::run(&config, false).await;
    let accepted = receiver.accepted();
    let items = accepted[0]["items"].as_array().unwrap();
    let outlets_of = |outlet: &str| {
        items.iter().find(|i| i["outlet"] == outlet).unwrap()["other_outlets"].clone()
    };
    assert_eq!(outlets_of("Outlet A"), serde_json::json!(["Outlet B"]));
    assert_eq!(outlets_of("Outlet B"), serde_json::json!(["Outlet A"]));
    assert_eq!(outlets_of("Akhbar"), serde_json::json!([]));
}
