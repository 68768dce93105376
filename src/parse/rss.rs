//! RSS 0.9x / 1.0 / 2.0 adapter over the `rss` crate (which also reads the
//! RDF flavour), with Dublin Core fallbacks for author, date and subject.

use rss::Channel;

use super::date::parse_date;
use super::model::non_empty;
use super::text::{html, plain_text};
use super::{Enclosure, FeedFormat, ParseError, ParsedFeed, ParsedItem, Person};

pub(super) fn parse(text: &str) -> Result<ParsedFeed, ParseError> {
    let channel =
        Channel::read_from(text.as_bytes()).map_err(|e| ParseError::Rss(e.to_string()))?;
    let dc = channel.dublin_core_ext();
    let authors = channel
        .managing_editor()
        .into_iter()
        .chain(
            dc.map(|d| d.creators())
                .unwrap_or_default()
                .iter()
                .map(String::as_str),
        )
        .filter_map(Person::from_text)
        .take(1)
        .collect();
    Ok(ParsedFeed {
        format: Some(FeedFormat::Rss),
        title: plain_text(channel.title()),
        link: non_empty(channel.link()),
        description: html(channel.description()),
        language: channel
            .language()
            .or_else(|| dc.and_then(|d| d.languages().first().map(String::as_str)))
            .and_then(non_empty),
        updated: channel
            .last_build_date()
            .or(channel.pub_date())
            .or_else(|| dc.and_then(|d| d.dates().first().map(String::as_str)))
            .and_then(parse_date),
        authors,
        ttl_minutes: channel.ttl().and_then(|t| t.trim().parse().ok()),
        items: channel.items().iter().map(item).collect(),
    })
}

fn item(item: &rss::Item) -> ParsedItem {
    let dc = item.dublin_core_ext();
    let guid = item.guid().and_then(|g| non_empty(g.value()));
    let permalink_guid = item
        .guid()
        .filter(|g| g.is_permalink() && g.value().starts_with("http"))
        .map(|g| g.value().trim().to_string());
    let link = item
        .link()
        .and_then(non_empty)
        .or(permalink_guid)
        .or_else(|| {
            let atom = item.atom_ext()?;
            atom.links()
                .iter()
                .find(|l| l.rel() == "alternate")
                .and_then(|l| non_empty(l.href()))
        });
    let mut authors: Vec<Person> = item
        .author()
        .and_then(Person::from_text)
        .into_iter()
        .collect();
    if authors.is_empty() {
        authors = dc
            .map(|d| d.creators())
            .unwrap_or_default()
            .iter()
            .filter_map(|c| Person::from_text(c))
            .collect();
    }
    let mut categories: Vec<String> = item
        .categories()
        .iter()
        .filter_map(|c| plain_text(c.name()))
        .collect();
    for subject in dc.map(|d| d.subjects()).unwrap_or_default() {
        if let Some(s) = plain_text(subject)
            && !categories.contains(&s)
        {
            categories.push(s);
        }
    }
    let enclosures = item
        .enclosure()
        .and_then(|e| {
            Some(Enclosure {
                url: non_empty(e.url())?,
                mime_type: non_empty(e.mime_type()),
                length: e.length().trim().parse().ok(),
            })
        })
        .into_iter()
        .collect();
    ParsedItem {
        id: guid,
        title: item.title().and_then(plain_text),
        link,
        summary: item.description().and_then(html),
        content: item.content().and_then(html),
        published: item
            .pub_date()
            .or_else(|| dc.and_then(|d| d.dates().first().map(String::as_str)))
            .and_then(parse_date),
        updated: None,
        authors,
        categories,
        enclosures,
        language: dc
            .and_then(|d| d.languages().first())
            .and_then(|l| non_empty(l)),
    }
}
