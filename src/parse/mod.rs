//! Stage 2: raw feed bytes → a format-neutral [`ParsedFeed`].
//!
//! Pure and synchronous: no HTTP, no database, no clock. The bytes are handed
//! over undecoded (with the HTTP `charset`, if any) because the document
//! itself may declare its encoding; `decode` owns that decision.
//!
//! XML feeds go through veille's own lenient reader (`xml`, built on
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
pub mod discover;
mod error;
mod html_urls;
mod json;
mod model;
mod mojibake;
pub mod opml;
mod rss;
pub mod sitemap;
mod text;
mod xml;

pub use detect::FeedFormat;
use detect::XmlFeed;
pub use error::ParseError;
pub use model::{Enclosure, ItemSource, ParsedFeed, ParsedItem, Person, WebSubLinks};

/// Decodes a page's bytes to text with the same charset rules as feeds
/// (BOM, HTTP charset, declaration, detection).
pub fn decode_text(bytes: &[u8], http_charset: Option<&str>) -> String {
    decode::to_utf8(bytes, http_charset).into_owned()
}

/// Parses a feed document.
///
/// `http_charset` is the `charset` parameter of the HTTP `Content-Type`, when
/// the bytes came over HTTP.
pub fn parse_feed<'a>(
    bytes: &'a [u8],
    http_charset: Option<&str>,
) -> Result<ParsedFeed<'a>, ParseError> {
    match decode::to_utf8(bytes, http_charset) {
        // The bytes were UTF-8 (or ASCII), where double encoding happens.
        std::borrow::Cow::Borrowed(text) => parse_text(text).map(|mut feed| {
            mojibake::repair_feed(&mut feed);
            feed
        }),
        // Transcoded text lives only here: the feed takes its own copy.
        std::borrow::Cow::Owned(text) => parse_text(&text).map(ParsedFeed::into_owned),
    }
}

/// Parses a feed document already decoded to UTF-8; summaries and contents
/// borrow from `text` where they can.
fn parse_text(text: &str) -> Result<ParsedFeed<'_>, ParseError> {
    if text.trim().is_empty() {
        return Err(ParseError::Empty);
    }
    if detect::is_json(text) {
        return json::parse(text);
    }
    let mut document = xml::parse_document(text).map_err(ParseError::Xml)?;
    let mut feed = match detect::xml_format(document.root(), text)? {
        XmlFeed::Rss => {
            rss::adopt_unknown_namespace(&mut document);
            rss::parse(document.root())
        }
        XmlFeed::Atom => {
            atom::adopt_unknown_namespace(&mut document);
            atom::parse(document.root())
        }
        XmlFeed::AtomEntry => {
            atom::adopt_unknown_namespace(&mut document);
            atom::parse_entry_document(document.root())
        }
    };
    feed.malformed = document.malformed;
    Ok(feed)
}

#[cfg(test)]
mod tests {
    //! One test per real-world quirk, on inline bytes.
    use super::{FeedFormat, parse_feed};

    fn first_title(bytes: &[u8], charset: Option<&str>) -> String {
        let feed = parse_feed(bytes, charset).unwrap();
        feed.items[0].title.clone().unwrap_or_default()
    }

    #[test]
    fn bare_ampersand_and_undefined_entities_are_recovered_and_reported() {
        let feed = parse_feed(
            b"<rss><channel><item><title>R&D &eacute;t&eacute; &nbsp;AT&T</title></item></channel></rss>",
            None,
        )
        .unwrap();
        assert_eq!(
            feed.items[0].title.as_deref(),
            Some("R&D \u{e9}t\u{e9} AT&T")
        );
        let why = feed.malformed.unwrap_or_default();
        assert!(why.contains("&eacute;"), "{why}");
    }

    #[test]
    fn control_characters_are_dropped() {
        assert_eq!(
            first_title(
                b"<rss><channel><item><title>A\x0bB\x0cC</title></item></channel></rss>",
                None
            ),
            "ABC"
        );
    }

    #[test]
    fn html_is_carried_as_the_author_wrote_it() {
        let feed = parse_feed(
            br#"<rss><channel><item><description>&lt;svg&gt;&lt;circle r="5" /&gt;&lt;/svg&gt;</description>
            <content:encoded xmlns:content="http://purl.org/rss/1.0/modules/content/"><![CDATA[<p>x<br/></p><svg><circle/><rect/></svg>]]></content:encoded></item></channel></rss>"#,
            None,
        )
        .unwrap();
        let item = &feed.items[0];
        assert_eq!(
            item.summary.as_deref(),
            Some(r#"<svg><circle r="5" /></svg>"#)
        );
        assert_eq!(
            item.content.as_deref(),
            Some("<p>x<br/></p><svg><circle/><rect/></svg>")
        );
    }

    #[test]
    fn windows_1256_given_only_in_the_http_header() {
        let (body, _, _) = encoding_rs::WINDOWS_1256.encode("<rss><channel><item><title>\u{627}\u{644}\u{645}\u{63a}\u{631}\u{628}</title></item></channel></rss>");
        assert_eq!(
            first_title(&body, Some("windows-1256")),
            "\u{627}\u{644}\u{645}\u{63a}\u{631}\u{628}"
        );
    }

    #[test]
    fn bom_wins_over_a_contradicting_declaration() {
        let mut body = vec![0xEF, 0xBB, 0xBF];
        body.extend_from_slice("<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><rss><channel><item><title>Caf\u{e9}</title></item></channel></rss>".as_bytes());
        assert_eq!(first_title(&body, None), "Caf\u{e9}");
    }

    #[test]
    fn truncated_document_keeps_complete_items() {
        let feed = parse_feed(
            b"<rss><channel><item><title>One</title></item><item><title>Tw",
            None,
        )
        .unwrap();
        assert_eq!(feed.items.len(), 2);
        assert_eq!(feed.items[0].title.as_deref(), Some("One"));
        assert!(feed.malformed.is_some());
    }

    #[test]
    fn double_escaped_title_and_cdata() {
        assert_eq!(first_title(b"<rss><channel><item><title>Caf&amp;eacute; &amp;amp; th&amp;#233;</title></item></channel></rss>", None), "Caf\u{e9} & th\u{e9}");
        assert_eq!(first_title(b"<rss><channel><item><title><![CDATA[<b>Bold</b> move]]></title></item></channel></rss>", None), "Bold move");
    }

    #[test]
    fn rdf_atom03_and_json_feed_are_detected() {
        let rdf = br#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"><channel><title>R</title></channel><item rdf:about="http://e.org/1"><title>One</title><link>http://e.org/1</link></item></rdf:RDF>"#;
        let feed = parse_feed(rdf, None).unwrap();
        assert_eq!(feed.format, Some(FeedFormat::Rss));
        assert_eq!(feed.items[0].id.as_deref(), Some("http://e.org/1"));
        let atom03 = br#"<feed version="0.3" xmlns="http://purl.org/atom/ns#"><entry><title>T</title><issued>2004-01-01T19:48:21Z</issued><content type="text/html" mode="escaped">&lt;b&gt;x&lt;/b&gt;</content></entry></feed>"#;
        let feed = parse_feed(atom03, None).unwrap();
        assert_eq!(feed.format, Some(FeedFormat::Atom));
        assert_eq!(feed.items[0].content.as_deref(), Some("<b>x</b>"));
        assert!(feed.items[0].published.is_some());
        let json = br#"{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[{"id":"1","title":"One","content_html":"<p>x</p>"}]}"#;
        assert_eq!(
            parse_feed(json, None).unwrap().format,
            Some(FeedFormat::JsonFeed)
        );
    }

    #[test]
    fn html_in_cdata_is_borrowed_from_the_document_and_the_rest_is_copied() {
        use std::borrow::Cow;
        let rss = "<rss><channel><item><description><![CDATA[ <p>Caf\u{e9}</p> ]]></description>\
            <content:encoded xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">&lt;p&gt;Th\u{e9}&lt;/p&gt;</content:encoded></item>\
            <item><description><![CDATA[<p>1 <!' 2</p>]]></description></item></channel></rss>";
        let feed = parse_feed(rss.as_bytes(), None).unwrap();
        let first = &feed.items[0];
        // Trimmed, and a span of the input: no copy.
        let Some(Cow::Borrowed(summary)) = &first.summary else {
            panic!("summary copied: {:?}", first.summary);
        };
        assert_eq!(*summary, "<p>Caf\u{e9}</p>");
        let input = rss.as_bytes().as_ptr_range();
        assert!(input.contains(&summary.as_ptr()));
        // Decoded entities and repaired markup are new text.
        assert!(matches!(&first.content, Some(Cow::Owned(c)) if c == "<p>Th\u{e9}</p>"));
        assert_eq!(feed.items[1].summary.as_deref(), Some("<p>1 &lt;!' 2</p>"));
        // The same in Atom: HTML content in CDATA is borrowed, a text
        // construct escaped into HTML is new text.
        let atom = "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><content type=\"html\"><![CDATA[<p>Caf\u{e9}</p>]]></content><summary>1 &lt; 2</summary></entry></feed>";
        let entry = &parse_feed(atom.as_bytes(), None).unwrap().items[0];
        assert!(matches!(
            &entry.content,
            Some(Cow::Borrowed("<p>Caf\u{e9}</p>"))
        ));
        assert!(matches!(&entry.summary, Some(Cow::Owned(s)) if s == "1 &lt; 2"));
        // A feed in another encoding is transcoded, so it owns its text.
        let latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss><channel><item><description><![CDATA[<p>Caf\xe9</p>]]></description></item></channel></rss>";
        let feed = parse_feed(latin1, None).unwrap();
        assert!(matches!(&feed.items[0].summary, Some(Cow::Owned(s)) if s == "<p>Caf\u{e9}</p>"));
    }

    #[test]
    fn declared_entities_typepad_divs_and_broken_title_markup() {
        // An entity from the internal DTD subset is expanded, and such a
        // feed is not reported malformed.
        let rss = br#"<!DOCTYPE rss [<!ENTITY base "tag:example.com,">]><rss version="2.0"><channel><item><guid isPermaLink="false">&base;2006:/blog/</guid></item></channel></rss>"#;
        let feed = parse_feed(rss, None).unwrap();
        assert_eq!(
            feed.items[0].id.as_deref(),
            Some("tag:example.com,2006:/blog/")
        );
        assert_eq!(feed.malformed, None);
        // Escaped HTML in an XHTML div under type="html" is that HTML; a
        // real XHTML child of html content is kept as markup.
        let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://e.ma/"><title type="html"><![CDATA[<a href=http://e.ma/">Le Desk</a>]]></title><entry><content type="html"><div xmlns="http://www.w3.org/1999/xhtml">IA &lt;b&gt;au Maroc&lt;/b&gt; &lt;a href="/x"&gt;x&lt;/a&gt;</div></content><summary type="html"><div xmlns="http://www.w3.org/1999/xhtml"><p>Para</p></div></summary><title type="html">&lt;!DOCTYPE ~</title></entry></feed>"#;
        let feed = parse_feed(atom.as_bytes(), None).unwrap();
        assert_eq!(feed.title.as_deref(), Some("Le Desk"));
        let entry = &feed.items[0];
        assert_eq!(
            entry.content.as_deref(),
            Some(r#"IA <b>au Maroc</b> <a href="http://e.ma/x">x</a>"#)
        );
        assert!(
            entry
                .summary
                .as_deref()
                .is_some_and(|s| s.contains("<p>Para</p>"))
        );
        assert_eq!(entry.title.as_deref(), Some("<!DOCTYPE ~"));
    }

    #[test]
    fn item_children_are_read_by_role_in_any_case_and_known_namespace() {
        // RSS 1.0 namespace, names in odd case, Dublin Core under a
        // misspelt URI, a summary after the description, an element of an
        // unknown namespace with a known name.
        let rdf = br#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1" xmlns:x="urn:x"><item rdf:about="urn:item:1"><x:title>Not this</x:title><dc:Title>Titre DC</dc:Title><LINK>https://e.ma/1</LINK><description>Body</description><summary>Short</summary><dc:CREATOR>Amina</dc:CREATOR><dc:subject>IA</dc:subject><category>Maroc</category><dc:date>2026-02-05T10:00:00Z</dc:date></item></rdf:RDF>"#;
        let feed = parse_feed(rdf, None).unwrap();
        let item = &feed.items[0];
        assert_eq!(item.id.as_deref(), Some("urn:item:1"));
        assert_eq!(item.title.as_deref(), Some("Titre DC"));
        assert_eq!(item.link.as_deref(), Some("https://e.ma/1"));
        // The first of summary and description is the summary.
        assert_eq!(item.summary.as_deref(), Some("Body"));
        assert_eq!(item.content.as_deref(), Some("Short"));
        assert_eq!(item.authors[0].name.as_deref(), Some("Amina"));
        assert_eq!(item.categories, ["Maroc", "IA"]);
        // dc:date stands in for the publication date and is the update.
        assert_eq!(item.published, item.updated);
        assert!(item.published.is_some());
    }

    #[test]
    fn xml_base_resolves_links_and_html() {
        let atom = br#"<feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://e.org/blog/"><entry xml:base="2026/"><link href="post"/><content type="html">&lt;a href="img/x.png"&gt;x&lt;/a&gt;</content></entry></feed>"#;
        let feed = parse_feed(atom, None).unwrap();
        assert_eq!(
            feed.items[0].link.as_deref(),
            Some("http://e.org/blog/2026/post")
        );
        assert_eq!(
            feed.items[0].content.as_deref(),
            Some(r#"<a href="http://e.org/blog/2026/img/x.png">x</a>"#)
        );
    }

    #[test]
    fn extensions_authors_categories_enclosures() {
        let rss = br#"<rss xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel><item><title>T</title><author>ed@e.org (Ed Itor)</author><dc:subject>Politique</dc:subject><category>IA</category><itunes:category text="Tech"/><enclosure url="http://e.org/a.mp3" type="audio/mpeg" length="123"/><media:content url="http://e.org/v.mp4" type="video/mp4" fileSize="9"/></item></channel></rss>"#;
        let item = &parse_feed(rss, None).unwrap().items[0];
        assert_eq!(item.authors[0].name.as_deref(), Some("Ed Itor"));
        assert_eq!(item.authors[0].email.as_deref(), Some("ed@e.org"));
        assert_eq!(item.categories, ["IA", "Politique", "Tech"]);
        assert_eq!(item.enclosures.len(), 2);
        assert_eq!(item.enclosures[0].length, Some(123));
        assert_eq!(item.enclosures[1].mime_type.as_deref(), Some("video/mp4"));
    }

    #[test]
    fn media_thumbnails_become_image_enclosures() {
        // Hespress-style RSS: a thumbnail next to the item, relative to xml:base.
        let rss = br#"<rss xmlns:media="http://search.yahoo.com/mrss/"><channel xml:base="https://e.ma/"><item><title>T</title><media:thumbnail url="img/a.JPG?w=300" width="300"/><media:content url="https://e.ma/img/b.png" medium="image"/></item></channel></rss>"#;
        let item = &parse_feed(rss, None).unwrap().items[0];
        let found: Vec<(&str, Option<&str>)> = item
            .enclosures
            .iter()
            .map(|e| (e.url.as_str(), e.mime_type.as_deref()))
            .collect();
        assert_eq!(
            found,
            [
                ("https://e.ma/img/b.png", Some("image/png")),
                ("https://e.ma/img/a.JPG?w=300", Some("image/jpeg")),
            ]
        );
        // YouTube's Atom: video and picture in a media:group, the same
        // picture not repeated.
        let atom = br#"<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/"><entry><title>V</title><media:group><media:content url="https://yt.example/v/1" type="application/x-shockwave-flash"/><media:thumbnail url="https://i.yt.example/vi/1/hq.jpg"/></media:group><media:thumbnail url="https://i.yt.example/vi/1/hq.jpg"/></entry></feed>"#;
        let item = &parse_feed(atom, None).unwrap().items[0];
        assert_eq!(item.enclosures.len(), 2);
        assert_eq!(item.enclosures[1].url, "https://i.yt.example/vi/1/hq.jpg");
        assert_eq!(item.enclosures[1].mime_type.as_deref(), Some("image/jpeg"));
    }

    #[test]
    fn html_page_is_not_a_feed() {
        let err = parse_feed(b"<!DOCTYPE html><html><body>x</body></html>", None).unwrap_err();
        assert!(err.to_string().contains("HTML"), "{err}");
    }
}
