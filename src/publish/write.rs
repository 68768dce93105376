//! Atomic, change-aware file writing.

use std::io::Write;
use std::path::Path;

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
