//! Sitemaps as a source (`kind = "sitemap"`): many outlets without a
//! working feed keep a Google News sitemap (`news:title`,
//! `news:publication_date`, `news:language`, `news:keywords`) or a plain
//! one (`loc`, `lastmod`), often behind a sitemap index of daily files,
//! sometimes gzip-compressed. Elements are matched by local name, so the
//! namespace prefixes outlets use (`news:`, `n:`, none) do not matter.

use std::io::Read;

use chrono::{DateTime, Utc};
use quick_xml::Reader;
use quick_xml::events::Event;

use super::date::parse_date;
use super::model::{ParsedFeed, ParsedItem};

/// Items kept from a sitemap, newest first: a sitemap of a whole site
/// lists thousands of pages.
pub const MAX_ITEMS: usize = 100;

/// A sitemap file, decompressed by [`gunzip`] if need be.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sitemap {
    /// `<url>` entries (a urlset).
    pub urls: Vec<SitemapUrl>,
    /// `<sitemap>` entries (a sitemap index), with their `lastmod`.
    pub children: Vec<(String, Option<DateTime<Utc>>)>,
    /// Whether it uses the Google News extension.
    pub news: bool,
}

/// One page a sitemap lists.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SitemapUrl {
    /// `loc`.
    pub loc: String,
    /// `lastmod`.
    pub lastmod: Option<DateTime<Utc>>,
    /// `news:title`.
    pub title: Option<String>,
    /// `news:publication_date`.
    pub published: Option<DateTime<Utc>>,
    /// `news:language` (of `news:publication`).
    pub language: Option<String>,
    /// `news:keywords`, split at commas.
    pub keywords: Vec<String>,
}

/// Why a body is not a sitemap.
#[derive(Debug, thiserror::Error)]
pub enum SitemapError {
    /// Not XML, or not a urlset or sitemap index.
    #[error("not a sitemap: {0}")]
    NotASitemap(String),
}

/// The body, decompressed when it is gzip (a `.xml.gz` file served as
/// such), up to `limit` bytes.
pub fn gunzip(body: Vec<u8>, limit: u64) -> Result<Vec<u8>, SitemapError> {
    if !body.starts_with(&[0x1f, 0x8b]) {
        return Ok(body);
    }
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(body.as_slice())
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|e| SitemapError::NotASitemap(format!("bad gzip: {e}")))?;
    if out.len() as u64 > limit {
        return Err(SitemapError::NotASitemap(format!(
            "larger than {limit} bytes once decompressed"
        )));
    }
    Ok(out)
}

/// Reads a urlset or a sitemap index.
pub fn parse_sitemap(body: &[u8]) -> Result<Sitemap, SitemapError> {
    let mut reader = Reader::from_reader(body);
    let mut sitemap = Sitemap::default();
    let mut path: Vec<String> = Vec::new();
    let mut url = SitemapUrl::default();
    let mut child: (String, Option<DateTime<Utc>>) = Default::default();
    let mut root = None;
    let mut buf = Vec::new();
    // Text arrives in pieces around entity references.
    let mut text = String::new();
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| SitemapError::NotASitemap(e.to_string()))?;
        match event {
            Event::Text(t) => text.push_str(&String::from_utf8_lossy(&t)),
            Event::CData(t) => text.push_str(&String::from_utf8_lossy(&t)),
            Event::GeneralRef(r) => text.push_str(&entity(&String::from_utf8_lossy(&r))),
            // An empty document: `<urlset/>`.
            Event::Empty(e) if root.is_none() => {
                root = Some(local_name(e.name().as_ref()));
            }
            Event::Start(e) => {
                text.clear();
                let name = local_name(e.name().as_ref());
                root.get_or_insert_with(|| name.clone());
                sitemap.news |= e.name().as_ref().starts_with(b"news:") || name == "news";
                path.push(name);
            }
            Event::End(_) => {
                take_text(
                    &path,
                    std::mem::take(&mut text).trim(),
                    &mut url,
                    &mut child,
                );
                match path.last().map(String::as_str) {
                    Some("url") => sitemap.urls.push(std::mem::take(&mut url)),
                    Some("sitemap") if path.len() == 2 => {
                        sitemap.children.push(std::mem::take(&mut child))
                    }
                    _ => {}
                }
                path.pop();
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    match root.as_deref() {
        Some("urlset") | Some("sitemapindex") => Ok(sitemap),
        other => Err(SitemapError::NotASitemap(format!(
            "the root element is {:?}, not urlset or sitemapindex",
            other.unwrap_or("missing")
        ))),
    }
}

/// `news:title` → `title`.
fn local_name(qualified: &[u8]) -> String {
    let name = qualified.rsplit(|b| *b == b':').next().unwrap_or(qualified);
    String::from_utf8_lossy(name).to_ascii_lowercase()
}

/// The text an entity reference (`amp`, `#233`, `#xE9`) stands for.
fn entity(name: &str) -> String {
    let named = match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => None,
    };
    let numbered = || match name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => name.strip_prefix('#').and_then(|n| n.parse().ok()),
    };
    named
        .or_else(|| numbered().and_then(char::from_u32))
        .map(String::from)
        .unwrap_or_default()
}

fn take_text(
    path: &[String],
    text: &str,
    url: &mut SitemapUrl,
    child: &mut (String, Option<DateTime<Utc>>),
) {
    if text.is_empty() {
        return;
    }
    let text = text.to_string();
    let (Some(element), Some(parent)) = (path.last(), path.iter().rev().nth(1)) else {
        return;
    };
    match (parent.as_str(), element.as_str()) {
        ("url", "loc") => url.loc = text,
        ("url", "lastmod") => url.lastmod = parse_date(&text),
        ("news", "title") => url.title = Some(text),
        ("news", "publication_date") => url.published = parse_date(&text),
        ("news", "keywords") => {
            url.keywords = text
                .split(',')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(str::to_string)
                .collect()
        }
        ("publication", "language") => url.language = Some(text),
        ("sitemap", "loc") => child.0 = text,
        ("sitemap", "lastmod") => child.1 = parse_date(&text),
        _ => {}
    }
}

impl Sitemap {
    /// The newest [`MAX_ITEMS`] pages as a feed's items: the page is the
    /// link and the id, the news title (else a title made from the URL's
    /// last words), the publication date (else `lastmod`).
    pub fn into_feed(mut self) -> ParsedFeed<'static> {
        self.urls.retain(|u| !u.loc.is_empty());
        self.urls
            .sort_by_key(|u| std::cmp::Reverse(u.published.or(u.lastmod)));
        // A page listed twice (in two files of an index) is one item.
        let mut seen = std::collections::HashSet::new();
        self.urls.retain(|u| seen.insert(u.loc.clone()));
        self.urls.truncate(MAX_ITEMS);
        let items = self
            .urls
            .into_iter()
            .map(|u| ParsedItem {
                id: Some(u.loc.clone()),
                title: u.title.or_else(|| title_from_url(&u.loc)),
                published: u.published.or(u.lastmod),
                updated: u.lastmod,
                categories: u.keywords,
                language: u.language,
                link: Some(u.loc),
                ..ParsedItem::default()
            })
            .collect();
        ParsedFeed {
            items,
            ..ParsedFeed::default()
        }
    }
}

/// "…/2026/12/03/le-maroc-adopte-sa-strategie-ia.html" → "Le maroc adopte
/// sa strategie ia": a plain sitemap names no title.
fn title_from_url(loc: &str) -> Option<String> {
    let url = url::Url::parse(loc).ok()?;
    let last = url.path_segments()?.rev().find(|s| !s.is_empty())?;
    let stem = last.split('.').next().unwrap_or(last);
    let decoded = percent_encoding::percent_decode_str(stem).decode_utf8_lossy();
    let words: Vec<&str> = decoded
        .split(['-', '_'])
        .filter(|w| !w.is_empty() && !w.chars().all(|c| c.is_ascii_digit()))
        .collect();
    let text = words.join(" ");
    let mut chars = text.chars();
    let first = chars.next()?;
    Some(first.to_uppercase().chain(chars).collect())
}

#[cfg(test)]
mod tests;

/// The sitemaps a `robots.txt` names (`Sitemap:` lines, any case),
/// resolved against the file's URL.
pub fn robots_sitemaps(robots: &str, base: &url::Url) -> Vec<url::Url> {
    let mut out: Vec<url::Url> = Vec::new();
    for line in robots.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        if !key.trim().eq_ignore_ascii_case("sitemap") {
            continue;
        }
        let value = value.split('#').next().unwrap_or_default().trim();
        if let Ok(url) = base.join(value)
            && matches!(url.scheme(), "http" | "https")
            && !out.contains(&url)
        {
            out.push(url);
        }
    }
    out
}
