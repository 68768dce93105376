//! Choosing each topic feed's items: each feed's query is answered from
//! the search index (newest first, at most what the feed needs), and its
//! matches per day over the 30 days the charts cover are counted there too.

use chrono::{DateTime, Duration, Utc};

use crate::config::{Config, FeedConfig};
use crate::filter::topic::{self, TopicModel};
use crate::filter::{Document, FacetMatch, Query, score};
use crate::model::StoredArticle;
use crate::publish::PublishItem;
use crate::store::{CompiledQuery, Store, StoreError};

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
    models: &[Option<TopicModel>],
    now: DateTime<Utc>,
) -> Result<Vec<Selection>, StoreError> {
    let chart = Chart::ending(now);
    let mut out = Vec::with_capacity(config.feeds.len());
    for ((feed, query), model) in config.feeds.iter().zip(queries).zip(models) {
        out.push(select_feed(store, feed, query, model.as_ref(), &chart, now).await?);
    }
    Ok(out)
}

/// The chart's days: the last [`CHART_DAYS`] UTC days up to today.
struct Chart {
    first_day: chrono::NaiveDate,
    /// Midnight UTC of the first day.
    from: DateTime<Utc>,
    today: chrono::NaiveDate,
}

impl Chart {
    fn ending(now: DateTime<Utc>) -> Chart {
        let first_day = (now - Duration::days(CHART_DAYS as i64 - 1)).date_naive();
        Chart {
            first_day,
            from: first_day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc(),
            today: now.date_naive(),
        }
    }

    /// Matches per chart day, from the per-day counts of a summary.
    fn counts(&self, per_day: &[(chrono::NaiveDate, u32)]) -> Vec<u32> {
        let mut counts = vec![0; CHART_DAYS];
        for (day, n) in per_day {
            if *day > self.today {
                continue;
            }
            if let Some(slot) = usize::try_from((*day - self.first_day).num_days())
                .ok()
                .and_then(|i| counts.get_mut(i))
            {
                *slot += n;
            }
        }
        counts
    }
}

/// One feed's items and chart. One lookup over the chart's month gives
/// the counts and, usually, the items (or the candidates to judge); a
/// sparse topic looks further back.
async fn select_feed(
    store: &Store,
    feed: &FeedConfig,
    query: &Query,
    model: Option<&TopicModel>,
    chart: &Chart,
    now: DateTime<Utc>,
) -> Result<Selection, StoreError> {
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
    let judge = Judge {
        query: &query,
        model,
        min_score: feed.min_score,
        now,
    };
    let items_since = since.map_or(chart.from, |s| s.max(chart.from));
    let reading = if judge.is_needed() {
        (wanted * CANDIDATES_PER_ITEM).min(MAX_CANDIDATES)
    } else {
        wanted
    };
    let month = store
        .match_summary(&compiled, chart.from, items_since, reading)
        .await?;
    let per_day = chart.counts(&month.per_day);
    let first = FirstCandidates {
        newest: month.newest,
        from: chart.from,
        complete: since.is_some_and(|s| s >= chart.from),
    };
    let mut items = if judge.is_needed() {
        judged_items(store, &compiled, since, wanted, &judge, first).await?
    } else {
        matched_items(store, &compiled, since, wanted, &judge, first).await?
    };
    if feed.dedupe {
        items = dedupe(items);
    }
    items.truncate(feed.limit);
    Ok(Selection { items, per_day })
}

/// The newest `wanted` matches, all published (no score or model to
/// pass): the month's when they suffice, else from further back.
async fn matched_items(
    store: &Store,
    compiled: &CompiledQuery,
    since: Option<DateTime<Utc>>,
    wanted: usize,
    judge: &Judge<'_>,
    first: FirstCandidates,
) -> Result<Vec<PublishItem>, StoreError> {
    let stored = if first.newest.len() >= wanted || first.complete {
        let ids: Vec<i64> = first.newest.iter().map(|(id, _)| *id).collect();
        store.articles_by_id(&ids).await?
    } else {
        store
            .search_beyond(compiled, since, wanted, first.from, first.newest)
            .await?
    };
    Ok(stored
        .into_iter()
        .map(|stored| PublishItem {
            matched_terms: judge.query.matched_terms(&document(&stored, judge.now)),
            stored,
            also_reported_by: Vec::new(),
        })
        .collect())
}

/// Candidates judged per wanted item at first; more are read when too
/// few pass.
const CANDIDATES_PER_ITEM: usize = 3;

/// Most candidates one feed reads before it makes do with what passed.
const MAX_CANDIDATES: usize = 20_000;

/// What decides, beyond the query, whether a match is published: the
/// feed's model and its least score.
struct Judge<'a> {
    query: &'a Query,
    model: Option<&'a TopicModel>,
    min_score: f64,
    now: DateTime<Utc>,
}

impl Judge<'_> {
    /// Whether matches need judging at all.
    fn is_needed(&self) -> bool {
        self.model.is_some() || self.min_score > 0.0
    }

    /// The matches `candidates` that pass, newest first, scored with the
    /// archive's word statistics.
    async fn pass(
        &self,
        store: &Store,
        candidates: Vec<StoredArticle>,
    ) -> Result<Vec<PublishItem>, StoreError> {
        let analysed: Vec<(Document, Vec<FacetMatch>)> = candidates
            .iter()
            .map(|s| {
                let doc = document(s, self.now);
                let matches = score::facet_matches(self.query, &doc);
                (doc, matches)
            })
            .collect();
        let stats = store
            .term_stats(
                &matched_stems(analysed.iter().map(|(_, m)| m.as_slice())),
                self.now,
            )
            .await?;
        Ok(candidates
            .into_iter()
            .zip(analysed)
            .filter(|(_, (doc, matches))| {
                topic::judge(self.model, doc, matches, &|s| stats.specificity(s), false)
                    .passes(self.min_score)
            })
            .map(|(stored, (doc, _))| PublishItem {
                matched_terms: self.query.matched_terms(&doc),
                stored,
                also_reported_by: Vec::new(),
            })
            .collect())
    }
}

/// The distinct stems of facet matches: the words whose specificity the
/// scores need.
pub fn matched_stems<'m>(matches: impl Iterator<Item = &'m [FacetMatch]>) -> Vec<String> {
    let mut stems: Vec<String> = matches
        .flat_map(|ms| ms.iter().flat_map(|m| m.stems.iter().cloned()))
        .collect();
    stems.sort_unstable();
    stems.dedup();
    stems
}

/// The first candidates, from the month's lookup: the newest matches from
/// `from` on (all of those the feed can use when `complete`).
struct FirstCandidates {
    newest: Vec<(i64, DateTime<Utc>)>,
    from: DateTime<Utc>,
    complete: bool,
}

/// The newest `wanted` matches that the judge passes: candidates are read
/// newest first, three per wanted item (the month's lookup found them),
/// then four times as many while too few pass and more remain.
async fn judged_items(
    store: &Store,
    compiled: &CompiledQuery,
    since: Option<DateTime<Utc>>,
    wanted: usize,
    judge: &Judge<'_>,
    first: FirstCandidates,
) -> Result<Vec<PublishItem>, StoreError> {
    let mut reading = (wanted * CANDIDATES_PER_ITEM).clamp(1, MAX_CANDIDATES);
    let mut first = Some(first);
    loop {
        let candidates = match first.take() {
            Some(f) if f.complete || f.newest.len() >= reading => {
                let ids: Vec<i64> = f.newest.iter().map(|(id, _)| *id).collect();
                store.articles_by_id(&ids).await?
            }
            Some(f) => {
                store
                    .search_beyond(compiled, since, reading, f.from, f.newest)
                    .await?
            }
            None => store.search(compiled, since, reading).await?,
        };
        let exhausted = candidates.len() < reading;
        let mut passed = judge.pass(store, candidates).await?;
        if passed.len() >= wanted || exhausted || reading >= MAX_CANDIDATES {
            passed.truncate(wanted);
            return Ok(passed);
        }
        reading = (reading * 4).min(MAX_CANDIDATES);
    }
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
            let outlet = other.stored.outlet_name().to_string();
            if outlet != first.stored.outlet_name() && !first.also_reported_by.contains(&outlet) {
                first.also_reported_by.push(outlet);
            }
        }
        out.push(first);
    }
    out.sort_by(|a, b| (b.stored.sort_at, &b.stored.uid).cmp(&(a.stored.sort_at, &a.stored.uid)));
    out
}
