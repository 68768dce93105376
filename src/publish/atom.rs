//! Atom 1.0 rendering: permanent `urn:uuid` ids, `self` and `alternate`
//! links, an author on every entry, and the original outlet as `source`.

use atom_syndication::{
    Category, Content, Entry, Feed, FixedDateTime, Generator, Link, Person, Source, Text,
};
use chrono::{DateTime, Utc};

use super::{FeedMeta, PublishError, PublishItem, frames_as_links, item_id, item_updated};

fn fixed(t: DateTime<Utc>) -> FixedDateTime {
    t.fixed_offset()
}

fn link(href: String, rel: &str, mime: Option<&str>) -> Link {
    Link {
        href,
        rel: rel.into(),
        mime_type: mime.map(str::to_string),
        ..Link::default()
    }
}

/// `updated`: the feed's last change (see `feed_updated`).
pub(super) fn render(
    meta: &FeedMeta,
    items: &[PublishItem],
    updated: DateTime<Utc>,
) -> Result<Vec<u8>, PublishError> {
    let feed = Feed {
        title: Text::plain(meta.title.clone()),
        id: meta.file_url("atom.xml"),
        updated: fixed(updated),
        authors: vec![Person {
            name: "veille".into(),
            ..Person::default()
        }],
        links: vec![
            link(
                meta.file_url("atom.xml"),
                "self",
                Some("application/atom+xml"),
            ),
            link(meta.file_url("index.html"), "alternate", Some("text/html")),
        ]
        .into_iter()
        .chain(
            meta.hubs
                .iter()
                .map(|hub| link(hub.to_string(), "hub", None)),
        )
        .collect(),
        subtitle: (!meta.description.is_empty()).then(|| Text::plain(meta.description.clone())),
        generator: Some(Generator {
            value: "veille".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
            ..Generator::default()
        }),
        entries: items.iter().map(|i| entry(i, meta.full_content)).collect(),
        ..Feed::default()
    };
    serialise(&feed, &meta.slug)
}

/// An Atom document as pretty-printed bytes ending in a newline.
pub(super) fn serialise(feed: &Feed, slug: &str) -> Result<Vec<u8>, PublishError> {
    let mut out = Vec::new();
    feed.write_with_config(
        &mut out,
        atom_syndication::WriteConfig {
            write_document_declaration: true,
            indent_size: Some(2),
        },
    )
    .map_err(|e| PublishError::Render {
        format: "atom",
        slug: slug.to_string(),
        message: e.to_string(),
    })?;
    out.push(b'\n');
    Ok(out)
}

fn entry(p: &PublishItem, full_content: bool) -> Entry {
    let a = &p.stored;
    let art = &a.article;
    let categories: Vec<Category> = p
        .categories()
        .into_iter()
        .map(|term| Category {
            term,
            ..Category::default()
        })
        .collect();
    let mut links: Vec<Link> = art
        .link
        .iter()
        .map(|l| link(l.clone(), "alternate", Some("text/html")))
        .collect();
    links.extend(art.enclosures.iter().map(|e| Link {
        href: e.url.clone(),
        rel: "enclosure".into(),
        mime_type: e.mime_type.clone(),
        length: e.length.map(|n| n.to_string()),
        ..Link::default()
    }));
    Entry {
        title: Text::plain(art.title.clone()),
        id: item_id(a),
        updated: fixed(item_updated(a)),
        published: Some(fixed(a.sort_at)),
        authors: vec![Person {
            name: art
                .author
                .clone()
                .unwrap_or_else(|| a.outlet_name().to_string()),
            ..Person::default()
        }],
        links,
        summary: p
            .summary_html()
            .map(|html| Text::html(frames_as_links(html))),
        content: art
            .content
            .clone()
            .filter(|_| full_content)
            .map(|html| Content {
                value: Some(frames_as_links(html)),
                content_type: Some("html".into()),
                lang: art.language.clone(),
                ..Content::default()
            }),
        categories,
        source: Some(Source {
            title: Text::plain(a.outlet_name().to_string()),
            id: a.outlet_url().to_string(),
            updated: fixed(item_updated(a)),
            links: vec![link(
                a.outlet_url().to_string(),
                if a.article.outlet_url.is_some() {
                    "alternate"
                } else {
                    "self"
                },
                None,
            )],
            ..Source::default()
        }),
        ..Entry::default()
    }
}
