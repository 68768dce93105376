//! Telling hubs that feed files changed. Each ping is tried three times
//! (a hub that is restarting answers the second), all pings at once, and
//! the whole step has a deadline: a hub that hangs never holds up a run.

use std::time::Duration;

use tokio::task::JoinSet;
use url::Url;

/// Attempts per ping.
const ATTEMPTS: u32 = 3;
/// Time allowed for one attempt.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);
/// Time allowed for all pings of a run.
const DEADLINE: Duration = Duration::from_secs(20);

/// A ping that did not get through: the hub, the feed and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PingFailure {
    /// The hub.
    pub hub: String,
    /// The feed file's public URL.
    pub topic: String,
    /// The last attempt's error, or that the deadline passed.
    pub reason: String,
}

impl std::fmt::Display for PingFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "WebSub hub {} not told that {} changed: {}",
            self.hub, self.topic, self.reason
        )
    }
}

/// Pings every hub for every changed feed file (`topics`: their public
/// URLs); returns the pings that failed.
pub async fn ping_hubs(hubs: &[Url], topics: &[String]) -> Vec<PingFailure> {
    if hubs.is_empty() || topics.is_empty() {
        return Vec::new();
    }
    // A redirected POST becomes a GET: a hub that moved must be
    // configured at its new address.
    let client = match reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(ATTEMPT_TIMEOUT)
        .user_agent(crate::config::DEFAULT_USER_AGENT)
        .build()
    {
        Ok(client) => client,
        Err(e) => return failures(hubs, topics, &e.to_string()),
    };
    let mut pings = JoinSet::new();
    for hub in hubs {
        for topic in topics {
            pings.spawn(ping_with_retries(
                client.clone(),
                hub.clone(),
                topic.clone(),
            ));
        }
    }
    let mut failed = Vec::new();
    let all = async {
        while let Some(done) = pings.join_next().await {
            if let Ok(Err(failure)) = done {
                failed.push(failure);
            }
        }
    };
    if tokio::time::timeout(DEADLINE, all).await.is_err() {
        failed.push(PingFailure {
            hub: hubs.iter().map(Url::as_str).collect::<Vec<_>>().join(", "),
            topic: format!("{} feed files", topics.len()),
            reason: format!("some hubs had not answered after {} s", DEADLINE.as_secs()),
        });
    }
    failed
}

async fn ping_with_retries(
    client: reqwest::Client,
    hub: Url,
    topic: String,
) -> Result<(), PingFailure> {
    let mut reason = String::new();
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(500 << attempt)).await;
        }
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("hub.mode", "publish")
            .append_pair("hub.url", &topic)
            .finish();
        let sent = client
            .post(hub.clone())
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(form)
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => return Ok(()),
            Ok(response) => reason = format!("HTTP {}", response.status().as_u16()),
            Err(e) => reason = crate::untrusted::with_causes(&e.without_url()),
        }
    }
    Err(PingFailure {
        hub: hub.to_string(),
        topic,
        reason,
    })
}

fn failures(hubs: &[Url], topics: &[String], reason: &str) -> Vec<PingFailure> {
    hubs.iter()
        .flat_map(|hub| {
            topics.iter().map(move |topic| PingFailure {
                hub: hub.to_string(),
                topic: topic.clone(),
                reason: reason.to_string(),
            })
        })
        .collect()
}
