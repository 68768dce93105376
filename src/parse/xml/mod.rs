//! A lenient XML reader for feeds: text → a small namespace-aware tree.
//!
//! Real feeds break XML in the same few ways: HTML entities XML does not
//! define (`&eacute;`), bare `&`, end tags that do not match, documents cut
//! off mid-way. Where a strict parser gives up, this reader keeps going and
//! notes what was wrong ([`Document::malformed`]), the way feedparser's
//! "bozo" flag does. What it never does: fetch an external DTD, expand an
//! entity past a size budget (so a billion-laughs document costs nothing,
//! see `dtd`) or nest deeper than [`MAX_DEPTH`].

mod build;
mod dtd;
mod entities;
mod repair;

pub(super) use repair::undo_double_encoding;
mod tree;

pub(crate) use build::parse_document;
pub(crate) use tree::{Document, Element, Named, name_hash, named};

/// Deepest element nesting accepted; real feeds stay under 20.
pub(crate) const MAX_DEPTH: usize = 512;

/// Namespace URIs veille understands.
pub(crate) mod ns {
    pub const ATOM: &str = "http://www.w3.org/2005/Atom";
    pub const ATOM03: &str = "http://purl.org/atom/ns#";
    pub const RSS10: &str = "http://purl.org/rss/1.0/";
    pub const RSS090: &str = "http://my.netscape.com/rdf/simple/0.9/";
    pub const USERLAND: &str = "http://backend.userland.com/rss2";
    pub const USERLAND_RSS: &str = "http://backend.userland.com/rss";
    pub const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
    pub const CONTENT: &str = "http://purl.org/rss/1.0/modules/content/";
    pub const DC: &str = "http://purl.org/dc/elements/1.1/";
    pub const DCTERMS: &str = "http://purl.org/dc/terms/";
    pub const MEDIA: &str = "http://search.yahoo.com/mrss/";
    pub const ITUNES: &str = "http://www.itunes.com/dtds/podcast-1.0.dtd";
    pub const XHTML: &str = "http://www.w3.org/1999/xhtml";
    pub const XML: &str = "http://www.w3.org/XML/1998/namespace";
    pub const SY: &str = "http://purl.org/rss/1.0/modules/syndication/";

    /// Every namespace above, for canonicalising spelling variants. Every
    /// document gives them the ids 1, 2, 3… in this order (see [`id`]).
    pub const KNOWN: &[&str] = &[
        SY,
        ATOM,
        ATOM03,
        RSS10,
        RSS090,
        USERLAND,
        USERLAND_RSS,
        RDF,
        CONTENT,
        DC,
        DCTERMS,
        MEDIA,
        ITUNES,
        XHTML,
        XML,
    ];

    /// The namespace id every document gives a URI of [`KNOWN`], so that
    /// adapters can compare an element's namespace as an integer (0 is no
    /// namespace). Evaluated at compile time: an unknown URI fails the
    /// build.
    pub const fn id(uri: &str) -> u32 {
        let mut at = 0;
        while at < KNOWN.len() {
            if same(KNOWN[at].as_bytes(), uri.as_bytes()) {
                return at as u32 + 1;
            }
            at += 1;
        }
        panic!("not a known namespace")
    }

    const fn same(a: &[u8], b: &[u8]) -> bool {
        if a.len() != b.len() {
            return false;
        }
        let mut at = 0;
        while at < a.len() {
            if a[at] != b[at] {
                return false;
            }
            at += 1;
        }
        true
    }
}
