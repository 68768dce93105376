//! Building the tree from quick-xml events, recovering from breakage.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use std::borrow::Cow;
use url::Url;

use super::dtd::Entities;
use super::entities::{decode_text, is_xml_entity, resolve, resolve_char};
use super::repair::{repair_mojibake, repair_text};
use super::tree::{Attr, Document, ElementData, NONE, Node, TEXT, TextNode, name_bit, name_hash};
use super::{MAX_DEPTH, ns};

/// Distinct problems described in `Document::malformed`.
const MAX_NOTED: usize = 4;

/// Gives up after this many XML errors in one document.
const MAX_ERRORS: usize = 64;

/// Prefixes so common that feeds use them without declaring them.
fn conventional(prefix: &str) -> Option<&'static str> {
    Some(match prefix {
        "dc" => ns::DC,
        "dcterms" => ns::DCTERMS,
        "content" => ns::CONTENT,
        "media" => ns::MEDIA,
        "itunes" => ns::ITUNES,
        "atom" => ns::ATOM,
        "rdf" => ns::RDF,
        "xhtml" => ns::XHTML,
        "xml" => ns::XML,
        _ => return None,
    })
}

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

    /// The id of namespace `uri`.
    fn intern(&mut self, uri: &str) -> u32 {
        if let Some(known) = self.namespaces.iter().position(|n| n.as_ref() == uri) {
            return known as u32;
        }
        self.namespaces.push(uri.into());
        (self.namespaces.len() - 1) as u32
    }

    /// The namespace `prefix` stands for, the element being opened's own
    /// declarations included (they are already in `decls`).
    fn lookup(&mut self, prefix: &str) -> u32 {
        if prefix.is_empty() && self.decls.is_empty() {
            return NO_NS;
        }
        // Lengths first: the common lookup is of the default namespace
        // (""), and a call to compare no bytes measured surprisingly dear.
        if let Some((_, id)) = self
            .decls
            .iter()
            .rev()
            .find(|(p, _)| p.len() == prefix.len() && (prefix.is_empty() || p == prefix))
        {
            return *id;
        }
        match (prefix, conventional(prefix)) {
            ("", _) => NO_NS,
            (_, Some(uri)) => self.intern(uri),
            (p, None) => self.intern(&format!("{p}:")),
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
        let (parent_base, parent_lang) = self
            .stack
            .last()
            .map_or((NONE, NONE), |open| (open.base, open.lang));
        let (mut base, mut lang) = (parent_base, parent_lang);
        if has_xml_attribute {
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
        }
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

    /// Reads the attributes of the element being opened: namespace
    /// declarations go to `decls`, the others to `attrs` with their
    /// namespace resolved once the element's own declarations are known.
    /// Returns whether one is in the XML namespace (`xml:base`, `xml:lang`).
    fn read_attributes(&mut self, start: &BytesStart<'_>, qname: &str) -> bool {
        let attrs_from = self.attrs.len();
        let mut prefixes = std::mem::take(&mut self.prefixes);
        prefixes.clear();
        for attr in start.attributes().with_checks(false) {
            let Ok(attr) = attr else {
                self.note(|| format!("malformed attribute in <{}>", crate::untrusted::name(qname)));
                continue;
            };
            let key = borrow_from(self.source, attr.key.as_ref());
            let value = match &attr.value {
                Cow::Borrowed(v) => borrow_from(self.source, v),
                Cow::Owned(v) => Cow::Owned(String::from_utf8_lossy(v).into_owned()),
            };
            let value = if value.contains('&') {
                let entities = &mut self.entities;
                Cow::Owned(decode_text(&value, |name| {
                    entities.take(name).map(Cow::into_owned)
                }))
            } else {
                value
            };
            let (prefix, local) = split(key);
            if prefix.is_empty() && local == "xmlns" {
                let uri = self.intern(&canonical_ns(&value));
                self.decls.push((Cow::Borrowed(""), uri));
            } else if prefix == "xmlns" {
                let uri = self.intern(&canonical_ns(&value));
                self.decls.push((local, uri));
            } else {
                prefixes.push(prefix);
                self.attrs.push(Attr {
                    ns: NO_NS,
                    local,
                    value,
                });
            }
        }
        let mut has_xml_attribute = false;
        for (offset, prefix) in prefixes.iter().enumerate() {
            if !prefix.is_empty() {
                let id = self.lookup(prefix);
                has_xml_attribute |= id == self.xml_ns;
                if let Some(attr) = self.attrs.get_mut(attrs_from + offset) {
                    attr.ns = id;
                }
            }
        }
        self.prefixes = prefixes;
        has_xml_attribute
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

/// Maps spelling variants of known namespaces (case, trailing `/` or `#`,
/// as written by careless generators) to the one constant the adapters
/// compare with.
fn canonical_ns(uri: &str) -> String {
    let key = |u: &str| u.trim().trim_end_matches(['/', '#']).to_ascii_lowercase();
    let wanted = key(uri);
    ns::KNOWN
        .iter()
        .find(|known| key(known) == wanted)
        .map_or_else(|| uri.trim().to_string(), |known| known.to_string())
}

/// Event bytes as text. They come from a `&str`, so this is validation
/// only; `from_utf8` is much faster than the lossy path it falls back to.
fn utf8<'a>(source: &'a str, bytes: Cow<'a, [u8]>) -> Cow<'a, str> {
    match bytes {
        Cow::Borrowed(b) => match subslice(source, b) {
            Some(text) => Cow::Borrowed(text),
            None => String::from_utf8_lossy(b),
        },
        Cow::Owned(b) => Cow::Owned(String::from_utf8_lossy(&b).into_owned()),
    }
}

/// Bytes of an event (a name, most often) as text borrowed from the source
/// when they are a slice of it, else copied.
fn borrow_from<'a>(source: &'a str, bytes: &[u8]) -> Cow<'a, str> {
    match subslice(source, bytes) {
        Some(text) => Cow::Borrowed(text),
        None => Cow::Owned(String::from_utf8_lossy(bytes).into_owned()),
    }
}

/// `bytes` as the `&str` it was cut from: event bytes borrowed from the
/// source text are a slice of it, so their position gives the text back
/// without validating it a second time (slicing checks char boundaries).
fn subslice<'a>(source: &'a str, bytes: &[u8]) -> Option<&'a str> {
    let start = (bytes.as_ptr() as usize).checked_sub(source.as_ptr() as usize)?;
    source
        .get(start..start.checked_add(bytes.len())?)
        .filter(|s| s.as_ptr() == bytes.as_ptr())
}

/// The text node as an owned string, ready for `more` bytes. A borrowed
/// node becomes owned with room to spare: text split by entity references
/// arrives in many small pieces.
fn owned<'t>(node: &'t mut Cow<'_, str>, more: usize) -> &'t mut String {
    if let Cow::Borrowed(b) = node {
        let mut s = String::with_capacity((b.len() + more).max(64) * 2);
        s.push_str(b);
        *node = Cow::Owned(s);
    }
    node.to_mut()
}

/// A qualified name's prefix ("" for none) and local name, borrowed when
/// the name is.
fn split(qname: Cow<'_, str>) -> (Cow<'_, str>, Cow<'_, str>) {
    // Names are short: a plain byte loop beats a general substring search.
    let colon = qname.bytes().position(|b| b == b':');
    match qname {
        Cow::Borrowed(q) => match colon {
            Some(at) => (
                Cow::Borrowed(q.get(..at).unwrap_or_default()),
                Cow::Borrowed(q.get(at + 1..).unwrap_or_default()),
            ),
            None => (Cow::Borrowed(""), Cow::Borrowed(q)),
        },
        Cow::Owned(q) => match q.split_once(':') {
            Some((p, l)) => (Cow::Owned(p.to_string()), Cow::Owned(l.to_string())),
            None => (Cow::Borrowed(""), Cow::Owned(q)),
        },
    }
}

fn resolve_base(parent: Option<&str>, base: &str) -> String {
    if let Ok(abs) = Url::parse(base) {
        return abs.to_string();
    }
    parent
        .and_then(|p| Url::parse(p).ok())
        .and_then(|p| p.join(base).ok())
        .map_or_else(|| base.to_string(), |u| u.to_string())
}

/// A run of character data in the document, entity references included:
/// quick-xml splits text at every reference (an escaped HTML description
/// is hundreds of events). A run without references stays a span of the
/// document, handed over borrowed; from its first reference on, the run
/// is decoded as it comes into a buffer reused from run to run.
#[derive(Default)]
struct TextRun {
    start: usize,
    end: usize,
    /// The run decoded so far, once it has a reference.
    decoded: String,
    has_ref: bool,
    /// Whether a reference gave a character that starts a UTF-8 sequence
    /// read as windows-1252 (Â–ô): only then can the run be mojibake.
    may_be_mojibake: bool,
}

impl TextRun {
    /// Extends the run with `piece` (a slice of `source`, widened by `pad`
    /// bytes on each side); false when the piece does not continue the run
    /// or is not a slice of the document.
    fn extend(&mut self, source: &str, piece: &[u8], pad: usize) -> bool {
        let Some(start) = (piece.as_ptr() as usize)
            .checked_sub(source.as_ptr() as usize)
            .and_then(|s| s.checked_sub(pad))
        else {
            return false;
        };
        let end = start + piece.len() + 2 * pad;
        if end > source.len() {
            return false;
        }
        if self.start == self.end {
            (self.start, self.end) = (start, end);
            true
        } else if start == self.end {
            self.end = end;
            true
        } else {
            false
        }
    }

    /// Adds a piece of text (a text event's bytes).
    fn text(&mut self, b: &mut Builder<'_>, piece: &[u8]) {
        let from = self.end;
        if self.extend(b.source, piece, 0) {
            if self.has_ref {
                self.decoded
                    .push_str(b.source.get(from..self.end).unwrap_or_default());
            }
            return;
        }
        self.flush(b);
        if !self.extend(b.source, piece, 0) {
            b.text(Cow::Owned(String::from_utf8_lossy(piece).into_owned()));
        }
    }

    /// Adds an entity reference (a reference event's name).
    fn reference(&mut self, b: &mut Builder<'_>, name: &[u8]) {
        if !self.extend(b.source, name, 1) {
            self.flush(b);
            if !self.extend(b.source, name, 1) {
                b.text(resolve(&String::from_utf8_lossy(name)));
                return;
            }
        }
        // `&name;` is `source[amp..self.end]`.
        let amp = self.end - name.len() - 2;
        if !self.has_ref {
            self.has_ref = true;
            self.decoded.clear();
            self.decoded
                .push_str(b.source.get(self.start..amp).unwrap_or_default());
        }
        let Some(name) = b.source.get(amp + 1..self.end - 1) else {
            return;
        };
        // A name of at most 32 bytes without a space, `&` or `<`; anything
        // else is kept as written.
        if name.is_empty() || name.len() > 32 || name.contains([' ', '&', '<']) {
            self.decoded.push('&');
            self.decoded.push_str(name);
            self.decoded.push(';');
            return;
        }
        match resolve_char(name) {
            Some(c) => {
                self.may_be_mojibake |= ('Â'..='ô').contains(&c);
                self.decoded.push(c);
            }
            None => {
                if let Some(text) = b.entities.take(name) {
                    self.decoded.push_str(&text);
                    return;
                }
                if !is_xml_entity(name) {
                    b.note(|| format!("undefined entity &{name};"));
                }
                let text = resolve(name);
                self.may_be_mojibake |= text.chars().any(|c| ('Â'..='ô').contains(&c));
                self.decoded.push_str(&text);
            }
        }
    }

    /// Hands the run, if any, to the open element (before any other event).
    #[inline]
    fn flush(&mut self, b: &mut Builder<'_>) {
        if self.start != self.end {
            self.hand_over(b);
        }
    }

    /// Hands the run, decoded, to the open element.
    fn hand_over(&mut self, b: &mut Builder<'_>) {
        let (start, end) = (self.start, self.end);
        (self.start, self.end) = (0, 0);
        if std::mem::take(&mut self.has_ref) {
            let decoded = self.decoded.clone();
            let decoded = if std::mem::take(&mut self.may_be_mojibake) {
                repair_mojibake(decoded)
            } else {
                decoded
            };
            b.text(repair_text(Cow::Owned(decoded)));
        } else if let Some(raw) = b.source.get(start..end) {
            b.text(repair_text(Cow::Borrowed(raw)));
        }
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
    let mut run = TextRun::default();
    let mut errors = 0;
    loop {
        let before = reader.buffer_position();
        let event = reader.read_event();
        match &event {
            Ok(Event::Text(t)) => {
                run.text(&mut b, t.as_ref());
                continue;
            }
            Ok(Event::GeneralRef(r)) => {
                run.reference(&mut b, r.as_ref());
                continue;
            }
            _ => run.flush(&mut b),
        }
        match event {
            Ok(Event::Start(e)) => b.open(&e)?,
            Ok(Event::Empty(e)) => {
                b.open(&e)?;
                b.close_top();
            }
            Ok(Event::End(e)) => b.close(e.name().as_ref()),
            Ok(Event::CData(t)) => b.text(repair_text(utf8(text, t.into_inner()))),
            Ok(Event::DocType(d)) if b.root == NONE => {
                let doctype = utf8(text, d.into_inner());
                let mut refused = Vec::new();
                b.entities
                    .declare(&doctype, text.len(), |problem| refused.push(problem));
                for problem in refused {
                    b.note(|| problem);
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => {
                b.note(|| format!("{e} (at byte {before})"));
                errors += 1;
                if errors >= MAX_ERRORS || reader.buffer_position() == before {
                    break;
                }
            }
        }
    }
    if let Some(name) = b.entities.over_budget() {
        let name = name.to_string();
        b.note(|| {
            format!("entity expansion limit reached at &{name}; (later uses kept as written)")
        });
    }
    if let Some(open) = b.stack.first() {
        let q = open.qname.clone();
        b.note(|| format!("document ends before <{q}> is closed (truncated?)"));
    }
    if b.root == NONE {
        return Err(b.malformed.unwrap_or_else(|| "no root element".into()));
    }
    Ok(Document {
        nodes: b.nodes,
        texts: b.texts,
        attrs: b.attrs,
        namespaces: b.namespaces,
        strings: b.strings,
        root: b.root,
        malformed: b.malformed,
    })
}

#[cfg(test)]
mod tests {
    use super::parse_document;

    #[test]
    fn recovers_undefined_entities_bare_ampersands_and_truncation() {
        let doc = parse_document("<rss><channel><title>Caf&eacute; & th&eacute;</title><item><title>One</title></item><item><title>Tw").unwrap();
        let channel = doc.root().elements().next().unwrap();
        assert_eq!(channel.elements().next().unwrap().text(), "Café & thé");
        assert_eq!(channel.elements().count(), 3);
        assert!(doc.malformed.is_some());
    }

    #[test]
    fn namespaces_base_and_lang_are_inherited() {
        let doc = parse_document(
            r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://e.org/a/" xml:lang="fr"><entry xml:base="b/"><x:y xmlns:x="urn:x"/></entry></feed>"#,
        )
        .unwrap();
        assert!(doc.malformed.is_none());
        let entry = doc.root().elements().next().unwrap();
        assert_eq!(entry.ns(), "http://www.w3.org/2005/Atom");
        assert_eq!(entry.base(), Some("http://e.org/a/b/"));
        assert_eq!(entry.lang(), Some("fr"));
        assert_eq!(entry.elements().next().unwrap().ns(), "urn:x");
    }

    #[test]
    fn mojibake_from_references_is_repaired_text_as_written_is_not() {
        let doc = parse_document(
            "<r><a>caf&#195;&#169; &amp; co</a><b>caf\u{c3}\u{a9} &amp; co</b><c>&lt;p&gt;d&#233;j&#224;</c></r>",
        )
        .unwrap();
        let texts: Vec<String> = doc
            .root()
            .elements()
            .map(|e| e.text().into_owned())
            .collect();
        assert_eq!(texts, ["café & co", "caf\u{c3}\u{a9} & co", "<p>déjà"]);
    }

    #[test]
    fn lookups_find_names_in_any_case_and_only_in_the_namespaces_asked() {
        let doc = parse_document(
            r#"<rss xmlns:dc="http://purl.org/dc/elements/1.1/"><item>t1<TITLE>A</TITLE><dc:title>B</dc:title><category>x</category>t2<Category>y</Category></item></rss>"#,
        )
        .unwrap();
        let item = doc.root().elements().next().unwrap();
        let dc: &[&str] = &["http://purl.org/dc/elements/1.1/"];
        assert_eq!(item.child(&[""], "title").unwrap().text(), "A");
        assert_eq!(item.child(dc, "title").unwrap().text(), "B");
        assert!(item.child(dc, "category").is_none());
        assert!(item.child(&[""], "link").is_none());
        let categories: Vec<String> = item
            .children_named(&[""], "category")
            .map(|c| c.text().into_owned())
            .collect();
        assert_eq!(categories, ["x", "y"]);
        assert_eq!(item.text(), "t1ABxt2y");
        assert_eq!(item.elements().count(), 4);
    }

    #[test]
    fn known_namespaces_have_the_ids_adapters_compare_with() {
        use super::ns;
        // The Atom URI is misspelt (trailing slash) as some feeds do.
        let doc = parse_document(
            r#"<rss xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:a="http://www.w3.org/2005/Atom/"><dc:creator/><a:link/><x/><y:z xmlns:y="urn:y"/></rss>"#,
        )
        .unwrap();
        let ids: Vec<u32> = doc.root().elements().map(|e| e.ns_id()).collect();
        assert_eq!(ids[..3], [ns::id(ns::DC), ns::id(ns::ATOM), 0]);
        assert!(ids[3] as usize > ns::KNOWN.len());
        for uri in ns::KNOWN {
            assert_eq!(ns::KNOWN[ns::id(uri) as usize - 1], *uri);
        }
    }

    #[test]
    fn deep_nesting_is_refused() {
        let deep = "<a>".repeat(10_000);
        assert!(parse_document(&deep).is_err());
    }

    #[test]
    fn billion_laughs_is_not_expanded() {
        let mut doc = String::from(r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">"#);
        for level in 1..=9 {
            let uses = format!("&lol{};", level - 1).repeat(10);
            doc.push_str(&format!("<!ENTITY lol{level} \"{uses}\">"));
        }
        doc.push_str("]><rss><a>&lol9;</a><b>&lol2;</b></rss>");
        let parsed = parse_document(&doc).unwrap();
        let mut children = parsed.root().elements();
        assert_eq!(children.next().unwrap().text(), "&lol9;");
        assert_eq!(children.next().unwrap().text(), "lol".repeat(100));
        assert!(parsed.malformed.as_deref().unwrap().contains("&lol4;"));
    }

    #[test]
    fn declared_entities_are_expanded_in_text_and_attributes() {
        let doc = r#"<!DOCTYPE rss [
  <!ENTITY id "tag:example.com,">
]>
<rss><guid>&id;2006-05-04:/blog/</guid><t>&#233;&amp;</t><link href="&id;x?a=1&amp;b=2"/></rss>"#;
        let parsed = parse_document(doc).unwrap();
        assert!(parsed.malformed.is_none(), "{:?}", parsed.malformed);
        let link = parsed.root().elements().nth(2).unwrap();
        assert_eq!(link.attr("href"), Some("tag:example.com,x?a=1&b=2"));
        let mut children = parsed.root().elements();
        assert_eq!(
            children.next().unwrap().text(),
            "tag:example.com,2006-05-04:/blog/"
        );
        assert_eq!(children.next().unwrap().text(), "é&");
    }
}
