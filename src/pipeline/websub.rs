//! WebSub, the subscriber's side, as `veille serve --public-url` runs
//! it: ask the hubs that sources name to push their feeds (and renew
//! before the lease ends), answer the hubs' intent verification, and
//! store what they push through the same path as a fetch. Polling goes
//! on as before: a push only brings new items sooner.

use chrono::{DateTime, Duration, Utc};
use url::Url;

use super::{RunError, SourceOutcome};
use crate::config::Config;
use crate::fetch::{FetchResponse, Fetcher};
use crate::store::{Store, Subscription, WebSubTarget};
use crate::websub::{
    SubscribeError, SubscribeRequest, random_hex, request_subscription, signature_valid,
};

/// The lease asked for: ten days, the Recommendation's usual default.
const LEASE_SECONDS: u64 = 10 * 86_400;

/// A lease is renewed when less than this is left.
const RENEW_BEFORE: Duration = Duration::days(1);

/// A request the hub has not verified within this is made again.
const VERIFY_WITHIN: Duration = Duration::hours(1);

/// What became of a push.
#[derive(Debug)]
pub enum PushOutcome {
    /// No subscription has that callback (or its source left the config).
    Unknown,
    /// The signature does not match: ignored, as the Recommendation asks.
    BadSignature,
    /// Stored as a fetch of the source.
    Stored(SourceOutcome),
}

/// What the hub's verification request asks (its query parameters).
#[derive(Debug, Clone, Default)]
pub struct Intent {
    /// `hub.mode`: `subscribe`, `unsubscribe` or `denied`.
    pub mode: String,
    /// `hub.topic`.
    pub topic: String,
    /// `hub.challenge`, to echo.
    pub challenge: Option<String>,
    /// `hub.lease_seconds`.
    pub lease_seconds: Option<u64>,
}

/// Subscribes to every source whose feed names a hub and is not
/// subscribed, or whose lease ends soon; returns the hubs that refused.
pub async fn renew_subscriptions(
    config: &Config,
    public_url: &Url,
) -> Result<Vec<SubscribeError>, RunError> {
    let store = Store::open(&config.database).await?;
    let fetcher = Fetcher::new(&config.fetch)?;
    let now = Utc::now();
    let mut refused = Vec::new();
    for target in store.websub_targets().await? {
        let Some(source) = config
            .enabled_sources()
            .find(|s| s.name == target.source_name)
        else {
            continue;
        };
        let Some(subscription) = due_request(&target, now) else {
            continue;
        };
        let callback = public_url
            .join(&format!("websub/{}", subscription.callback))
            .map(|u| u.to_string())
            .unwrap_or_default();
        let request = SubscribeRequest {
            hub: &subscription.hub,
            source_url: &source.url,
            topic: &subscription.topic,
            callback: &callback,
            secret: &subscription.secret,
            lease_seconds: LEASE_SECONDS,
        };
        // Recorded first: the hub may verify before it answers.
        store.websub_requested(&subscription, now).await?;
        if let Err(e) = request_subscription(&fetcher, request).await {
            refused.push(e);
        }
    }
    store.close().await;
    Ok(refused)
}

/// How often `veille serve --public-url` looks for subscriptions to make
/// or renew.
const SUBSCRIBE_EVERY: std::time::Duration = std::time::Duration::from_secs(300);

/// Makes and renews subscriptions for ever (`veille serve --public-url`),
/// at once and then every five minutes; a hub that refuses is a line.
pub async fn subscribe_every(config: Config, public_url: Url) {
    loop {
        match renew_subscriptions(&config, &public_url).await {
            Ok(refused) => {
                for e in refused {
                    eprintln!("veille: {}", crate::untrusted::error_column(&e.to_string()));
                }
            }
            Err(e) => eprintln!("veille: WebSub subscriptions: {e}"),
        }
        tokio::time::sleep(SUBSCRIBE_EVERY).await;
    }
}

/// The subscription to ask for now, when one is due: none yet, another
/// hub or topic, a lease ending within a day, or a request the hub has
/// not verified within an hour. The token and secret are kept while the
/// hub and topic are the same.
fn due_request(target: &WebSubTarget, now: DateTime<Utc>) -> Option<Subscription> {
    let current = target
        .subscription
        .as_ref()
        .filter(|s| s.hub == target.hub && s.topic == target.topic);
    let due = match current {
        None => true,
        Some(s) => request_due(s, now),
    };
    if !due {
        return None;
    }
    let (callback, secret) = match current {
        Some(s) => (s.callback.clone(), s.secret.clone()),
        None => (random_hex(16)?, random_hex(32)?),
    };
    Some(Subscription {
        source_id: target.source_id,
        source_name: target.source_name.clone(),
        hub: target.hub.clone(),
        topic: target.topic.clone(),
        callback,
        secret,
        requested_at: None,
        verified_at: None,
        lease_until: None,
        denied_at: None,
    })
}

/// Whether a subscription to the same hub and topic is to be asked for
/// again: a request the hub has not answered within an hour, a lease
/// ending within a day, a refusal a day old.
fn request_due(s: &Subscription, now: DateTime<Utc>) -> bool {
    if s.denied_at.is_some_and(|at| now - at < Duration::days(1)) {
        return false;
    }
    let answered = match (s.requested_at, s.verified_at) {
        (Some(asked), Some(verified)) => verified >= asked,
        (None, Some(_)) => true,
        (_, None) => false,
    };
    if !answered || s.denied_at.is_some() {
        return s.requested_at.is_none_or(|at| now - at > VERIFY_WITHIN);
    }
    s.lease_until.is_none_or(|until| until - now < RENEW_BEFORE)
}

/// Answers a hub's verification of intent: the challenge to echo, or
/// `None` (404) for a callback or topic veille did not ask for.
pub async fn verify_intent(
    store: &Store,
    callback: &str,
    intent: &Intent,
) -> Result<Option<String>, RunError> {
    let subscription = store.websub_subscription(callback).await?;
    let answer = match subscription.filter(|s| s.topic == intent.topic) {
        None => None,
        Some(_) => match intent.mode.as_str() {
            "subscribe" => {
                let lease = intent
                    .lease_seconds
                    .unwrap_or(LEASE_SECONDS)
                    .min(366 * 86_400);
                let now = Utc::now();
                let until = now + Duration::seconds(i64::try_from(lease).unwrap_or(0));
                store.websub_verified(callback, now, until).await?;
                intent.challenge.clone()
            }
            // veille never asks to unsubscribe: such a request is not its.
            "denied" => {
                store.websub_denied(callback, Utc::now()).await?;
                Some(String::new())
            }
            _ => None,
        },
    };
    Ok(answer)
}

/// Checks a push's signature and stores its content as a fetch of the
/// subscription's source.
pub async fn receive_push(
    store: &Store,
    config: &Config,
    callback: &str,
    (signature, content_type): (Option<&str>, Option<&str>),
    body: Vec<u8>,
) -> Result<PushOutcome, RunError> {
    let Some(subscription) = store.websub_subscription(callback).await? else {
        return Ok(PushOutcome::Unknown);
    };
    if !signature_valid(&subscription.secret, signature, &body) {
        return Ok(PushOutcome::BadSignature);
    }
    let Some(source) = config
        .enabled_sources()
        .find(|s| s.name == subscription.source_name)
    else {
        return Ok(PushOutcome::Unknown);
    };
    let now = Utc::now();
    let Some(state) = store.source_state_by_id(subscription.source_id).await? else {
        return Ok(PushOutcome::Unknown);
    };
    let run_id = store.start_run("push", now).await?;
    let mut response = pushed_response(&subscription.topic, source, content_type, body);
    // The next poll stays conditional: a push brings no validators.
    response.etag = state.etag.clone();
    response.last_modified = state.last_modified.clone();
    let fetcher = Fetcher::new(&config.fetch)?;
    let pair = (source.clone(), state);
    let outcome =
        super::fetch_all::store_pushed(store, &fetcher, pair, response, run_id, &config.fetch)
            .await?;
    super::cluster_new_articles(store, now, Some(run_id)).await?;
    let mut totals = crate::store::RunTotals::default();
    super::count_sources(&mut totals, std::slice::from_ref(&outcome));
    store
        .finish_run(run_id, &totals, &Default::default(), Utc::now())
        .await?;
    Ok(PushOutcome::Stored(outcome))
}

/// The push as a fetch's response: a 200 from the topic's URL.
fn pushed_response(
    topic: &str,
    source: &crate::config::SourceConfig,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> FetchResponse {
    let charset = content_type.and_then(|t| {
        t.split(';')
            .filter_map(|p| p.trim().strip_prefix("charset="))
            .next()
            .map(|c| c.trim_matches('"').to_string())
    });
    FetchResponse {
        final_url: Url::parse(topic).unwrap_or_else(|_| source.url.clone()),
        status: 200,
        not_modified: false,
        body,
        content_type: content_type.map(str::to_string),
        charset,
        etag: None,
        last_modified: None,
        permanent_redirect: None,
        max_age: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(subscription: Option<Subscription>) -> WebSubTarget {
        WebSubTarget {
            source_id: 7,
            source_name: "Hespress".into(),
            hub: "https://hub.example.org/".into(),
            topic: "https://news.example.ma/feed".into(),
            subscription,
        }
    }

    fn subscribed(
        verified: Option<i64>,
        lease_hours: Option<i64>,
        asked_hours_ago: i64,
    ) -> Subscription {
        let now = Utc::now();
        Subscription {
            source_id: 7,
            source_name: "Hespress".into(),
            hub: "https://hub.example.org/".into(),
            topic: "https://news.example.ma/feed".into(),
            callback: "token".into(),
            secret: "secret".into(),
            requested_at: Some(now - Duration::hours(asked_hours_ago)),
            verified_at: verified.map(|h| now - Duration::hours(h)),
            lease_until: lease_hours.map(|h| now + Duration::hours(h)),
            denied_at: None,
        }
    }

    #[test]
    fn leases_are_renewed_a_day_before_they_end_with_the_same_token() {
        let now = Utc::now();
        assert!(due_request(&target(Some(subscribed(Some(1), Some(48), 1))), now).is_none());
        let renewal = due_request(&target(Some(subscribed(Some(1), Some(20), 1))), now).unwrap();
        assert_eq!(
            (renewal.callback.as_str(), renewal.secret.as_str()),
            ("token", "secret")
        );
        // Not verified: asked again after an hour, not before.
        assert!(due_request(&target(Some(subscribed(None, None, 0))), now).is_none());
        assert!(due_request(&target(Some(subscribed(None, None, 2))), now).is_some());
        // A new hub: a new token and secret.
        let mut moved = target(Some(subscribed(Some(1), Some(48), 1)));
        moved.hub = "https://other-hub.example.org/".into();
        let fresh = due_request(&moved, now).unwrap();
        assert_ne!(fresh.callback, "token");
        assert_eq!(fresh.secret.len(), 64);
        assert_eq!(fresh.hub, "https://other-hub.example.org/");
        // A renewal asked for 10 minutes ago and not yet verified: wait.
        assert!(due_request(&target(Some(subscribed(Some(30), Some(20), 0))), now).is_none());
        // Refused by the hub: asked again a day later, not before.
        let mut denied = subscribed(None, None, 3);
        denied.denied_at = Some(now - Duration::hours(2));
        assert!(due_request(&target(Some(denied.clone())), now).is_none());
        denied.denied_at = Some(now - Duration::hours(25));
        assert!(due_request(&target(Some(denied)), now).is_some());
    }
}
