//! `veille backup FILE`: a consistent copy of the SQLite database, safe
//! while runs write; on PostgreSQL, the `pg_dump` command to use instead.

use std::path::Path;

use super::{Exit, load_config, open_store};
use crate::config::DatabaseConfig;

/// `quiet`: no line on success (a nightly cron job mails what it prints).
pub(super) async fn backup(config_path: &Path, target: &Path, quiet: bool) -> Exit {
    let config = match load_config(config_path) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if let DatabaseConfig::Postgres { url, .. } = &config.database {
        eprintln!(
            "veille: the database is PostgreSQL: back it up with pg_dump, e.g.\n  pg_dump --format=custom --file=veille.dump '{}'",
            crate::store::redacted_url(url)
        );
        return Exit::Usage;
    }
    let store = match open_store(config_path).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    let result = store.backup_to(target).await;
    // Not `close`: its checkpoint would wait for a run that is writing,
    // and a backup wrote nothing to checkpoint.
    drop(store);
    match result {
        Ok(()) if quiet => Exit::Ok,
        Ok(()) => {
            let bytes = std::fs::metadata(target).map(|m| m.len()).unwrap_or(0);
            super::output::print(&format!(
                "veille: backed up {} to {} ({bytes} bytes)\n",
                crate::pipeline::database_label(&config),
                target.display()
            ));
            Exit::Ok
        }
        Err(e) => {
            eprintln!("veille: fatal: {e}");
            Exit::Fatal
        }
    }
}
