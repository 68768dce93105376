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

/// The XML feed formats, told apart by their root element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum XmlFeed {
    /// RSS (any version, RDF included).
    Rss,
    /// An Atom feed.
    Atom,
    /// A standalone Atom entry document (RFC 4287 section 4.1.2): a feed
    /// of one item, as feedparser reads it.
    AtomEntry,
}

/// Classifies an XML document by its root element. `text` is the whole
/// document, to say when it is not XML at all (random bytes in which the
/// lenient reader found a `<`).
pub(super) fn xml_format(root: Element, text: &str) -> Result<XmlFeed, ParseError> {
    let name = root.name();
    match name.to_ascii_lowercase().as_str() {
        "rss" | "rdf" | "channel" => Ok(XmlFeed::Rss),
        "feed" => Ok(XmlFeed::Atom),
        "entry" if matches!(root.ns(), super::xml::ns::ATOM | super::xml::ns::ATOM03) => {
            Ok(XmlFeed::AtomEntry)
        }
        "html" => Err(ParseError::NotAFeed("an HTML page, not a feed".into())),
        _ => {
            let not_xml = !text
                .trim_start_matches('\u{feff}')
                .trim_start()
                .starts_with('<');
            Err(ParseError::NotAFeed(format!(
                "unknown root element <{}>{}",
                crate::untrusted::name(name),
                if not_xml { " (not XML)" } else { "" }
            )))
        }
    }
}
