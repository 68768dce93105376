//! Errors of the publish stage; each names the file.

use std::path::PathBuf;

/// Why a feed could not be published.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PublishError {
    /// Writing the output failed (permissions, disk full…).
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The XML writer failed.
    #[error("cannot render {format} for feed {slug:?}: {message}")]
    Render {
        /// `rss` or `atom`.
        format: &'static str,
        /// The feed.
        slug: String,
        /// Cause.
        message: String,
    },
}
