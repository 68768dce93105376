//! Errors of the filter stage.

/// A query that cannot be parsed.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{message} at position {position}:\n  {query}\n  {caret}")]
pub struct QueryError {
    /// The query text.
    pub query: String,
    /// 0-based character position of the problem.
    pub position: usize,
    /// What was expected or found.
    pub message: String,
    /// A line of spaces and `^` under the position.
    pub caret: String,
}

impl QueryError {
    pub(super) fn new(query: &str, position: usize, message: impl Into<String>) -> QueryError {
        QueryError {
            query: query.to_string(),
            position,
            message: message.into(),
            caret: format!("{}^", " ".repeat(position)),
        }
    }
}
