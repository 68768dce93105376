//! The health feed, `{dir}/health/atom.xml`: sources that started failing,
//! recovered, moved or are gone, announced in the reader users already use.

use std::path::Path;

use atom_syndication::{Entry, Feed, Link, Person, Text};

use super::{PublishError, write};
use crate::store::HealthEvent;

/// Writes the health feed from the newest events (newest first). Returns
/// whether the file changed.
pub fn publish_health(
    dir: &Path,
    base_url: &url::Url,
    events: &[HealthEvent],
) -> Result<bool, PublishError> {
    let folder = dir.join("health");
    std::fs::create_dir_all(&folder).map_err(|source| PublishError::Io {
        path: folder.clone(),
        source,
    })?;
    let self_url = base_url
        .join("health/atom.xml")
        .map(|u| u.to_string())
        .unwrap_or_default();
    let path = folder.join("atom.xml");
    let updated = events
        .iter()
        .map(|e| e.at)
        .max()
        .unwrap_or_else(|| write::empty_since(&path, "<entry"));
    let feed = Feed {
        title: Text::plain("veille: source health"),
        id: self_url.clone(),
        updated: updated.fixed_offset(),
        authors: vec![Person {
            name: "veille".into(),
            ..Person::default()
        }],
        links: vec![Link {
            href: self_url,
            rel: "self".into(),
            mime_type: Some("application/atom+xml".into()),
            ..Link::default()
        }],
        entries: events
            .iter()
            .map(|e| Entry {
                title: Text::plain(format!("{}: {}", e.source_name, e.kind)),
                id: format!("urn:veille:health:{}", e.id),
                updated: e.at.fixed_offset(),
                published: Some(e.at.fixed_offset()),
                // Rows written before messages were escaped may still
                // hold control characters, which XML cannot carry.
                summary: Some(Text::plain(crate::untrusted::error_column(&e.detail))),
                authors: vec![Person {
                    name: "veille".into(),
                    ..Person::default()
                }],
                ..Entry::default()
            })
            .collect(),
        ..Feed::default()
    };
    let out = super::atom::serialise(&feed, "health")?;
    write::write_if_changed(&path, &out)
}
