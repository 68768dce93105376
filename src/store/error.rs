//! Errors of the store stage.

/// Why the database could not do what was asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database could not be opened or created.
    #[error("cannot open database {target}: {message}")]
    Open {
        /// The file, or the server's URL without its password.
        target: String,
        /// The driver's explanation.
        message: String,
    },
    /// A migration failed (the database is left at the previous version).
    #[error("cannot migrate database {target}: {message}")]
    Migrate {
        /// The file, or the server's URL without its password.
        target: String,
        /// The driver's explanation.
        message: String,
    },
    /// veille asked the store something it cannot mean (a bug, reported
    /// rather than a panic).
    #[error("internal error: {0}")]
    Misuse(&'static str),
    /// A query failed.
    #[error("database error while {context}: {source}")]
    Query {
        /// What veille was doing.
        context: String,
        /// The driver error.
        source: sqlx::Error,
    },
}

/// Adds "while …" context to sqlx results.
pub(crate) trait Context<T> {
    fn context(self, what: impl Into<String>) -> Result<T, StoreError>;
}

impl<T> Context<T> for Result<T, sqlx::Error> {
    fn context(self, what: impl Into<String>) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Query {
            context: what.into(),
            source,
        })
    }
}
