//! What both backends' query compilers read from the database before they
//! compile: the stems each `prefix*` term stands for, and the sources as
//! queries see them (`source:` and `tag:` are resolved against the
//! configured sources, not the index).

use super::StoreError;
use super::error::Context;
use super::sql::{Db, Statement};
use crate::filter::{Query, TermKind, source_matches};

/// Most extra stems a prefix expands to through the vocabulary. Beyond
/// that the prefix matches stems beginning with it only (a 2-letter prefix
/// in a large archive would otherwise become a huge `OR`).
const MAX_EXPANSION: i64 = 256;

/// A source as queries see it: a configured source, or an outlet that
/// aggregators' items name (`articles.outlet`), which `source:` also
/// matches.
pub(super) struct SourceInfo {
    pub id: i64,
    pub name: String,
    pub tags: Vec<String>,
    /// An outlet named by items, not a configured source.
    pub outlet: bool,
}

/// Fills in the stems each `prefix*` term of `query` stands for, from the
/// words seen in indexed articles.
pub(super) async fn expand_prefixes(db: Db<'_>, query: &mut Query) -> Result<(), StoreError> {
    for kind in query.prefixes_mut() {
        if let TermKind::Prefix { prefix, expansion } = kind {
            let upper = format!("{prefix}\u{10FFFF}");
            let statement = Statement::new(
                "SELECT DISTINCT stem FROM index_words
                 WHERE word >= $1 AND word < $2 AND NOT (stem >= $1 AND stem < $2)
                 ORDER BY stem LIMIT $3",
            )
            .bind(prefix.as_str())
            .bind(upper)
            .bind(MAX_EXPANSION);
            *expansion = db
                .fetch_all(statement)
                .await
                .context("expanding a prefix")?
                .iter()
                .map(|row| row.text("stem"))
                .collect::<Result<_, _>>()?;
        }
    }
    Ok(())
}

/// Every source with its name and tags.
/// The configured sources, and with `with_outlets` (a query with a
/// `source:` term) the outlets aggregators' items name.
pub(super) async fn load_sources(
    db: Db<'_>,
    with_outlets: bool,
) -> Result<Vec<SourceInfo>, StoreError> {
    let statement = Statement::new("SELECT id, name, CAST(tags AS TEXT) AS tags FROM sources");
    let mut sources = db
        .fetch_all(statement)
        .await
        .context("reading sources")?
        .iter()
        .map(|row| {
            Ok(SourceInfo {
                id: row.get("id")?,
                name: row.text("name")?,
                tags: row.json_list("tags")?,
                outlet: false,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    if !with_outlets {
        return Ok(sources);
    }
    let outlets = Statement::new("SELECT DISTINCT outlet FROM articles WHERE outlet IS NOT NULL");
    for row in db.fetch_all(outlets).await.context("reading outlets")? {
        sources.push(SourceInfo {
            id: 0,
            name: row.text("outlet")?,
            tags: Vec::new(),
            outlet: true,
        });
    }
    Ok(sources)
}

/// The ids of the sources on which `leaf` (a `source:` or `tag:` term)
/// matches, by their name and configured tags.
pub(super) fn matching_sources(leaf: &Query, sources: &[SourceInfo]) -> Vec<i64> {
    sources
        .iter()
        .filter(|s| !s.outlet && source_matches(leaf, &s.name, &s.tags))
        .map(|s| s.id)
        .collect()
}

/// The outlets named by aggregators' items on which `leaf` (a `source:`
/// term) matches.
pub(super) fn matching_outlets(leaf: &Query, sources: &[SourceInfo]) -> Vec<String> {
    sources
        .iter()
        .filter(|s| s.outlet && source_matches(leaf, &s.name, &[]))
        .map(|s| s.name.clone())
        .collect()
}

/// Whether `query` has a `source:` term (or regex).
pub(super) fn has_source_term(query: &Query) -> bool {
    use crate::filter::Field;
    match query {
        Query::Term(t) => t.field == Field::Source,
        Query::Near { left, .. } => left.field == Field::Source,
        Query::Regex(p) => p.field == Field::Source,
        Query::And(qs) | Query::Or(qs) => qs.iter().any(has_source_term),
        Query::Not(q) => has_source_term(q),
        _ => false,
    }
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
