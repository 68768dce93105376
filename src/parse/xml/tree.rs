//! The tree the feed adapters read: elements with resolved namespaces,
//! inherited `xml:base` and `xml:lang`, and decoded text.
//!
//! Text borrows from the document where it can (`'a`): a CDATA section or
//! a run of text without entity references is not copied at all.

use std::borrow::Cow;
use std::rc::Rc;

/// An element.
#[derive(Debug, Clone, Default)]
pub(crate) struct Element<'a> {
    /// Namespace URI ("" for none; an undeclared prefix is kept as
    /// `prefix:`), shared with the declaration: elements do not copy it.
    pub ns: Rc<str>,
    /// Local name (borrowed from the document).
    pub name: Cow<'a, str>,
    /// Attributes: (namespace URI, local name, decoded value); names and
    /// values without entity references are borrowed from the document.
    pub attrs: Vec<(Rc<str>, Cow<'a, str>, Cow<'a, str>)>,
    /// Children in document order.
    pub children: Vec<Node<'a>>,
    /// Effective `xml:base` (inherited, resolved against the parent's).
    pub base: Option<Rc<str>>,
    /// Effective `xml:lang` (inherited).
    pub lang: Option<Rc<str>>,
}

/// A child node.
#[derive(Debug, Clone)]
pub(crate) enum Node<'a> {
    /// An element (boxed, so long child lists stay compact).
    Element(Box<Element<'a>>),
    /// Decoded text (CDATA included).
    Text(Cow<'a, str>),
}

impl<'a> Element<'a> {
    /// Whether this element is `name` in one of `namespaces`. Names compare
    /// without regard to ASCII case: generators write `<TITLE>` and
    /// `<pubdate>` too.
    pub fn is(&self, namespaces: &[&str], name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
            && namespaces
                .iter()
                .any(|n| n.len() == self.ns.len() && (n.is_empty() || **n == *self.ns))
    }

    /// Child elements.
    pub fn elements(&self) -> impl Iterator<Item = &Element<'a>> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e.as_ref()),
            Node::Text(_) => None,
        })
    }

    /// First child element `name` in one of `namespaces`.
    pub fn child(&self, namespaces: &[&str], name: &str) -> Option<&Element<'a>> {
        self.elements().find(|e| e.is(namespaces, name))
    }

    /// All child elements `name` in one of `namespaces`.
    pub fn children_named<'s>(
        &'s self,
        namespaces: &'s [&'s str],
        name: &'s str,
    ) -> impl Iterator<Item = &'s Element<'a>> {
        self.elements().filter(move |e| e.is(namespaces, name))
    }

    /// An attribute without namespace (or, for `xml:*`, in the XML namespace).
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(ns, local, _)| local.eq_ignore_ascii_case(name) && ns.is_empty())
            .map(|(_, _, v)| v.as_ref())
    }

    /// All text inside, concatenated. Borrowed in the common case of a
    /// single text child, so reading a large description copies nothing.
    pub fn text(&self) -> Cow<'_, str> {
        match self.children.as_slice() {
            [] => Cow::Borrowed(""),
            [Node::Text(t)] => Cow::Borrowed(t),
            _ => {
                let mut out = String::new();
                self.collect_text(&mut out);
                Cow::Owned(out)
            }
        }
    }

    fn collect_text(&self, out: &mut String) {
        for node in &self.children {
            match node {
                Node::Text(t) => out.push_str(t),
                Node::Element(e) => e.collect_text(out),
            }
        }
    }

    /// Whether any child is an element (markup inside a text field).
    pub fn has_child_elements(&self) -> bool {
        self.elements().next().is_some()
    }

    /// The children serialised back to markup, for HTML carried as XML.
    /// Relative URLs in it are resolved against the effective `xml:base`.
    pub fn inner_html(&self) -> String {
        let mut out = String::new();
        for node in &self.children {
            write_node(node, &self.ns, &mut out);
        }
        out
    }
}

fn write_node(node: &Node<'_>, parent_ns: &str, out: &mut String) {
    match node {
        Node::Text(t) => out.push_str(&html_escape::encode_text(t)),
        Node::Element(e) => {
            out.push('<');
            out.push_str(&e.name);
            // A foreign vocabulary (SVG, MathML) keeps its namespace.
            let foreign =
                !e.ns.is_empty() && e.ns.as_ref() != super::ns::XHTML && !e.ns.ends_with(':');
            if foreign && e.ns.as_ref() != parent_ns {
                out.push_str(" xmlns=\"");
                out.push_str(&html_escape::encode_double_quoted_attribute(&e.ns));
                out.push('"');
            }
            for (ns, name, value) in &e.attrs {
                if ns.is_empty() || ns.as_ref() == super::ns::XHTML {
                    let value = match &e.base {
                        Some(base) if crate::parse::html_urls::is_url_attribute(name) => {
                            crate::parse::html_urls::resolve_against(base, value)
                        }
                        _ => value.to_string(),
                    };
                    out.push(' ');
                    out.push_str(name);
                    out.push_str("=\"");
                    out.push_str(&html_escape::encode_double_quoted_attribute(&value));
                    out.push('"');
                }
            }
            if e.children.is_empty() && VOID.contains(&e.name.as_ref()) {
                out.push_str(" />");
                return;
            }
            out.push('>');
            for child in &e.children {
                write_node(child, &e.ns, out);
            }
            out.push_str("</");
            out.push_str(&e.name);
            out.push('>');
        }
    }
}

/// HTML elements that have no end tag.
const VOID: &[&str] = &[
    "br", "hr", "img", "input", "meta", "link", "area", "base", "col", "embed", "param", "source",
    "track", "wbr",
];
