//! Stage 0: reading `config.toml` into a validated [`Config`].
//!
//! Two layers, as lychee and ripgrep do it: `raw` mirrors the file with
//! serde (`deny_unknown_fields`, spans kept for every value we validate), and
//! `validate` turns it into typed values once; `edit` changes the file in
//! place (adding sources). Nothing else in veille reads or writes TOML; this module opens no socket and no database.

mod alerts;
mod duration;
mod edit;
mod error;
mod raw;
mod retention;
mod validate;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use alerts::{
    AlertChannel, AlertConfig, DigestTime, EmailConfig, SmtpSecurity, SmtpServer, WebhookConfig,
    WebhookFormat, WebhookUrl,
};
pub use duration::{IntervalError, MAX_DURATION, MIN_INTERVAL, parse_duration, parse_interval};
pub use edit::{Added, EditError, SourceEntry, add_sources};
pub use error::ConfigError;
pub use retention::{DEFAULT_KEEP_PER_SOURCE, RetentionConfig};
use url::Url;

pub use crate::model::OutputFormat;
pub use validate::DEFAULT_USER_AGENT;

/// The whole, validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the configuration file was read from (for messages).
    pub path: PathBuf,
    /// Where articles are stored.
    pub database: DatabaseConfig,
    /// HTTP client settings shared by every source.
    pub fetch: FetchConfig,
    /// Where and how topic feeds are written.
    pub publish: PublishConfig,
    /// The sources, in file order.
    pub sources: Vec<SourceConfig>,
    /// The topic feeds, in file order.
    pub feeds: Vec<FeedConfig>,
    /// The alerts, in file order.
    pub alerts: Vec<AlertConfig>,
    /// `[retention]`: what `veille prune` removes; `None`: keep everything.
    pub retention: Option<RetentionConfig>,
    /// The `[[source]]` and `[[feed]]` entries set aside, each with its
    /// error: the rest of the file works without them (a skipped source
    /// is not fetched, a skipped feed's files are left as they are), and
    /// `veille check` reports them. Each is its error's message (file,
    /// line, key and what is wrong).
    pub skipped: Vec<String>,
}

/// `[database]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseConfig {
    /// An SQLite file; relative paths were resolved against the config folder.
    Sqlite {
        /// Absolute (or config-relative, resolved) path of the database file.
        path: PathBuf,
    },
    /// A PostgreSQL database, shared by several workers.
    Postgres {
        /// `postgres://user:password@host:port/database?options`.
        url: String,
        /// How long a worker holds a source it is fetching; a worker that
        /// dies loses its sources to the others after this.
        lease: std::time::Duration,
    },
}

/// `[fetch]`: the HTTP client's limits and manners.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// How many sources are fetched at once.
    pub concurrency: usize,
    /// Total time allowed for one request, body included.
    pub timeout: Duration,
    /// Time allowed to establish the connection.
    pub connect_timeout: Duration,
    /// Default `User-Agent` header (a source may override it).
    pub user_agent: String,
    /// Bodies larger than this are refused while streaming.
    pub max_body_bytes: u64,
    /// How often a source is fetched, unless it says otherwise.
    pub interval: Duration,
    /// Longest interval that feed hints (`ttl`, `Cache-Control`) and error
    /// backoff may stretch to.
    pub max_interval: Duration,
    /// Requests at once to one host.
    pub per_host_concurrency: usize,
    /// Let derived URLs (redirect targets) reach private networks.
    pub allow_private_networks: bool,
}

impl FetchConfig {
    /// Settings for a one-off request from the command line (`veille
    /// parse URL`, `veille discover`), when no configuration is involved:
    /// the defaults, one request at a time.
    pub fn one_off() -> FetchConfig {
        FetchConfig {
            per_host_concurrency: 1,
            ..FetchConfig::default()
        }
    }
}

/// The settings of an empty `[fetch]`: what `config.toml` documents, and
/// what one-off commands (`veille parse URL`, `veille discover`) use.
impl Default for FetchConfig {
    fn default() -> FetchConfig {
        FetchConfig {
            concurrency: 16,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            user_agent: DEFAULT_USER_AGENT.to_string(),
            max_body_bytes: 10 << 20,
            interval: Duration::from_secs(30 * 60),
            max_interval: Duration::from_secs(86_400),
            per_host_concurrency: 2,
            allow_private_networks: false,
        }
    }
}

/// `[publish]`.
#[derive(Debug, Clone)]
pub struct PublishConfig {
    /// Output folder (resolved against the config folder).
    pub dir: PathBuf,
    /// Public URL of `dir`, always ending in `/`, used for self links.
    pub base_url: Url,
    /// Formats written for feeds that do not choose (default: all three).
    pub formats: Vec<OutputFormat>,
    /// WebSub hubs the feeds name, and that veille pings when a feed
    /// file changes.
    pub hubs: Vec<Url>,
}

/// One `[[source]]`.
#[derive(Debug, Clone)]
pub struct SourceConfig {
    /// Unique, human-chosen name; the stable key of the source in the database.
    pub name: String,
    /// The feed URL as the user wrote it.
    pub url: Url,
    /// Free-form tags, usable in filters.
    pub tags: Vec<String>,
    /// Declared language (BCP 47 primary tag such as `fr`), used when items
    /// declare none.
    pub language: Option<String>,
    /// Disabled sources stay in the database but are not fetched.
    pub enabled: bool,
    /// Per-source `User-Agent`, for outlets that refuse non-browser clients.
    pub user_agent: Option<String>,
    /// Per-source fetch interval, overriding `[fetch] interval`.
    pub interval: Option<Duration>,
    /// Extra request headers (sent to the source's own host only).
    pub headers: Vec<(String, String)>,
    /// Cookies (sent to the source's own host only).
    pub cookies: Vec<(String, String)>,
    /// Hash of everything in the entry that affects fetching: when it
    /// changes, a source marked gone is tried again.
    pub fingerprint: String,
    /// A feed, or an HTML listing page read with selectors.
    pub kind: SourceKind,
    /// Fetch each new article's page for its full text.
    pub full_text: Option<crate::scrape::FullText>,
    /// This source's articles older than this are pruned (overrides
    /// `[retention] max_age`).
    pub max_age: Option<Duration>,
}

/// What a source URL points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceKind {
    /// RSS, Atom or JSON Feed.
    Feed,
    /// A news listing page, turned into items by these selectors.
    Html(crate::scrape::ScrapeRules),
    /// A sitemap (Google News or plain, or an index of them): each page
    /// it lists is an item.
    Sitemap,
}

impl SourceKind {
    /// The name `config.toml` and `sources.kind` use: `feed` or `html`.
    pub fn name(&self) -> &'static str {
        match self {
            SourceKind::Feed => "feed",
            SourceKind::Html(_) => "html",
            SourceKind::Sitemap => "sitemap",
        }
    }
}

/// One `[[feed]]`: a published topic.
#[derive(Debug, Clone)]
pub struct FeedConfig {
    /// Unique slug; the output folder name.
    pub slug: String,
    /// Feed title.
    pub title: String,
    /// Feed description.
    pub description: String,
    /// The filter query (validated by the filter stage, not here).
    pub query: String,
    /// Line of the `query` key, so query errors can point at the file.
    pub query_line: usize,
    /// Maximum number of items.
    pub limit: usize,
    /// Formats to write.
    pub formats: Vec<OutputFormat>,
    /// Articles older than this are left out.
    pub max_age: Option<Duration>,
    /// One item per story cluster (the earliest), naming the other outlets.
    pub dedupe: bool,
    /// Include the full content, not just the summary.
    pub full_content: bool,
    /// Labelled examples the feed's model is fitted from (JSON Lines,
    /// `topics/<slug>.jsonl`); with them, an article is published when the
    /// query matches and the model accepts it.
    pub examples: Option<PathBuf>,
    /// Least relevance score (0 to 100) an article needs to be published.
    pub min_score: f64,
}

impl Config {
    /// Reads and validates the file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::from_toml(&text, path)
    }

    /// Validates `text` as if it had been read from `path` (relative paths in
    /// it resolve against `path`'s folder).
    pub fn from_toml(text: &str, path: &Path) -> Result<Config, ConfigError> {
        validate::validate(text, path)
    }

    /// The sources that are enabled, in file order.
    pub fn enabled_sources(&self) -> impl Iterator<Item = &SourceConfig> {
        self.sources.iter().filter(|s| s.enabled)
    }
}
