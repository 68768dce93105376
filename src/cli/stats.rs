//! `veille stats [--json]`: the figures `/metrics` exports, for a person:
//! sources, the last run and prune, feeds, articles per day over the last
//! 30 days, and the space each table and index takes.

use std::fmt::Write;
use std::path::Path;

use chrono::{NaiveDate, Utc};

use super::output::{bytes, when};
use super::{Exit, open_store};
use crate::store::{Figures, StorageUse, Store, StoreError};

/// Days of the articles-per-day table.
const DAYS: u32 = 30;

#[derive(serde::Serialize)]
struct Stats {
    #[serde(flatten)]
    figures: Figures,
    articles_per_day: Vec<(NaiveDate, u64)>,
    storage: Vec<StorageUse>,
}

pub(super) async fn stats(config_path: &Path, json: bool) -> Exit {
    let store = match open_store(config_path).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    let stats = gather(&store).await;
    drop(store);
    match stats {
        Ok(stats) if json => {
            let text = serde_json::to_string_pretty(&stats).unwrap_or_default();
            super::output::print(&format!("{text}\n"));
            Exit::Ok
        }
        Ok(stats) => {
            super::output::print(&render(&stats));
            Exit::Ok
        }
        Err(e) => {
            eprintln!("veille: fatal: {e}");
            Exit::Fatal
        }
    }
}

async fn gather(store: &Store) -> Result<Stats, StoreError> {
    Ok(Stats {
        figures: store.figures().await?,
        articles_per_day: store.articles_per_day(DAYS, Utc::now()).await?,
        storage: store.storage_use().await?,
    })
}

fn render(stats: &Stats) -> String {
    let mut out = String::new();
    let f = &stats.figures;
    let articles: i64 = f.sources.iter().map(|s| s.articles).sum();
    let _ = writeln!(
        out,
        "database: {} articles, {}",
        articles,
        bytes(f.database_bytes)
    );
    render_runs(&mut out, stats);
    render_sources(&mut out, stats);
    render_feeds(&mut out, stats);
    let _ = writeln!(out, "\narticles first stored per day (UTC):");
    let most = stats
        .articles_per_day
        .iter()
        .map(|(_, n)| *n)
        .max()
        .unwrap_or(0)
        .max(1);
    for (day, n) in &stats.articles_per_day {
        let bar = "#".repeat(((*n * 40).div_ceil(most)) as usize);
        let _ = writeln!(out, "  {day} {n:>7} {bar}");
    }
    let _ = writeln!(out, "\nspace by table and index:");
    for s in &stats.storage {
        let _ = writeln!(
            out,
            "  {:<40} {:<5} {:>10}",
            s.name,
            s.kind,
            bytes(u64::try_from(s.bytes).unwrap_or(0))
        );
    }
    out
}

fn render_runs(out: &mut String, stats: &Stats) {
    let f = &stats.figures;
    if let Some(run) = &f.last_run {
        let stages: Vec<String> = run
            .stage_seconds
            .iter()
            .map(|(stage, s)| format!("{stage} {s:.2} s"))
            .collect();
        let _ = writeln!(
            out,
            "last run: {} finished {}; {} new, {} updated, {} pruned; {}",
            run.command,
            when(run.finished_at),
            run.items_new,
            run.items_updated,
            run.articles_pruned,
            stages.join(", ")
        );
    }
    if let Some(prune) = &f.last_prune {
        let _ = writeln!(
            out,
            "last prune: {}; {} articles and {} history rows removed; {} -> {}",
            when(prune.finished_at),
            prune.articles_removed,
            prune.history_removed,
            bytes(
                prune
                    .bytes_before
                    .and_then(|b| u64::try_from(b).ok())
                    .unwrap_or(0)
            ),
            bytes(
                prune
                    .bytes_after
                    .and_then(|b| u64::try_from(b).ok())
                    .unwrap_or(0)
            )
        );
    }
}

fn render_sources(out: &mut String, stats: &Stats) {
    let _ = writeln!(
        out,
        "\n{:<32} {:>8} {:>8} {:>5} {:<16}  fetches by outcome",
        "source", "articles", "stored", "fails", "last success"
    );
    for s in &stats.figures.sources {
        let name: String = s.name.chars().take(32).collect();
        let fetches: Vec<String> = s.fetches.iter().map(|(o, n)| format!("{o}:{n}")).collect();
        let _ = writeln!(
            out,
            "{name:<32} {:>8} {:>8} {:>5} {:<16}  {}",
            s.articles,
            s.items_new,
            s.consecutive_failures,
            when(s.last_success_at),
            fetches.join(" ")
        );
    }
}

fn render_feeds(out: &mut String, stats: &Stats) {
    if stats.figures.feeds.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n{:<32} {:>6}  {:<16}",
        "feed", "items", "last change"
    );
    for feed in &stats.figures.feeds {
        let _ = writeln!(
            out,
            "{:<32} {:>6}  {:<16}",
            feed.slug,
            feed.items,
            when(feed.changed_at)
        );
    }
}
