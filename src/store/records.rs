//! The records the store takes and gives, whichever database is behind
//! it: sources as configured and their fetch state, fetches, runs, health
//! and search summaries.

use chrono::{DateTime, NaiveDate, Utc};

/// Counts of one source's articles in one fetch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreCounts {
    /// Items in the feed.
    pub seen: u64,
    /// Stored for the first time.
    pub new: u64,
    /// Already known, content changed.
    pub updated: u64,
}

/// What happened when one source was fetched.
#[derive(Debug, Clone)]
pub struct FetchRecord {
    /// The source.
    pub source_id: i64,
    /// Name of the source (for the stable article id).
    pub source_name: String,
    /// The run this fetch belongs to.
    pub run_id: Option<i64>,
    /// When the request started.
    pub started_at: DateTime<Utc>,
    /// When the response was fully processed.
    pub finished_at: DateTime<Utc>,
    /// URL requested.
    pub url: String,
    /// HTTP status, when a response arrived.
    pub http_status: Option<u16>,
    /// Body size in bytes.
    pub bytes: u64,
    /// The server answered 304 Not Modified.
    pub not_modified: bool,
    /// Items in the feed (stored unchanged ones included).
    pub items_seen: u64,
    /// `None` on success; the one-line reason otherwise.
    pub error: Option<String>,
    /// What kind of failure `error` is ("timeout", "connect", "parse"…),
    /// for the fetch counters; `None` for an HTTP status (counted by its
    /// number) or a success.
    pub error_kind: Option<&'static str>,
    /// Why the feed was not well-formed, when it was read anyway.
    pub malformed: Option<String>,
    /// New `ETag` to remember (only on success).
    pub etag: Option<String>,
    /// New `Last-Modified` to remember (only on success).
    pub last_modified: Option<String>,
    /// The feed's own title and home link, when parsed.
    pub feed_title: Option<String>,
    /// The feed's home page.
    pub site_url: Option<String>,
    /// The source's scheduling and redirect state after this fetch.
    pub update: SourceUpdate,
    /// The WebSub hub and topic the body named (`Some(None)`: none);
    /// `None` when no body was read.
    pub websub: Option<Option<crate::parse::WebSubLinks>>,
    /// Health events this fetch caused.
    pub events: Vec<SourceEvent>,
}

impl FetchRecord {
    /// How the fetch ended, as counted in `fetch_totals.outcome`: the
    /// HTTP status of a success or of an HTTP error ("200", "304", "404"),
    /// else the kind of failure.
    pub fn outcome(&self) -> String {
        match (&self.error, self.error_kind, self.http_status) {
            (Some(_), Some(kind), _) => kind.to_string(),
            (_, _, Some(status)) => status.to_string(),
            (None, _, None) => "ok".to_string(),
            (Some(_), None, None) => "error".to_string(),
        }
    }

    /// A successful fetch (HTTP 200) of `url` for a source, finished at
    /// `at`, with nothing else to report: the base that importers, tools
    /// and tests fill in.
    pub fn succeeded(
        source_id: i64,
        source_name: impl Into<String>,
        url: impl Into<String>,
        at: DateTime<Utc>,
    ) -> FetchRecord {
        FetchRecord {
            source_id,
            source_name: source_name.into(),
            run_id: None,
            started_at: at,
            finished_at: at,
            url: url.into(),
            http_status: Some(200),
            bytes: 0,
            not_modified: false,
            items_seen: 0,
            error: None,
            error_kind: None,
            malformed: None,
            etag: None,
            last_modified: None,
            feed_title: None,
            site_url: None,
            update: SourceUpdate::default(),
            websub: None,
            events: Vec::new(),
        }
    }
}

/// One source's health, as `veille sources` shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SourceHealth {
    /// Name.
    pub name: String,
    /// URL as configured.
    pub url: String,
    /// URL fetched instead, after a confirmed permanent redirect.
    pub fetch_url: Option<String>,
    /// Still in the config and enabled.
    pub enabled: bool,
    /// Answered 410 Gone.
    pub gone: bool,
    /// HTTP status of the last fetch.
    pub last_status: Option<i64>,
    /// Last fetch without error.
    pub last_success_at: Option<DateTime<Utc>>,
    /// The last error, if the last fetch failed.
    pub last_error: Option<String>,
    /// Consecutive failures.
    pub consecutive_failures: i64,
    /// When it is due next (`None`: now).
    pub next_fetch_at: Option<DateTime<Utc>>,
    /// Articles stored from it.
    pub articles: i64,
    /// Articles per day over the last 30 days.
    pub items_per_day: f64,
}

/// A health event, for the health feed.
#[derive(Debug, Clone)]
pub struct HealthEvent {
    /// Row id (stable: used for the entry id).
    pub id: i64,
    /// Source name.
    pub source_name: String,
    /// When.
    pub at: DateTime<Utc>,
    /// `failing`, `recovered`, `moved` or `gone`.
    pub kind: String,
    /// What happened.
    pub detail: String,
}

/// Totals of one run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunTotals {
    /// Sources fetched without error (304 included).
    pub sources_ok: u64,
    /// Sources that failed.
    pub sources_failed: u64,
    /// Articles stored for the first time.
    pub items_new: u64,
    /// Articles whose content changed.
    pub items_updated: u64,
    /// Feed files written (unchanged files are not counted).
    pub feeds_written: u64,
    /// Articles removed by the run's daily prune.
    pub articles_pruned: u64,
}

/// How long each stage of a run took (`runs.*_seconds`); `None` for a
/// stage the run did not have. `fetch`, `cluster`, `publish` and `prune`
/// are wall time; `normalise` and `store` are summed over the sources,
/// and overlap with fetching.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RunStages {
    /// Fetching every due source, with reading and storing them.
    pub fetch: Option<std::time::Duration>,
    /// Parsing, normalising and analysing, summed over sources.
    pub normalise: Option<std::time::Duration>,
    /// Storing, summed over sources.
    pub store: Option<std::time::Duration>,
    /// Story clustering.
    pub cluster: Option<std::time::Duration>,
    /// Publishing feeds, pages, alerts and the health feed.
    pub publish: Option<std::time::Duration>,
    /// The daily prune.
    pub prune: Option<std::time::Duration>,
}

impl RunStages {
    /// Each stage by name, as `runs` columns and metrics name them.
    pub fn named(&self) -> [(&'static str, Option<std::time::Duration>); 6] {
        [
            ("fetch", self.fetch),
            ("normalise", self.normalise),
            ("store", self.store),
            ("cluster", self.cluster),
            ("publish", self.publish),
            ("prune", self.prune),
        ]
    }
}

/// A source as the configuration describes it.
#[derive(Debug, Clone)]
pub struct NewSource<'a> {
    /// Unique name (the key).
    pub name: &'a str,
    /// Configured URL.
    pub url: &'a str,
    /// What the URL points at (`sources.kind`): `feed` or `html`.
    pub kind: &'a str,
    /// Tags.
    pub tags: &'a [String],
    /// Configured language.
    pub language: Option<&'a str>,
    /// Whether it is fetched.
    pub enabled: bool,
    /// Hash of the entry's fetch settings.
    pub fingerprint: &'a str,
}

/// What the fetcher needs to remember about a source between runs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceState {
    /// Row id.
    pub id: i64,
    /// Last `ETag`, sent back as `If-None-Match`.
    pub etag: Option<String>,
    /// Last `Last-Modified`, sent back as `If-Modified-Since`.
    pub last_modified: Option<String>,
    /// URL to fetch instead of the configured one (confirmed move).
    pub fetch_url: Option<String>,
    /// Permanent redirect seen once, awaiting confirmation.
    pub redirect_candidate: Option<String>,
    /// The source answered 410 Gone.
    pub gone: bool,
    /// Not due before this.
    pub next_fetch_at: Option<DateTime<Utc>>,
    /// Consecutive failed fetches.
    pub error_count: i64,
}

/// Per-source state after a fetch, written back with it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceUpdate {
    /// Next time the source is due.
    pub next_fetch_at: Option<DateTime<Utc>>,
    /// Effective interval in seconds.
    pub interval_secs: i64,
    /// URL to fetch from now on (`None`: the configured one).
    pub fetch_url: Option<String>,
    /// Permanent redirect awaiting confirmation.
    pub redirect_candidate: Option<String>,
    /// Whether the source is gone (410).
    pub gone: bool,
}

/// A health event: `failing`, `recovered`, `moved` or `gone`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceEvent {
    /// The kind.
    pub kind: &'static str,
    /// One line for people.
    pub detail: String,
}

/// What [`Store::match_summary`](super::Store::match_summary) finds.
#[derive(Debug, Clone, Default)]
pub struct MatchSummary {
    /// Matches per UTC day (days without any are left out).
    pub per_day: Vec<(NaiveDate, u32)>,
    /// All matches in the period.
    pub total: u64,
    /// The newest matches asked for, newest first.
    pub newest: Vec<(i64, DateTime<Utc>)>,
}

/// A worker's part in a run, for sharing the sources with other workers
/// (PostgreSQL; on SQLite the run lock makes every run the only worker).
#[derive(Debug, Clone)]
pub struct Claim {
    /// Who is working: host name, process id and a random part.
    pub worker: String,
    /// When this run started: with `all`, a source fetched since then (by
    /// any worker) is not fetched again.
    pub run_started: DateTime<Utc>,
    /// `--all`: every source, not only the due ones.
    pub all: bool,
    /// How long a source is held at most.
    pub lease: chrono::Duration,
    /// How long a host slot is held at most: one request's time, so that a
    /// worker that died blocks the host only briefly.
    pub host_lease: chrono::Duration,
    /// The clock leases are timed by (the pipeline's; tests may stop it).
    pub clock: fn() -> DateTime<Utc>,
}

impl Claim {
    /// A claim for a worker of this process.
    pub fn for_this_process(
        run_started: DateTime<Utc>,
        all: bool,
        lease: chrono::Duration,
        host_lease: chrono::Duration,
    ) -> Claim {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_else(|_| "localhost".into());
        let random: u32 = rand_part();
        Claim {
            worker: format!("{host}:{}:{random:08x}", std::process::id()),
            run_started,
            all,
            lease,
            host_lease,
            clock: Utc::now,
        }
    }
}

/// A few random bits (from the standard library's per-process hasher keys).
fn rand_part() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish() as u32
}
