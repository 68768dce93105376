//! `veille sources`: health of every source, and OPML import/export.

use std::fmt::Write;
use std::path::Path;

use chrono::{DateTime, Utc};

use super::{Exit, load_config, open_store};
use crate::parse::opml::parse_opml;
use crate::publish::{OpmlEntry, render_opml};

fn when(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "-".into())
}

pub(super) async fn list(config_path: &Path, json: bool) -> Exit {
    let store = match open_store(config_path).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    let health = match store.source_health(Utc::now()).await {
        Ok(h) => h,
        Err(e) => {
            eprintln!("veille: fatal: {e}");
            return Exit::Fatal;
        }
    };
    store.close().await;
    if json {
        super::output::print(&format!(
            "{}\n",
            serde_json::to_string_pretty(&health).unwrap_or_default()
        ));
        return Exit::Ok;
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<32} {:>6} {:<16} {:>5} {:<16} {:>8} {:>6}  url",
        "source", "status", "last success", "fails", "next fetch", "articles", "/day"
    );
    for h in &health {
        let status = match (h.gone, h.enabled, h.last_status) {
            (true, _, _) => "gone".to_string(),
            (_, false, _) => "off".to_string(),
            (_, _, Some(s)) => s.to_string(),
            (_, _, None) if h.last_error.is_some() => "error".to_string(),
            _ => "-".to_string(),
        };
        let name: String = h.name.chars().take(32).collect();
        let url = match &h.fetch_url {
            Some(moved) => format!("{} (moved to {moved})", h.url),
            None => h.url.clone(),
        };
        let _ = writeln!(
            out,
            "{name:<32} {status:>6} {:<16} {:>5} {:<16} {:>8} {:>6.1}  {url}",
            when(h.last_success_at),
            h.consecutive_failures,
            when(h.next_fetch_at),
            h.articles,
            h.items_per_day
        );
        if let Some(error) = &h.last_error {
            let _ = writeln!(
                out,
                "{:<32} last error: {}",
                "",
                crate::untrusted::printable_cut(error, 160)
            );
        }
    }
    super::output::print_text(&out);
    Exit::Ok
}

pub(super) fn export(config_path: &Path) -> Exit {
    let config = match load_config(config_path) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let entries: Vec<OpmlEntry> = config
        .sources
        .iter()
        .map(|s| OpmlEntry {
            title: s.name.clone(),
            xml_url: s.url.to_string(),
            html_url: None,
            language: s.language.clone(),
            folder: s.tags.first().cloned(),
        })
        .collect();
    super::output::print(&render_opml("veille sources", &entries));
    Exit::Ok
}

pub(super) fn import(config_path: &Path, opml_path: &Path) -> Exit {
    let config = match load_config(config_path) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let feeds = match std::fs::read(opml_path)
        .map_err(|e| e.to_string())
        .and_then(|b| parse_opml(&b))
    {
        Ok(f) => f,
        Err(e) => {
            eprintln!("veille: {}: {e}", opml_path.display());
            return Exit::Usage;
        }
    };
    let text = match std::fs::read_to_string(config_path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("veille: cannot read {}: {e}", config_path.display());
            return Exit::Fatal;
        }
    };
    let mut doc: toml_edit::DocumentMut = match text.parse() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("veille: {}: {e}", config_path.display());
            return Exit::Usage;
        }
    };
    let mut names: Vec<String> = config
        .sources
        .iter()
        .map(|s| s.name.to_lowercase())
        .collect();
    let urls: Vec<String> = config.sources.iter().map(|s| s.url.to_string()).collect();
    let (mut added, mut skipped) = (0, 0);
    for feed in feeds {
        let Ok(url) = url::Url::parse(&feed.xml_url) else {
            eprintln!(
                "veille: skipping {:?}: {:?} is not a URL",
                feed.title, feed.xml_url
            );
            skipped += 1;
            continue;
        };
        if urls.contains(&url.to_string()) {
            skipped += 1;
            continue;
        }
        // Names are unique keys: a clash gets the host appended.
        let mut name = feed.title.clone();
        if names.contains(&name.to_lowercase()) {
            name = format!("{name} ({})", url.host_str().unwrap_or("imported"));
        }
        names.push(name.to_lowercase());
        let mut table = toml_edit::Table::new();
        table.insert("name", toml_edit::value(name));
        table.insert("url", toml_edit::value(url.to_string()));
        let tags: toml_edit::Array = feed.folders.iter().map(|f| f.to_lowercase()).collect();
        if !tags.is_empty() {
            table.insert("tags", toml_edit::value(tags));
        }
        if let Some(lang) = feed
            .language
            .as_deref()
            .and_then(crate::model::primary_language)
        {
            table.insert("language", toml_edit::value(lang));
        }
        match doc
            .entry("source")
            .or_insert(toml_edit::Item::ArrayOfTables(
                toml_edit::ArrayOfTables::new(),
            )) {
            toml_edit::Item::ArrayOfTables(array) => array.push(table),
            _ => {
                eprintln!(
                    "veille: {}: `source` is not an array of tables",
                    config_path.display()
                );
                return Exit::Usage;
            }
        }
        added += 1;
    }
    let updated = doc.to_string();
    // Never write a file veille itself would reject.
    if let Err(e) = crate::config::Config::from_toml(&updated, config_path) {
        eprintln!("veille: import would make the config invalid, nothing written: {e}");
        return Exit::Usage;
    }
    if let Err(e) = std::fs::write(config_path, updated) {
        eprintln!("veille: cannot write {}: {e}", config_path.display());
        return Exit::Fatal;
    }
    super::output::print(&format!(
        "veille: imported {added} sources, skipped {skipped} already present or invalid\n"
    ));
    Exit::Ok
}
