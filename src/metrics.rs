//! Monitoring: the store's [`Figures`] as Prometheus metrics, in the
//! Prometheus text format (0.0.4), which both a scrape of `veille serve`'s
//! `/metrics` and node_exporter's textfile collector read
//! (`veille run --metrics-file`).
//!
//! The figures come from the database, not from this process's memory:
//! cron runs are separate processes, and `veille serve` reports what they
//! did. Counters are the database's running totals (`fetch_totals`),
//! which pruning history never lowers.

use std::path::Path;
use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};

use crate::store::Figures;

/// The `Content-Type` of the text `render` writes.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SourceLabel {
    source: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FetchLabels {
    source: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StageLabel {
    stage: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FeedLabel {
    feed: String,
}

type Seconds = Gauge<f64, AtomicU64>;

/// The figures in the Prometheus text format.
pub fn render(figures: &Figures) -> String {
    let mut registry = Registry::with_prefix("veille");
    register_sources(&mut registry, figures);
    register_last_run(&mut registry, figures);
    register_feeds(&mut registry, figures);
    let database: Gauge = Gauge::default();
    database.set(i64::try_from(figures.database_bytes).unwrap_or(i64::MAX));
    registry.register_with_unit(
        "database_size",
        "Size of the database (SQLite: its file's pages)",
        Unit::Bytes,
        database,
    );
    let mut text = String::new();
    // Writing to a String cannot fail.
    let _ = prometheus_client::encoding::prometheus_text::encode(&mut text, &registry);
    text
}

/// Writes the metrics to `path` atomically (a temporary file beside it,
/// renamed into place), as node_exporter's textfile collector requires:
/// it must never read half a file.
pub fn write_file(path: &Path, figures: &Figures) -> std::io::Result<()> {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(folder)?;
    std::io::Write::write_all(&mut file, render(figures).as_bytes())?;
    // Temporary files are private; node_exporter often runs as another
    // user.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

fn register_sources(registry: &mut Registry, figures: &Figures) {
    let fetches = Family::<FetchLabels, Counter>::default();
    let stored = Family::<SourceLabel, Counter>::default();
    let articles = Family::<SourceLabel, Gauge>::default();
    let last_success = Family::<SourceLabel, Seconds>::default();
    let failures = Family::<SourceLabel, Gauge>::default();
    for source in &figures.sources {
        let label = SourceLabel {
            source: source.name.clone(),
        };
        for (outcome, count) in &source.fetches {
            let labels = FetchLabels {
                source: source.name.clone(),
                outcome: outcome.clone(),
            };
            fetches.get_or_create(&labels).inc_by(non_negative(*count));
        }
        stored
            .get_or_create(&label)
            .inc_by(non_negative(source.items_new));
        articles.get_or_create(&label).set(source.articles);
        if let Some(at) = source.last_success_at {
            last_success.get_or_create(&label).set(timestamp(at));
        }
        failures
            .get_or_create(&label)
            .set(source.consecutive_failures);
    }
    registry.register(
        "source_fetches",
        "Fetches of each source by outcome: HTTP status, or error kind",
        fetches,
    );
    registry.register(
        "source_articles_stored",
        "Articles each source's fetches stored for the first time",
        stored,
    );
    registry.register(
        "source_articles",
        "Articles of each source in the database",
        articles,
    );
    registry.register(
        "source_last_success_timestamp_seconds",
        "When a fetch of each source last succeeded (Unix time)",
        last_success,
    );
    registry.register(
        "source_consecutive_failures",
        "Failed fetches of each source in a row (0 after a success)",
        failures,
    );
}

fn register_last_run(registry: &mut Registry, figures: &Figures) {
    let Some(run) = &figures.last_run else {
        return;
    };
    let stages = Family::<StageLabel, Seconds>::default();
    for (stage, seconds) in &run.stage_seconds {
        stages
            .get_or_create(&StageLabel {
                stage: stage.clone(),
            })
            .set(*seconds);
    }
    registry.register_with_unit(
        "run_stage_duration",
        "How long each stage of the last run took (normalise and store: summed over sources)",
        Unit::Seconds,
        stages,
    );
    let finished: Seconds = Gauge::default();
    finished.set(run.finished_at.map_or(0.0, timestamp));
    registry.register(
        "run_last_finished_timestamp_seconds",
        "When the last run finished (Unix time)",
        finished,
    );
    for (name, help, value) in [
        (
            "run_articles_new",
            "Articles the last run stored for the first time",
            run.items_new,
        ),
        (
            "run_articles_updated",
            "Articles the last run revised",
            run.items_updated,
        ),
        (
            "run_articles_pruned",
            "Articles the last run's daily prune removed",
            run.articles_pruned,
        ),
    ] {
        let gauge: Gauge = Gauge::default();
        gauge.set(value);
        registry.register(name, help, gauge);
    }
}

fn register_feeds(registry: &mut Registry, figures: &Figures) {
    let items = Family::<FeedLabel, Gauge>::default();
    let changed = Family::<FeedLabel, Seconds>::default();
    for feed in &figures.feeds {
        let label = FeedLabel {
            feed: feed.slug.clone(),
        };
        items.get_or_create(&label).set(feed.items);
        if let Some(at) = feed.changed_at {
            changed.get_or_create(&label).set(timestamp(at));
        }
    }
    registry.register("feed_items", "Items each topic feed publishes", items);
    registry.register(
        "feed_last_change_timestamp_seconds",
        "When each topic feed's files last changed (Unix time)",
        changed,
    );
}

fn non_negative(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn timestamp(at: chrono::DateTime<chrono::Utc>) -> f64 {
    at.timestamp_millis() as f64 / 1000.0
}
