//! Self-closed SVG and MathML elements written the way feedparser writes
//! them, where that gives the same document.
//!
//! Feedparser (the reference the shared corpus was derived from) drops the
//! `/` of a self-closed element and writes no end tag:
//! `<svg><circle r="5"/></svg>` comes out as `<svg><circle r="5"></svg>`.
//! In the one position where an HTML parser builds the same tree from both
//! forms (the element is empty and directly followed by its parent's end
//! tag, which closes it too: the "any other end tag" rule of foreign
//! content), veille writes that form as well, so a reader or a script that
//! compares veille's output with feedparser's sees the same string. In
//! every other position (a sibling follows, whitespace follows, the element
//! is HTML) the author's markup is kept as written, because there the two
//! forms build different trees (feedparser nests the next sibling inside
//! the element).
//!
//! Only `veille parse` shows this: the normalise stage re-serialises HTML
//! through html5ever, which writes `<circle r="5"></circle>` for both.

use std::borrow::Cow;
use std::sync::LazyLock;

use memchr::memmem::Finder;

use super::html_urls::tag_end;

/// `html` with each empty self-closed element inside `<svg>` or `<math>`
/// that is directly followed by its parent's end tag written as a start
/// tag alone. Borrowed when nothing changes (the common case: no SVG).
///
/// Every HTML field goes through here, so the test for "nothing to do" is
/// two vectorised searches with prebuilt finders. A root written in
/// capitals (`<SVG>`) is not looked for: its markup stays as written,
/// which HTML parsers read the same way.
pub(super) fn imply_last_foreign_ends(html: &str) -> Cow<'_, str> {
    static SELF_CLOSED: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("/>"));
    static SVG: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("<svg"));
    static MATH: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("<math"));
    let bytes = html.as_bytes();
    if SELF_CLOSED.find(bytes).is_none()
        || (SVG.find(bytes).is_none() && MATH.find(bytes).is_none())
    {
        return Cow::Borrowed(html);
    }
    rewrite(html).map_or(Cow::Borrowed(html), Cow::Owned)
}

/// One tag of the markup, as the scanner sees it.
enum Tag<'a> {
    Start {
        name: &'a str,
        self_closed: bool,
    },
    End {
        name: &'a str,
    },
    /// Comments, CDATA sections, doctypes, processing instructions, and a
    /// `<` that starts no tag.
    Other,
}

fn classify(tag: &str) -> Tag<'_> {
    let inner = tag.strip_prefix('<').unwrap_or(tag);
    let inner = inner.strip_suffix('>').unwrap_or(inner);
    if let Some(name) = inner.strip_prefix('/') {
        return Tag::End {
            name: name.trim_end(),
        };
    }
    if !inner.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Tag::Other;
    }
    let name_end = inner
        .find(|c: char| c.is_ascii_whitespace() || c == '/')
        .unwrap_or(inner.len());
    // `<a href=x/>` ends its unquoted value with the slash: not self-closed.
    let self_closed = inner.strip_suffix('/').is_some_and(|before| {
        before.len() == name_end
            || before.ends_with(|c: char| c.is_ascii_whitespace() || c == '"' || c == '\'')
    });
    Tag::Start {
        name: &inner[..name_end],
        self_closed,
    }
}

/// The rewritten markup, or `None` when nothing was rewritten or the
/// markup inside a foreign element is something the scanner does not
/// model (a comment or CDATA section, whose text could hold tag-like
/// strings): then the author's markup is kept whole.
fn rewrite(html: &str) -> Option<String> {
    let mut out = String::with_capacity(html.len());
    // Open elements from the outermost `<svg>`/`<math>` inwards.
    let mut open: Vec<&str> = Vec::new();
    let mut changed = false;
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let tag_and_after = &rest[at..];
        let end = tag_end(tag_and_after)?;
        let (tag, after) = tag_and_after.split_at(end);
        rest = after;
        match classify(tag) {
            Tag::Start { name, self_closed } if open.is_empty() => {
                if !self_closed && is_foreign_root(name) {
                    open.push(name);
                }
                out.push_str(tag);
            }
            Tag::Start {
                name,
                self_closed: true,
            } if !name.is_empty() && closes_parent(after, open.last().copied()) => {
                let without_slash = tag[..tag.len() - 2].trim_end();
                out.push_str(without_slash);
                out.push('>');
                changed = true;
            }
            Tag::Start { name, self_closed } => {
                if !self_closed {
                    open.push(name);
                }
                out.push_str(tag);
            }
            Tag::End { name } => {
                if let Some(depth) = open.iter().rposition(|o| o.eq_ignore_ascii_case(name)) {
                    open.truncate(depth);
                }
                out.push_str(tag);
            }
            Tag::Other if open.is_empty() => out.push_str(tag),
            Tag::Other => return None,
        }
    }
    out.push_str(rest);
    changed.then_some(out)
}

fn is_foreign_root(name: &str) -> bool {
    name.eq_ignore_ascii_case("svg") || name.eq_ignore_ascii_case("math")
}

/// Whether `after` starts with the end tag of `parent`.
fn closes_parent(after: &str, parent: Option<&str>) -> bool {
    let Some(parent) = parent else {
        return false;
    };
    let Some(end) = tag_end(after).filter(|_| after.starts_with("</")) else {
        return false;
    };
    matches!(classify(&after[..end]), Tag::End { name } if name.eq_ignore_ascii_case(parent))
}

#[cfg(test)]
mod tests {
    use super::imply_last_foreign_ends;

    #[test]
    fn an_empty_last_child_of_an_svg_element_takes_its_parents_end_tag() {
        assert_eq!(
            imply_last_foreign_ends(r#"<svg width="3"><title>t</title><circle r="5" /></svg>"#),
            r#"<svg width="3"><title>t</title><circle r="5"></svg>"#
        );
        assert_eq!(
            imply_last_foreign_ends(r#"<p><svg><G><path d="M0 0"/></G></svg></p>"#),
            r#"<p><svg><G><path d="M0 0"></G></svg></p>"#
        );
        // Only the last one: a sibling would nest inside the first.
        assert_eq!(
            imply_last_foreign_ends(r#"<svg><circle r="5"/><rect/></svg>"#),
            r#"<svg><circle r="5"/><rect></svg>"#
        );
        assert_eq!(
            imply_last_foreign_ends("<p>a<br/>b</p><svg><circle/></svg>"),
            "<p>a<br/>b</p><svg><circle></svg>"
        );
        assert_eq!(
            imply_last_foreign_ends("<math><mi>x</mi><mspace/></math>"),
            "<math><mi>x</mi><mspace></math>"
        );
    }

    #[test]
    fn markup_where_the_two_forms_differ_is_kept_as_written() {
        for kept in [
            // A sibling follows: it would nest inside the element.
            r#"<svg><circle r="5"/><rect/> </svg>"#,
            // Whitespace follows: it would become the element's text.
            "<svg><circle/>\n</svg>",
            // HTML elements: `/>` means nothing there.
            "<p>a<br/></p><div><span/></div>",
            // An end tag that is not the parent's.
            "<svg><g><circle/></svg>",
            // A comment inside: its text is not scanned for tags.
            "<svg><!-- <circle/></svg> --><circle/></svg>",
            // Unclosed tag.
            "<svg><circle/></svg",
            // The slash ends an unquoted attribute value.
            "<svg><a href=x/></svg>",
            // A `<` that starts no tag.
            "<svg><text>a < b</text><circle/></svg>",
            // A self-closed root has no parent to take from.
            "<p><svg/></p>",
        ] {
            assert_eq!(imply_last_foreign_ends(kept), kept);
        }
    }

    #[test]
    fn quoted_angle_brackets_stay_inside_their_attribute() {
        assert_eq!(
            imply_last_foreign_ends(r#"<svg><text x="a>b"/></svg>"#),
            r#"<svg><text x="a>b"></svg>"#
        );
    }
}
