//! RSS 2.0 rendering, with the `atom:link rel="self"` validators ask for,
//! `content:encoded` for full text and `dc:creator` for authors (RSS's own
//! `author` must be an e-mail address).

use rss::extension::atom::{AtomExtension, Link};
use rss::extension::dublincore::DublinCoreExtension;
use rss::{Category, Channel, Enclosure, Guid, Item, Source};

use super::{FeedMeta, PublishError, feed_updated, item_id};
use crate::model::StoredArticle;

pub(super) fn render(meta: &FeedMeta, articles: &[StoredArticle]) -> Result<Vec<u8>, PublishError> {
    let channel = Channel {
        title: meta.title.clone(),
        link: meta.file_url("index.html"),
        description: if meta.description.is_empty() {
            meta.title.clone()
        } else {
            meta.description.clone()
        },
        last_build_date: Some(feed_updated(articles).to_rfc2822()),
        generator: Some(format!("veille {}", env!("CARGO_PKG_VERSION"))),
        atom_ext: Some(AtomExtension {
            links: vec![Link {
                href: meta.file_url("rss.xml"),
                rel: "self".into(),
                mime_type: Some("application/rss+xml".into()),
                ..Link::default()
            }],
        }),
        items: articles.iter().map(item).collect(),
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

fn item(a: &StoredArticle) -> Item {
    let art = &a.article;
    let mut categories: Vec<Category> = a
        .source_tags
        .iter()
        .chain(&art.categories)
        .map(|c| Category {
            name: c.clone(),
            domain: None,
        })
        .collect();
    categories.dedup_by(|x, y| x.name == y.name);
    Item {
        title: Some(art.title.clone()),
        link: art.link.clone(),
        description: art.summary.clone().or_else(|| art.content.clone()),
        content: art.content.clone(),
        guid: Some(Guid {
            value: item_id(a),
            permalink: false,
        }),
        pub_date: Some(a.sort_at.to_rfc2822()),
        categories,
        source: Some(Source {
            url: a.source_url.clone(),
            title: Some(a.source_name.clone()),
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
            creators: vec![art.author.clone().unwrap_or_else(|| a.source_name.clone())],
            languages: art.language.iter().cloned().collect(),
            ..DublinCoreExtension::default()
        }),
        ..Item::default()
    }
}
