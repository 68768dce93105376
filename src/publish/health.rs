//! The health feed, `{dir}/health/atom.xml`: sources that started failing,
//! recovered, moved or are gone, and alerts that keep failing, announced
//! in the reader users already use.

use std::path::Path;

use atom_syndication::{Entry, Feed, Link, Person, Text};

use super::{PublishError, write};
use crate::store::{AlertStatus, HealthEvent};

/// Writes the health feed from the newest events (newest first) and the
/// alerts failing now. Returns whether the file changed.
pub fn publish_health(
    dir: &Path,
    base_url: &url::Url,
    events: &[HealthEvent],
    alerts: &[AlertStatus],
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
    let mut entries: Vec<Entry> = alerts.iter().filter_map(alert_entry).collect();
    entries.extend(events.iter().map(event_entry));
    entries.sort_by_key(|e| std::cmp::Reverse(e.updated));
    let updated = entries
        .iter()
        .map(|e| e.updated.to_utc())
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
        entries,
        ..Feed::default()
    };
    let out = super::atom::serialise(&feed, "health")?;
    write::write_if_changed(&path, &out)
}

fn event_entry(e: &HealthEvent) -> Entry {
    Entry {
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
    }
}

/// An entry for an alert that is failing; one per stretch of failures.
fn alert_entry(alert: &AlertStatus) -> Option<Entry> {
    let since = alert.failing_since?;
    let error = alert.last_error.as_deref().unwrap_or("");
    Some(Entry {
        title: Text::plain(format!("alert {}: failing", alert.name)),
        id: format!(
            "urn:veille:health:alert:{}:{}",
            alert.name,
            since.timestamp()
        ),
        updated: since.fixed_offset(),
        published: Some(since.fixed_offset()),
        summary: Some(Text::plain(format!(
            "{} failures in a row, {} items waiting; last error: {}",
            alert.failures,
            alert.pending,
            crate::untrusted::error_column(error)
        ))),
        authors: vec![Person {
            name: "veille".into(),
            ..Person::default()
        }],
        ..Entry::default()
    })
}
