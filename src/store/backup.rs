//! `veille backup FILE`: a consistent copy of the SQLite database, taken
//! while other runs may be writing. `VACUUM INTO` reads one snapshot (WAL
//! readers never wait for the writer) and writes a compact file; it goes
//! to a temporary name beside the target and is renamed into place, so a
//! crash never leaves half a backup under the chosen name.

use std::path::Path;

use super::error::Context;
use super::sql::Statement;
use super::{Store, StoreError};

const VACUUM_INTO: &str = "VACUUM INTO $1";

impl Store {
    /// Writes a consistent copy of the SQLite database to `target`
    /// (replacing it). PostgreSQL has `pg_dump` for this.
    pub async fn backup_to(&self, target: &Path) -> Result<(), StoreError> {
        if self.path().is_none() {
            return Err(StoreError::Misuse(
                "veille backup copies an SQLite file; for PostgreSQL use pg_dump",
            ));
        }
        let what = format!("backing up to {}", target.display());
        let partial = target.with_extension("veille-backup-partial");
        // A partial file of an earlier, interrupted backup would make
        // VACUUM INTO fail: it is only ever ours.
        let _ = std::fs::remove_file(&partial);
        let statement = Statement::new(VACUUM_INTO).bind(partial.to_string_lossy().into_owned());
        self.db().execute(statement).await.context(what.clone())?;
        std::fs::rename(&partial, target).map_err(|e| StoreError::Open {
            target: target.display().to_string(),
            message: format!("cannot move the backup into place: {e}"),
        })
    }
}
