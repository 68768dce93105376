//! `veille sources`: health of every source, and OPML import/export.

use std::fmt::Write;
use std::path::Path;

use chrono::Utc;

use super::output::when;
use super::{Exit, load_config, open_store};
use crate::pipeline::import::ImportError;
use crate::publish::{OpmlEntry, render_opml};

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
    match crate::pipeline::import::import_opml(&config, opml_path) {
        Ok(imported) => {
            for (title, url) in &imported.invalid {
                eprintln!("veille: skipping {title:?}: {url:?} is not a URL");
            }
            let skipped = imported.present + imported.invalid.len();
            super::output::print(&format!(
                "veille: imported {} sources, skipped {skipped} already present or invalid\n",
                imported.added
            ));
            Exit::Ok
        }
        Err(e @ ImportError::ConfigFile { .. }) => {
            eprintln!("veille: {e}");
            Exit::Fatal
        }
        Err(e) => {
            eprintln!("veille: {e}");
            Exit::Usage
        }
    }
}
