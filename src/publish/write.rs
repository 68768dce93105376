//! Atomic, change-aware file writing.

use std::io::Write;
use std::path::Path;

use chrono::{DateTime, Utc};

use super::PublishError;

/// Writes `bytes` to `path` unless the file already holds exactly them.
/// Returns whether it wrote. The new content goes to a temporary file in
/// the same folder, is flushed to disk, then renamed over the old one, so a
/// reader sees either the old or the new file, never half of one.
pub(crate) fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<bool, PublishError> {
    let io = |source| PublishError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Ok(existing) = std::fs::read(path)
        && existing == bytes
    {
        return Ok(false);
    }
    let folder = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(folder).map_err(io)?;
    tmp.write_all(bytes).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    // Readable by the web server, like a file written the usual way.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644)).map_err(io)?;
    }
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(true)
}

/// The date an empty feed at `path` reports as its last change: the date
/// the file already gives when it is already empty (no `item_tag` in it),
/// so an empty feed stays byte for byte the same from run to run; else
/// now, the run that emptied it. A fixed date such as 1970 would be wrong,
/// and validators call it implausible.
pub(crate) fn empty_since(path: &Path, item_tag: &str) -> DateTime<Utc> {
    let already_empty = std::fs::read(path)
        .ok()
        .filter(|bytes| memchr::memmem::find(bytes, item_tag.as_bytes()).is_none());
    let written =
        already_empty.and_then(|bytes| crate::parse::parse_feed(&bytes, None).ok()?.updated);
    let at = written.unwrap_or_else(Utc::now);
    DateTime::from_timestamp(at.timestamp(), 0).unwrap_or(at)
}
