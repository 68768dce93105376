//! What both backends' query compilers share: the sources as queries see
//! them (`source:` and `tag:` are resolved against the configured sources,
//! not the index), and the small facts about a query they both ask.

use chrono::Utc;

use crate::filter::{Document, DocumentFields, Query};

/// Most extra stems a prefix expands to through the vocabulary. Beyond
/// that the prefix matches stems beginning with it only (a 2-letter prefix
/// in a large archive would otherwise become a huge `OR`).
pub(super) const MAX_EXPANSION: i64 = 256;

/// A source as queries see it.
pub(super) struct SourceInfo {
    pub id: i64,
    pub name: String,
    pub tags: Vec<String>,
}

impl SourceInfo {
    /// A source from its row: `tags` is the JSON array text.
    pub(super) fn new(id: i64, name: String, tags: &str) -> SourceInfo {
        SourceInfo {
            id,
            name,
            tags: serde_json::from_str(tags).unwrap_or_default(),
        }
    }
}

/// The ids of the sources on which `leaf` (a `source:` or `tag:` term)
/// matches, by their name and configured tags.
pub(super) fn matching_sources(leaf: &Query, sources: &[SourceInfo]) -> Vec<i64> {
    let now = Utc::now();
    sources
        .iter()
        .filter(|s| {
            Document::new(
                DocumentFields {
                    source_name: &s.name,
                    source_tags: &s.tags,
                    ..DocumentFields::default()
                },
                now,
            )
            .matches(leaf)
        })
        .map(|s| s.id)
        .collect()
}

/// Whether `query` has a `/regex/`, which no index answers.
pub(super) fn has_regex(query: &Query) -> bool {
    match query {
        Query::Regex(_) => true,
        Query::And(qs) | Query::Or(qs) => qs.iter().any(has_regex),
        Query::Not(q) => has_regex(q),
        _ => false,
    }
}
