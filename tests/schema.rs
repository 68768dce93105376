//! The schema is a public interface: it must match `tests/fixtures/schema.sql`
//! (so a change is deliberate) and every column must be documented.

use std::path::Path;

/// The tables of the public schema on both databases, each documented in
/// docs/schema.md.
const TABLES: [&str; 19] = [
    "sources",
    "articles",
    "fetches",
    "runs",
    "source_events",
    "article_index",
    "index_words",
    "index_meta",
    "topic_models",
    "index_term_stats",
    "alerts",
    "alert_feeds",
    "alert_deliveries",
    "alert_items",
    "websub_subscriptions",
    "fetch_totals",
    "feed_states",
    "prunes",
    "link_resolutions",
];

use sqlx::Row;

#[tokio::test]
async fn schema_matches_the_reference_and_docs_cover_every_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("veille.db");
    veille::store::Store::open_sqlite(&path)
        .await
        .unwrap()
        .close()
        .await;
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let rows = sqlx::query(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE '_sqlx%' AND name NOT LIKE 'sqlite_%' ORDER BY type DESC, name",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let actual: String = rows
        .iter()
        .map(|r| format!("{};\n", r.get::<String, _>(0)))
        .collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let expected = std::fs::read_to_string(root.join("tests/fixtures/schema.sql")).unwrap();
    assert_eq!(
        actual, expected,
        "schema changed: update tests/fixtures/schema.sql and docs/schema.md together"
    );

    let docs = std::fs::read_to_string(root.join("docs/schema.md")).unwrap();
    // FTS5's vocabulary table is SQLite's own.
    for table in TABLES.into_iter().chain(["article_index_terms"]) {
        assert!(
            docs.contains(&format!("### `{table}`")),
            "docs/schema.md lacks a section for {table}"
        );
        let section = docs
            .split(&format!("### `{table}`"))
            .nth(1)
            .unwrap()
            .split("\n### ")
            .next()
            .unwrap();
        let columns = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT name FROM pragma_table_info('{table}')"
        )))
        .fetch_all(&pool)
        .await
        .unwrap();
        for c in columns {
            let name: String = c.get(0);
            assert!(
                section.contains(&format!("| `{name}` |")),
                "docs/schema.md: {table}.{name} is undocumented"
            );
        }
    }
}

/// Column names of `table` in the SQLite file at `path`.
async fn sqlite_columns(pool: &sqlx::SqlitePool, table: &str) -> Vec<String> {
    let mut names: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT name FROM pragma_table_info('{table}')"
    )))
    .fetch_all(pool)
    .await
    .unwrap();
    names.sort();
    names
}

#[tokio::test]
async fn postgres_has_the_same_tables_and_columns() {
    let Some(url) = crate::util::postgres::fresh_database("schema").await else {
        return;
    };
    veille::store::Store::open(&veille::config::DatabaseConfig::Postgres {
        url: url.clone(),
        lease: std::time::Duration::from_secs(600),
    })
    .await
    .unwrap()
    .close()
    .await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("veille.db");
    veille::store::Store::open_sqlite(&path)
        .await
        .unwrap()
        .close()
        .await;
    let sqlite = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let pg = sqlx::PgPool::connect(&url).await.unwrap();
    let docs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/schema.md"))
            .unwrap();
    let postgres_section = docs.split("## PostgreSQL").nth(1).unwrap();
    for table in TABLES {
        let mut on_pg: Vec<String> = sqlx::query_scalar(
            "SELECT column_name::text FROM information_schema.columns
             WHERE table_schema = 'public' AND table_name = $1",
        )
        .bind(table)
        .fetch_all(&pg)
        .await
        .unwrap();
        on_pg.sort();
        let on_sqlite = sqlite_columns(&sqlite, table).await;
        // What PostgreSQL has that SQLite has not must be documented as
        // such, and the other way round only the FTS5 row link.
        for column in on_pg.iter().filter(|c| !on_sqlite.contains(c)) {
            assert!(
                postgres_section.contains(&format!("`{column}`")),
                "{table}.{column} exists only on PostgreSQL and is not documented"
            );
        }
        for column in on_sqlite.iter().filter(|c| !on_pg.contains(c)) {
            assert_eq!(
                (table, column.as_str()),
                ("articles", "index_rowid"),
                "{table}.{column} is missing on PostgreSQL"
            );
        }
    }
    pg.close().await;
}
