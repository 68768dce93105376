//! The tree the feed adapters read: elements with resolved namespaces,
//! inherited `xml:base` and `xml:lang`, and decoded text.
//!
//! The elements of a document live in one vector and its text nodes in
//! another (arenas), pointing at each other by index: building a feed of
//! thousands of items allocates a few growing vectors instead of a box, a
//! child list and an attribute list per element, and dropping it frees
//! those few vectors. Text borrows from the document where it can (`'a`):
//! a CDATA section or a run of text without entity references is not
//! copied at all, and adapters can hand it on borrowed
//! ([`Element::source_text`]).

use std::borrow::Cow;

/// "No node" / "no string" in the index fields.
pub(super) const NONE: u32 = u32::MAX;

/// Child links with this bit set point at a text node (its index in
/// [`Document::texts`]); without it, at an element. [`NONE`] has it too:
/// compare with `NONE` first.
pub(super) const TEXT: u32 = 1 << 31;

/// A parsed document.
#[derive(Debug)]
pub(crate) struct Document<'a> {
    /// The elements, by id.
    pub(super) nodes: Vec<Node<'a>>,
    /// The text nodes: kept apart from the elements, half their size, as
    /// a feed has about as many of each.
    pub(super) texts: Vec<TextNode<'a>>,
    pub(super) attrs: Vec<Attr<'a>>,
    /// Namespace URIs, by id ("" for none; an undeclared prefix is kept as
    /// `prefix:`): a feed names a handful of namespaces on thousands of
    /// elements, each element keeps an id.
    pub(super) namespaces: Vec<Box<str>>,
    /// Effective `xml:base` and `xml:lang` values, by id: every descendant
    /// shares its ancestor's.
    pub(super) strings: Vec<Box<str>>,
    pub(super) root: u32,
    /// Why the document is not well-formed XML, when it is not.
    pub malformed: Option<String>,
}

/// An element in the arena.
#[derive(Debug)]
pub(super) struct Node<'a> {
    /// The next sibling (a [`TEXT`] link for text), or [`NONE`].
    pub next: u32,
    /// The first child (a [`TEXT`] link for text), or [`NONE`].
    pub first_child: u32,
    /// The [`name_bit`]s of the child elements' names: a lookup of a
    /// child that is not there (most of an adapter's lookups: feeds use
    /// few of the elements it knows) costs one test, not a walk.
    pub child_names: u64,
    pub data: ElementData<'a>,
}

/// A run of decoded text (CDATA included); adjacent runs are merged.
#[derive(Debug)]
pub(super) struct TextNode<'a> {
    /// The next sibling, as in [`Node::next`].
    pub next: u32,
    pub text: Cow<'a, str>,
}

/// A hash of an element's local name, ASCII case ignored (FNV-1a): kept
/// with each element, so that a lookup by name compares one integer per
/// child before it compares names.
/// A `const fn`, so that adapters can match names against constants.
pub(crate) const fn name_hash(name: &str) -> u32 {
    let bytes = name.as_bytes();
    let mut hash = 0x811c_9dc5_u32;
    let mut at = 0;
    while at < bytes.len() {
        hash = (hash ^ bytes[at].to_ascii_lowercase() as u32).wrapping_mul(0x0100_0193);
        at += 1;
    }
    hash
}

/// Whether two names are the same, ASCII case ignored.
fn same_name(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// A name, its [`name_hash`] and the role it gives a child element: the
/// format adapters sort children with tables of these
/// ([`Element::role_in`]).
pub(crate) struct Named<R> {
    name: &'static str,
    hash: u32,
    role: R,
}

/// A [`Named`] entry, hashed at compile time.
pub(crate) const fn named<R: Copy>(name: &'static str, role: R) -> Named<R> {
    Named {
        name,
        hash: name_hash(name),
        role,
    }
}

/// One bit of 64 chosen by a [`name_hash`], for [`Node::child_names`].
pub(super) fn name_bit(hash: u32) -> u64 {
    1 << (hash >> 26)
}

#[derive(Debug)]
pub(super) struct ElementData<'a> {
    /// Namespace id.
    pub ns: u32,
    /// Local name (borrowed from the document).
    pub name: Cow<'a, str>,
    /// [`name_hash`] of `name`.
    pub name_hash: u32,
    /// This element's attributes: `attrs[start..end]`.
    pub attrs: (u32, u32),
    /// Effective `xml:base` (string id or [`NONE`]).
    pub base: u32,
    /// Effective `xml:lang` (string id or [`NONE`]).
    pub lang: u32,
}

static EMPTY: ElementData<'static> = ElementData {
    ns: NONE,
    name: Cow::Borrowed(""),
    name_hash: 0,
    attrs: (0, 0),
    base: NONE,
    lang: NONE,
};

/// An attribute: namespace id, local name, decoded value; names and values
/// without entity references are borrowed from the document.
#[derive(Debug)]
pub(super) struct Attr<'a> {
    pub ns: u32,
    pub local: Cow<'a, str>,
    pub value: Cow<'a, str>,
}

impl<'a> Document<'a> {
    /// The root element.
    pub fn root(&self) -> Element<'_, 'a> {
        match self.nodes.get(self.root as usize) {
            Some(node) => Element {
                doc: self,
                id: self.root,
                data: &node.data,
            },
            // The builder only returns documents with a root element.
            None => self.empty(),
        }
    }

    /// An element with no name, attributes or children, for "absent".
    pub fn empty(&self) -> Element<'_, 'a> {
        Element {
            doc: self,
            id: NONE,
            data: &EMPTY,
        }
    }

    /// Moves every element in namespace `from` to namespace `to` (a feed in
    /// an unknown variant of a format is read as that format).
    pub fn relabel_namespace(&mut self, from: &str, to: &str) {
        let Some(from) = self.namespaces.iter().position(|n| n.as_ref() == from) else {
            return;
        };
        let to = match self.namespaces.iter().position(|n| n.as_ref() == to) {
            Some(id) => id,
            None => {
                self.namespaces.push(to.into());
                self.namespaces.len() - 1
            }
        } as u32;
        for node in &mut self.nodes {
            if node.data.ns == from as u32 {
                node.data.ns = to;
            }
        }
    }

    fn string(&self, id: u32) -> Option<&str> {
        self.strings.get(id as usize).map(|s| s.as_ref())
    }
}

/// A child node, as the adapters see it.
#[derive(Clone, Copy)]
pub(crate) enum NodeRef<'d, 'a> {
    Element(Element<'d, 'a>),
    Text(&'d str),
}

/// An element of a [`Document`]: a cheap, copyable handle.
#[derive(Clone, Copy)]
pub(crate) struct Element<'d, 'a> {
    doc: &'d Document<'a>,
    id: u32,
    data: &'d ElementData<'a>,
}

impl std::fmt::Debug for Element<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{}> in {:?}", self.name(), self.ns())
    }
}

impl<'d, 'a> Element<'d, 'a> {
    /// Namespace URI ("" for none).
    pub fn ns(&self) -> &'d str {
        self.doc
            .namespaces
            .get(self.data.ns as usize)
            .map_or("", |n| n.as_ref())
    }

    /// Namespace id: `ns::id(uri)` for the namespaces veille knows.
    pub fn ns_id(&self) -> u32 {
        self.data.ns
    }

    /// An element of the same document with no name, attributes or
    /// children, standing for one that is absent.
    pub fn absent(&self) -> Element<'d, 'a> {
        self.doc.empty()
    }

    /// Local name.
    pub fn name(&self) -> &'d str {
        &self.data.name
    }

    /// Whether the local name is `name` (ASCII case ignored), given
    /// `hash`, its [`name_hash`]: an integer comparison rules out nearly
    /// every other name.
    pub fn has_name(&self, hash: u32, name: &str) -> bool {
        self.data.name_hash == hash && same_name(&self.data.name, name)
    }

    /// The role `table` gives this element's name (ASCII case ignored).
    pub fn role_in<R: Copy>(&self, table: &[Named<R>]) -> Option<R> {
        table
            .iter()
            .find(|n| self.has_name(n.hash, n.name))
            .map(|n| n.role)
    }

    /// Effective `xml:base` (inherited, resolved against the parent's).
    pub fn base(&self) -> Option<&'d str> {
        self.doc.string(self.data.base)
    }

    /// Effective `xml:lang` (inherited).
    pub fn lang(&self) -> Option<&'d str> {
        self.doc.string(self.data.lang)
    }

    /// Whether this element is `name` in one of `namespaces`. Names compare
    /// without regard to ASCII case: generators write `<TITLE>` and
    /// `<pubdate>` too.
    pub fn is(&self, namespaces: &[&str], name: &str) -> bool {
        same_name(&self.data.name, name) && {
            let ns = self.ns();
            namespaces
                .iter()
                .any(|n| n.len() == ns.len() && (n.is_empty() || *n == ns))
        }
    }

    /// Whether this element starts before `other` in the document.
    pub fn precedes(&self, other: Element<'_, '_>) -> bool {
        self.id < other.id
    }

    /// Children in document order.
    pub fn children(&self) -> impl Iterator<Item = NodeRef<'d, 'a>> + use<'d, 'a> {
        self.children_if(true)
    }

    /// Children in document order, or none at all when `any` is false.
    fn children_if(
        &self,
        any: bool,
    ) -> impl Iterator<Item = NodeRef<'d, 'a>> + Clone + use<'d, 'a> {
        let doc = self.doc;
        let mut at = match doc.nodes.get(self.id as usize) {
            Some(node) if any => node.first_child,
            _ => NONE,
        };
        std::iter::from_fn(move || {
            if at == NONE {
                return None;
            }
            if at & TEXT != 0 {
                let text = doc.texts.get((at & !TEXT) as usize)?;
                at = text.next;
                return Some(NodeRef::Text(&text.text));
            }
            let node = doc.nodes.get(at as usize)?;
            let id = at;
            at = node.next;
            Some(NodeRef::Element(Element {
                doc,
                id,
                data: &node.data,
            }))
        })
    }

    /// Child elements.
    pub fn elements(&self) -> impl Iterator<Item = Element<'d, 'a>> + use<'d, 'a> {
        self.elements_if(true)
    }

    fn elements_if(
        &self,
        any: bool,
    ) -> impl Iterator<Item = Element<'d, 'a>> + Clone + use<'d, 'a> {
        self.children_if(any).filter_map(|n| match n {
            NodeRef::Element(e) => Some(e),
            NodeRef::Text(_) => None,
        })
    }

    /// Whether a child element may have the name of [`name_hash`] `hash`
    /// (false: certainly not).
    fn may_have_child(&self, hash: u32) -> bool {
        self.doc
            .nodes
            .get(self.id as usize)
            .is_some_and(|n| n.child_names & name_bit(hash) != 0)
    }

    /// First child element `name` in one of `namespaces`.
    pub fn child(&self, namespaces: &[&str], name: &str) -> Option<Element<'d, 'a>> {
        self.children_named(namespaces, name).next()
    }

    /// All child elements `name` in one of `namespaces`.
    pub fn children_named<'s>(
        &self,
        namespaces: &'s [&'s str],
        name: &'s str,
    ) -> impl Iterator<Item = Element<'d, 'a>> + Clone + use<'s, 'd, 'a> {
        let hash = name_hash(name);
        self.elements_if(self.may_have_child(hash))
            .filter(move |e| e.data.name_hash == hash && e.is(namespaces, name))
    }

    /// Attributes: (namespace URI, local name, decoded value).
    pub fn attrs(&self) -> impl Iterator<Item = (&'d str, &'d str, &'d str)> + use<'d, 'a> {
        let doc = self.doc;
        let (start, end) = self.data.attrs;
        doc.attrs
            .get(start as usize..end as usize)
            .unwrap_or_default()
            .iter()
            .map(move |a| {
                let ns = doc.namespaces.get(a.ns as usize).map_or("", |n| n.as_ref());
                (ns, a.local.as_ref(), a.value.as_ref())
            })
    }

    /// An attribute without namespace.
    pub fn attr(&self, name: &str) -> Option<&'d str> {
        // Namespace id 0 is "no namespace"; lengths first, as most
        // attributes asked for are absent.
        let (start, end) = self.data.attrs;
        self.doc
            .attrs
            .get(start as usize..end as usize)
            .unwrap_or_default()
            .iter()
            .find(|a| a.ns == 0 && a.local.len() == name.len() && same_name(&a.local, name))
            .map(|a| a.value.as_ref())
    }

    /// All text inside, concatenated. Borrowed in the common case of a
    /// single text child, so reading a large description copies nothing.
    pub fn text(&self) -> Cow<'d, str> {
        let mut children = self.children();
        match (children.next(), children.next()) {
            (None, _) => Cow::Borrowed(""),
            (Some(NodeRef::Text(t)), None) => Cow::Borrowed(t),
            _ => {
                let mut out = String::new();
                self.collect_text(&mut out);
                Cow::Owned(out)
            }
        }
    }

    /// The text inside when it is one span of the document's source (a
    /// CDATA section, text without references), which can outlive the
    /// tree; `None` for anything else (decoded or assembled text).
    pub fn source_text(&self) -> Option<&'a str> {
        let first = self.doc.nodes.get(self.id as usize)?.first_child;
        if first == NONE || first & TEXT == 0 {
            return None;
        }
        match self.doc.texts.get((first & !TEXT) as usize)? {
            TextNode {
                next: NONE,
                text: Cow::Borrowed(source),
            } => Some(source),
            _ => None,
        }
    }

    fn collect_text(&self, out: &mut String) {
        for node in self.children() {
            match node {
                NodeRef::Text(t) => out.push_str(t),
                NodeRef::Element(e) => e.collect_text(out),
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
        for node in self.children() {
            write_node(node, self.ns(), &mut out);
        }
        out
    }
}

fn write_node(node: NodeRef<'_, '_>, parent_ns: &str, out: &mut String) {
    match node {
        NodeRef::Text(t) => out.push_str(&html_escape::encode_text(t)),
        NodeRef::Element(e) => {
            let name = e.name();
            let ns = e.ns();
            out.push('<');
            out.push_str(name);
            // A foreign vocabulary (SVG, MathML) keeps its namespace.
            let foreign = !ns.is_empty() && ns != super::ns::XHTML && !ns.ends_with(':');
            if foreign && ns != parent_ns {
                out.push_str(" xmlns=\"");
                out.push_str(&html_escape::encode_double_quoted_attribute(ns));
                out.push('"');
            }
            for (attr_ns, attr, value) in e.attrs() {
                if attr_ns.is_empty() || attr_ns == super::ns::XHTML {
                    let value = match e.base() {
                        Some(base) if crate::parse::html_urls::is_url_attribute(attr) => {
                            crate::parse::html_urls::resolve_against(base, value)
                        }
                        _ => value.to_string(),
                    };
                    out.push(' ');
                    out.push_str(attr);
                    out.push_str("=\"");
                    out.push_str(&html_escape::encode_double_quoted_attribute(&value));
                    out.push('"');
                }
            }
            let mut children = e.children().peekable();
            if children.peek().is_none() && VOID.contains(&name) {
                out.push_str(" />");
                return;
            }
            out.push('>');
            for child in children {
                write_node(child, ns, out);
            }
            out.push_str("</");
            out.push_str(name);
            out.push('>');
        }
    }
}

/// HTML elements that have no end tag.
const VOID: &[&str] = &[
    "br", "hr", "img", "input", "meta", "link", "area", "base", "col", "embed", "param", "source",
    "track", "wbr",
];
