//! Source health, for `veille sources` and the health feed.

use chrono::{DateTime, Utc};

use super::error::Context;
use super::sql::{Row, Statement};
use super::{HealthEvent, SourceHealth, Store, StoreError};

/// Articles per day are averaged over this many days.
const RATE_DAYS: i64 = 30;

impl Store {
    /// Every source with its health, by name.
    pub async fn source_health(&self, now: DateTime<Utc>) -> Result<Vec<SourceHealth>, StoreError> {
        let statement = Statement::new(
            "SELECT s.name, s.url, s.fetch_url, s.enabled, s.gone_at, s.last_status, s.last_success_at,
                    s.last_error, s.error_count, s.next_fetch_at,
                    (SELECT COUNT(*) FROM articles a WHERE a.source_id = s.id) AS articles,
                    (SELECT COUNT(*) FROM articles a WHERE a.source_id = s.id AND a.first_seen_at >= $1) AS recent
             FROM sources s ORDER BY s.name",
        )
        .bind(now - chrono::Duration::days(RATE_DAYS));
        let rows = self
            .db()
            .fetch_all(statement)
            .await
            .context("reading source health")?;
        rows.iter().map(source_health).collect()
    }

    /// The newest `limit` health events, newest first.
    pub async fn recent_events(&self, limit: u32) -> Result<Vec<HealthEvent>, StoreError> {
        let statement = Statement::new(
            "SELECT e.id, s.name, e.at, e.kind, e.detail FROM source_events e JOIN sources s ON s.id = e.source_id
             ORDER BY e.at DESC, e.id DESC LIMIT $1",
        )
        .bind(limit);
        let rows = self
            .db()
            .fetch_all(statement)
            .await
            .context("reading source events")?;
        rows.iter()
            .map(|r| {
                Ok(HealthEvent {
                    id: r.get("id")?,
                    source_name: r.text("name")?,
                    at: r.time("at")?.unwrap_or_default(),
                    kind: r.text("kind")?,
                    detail: r.text("detail")?,
                })
            })
            .collect()
    }
}

fn source_health(r: &Row) -> Result<SourceHealth, StoreError> {
    let recent: i64 = r.get("recent")?;
    Ok(SourceHealth {
        name: r.text("name")?,
        url: r.text("url")?,
        fetch_url: r.get("fetch_url")?,
        enabled: r.get("enabled")?,
        gone: r.time("gone_at")?.is_some(),
        last_status: r.get("last_status")?,
        last_success_at: r.time("last_success_at")?,
        last_error: r.get("last_error")?,
        consecutive_failures: r.get("error_count")?,
        next_fetch_at: r.time("next_fetch_at")?,
        articles: r.get("articles")?,
        items_per_day: recent as f64 / RATE_DAYS as f64,
    })
}
