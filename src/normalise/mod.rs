//! Stage 3: a [`ParsedFeed`] → clean [`Article`]s.
//!
//! Pure: the clock is an argument. Links become absolute and canonical, HTML
//! is sanitised, a plain-text version is derived for search, the language is
//! taken from the declarations or detected, and each article gets its
//! identity key (guid, else canonical URL, else a hash of title and date).

pub mod aggregator;
mod embeds;
mod html;
mod lang;
mod story;
mod url;
mod words;

use sha2::{Digest, Sha256};

use crate::model::{Article, Enclosure};
use crate::parse::{ParsedFeed, ParsedItem};

pub use self::embeds::{video_frames_as_links, video_players};
pub use self::html::{Sanitizer, html_to_text, sanitize_html};
pub use self::lang::detect_language;
pub use self::story::{BANDS, SAME_STORY, story_keys, story_similarity, story_terms, term_hashes};
pub use self::url::{canonical_url, resolve_url};
pub use self::words::{normalise_text, words};

/// What the normaliser needs to know about the source of a feed.
#[derive(Debug, Clone)]
pub struct SourceContext<'a> {
    /// The URL the feed was fetched from: the base for relative links.
    pub feed_url: &'a ::url::Url,
    /// The language configured for the source, if any.
    pub language: Option<&'a str>,
}

/// Who an item is and what it says, computed cheaply (no HTML work) so
/// that items already stored unchanged can skip normalisation entirely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// `guid:…`, else `url:…` (canonical URL), else `hash:…` of the title
    /// (or text) and date.
    pub dedup_key: String,
    /// Hash of what the feed says about the item (title, link, summary,
    /// content as published): a change means a new revision.
    pub content_hash: String,
}

fn base_of(feed: &ParsedFeed, source: &SourceContext<'_>) -> ::url::Url {
    feed.link
        .as_deref()
        .and_then(|l| resolve_url(source.feed_url, l))
        .unwrap_or_else(|| source.feed_url.clone())
}

fn identify(item: &ParsedItem, base: &::url::Url) -> Identity {
    let link = item.link.as_deref().and_then(|l| resolve_url(base, l));
    let link_text = link.as_ref().map(|l| l.to_string()).unwrap_or_default();
    let dedup_key = match (&item.id, &link) {
        (Some(g), _) => format!("guid:{g}"),
        (None, Some(u)) => format!("url:{}", canonical_url(u)),
        (None, None) => {
            let date = item
                .published
                .map(crate::model::rfc3339)
                .unwrap_or_default();
            let what = item
                .title
                .as_deref()
                .or(item.summary.as_deref())
                .or(item.content.as_deref())
                .unwrap_or_default();
            format!("hash:{}", hex_digest(&[what, &date]))
        }
    };
    let content_hash = hex_digest(&[
        item.title.as_deref().unwrap_or_default(),
        &link_text,
        item.summary.as_deref().unwrap_or_default(),
        item.content.as_deref().unwrap_or_default(),
    ]);
    Identity {
        dedup_key,
        content_hash,
    }
}

/// The identity of every item of `feed`, in order.
pub fn identify_feed(feed: &ParsedFeed, source: &SourceContext<'_>) -> Vec<Identity> {
    let base = base_of(feed, source);
    feed.items
        .iter()
        .map(|item| identify(item, &base))
        .collect()
}

/// Normalises every item of `feed`. Items with neither a title, a link nor
/// any text are dropped: there is nothing a reader could show.
pub fn normalise_feed(feed: &ParsedFeed, source: &SourceContext<'_>) -> Vec<Article> {
    normalise_selected(feed, source, |_| true)
}

/// Normalises the items whose identity `keep` accepts (the pipeline skips
/// those already stored with the same content hash).
pub fn normalise_selected(
    feed: &ParsedFeed,
    source: &SourceContext<'_>,
    keep: impl Fn(&Identity) -> bool,
) -> Vec<Article> {
    let base = base_of(feed, source);
    let sanitizer = Sanitizer::new(&base);
    feed.items
        .iter()
        .map(|item| (item, identify(item, &base)))
        .filter(|(_, id)| keep(id))
        .filter_map(|(item, id)| normalise_item(item, id, feed, source, &base, &sanitizer))
        .collect()
}

fn normalise_item(
    item: &ParsedItem,
    identity: Identity,
    feed: &ParsedFeed,
    source: &SourceContext<'_>,
    base: &::url::Url,
    sanitizer: &Sanitizer,
) -> Option<Article> {
    let link = item.link.as_deref().and_then(|l| resolve_url(base, l));
    let via = aggregated(link.as_ref(), source);
    let link = via.outlet_link.clone().or(link);
    let (summary, content) = clean_bodies(item, sanitizer);
    let content_text = content
        .as_deref()
        .or(summary.as_deref())
        .map(html_to_text)
        .unwrap_or_default();
    let outlet = item.source.as_ref();
    let title = item
        .title
        .as_deref()
        .map(|t| match outlet {
            Some(o) => aggregator::strip_outlet_suffix(t, &o.name).to_string(),
            None => t.to_string(),
        })
        .or_else(|| title_from_text(&content_text))?;
    // Feeds with only a body get a summary from its first sentences.
    let summary = summary.or_else(|| summary_from_text(&content_text));
    let language = item
        .language
        .as_deref()
        .or(feed.language.as_deref())
        .and_then(crate::model::primary_language)
        .or_else(|| source.language.map(str::to_string))
        .or_else(|| detect_language(&format!("{title}. {}", truncate(&content_text, 600))));
    Some(Article {
        // The body, not the headline: outlets rewrite the headlines of a
        // wire story more than its text.
        story_terms: story_terms(&content_text),
        dedup_key: identity.dedup_key,
        guid: item.id.clone(),
        url: link.as_ref().map(canonical_url),
        link: link.map(|l| l.to_string()),
        title,
        author: item
            .authors
            .iter()
            .find_map(|a| a.display().map(str::to_string)),
        summary,
        content,
        content_text,
        published_at: item.published,
        updated_at: item.updated,
        language,
        categories: item.categories.clone(),
        enclosures: resolved_enclosures(item, base),
        content_hash: identity.content_hash,
        outlet: outlet.map(|o| o.name.clone()),
        outlet_url: outlet.and_then(|o| o.url.clone()),
        aggregator_link: via.aggregator_link,
    })
}

/// What an aggregator's link says: the aggregator's own link, and the
/// outlet's when its id embeds it (Google News ids made before mid-2024).
#[derive(Default)]
struct Aggregated {
    aggregator_link: Option<String>,
    outlet_link: Option<::url::Url>,
}

fn aggregated(link: Option<&::url::Url>, source: &SourceContext<'_>) -> Aggregated {
    let Some(link) = link else {
        return Aggregated::default();
    };
    let Some(id) = aggregator::google_article_id(link, source.feed_url.host_str()) else {
        return Aggregated::default();
    };
    match aggregator::decode_google_id(id) {
        Some(aggregator::GoogleId::Url(url)) => Aggregated {
            aggregator_link: Some(link.to_string()),
            outlet_link: ::url::Url::parse(&url).ok(),
        },
        Some(aggregator::GoogleId::Opaque) => Aggregated {
            aggregator_link: Some(link.to_string()),
            outlet_link: None,
        },
        None => Aggregated::default(),
    }
}

/// The item's summary and content, sanitised; empty ones dropped. Many
/// feeds repeat the body as the description: it is sanitised once.
fn clean_bodies(item: &ParsedItem, sanitizer: &Sanitizer) -> (Option<String>, Option<String>) {
    let clean = |html: Option<&str>| {
        html.map(|h| sanitizer.clean(h))
            .filter(|h| !h.trim().is_empty())
    };
    let summary = clean(item.summary.as_deref());
    let content = if item.content.is_some() && item.content == item.summary {
        summary.clone()
    } else {
        clean(item.content.as_deref())
    };
    (summary, content)
}

/// The item's enclosures with absolute URLs (unresolvable ones dropped).
fn resolved_enclosures(item: &ParsedItem, base: &::url::Url) -> Vec<Enclosure> {
    item.enclosures
        .iter()
        .filter_map(|e| {
            Some(Enclosure {
                url: resolve_url(base, &e.url)?.to_string(),
                mime_type: e.mime_type.clone(),
                length: e.length,
            })
        })
        .collect()
}

/// Replaces an article's body with the full text extracted from its page
/// (sanitised, made absolute against the page's URL); the feed's summary
/// stays, and the text and fingerprint follow the new body.
pub fn apply_full_text(article: &mut Article, body_html: &str, page_url: &::url::Url) {
    let content = sanitize_html(body_html, page_url);
    if content.trim().is_empty() {
        return;
    }
    article.content_text = html_to_text(&content);
    article.story_terms = story_terms(&article.content_text);
    article.content = Some(content);
}

/// Characters of text a derived summary keeps (cut at a word boundary).
const DERIVED_SUMMARY_CHARS: usize = 320;

fn summary_from_text(text: &str) -> Option<String> {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.is_empty() {
        return None;
    }
    let cut = match flat.char_indices().nth(DERIVED_SUMMARY_CHARS) {
        None => flat,
        Some((at, _)) => {
            let head = &flat[..at];
            let end = head.rfind(' ').unwrap_or(at);
            format!("{}…", &flat[..end])
        }
    };
    Some(format!("<p>{}</p>", html_escape::encode_text(&cut)))
}

fn title_from_text(text: &str) -> Option<String> {
    // The text keeps its paragraphs' line breaks; a title is one line, as
    // the parser makes feed titles.
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let t = truncate(&text, 100).trim();
    (!t.is_empty()).then(|| {
        if t.len() < text.len() {
            format!("{t}…")
        } else {
            t.to_string()
        }
    })
}

fn truncate(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Hex SHA-256 of the parts, separated by NUL so that ("ab","c") ≠ ("a","bc").
pub fn hex_digest(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    crate::model::to_hex(&hasher.finalize())
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::{SourceContext, normalise_feed};
    use crate::parse::{ParsedFeed, ParsedItem};

    #[test]
    fn a_title_made_from_the_text_is_one_line() {
        let url = url::Url::parse("https://e.ma/feed").unwrap();
        let feed = ParsedFeed {
            items: vec![ParsedItem {
                content: Some(Cow::Borrowed("<p>Premier paragraphe.</p>\n<p>Second.</p>")),
                ..ParsedItem::default()
            }],
            ..ParsedFeed::default()
        };
        let source = SourceContext {
            feed_url: &url,
            language: Some("fr"),
        };
        let articles = normalise_feed(&feed, &source);
        assert_eq!(articles[0].title, "Premier paragraphe. Second.");
    }

    #[test]
    fn a_body_repeated_as_the_description_is_sanitised_once_and_the_same() {
        let body = r#"<p>Le <a href="/ia">plan IA</a> du Maroc.</p><script>alert(1)</script>"#;
        let other = "<p>Résumé</p><script>alert(2)</script>";
        let url = url::Url::parse("https://e.ma/feed").unwrap();
        let item = |summary: &'static str, content: &'static str| ParsedItem {
            title: Some("Plan IA".into()),
            summary: Some(Cow::Borrowed(summary)),
            content: Some(Cow::Borrowed(content)),
            ..ParsedItem::default()
        };
        let feed = ParsedFeed {
            items: vec![item(body, body), item(other, body)],
            ..ParsedFeed::default()
        };
        let source = SourceContext {
            feed_url: &url,
            language: Some("fr"),
        };
        let articles = normalise_feed(&feed, &source);
        let expected = r#"<p>Le <a href="https://e.ma/ia" rel="noopener noreferrer">plan IA</a> du Maroc.</p>"#;
        assert_eq!(articles[0].content.as_deref(), Some(expected));
        assert_eq!(articles[0].summary.as_deref(), Some(expected));
        // Different fields are each sanitised.
        assert_eq!(articles[1].summary.as_deref(), Some("<p>Résumé</p>"));
        assert_eq!(articles[1].content.as_deref(), Some(expected));
    }
}
