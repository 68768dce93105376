//! The `feed_states` table: each topic feed as last published, for
//! monitoring (items, and when its files last changed). Feeds that left
//! the configuration are forgotten.

use chrono::{DateTime, Utc};

use super::error::Context;
use super::sql::{Statement, placeholders};
use super::{Store, StoreError};

const RECORD_FEED: &str = "INSERT INTO feed_states (slug, items, changed_at, published_at)
     VALUES ($1, $2, $3, $3)
     ON CONFLICT (slug) DO UPDATE SET items = excluded.items, published_at = excluded.published_at,
        changed_at = CASE WHEN $4 THEN excluded.changed_at ELSE feed_states.changed_at END";

/// A feed as a publish left it.
#[derive(Debug, Clone, Copy)]
pub struct PublishedFeed<'a> {
    /// The feed's slug.
    pub slug: &'a str,
    /// Items in its files.
    pub items: usize,
    /// Whether the publish changed its files' bytes.
    pub changed: bool,
}

impl Store {
    /// Records the feeds a publish wrote (or left unchanged) at `now`, and
    /// forgets those whose slug is not in `configured`.
    pub async fn record_feeds(
        &self,
        feeds: &[PublishedFeed<'_>],
        configured: &[&str],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let what = "recording published feeds";
        let mut tx = self.db().begin_write().await.context(what)?;
        for feed in feeds {
            let statement = Statement::new(RECORD_FEED)
                .bind(feed.slug)
                .bind(feed.items)
                .bind(now)
                .bind(feed.changed);
            tx.execute(statement).await.context(what)?;
        }
        let forget = match configured.len() {
            0 => "DELETE FROM feed_states".to_string(),
            n => format!(
                "DELETE FROM feed_states WHERE slug NOT IN ({})",
                placeholders(n, 1)
            ),
        };
        let mut forget = Statement::built(forget);
        for slug in configured {
            forget.push(*slug);
        }
        tx.execute(forget).await.context(what)?;
        tx.commit().await.context(what)
    }
}
