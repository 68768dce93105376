//! WebSub subscriptions: the sources whose feed names a hub, and what
//! veille asked each hub and heard back. Every statement of the
//! subscriber's job is here.

use chrono::{DateTime, Utc};

use super::error::Context;
use super::sql::{Row, Statement};
use super::{Store, StoreError};

const TARGETS: &str = "SELECT s.id, s.name, s.websub_hub, s.websub_topic,
        w.hub AS subscribed_hub, w.topic AS subscribed_topic, w.callback, w.secret,
        w.requested_at, w.verified_at, w.lease_until
     FROM sources s LEFT JOIN websub_subscriptions w ON w.source_id = s.id
     WHERE s.enabled AND s.gone_at IS NULL
       AND s.websub_hub IS NOT NULL AND s.websub_topic IS NOT NULL
     ORDER BY s.id";

const REQUESTED: &str = "INSERT INTO websub_subscriptions
        (source_id, hub, topic, callback, secret, requested_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (source_id) DO UPDATE SET hub = excluded.hub, topic = excluded.topic,
        callback = excluded.callback, secret = excluded.secret, requested_at = excluded.requested_at";

const BY_CALLBACK: &str = "SELECT w.source_id, s.name, w.hub, w.topic, w.secret
     FROM websub_subscriptions w JOIN sources s ON s.id = w.source_id WHERE w.callback = $1";

const VERIFIED: &str =
    "UPDATE websub_subscriptions SET verified_at = $2, lease_until = $3 WHERE callback = $1";

const FORGET: &str = "DELETE FROM websub_subscriptions WHERE callback = $1";

/// A source that can be subscribed to, and its subscription if any.
#[derive(Debug, Clone)]
pub struct WebSubTarget {
    /// The source's row id.
    pub source_id: i64,
    /// Its name.
    pub source_name: String,
    /// The hub its feed names.
    pub hub: String,
    /// Its topic (self) URL.
    pub topic: String,
    /// What veille asked, when it has.
    pub subscription: Option<Subscription>,
}

/// A subscription as stored.
#[derive(Debug, Clone)]
pub struct Subscription {
    /// The source's row id.
    pub source_id: i64,
    /// Its name.
    pub source_name: String,
    /// The hub asked.
    pub hub: String,
    /// The topic asked for.
    pub topic: String,
    /// The token of the callback URL.
    pub callback: String,
    /// The key pushes are signed with.
    pub secret: String,
    /// When veille asked.
    pub requested_at: Option<DateTime<Utc>>,
    /// When the hub confirmed.
    pub verified_at: Option<DateTime<Utc>>,
    /// When it ends unless renewed.
    pub lease_until: Option<DateTime<Utc>>,
}

impl Store {
    /// Sources whose feed names a hub and a topic, with their subscriptions.
    pub async fn websub_targets(&self) -> Result<Vec<WebSubTarget>, StoreError> {
        let rows = self
            .db()
            .fetch_all(Statement::new(TARGETS))
            .await
            .context("reading WebSub subscriptions")?;
        rows.iter().map(target).collect()
    }

    /// Records that veille asked `subscription.hub` to subscribe.
    pub async fn websub_requested(
        &self,
        subscription: &Subscription,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let statement = Statement::new(REQUESTED)
            .bind(subscription.source_id)
            .bind(subscription.hub.as_str())
            .bind(subscription.topic.as_str())
            .bind(subscription.callback.as_str())
            .bind(subscription.secret.as_str())
            .bind(now);
        self.db()
            .execute(statement)
            .await
            .context("recording a WebSub subscription")?;
        Ok(())
    }

    /// The subscription behind a callback token.
    pub async fn websub_subscription(
        &self,
        callback: &str,
    ) -> Result<Option<Subscription>, StoreError> {
        let row = self
            .db()
            .fetch_optional(Statement::new(BY_CALLBACK).bind(callback))
            .await
            .context("reading a WebSub subscription")?;
        row.map(|row| {
            Ok(Subscription {
                source_id: row.get("source_id")?,
                source_name: row.get("name")?,
                hub: row.get("hub")?,
                topic: row.get("topic")?,
                callback: callback.to_string(),
                secret: row.get("secret")?,
                requested_at: None,
                verified_at: None,
                lease_until: None,
            })
        })
        .transpose()
    }

    /// Records the hub's confirmation and the lease it granted.
    pub async fn websub_verified(
        &self,
        callback: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let statement = Statement::new(VERIFIED)
            .bind(callback)
            .bind(now)
            .bind(lease_until);
        self.db()
            .execute(statement)
            .await
            .context("recording a WebSub verification")?;
        Ok(())
    }

    /// Forgets a subscription the hub refused or ended.
    pub async fn websub_forget(&self, callback: &str) -> Result<(), StoreError> {
        self.db()
            .execute(Statement::new(FORGET).bind(callback))
            .await
            .context("forgetting a WebSub subscription")?;
        Ok(())
    }
}

fn target(row: &Row) -> Result<WebSubTarget, StoreError> {
    let source_id: i64 = row.get("id")?;
    let source_name: String = row.get("name")?;
    let callback: Option<String> = row.get("callback")?;
    let subscription = match callback {
        Some(callback) => Some(Subscription {
            source_id,
            source_name: source_name.clone(),
            hub: row.get("subscribed_hub")?,
            topic: row.get("subscribed_topic")?,
            callback,
            secret: row.get("secret")?,
            requested_at: row.time("requested_at")?,
            verified_at: row.time("verified_at")?,
            lease_until: row.time("lease_until")?,
        }),
        None => None,
    };
    Ok(WebSubTarget {
        source_id,
        source_name,
        hub: row.get("websub_hub")?,
        topic: row.get("websub_topic")?,
        subscription,
    })
}
