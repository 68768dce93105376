//! HTML: sanitising with an allowlist (ammonia) and deriving plain text
//! (scraper, which shares html5ever with ammonia).

use std::collections::HashSet;

use ammonia::{Builder, UrlRelative};
use scraper::{Html, Node};
use url::Url;

/// Sanitises feed HTML for display: no scripts, styles, frames, forms, event
/// handlers or `javascript:` URLs; every `href`/`src` absolute against
/// `base`; links open with `rel="noopener noreferrer"`.
pub fn sanitize_html(html: &str, base: &Url) -> String {
    let schemes: HashSet<&str> = ["http", "https", "mailto"].into_iter().collect();
    Builder::default()
        .url_schemes(schemes)
        .url_relative(UrlRelative::RewriteWithBase(base.clone()))
        .link_rel(Some("noopener noreferrer"))
        .clean(html)
        .to_string()
        .trim()
        .to_string()
}

/// Block-level elements after which text gets a line break, so words of
/// adjacent paragraphs are not glued together.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "tr",
    "td",
    "th",
    "figcaption",
    "pre",
];

/// Plain text of an HTML fragment: entities decoded, paragraphs separated by
/// newlines, runs of spaces collapsed.
pub fn html_to_text(html: &str) -> String {
    let fragment = Html::parse_fragment(html);
    let mut out = String::with_capacity(html.len() / 2);
    for edge in fragment.root_element().traverse() {
        match edge {
            ego_tree::iter::Edge::Open(node) => {
                if let Node::Text(text) = node.value() {
                    out.push_str(text);
                }
            }
            ego_tree::iter::Edge::Close(node) => {
                if let Node::Element(el) = node.value()
                    && BLOCKS.contains(&el.name())
                {
                    out.push('\n');
                }
            }
        }
    }
    out.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_handlers_and_javascript_urls_are_removed() {
        let base = Url::parse("https://news.example.ma/section/").unwrap();
        let out = sanitize_html(
            r#"<p onclick="x()">Hi <a href="/a?b=1">link</a><script>alert(1)</script><a href="javascript:evil()">j</a><img src="img.png"></p>"#,
            &base,
        );
        assert!(!out.contains("script"), "{out}");
        assert!(!out.contains("onclick"), "{out}");
        assert!(!out.contains("javascript"), "{out}");
        assert!(
            out.contains(r#"href="https://news.example.ma/a?b=1""#),
            "{out}"
        );
        assert!(
            out.contains(r#"src="https://news.example.ma/section/img.png""#),
            "{out}"
        );
        assert!(out.contains("noopener noreferrer"), "{out}");
    }

    #[test]
    fn text_keeps_paragraphs_apart() {
        assert_eq!(
            html_to_text("<p>Un&nbsp;deux</p><p>trois   quatre</p>"),
            "Un\u{a0}deux\ntrois quatre".replace('\u{a0}', " ")
        );
    }
}
