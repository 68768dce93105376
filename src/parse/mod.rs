//! Stage 2: raw feed bytes → a format-neutral [`ParsedFeed`].
//!
//! Pure and synchronous: no HTTP, no database, no clock. The bytes are handed
//! over undecoded (with the HTTP `charset`, if any) because the document
//! itself may declare its encoding; [`decode`] owns that decision.
//!
//! XML feeds go through veille's own lenient reader ([`xml`], built on
//! quick-xml) rather than the `rss` and `atom_syndication` crates, which
//! stay veille's *writers*. Measured on the shared feedparser corpus, the
//! strict crates reject about half of real-world breakage (undefined HTML
//! entities, bare `&`, Atom 0.3 content modes, truncation); the lenient
//! reader keeps what can be read and says what was wrong. Each format has
//! an adapter file mapping the tree to the model.

mod atom;
mod common;
pub mod date;
mod decode;
mod detect;
mod error;
mod html_urls;
mod json;
mod model;
mod rss;
mod text;
mod xml;

pub use detect::FeedFormat;
pub use error::ParseError;
pub use model::{Enclosure, ParsedFeed, ParsedItem, Person};

/// Parses a feed document.
///
/// `http_charset` is the `charset` parameter of the HTTP `Content-Type`, when
/// the bytes came over HTTP.
pub fn parse_feed(bytes: &[u8], http_charset: Option<&str>) -> Result<ParsedFeed, ParseError> {
    let text = decode::to_utf8(bytes, http_charset);
    if text.trim().is_empty() {
        return Err(ParseError::Empty);
    }
    if detect::is_json(&text) {
        return json::parse(&text);
    }
    let mut document = xml::parse_document(&text).map_err(ParseError::Xml)?;
    let mut feed = match detect::xml_format(&document.root)? {
        FeedFormat::Rss => {
            rss::adopt_unknown_namespace(&mut document.root);
            rss::parse(&document.root)
        }
        FeedFormat::Atom => {
            atom::adopt_unknown_namespace(&mut document.root);
            atom::parse(&document.root)
        }
        FeedFormat::JsonFeed => return json::parse(&text),
    };
    feed.malformed = document.malformed;
    Ok(feed)
}
