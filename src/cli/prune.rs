//! `veille prune [--dry-run] [--list] [--json]`: what retention removes,
//! per source; removed unless it is a dry run.

use std::fmt::Write;
use std::path::Path;

use super::output::{bytes, when};
use super::{Exit, load_config};
use crate::pipeline::{PruneError, PruneOptions, PruneReport, RunError};

pub(super) async fn prune(
    config_path: &Path,
    options: PruneOptions,
    json: bool,
    quiet: bool,
) -> Exit {
    let config = match load_config(config_path) {
        Ok(c) => c,
        Err(code) => return code,
    };
    match crate::pipeline::prune(&config, options).await {
        Ok(report) if json => {
            let text = serde_json::to_string_pretty(&report).unwrap_or_default();
            super::output::print(&format!("{text}\n"));
            Exit::Ok
        }
        Ok(_) if quiet => Exit::Ok,
        Ok(report) => {
            super::output::print(&render(&report));
            Exit::Ok
        }
        Err(e @ PruneError::NotConfigured { .. }) => {
            eprintln!("veille: {e}");
            Exit::Usage
        }
        Err(PruneError::Run(RunError::Lock(e @ crate::lock::LockError::Held { .. }))) => {
            eprintln!("veille: {e}");
            Exit::Locked
        }
        Err(PruneError::Run(e @ RunError::Query { .. })) => {
            eprintln!("veille: {e}");
            Exit::Usage
        }
        Err(e) => {
            eprintln!("veille: fatal: {e}");
            Exit::Fatal
        }
    }
}

/// The report for a person: a line of totals, a table per source, and
/// the listed uids.
fn render(report: &PruneReport) -> String {
    let mut out = String::new();
    let verb = if report.dry_run {
        "would remove"
    } else {
        "removed"
    };
    let _ = write!(
        out,
        "veille: {verb} {} articles from {} sources and {} history rows",
        report.articles,
        report.sources.len(),
        report.history
    );
    let _ = if report.dry_run {
        writeln!(out, " (dry run: nothing changed)")
    } else {
        writeln!(
            out,
            "; database {} -> {}",
            bytes(report.bytes_before),
            bytes(report.bytes_after)
        )
    };
    if !report.sources.is_empty() {
        let _ = writeln!(
            out,
            "{:<32} {:>8}  {:<16}  {:<16}",
            "source", "articles", "oldest", "newest"
        );
    }
    for source in &report.sources {
        let name: String = source.source.chars().take(32).collect();
        let _ = writeln!(
            out,
            "{name:<32} {:>8}  {:<16}  {:<16}",
            source.articles,
            when(Some(source.oldest)),
            when(Some(source.newest))
        );
    }
    for uid in &report.uids {
        let _ = writeln!(out, "{uid}");
    }
    out
}
