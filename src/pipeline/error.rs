//! Why a source gave nothing this run: a typed value through the whole
//! pipeline, turned into text only where it is written to
//! `fetches.error` or printed.

use crate::fetch::FetchError;
use crate::parse::ParseError;
use crate::scrape::ScrapeError;
use crate::store::StoreError;

/// Why one source failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// The request failed: network, HTTP status, size, refused address.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// An HTML page where a feed was expected, with the feeds it
    /// advertises (what the user should configure instead).
    #[error("{}", not_a_feed(url, advertised, reason))]
    NotAFeed {
        /// The page.
        url: String,
        /// The feeds its `<link rel="alternate">` elements name.
        advertised: Vec<String>,
        /// What the parser said of it.
        reason: ParseError,
    },
    /// The body is not a feed the parser can read.
    #[error("{url}: {reason}")]
    Parse {
        /// The document's URL.
        url: String,
        /// Why it could not be read.
        reason: ParseError,
    },
    /// A sitemap source whose body is not a sitemap.
    #[error("{url}: {reason}")]
    Sitemap {
        /// The document's URL.
        url: String,
        /// Why it could not be read.
        reason: crate::parse::sitemap::SitemapError,
    },
    /// A listing page whose selectors found nothing usable.
    #[error(transparent)]
    Scrape(#[from] ScrapeError),
    /// The database failed: not the source's fault, and the end of the run.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A bug (a task that panicked), reported rather than crashing the run.
    #[error("internal error: {0}")]
    Internal(String),
}

fn not_a_feed(url: &str, advertised: &[String], reason: &ParseError) -> String {
    if advertised.is_empty() {
        format!("{url}: an HTML page, not a feed, and it advertises no feed ({reason})")
    } else {
        format!(
            "{url}: an HTML page, not a feed; it advertises: {}",
            advertised.join(", ")
        )
    }
}

impl SourceError {
    /// The kind of failure, as the fetch counters name it (metrics label
    /// `outcome`); `None` for an HTTP status, counted by its number.
    pub fn kind(&self) -> Option<&'static str> {
        use crate::fetch::FetchError as F;
        Some(match self {
            SourceError::Fetch(F::Status { .. }) => return None,
            SourceError::Fetch(F::BotWall { .. }) => "bot_wall",
            SourceError::Fetch(F::Timeout { .. }) => "timeout",
            SourceError::Fetch(F::Connect { .. }) => "connect",
            SourceError::Fetch(F::Redirects { .. } | F::RedirectLoop { .. }) => "redirects",
            SourceError::Fetch(F::Refused { .. }) => "refused",
            SourceError::Fetch(F::TooLarge { .. }) => "too_large",
            SourceError::Fetch(_) => "other",
            SourceError::NotAFeed { .. } => "not_a_feed",
            SourceError::Parse { .. } | SourceError::Sitemap { .. } => "parse",
            SourceError::Scrape(_) => "scrape",
            SourceError::Store(_) => "database",
            SourceError::Internal(_) => "internal",
        })
    }

    /// The HTTP status, when the failure was one.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            SourceError::Fetch(e) => e.http_status(),
            _ => None,
        }
    }

    /// When the server asked to be contacted again, if it did.
    pub fn retry_after(&self) -> Option<crate::fetch::RetryAfter> {
        match self {
            SourceError::Fetch(e) => e.retry_after(),
            _ => None,
        }
    }
}
