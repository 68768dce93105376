//! Choosing each topic feed's items: one newest-first pass over the store,
//! evaluating every feed's query on each article, until every feed has its
//! `limit` and the 30 days the charts cover have been counted.

use chrono::{DateTime, Duration, Utc};

use crate::config::Config;
use crate::filter::{Document, Query};
use crate::publish::PublishItem;
use crate::store::{Store, StoreError};

/// Articles read from the store per page.
const PAGE: u32 = 500;

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

pub(super) async fn select_articles(
    store: &Store,
    config: &Config,
    queries: &[Query],
    now: DateTime<Utc>,
) -> Result<Vec<Selection>, StoreError> {
    let chart_start = (now - Duration::days(CHART_DAYS as i64 - 1)).date_naive();
    let mut selected: Vec<Selection> = config
        .feeds
        .iter()
        .map(|_| Selection {
            items: Vec::new(),
            per_day: vec![0; CHART_DAYS],
        })
        .collect();
    let cutoffs: Vec<Option<DateTime<Utc>>> = config
        .feeds
        .iter()
        .map(|f| {
            f.max_age
                .and_then(|a| chrono::Duration::from_std(a).ok())
                .map(|a| now - a)
        })
        .collect();
    let wanted = |i: usize| {
        let f = &config.feeds[i];
        if f.dedupe {
            f.limit * DEDUPE_FACTOR
        } else {
            f.limit
        }
    };
    let mut cursor = None;
    loop {
        let (page, next) = store.articles_newest_first(cursor.as_ref(), PAGE).await?;
        let mut oldest_in_page = None;
        for article in page {
            oldest_in_page = Some(article.sort_at);
            let doc = Document::from_article(&article.article);
            for (i, (selection, query)) in selected.iter_mut().zip(queries).enumerate() {
                if !query.matches(&doc) {
                    continue;
                }
                let day = article.sort_at.date_naive();
                if day >= chart_start && day <= now.date_naive() {
                    let index = (day - chart_start).num_days() as usize;
                    if let Some(slot) = selection.per_day.get_mut(index) {
                        *slot += 1;
                    }
                }
                let fresh = cutoffs[i].is_none_or(|c| article.sort_at >= c);
                if fresh && selection.items.len() < wanted(i) {
                    selection.items.push(PublishItem {
                        matched_terms: query.matched_terms(&doc),
                        stored: article.clone(),
                        also_reported_by: Vec::new(),
                    });
                }
            }
        }
        let feeds_full = selected
            .iter()
            .enumerate()
            .all(|(i, s)| s.items.len() >= wanted(i));
        let charts_done = oldest_in_page.is_none_or(|t| t.date_naive() < chart_start);
        match next {
            Some(c) if !(feeds_full && charts_done) => cursor = Some(c),
            _ => break,
        }
    }
    for (selection, feed) in selected.iter_mut().zip(&config.feeds) {
        if feed.dedupe {
            selection.items = dedupe(std::mem::take(&mut selection.items));
        }
        selection.items.truncate(feed.limit);
    }
    Ok(selected)
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
        members.sort_by_key(|m| (m.stored.sort_at, m.stored.id));
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
    out.sort_by_key(|i| std::cmp::Reverse((i.stored.sort_at, i.stored.id)));
    out
}
