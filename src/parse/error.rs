//! Errors of the parse stage.

/// Why a document could not be read as a feed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The document is empty or only whitespace.
    #[error("empty document")]
    Empty,
    /// Not RSS, Atom or JSON Feed (names what was found instead).
    #[error("not a feed: {0}")]
    NotAFeed(String),
    /// RSS that the parser rejected.
    #[error("invalid RSS: {0}")]
    Rss(String),
    /// Atom that the parser rejected.
    #[error("invalid Atom: {0}")]
    Atom(String),
    /// JSON Feed that did not deserialise.
    #[error("invalid JSON Feed: {0}")]
    Json(String),
}
