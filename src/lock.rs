//! One run at a time per database: an exclusive, advisory lock on a file
//! next to the database (`veille.db.lock`).
//!
//! The operating system releases the lock when the process ends, however it
//! ends, so a crashed run never blocks the next cron tick.
//!
//! A lock that is busy is tried again for a short grace period before the
//! run gives up. The lock belongs to the open file, and a process that
//! forks shares it with the child until the child's `exec` closes its copy:
//! a program (or test harness) that starts other processes while holding or
//! just releasing the lock leaves it busy for those few milliseconds. A run
//! that is just finishing as cron starts the next is waited out the same way.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long a busy lock is tried again before another run is assumed.
const GRACE: Duration = Duration::from_secs(1);
/// The pause between two tries.
const RETRY_EVERY: Duration = Duration::from_millis(20);

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LockError {
    /// Another veille process holds it.
    #[error("another veille run holds the lock {path}; not starting a second one")]
    Held {
        /// The lock file.
        path: PathBuf,
    },
    /// The lock file could not be created or locked.
    #[error("cannot use lock file {path}: {source}")]
    Io {
        /// The lock file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Held for as long as the value lives.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
    path: PathBuf,
}

impl RunLock {
    /// The lock file used for the database at `db_path`.
    pub fn path_for(db_path: &Path) -> PathBuf {
        let mut name = db_path.file_name().unwrap_or_default().to_os_string();
        name.push(".lock");
        db_path.with_file_name(name)
    }

    /// Takes the lock for `db_path`, waiting at most [`GRACE`] for it
    /// (without blocking the async runtime: `veille serve --refresh` runs
    /// beside its web server).
    pub async fn acquire(db_path: &Path) -> Result<RunLock, LockError> {
        let deadline = Instant::now() + GRACE;
        loop {
            match Self::try_acquire(db_path) {
                Err(LockError::Held { .. }) if Instant::now() < deadline => {
                    tokio::time::sleep(RETRY_EVERY).await;
                }
                taken => return taken,
            }
        }
    }

    /// Takes the lock for `db_path` if it is free now.
    pub fn try_acquire(db_path: &Path) -> Result<RunLock, LockError> {
        let path = Self::path_for(db_path);
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => Ok(RunLock { _file: file, path }),
            Err(TryLockError::WouldBlock) => Err(LockError::Held { path }),
            Err(TryLockError::Error(e)) => Err(io(e)),
        }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_lock_released_within_the_grace_period_is_taken() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("veille.db");
        let held = RunLock::try_acquire(&db).unwrap();
        let started = Instant::now();
        let releaser = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            drop(held);
        });
        let taken = RunLock::acquire(&db).await;
        releaser.join().unwrap();
        assert!(taken.is_ok(), "{taken:?}");
        assert!(started.elapsed() >= Duration::from_millis(200));
    }

    #[tokio::test]
    async fn a_lock_held_past_the_grace_period_is_reported_held() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("veille.db");
        let _held = RunLock::try_acquire(&db).unwrap();
        assert!(matches!(
            RunLock::try_acquire(&db),
            Err(LockError::Held { .. })
        ));
        let started = Instant::now();
        let second = RunLock::acquire(&db).await;
        assert!(matches!(second, Err(LockError::Held { .. })), "{second:?}");
        assert!(started.elapsed() >= GRACE);
    }
}
