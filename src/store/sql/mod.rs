//! The one way jobs talk to the database: a [`Statement`] is written once,
//! with numbered placeholders, and run on whichever backend is open
//! ([`Db`] for the pool, [`Tx`] inside a transaction); rows come back as
//! [`Row`]s that one mapper per table reads. What really differs between
//! SQLite and PostgreSQL stays in `store::sqlite` and `store::postgres`.

mod bind;
mod param;
mod row;

use futures_util::TryStreamExt;
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};

pub(crate) use param::{Json, Statement, placeholders, value_rows};
pub(crate) use row::Row;

use crate::store::StoreError;

/// Which database a statement runs on, for the few pieces of SQL that
/// differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

/// The open database's pool.
#[derive(Clone, Copy)]
pub(crate) enum Db<'a> {
    Sqlite(&'a SqlitePool),
    Postgres(&'a PgPool),
}

/// A transaction on either backend; rolled back when dropped uncommitted.
pub(crate) enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// Runs `$body` on whichever backend `$target` (a [`Db`] or a [`Tx`]) is:
/// `$query` is the statement bound for it, `$on` its pool or transaction
/// and `$row` the constructor of a [`Row`] from its rows.
macro_rules! on_backend {
    ($target:expr, $Kind:ident, $statement:expr, |$query:ident, $on:ident, $row:ident| $body:expr) => {
        match $target {
            $Kind::Sqlite($on) => {
                let ($query, $row) = (bind::sqlite($statement), Row::Sqlite);
                $body
            }
            $Kind::Postgres($on) => {
                let ($query, $row) = (bind::postgres($statement), Row::Postgres);
                $body
            }
        }
    };
}

impl Db<'_> {
    pub(crate) fn dialect(self) -> Dialect {
        match self {
            Db::Sqlite(_) => Dialect::Sqlite,
            Db::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Runs `statement`; returns the rows it changed.
    pub(crate) async fn execute(self, statement: Statement<'_>) -> Result<u64, sqlx::Error> {
        on_backend!(self, Db, statement, |q, pool, _row| Ok(q
            .execute(pool)
            .await?
            .rows_affected()))
    }

    pub(crate) async fn fetch_all(self, statement: Statement<'_>) -> Result<Vec<Row>, sqlx::Error> {
        on_backend!(self, Db, statement, |q, pool, row| Ok(q
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(row)
            .collect()))
    }

    pub(crate) async fn fetch_optional(
        self,
        statement: Statement<'_>,
    ) -> Result<Option<Row>, sqlx::Error> {
        on_backend!(self, Db, statement, |q, pool, row| Ok(q
            .fetch_optional(pool)
            .await?
            .map(row)))
    }

    pub(crate) async fn fetch_one(self, statement: Statement<'_>) -> Result<Row, sqlx::Error> {
        self.fetch_optional(statement)
            .await?
            .ok_or(sqlx::Error::RowNotFound)
    }

    /// Streams the rows of `statement` through `each` (see
    /// [`Tx::for_each`]), outside any transaction.
    pub(crate) async fn for_each(
        self,
        statement: Statement<'_>,
        what: &'static str,
        mut each: impl FnMut(Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        use crate::store::error::Context;
        on_backend!(self, Db, statement, |q, pool, row| {
            let mut rows = q.fetch(pool);
            while let Some(next) = rows.try_next().await.context(what)? {
                each(row(next))?;
            }
        });
        Ok(())
    }

    /// Starts a transaction that will write. SQLite takes the write lock
    /// now (IMMEDIATE, waiting for it under the busy timeout), not halfway
    /// through, when another writer may have committed since this
    /// transaction first read.
    pub(crate) async fn begin_write(self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(pool) => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }
}

impl Tx {
    pub(crate) fn dialect(&self) -> Dialect {
        match self {
            Tx::Sqlite(_) => Dialect::Sqlite,
            Tx::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Runs `statement`; returns the rows it changed.
    pub(crate) async fn execute(&mut self, statement: Statement<'_>) -> Result<u64, sqlx::Error> {
        on_backend!(self, Tx, statement, |q, tx, _row| Ok(q
            .execute(&mut **tx)
            .await?
            .rows_affected()))
    }

    pub(crate) async fn fetch_all(
        &mut self,
        statement: Statement<'_>,
    ) -> Result<Vec<Row>, sqlx::Error> {
        on_backend!(self, Tx, statement, |q, tx, row| Ok(q
            .fetch_all(&mut **tx)
            .await?
            .into_iter()
            .map(row)
            .collect()))
    }

    pub(crate) async fn fetch_one(&mut self, statement: Statement<'_>) -> Result<Row, sqlx::Error> {
        on_backend!(self, Tx, statement, |q, tx, row| Ok(row(q
            .fetch_one(&mut **tx)
            .await?)))
    }

    /// Streams the rows of `statement` through `each`, so that a large
    /// read keeps only what `each` keeps; `what` names the read in errors.
    pub(crate) async fn for_each(
        &mut self,
        statement: Statement<'_>,
        what: &'static str,
        mut each: impl FnMut(Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        use crate::store::error::Context;
        on_backend!(self, Tx, statement, |q, tx, row| {
            let mut rows = q.fetch(&mut **tx);
            while let Some(next) = rows.try_next().await.context(what)? {
                each(row(next))?;
            }
        });
        Ok(())
    }

    /// Makes workers sharing a PostgreSQL database do the job named `job`
    /// one at a time, until this transaction ends. SQLite's run lock
    /// already makes the run the only writer.
    pub(crate) async fn one_worker_at_a_time(
        &mut self,
        job: &'static str,
    ) -> Result<(), sqlx::Error> {
        if let Tx::Postgres(tx) = self {
            sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
                .bind(job)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await,
            Tx::Postgres(tx) => tx.commit().await,
        }
    }
}
