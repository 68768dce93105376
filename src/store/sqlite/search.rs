//! Answering a [`Query`] from the index: the query tree becomes one SQL
//! condition in which every indexable part (words, phrases, prefixes,
//! `NEAR`, `lang:`) is an FTS5 `MATCH` over `article_index`, adjacent ones
//! merged into one expression, and the rest is plain SQL on `articles`:
//! `source:` and `tag:` resolved against the sources, times, `/regex/`
//! (checked last, on the rows the index selected). Every lookup is limited
//! to a window of index rows (see the migration), so topic feeds read the
//! last month of the archive, not all of it; only a query with no indexed
//! part (a bare `/regex/`, a lone `NOT`) reads every row of its period.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;

use super::SqliteStore;
use crate::filter::{Field, Query, Term, TermKind};
use crate::store::error::Context;
use crate::store::query_sources::{SourceInfo, has_regex, matching_outlets, matching_sources};
use crate::store::{FUTURE_TOLERANCE_MINUTES, MatchSummary, StoreError, parse_ts, ts};

/// A value bound to a `?` in the compiled SQL.
#[derive(Debug, Clone)]
enum Bind {
    Text(String),
    /// The first index rowid of the time window being searched, known
    /// only when the search runs.
    WindowStart,
}

/// A compiled part of a query.
enum Node {
    /// An FTS5 expression (positive: it can stand alone).
    Fts(String),
    /// `NOT` of an FTS5 expression: subtracted from its siblings' match.
    NotFts(String),
    /// A SQL condition on `a` (articles) with its bound values.
    Sql(String, Vec<Bind>),
}

/// A query ready to run: its SQL condition on `articles a` and the values.
pub(crate) struct SqliteQuery {
    condition: String,
    binds: Vec<Bind>,
    now: DateTime<Utc>,
}

impl SqliteQuery {
    /// The SQL condition and the index expressions it uses: what
    /// `veille search --explain` shows as "index lookup".
    pub fn explain(&self) -> String {
        let mut out = self.condition.clone();
        for b in &self.binds {
            if let Bind::Text(t) = b {
                out.push_str(&format!("\n  ? = {t}"));
            }
        }
        out
    }
}

/// The window a newest-first search looks at first.
const FIRST_WINDOW_DAYS: i64 = 30;

/// Beyond this estimate of the days needed, a search reads everything.
const MAX_ESTIMATED_DAYS: i64 = 3 * 365;

fn fts_string(token: &str) -> String {
    format!("\"{}\"", token.replace('"', "\"\""))
}

fn column(field: Field) -> &'static str {
    match field {
        Field::Title => "title",
        Field::Author => "author",
        Field::Url => "url",
        Field::Tag => "categories",
        Field::Text | Field::Source => "body",
    }
}

/// The FTS5 alternatives a term stands for (without column filter).
fn fts_alternatives(kind: &TermKind) -> Vec<String> {
    match kind {
        TermKind::Phrase(readings) => readings.iter().map(|r| fts_string(&r.join(" "))).collect(),
        TermKind::Prefix { prefix, expansion } => {
            std::iter::once(format!("{}*", fts_string(prefix)))
                .chain(expansion.iter().map(|s| fts_string(s)))
                .collect()
        }
    }
}

fn fts_term(term: &Term) -> String {
    format!(
        "{} : ({})",
        column(term.field),
        fts_alternatives(&term.kind).join(" OR ")
    )
}

fn fts_near(left: &Term, right: &Term, distance: u32) -> String {
    let mut alternatives = Vec::new();
    for l in fts_alternatives(&left.kind) {
        for r in fts_alternatives(&right.kind) {
            alternatives.push(format!("NEAR({l} {r}, {distance})"));
        }
    }
    format!("{} : ({})", column(left.field), alternatives.join(" OR "))
}

fn fts_sql(expr: String, negated: bool) -> Node {
    let op = if negated { "NOT IN" } else { "IN" };
    Node::Sql(
        format!(
            "a.index_rowid {op} (SELECT rowid FROM article_index WHERE article_index MATCH ? AND rowid >= ?)"
        ),
        vec![Bind::Text(expr), Bind::WindowStart],
    )
}

fn into_sql(node: Node) -> (String, Vec<Bind>) {
    match node {
        Node::Sql(s, b) => (s, b),
        Node::Fts(e) => into_sql(fts_sql(e, false)),
        Node::NotFts(e) => into_sql(fts_sql(e, true)),
    }
}

/// `a.source_id IN (…)` for the sources on which `leaf` matches, or
/// `a.outlet IN (…)` for the outlets aggregators' items name.
fn source_condition(leaf: &Query, sources: &[SourceInfo]) -> Node {
    let ids: Vec<String> = matching_sources(leaf, sources)
        .iter()
        .map(i64::to_string)
        .collect();
    let outlets = matching_outlets(leaf, sources);
    let mut parts = Vec::new();
    if !ids.is_empty() {
        parts.push(format!("a.source_id IN ({})", ids.join(", ")));
    }
    if !outlets.is_empty() {
        parts.push(format!(
            // NULL-safe, so that `-source:X` keeps articles without an outlet.
            "(a.outlet IS NOT NULL AND a.outlet IN ({}))",
            vec!["?"; outlets.len()].join(", ")
        ));
    }
    match parts.len() {
        0 => Node::Sql("0".into(), Vec::new()),
        _ => Node::Sql(
            format!("({})", parts.join(" OR ")),
            outlets.into_iter().map(Bind::Text).collect(),
        ),
    }
}

fn or_nodes(a: Node, b: Node) -> Node {
    let (sa, mut ba) = into_sql(a);
    let (sb, bb) = into_sql(b);
    ba.extend(bb);
    Node::Sql(format!("({sa} OR {sb})"), ba)
}

fn regex_condition(field: Field, pattern: &str, sources: &[SourceInfo], leaf: &Query) -> Node {
    let bind = vec![Bind::Text(format!("(?i){pattern}"))];
    let text = match field {
        // Title and text apart: no string is built per row, and a title
        // that matches spares the longer text.
        Field::Text => {
            return Node::Sql(
                "(a.title REGEXP ? OR a.content_text REGEXP ?)".into(),
                vec![bind[0].clone(), bind[0].clone()],
            );
        }
        Field::Title => "a.title",
        Field::Author => "coalesce(a.author, '')",
        Field::Url => "coalesce(a.url, a.link, '')",
        Field::Source => return source_condition(leaf, sources),
        Field::Tag => {
            let categories = Node::Sql(
                "EXISTS (SELECT 1 FROM json_each(a.categories) j WHERE j.value REGEXP ?)".into(),
                bind,
            );
            return or_nodes(categories, source_condition(leaf, sources));
        }
    };
    Node::Sql(format!("{text} REGEXP ?"), bind)
}

fn compile(query: &Query, sources: &[SourceInfo], now: DateTime<Utc>) -> Node {
    match query {
        Query::Term(term) => match term.field {
            // Sources are few: resolved here against their names, then a
            // plain `source_id IN (…)`, cheaper than any index lookup.
            Field::Source => source_condition(query, sources),
            Field::Tag => or_nodes(Node::Fts(fts_term(term)), source_condition(query, sources)),
            _ => Node::Fts(fts_term(term)),
        },
        Query::Near {
            left,
            right,
            distance,
        } => match left.field {
            Field::Source => source_condition(query, sources),
            Field::Tag => or_nodes(
                Node::Fts(fts_near(left, right, *distance)),
                source_condition(query, sources),
            ),
            _ => Node::Fts(fts_near(left, right, *distance)),
        },
        Query::Regex(p) => regex_condition(p.field, &p.source, sources, query),
        Query::Lang(code) => Node::Fts(format!("lang : {}", fts_string(code))),
        Query::Since(b) => Node::Sql(
            "a.sort_at >= ?".into(),
            vec![Bind::Text(ts(b.instant(now)))],
        ),
        Query::Before(b) => Node::Sql("a.sort_at < ?".into(), vec![Bind::Text(ts(b.instant(now)))]),
        Query::Not(inner) => match compile(inner, sources, now) {
            Node::Fts(e) => Node::NotFts(e),
            Node::NotFts(e) => Node::Fts(e),
            Node::Sql(s, b) => Node::Sql(format!("NOT ({s})"), b),
        },
        Query::And(parts) => compile_and(parts, sources, now),
        Query::Or(parts) => compile_or(parts, sources, now),
    }
}

/// `a AND b …`: the indexed parts merged into one FTS5 expression (with
/// their negations), looked up first; plain SQL conditions after it, and
/// regular expressions last, so that they only run on the rows the index
/// selected.
fn compile_and(parts: &[Query], sources: &[SourceInfo], now: DateTime<Utc>) -> Node {
    let (mut positive, mut negative, mut sql) = (Vec::new(), Vec::new(), Vec::new());
    let mut row_checks = Vec::new();
    for part in parts {
        match compile(part, sources, now) {
            Node::Fts(e) => positive.push(e),
            Node::NotFts(e) => negative.push(e),
            node if has_regex(part) => row_checks.push(into_sql(node)),
            node => sql.push(into_sql(node)),
        }
    }
    if positive.is_empty() {
        sql.extend(negative.into_iter().map(|e| into_sql(Node::NotFts(e))));
    } else {
        let mut expr = format!("({})", positive.join(") AND ("));
        for n in negative {
            expr.push_str(&format!(" NOT ({n})"));
        }
        if sql.is_empty() && row_checks.is_empty() {
            return Node::Fts(expr);
        }
        sql.insert(0, into_sql(Node::Fts(expr)));
    }
    // SQLite evaluates these in order: regular expressions last.
    sql.extend(row_checks);
    joined(sql, " AND ")
}

/// `a OR b …`: the indexed parts merged into one FTS5 expression, OR-ed
/// with the others.
fn compile_or(parts: &[Query], sources: &[SourceInfo], now: DateTime<Utc>) -> Node {
    let (mut fts, mut sql) = (Vec::new(), Vec::new());
    for part in parts {
        match compile(part, sources, now) {
            Node::Fts(e) => fts.push(e),
            node => sql.push(into_sql(node)),
        }
    }
    let merged = (!fts.is_empty()).then(|| format!("({})", fts.join(") OR (")));
    match merged {
        Some(e) if sql.is_empty() => Node::Fts(e),
        merged => {
            sql.extend(merged.map(|e| into_sql(Node::Fts(e))));
            joined(sql, " OR ")
        }
    }
}

/// SQL conditions joined by `joiner`, their binds in order.
fn joined(sql: Vec<(String, Vec<Bind>)>, joiner: &str) -> Node {
    let (conditions, binds): (Vec<String>, Vec<Vec<Bind>>) = sql.into_iter().unzip();
    Node::Sql(
        format!("({})", conditions.join(joiner)),
        binds.into_iter().flatten().collect(),
    )
}

fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>,
    binds: &'q [Bind],
    window_start: i64,
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments> {
    for b in binds {
        query = match b {
            Bind::Text(t) => query.bind(t.as_str()),
            Bind::WindowStart => query.bind(window_start),
        };
    }
    query
}

/// Compiles `query` (its prefixes already expanded) against `sources`.
/// `now` is the moment `since:7d` counts from.
pub(crate) fn compile_query(
    query: &Query,
    sources: &[SourceInfo],
    now: DateTime<Utc>,
) -> SqliteQuery {
    let query = query.with_required_words();
    let (condition, binds) = into_sql(compile(&query, sources, now));
    SqliteQuery {
        condition,
        binds,
        now,
    }
}

impl SqliteStore {
    /// The first index rowid an article ordered at or after `since` can
    /// have: index rows are numbered in the order articles last changed,
    /// and an article is never ordered later than a few minutes after it
    /// last changed. Everything before it is skipped by FTS5's rowid seek.
    async fn window_start(&self, since: Option<DateTime<Utc>>) -> Result<i64, StoreError> {
        let Some(since) = since else { return Ok(0) };
        let changed_since = since - chrono::Duration::minutes(FUTURE_TOLERANCE_MINUTES);
        let first: Option<i64> =
            // INDEXED BY: left alone, SQLite answers min() by walking the
            // rowid index from the start, through the whole archive.
            sqlx::query_scalar(
                "SELECT min(index_rowid) FROM articles INDEXED BY articles_last_changed
                 WHERE last_changed_at >= ?1",
            )
                .bind(ts(changed_since))
                .fetch_one(&self.pool)
                .await
                .context("finding the search window")?;
        Ok(first.unwrap_or(i64::MAX))
    }

    /// The newest matches from `from` on (ids and times), at most `limit`:
    /// SQLite stops at the `limit`-th match, which spares the rest of the
    /// window the row-by-row checks (`/regex/`).
    async fn newest_matches(
        &self,
        query: &SqliteQuery,
        from: Option<DateTime<Utc>>,
        limit: usize,
    ) -> Result<Vec<(i64, DateTime<Utc>)>, StoreError> {
        let start = self.window_start(from).await?;
        let sql = format!(
            "SELECT a.id, a.sort_at FROM articles a WHERE {} AND a.sort_at >= ?
             ORDER BY a.sort_at DESC, a.uid DESC LIMIT ?",
            query.condition
        );
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &query.binds, start)
            .bind(from.map(ts).unwrap_or_default())
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .context("searching articles")?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let id: i64 = r.try_get("id").context("reading id")?;
            if let Some(at) = parse_ts(r.try_get("sort_at").context("reading sort_at")?) {
                out.push((id, at));
            }
        }
        Ok(out)
    }

    /// In one index lookup, what a topic feed needs from `from` on: how
    /// many articles match per UTC day, and the newest `limit` matches
    /// ordered at or after `items_since` (ids and times, newest first).
    /// SQLite aggregates, so only those rows cross into veille.
    pub async fn match_summary(
        &self,
        query: &SqliteQuery,
        from: DateTime<Utc>,
        items_since: DateTime<Utc>,
        limit: usize,
    ) -> Result<MatchSummary, StoreError> {
        let start = self.window_start(Some(from)).await?;
        let sql = format!(
            "WITH m AS MATERIALIZED (
                 SELECT a.id, a.sort_at, a.uid FROM articles a WHERE {} AND a.sort_at >= ?
             )
             SELECT 0 AS kind, NULL AS id, substr(sort_at, 1, 10) AS at, count(*) AS n
               FROM m GROUP BY substr(sort_at, 1, 10)
             UNION ALL
             SELECT * FROM (SELECT 1, id, sort_at,
                                   row_number() OVER (ORDER BY sort_at DESC, uid DESC)
                            FROM m WHERE sort_at >= ?
                            ORDER BY sort_at DESC, uid DESC LIMIT ?)",
            query.condition
        );
        let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &query.binds, start)
            .bind(ts(from))
            .bind(ts(items_since))
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await
            .context("searching articles")?;
        let mut summary = MatchSummary::default();
        let mut newest = Vec::new();
        for r in rows {
            let kind: i64 = r.try_get("kind").context("reading kind")?;
            let at: String = r.try_get("at").context("reading at")?;
            if kind == 0 {
                let n: i64 = r.try_get("n").context("reading count")?;
                if let Ok(day) = NaiveDate::parse_from_str(&at, "%Y-%m-%d") {
                    summary
                        .per_day
                        .push((day, u32::try_from(n).unwrap_or(u32::MAX)));
                }
                summary.total += u64::try_from(n).unwrap_or(0);
            } else if let Some(t) = parse_ts(Some(at)) {
                // `n` is the match's rank, newest first.
                let rank: i64 = r.try_get("n").context("reading rank")?;
                newest.push((rank, r.try_get("id").context("reading id")?, t));
            }
        }
        newest.sort_by_key(|(rank, _, _)| *rank);
        summary.newest = newest.into_iter().map(|(_, id, t)| (id, t)).collect();
        Ok(summary)
    }

    /// The ids of the articles matching `query`, newest first, at most `limit`, only
    /// those ordered at or after `since` when given. Looks at the last
    /// month first and widens only when that does not fill `limit`.
    pub async fn search(
        &self,
        query: &SqliteQuery,
        since: Option<DateTime<Utc>>,
        limit: usize,
    ) -> Result<Vec<i64>, StoreError> {
        let month = query.now - chrono::Duration::days(FIRST_WINDOW_DAYS);
        let from = since.map_or(month, |s| s.max(month));
        let found = self.newest_matches(query, Some(from), limit).await?;
        self.search_beyond(query, since, limit, from, found).await
    }

    /// Finishes a search whose matches from `from` on are `found`: when
    /// they do not fill `limit`, looks further back, as far as the rate of
    /// matches suggests is needed, then (if still short) to `since`.
    pub async fn search_beyond(
        &self,
        query: &SqliteQuery,
        since: Option<DateTime<Utc>>,
        limit: usize,
        from: DateTime<Utc>,
        mut found: Vec<(i64, DateTime<Utc>)>,
    ) -> Result<Vec<i64>, StoreError> {
        let mut from = Some(from);
        while found.len() < limit && from != since {
            let covered = from.map_or(0, |f| (query.now - f).num_days().max(1));
            // Enough days at the rate seen so far, with half as many again
            // to spare; a topic with no match yet goes straight to the
            // whole range.
            let wanted = i64::try_from(limit).unwrap_or(i64::MAX);
            let next = (!found.is_empty())
                .then(|| {
                    covered.saturating_mul(3).saturating_mul(wanted) / (2 * found.len() as i64)
                })
                .filter(|days| *days < MAX_ESTIMATED_DAYS)
                .map(|days| query.now - chrono::Duration::days(days.max(covered * 2)));
            from = match (next, since) {
                (Some(n), Some(s)) if n > s => Some(n),
                (Some(n), None) => Some(n),
                _ => since,
            };
            found = self.newest_matches(query, from, limit).await?;
        }
        Ok(found.iter().take(limit).map(|(id, _)| *id).collect())
    }
}
