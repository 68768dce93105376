//! A result row of either backend, read by one mapper per table.

use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Decode, Postgres, Row as _, Sqlite, Type};

use crate::store::StoreError;
use crate::store::error::Context;

/// A row read from the database.
pub(crate) enum Row {
    Sqlite(SqliteRow),
    Postgres(PgRow),
}

/// A Rust type both backends decode the same way.
pub(crate) trait Column:
    for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres>
{
}

impl<T> Column for T where
    T: for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres>
{
}

impl Row {
    /// Column `name` as a `T`.
    pub(crate) fn get<T: Column>(&self, name: &str) -> Result<T, StoreError> {
        match self {
            Row::Sqlite(row) => row.try_get(name),
            Row::Postgres(row) => row.try_get(name),
        }
        .context(format!("reading {name}"))
    }

    /// Text column `name`, empty when NULL.
    pub(crate) fn text(&self, name: &str) -> Result<String, StoreError> {
        Ok(self.get::<Option<String>>(name)?.unwrap_or_default())
    }

    /// Timestamp column `name`: RFC 3339 text in SQLite, `TIMESTAMPTZ` in
    /// PostgreSQL. A malformed text (edited by hand) reads as missing
    /// rather than failing the whole query.
    pub(crate) fn time(&self, name: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        match self {
            Row::Sqlite(_) => Ok(self
                .get::<Option<String>>(name)?
                .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
                .map(|t| t.with_timezone(&Utc))),
            Row::Postgres(row) => row.try_get(name).context(format!("reading {name}")),
        }
    }

    /// JSON text column `name` (selected as text) read as a list, empty
    /// when NULL or unreadable.
    pub(crate) fn json_list<T: serde::de::DeserializeOwned>(
        &self,
        name: &str,
    ) -> Result<Vec<T>, StoreError> {
        Ok(self
            .get::<Option<String>>(name)?
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default())
    }
}
