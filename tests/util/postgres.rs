//! A fresh PostgreSQL database per test, on the server `.ci/postgres.sh`
//! starts (its URL in `VEILLE_TEST_POSTGRES_URL`). Without that variable
//! the PostgreSQL tests say they were skipped; with
//! `VEILLE_REQUIRE_POSTGRES=1` (as in `.ci/run`) they fail instead.

use std::sync::atomic::{AtomicUsize, Ordering};

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// The URL of a new, empty database, or `None` (with a message) when no
/// server is configured.
pub async fn fresh_database(test: &str) -> Option<String> {
    let Ok(admin) = std::env::var("VEILLE_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var_os("VEILLE_REQUIRE_POSTGRES").is_none(),
            "VEILLE_REQUIRE_POSTGRES is set but VEILLE_TEST_POSTGRES_URL is not"
        );
        eprintln!(
            "skipped {test}: VEILLE_TEST_POSTGRES_URL is not set (.ci/postgres.sh starts a server)"
        );
        return None;
    };
    let name = format!(
        "veille_{test}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let pool = sqlx::PgPool::connect(&admin).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name}"
    )))
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let mut url = url::Url::parse(&admin).unwrap();
    url.set_path(&format!("/{name}"));
    Some(url.to_string())
}

/// `config` pointed at the PostgreSQL database `url`.
pub fn on_postgres(mut config: veille::config::Config, url: &str) -> veille::config::Config {
    config.database = veille::config::DatabaseConfig::Postgres {
        url: url.to_string(),
        lease: std::time::Duration::from_secs(600),
    };
    config
}
