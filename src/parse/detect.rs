//! Format detection from the decoded text: JSON objects are JSON Feed, XML is
//! classified by its root element.

use quick_xml::Reader;
use quick_xml::events::Event;

use super::ParseError;

/// The feed formats veille reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedFormat {
    /// RSS 0.9x, 1.0 (RDF) and 2.0.
    Rss,
    /// Atom 0.3 and 1.0.
    Atom,
    /// JSON Feed 1.0 and 1.1.
    JsonFeed,
}

pub(super) fn detect(text: &str) -> Result<FeedFormat, ParseError> {
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Err(ParseError::Empty);
    }
    if trimmed.starts_with('{') {
        return Ok(FeedFormat::JsonFeed);
    }
    let mut reader = Reader::from_str(trimmed);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).to_ascii_lowercase();
                return match name.as_str() {
                    "rss" | "rdf" | "channel" => Ok(FeedFormat::Rss),
                    "feed" => Ok(FeedFormat::Atom),
                    "html" => Err(ParseError::NotAFeed("an HTML page, not a feed".into())),
                    other => Err(ParseError::NotAFeed(format!(
                        "unknown root element <{other}>"
                    ))),
                };
            }
            Ok(Event::Eof) => return Err(ParseError::NotAFeed("no root element".into())),
            Ok(_) => {}
            Err(e) => return Err(ParseError::NotAFeed(format!("not well-formed XML: {e}"))),
        }
    }
}
