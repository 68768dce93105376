//! The alert tables: `alerts` (one row per `[[alert]]`), `alert_feeds`
//! (from when it follows each feed), `alert_items`
//! (each item an alert has taken, once) and `alert_deliveries` (the
//! messages, each written before it is sent, with its idempotency key).
//! Every statement of the alert job is here.

use chrono::{DateTime, Utc};

use super::error::Context;
use super::sql::{Row, Statement, Tx};
use super::{Store, StoreError};

const ADD_ALERT: &str = "INSERT INTO alerts (name) VALUES ($1) ON CONFLICT (name) DO NOTHING";

const ADD_ALERT_FEED: &str = "INSERT INTO alert_feeds (alert, feed, since) VALUES ($1, $2, $3)
     ON CONFLICT (alert, feed) DO NOTHING";

/// Alerts no longer in the configuration go, with their items and
/// deliveries: added back later, an alert starts afresh.
const FORGET_ALERT: &str = "DELETE FROM alerts WHERE name = $1";

const ALERT_NAMES: &str = "SELECT name FROM alerts";

/// Takes an item for an alert when the article was first seen since the
/// alert began following the feed, once: the key makes a second time a
/// no-op.
const QUEUE_ITEM: &str = "INSERT INTO alert_items
        (alert, article_id, feed, matched_terms, other_outlets, queued_at)
     SELECT f.alert, a.id, f.feed, $4, $5, $6 FROM alert_feeds f, articles a
     WHERE f.alert = $1 AND f.feed = $3 AND a.id = $2 AND a.first_seen_at >= f.since
     ON CONFLICT (alert, article_id) DO NOTHING";

const ALERT_STATE: &str =
    "SELECT last_digest_at, next_attempt_at, failures FROM alerts WHERE name = $1";

const UNSENT_DELIVERY: &str = "SELECT id, key FROM alert_deliveries
     WHERE alert = $1 AND sent_at IS NULL ORDER BY id LIMIT 1";

const HAS_WAITING: &str =
    "SELECT count(*) AS waiting FROM alert_items WHERE alert = $1 AND delivery_id IS NULL";

const NEW_DELIVERY: &str =
    "INSERT INTO alert_deliveries (alert, key, created_at) VALUES ($1, $2, $3) RETURNING id";

const TAKE_WAITING: &str =
    "UPDATE alert_items SET delivery_id = $2 WHERE alert = $1 AND delivery_id IS NULL";

const DELIVERY_ITEMS: &str =
    "SELECT a.uid, a.title, COALESCE(a.link, a.url) AS link, COALESCE(a.outlet, s.name) AS outlet,
        a.sort_at, a.language, a.cluster_id, i.feed, i.matched_terms, i.other_outlets
     FROM alert_items i JOIN articles a ON a.id = i.article_id JOIN sources s ON s.id = a.source_id
     WHERE i.delivery_id = $1 ORDER BY i.feed, a.sort_at DESC, a.id";

/// The other outlets that carried an item's story (its cluster).
const STORY_OUTLETS: &str =
    "SELECT DISTINCT COALESCE(a.outlet, s.name) AS name FROM articles a JOIN sources s ON s.id = a.source_id
     WHERE a.cluster_id = $1 AND COALESCE(a.outlet, s.name) <> $2 ORDER BY name";

const DELIVERY_SENT: &str =
    "UPDATE alert_deliveries SET sent_at = $2, attempts = attempts + 1 WHERE id = $1";

const ALERT_SUCCEEDED: &str = "UPDATE alerts SET last_sent_at = $2, failures = 0,
        next_attempt_at = NULL, last_error = NULL, failing_since = NULL WHERE name = $1";

const DELIVERY_FAILED: &str = "UPDATE alert_deliveries SET attempts = attempts + 1 WHERE id = $1";

/// `$4`: failures in a row from which the alert is failing.
const ALERT_FAILED: &str = "UPDATE alerts SET failures = failures + 1, next_attempt_at = $2,
        last_error = $3,
        failing_since = CASE WHEN failures + 1 >= $4 THEN COALESCE(failing_since, $5) END
     WHERE name = $1 RETURNING failures";

const DIGEST_DUE: &str = "UPDATE alerts SET last_digest_at = $2 WHERE name = $1";

const STATUSES: &str = "SELECT l.name, l.last_sent_at, l.failures, l.last_error, l.next_attempt_at,
        l.failing_since,
        (SELECT count(*) FROM alert_items i
         LEFT JOIN alert_deliveries d ON d.id = i.delivery_id
         WHERE i.alert = l.name AND d.sent_at IS NULL) AS pending
     FROM alerts l ORDER BY l.name";

/// An item an alert takes from a feed it follows.
#[derive(Debug, Clone)]
pub struct AlertItemRef {
    /// The article's row id.
    pub article_id: i64,
    /// The feed that published it.
    pub feed: String,
    /// The query terms it matched, as published.
    pub matched_terms: Vec<String>,
    /// The story's other outlets, as published.
    pub other_outlets: Vec<String>,
}

/// What an alert's schedule needs to know.
#[derive(Debug, Clone, Default)]
pub struct AlertSchedule {
    /// When the last digest was due.
    pub last_digest_at: Option<DateTime<Utc>>,
    /// Not before this, after a failure.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Failed attempts in a row.
    pub failures: i64,
}

/// A message to send: its row, its idempotency key and its items.
#[derive(Debug, Clone)]
pub struct DeliveryRecord {
    /// Row id.
    pub id: i64,
    /// The idempotency key the payload carries.
    pub key: String,
    /// The items, by feed then newest first.
    pub items: Vec<DeliveredItem>,
}

/// An item as a delivery announces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveredItem {
    /// The article's public id.
    pub uid: String,
    /// Its title.
    pub title: String,
    /// Its link.
    pub link: Option<String>,
    /// The source's name.
    pub outlet: String,
    /// Its date.
    pub date: DateTime<Utc>,
    /// Its language.
    pub language: Option<String>,
    /// Its story cluster, when other outlets carried the story.
    pub cluster_id: Option<i64>,
    /// The feed that published it.
    pub feed: String,
    /// The query terms it matched.
    pub matched_terms: Vec<String>,
    /// The story's other outlets.
    pub other_outlets: Vec<String>,
}

/// An alert's state, for `veille alerts`.
#[derive(Debug, Clone)]
pub struct AlertStatus {
    /// The alert's name.
    pub name: String,
    /// When a delivery last succeeded.
    pub last_sent_at: Option<DateTime<Utc>>,
    /// Failed attempts in a row.
    pub failures: i64,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// The next attempt, after a failure.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Since when it has been failing (3 failures in a row or more).
    pub failing_since: Option<DateTime<Utc>>,
    /// Items taken and not yet delivered.
    pub pending: i64,
}

impl Store {
    /// Records an alert and the feeds it follows the first time a run
    /// sees them: items first seen before `since` are never announced.
    pub async fn add_alert(
        &self,
        name: &str,
        feeds: &[String],
        since: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let what = format!("recording alert {name:?}");
        let mut tx = self.db().begin_write().await.context(what.clone())?;
        tx.execute(Statement::new(ADD_ALERT).bind(name))
            .await
            .context(what.clone())?;
        for feed in feeds {
            let statement = Statement::new(ADD_ALERT_FEED)
                .bind(name)
                .bind(feed.as_str())
                .bind(since);
            tx.execute(statement).await.context(what.clone())?;
        }
        tx.commit().await.context(what)
    }

    /// Deletes the alerts not in `configured`, with their items and
    /// deliveries.
    pub async fn forget_alerts_except(&self, configured: &[&str]) -> Result<(), StoreError> {
        let what = "forgetting removed alerts";
        let rows = self
            .db()
            .fetch_all(Statement::new(ALERT_NAMES))
            .await
            .context(what)?;
        for row in rows {
            let name: String = row.get("name")?;
            if !configured.contains(&name.as_str()) {
                let forget = Statement::new(FORGET_ALERT).bind(name);
                self.db().execute(forget).await.context(what)?;
            }
        }
        Ok(())
    }

    /// Takes `items` for the alert `name` (those first seen since it
    /// began, and not taken before), in one transaction.
    pub async fn queue_alert_items(
        &self,
        name: &str,
        items: &[AlertItemRef],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let what = format!("queueing items for alert {name:?}");
        let mut tx = self.db().begin_write().await.context(what.clone())?;
        for item in items {
            let statement = Statement::new(QUEUE_ITEM)
                .bind(name)
                .bind(item.article_id)
                .bind(item.feed.as_str())
                .bind(json_list(&item.matched_terms))
                .bind(json_list(&item.other_outlets))
                .bind(now);
            tx.execute(statement).await.context(what.clone())?;
        }
        tx.commit().await.context(what)
    }

    /// The alert's schedule as stored.
    pub async fn alert_schedule(&self, name: &str) -> Result<AlertSchedule, StoreError> {
        let row = self
            .db()
            .fetch_optional(Statement::new(ALERT_STATE).bind(name))
            .await
            .context("reading an alert's state")?;
        let Some(row) = row else {
            return Ok(AlertSchedule::default());
        };
        Ok(AlertSchedule {
            last_digest_at: row.time("last_digest_at")?,
            next_attempt_at: row.time("next_attempt_at")?,
            failures: row.get("failures")?,
        })
    }

    /// The delivery to send now: one written before and not yet sent
    /// (same key, same items), else, when `take_waiting`, a new one with
    /// `key` and the items waiting; `None` when there is none.
    pub async fn open_delivery(
        &self,
        name: &str,
        key: &str,
        now: DateTime<Utc>,
        take_waiting: bool,
    ) -> Result<Option<DeliveryRecord>, StoreError> {
        let what = format!("preparing a delivery of alert {name:?}");
        let mut tx = self.db().begin_write().await.context(what.clone())?;
        let unsent = tx
            .fetch_all(Statement::new(UNSENT_DELIVERY).bind(name))
            .await;
        let (id, key) = match unsent.context(what.clone())?.first() {
            Some(row) => (row.get::<i64>("id")?, row.get::<String>("key")?),
            None if !take_waiting => {
                tx.commit().await.context(what)?;
                return Ok(None);
            }
            None => {
                let waiting = tx.fetch_one(Statement::new(HAS_WAITING).bind(name)).await;
                if waiting.context(what.clone())?.get::<i64>("waiting")? == 0 {
                    tx.commit().await.context(what)?;
                    return Ok(None);
                }
                let new = Statement::new(NEW_DELIVERY).bind(name).bind(key).bind(now);
                let id: i64 = tx.fetch_one(new).await.context(what.clone())?.get("id")?;
                let take = Statement::new(TAKE_WAITING).bind(name).bind(id);
                tx.execute(take).await.context(what.clone())?;
                (id, key.to_string())
            }
        };
        let rows = tx.fetch_all(Statement::new(DELIVERY_ITEMS).bind(id)).await;
        let mut items: Vec<DeliveredItem> = rows
            .context(what.clone())?
            .iter()
            .map(delivered_item)
            .collect::<Result<_, _>>()?;
        add_story_outlets(&mut tx, &mut items)
            .await
            .context(what.clone())?;
        tx.commit().await.context(what)?;
        Ok(Some(DeliveryRecord { id, key, items }))
    }

    /// Records that the receiver accepted the delivery.
    pub async fn delivery_sent(
        &self,
        name: &str,
        delivery: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let what = format!("recording a delivery of alert {name:?}");
        let mut tx = self.db().begin_write().await.context(what.clone())?;
        tx.execute(Statement::new(DELIVERY_SENT).bind(delivery).bind(now))
            .await
            .context(what.clone())?;
        tx.execute(Statement::new(ALERT_SUCCEEDED).bind(name).bind(now))
            .await
            .context(what.clone())?;
        tx.commit().await.context(what)
    }

    /// Records a failed attempt at `now`; its items wait for `retry_at`.
    /// From `failing_after` failures in a row the alert is failing.
    /// Returns the failures in a row.
    pub async fn delivery_failed(
        &self,
        name: &str,
        delivery: i64,
        error: &str,
        (now, retry_at): (DateTime<Utc>, DateTime<Utc>),
        failing_after: i64,
    ) -> Result<i64, StoreError> {
        let what = format!("recording a failed delivery of alert {name:?}");
        let mut tx = self.db().begin_write().await.context(what.clone())?;
        tx.execute(Statement::new(DELIVERY_FAILED).bind(delivery))
            .await
            .context(what.clone())?;
        let failed = Statement::new(ALERT_FAILED)
            .bind(name)
            .bind(retry_at)
            .bind(error)
            .bind(failing_after)
            .bind(now);
        let failures = tx
            .fetch_one(failed)
            .await
            .context(what.clone())?
            .get("failures")?;
        tx.commit().await.context(what)?;
        Ok(failures)
    }

    /// Records that a digest was due at `at`: the next is due `every` later.
    pub async fn digest_due(&self, name: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        let statement = Statement::new(DIGEST_DUE).bind(name).bind(at);
        self.db()
            .execute(statement)
            .await
            .context("recording a digest")?;
        Ok(())
    }

    /// Every alert's state, by name.
    pub async fn alert_statuses(&self) -> Result<Vec<AlertStatus>, StoreError> {
        let rows = self
            .db()
            .fetch_all(Statement::new(STATUSES))
            .await
            .context("reading the alerts")?;
        rows.iter()
            .map(|row| {
                Ok(AlertStatus {
                    name: row.get("name")?,
                    last_sent_at: row.time("last_sent_at")?,
                    failures: row.get("failures")?,
                    last_error: row.get("last_error")?,
                    next_attempt_at: row.time("next_attempt_at")?,
                    failing_since: row.time("failing_since")?,
                    pending: row.get("pending")?,
                })
            })
            .collect()
    }
}

/// Adds to each clustered item the other outlets of its story, as they
/// are now (the feed recorded them only when it deduplicates).
async fn add_story_outlets(tx: &mut Tx, items: &mut [DeliveredItem]) -> Result<(), sqlx::Error> {
    for item in items.iter_mut() {
        let Some(cluster) = item.cluster_id else {
            continue;
        };
        let statement = Statement::new(STORY_OUTLETS)
            .bind(cluster)
            .bind(item.outlet.as_str());
        for row in tx.fetch_all(statement).await? {
            let Ok(name) = row.get::<String>("name") else {
                continue;
            };
            if !item.other_outlets.contains(&name) {
                item.other_outlets.push(name);
            }
        }
    }
    Ok(())
}

fn delivered_item(row: &Row) -> Result<DeliveredItem, StoreError> {
    Ok(DeliveredItem {
        uid: row.get("uid")?,
        title: row.get("title")?,
        link: row.get("link")?,
        outlet: row.get("outlet")?,
        date: row.time("sort_at")?.unwrap_or_default(),
        language: row.get("language")?,
        cluster_id: row.get("cluster_id")?,
        feed: row.get("feed")?,
        matched_terms: from_json_list(&row.get::<String>("matched_terms")?),
        other_outlets: from_json_list(&row.get::<String>("other_outlets")?),
    })
}

fn json_list(values: &[String]) -> String {
    serde_json::to_string(values).unwrap_or_else(|_| "[]".to_string())
}

fn from_json_list(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}
