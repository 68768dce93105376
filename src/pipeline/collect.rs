//! Choosing each topic feed's articles: one newest-first pass over the
//! store, evaluating every feed's query on each article, until every feed
//! has its `limit` or the archive is exhausted.

use crate::config::Config;
use crate::filter::{Document, Query};
use crate::model::StoredArticle;
use crate::store::{Store, StoreError};

/// Articles read from the store per page.
const PAGE: u32 = 500;

pub(super) async fn select_articles(
    store: &Store,
    config: &Config,
    queries: &[Query],
) -> Result<Vec<Vec<StoredArticle>>, StoreError> {
    let mut selected: Vec<Vec<StoredArticle>> = vec![Vec::new(); config.feeds.len()];
    let full = |selected: &Vec<Vec<StoredArticle>>| {
        selected
            .iter()
            .zip(&config.feeds)
            .all(|(s, f)| s.len() >= f.limit)
    };
    let mut cursor = None;
    while !full(&selected) {
        let (page, next) = store.articles_newest_first(cursor.as_ref(), PAGE).await?;
        for article in page {
            let doc = Document::from_article(&article.article);
            for ((chosen, feed), query) in selected.iter_mut().zip(&config.feeds).zip(queries) {
                if chosen.len() < feed.limit && query.matches(&doc) {
                    chosen.push(article.clone());
                }
            }
        }
        match next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    Ok(selected)
}
