//! Helpers shared by the XML adapters.

use url::Url;

use super::model::non_empty;
use super::xml::Element;

/// Resolves `href` against the element's effective `xml:base`, when it has
/// one; otherwise leaves it as written (the normaliser resolves against the
/// feed URL later).
pub(super) fn resolve(el: &Element, href: &str) -> String {
    let href = href.trim();
    match el.base.as_deref().and_then(|b| Url::parse(b).ok()) {
        Some(base) => base
            .join(href)
            .map_or_else(|_| href.to_string(), |u| u.to_string()),
        None => href.to_string(),
    }
}

/// HTML from a text node, with relative URLs resolved against the
/// element's `xml:base` when it has one.
pub(super) fn with_base(el: &Element, html: String) -> String {
    match el.base.as_deref() {
        Some(base) if html.contains('<') => super::html_urls::resolve_html(&html, base),
        _ => html,
    }
}

/// The `alternate` link among `link` children in `namespaces` (a link with
/// no `rel` is `alternate`); an HTML one is preferred.
pub(super) fn alternate_link(el: &Element, namespaces: &[&str]) -> Option<String> {
    // Some feeds put the URL in the element's text instead of `href`.
    let href_of = |l: &Element| {
        l.attr("href")
            .and_then(non_empty)
            .or_else(|| non_empty(&l.text()))
    };
    let alternates: Vec<&Element> = el
        .children_named(namespaces, "link")
        .filter(|l| l.attr("rel").is_none_or(|r| r.trim() == "alternate"))
        .filter(|l| href_of(l).is_some())
        .collect();
    let chosen = alternates
        .iter()
        .find(|l| l.attr("type").is_none_or(|t| t.contains("html")))
        .or(alternates.first())?;
    let href = href_of(chosen)?;
    Some(resolve(chosen, &href))
}
