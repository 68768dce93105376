//! The schema is a public interface: it must match `tests/fixtures/schema.sql`
//! (so a change is deliberate) and every column must be documented.

use std::path::Path;

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
    for table in [
        "sources",
        "articles",
        "fetches",
        "runs",
        "source_events",
        "article_index",
        "index_words",
        "index_meta",
    ] {
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
