//! How each backend binds a [`Param`]: the only place where a value's
//! column type differs between SQLite and PostgreSQL.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgArguments, PgTypeInfo};
use sqlx::sqlite::SqliteArguments;
use sqlx::{AssertSqlSafe, Postgres, Sqlite};

use super::param::{Param, Statement};
use crate::model::rfc3339;

pub(super) type SqliteQuery = sqlx::query::Query<'static, Sqlite, SqliteArguments>;
pub(super) type PgQuery = sqlx::query::Query<'static, Postgres, PgArguments>;

/// Binds each parameter of `$statement` to a new query, with `$time` and
/// `$json` saying how this backend stores timestamps and JSON.
macro_rules! bind_all {
    ($statement:expr, time: $time:expr, json: $json:expr) => {{
        let mut query = sqlx::query(AssertSqlSafe($statement.sql));
        for param in $statement.params {
            query = match param {
                Param::Int(v) => query.bind(v),
                Param::Real(v) => query.bind(v),
                Param::Bool(v) => query.bind(v),
                Param::Text(v) => query.bind(v.map(|t| t.into_owned())),
                Param::Time(v) => query.bind(v.map($time)),
                Param::Json(v) => query.bind($json(v.into_owned())),
            };
        }
        query
    }};
}

/// `statement` as a SQLite query: timestamps as RFC 3339 text (which
/// sorts as time does), JSON as text, booleans as 0 and 1.
pub(super) fn sqlite(mut statement: Statement<'_>) -> SqliteQuery {
    if let Some(anonymous) = anonymous_placeholders(&statement.sql) {
        statement.sql = anonymous.into();
    }
    bind_all!(statement, time: rfc3339, json: |text: String| text)
}

/// `sql` with `$1, $2, …` written `?` when they appear exactly in that
/// order, each once (as in a multi-row `VALUES`): SQLite looks a named
/// parameter up by a linear scan, so binding n named parameters costs n²
/// (measured: 5.7% of a first run's CPU with 22 × 400 per upsert), while
/// anonymous ones are bound by position. `None` when the numbering is not
/// in order or there is nothing to rewrite.
fn anonymous_placeholders(sql: &str) -> Option<String> {
    let mut out = String::with_capacity(sql.len());
    let mut expected = 1usize;
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        let (before, after) = rest.split_at(at);
        let digits = after
            .get(1..)
            .unwrap_or_default()
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        let number: usize = after.get(1..1 + digits)?.parse().ok()?;
        if number != expected {
            return None;
        }
        expected += 1;
        out.push_str(before);
        out.push('?');
        rest = after.get(1 + digits..)?;
    }
    out.push_str(rest);
    (expected > 1).then_some(out)
}

/// `statement` as a PostgreSQL query: timestamps cut to the second (as
/// SQLite's text keeps them), JSON as `JSONB`.
pub(super) fn postgres(statement: Statement<'_>) -> PgQuery {
    bind_all!(statement, time: whole_seconds, json: JsonbText)
}

/// `t` to the second: SQLite's RFC 3339 text has no fraction, and both
/// backends must order, compare and publish the same values.
fn whole_seconds(t: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    t.trunc_subsecs(0)
}

/// JSON text sent as `JSONB` (version byte, then the text), so that the
/// SQL needs no cast and reads the same on both backends.
struct JsonbText(String);

impl sqlx::Type<Postgres> for JsonbText {
    fn type_info() -> PgTypeInfo {
        PgTypeInfo::with_name("jsonb")
    }
}

impl sqlx::Encode<'_, Postgres> for JsonbText {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        buf.push(1);
        buf.extend_from_slice(self.0.as_bytes());
        Ok(IsNull::No)
    }
}

#[cfg(test)]
mod tests {
    use super::anonymous_placeholders;

    #[test]
    fn placeholders_in_order_become_anonymous() {
        assert_eq!(
            anonymous_placeholders("VALUES ($1, $2), ($3, $4) WHERE x <= $5").as_deref(),
            Some("VALUES (?, ?), (?, ?) WHERE x <= ?")
        );
        // Out of order, repeated, or none: left as written.
        assert_eq!(anonymous_placeholders("a = $2 AND b = $1"), None);
        assert_eq!(anonymous_placeholders("a = $1 OR b = $1"), None);
        assert_eq!(anonymous_placeholders("SELECT 1"), None);
        assert_eq!(anonymous_placeholders("$10"), None);
    }
}
