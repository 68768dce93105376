//! Stage 6: topic feeds as files.
//!
//! Renders RSS 2.0 (`rss` crate) and Atom 1.0 (`atom_syndication`) from
//! already-selected articles and writes them atomically. Output is a pure
//! function of the articles (no "now" anywhere), and a file whose bytes did
//! not change is not rewritten, so static servers keep answering 304.

mod atom;
mod error;
mod health;
mod opml;
mod rss;
mod write;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
pub use error::PublishError;
pub use health::publish_health;
pub use opml::{OpmlEntry, render_opml};
use url::Url;

use crate::model::StoredArticle;

/// What a published feed says about itself.
#[derive(Debug, Clone)]
pub struct FeedMeta {
    /// Folder name under the publish dir.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Public URL of the publish dir (ends with `/`).
    pub base_url: Url,
}

impl FeedMeta {
    /// Public URL of one of this feed's files.
    pub fn file_url(&self, file: &str) -> String {
        self.base_url
            .join(&format!("{}/{file}", self.slug))
            .map(|u| u.to_string())
            .unwrap_or_else(|_| format!("{}{}/{file}", self.base_url, self.slug))
    }
}

/// What publishing one feed did.
#[derive(Debug, Clone, Default)]
pub struct PublishedFeed {
    /// Number of items in the feed.
    pub items: usize,
    /// Files whose content changed and were (re)written.
    pub written: Vec<PathBuf>,
    /// Files left untouched because their content was already right.
    pub unchanged: Vec<PathBuf>,
}

/// Renders and writes `{dir}/{slug}/rss.xml` and `atom.xml`. `articles`
/// must already be in publishing order (newest first) and limited.
pub fn publish_feed(
    dir: &Path,
    meta: &FeedMeta,
    articles: &[StoredArticle],
) -> Result<PublishedFeed, PublishError> {
    let folder = dir.join(&meta.slug);
    std::fs::create_dir_all(&folder).map_err(|source| PublishError::Io {
        path: folder.clone(),
        source,
    })?;
    let mut result = PublishedFeed {
        items: articles.len(),
        ..PublishedFeed::default()
    };
    let outputs = [
        ("rss.xml", rss::render(meta, articles)?),
        ("atom.xml", atom::render(meta, articles)?),
    ];
    for (name, bytes) in outputs {
        let path = folder.join(name);
        if write::write_if_changed(&path, &bytes)? {
            result.written.push(path);
        } else {
            result.unchanged.push(path);
        }
    }
    Ok(result)
}

/// The date a feed reports as its last change: the newest item date, so
/// that an unchanged selection renders to identical bytes.
fn feed_updated(articles: &[StoredArticle]) -> DateTime<Utc> {
    articles
        .iter()
        .map(item_updated)
        .max()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

/// An item's last-change date: declared update, else its ordering date.
fn item_updated(a: &StoredArticle) -> DateTime<Utc> {
    a.article.updated_at.unwrap_or(a.sort_at).max(a.sort_at)
}

/// The permanent public id of an item.
fn item_id(a: &StoredArticle) -> String {
    format!("urn:uuid:{}", a.uid)
}
