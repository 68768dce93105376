//! The publish step of a run: every topic feed (its files and topic
//! page), then the index page and the OPML list; and the health feed,
//! written after the alerts ran, so that it shows the failing ones. A feed
//! whose topic model cannot be fitted keeps its last published files; the
//! others go on.

use chrono::Utc;

use super::alerts::PublishedItems;
use super::collect::{self, Selection};
use super::{FeedOutcome, RunError, RunReport, topics};
use crate::config::{Config, FeedConfig};
use crate::filter::Query;
use crate::filter::topic::TopicModel;
use crate::publish::{
    FeedMeta, OpmlEntry, PublishItem, TopicSummary, publish_feed, publish_index, publish_opml,
    publish_topic_page,
};
use crate::store::{AlertItemRef, Store};

/// Items of each topic on the index page.
const INDEX_ITEMS: usize = 8;

/// Publishes every topic feed, the index page, the OPML list and the
/// health feed.
pub(super) async fn publish_all(
    store: &Store,
    config: &Config,
    queries: &[Query],
    report: &mut RunReport,
) -> Result<Publication, RunError> {
    let dir = &config.publish.dir;
    let (models, broken) = fitted_models(store, config, queries, topics::Save::Yes).await?;
    let selections = collect::select_articles(store, config, queries, &models, Utc::now()).await?;
    report.feed_errors.clone_from(&broken);
    let mut outcomes = Vec::new();
    let mut topics = Vec::new();
    let mut opml = Vec::new();
    let mut published = PublishedItems::new();
    let mut changed = Vec::new();
    let mut items = std::collections::HashSet::new();
    for (feed, selection) in config.feeds.iter().zip(selections) {
        items.extend(selection.items.iter().map(|item| item.stored.id));
        if broken.iter().any(|(slug, _)| *slug == feed.slug) {
            continue;
        }
        if config.alerts.iter().any(|a| a.feeds.contains(&feed.slug)) {
            published.push((feed.slug.clone(), alert_items(&feed.slug, &selection)));
        }
        let mut one = publish_one(config, feed, selection)?;
        changed.append(&mut one.changed);
        if one.outcome.files_written > 0 {
            report.totals.feeds_written += 1;
        }
        outcomes.push(one.outcome);
        topics.push((one.topic, one.latest));
        opml.extend(one.opml);
    }
    publish_index(dir, &topics)?;
    publish_opml(dir, &opml)?;
    Ok(Publication {
        feeds: outcomes,
        alert_items: published,
        changed,
        items,
    })
}

/// What the publish step hands to the alerts and the hub pings.
pub(super) struct Publication {
    /// Per-feed outcomes, in config order.
    pub feeds: Vec<FeedOutcome>,
    /// Each followed feed's items, for the alerts.
    pub alert_items: PublishedItems,
    /// Public URLs of the feed files whose bytes changed.
    pub changed: Vec<String>,
    /// The articles the feeds publish now (by id): kept by a prune with
    /// `keep_published`.
    pub items: std::collections::HashSet<i64>,
}

/// The health feed: recent source events and the alerts failing now.
pub(super) async fn publish_health(store: &Store, config: &Config) -> Result<(), RunError> {
    let events = store.recent_events(100).await?;
    let alerts = store.alert_statuses().await?;
    crate::publish::publish_health(
        &config.publish.dir,
        &config.publish.base_url,
        &events,
        &alerts,
    )?;
    Ok(())
}

/// A feed's items as its alerts take them.
fn alert_items(slug: &str, selection: &Selection) -> Vec<AlertItemRef> {
    selection
        .items
        .iter()
        .map(|item| AlertItemRef {
            article_id: item.stored.id,
            feed: slug.to_string(),
            matched_terms: item.matched_terms.clone(),
            other_outlets: item.also_reported_by.clone(),
        })
        .collect()
}

/// Each feed's model (`None` for a feed without examples), and the feeds
/// whose model could not be had, with why.
pub(super) async fn fitted_models(
    store: &Store,
    config: &Config,
    queries: &[Query],
    save: topics::Save,
) -> Result<(Vec<Option<TopicModel>>, Vec<(String, String)>), RunError> {
    let fitted = topics::models(store, config, queries, save).await?;
    let mut models = Vec::with_capacity(fitted.len());
    let mut broken = Vec::new();
    for (feed, model) in config.feeds.iter().zip(fitted) {
        match model {
            Ok(model) => models.push(model),
            Err(e) => {
                broken.push((feed.slug.clone(), e.to_string()));
                models.push(None);
            }
        }
    }
    Ok((models, broken))
}

/// What publishing one feed gives the index page, the OPML list and the
/// run's report.
struct Published {
    outcome: FeedOutcome,
    /// Public URLs of the feed files whose bytes changed.
    changed: Vec<String>,
    topic: TopicSummary,
    latest: Vec<PublishItem>,
    opml: Option<OpmlEntry>,
}

/// Writes one feed's files and its topic page.
fn publish_one(
    config: &Config,
    feed: &FeedConfig,
    selection: Selection,
) -> Result<Published, RunError> {
    let dir = &config.publish.dir;
    let meta = FeedMeta {
        slug: feed.slug.clone(),
        title: feed.title.clone(),
        description: feed.description.clone(),
        base_url: config.publish.base_url.clone(),
        formats: feed.formats.clone(),
        full_content: feed.full_content,
        hubs: config.publish.hubs.clone(),
    };
    let written = publish_feed(dir, &meta, &selection.items)?;
    let changed = written
        .written
        .iter()
        .filter_map(|path| path.file_name()?.to_str())
        .map(|file| meta.file_url(file))
        .collect();
    let topic = TopicSummary {
        slug: feed.slug.clone(),
        title: feed.title.clone(),
        description: feed.description.clone(),
        formats: feed.formats.clone(),
        per_day: selection.per_day.clone(),
    };
    publish_topic_page(dir, &topic, &selection.items)?;
    let opml = feed.formats.first().map(|first| OpmlEntry {
        title: feed.title.clone(),
        xml_url: meta.file_url(first.file_name()),
        html_url: Some(meta.file_url("index.html")),
        language: None,
        folder: None,
    });
    Ok(Published {
        changed,
        outcome: FeedOutcome {
            slug: feed.slug.clone(),
            items: written.items,
            files_written: written.written.len(),
        },
        topic,
        latest: selection.items.into_iter().take(INDEX_ITEMS).collect(),
        opml,
    })
}
