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

impl StoreError {
    /// The cause in a few words a person acts on ("disk full"), when the
    /// driver's error is one of the well-known conditions.
    pub fn cause(&self) -> Option<&'static str> {
        let StoreError::Query { source, .. } = self else {
            return None;
        };
        let sqlx::Error::Database(db) = source else {
            return matches!(source, sqlx::Error::Io(_)).then_some("I/O error");
        };
        let code = db.code()?;
        // SQLite reports extended result codes; the primary code is the
        // low byte. PostgreSQL reports SQLSTATE strings (often digits too).
        let sqlite = db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some();
        if let Some(extended) = code.parse::<i32>().ok().filter(|_| sqlite) {
            return match extended & 0xff {
                13 => Some("disk full"),
                5 | 6 => Some("database is locked"),
                8 => Some("read-only database"),
                10 => Some("disk I/O error"),
                11 | 26 => Some("database file is corrupt"),
                14 => Some("cannot open the database file"),
                _ => None,
            };
        }
        match code.as_ref() {
            "53100" => Some("disk full"),
            "53200" => Some("out of memory"),
            "57P01" | "57P02" | "57P03" => Some("server shutting down"),
            c if c.starts_with("08") => Some("connection lost"),
            _ => None,
        }
    }
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
