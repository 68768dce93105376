//! Editing `config.toml` in place, comments and layout kept: adding
//! sources (`veille sources import`). The result is validated as a whole
//! before anyone writes it, so veille never writes a file it would reject.

use std::path::Path;

use super::{Config, ConfigError};

/// A source to add, as an import found it.
#[derive(Debug, Clone)]
pub struct SourceEntry {
    /// The name it had where it came from (made unique when added).
    pub title: String,
    /// Its feed URL, as written there.
    pub url: String,
    /// Tags (an OPML file's folders).
    pub tags: Vec<String>,
    /// Its language code, when known.
    pub language: Option<String>,
}

/// What adding sources did.
#[derive(Debug, Default)]
pub struct Added {
    /// The configuration text with the new `[[source]]` tables.
    pub text: String,
    /// How many were added.
    pub added: usize,
    /// How many were already configured (same URL).
    pub present: usize,
    /// The entries left out because their URL is not one, by title.
    pub invalid: Vec<(String, String)>,
}

/// Why sources could not be added.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The file is not TOML.
    #[error("{path}: {message}")]
    Toml {
        /// The file.
        path: String,
        /// The TOML parser's message.
        message: String,
    },
    /// `source` is something other than `[[source]]` tables.
    #[error("{0}: `source` is not an array of tables")]
    NotSourceTables(String),
    /// The edited file would not be a valid configuration.
    #[error("import would make the config invalid, nothing written: {0}")]
    WouldBeInvalid(ConfigError),
    /// An imported entry would be set aside as invalid.
    #[error("import would add an invalid entry, nothing written: {0}")]
    WouldAddInvalid(String),
}

/// Adds `entries` to `text` (the file `config` was read from) as
/// `[[source]]` tables: sources whose URL is configured already are left
/// out, and a name that is taken gets the host appended.
pub fn add_sources(
    config: &Config,
    text: &str,
    entries: &[SourceEntry],
) -> Result<Added, EditError> {
    let path = config.path.display().to_string();
    let mut doc: toml_edit::DocumentMut =
        text.parse()
            .map_err(|e: toml_edit::TomlError| EditError::Toml {
                path: path.clone(),
                message: e.to_string(),
            })?;
    let mut names: Vec<String> = config
        .sources
        .iter()
        .map(|s| s.name.to_lowercase())
        .collect();
    let urls: Vec<String> = config.sources.iter().map(|s| s.url.to_string()).collect();
    let mut added = Added::default();
    for entry in entries {
        let Ok(url) = url::Url::parse(&entry.url) else {
            added.invalid.push((entry.title.clone(), entry.url.clone()));
            continue;
        };
        if urls.contains(&url.to_string()) {
            added.present += 1;
            continue;
        }
        let name = unique_name(&entry.title, &url, &mut names);
        source_tables(&mut doc, &path)?.push(source_table(&name, &url, entry));
        added.added += 1;
    }
    added.text = doc.to_string();
    let edited =
        Config::from_toml(&added.text, Path::new(&path)).map_err(EditError::WouldBeInvalid)?;
    // Entries the file already had set aside stay the user's business.
    if let Some(new) = edited.skipped.iter().find(|e| !config.skipped.contains(e)) {
        return Err(EditError::WouldAddInvalid(new.clone()));
    }
    Ok(added)
}

/// `title`, or with the host appended when a source of that name exists
/// (names are the sources' unique keys); recorded in `names`.
fn unique_name(title: &str, url: &url::Url, names: &mut Vec<String>) -> String {
    let mut name = title.to_string();
    if names.contains(&name.to_lowercase()) {
        name = format!("{name} ({})", url.host_str().unwrap_or("imported"));
    }
    names.push(name.to_lowercase());
    name
}

fn source_table(name: &str, url: &url::Url, entry: &SourceEntry) -> toml_edit::Table {
    let mut table = toml_edit::Table::new();
    table.insert("name", toml_edit::value(name));
    table.insert("url", toml_edit::value(url.to_string()));
    let tags: toml_edit::Array = entry.tags.iter().map(|t| t.to_lowercase()).collect();
    if !tags.is_empty() {
        table.insert("tags", toml_edit::value(tags));
    }
    if let Some(language) = &entry.language {
        table.insert("language", toml_edit::value(language.as_str()));
    }
    table
}

/// The document's `[[source]]` tables, created when there are none.
fn source_tables<'d>(
    doc: &'d mut toml_edit::DocumentMut,
    path: &str,
) -> Result<&'d mut toml_edit::ArrayOfTables, EditError> {
    match doc
        .entry("source")
        .or_insert(toml_edit::Item::ArrayOfTables(
            toml_edit::ArrayOfTables::new(),
        )) {
        toml_edit::Item::ArrayOfTables(array) => Ok(array),
        _ => Err(EditError::NotSourceTables(path.to_string())),
    }
}
