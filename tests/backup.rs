//! `veille backup FILE` while the database is being written: the copy is
//! consistent and complete as of one moment.

use sqlx::Connection;

use crate::util::FixtureServer;

async fn stored(dir: &std::path::Path) -> (FixtureServer, veille::config::Config) {
    let (server, path) = crate::util::three_outlets(dir).await;
    let config = veille::config::Config::load(&path).unwrap();
    crate::util::run(&config, false).await;
    (server, config)
}

async fn scalar_in(file: &std::path::Path, sql: &'static str) -> String {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    let value: String = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
    pool.close().await;
    value
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_a_writer_holds_the_database_is_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, config) = stored(dir.path()).await;
    let db = dir.path().join("data/veille.db");

    // Another writer in the middle of a transaction.
    let mut writer = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut writer)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO runs (command, started_at) VALUES ('uncommitted', '2026-12-03T00:00:00Z')",
    )
    .execute(&mut writer)
    .await
    .unwrap();
    let target = dir.path().join("copy.db");
    let (path, copy) = (config.path.clone(), target.clone());
    let output = tokio::task::spawn_blocking(move || {
        crate::util::veille(&path, &["backup", copy.to_str().unwrap()])
    })
    .await
    .unwrap();
    sqlx::query("ROLLBACK").execute(&mut writer).await.unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("veille: backed up "));
    // Under cron, -q: nothing printed when it worked.
    let (path, copy) = (config.path.clone(), dir.path().join("quiet.db"));
    let quiet = tokio::task::spawn_blocking(move || {
        crate::util::veille(&path, &["-q", "backup", copy.to_str().unwrap()])
    })
    .await
    .unwrap();
    assert!(quiet.status.success() && quiet.stdout.is_empty() && quiet.stderr.is_empty());

    assert_eq!(scalar_in(&target, "PRAGMA integrity_check").await, "ok");
    let count = "SELECT CAST(count(*) AS TEXT) FROM articles";
    assert_eq!(scalar_in(&target, count).await, scalar_in(&db, count).await);
    let uncommitted = "SELECT CAST(count(*) AS TEXT) FROM runs WHERE command = 'uncommitted'";
    assert_eq!(scalar_in(&target, uncommitted).await, "0");
    assert!(!dir.path().join("copy.veille-backup-partial").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_during_a_run_opens_and_passes_the_integrity_check() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, config) = stored(dir.path()).await;
    let target = dir.path().join("during.db");
    let (path, copy) = (config.path.clone(), target.clone());
    let backup = tokio::task::spawn_blocking(move || {
        crate::util::veille(&path, &["backup", copy.to_str().unwrap()])
    });
    let (report, output) = tokio::join!(crate::util::run(&config, true), backup);
    assert_eq!(report.totals.sources_ok, 3);
    assert!(output.unwrap().status.success());
    assert_eq!(scalar_in(&target, "PRAGMA integrity_check").await, "ok");
    // The run stored nothing new: the copy holds every article.
    let count = "SELECT CAST(count(*) AS TEXT) FROM articles";
    let db = dir.path().join("data/veille.db");
    assert_eq!(scalar_in(&target, count).await, scalar_in(&db, count).await);
    assert_ne!(scalar_in(&target, count).await, "0");
}

#[test]
fn on_postgres_backup_names_pg_dump_without_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        "[database]\nurl = \"postgres://veille:s3cr3t@127.0.0.1:1/veille\"\n\n[publish]\nbase_url = \"https://example.org/\"\n",
    )
    .unwrap();
    let output = crate::util::veille(&path, &["backup", "copy.db"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("pg_dump --format=custom --file=veille.dump 'postgres://veille:"),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cr3t"), "{stderr}");
}
