//! Stage 2: raw feed bytes → a format-neutral [`ParsedFeed`].
//!
//! Pure and synchronous: no HTTP, no database, no clock. The bytes are handed
//! over undecoded (with the HTTP `charset`, if any) because the document
//! itself may declare its encoding; [`decode`] owns that decision and hands
//! UTF-8 to the format parsers (`rss`, `atom_syndication`, serde for JSON
//! Feed). Each format has an adapter file that maps its structs to the model.

mod atom;
pub mod date;
mod decode;
mod detect;
mod error;
mod json;
mod model;
mod rss;
mod text;

pub use detect::FeedFormat;
pub use error::ParseError;
pub use model::{Enclosure, ParsedFeed, ParsedItem, Person};

/// Parses a feed document.
///
/// `http_charset` is the `charset` parameter of the HTTP `Content-Type`, when
/// the bytes came over HTTP.
pub fn parse_feed(bytes: &[u8], http_charset: Option<&str>) -> Result<ParsedFeed, ParseError> {
    let text = decode::to_utf8(bytes, http_charset);
    let format = detect::detect(&text)?;
    match format {
        FeedFormat::Rss => rss::parse(&text),
        FeedFormat::Atom => atom::parse(&text),
        FeedFormat::JsonFeed => json::parse(&text),
    }
}
