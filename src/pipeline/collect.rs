//! Choosing each topic feed's items: each feed's query is answered from
//! the search index (newest first, at most what the feed needs), and its
//! matches per day over the 30 days the charts cover are counted there too.

use chrono::{DateTime, Duration, Utc};

use crate::config::Config;
use crate::filter::{Document, Query};
use crate::model::StoredArticle;
use crate::publish::PublishItem;
use crate::store::{Store, StoreError};

/// Days the per-topic chart covers.
pub const CHART_DAYS: usize = 30;

/// What one topic feed gets.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Items, newest first, at most `limit`.
    pub items: Vec<PublishItem>,
    /// Matching articles per day over the last [`CHART_DAYS`] days, oldest first.
    pub per_day: Vec<u32>,
}

/// Candidates kept for a deduplicating feed before grouping: enough that
/// grouping still leaves `limit` stories in all but extreme cases.
const DEDUPE_FACTOR: usize = 4;

/// The document a query evaluates for a stored article.
pub fn document(stored: &StoredArticle, now: DateTime<Utc>) -> Document {
    Document::of_stored(stored, now)
}

pub(super) async fn select_articles(
    store: &Store,
    config: &Config,
    queries: &[Query],
    now: DateTime<Utc>,
) -> Result<Vec<Selection>, StoreError> {
    let chart_start = (now - Duration::days(CHART_DAYS as i64 - 1)).date_naive();
    let chart_from = chart_start
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc();
    let mut out = Vec::with_capacity(config.feeds.len());
    for (feed, query) in config.feeds.iter().zip(queries) {
        let mut query = query.clone();
        let compiled = store.compile_query(&mut query, now).await?;
        let since = feed
            .max_age
            .and_then(|a| chrono::Duration::from_std(a).ok())
            .map(|a| now - a);
        let wanted = if feed.dedupe {
            feed.limit * DEDUPE_FACTOR
        } else {
            feed.limit
        };
        // One lookup over the chart's month gives the counts and, usually,
        // the items; a sparse topic looks further back for its items.
        let items_since = since.map_or(chart_from, |s| s.max(chart_from));
        let month = store
            .match_summary(&compiled, chart_from, items_since, wanted)
            .await?;
        let mut per_day = vec![0; CHART_DAYS];
        for (day, n) in &month.per_day {
            if *day > now.date_naive() {
                continue;
            }
            if let Some(slot) = usize::try_from((*day - chart_start).num_days())
                .ok()
                .and_then(|i| per_day.get_mut(i))
            {
                *slot += n;
            }
        }
        let month_covers_since = since.is_some_and(|s| s >= chart_from);
        let stored = if month.newest.len() >= wanted || month_covers_since {
            let ids: Vec<i64> = month.newest.iter().map(|(id, _)| *id).collect();
            store.articles_by_id(&ids).await?
        } else {
            store
                .search_beyond(&compiled, since, wanted, chart_from, month.newest)
                .await?
        };
        let mut items: Vec<PublishItem> = stored
            .into_iter()
            .map(|stored| PublishItem {
                matched_terms: query.matched_terms(&document(&stored, now)),
                stored,
                also_reported_by: Vec::new(),
            })
            .collect();
        if feed.dedupe {
            items = dedupe(items);
        }
        items.truncate(feed.limit);
        out.push(Selection { items, per_day });
    }
    Ok(out)
}

/// One item per story cluster: the earliest report, naming the other
/// outlets that carried it. Order stays newest first (by the kept item).
pub fn dedupe(items: Vec<PublishItem>) -> Vec<PublishItem> {
    let mut groups: Vec<(i64, Vec<PublishItem>)> = Vec::new();
    let mut singles: Vec<PublishItem> = Vec::new();
    for item in items {
        match item.stored.cluster_id {
            Some(c) => match groups.iter_mut().find(|(id, _)| *id == c) {
                Some((_, members)) => members.push(item),
                None => groups.push((c, vec![item])),
            },
            None => singles.push(item),
        }
    }
    let mut out = singles;
    for (_, mut members) in groups {
        // Ties are broken by the article's stable id, not the database's row
        // id: workers sharing a database store articles in any order.
        members.sort_by(|a, b| {
            (a.stored.sort_at, &a.stored.uid).cmp(&(b.stored.sort_at, &b.stored.uid))
        });
        let mut first = members.remove(0);
        for other in &members {
            if other.stored.source_name != first.stored.source_name
                && !first.also_reported_by.contains(&other.stored.source_name)
            {
                first
                    .also_reported_by
                    .push(other.stored.source_name.clone());
            }
        }
        out.push(first);
    }
    out.sort_by(|a, b| (b.stored.sort_at, &b.stored.uid).cmp(&(a.stored.sort_at, &a.stored.uid)));
    out
}
