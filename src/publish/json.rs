//! JSON Feed 1.1 rendering (serde; the format is small enough that a crate
//! would add nothing). veille's extras live under `_veille`, as the spec
//! asks of extensions.

use serde::Serialize;

use super::{FeedMeta, PublishError, PublishItem, item_id, item_updated};
use crate::model::rfc3339;

#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: String,
    feed_url: String,
    #[serde(skip_serializing_if = "str::is_empty")]
    description: &'a str,
    authors: Vec<Author>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hubs: Vec<Hub>,
    items: Vec<Item>,
}

/// JSON Feed 1.1 `hubs`: how to be told of changes.
#[derive(Serialize)]
struct Hub {
    #[serde(rename = "type")]
    kind: &'static str,
    url: String,
}

#[derive(Serialize)]
struct Author {
    name: String,
}

#[derive(Serialize)]
struct Item {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_html: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<String>,
    date_published: String,
    date_modified: String,
    authors: Vec<Author>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<String>,
    /// The item's picture (its first image enclosure, often a
    /// `media:thumbnail`), which readers show beside it.
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attachments: Vec<Attachment>,
    _veille: Extension,
}

#[derive(Serialize)]
struct Attachment {
    url: String,
    mime_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    size_in_bytes: Option<u64>,
}

#[derive(Serialize)]
struct Extension {
    source: Source,
    /// The outlet an aggregator's item names (Google News), when the
    /// source is an aggregator.
    #[serde(skip_serializing_if = "Option::is_none")]
    outlet: Option<Outlet>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    also_reported_by: Vec<String>,
}

#[derive(Serialize)]
struct Source {
    name: String,
    feed_url: String,
}

#[derive(Serialize)]
struct Outlet {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
}

pub(super) fn render(meta: &FeedMeta, items: &[PublishItem]) -> Result<Vec<u8>, PublishError> {
    let feed = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: &meta.title,
        home_page_url: meta.file_url("index.html"),
        feed_url: meta.file_url("feed.json"),
        description: &meta.description,
        authors: vec![Author {
            name: "veille".into(),
        }],
        hubs: meta
            .hubs
            .iter()
            .map(|hub| Hub {
                kind: "WebSub",
                url: hub.to_string(),
            })
            .collect(),
        items: items.iter().map(|i| item(i, meta.full_content)).collect(),
    };
    let mut out = serde_json::to_vec_pretty(&feed).map_err(|e| PublishError::Render {
        format: "json",
        slug: meta.slug.clone(),
        message: e.to_string(),
    })?;
    out.push(b'\n');
    Ok(out)
}

fn item(p: &PublishItem, full_content: bool) -> Item {
    let a = &p.stored;
    let art = &a.article;
    // JSON Feed's `summary` is plain text; the HTML goes in content_html.
    let summary_text = p
        .summary_html()
        .map(|h| crate::normalise::html_to_text(&h))
        .filter(|t| !t.is_empty());
    let content_html = art
        .content
        .clone()
        .filter(|_| full_content)
        .or_else(|| p.summary_html());
    Item {
        id: item_id(a),
        url: art.link.clone(),
        title: art.title.clone(),
        content_html,
        summary: summary_text,
        date_published: rfc3339(a.sort_at),
        date_modified: rfc3339(item_updated(a)),
        authors: vec![Author {
            name: art
                .author
                .clone()
                .unwrap_or_else(|| a.outlet_name().to_string()),
        }],
        tags: p.categories(),
        language: art.language.clone(),
        image: art
            .enclosures
            .iter()
            .find(|e| {
                e.mime_type
                    .as_deref()
                    .is_some_and(|t| t.starts_with("image/"))
            })
            .map(|e| e.url.clone()),
        attachments: art
            .enclosures
            .iter()
            .map(|e| Attachment {
                url: e.url.clone(),
                mime_type: e
                    .mime_type
                    .clone()
                    .unwrap_or_else(|| "application/octet-stream".into()),
                size_in_bytes: e.length,
            })
            .collect(),
        _veille: Extension {
            source: Source {
                name: a.source_name.clone(),
                feed_url: a.source_url.clone(),
            },
            outlet: art.outlet.clone().map(|name| Outlet {
                name,
                url: art.outlet_url.clone(),
            }),
            also_reported_by: p.also_reported_by.clone(),
        },
    }
}
