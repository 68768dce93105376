//! Errors of the fetch stage; each names the URL.

/// Why a fetch failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The HTTP client could not be built (TLS setup).
    #[error("cannot build HTTP client: {0}")]
    Client(String),
    /// No answer in time.
    #[error("timed out fetching {url}")]
    Timeout {
        /// The URL.
        url: String,
    },
    /// DNS, TCP or TLS failure.
    #[error("cannot connect to {url}: {message}")]
    Connect {
        /// The URL.
        url: String,
        /// Cause.
        message: String,
    },
    /// Too many redirects, or a redirect loop.
    #[error("too many redirects from {url}")]
    Redirects {
        /// The URL.
        url: String,
    },
    /// A non-success HTTP status.
    #[error("HTTP {status} from {url}")]
    Status {
        /// The URL answering.
        url: String,
        /// The status.
        status: u16,
    },
    /// The body exceeded `fetch.max_body_bytes`.
    #[error("body of {url} is larger than the {limit}-byte limit")]
    TooLarge {
        /// The URL.
        url: String,
        /// The limit.
        limit: u64,
    },
    /// Anything else the client reported.
    #[error("fetching {url} failed: {message}")]
    Other {
        /// The URL.
        url: String,
        /// Cause.
        message: String,
    },
}

impl FetchError {
    pub(super) fn from_reqwest(url: &url::Url, e: reqwest::Error) -> FetchError {
        let url = url.to_string();
        if e.is_timeout() {
            FetchError::Timeout { url }
        } else if e.is_redirect() {
            FetchError::Redirects { url }
        } else if e.is_connect() {
            FetchError::Connect {
                url,
                message: root_cause(&e),
            }
        } else {
            FetchError::Other {
                url,
                message: root_cause(&e),
            }
        }
    }

    /// The HTTP status, when the failure was one.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            FetchError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}
