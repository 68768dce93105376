//! Errors of the parse stage.

/// Why a document could not be read as a feed at all. (A feed that is
/// merely malformed but readable is not an error: see
/// `ParsedFeed::malformed`.)
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The document is empty or only whitespace.
    #[error("empty document")]
    Empty,
    /// Not RSS, Atom or JSON Feed (names what was found instead).
    #[error("not a feed: {0}")]
    NotAFeed(String),
    /// XML so broken that not even a root element could be read, or nested
    /// beyond the limit.
    #[error("unreadable XML: {0}")]
    Xml(String),
    /// JSON Feed that did not deserialise.
    #[error("invalid JSON Feed: {0}")]
    Json(String),
}
