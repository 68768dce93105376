//! Helpers shared by the XML adapters.

use std::borrow::Cow;

use url::Url;

use super::Enclosure;
use super::model::non_empty;
use super::xml::{Element, ns};

/// Resolves `href` against the element's effective `xml:base`, when it has
/// one; otherwise leaves it as written (the normaliser resolves against the
/// feed URL later).
pub(super) fn resolve(el: Element, href: &str) -> String {
    let href = href.trim();
    match el.base().and_then(|b| Url::parse(b).ok()) {
        Some(base) => base
            .join(href)
            .map_or_else(|_| href.to_string(), |u| u.to_string()),
        None => href.to_string(),
    }
}

/// HTML from a text node as the parse output carries it: relative URLs
/// resolved against the element's `xml:base` when it has one; otherwise as
/// the author wrote it.
pub(super) fn carried_html<'a>(el: Element, html: Cow<'a, str>) -> Cow<'a, str> {
    match el.base() {
        Some(base) if html.contains('<') => Cow::Owned(super::html_urls::resolve_html(&html, base)),
        _ => html,
    }
}

/// The `alternate` link among `link` children in `namespaces` (a link with
/// no `rel` is `alternate`); an HTML one is preferred.
pub(super) fn alternate_link(el: Element, namespaces: &[&str]) -> Option<String> {
    alternate_among(el.children_named(namespaces, "link"))
}

/// The `alternate` link among `links`, as [`alternate_link`] chooses it.
pub(super) fn alternate_among<'d, 'a: 'd>(
    links: impl Iterator<Item = Element<'d, 'a>> + Clone,
) -> Option<String> {
    // Some feeds put the URL in the element's text instead of `href`.
    let href_of = |l: Element<'d, 'a>| {
        l.attr("href")
            .and_then(non_empty)
            .or_else(|| non_empty(&l.text()))
    };
    let alternates = links.filter(|l| l.attr("rel").is_none_or(|r| r.trim() == "alternate"));
    let (chosen, href) = alternates
        .clone()
        .filter(|l| l.attr("type").is_none_or(|t| t.contains("html")))
        .chain(alternates)
        .find_map(|l| href_of(l).map(|href| (l, href)))?;
    Some(resolve(chosen, &href))
}

/// The hub and self links among a feed's `links`, when it has both
/// (WebSub discovery, section 4 of the Recommendation).
pub(super) fn websub_among<'d, 'a: 'd>(
    links: impl Iterator<Item = Element<'d, 'a>> + Clone,
) -> Option<super::model::WebSubLinks> {
    let with_rel = |rel: &str| {
        links.clone().find_map(|l| {
            let has = l.attr("rel").is_some_and(|r| {
                r.split_ascii_whitespace()
                    .any(|t| t.eq_ignore_ascii_case(rel))
            });
            let href = l.attr("href").and_then(non_empty)?;
            has.then(|| resolve(l, &href))
        })
    };
    Some(super::model::WebSubLinks {
        hub: with_rel("hub")?,
        topic: with_rel("self")?,
    })
}

/// `media:content` and `media:thumbnail` of an item, directly or in a
/// `media:group`, as enclosures: a thumbnail becomes an image enclosure
/// (as Miniflux reads it), which readers show with the item. Those already
/// in `seen` (by URL) are left out.
pub(super) fn media_enclosures(el: Element, seen: &[Enclosure]) -> Vec<Enclosure> {
    const MEDIA: &[&str] = &[ns::MEDIA];
    let groups: Vec<Element> = el.children_named(MEDIA, "group").collect();
    let in_item_and_groups = |name: &'static str| {
        let mut found: Vec<Element> = el.children_named(MEDIA, name).collect();
        for g in &groups {
            found.extend(g.children_named(MEDIA, name));
        }
        found
    };
    let mut out: Vec<Enclosure> = Vec::new();
    for (e, is_thumbnail) in in_item_and_groups("content")
        .into_iter()
        .map(|e| (e, false))
        .chain(
            in_item_and_groups("thumbnail")
                .into_iter()
                .map(|e| (e, true)),
        )
    {
        let Some(url) = e.attr("url").and_then(non_empty) else {
            continue;
        };
        let url = resolve(e, &url);
        if seen.iter().chain(&out).any(|x| x.url == url) {
            continue;
        }
        let mime_type = e.attr("type").and_then(non_empty).or_else(|| {
            (is_thumbnail || e.attr("medium") == Some("image")).then(|| image_type(&url))
        });
        out.push(Enclosure {
            url,
            mime_type,
            length: e.attr("fileSize").and_then(|l| l.trim().parse().ok()),
        });
    }
    out
}

/// The image type a URL's extension suggests (`image/*` when it says
/// nothing).
fn image_type(url: &str) -> String {
    let path = url
        .split(['?', '#'])
        .next()
        .unwrap_or(url)
        .to_ascii_lowercase();
    let ext = path.rsplit('.').next().unwrap_or("");
    match ext {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "svg" => "image/svg+xml",
        _ => "image/*",
    }
    .to_string()
}
