//! The alert step of a run, after publishing: each `[[alert]]` takes the
//! new items its feeds published, and when it is due (every run, or its
//! digest's `every`) posts them. A message is written to the database with
//! its idempotency key before it is sent, so a send that could not be
//! recorded goes again, same key and items, at the next run: delivery is
//! at least once, and a receiver that keeps the key sees each item once.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::alert::{AlertError, Outgoing, deliver, digest_due};
use crate::config::{AlertConfig, Config};
use crate::store::{AlertItemRef, AlertSchedule, DeliveredItem, DeliveryRecord, Store, StoreError};

/// Failures in a row after which `veille alerts` shows an alert as failing.
pub const FAILING_AFTER: i64 = 3;

/// The longest wait between two attempts of a failing alert.
const MAX_BACKOFF_MINUTES: i64 = 6 * 60;

/// What an alert did in this run.
#[derive(Debug)]
pub struct AlertOutcome {
    /// The alert's name.
    pub name: String,
    /// Items delivered in this run.
    pub sent: usize,
    /// Why its delivery failed, when it did.
    pub error: Option<AlertError>,
}

/// The items each published feed holds, for the alerts that follow it.
pub type PublishedItems = Vec<(String, Vec<AlertItemRef>)>;

/// Runs every alert: take the new items, send what is due.
pub(super) async fn run_alerts(
    store: &Store,
    config: &Config,
    published: &PublishedItems,
    run_started: DateTime<Utc>,
) -> Result<Vec<AlertOutcome>, StoreError> {
    let configured: Vec<&str> = config.alerts.iter().map(|a| a.name.as_str()).collect();
    store.forget_alerts_except(&configured).await?;
    let mut outcomes = Vec::new();
    for alert in &config.alerts {
        let base_url = &config.publish.base_url;
        outcomes.push(run_alert(store, alert, published, base_url, run_started).await?);
    }
    Ok(outcomes)
}

/// One alert: take its feeds' new items, then send what is due.
async fn run_alert(
    store: &Store,
    alert: &AlertConfig,
    published: &PublishedItems,
    base_url: &url::Url,
    run_started: DateTime<Utc>,
) -> Result<AlertOutcome, StoreError> {
    let now = Utc::now();
    let mut outcome = AlertOutcome {
        name: alert.name.clone(),
        sent: 0,
        error: None,
    };
    store
        .add_alert(
            &alert.name,
            &alert.feeds,
            first_covered(alert, run_started, now),
        )
        .await?;
    store
        .queue_alert_items(&alert.name, &followed_items(alert, published), now)
        .await?;
    let schedule = store.alert_schedule(&alert.name).await?;
    let Some(take_waiting) = may_send(store, alert, &schedule, now).await? else {
        return Ok(outcome);
    };
    // A message that failed before goes first; then, when the schedule
    // allows, the items that waited for it.
    for _ in 0..2 {
        let key = idempotency_key(&alert.name, Utc::now());
        let Some(delivery) = store
            .open_delivery(&alert.name, &key, now, take_waiting)
            .await?
        else {
            break;
        };
        if let Err(error) = send(alert, &delivery, base_url).await {
            let retry_at = now + backoff(schedule.failures + 1);
            let why = crate::untrusted::error_column(&error.to_string());
            let when = (now, retry_at);
            store
                .delivery_failed(&alert.name, delivery.id, &why, when, FAILING_AFTER)
                .await?;
            outcome.error = Some(error);
            break;
        }
        store
            .delivery_sent(&alert.name, delivery.id, Utc::now())
            .await?;
        outcome.sent += delivery.items.len();
        if delivery.key == key {
            break;
        }
    }
    Ok(outcome)
}

/// Whether the alert may send now: `None` while a failure's backoff
/// runs; else whether waiting items go too (a message that failed before
/// is sent again whenever it may, a new one only when the schedule is
/// due). A digest that is due is recorded as such.
async fn may_send(
    store: &Store,
    alert: &AlertConfig,
    schedule: &AlertSchedule,
    now: DateTime<Utc>,
) -> Result<Option<bool>, StoreError> {
    if schedule.next_attempt_at.is_some_and(|retry| now < retry) {
        return Ok(None);
    }
    let Some(every) = alert.every.and_then(|e| chrono::Duration::from_std(e).ok()) else {
        return Ok(Some(true));
    };
    let due = digest_due(every, alert.at, schedule.last_digest_at, now);
    if let Some(due) = due {
        store.digest_due(&alert.name, due).await?;
    }
    Ok(Some(due.is_some()))
}

/// Sends a delivery the alert's way.
async fn send(
    alert: &AlertConfig,
    delivery: &DeliveryRecord,
    base_url: &url::Url,
) -> Result<(), AlertError> {
    let outgoing = Outgoing {
        key: &delivery.key,
        items: &delivery.items,
        base_url,
    };
    deliver(alert, outgoing).await
}

/// Why `veille alerts test` could not send.
#[derive(Debug, thiserror::Error)]
pub enum AlertTestError {
    /// No `[[alert]]` has that name.
    #[error("no [[alert]] is named {0:?}")]
    NoSuchAlert(String),
    /// Sending failed.
    #[error(transparent)]
    Send(#[from] AlertError),
}

/// Sends one sample item the alert's way; records nothing.
pub async fn send_test_alert(config: &Config, name: &str) -> Result<(), AlertTestError> {
    let alert = config
        .alerts
        .iter()
        .find(|a| a.name == name)
        .ok_or_else(|| AlertTestError::NoSuchAlert(name.to_string()))?;
    let now = Utc::now();
    let sample = DeliveredItem {
        uid: "00000000-0000-0000-0000-000000000000".into(),
        title: "veille: a sample item, to check this alert".into(),
        link: Some(config.publish.base_url.to_string()),
        outlet: "veille".into(),
        date: now,
        language: Some("en".into()),
        cluster_id: None,
        feed: alert.feeds.first().cloned().unwrap_or_default(),
        matched_terms: Vec::new(),
        other_outlets: Vec::new(),
    };
    let key = format!("test-{}", idempotency_key(name, now));
    let outgoing = Outgoing {
        key: &key,
        items: std::slice::from_ref(&sample),
        base_url: &config.publish.base_url,
    };
    Ok(deliver(alert, outgoing).await?)
}

/// Where a new alert begins: a digest covers its last period, an
/// immediate alert the items of the run that created it.
fn first_covered(
    alert: &AlertConfig,
    run_started: DateTime<Utc>,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    match alert.every.and_then(|e| chrono::Duration::from_std(e).ok()) {
        Some(every) => now - every,
        None => run_started,
    }
}

/// The published items of the feeds `alert` follows.
fn followed_items(alert: &AlertConfig, published: &PublishedItems) -> Vec<AlertItemRef> {
    published
        .iter()
        .filter(|(slug, _)| alert.feeds.contains(slug))
        .flat_map(|(_, items)| items.iter().cloned())
        .collect()
}

/// One minute after the first failure, doubling, at most six hours.
fn backoff(failures: i64) -> chrono::Duration {
    let doublings = u32::try_from((failures - 1).clamp(0, 16)).unwrap_or(16);
    chrono::Duration::minutes((1_i64 << doublings).min(MAX_BACKOFF_MINUTES))
}

/// A key no other delivery has: the alert, the time and this process.
fn idempotency_key(alert: &str, now: DateTime<Utc>) -> String {
    let mut hash = Sha256::new();
    hash.update(alert.as_bytes());
    hash.update(now.timestamp_nanos_opt().unwrap_or_default().to_le_bytes());
    hash.update(std::process::id().to_le_bytes());
    let digest = hash.finalize();
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn backoff_doubles_from_a_minute_up_to_six_hours() {
        let minutes: Vec<i64> = [1, 2, 3, 9, 30]
            .iter()
            .map(|f| backoff(*f).num_minutes())
            .collect();
        assert_eq!(minutes, vec![1, 2, 4, 256, 360]);
    }
}
