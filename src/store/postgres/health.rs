//! Source health, for `veille sources` and the health feed.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::PgStore;
use crate::store::error::Context;
use crate::store::{HealthEvent, SourceHealth, StoreError};

impl PgStore {
    pub async fn source_health(&self, now: DateTime<Utc>) -> Result<Vec<SourceHealth>, StoreError> {
        let rows = sqlx::query(
            "SELECT s.name, s.url, s.fetch_url, s.enabled, s.gone_at, s.last_status, s.last_success_at,
                    s.last_error, s.error_count, s.next_fetch_at,
                    (SELECT COUNT(*) FROM articles a WHERE a.source_id = s.id) AS articles,
                    (SELECT COUNT(*) FROM articles a WHERE a.source_id = s.id AND a.first_seen_at >= $1) AS recent
             FROM sources s ORDER BY s.name",
        )
        .bind(now - chrono::Duration::days(30))
        .fetch_all(&self.pool)
        .await
        .context("reading source health")?;
        rows.iter()
            .map(|r| {
                let s = |c: &str| -> Result<Option<String>, StoreError> {
                    r.try_get(c).context(format!("reading {c}"))
                };
                let t = |c: &str| -> Result<Option<DateTime<Utc>>, StoreError> {
                    r.try_get(c).context(format!("reading {c}"))
                };
                let recent: i64 = r.try_get("recent").context("reading recent")?;
                Ok(SourceHealth {
                    name: s("name")?.unwrap_or_default(),
                    url: s("url")?.unwrap_or_default(),
                    fetch_url: s("fetch_url")?,
                    enabled: r.try_get("enabled").context("reading enabled")?,
                    gone: t("gone_at")?.is_some(),
                    last_status: r.try_get("last_status").context("reading last_status")?,
                    last_success_at: t("last_success_at")?,
                    last_error: s("last_error")?,
                    consecutive_failures: r
                        .try_get("error_count")
                        .context("reading error_count")?,
                    next_fetch_at: t("next_fetch_at")?,
                    articles: r.try_get("articles").context("reading articles")?,
                    items_per_day: recent as f64 / 30.0,
                })
            })
            .collect()
    }

    pub async fn recent_events(&self, limit: u32) -> Result<Vec<HealthEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT e.id, s.name, e.at, e.kind, e.detail FROM source_events e JOIN sources s ON s.id = e.source_id
             ORDER BY e.at DESC, e.id DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .context("reading source events")?;
        rows.iter()
            .map(|r| {
                Ok(HealthEvent {
                    id: r.try_get("id").context("reading event id")?,
                    source_name: r.try_get("name").context("reading event source")?,
                    at: r.try_get("at").context("reading event time")?,
                    kind: r.try_get("kind").context("reading event kind")?,
                    detail: r.try_get("detail").context("reading event detail")?,
                })
            })
            .collect()
    }
}
