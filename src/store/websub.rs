//! WebSub subscriptions: the sources whose feed names a hub, and what
//! veille asked each hub and heard back. Every statement of the
//! subscriber's job is here.

use chrono::{DateTime, Utc};

use super::error::Context;
use super::sources::source_state;
use super::sql::{Row, Statement};
use super::{SourceState, Store, StoreError};

const TARGETS: &str = "SELECT s.id, s.name, s.websub_hub, s.websub_topic,
        w.hub AS subscribed_hub, w.topic AS subscribed_topic, w.callback, w.secret,
        w.requested_at, w.verified_at, w.lease_until, w.denied_at
     FROM sources s LEFT JOIN websub_subscriptions w ON w.source_id = s.id
     WHERE s.enabled AND s.gone_at IS NULL
       AND s.websub_hub IS NOT NULL AND s.websub_topic IS NOT NULL
     ORDER BY s.id";

const REQUESTED: &str = "INSERT INTO websub_subscriptions
        (source_id, hub, topic, callback, secret, requested_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (source_id) DO UPDATE SET hub = excluded.hub, topic = excluded.topic,
        callback = excluded.callback, secret = excluded.secret, requested_at = excluded.requested_at,
        verified_at = CASE WHEN websub_subscriptions.callback = excluded.callback
                           THEN websub_subscriptions.verified_at END,
        lease_until = CASE WHEN websub_subscriptions.callback = excluded.callback
                           THEN websub_subscriptions.lease_until END,
        denied_at = NULL";

const DENIED: &str = "UPDATE websub_subscriptions SET denied_at = $2 WHERE callback = $1";

/// A pushed fetch keeps the source's hub and topic: a push may be a
/// partial feed without its links.
const SOURCE_STATE: &str = "SELECT id, etag, last_modified, fetch_url, redirect_candidate, gone_at,
        next_fetch_at, error_count FROM sources WHERE id = $1";

const BY_CALLBACK: &str = "SELECT w.source_id, s.name, w.hub, w.topic, w.secret
     FROM websub_subscriptions w JOIN sources s ON s.id = w.source_id WHERE w.callback = $1";

const VERIFIED: &str =
    "UPDATE websub_subscriptions SET verified_at = $2, lease_until = $3 WHERE callback = $1";

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
#[derive(Clone)]
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
    /// When the hub refused it.
    pub denied_at: Option<DateTime<Utc>>,
}

/// Never shows the secret or the callback token.
impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("source_name", &self.source_name)
            .field("hub", &self.hub)
            .field("topic", &self.topic)
            .field("verified_at", &self.verified_at)
            .finish_non_exhaustive()
    }
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
                denied_at: None,
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

    /// Records that the hub refused the subscription.
    pub async fn websub_denied(
        &self,
        callback: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.db()
            .execute(Statement::new(DENIED).bind(callback).bind(now))
            .await
            .context("recording a refused WebSub subscription")?;
        Ok(())
    }

    /// One source's stored state, for a push (which must not re-sync the
    /// configuration the server started with).
    pub async fn source_state_by_id(&self, id: i64) -> Result<Option<SourceState>, StoreError> {
        let row = self
            .db()
            .fetch_optional(Statement::new(SOURCE_STATE).bind(id))
            .await
            .context("reading a source's state")?;
        row.map(|row| source_state(&row)).transpose()
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
            denied_at: row.time("denied_at")?,
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
