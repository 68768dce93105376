//! Building the tree from quick-xml events, recovering from breakage:
//! elements opened and closed here (mismatched and missing end tags
//! repaired), their attributes in `attributes`, namespaces and names in
//! `names`, text runs and entity references in `text_run`, and text kept
//! as slices of the document in `slices`.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use std::borrow::Cow;

mod attributes;
mod names;
mod slices;
mod text_run;

use super::dtd::Entities;
use super::entities;
use super::repair;
use super::repair::repair_text;
use super::tree::{Attr, Document, ElementData, NONE, Node, TEXT, TextNode, name_bit, name_hash};
use super::{MAX_DEPTH, ns};
use names::{resolve_base, split};
use slices::{borrow_from, owned, utf8};
use text_run::TextRun;

/// Distinct problems described in `Document::malformed`.
const MAX_NOTED: usize = 4;

/// Gives up after this many XML errors in one document.
const MAX_ERRORS: usize = 64;

/// An element being built: its node, its last child so far (children are
/// linked as they come), its raw qualified name (to match the end tag)
/// and where its namespace declarations start in [`Builder::decls`].
struct Open<'a> {
    id: u32,
    last_child: u32,
    qname: Cow<'a, str>,
    decls_from: usize,
    /// The element's effective `xml:base` and `xml:lang` (string ids), which
    /// its children inherit.
    base: u32,
    lang: u32,
}

struct Builder<'a> {
    /// The document text, which names and text are borrowed from.
    source: &'a str,
    nodes: Vec<Node<'a>>,
    texts: Vec<TextNode<'a>>,
    attrs: Vec<Attr<'a>>,
    /// Namespace URIs by id; id 0 is "" (no namespace).
    namespaces: Vec<Box<str>>,
    /// `xml:base` and `xml:lang` values by id.
    strings: Vec<Box<str>>,
    stack: Vec<Open<'a>>,
    /// Namespace declarations in scope (prefix, namespace id), outermost
    /// first; an element's own are dropped when it closes.
    decls: Vec<(Cow<'a, str>, u32)>,
    /// Scratch space: the prefixes of the attributes of the element being
    /// opened, resolved once its own declarations are known.
    prefixes: Vec<Cow<'a, str>>,
    /// The id of the XML namespace (`xml:base`, `xml:lang`).
    xml_ns: u32,
    root: u32,
    /// Entities declared in the document's internal DTD subset.
    entities: Entities,
    malformed: Option<String>,
    problems: usize,
}

/// The namespace id of "no namespace".
const NO_NS: u32 = 0;

impl<'a> Builder<'a> {
    fn new(source: &'a str) -> Self {
        let mut b = Builder {
            source,
            // About one element and one text node per 100 to 200 bytes in
            // news feeds, an attribute per 250 in Atom: one allocation each
            // up front instead of a dozen doublings (pages never written
            // are never touched).
            nodes: Vec::with_capacity(source.len() / 128),
            texts: Vec::with_capacity(source.len() / 128),
            attrs: Vec::with_capacity(source.len() / 256),
            namespaces: vec!["".into()],
            strings: Vec::new(),
            stack: Vec::new(),
            decls: Vec::new(),
            prefixes: Vec::new(),
            xml_ns: NONE,
            root: NONE,
            entities: Entities::default(),
            malformed: None,
            problems: 0,
        };
        // The known namespaces take the ids `ns::id` gives them.
        for uri in ns::KNOWN {
            b.intern(uri);
        }
        b.xml_ns = ns::id(ns::XML);
        b
    }

    /// Records a problem; the first few distinct ones are kept, so the
    /// message says what to fix without growing with the document.
    fn note(&mut self, problem: impl FnOnce() -> String) {
        self.problems += 1;
        if self.problems > MAX_NOTED {
            return;
        }
        let problem = problem();
        match &mut self.malformed {
            None => self.malformed = Some(problem),
            Some(text) if !text.contains(&problem) => {
                text.push_str("; ");
                text.push_str(&problem);
            }
            Some(_) => {}
        }
    }

    fn string(&self, id: u32) -> Option<&str> {
        self.strings.get(id as usize).map(|s| s.as_ref())
    }

    fn add_string(&mut self, value: String) -> u32 {
        self.strings.push(value.into());
        (self.strings.len() - 1) as u32
    }

    /// A new element's id, or an error past what the indices can hold (a
    /// document of gigabytes, which the fetcher never accepts).
    fn push_node(&mut self, node: Node<'a>) -> Result<u32, String> {
        let id = u32::try_from(self.nodes.len())
            .ok()
            .filter(|id| *id < TEXT)
            .ok_or("document has too many elements")?;
        self.nodes.push(node);
        Ok(id)
    }

    /// A new text node's link ([`TEXT`] set), with the same limit.
    fn push_text(&mut self, text: Cow<'a, str>) -> Result<u32, String> {
        let index = u32::try_from(self.texts.len())
            .ok()
            .filter(|index| (*index | TEXT) < NONE)
            .ok_or("document has too many text nodes")?;
        self.texts.push(TextNode { next: NONE, text });
        Ok(index | TEXT)
    }

    /// Links node `id` as the last child of the open element `stack[at]`;
    /// `name_bit` is the child's [`name_bit`] (0 for text).
    fn link(&mut self, at: usize, id: u32, name_bit: u64) {
        let Some(open) = self.stack.get_mut(at) else {
            return;
        };
        if let Some(parent) = self.nodes.get_mut(open.id as usize) {
            parent.child_names |= name_bit;
        }
        let previous = std::mem::replace(&mut open.last_child, id);
        let slot = if previous == NONE {
            self.nodes
                .get_mut(open.id as usize)
                .map(|n| &mut n.first_child)
        } else if previous & TEXT != 0 {
            self.texts
                .get_mut((previous & !TEXT) as usize)
                .map(|t| &mut t.next)
        } else {
            self.nodes.get_mut(previous as usize).map(|n| &mut n.next)
        };
        if let Some(slot) = slot {
            *slot = id;
        }
    }

    fn open(&mut self, start: &BytesStart<'_>) -> Result<(), String> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(format!("elements nested deeper than {MAX_DEPTH} levels"));
        }
        let qname = borrow_from(self.source, start.name().as_ref());
        let decls_from = self.decls.len();
        let attrs_from = self.attrs.len();
        // Most elements of a feed have no attribute at all.
        let has_attributes = start
            .attributes_raw()
            .iter()
            .any(|b| !b.is_ascii_whitespace());
        let mut has_xml_attribute = false;
        if has_attributes {
            has_xml_attribute = self.read_attributes(start, &qname);
        }
        let (prefix, local) = split(qname.clone());
        let element_ns = self.lookup(&prefix);
        let (base, lang) = self.base_and_lang(attrs_from, has_xml_attribute);
        let attrs = (attrs_from as u32, self.attrs.len() as u32);
        let hash = name_hash(&local);
        let id = self.push_node(Node {
            next: NONE,
            first_child: NONE,
            child_names: 0,
            data: ElementData {
                ns: element_ns,
                name: local,
                name_hash: hash,
                attrs,
                base,
                lang,
            },
        })?;
        match self.stack.len() {
            0 if self.root == NONE => self.root = id,
            // Kept out of the tree: nothing links to it.
            0 => self.note(|| "content after the root element".into()),
            depth => self.link(depth - 1, id, name_bit(hash)),
        }
        self.stack.push(Open {
            id,
            last_child: NONE,
            qname,
            decls_from,
            base,
            lang,
        });
        Ok(())
    }

    /// The `xml:base` and `xml:lang` of the element being opened (whose
    /// attributes start at `attrs_from`): its own, else its parent's.
    fn base_and_lang(&mut self, attrs_from: usize, has_xml_attribute: bool) -> (u32, u32) {
        let (parent_base, parent_lang) = self
            .stack
            .last()
            .map_or((NONE, NONE), |open| (open.base, open.lang));
        let (mut base, mut lang) = (parent_base, parent_lang);
        if !has_xml_attribute {
            return (base, lang);
        }
        let own = self.attrs.get(attrs_from..).unwrap_or_default();
        let xml_attr = |name: &str| {
            own.iter()
                .find(|a| a.ns == self.xml_ns && a.local == name)
                .map(|a| a.value.trim().to_string())
        };
        let (own_base, own_lang) = (xml_attr("base"), xml_attr("lang"));
        if let Some(b) = own_base {
            let resolved = resolve_base(self.string(parent_base), &b);
            base = self.add_string(resolved);
        }
        match own_lang {
            Some(l) if l.is_empty() => lang = NONE,
            Some(l) => lang = self.add_string(l),
            None => {}
        }
        (base, lang)
    }

    fn close_top(&mut self) {
        if let Some(open) = self.stack.pop() {
            self.decls.truncate(open.decls_from);
        }
    }

    /// Closes the element an end tag names (as its bytes): the innermost
    /// open one of that name, closing any left open inside it.
    fn close(&mut self, qname: &[u8]) {
        let name = || String::from_utf8_lossy(qname).into_owned();
        // The element being closed is nearly always the last one opened.
        let at = match self.stack.last() {
            Some(open) if open.qname.as_bytes() == qname => Some(self.stack.len() - 1),
            _ => self
                .stack
                .iter()
                .rposition(|open| open.qname.as_bytes() == qname),
        };
        match at {
            Some(at) => {
                if at + 1 != self.stack.len() {
                    let open = self
                        .stack
                        .last()
                        .map(|open| open.qname.clone())
                        .unwrap_or_default();
                    self.note(|| {
                        format!(
                            "</{}> closes <{}>, which was never closed",
                            crate::untrusted::name(&name()),
                            crate::untrusted::name(&open)
                        )
                    });
                }
                while self.stack.len() > at {
                    self.close_top();
                }
            }
            None => self.note(|| {
                format!(
                    "end tag </{}> without a start tag",
                    crate::untrusted::name(&name())
                )
            }),
        }
    }

    /// Appends text to the open element; the first piece is kept borrowed
    /// from the document, a second one turns it into an owned string.
    fn text(&mut self, text: Cow<'a, str>) {
        // Whitespace between the items of a channel (or the entries of a
        // feed) means nothing; dropping it keeps those long child lists small.
        if self.stack.len() <= 2 && text.trim().is_empty() {
            return;
        }
        let Some(open) = self.stack.last() else {
            return;
        };
        let last = open.last_child;
        if last != NONE
            && last & TEXT != 0
            && let Some(previous) = self.texts.get_mut((last & !TEXT) as usize)
        {
            owned(&mut previous.text, text.len()).push_str(&text);
            return;
        }
        let Ok(id) = self.push_text(text) else {
            self.note(|| "document has too many text nodes".into());
            return;
        };
        self.link(self.stack.len() - 1, id, 0);
    }
}

/// Parses `text` into a tree, recovering from common breakage. Fails only
/// when no element could be read at all, or on nesting beyond
/// [`MAX_DEPTH`].
pub(crate) fn parse_document(text: &str) -> Result<Document<'_>, String> {
    let mut reader = Reader::from_str(text);
    let config = reader.config_mut();
    config.allow_dangling_amp = true;
    config.allow_unmatched_ends = true;
    config.check_end_names = false;
    let mut b = Builder::new(text);
    read_events(&mut reader, &mut b, text)?;
    b.finish()
}

/// Feeds every event of `reader` to the builder; stops at the end, or
/// after [`MAX_ERRORS`] errors or one the reader cannot get past.
fn read_events<'a>(
    reader: &mut Reader<&'a [u8]>,
    b: &mut Builder<'a>,
    text: &'a str,
) -> Result<(), String> {
    let mut run = TextRun::default();
    let mut errors = 0;
    loop {
        let before = reader.buffer_position();
        let event = reader.read_event();
        match &event {
            Ok(Event::Text(t)) => {
                run.text(b, t.as_ref());
                continue;
            }
            Ok(Event::GeneralRef(r)) => {
                run.reference(b, r.as_ref());
                continue;
            }
            _ => run.flush(b),
        }
        match event {
            Ok(Event::Start(e)) => b.open(&e)?,
            Ok(Event::Empty(e)) => {
                b.open(&e)?;
                b.close_top();
            }
            Ok(Event::End(e)) => b.close(e.name().as_ref()),
            Ok(Event::CData(t)) => b.text(repair_text(utf8(text, t.into_inner()))),
            Ok(Event::DocType(d)) if b.root == NONE => b.doctype(&utf8(text, d.into_inner())),
            Ok(Event::Eof) => return Ok(()),
            Ok(_) => {}
            Err(e) => {
                b.note(|| format!("{e} (at byte {before})"));
                errors += 1;
                if errors >= MAX_ERRORS || reader.buffer_position() == before {
                    return Ok(());
                }
            }
        }
    }
}

impl<'a> Builder<'a> {
    /// Declares the entities of the DOCTYPE's internal subset.
    fn doctype(&mut self, doctype: &str) {
        let mut refused = Vec::new();
        self.entities
            .declare(doctype, self.source.len(), |problem| refused.push(problem));
        for problem in refused {
            self.note(|| problem);
        }
    }

    /// The tree, with what was wrong with the document noted.
    fn finish(mut self) -> Result<Document<'a>, String> {
        if let Some(name) = self.entities.over_budget() {
            let name = name.to_string();
            self.note(|| {
                format!("entity expansion limit reached at &{name}; (later uses kept as written)")
            });
        }
        if let Some(open) = self.stack.first() {
            let q = open.qname.clone();
            self.note(|| format!("document ends before <{q}> is closed (truncated?)"));
        }
        if self.root == NONE {
            return Err(self.malformed.unwrap_or_else(|| "no root element".into()));
        }
        Ok(Document {
            nodes: self.nodes,
            texts: self.texts,
            attrs: self.attrs,
            namespaces: self.namespaces,
            strings: self.strings,
            root: self.root,
            malformed: self.malformed,
        })
    }
}

#[cfg(test)]
mod tests;
