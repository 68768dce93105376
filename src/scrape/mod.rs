//! Pages without feeds: a news listing page + CSS selectors → the same
//! [`ParsedFeed`] a feed would give, and the main text of an article page
//! (a configured selector, or readability-style extraction).
//!
//! Pure over bytes (through the `scraper` crate); page fetches go through
//! the fetcher, like feeds.

pub mod dates;
mod extract;

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use scraper::{ElementRef, Html, Selector};
use url::Url;

pub use extract::{ExtractError, Extracted, FullText, extract_full_text};

use crate::parse::{Enclosure, ParsedFeed, ParsedItem, Person};

/// The selectors of a `[source.scrape]` table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScrapeRules {
    /// One match per article on the listing page.
    pub item: String,
    /// Title, within an item (default: the link's text).
    pub title: Option<String>,
    /// Link, within an item (default: the first `a[href]`).
    pub link: Option<String>,
    /// Date, within an item (a `<time datetime>`, a `content` attribute or text).
    pub date: Option<String>,
    /// Summary, within an item (its HTML).
    pub summary: Option<String>,
    /// Image, within an item (`src`, `data-src` or `srcset`).
    pub image: Option<String>,
    /// Author, within an item.
    pub author: Option<String>,
    /// Read `05/02/2026` as 5 February (true) or May 2 (false).
    pub day_first: bool,
}

/// Why a page could not be scraped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScrapeError {
    /// Not an HTML page.
    #[error("{url}: not an HTML page")]
    NotHtml {
        /// The page.
        url: String,
    },
    /// A selector is not valid CSS.
    #[error("selector `{key}` = {selector:?} is not valid CSS: {message}")]
    BadSelector {
        /// Which selector.
        key: &'static str,
        /// The selector.
        selector: String,
        /// Why.
        message: String,
    },
    /// The item selector matched nothing.
    #[error("{url}: the item selector {selector:?} matched nothing (has the page changed?)")]
    NoItems {
        /// The page.
        url: String,
        /// The selector.
        selector: String,
    },
}

/// Parses a CSS selector, naming the key on failure.
pub fn selector(key: &'static str, css: &str) -> Result<Selector, ScrapeError> {
    Selector::parse(css).map_err(|e| ScrapeError::BadSelector {
        key,
        selector: css.to_string(),
        message: e.to_string(),
    })
}

struct Compiled {
    item: Selector,
    title: Option<Selector>,
    link: Option<Selector>,
    date: Option<Selector>,
    summary: Option<Selector>,
    image: Option<Selector>,
    author: Option<Selector>,
}

fn compile(rules: &ScrapeRules) -> Result<Compiled, ScrapeError> {
    let opt = |key, css: &Option<String>| css.as_deref().map(|c| selector(key, c)).transpose();
    Ok(Compiled {
        item: selector("item", &rules.item)?,
        title: opt("title", &rules.title)?,
        link: opt("link", &rules.link)?,
        date: opt("date", &rules.date)?,
        summary: opt("summary", &rules.summary)?,
        image: opt("image", &rules.image)?,
        author: opt("author", &rules.author)?,
    })
}

fn text_of(el: ElementRef<'_>) -> String {
    el.text()
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn first<'a>(item: ElementRef<'a>, sel: &Option<Selector>) -> Option<ElementRef<'a>> {
    sel.as_ref().and_then(|s| item.select(s).next())
}

/// Whether the bytes look like HTML at all.
fn is_html(bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(2048)]).to_ascii_lowercase();
    head.contains("<html")
        || head.contains("<!doctype html")
        || head.contains("<body")
        || head.contains("<div")
}

/// Turns a listing page into feed items with `rules`.
pub fn scrape_listing(
    html: &[u8],
    page_url: &Url,
    rules: &ScrapeRules,
    now: DateTime<Utc>,
) -> Result<ParsedFeed<'static>, ScrapeError> {
    if !is_html(html) {
        return Err(ScrapeError::NotHtml {
            url: page_url.to_string(),
        });
    }
    let compiled = compile(rules)?;
    let link_fallback = selector("link", "a[href]")?;
    let document = Html::parse_document(&String::from_utf8_lossy(html));
    let page = Page {
        url: page_url,
        rules,
        compiled: &compiled,
        link_fallback: &link_fallback,
        now,
    };
    let items: Vec<ParsedItem<'static>> = document
        .select(&compiled.item)
        .filter_map(|item| page.item(item))
        .collect();
    if items.is_empty() {
        return Err(ScrapeError::NoItems {
            url: page_url.to_string(),
            selector: rules.item.clone(),
        });
    }
    Ok(ParsedFeed {
        title: first_in(&document, "title").map(text_of),
        link: Some(page_url.to_string()),
        language: first_in(&document, "html")
            .and_then(|h| h.value().attr("lang").map(str::to_string)),
        items,
        ..ParsedFeed::default()
    })
}

/// The first element of `document` that `css` (a valid selector) selects.
fn first_in<'d>(document: &'d Html, css: &str) -> Option<ElementRef<'d>> {
    Selector::parse(css)
        .ok()
        .and_then(|s| document.select(&s).next())
}

/// A listing page being read, with its rules.
struct Page<'a> {
    url: &'a Url,
    rules: &'a ScrapeRules,
    compiled: &'a Compiled,
    /// Any link, for items whose link selector matches nothing.
    link_fallback: &'a Selector,
    now: DateTime<Utc>,
}

impl Page<'_> {
    /// The feed item of one matched element; `None` when it has neither
    /// a title nor a link.
    fn item(&self, item: ElementRef<'_>) -> Option<ParsedItem<'static>> {
        let c = self.compiled;
        let link_el = first(item, &c.link).or_else(|| item.select(self.link_fallback).next());
        let link = self.link(link_el);
        let title = first(item, &c.title)
            .map(text_of)
            .or_else(|| link_el.map(text_of))
            .filter(|t| !t.is_empty());
        if title.is_none() && link.is_none() {
            return None;
        }
        Some(ParsedItem {
            id: None,
            title,
            link,
            summary: first(item, &c.summary)
                .map(|s| s.inner_html().trim().to_string())
                .filter(|s| !s.is_empty())
                .map(Cow::Owned),
            content: None,
            published: first(item, &c.date).and_then(|d| self.date(d)),
            updated: None,
            authors: first(item, &c.author)
                .and_then(|a| Person::from_text(&text_of(a)))
                .into_iter()
                .collect(),
            categories: Vec::new(),
            enclosures: first(item, &c.image)
                .and_then(|i| self.image(i))
                .into_iter()
                .collect(),
            language: None,
            source: None,
        })
    }

    /// The item's link: the `href` of the link element, or of the first
    /// link inside it, resolved against the page.
    fn link(&self, link_el: Option<ElementRef<'_>>) -> Option<String> {
        let href = link_el.and_then(|l| {
            l.value().attr("href").or_else(|| {
                l.select(self.link_fallback)
                    .next()
                    .and_then(|a| a.value().attr("href"))
            })
        })?;
        self.url.join(href.trim()).ok().map(|u| u.to_string())
    }

    /// A machine-readable date (`<time datetime>`, a `content` attribute)
    /// on the match or inside it wins over printed text.
    fn date(&self, d: ElementRef<'_>) -> Option<DateTime<Utc>> {
        let machine = std::iter::once(d)
            .chain(d.descendants().filter_map(ElementRef::wrap))
            .find_map(|e| e.value().attr("datetime").or(e.value().attr("content")));
        let day_first = self.rules.day_first;
        machine
            .and_then(|a| dates::parse_page_date(a, day_first, self.now))
            .or_else(|| dates::parse_page_date(&text_of(d), day_first, self.now))
    }

    /// The item's image, from `src`, a lazy-loading `data-src` or the
    /// first `srcset` candidate.
    fn image(&self, i: ElementRef<'_>) -> Option<Enclosure> {
        let v = i.value();
        let src = v
            .attr("src")
            .or(v.attr("data-src"))
            .or_else(|| v.attr("srcset").and_then(|s| s.split_whitespace().next()))?;
        Some(Enclosure {
            url: self.url.join(src.trim()).ok()?.to_string(),
            mime_type: Some("image/*".into()),
            length: None,
        })
    }
}

/// What each selector matched on a page, for `veille check --source`.
pub fn describe_matches(
    html: &[u8],
    page_url: &Url,
    rules: &ScrapeRules,
    now: DateTime<Utc>,
) -> Result<String, ScrapeError> {
    let compiled = compile(rules)?;
    let document = Html::parse_document(&String::from_utf8_lossy(html));
    let items: Vec<ElementRef<'_>> = document.select(&compiled.item).collect();
    let mut out = format!(
        "item {:?}: {} matches on {page_url}\n",
        rules.item,
        items.len()
    );
    let fields: [(&str, &Option<String>, &Option<Selector>); 6] = [
        ("title", &rules.title, &compiled.title),
        ("link", &rules.link, &compiled.link),
        ("date", &rules.date, &compiled.date),
        ("summary", &rules.summary, &compiled.summary),
        ("image", &rules.image, &compiled.image),
        ("author", &rules.author, &compiled.author),
    ];
    for (name, css, sel) in fields {
        let Some(css) = css else { continue };
        let hits = items.iter().filter(|i| first(**i, sel).is_some()).count();
        out.push_str(&format!(
            "{name} {css:?}: found in {hits} of {} items\n",
            items.len()
        ));
    }
    if let Ok(feed) = scrape_listing(html, page_url, rules, now) {
        for item in feed.items.iter().take(3) {
            out.push_str(&format!(
                "  - {} | {} | {}\n",
                item.title.as_deref().unwrap_or("(no title)"),
                item.link.as_deref().unwrap_or("(no link)"),
                item.published
                    .map(crate::model::rfc3339)
                    .unwrap_or_else(|| "(no date)".into())
            ));
        }
    }
    Ok(out)
}
