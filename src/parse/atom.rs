//! Atom 0.3 / 1.0 adapter over `atom_syndication`.

use atom_syndication::{Entry, Feed, Link, Text, TextType};

use super::model::non_empty;
use super::text::{html, plain_text, text_to_html};
use super::{Enclosure, FeedFormat, ParseError, ParsedFeed, ParsedItem, Person};

pub(super) fn parse(text: &str) -> Result<ParsedFeed, ParseError> {
    let feed = Feed::read_from(text.as_bytes()).map_err(|e| ParseError::Atom(e.to_string()))?;
    Ok(ParsedFeed {
        format: Some(FeedFormat::Atom),
        title: title_text(feed.title()),
        link: alternate(feed.links()),
        description: feed.subtitle().and_then(html_text),
        language: feed.lang().and_then(non_empty),
        updated: Some(feed.updated().with_timezone(&chrono::Utc)),
        authors: feed.authors().iter().map(person).collect(),
        ttl_minutes: None,
        items: feed.entries().iter().map(entry).collect(),
    })
}

fn entry(entry: &Entry) -> ParsedItem {
    let content = entry.content().and_then(|c| {
        let value = c.value()?;
        match c.content_type() {
            Some("text") | Some("text/plain") => text_to_html(value),
            _ => html(value),
        }
    });
    let enclosures = entry
        .links()
        .iter()
        .filter(|l| l.rel() == "enclosure")
        .filter_map(|l| {
            Some(Enclosure {
                url: non_empty(l.href())?,
                mime_type: l.mime_type().and_then(non_empty),
                length: l.length().and_then(|n| n.trim().parse().ok()),
            })
        })
        .collect();
    ParsedItem {
        id: non_empty(entry.id()),
        title: title_text(entry.title()),
        link: alternate(entry.links()),
        summary: entry.summary().and_then(html_text),
        content,
        published: entry.published().map(|d| d.with_timezone(&chrono::Utc)),
        updated: Some(entry.updated().with_timezone(&chrono::Utc)),
        authors: entry.authors().iter().map(person).collect(),
        categories: entry
            .categories()
            .iter()
            .filter_map(|c| plain_text(c.label().unwrap_or(c.term())))
            .collect(),
        enclosures,
        language: None,
    }
}

/// The `alternate` link (the default relation), else the first link.
fn alternate(links: &[Link]) -> Option<String> {
    links
        .iter()
        .find(|l| l.rel() == "alternate")
        .or_else(|| links.first())
        .and_then(|l| non_empty(l.href()))
}

fn title_text(text: &Text) -> Option<String> {
    match text.r#type {
        TextType::Text => {
            let t = text
                .as_str()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            (!t.is_empty()).then_some(t)
        }
        TextType::Html | TextType::Xhtml => plain_text(text.as_str()),
    }
}

fn html_text(text: &Text) -> Option<String> {
    match text.r#type {
        TextType::Text => text_to_html(text.as_str()),
        TextType::Html | TextType::Xhtml => html(text.as_str()),
    }
}

fn person(p: &atom_syndication::Person) -> Person {
    Person {
        name: non_empty(p.name()),
        email: p.email().and_then(non_empty),
        uri: p.uri().and_then(non_empty),
    }
}
