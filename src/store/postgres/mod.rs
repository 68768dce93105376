//! The PostgreSQL backend, for archives shared by several workers: the
//! same tables as SQLite with types mapped (TIMESTAMPTZ, JSONB, BOOLEAN),
//! and the search index as tsvector columns over veille's own tokens.
//! Jobs are written once in `store`; here is what only PostgreSQL does:
//! opening the server, and the tsvector index and its queries.

mod search;
mod search_index;
mod upkeep;

pub(crate) use search_index::{MAX_LEXEME_BYTES, lexeme, tsvector_literal, tsvector_rows};

use std::time::Duration;

use std::str::FromStr;

use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};

/// How long opening the database may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) use search::{PgQuery, compile_query};

use super::StoreError;

/// The PostgreSQL database behind a [`super::Store`].
#[derive(Debug, Clone)]
pub(crate) struct PgStore {
    pool: PgPool,
}

/// `url` without its password, for messages.
pub(crate) fn redacted(url: &str) -> String {
    let Ok(mut u) = url::Url::parse(url) else {
        return "the configured PostgreSQL URL".to_string();
    };
    if u.password().is_some() {
        let _ = u.set_password(Some("***"));
    }
    // libpq also takes passwords as parameters.
    let secret = |key: &str| matches!(key, "password" | "sslpassword");
    if u.query_pairs().any(|(k, _)| secret(&k)) {
        let pairs: Vec<(String, String)> = u
            .query_pairs()
            .map(|(k, v)| {
                let v = if secret(&k) {
                    "***".into()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        u.query_pairs_mut().clear().extend_pairs(pairs);
    }
    u.to_string()
}

impl PgStore {
    /// The connection pool, for jobs written once for both backends.
    pub(crate) fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Connects to the database at `url` and applies the embedded
    /// migrations (PostgreSQL runs them under an advisory lock, so workers
    /// starting together do not race).
    pub(crate) async fn open(url: &str) -> Result<PgStore, StoreError> {
        let target = redacted(url);
        let open_error = |message: String| StoreError::Open {
            target: target.clone(),
            message,
        };
        let options = PgConnectOptions::from_str(url).map_err(|e| open_error(e.to_string()))?;
        // One connection first, so that an unreachable server or a refused
        // login is reported as such (a pool only says it timed out).
        match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&options)).await {
            Ok(Ok(connection)) => {
                let _ = connection.close().await;
            }
            Ok(Err(e)) => return Err(open_error(e.to_string())),
            Err(_) => {
                return Err(open_error(format!(
                    "no answer within {} s",
                    CONNECT_TIMEOUT.as_secs()
                )));
            }
        }
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .map_err(|e| open_error(e.to_string()))?;
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Migrate {
                target,
                message: e.to_string(),
            })?;
        let store = PgStore { pool };
        Ok(store)
    }

    /// Closes the connections.
    pub(crate) async fn close(self) {
        self.pool.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::redacted;

    #[test]
    fn passwords_are_masked_wherever_the_url_holds_them() {
        assert_eq!(
            redacted("postgres://veille:S3CRET@db.example/veille"),
            "postgres://veille:***@db.example/veille"
        );
        let masked = redacted(
            "postgres://veille@db.example/veille?sslmode=require&password=S3CRET&sslpassword=K3Y",
        );
        assert!(
            !masked.contains("S3CRET") && !masked.contains("K3Y"),
            "{masked}"
        );
        assert!(masked.contains("sslmode=require"), "{masked}");
        assert_eq!(redacted("not a url"), "the configured PostgreSQL URL");
    }
}
