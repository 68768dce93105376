//! Which format a document is: JSON objects are JSON Feed; XML is
//! classified by its root element.

use super::ParseError;
use super::xml::Element;

/// The feed formats veille reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedFormat {
    /// RSS 0.90, 0.91, 0.92, 1.0 (RDF) and 2.0.
    Rss,
    /// Atom 0.3 and 1.0.
    Atom,
    /// JSON Feed 1.0 and 1.1.
    JsonFeed,
}

/// Whether the text looks like JSON rather than XML.
pub(super) fn is_json(text: &str) -> bool {
    text.trim_start().starts_with('{')
}

/// Classifies an XML document by its root element.
pub(super) fn xml_format(root: Element) -> Result<FeedFormat, ParseError> {
    match root.name().to_ascii_lowercase().as_str() {
        "rss" | "rdf" | "channel" => Ok(FeedFormat::Rss),
        "feed" => Ok(FeedFormat::Atom),
        "html" => Err(ParseError::NotAFeed("an HTML page, not a feed".into())),
        other => Err(ParseError::NotAFeed(format!(
            "unknown root element <{other}>"
        ))),
    }
}
