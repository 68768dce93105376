//! RSS 2.0 rendering, with the `atom:link rel="self"` validators ask for
//! (and `rel="hub"` for each WebSub hub),
//! `content:encoded` for full text and `dc:creator` for authors (RSS's own
//! `author` must be an e-mail address).

use chrono::{DateTime, Utc};
use rss::extension::atom::{AtomExtension, Link};
use rss::extension::dublincore::DublinCoreExtension;
use rss::{Category, Channel, Enclosure, Guid, Item, Source};

use super::{FeedMeta, PublishError, PublishItem, frames_as_links, item_id};

/// `updated`: the feed's last change (see `feed_updated`).
pub(super) fn render(
    meta: &FeedMeta,
    items: &[PublishItem],
    updated: DateTime<Utc>,
) -> Result<Vec<u8>, PublishError> {
    let channel = Channel {
        title: meta.title.clone(),
        link: meta.file_url("index.html"),
        description: if meta.description.is_empty() {
            meta.title.clone()
        } else {
            meta.description.clone()
        },
        last_build_date: Some(crate::model::rfc822(updated)),
        generator: Some(format!("veille {}", env!("CARGO_PKG_VERSION"))),
        atom_ext: Some(AtomExtension {
            links: std::iter::once(Link {
                href: meta.file_url("rss.xml"),
                rel: "self".into(),
                mime_type: Some("application/rss+xml".into()),
                ..Link::default()
            })
            .chain(meta.hubs.iter().map(|hub| Link {
                href: hub.to_string(),
                rel: "hub".into(),
                ..Link::default()
            }))
            .collect(),
        }),
        items: items.iter().map(|i| item(i, meta.full_content)).collect(),
        ..Channel::default()
    };
    let mut out =
        channel
            .pretty_write_to(Vec::new(), b' ', 2)
            .map_err(|e| PublishError::Render {
                format: "rss",
                slug: meta.slug.clone(),
                message: e.to_string(),
            })?;
    out.push(b'\n');
    Ok(out)
}

fn item(p: &PublishItem, full_content: bool) -> Item {
    let a = &p.stored;
    let art = &a.article;
    let categories: Vec<Category> = p
        .categories()
        .into_iter()
        .map(|name| Category { name, domain: None })
        .collect();
    Item {
        title: Some(art.title.clone()),
        link: art.link.clone(),
        description: p
            .summary_html()
            .or_else(|| art.content.clone())
            .map(frames_as_links),
        content: art
            .content
            .clone()
            .filter(|_| full_content)
            .map(frames_as_links),
        guid: Some(Guid {
            value: item_id(a),
            permalink: false,
        }),
        pub_date: Some(crate::model::rfc822(a.sort_at)),
        categories,
        source: Some(Source {
            url: a.outlet_url().to_string(),
            title: Some(a.outlet_name().to_string()),
        }),
        enclosure: art.enclosures.first().map(|e| Enclosure {
            url: e.url.clone(),
            length: e.length.unwrap_or(0).to_string(),
            mime_type: e
                .mime_type
                .clone()
                .unwrap_or_else(|| "application/octet-stream".into()),
        }),
        dublin_core_ext: Some(DublinCoreExtension {
            creators: vec![
                art.author
                    .clone()
                    .unwrap_or_else(|| a.outlet_name().to_string()),
            ],
            languages: art.language.iter().cloned().collect(),
            ..DublinCoreExtension::default()
        }),
        ..Item::default()
    }
}
