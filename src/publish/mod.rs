//! Stage 6: topic feeds as files.
//!
//! Renders RSS 2.0 (`rss` crate), Atom 1.0 (`atom_syndication`) and JSON
//! Feed 1.1 (serde) from already-selected items, the HTML pages people
//! read, and the OPML list of every feed, and writes them atomically.
//! Feed output is a pure function of the items (no "now" in it), and a file
//! whose bytes did not change is not rewritten, so static servers keep
//! answering 304 and readers see no churn.

mod atom;
mod chart;
mod error;
mod health;
mod html;
mod json;
mod opml;
mod rss;
mod write;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
pub use error::PublishError;
pub use health::publish_health;
pub use html::{TopicSummary, publish_index, publish_topic_page};
pub use opml::{OpmlEntry, render_opml};
use url::Url;

use crate::model::{OutputFormat, StoredArticle};

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
    /// Formats to write.
    pub formats: Vec<OutputFormat>,
    /// Include full content (else summaries only).
    pub full_content: bool,
    /// WebSub hubs, named in each file (`rel="hub"`).
    pub hubs: Vec<Url>,
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

/// One item of a topic feed.
#[derive(Debug, Clone)]
pub struct PublishItem {
    /// The article.
    pub stored: StoredArticle,
    /// The query terms it matched (published as categories).
    pub matched_terms: Vec<String>,
    /// Other outlets that carried the same story (when deduplicated).
    pub also_reported_by: Vec<String>,
}

impl PublishItem {
    /// Categories: the source's tags, the feed's own categories, then the
    /// query terms that matched; no repeats.
    fn categories(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let all = self
            .stored
            .source_tags
            .iter()
            .chain(&self.stored.article.categories)
            .chain(&self.matched_terms);
        for c in all {
            if !out.iter().any(|o| o.eq_ignore_ascii_case(c)) {
                out.push(c.clone());
            }
        }
        out
    }

    /// The summary, with a line naming the other outlets when deduplicated.
    fn summary_html(&self) -> Option<String> {
        let base = self.stored.article.summary.clone();
        if self.also_reported_by.is_empty() {
            return base;
        }
        let names: Vec<String> = self
            .also_reported_by
            .iter()
            .map(|n| html_escape::encode_text(n).into_owned())
            .collect();
        let note = format!("<p>Also reported by: {}.</p>", names.join(", "));
        Some(match base {
            Some(s) => format!("{s}\n{note}"),
            None => note,
        })
    }
}

/// HTML for an RSS or Atom feed: video players as links to their videos.
/// Feed validators reject `<iframe>` in those formats and many readers
/// strip it, which would lose the video; JSON Feed and the HTML pages keep
/// the player.
fn frames_as_links(html: String) -> String {
    match crate::normalise::video_frames_as_links(&html) {
        std::borrow::Cow::Borrowed(_) => html,
        std::borrow::Cow::Owned(linked) => linked,
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

/// Renders and writes the feed files of one topic under `{dir}/{slug}/`.
/// `items` must already be in publishing order (newest first) and limited.
pub fn publish_feed(
    dir: &Path,
    meta: &FeedMeta,
    items: &[PublishItem],
) -> Result<PublishedFeed, PublishError> {
    let folder = dir.join(&meta.slug);
    std::fs::create_dir_all(&folder).map_err(|source| PublishError::Io {
        path: folder.clone(),
        source,
    })?;
    let mut result = PublishedFeed {
        items: items.len(),
        ..PublishedFeed::default()
    };
    for format in &meta.formats {
        let path = folder.join(format.file_name());
        let bytes = match format {
            OutputFormat::Rss => rss::render(meta, items, feed_updated(items, &path, "<item"))?,
            OutputFormat::Atom => atom::render(meta, items, feed_updated(items, &path, "<entry"))?,
            OutputFormat::Json => json::render(meta, items)?,
        };
        if write::write_if_changed(&path, &bytes)? {
            result.written.push(path);
        } else {
            result.unchanged.push(path);
        }
    }
    Ok(result)
}

/// Writes `feeds.opml`, listing every topic feed (in its first format).
pub fn publish_opml(dir: &Path, entries: &[OpmlEntry]) -> Result<bool, PublishError> {
    std::fs::create_dir_all(dir).map_err(|source| PublishError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    write::write_if_changed(
        &dir.join("feeds.opml"),
        render_opml("veille topic feeds", entries).as_bytes(),
    )
}

/// The date a feed reports as its last change: the newest item date, so
/// that an unchanged selection renders to identical bytes; for an empty
/// feed, when it became empty ([`write::empty_since`]).
fn feed_updated(items: &[PublishItem], path: &Path, item_tag: &str) -> DateTime<Utc> {
    items
        .iter()
        .map(|i| item_updated(&i.stored))
        .max()
        .unwrap_or_else(|| write::empty_since(path, item_tag))
}

/// An item's last-change date: declared update, else its ordering date.
fn item_updated(a: &StoredArticle) -> DateTime<Utc> {
    a.article.updated_at.unwrap_or(a.sort_at).max(a.sort_at)
}

/// The permanent public id of an item.
fn item_id(a: &StoredArticle) -> String {
    format!("urn:uuid:{}", a.uid)
}
