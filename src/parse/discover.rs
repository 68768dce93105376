//! Feed discovery in HTML pages: the `<link rel="alternate">` tags a site
//! advertises its feeds with. Used when a page arrives where a feed was
//! expected, and by `veille discover`.

use scraper::{Html, Selector};
use url::Url;

/// A feed a page advertises.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DiscoveredFeed {
    /// Absolute feed URL.
    pub url: String,
    /// The link's `title`, if any.
    pub title: Option<String>,
    /// Its MIME type (RSS, Atom or JSON Feed).
    pub mime_type: String,
}

const FEED_TYPES: &[&str] = &[
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
];

/// Whether `bytes` look like an HTML page rather than a feed.
pub fn looks_like_html(bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]).to_ascii_lowercase();
    head.contains("<!doctype html") || head.contains("<html")
}

/// The feeds `html` advertises, resolved against `page_url`.
pub fn feed_links(html: &[u8], page_url: &Url) -> Vec<DiscoveredFeed> {
    let text = String::from_utf8_lossy(html);
    let document = Html::parse_document(&text);
    let Ok(selector) =
        Selector::parse(r#"link[rel~="alternate"][href], link[rel~="ALTERNATE"][href]"#)
    else {
        return Vec::new();
    };
    let mut found: Vec<DiscoveredFeed> = Vec::new();
    for link in document.select(&selector) {
        let el = link.value();
        let mime = el
            .attr("type")
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let mime = mime
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_string();
        if !FEED_TYPES.contains(&mime.as_str()) {
            continue;
        }
        let Some(url) = el.attr("href").and_then(|h| page_url.join(h.trim()).ok()) else {
            continue;
        };
        if !matches!(url.scheme(), "http" | "https") || found.iter().any(|f| f.url == url.as_str())
        {
            continue;
        }
        found.push(DiscoveredFeed {
            url: url.to_string(),
            title: el
                .attr("title")
                .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
                .filter(|t| !t.is_empty()),
            mime_type: mime,
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advertised_feeds_are_found_and_resolved() {
        let page = br#"<!DOCTYPE html><html><head>
            <link rel="alternate" type="application/rss+xml" title="  Flux
                de l'actualite " href="/feed/">
            <link rel="alternate" type="application/atom+xml" href="https://e.ma/atom.xml">
            <link rel="alternate" hreflang="ar" href="/ar/">
            <link rel="stylesheet" href="/s.css"></head><body></body></html>"#;
        let base = Url::parse("https://e.ma/news/").unwrap();
        assert!(looks_like_html(page));
        let feeds = feed_links(page, &base);
        assert_eq!(feeds.len(), 2);
        assert_eq!(feeds[0].url, "https://e.ma/feed/");
        assert_eq!(feeds[0].title.as_deref(), Some("Flux de l'actualite"));
        assert_eq!(feeds[1].mime_type, "application/atom+xml");
    }
}
