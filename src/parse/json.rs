//! JSON Feed 1.0 / 1.1 adapter (serde; the format is small enough that a
//! crate would add nothing).

use std::borrow::Cow;

use serde::Deserialize;

use super::date::parse_date;
use super::model::non_empty;
use super::text::{html, plain_text, text_to_html};
use super::{Enclosure, FeedFormat, ParseError, ParsedFeed, ParsedItem, Person};

#[derive(Deserialize)]
struct JsonFeed {
    version: Option<String>,
    title: Option<String>,
    home_page_url: Option<String>,
    description: Option<String>,
    language: Option<String>,
    author: Option<JsonAuthor>,
    #[serde(default)]
    authors: Vec<JsonAuthor>,
    #[serde(default)]
    items: Vec<JsonItem>,
    feed_url: Option<String>,
    /// JSON Feed 1.1 `hubs`: `[{"type": "WebSub", "url": …}]`, read
    /// leniently (a malformed list only means no hub).
    hubs: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct JsonAuthor {
    name: Option<String>,
    url: Option<String>,
}

#[derive(Deserialize)]
struct JsonItem {
    id: Option<serde_json::Value>,
    url: Option<String>,
    external_url: Option<String>,
    title: Option<String>,
    content_html: Option<String>,
    content_text: Option<String>,
    summary: Option<String>,
    date_published: Option<String>,
    date_modified: Option<String>,
    author: Option<JsonAuthor>,
    #[serde(default)]
    authors: Vec<JsonAuthor>,
    #[serde(default)]
    tags: Vec<String>,
    language: Option<String>,
    #[serde(default)]
    attachments: Vec<JsonAttachment>,
}

#[derive(Deserialize)]
struct JsonAttachment {
    url: String,
    mime_type: Option<String>,
    size_in_bytes: Option<u64>,
}

/// JSON strings are unescaped into owned text, so nothing is borrowed.
pub(super) fn parse(text: &str) -> Result<ParsedFeed<'static>, ParseError> {
    let feed: JsonFeed = serde_json::from_str(text).map_err(|e| ParseError::Json(e.to_string()))?;
    if !feed
        .version
        .as_deref()
        .unwrap_or_default()
        .starts_with("https://jsonfeed.org/version/")
    {
        return Err(ParseError::Json(
            "missing or unknown `version` (expected https://jsonfeed.org/version/1 or 1.1)".into(),
        ));
    }
    let websub = websub(&feed);
    Ok(ParsedFeed {
        format: Some(FeedFormat::JsonFeed),
        title: feed.title.as_deref().and_then(plain_text),
        link: feed.home_page_url.as_deref().and_then(non_empty),
        description: feed.description.as_deref().and_then(text_to_html),
        language: feed.language.as_deref().and_then(non_empty),
        updated: None,
        authors: people(feed.authors, feed.author),
        ttl_minutes: None,
        update_every_secs: None,
        websub,
        items: feed.items.into_iter().map(item).collect(),
        malformed: None,
    })
}

/// The WebSub hub and the feed's own URL, when it names both.
fn websub(feed: &JsonFeed) -> Option<crate::parse::model::WebSubLinks> {
    let hubs = feed.hubs.as_ref()?.as_array()?;
    let hub = hubs.iter().find(|h| {
        h.get("type")
            .and_then(serde_json::Value::as_str)
            .is_some_and(|k| k.eq_ignore_ascii_case("websub"))
    })?;
    Some(crate::parse::model::WebSubLinks {
        hub: hub
            .get("url")
            .and_then(serde_json::Value::as_str)
            .and_then(non_empty)?,
        topic: feed.feed_url.as_deref().and_then(non_empty)?,
    })
}

fn people(list: Vec<JsonAuthor>, single: Option<JsonAuthor>) -> Vec<Person> {
    list.into_iter()
        .chain(single)
        .map(|a| Person {
            name: a.name.as_deref().and_then(non_empty),
            email: None,
            uri: a.url.as_deref().and_then(non_empty),
        })
        .filter(|p| p.name.is_some() || p.uri.is_some())
        .collect()
}

fn item(item: JsonItem) -> ParsedItem<'static> {
    let id = match item.id {
        Some(serde_json::Value::String(s)) => non_empty(&s),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    ParsedItem {
        id,
        title: item.title.as_deref().and_then(plain_text),
        link: item
            .url
            .or(item.external_url)
            .as_deref()
            .and_then(non_empty),
        summary: item
            .summary
            .as_deref()
            .and_then(text_to_html)
            .map(Cow::Owned),
        content: item
            .content_html
            .as_deref()
            .and_then(html)
            .or_else(|| item.content_text.as_deref().and_then(text_to_html))
            .map(Cow::Owned),
        published: item.date_published.as_deref().and_then(parse_date),
        updated: item.date_modified.as_deref().and_then(parse_date),
        authors: people(item.authors, item.author),
        categories: item.tags.iter().filter_map(|t| plain_text(t)).collect(),
        enclosures: item
            .attachments
            .into_iter()
            .map(|a| Enclosure {
                url: a.url,
                mime_type: a.mime_type,
                length: a.size_in_bytes,
            })
            .collect(),
        language: item.language,
        source: None,
    }
}
