//! `veille search`: what a query (or a feed's query and model) matches in
//! the database, newest first, with how each match was judged: the same
//! steps a feed's publication takes, without publishing.

use chrono::{DateTime, Utc};

use super::collect::{document, matched_stems};
use crate::config::{Config, FeedConfig};
use crate::filter::topic::{self, Judgement};
use crate::filter::{Hit, Query, QueryError};
use crate::model::StoredArticle;
use crate::store::{Store, StoreError};

/// One match and how it was judged.
#[derive(Debug)]
pub struct PreviewItem {
    /// The article.
    pub article: StoredArticle,
    /// Which terms matched where.
    pub hits: Vec<Hit>,
    /// Its score, and the model's view when the feed has one.
    pub judgement: Judgement,
}

/// What a search found.
#[derive(Debug)]
pub struct Preview {
    /// The query as read, prefixes expanded.
    pub query: Query,
    /// The index lookup it became (`--explain`).
    pub lookup: String,
    /// The newest matches, newest first.
    pub items: Vec<PreviewItem>,
}

/// Why a search could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    /// The feed's own query does not parse.
    #[error("the query of feed {slug:?}: {source}")]
    FeedQuery {
        /// The feed.
        slug: String,
        /// Why.
        source: QueryError,
    },
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The feed's topic model could not be fitted.
    #[error(transparent)]
    Model(#[from] super::topics::TopicError),
}

/// The newest `limit` matches of `query`, each judged by `feed` (its
/// model, fitted if need be) or by the query's score alone.
pub async fn preview(
    store: &Store,
    config: &Config,
    feed: Option<&FeedConfig>,
    mut query: Query,
    limit: usize,
    now: DateTime<Utc>,
) -> Result<Preview, PreviewError> {
    let compiled = store.compile_query(&mut query, now).await?;
    let found = store.search(&compiled, None, limit).await?;
    let model = match feed {
        // The model belongs to the feed: fitted on the feed's own query,
        // whatever query this search previews.
        Some(feed) => {
            let own = Query::parse(&feed.query).map_err(|source| PreviewError::FeedQuery {
                slug: feed.slug.clone(),
                source,
            })?;
            super::topics::feed_model(store, config, feed, &own, super::topics::Save::Yes).await?
        }
        None => None,
    };
    let analysed: Vec<_> = found
        .iter()
        .map(|a| {
            let doc = document(a, now);
            let matches = crate::filter::score::facet_matches(&query, &doc);
            (doc, matches)
        })
        .collect();
    let stems = matched_stems(analysed.iter().map(|(_, m)| m.as_slice()));
    let stats = store.term_stats(&stems, now).await?;
    let items = found
        .into_iter()
        .zip(&analysed)
        .map(|(article, (doc, matches))| PreviewItem {
            hits: doc.hits(&query),
            judgement: topic::judge(
                model.as_ref(),
                doc,
                matches,
                &|s| stats.specificity(s),
                true,
            ),
            article,
        })
        .collect();
    Ok(Preview {
        lookup: compiled.explain(),
        query,
        items,
    })
}
