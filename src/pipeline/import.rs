//! `veille sources import FILE.opml`: the feeds of an OPML file added to
//! `config.toml` as sources (the file is read by `parse::opml`, edited by
//! `config::edit`).

use std::path::{Path, PathBuf};

use crate::config::{Config, SourceEntry, add_sources};
use crate::parse::opml::parse_opml;

/// What an import did.
pub use crate::config::Added as Imported;

/// Why nothing was imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The OPML file could not be read.
    #[error("{}: {message}", path.display())]
    Opml {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// The configuration file could not be read or written.
    #[error("cannot {action} {}: {source}", path.display())]
    ConfigFile {
        /// "read" or "write".
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The configuration could not take the sources.
    #[error(transparent)]
    Edit(#[from] crate::config::EditError),
}

/// Adds the feeds listed in the OPML file at `opml_path` to the file
/// `config` was read from.
pub fn import_opml(config: &Config, opml_path: &Path) -> Result<Imported, ImportError> {
    let opml_error = |message: String| ImportError::Opml {
        path: opml_path.to_path_buf(),
        message,
    };
    let bytes = std::fs::read(opml_path).map_err(|e| opml_error(e.to_string()))?;
    let entries: Vec<SourceEntry> = parse_opml(&bytes)
        .map_err(opml_error)?
        .into_iter()
        .map(|feed| SourceEntry {
            language: feed
                .language
                .as_deref()
                .and_then(crate::model::primary_language),
            title: feed.title,
            url: feed.xml_url,
            tags: feed.folders,
        })
        .collect();
    let file_error = |action, source| ImportError::ConfigFile {
        action,
        path: config.path.clone(),
        source,
    };
    let text = std::fs::read_to_string(&config.path).map_err(|e| file_error("read", e))?;
    let imported = add_sources(config, &text, &entries)?;
    std::fs::write(&config.path, &imported.text).map_err(|e| file_error("write", e))?;
    Ok(imported)
}
