//! `veille check`: validate the configuration (queries included) and show
//! what it defines.

use std::fmt::Write;
use std::path::Path;

use super::{Exit, load_config};
use crate::config::Config;
use crate::filter::Query;

pub(super) fn check(path: &Path) -> Exit {
    let config = match load_config(path) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if let Err(code) = check_queries(&config) {
        return code;
    }
    let enabled = config.enabled_sources().count();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: OK: {} sources ({} enabled), {} feeds",
        config.path.display(),
        config.sources.len(),
        enabled,
        config.feeds.len()
    );
    let _ = writeln!(
        out,
        "database: {}",
        crate::pipeline::database_path(&config).display()
    );
    let _ = writeln!(
        out,
        "publish:  {} -> {}",
        config.publish.dir.display(),
        config.publish.base_url
    );
    let _ = writeln!(out, "sources:");
    for s in &config.sources {
        let mut notes = Vec::new();
        if !s.tags.is_empty() {
            notes.push(format!("tags: {}", s.tags.join(", ")));
        }
        if let Some(l) = &s.language {
            notes.push(format!("lang: {l}"));
        }
        if !s.enabled {
            notes.push("disabled".into());
        }
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!("  ({})", notes.join("; "))
        };
        let _ = writeln!(out, "  {}  {}{}", s.name, s.url, notes);
    }
    let _ = writeln!(out, "feeds:");
    for f in &config.feeds {
        let _ = writeln!(
            out,
            "  {}  {:?}  limit {}  query: {}",
            f.slug, f.title, f.limit, f.query
        );
    }
    super::output::print(&out);
    Exit::Ok
}

/// Parses every feed's query; prints each error with the file and line.
pub(super) fn check_queries(config: &Config) -> Result<(), Exit> {
    let mut ok = true;
    for (i, feed) in config.feeds.iter().enumerate() {
        if let Err(e) = Query::parse(&feed.query) {
            eprintln!(
                "veille: {}:{}: `feed[{}].query` ({}): {e}",
                config.path.display(),
                feed.query_line,
                i + 1,
                feed.slug
            );
            ok = false;
        }
    }
    if ok { Ok(()) } else { Err(Exit::Usage) }
}
