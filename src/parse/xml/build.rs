//! Building the tree from quick-xml events, recovering from breakage.

use std::borrow::Cow;
use std::rc::Rc;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use url::Url;

use super::entities::{decode_text, is_xml_entity, resolve, resolve_char};
use super::{Document, Element, MAX_DEPTH, Node, ns};

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

/// An open element, with its raw qualified name and the namespace
/// declarations (prefix, URI) it made.
type Open<'a> = (Element<'a>, Cow<'a, str>, Vec<(Cow<'a, str>, Rc<str>)>);

struct Builder<'a> {
    /// The document text, which names and text are borrowed from.
    source: &'a str,
    stack: Vec<Open<'a>>,
    root: Option<Element<'a>>,
    malformed: Option<String>,
    problems: usize,
    /// Every namespace URI met so far, shared by the elements in it: a
    /// feed names a handful of namespaces on thousands of elements.
    namespaces: Vec<Rc<str>>,
}

impl<'a> Builder<'a> {
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

    /// The shared copy of `uri`.
    fn intern(&mut self, uri: &str) -> Rc<str> {
        if let Some(known) = self.namespaces.iter().find(|n| n.as_ref() == uri) {
            return known.clone();
        }
        let shared: Rc<str> = Rc::from(uri);
        self.namespaces.push(shared.clone());
        shared
    }

    /// The namespace `prefix` stands for, given the declarations `own` of
    /// the element being opened (not on the stack yet).
    fn lookup(&mut self, own: &[(Cow<'a, str>, Rc<str>)], prefix: &str) -> Rc<str> {
        if let Some((_, uri)) = own.iter().find(|(p, _)| p == prefix) {
            return uri.clone();
        }
        for (_, _, decls) in self.stack.iter().rev() {
            if let Some((_, uri)) = decls.iter().find(|(p, _)| p == prefix) {
                return uri.clone();
            }
        }
        match (prefix, conventional(prefix)) {
            ("", _) => self.intern(""),
            (_, Some(uri)) => self.intern(uri),
            (p, None) => self.intern(&format!("{p}:")),
        }
    }

    fn open(&mut self, start: &BytesStart<'_>) -> Result<(), String> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(format!("elements nested deeper than {MAX_DEPTH} levels"));
        }
        let qname = borrow_from(self.source, start.name().as_ref());
        let mut decls = Vec::new();
        let mut raw_attrs = Vec::new();
        for attr in start.attributes().with_checks(false) {
            let Ok(attr) = attr else {
                self.note(|| format!("malformed attribute in <{qname}>"));
                continue;
            };
            let key = borrow_from(self.source, attr.key.as_ref());
            let value = match &attr.value {
                Cow::Borrowed(v) => borrow_from(self.source, v),
                Cow::Owned(v) => Cow::Owned(String::from_utf8_lossy(v).into_owned()),
            };
            let value = if value.contains('&') {
                Cow::Owned(decode_text(&value))
            } else {
                value
            };
            if key == "xmlns" {
                let uri = self.intern(&canonical_ns(&value));
                decls.push((Cow::Borrowed(""), uri));
            } else if let Some(p) = key.strip_prefix("xmlns:") {
                let uri = self.intern(&canonical_ns(&value));
                decls.push((Cow::Owned(p.to_string()), uri));
            } else {
                raw_attrs.push((key, value));
            }
        }
        let local: Cow<'a, str> = match &qname {
            Cow::Borrowed(q) => Cow::Borrowed(split(q).1),
            Cow::Owned(q) => Cow::Owned(split(q).1.to_string()),
        };
        let prefix: Cow<'a, str> = match &qname {
            Cow::Borrowed(q) => Cow::Borrowed(split(q).0),
            Cow::Owned(q) => Cow::Owned(split(q).0.to_string()),
        };
        let element_ns = self.lookup(&decls, &prefix);
        let mut attrs = Vec::with_capacity(raw_attrs.len());
        for (key, value) in raw_attrs {
            let (attr_ns, local) = match key {
                Cow::Borrowed(k) => {
                    let (p, l) = split(k);
                    (p, Cow::Borrowed(l))
                }
                Cow::Owned(k) => {
                    let (p, l) = split(&k);
                    let local = Cow::Owned(l.to_string());
                    let attr_ns = if p.is_empty() {
                        self.intern("")
                    } else {
                        self.lookup(&decls, p)
                    };
                    attrs.push((attr_ns, local, value));
                    continue;
                }
            };
            let attr_ns = if attr_ns.is_empty() {
                self.intern("")
            } else {
                self.lookup(&decls, attr_ns)
            };
            attrs.push((attr_ns, local, value));
        }
        let parent = self.stack.last().map(|(e, _, _)| e);
        // Rc: every descendant shares its ancestor's base and language.
        let parent_base = parent.and_then(|p| p.base.clone());
        let parent_lang = parent.and_then(|p| p.lang.clone());
        let xml_attr = |name: &str| {
            attrs
                .iter()
                .find(|(n, l, _)| n.as_ref() == ns::XML && l == name)
                .map(|(_, _, v)| v.trim().to_string())
        };
        let base = match xml_attr("base") {
            Some(b) => Some(Rc::from(resolve_base(parent_base.as_deref(), &b))),
            None => parent_base,
        };
        let lang = match xml_attr("lang") {
            Some(l) if l.is_empty() => None,
            Some(l) => Some(Rc::from(l)),
            None => parent_lang,
        };
        let element = Element {
            ns: element_ns,
            name: local,
            attrs,
            children: Vec::new(),
            base,
            lang,
        };
        self.stack.push((element, qname, decls));
        Ok(())
    }

    fn close_top(&mut self) {
        if let Some((element, _, _)) = self.stack.pop() {
            match self.stack.last_mut() {
                Some((parent, _, _)) => parent.children.push(Node::Element(Box::new(element))),
                None if self.root.is_none() => self.root = Some(element),
                None => self.note(|| "content after the root element".into()),
            }
        }
    }

    fn close(&mut self, qname: &str) {
        match self.stack.iter().rposition(|(_, q, _)| q == qname) {
            Some(at) => {
                if at + 1 != self.stack.len() {
                    let open = self
                        .stack
                        .last()
                        .map(|(_, q, _)| q.clone())
                        .unwrap_or_default();
                    self.note(|| format!("</{qname}> closes <{open}>, which was never closed"));
                }
                while self.stack.len() > at {
                    self.close_top();
                }
            }
            None => self.note(|| format!("end tag </{qname}> without a start tag")),
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
        let Some((element, _, _)) = self.stack.last_mut() else {
            return;
        };
        match element.children.last_mut() {
            Some(Node::Text(t)) => owned(t, text.len()).push_str(&text),
            _ => element.children.push(Node::Text(text)),
        }
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

/// C1 control characters (U+0080–U+009F) never appear in real text: they
/// are windows-1252 punctuation (’ “ ” – …) read with the wrong charset.
fn repair_text(text: Cow<'_, str>) -> Cow<'_, str> {
    // U+0080–U+009F are encoded as C2 80–C2 9F: look for those bytes.
    let bytes = text.as_bytes();
    let has_c1 =
        memchr::memchr_iter(0xC2, bytes).any(|at| matches!(bytes.get(at + 1), Some(0x80..=0x9F)));
    // C0 control characters other than tab and newlines are not allowed in
    // XML at all; some generators leak them (a vertical tab, a form feed).
    // Whole chunks without early exit, so the check compiles to vector code.
    let has_c0 = bytes.chunks(64).any(|chunk| {
        chunk.iter().fold(false, |found, &b| {
            found | ((b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r'))
        })
    });
    if !has_c1 && !has_c0 {
        return text;
    }
    text.chars()
        .filter(|c| *c >= ' ' || matches!(c, '\t' | '\n' | '\r'))
        .map(|c| match c {
            '\u{80}'..='\u{9f}' => {
                let byte = [c as u8];
                let (fixed, _, _) = encoding_rs::WINDOWS_1252.decode(&byte);
                fixed.chars().next().unwrap_or(c)
            }
            c => c,
        })
        .collect::<String>()
        .into()
}

/// Whether some character that starts a UTF-8 sequence, read as
/// windows-1252 (Â–ô), is followed by one a continuation byte becomes
/// (U+00A0–U+00BF or a windows-1252 0x80–0x9F symbol). Ordinary accented
/// text ("é" then a letter) never matches, so the costly check is rare.
fn looks_double_encoded(text: &str) -> bool {
    // Byte scan: the lead characters Â–ô are C3 82–C3 B4 in UTF-8, and the
    // characters that follow them in mojibake start with C2, C5, C6, CB or
    // E2. Only candidates are checked character by character.
    let bytes = text.as_bytes();
    memchr::memchr_iter(0xC3, bytes).any(|at| {
        matches!(bytes.get(at + 1), Some(0x82..=0xB4))
            && matches!(bytes.get(at + 2), Some(0xC2 | 0xC5 | 0xC6 | 0xCB | 0xE2))
    }) && {
        let mut previous_is_lead = false;
        text.chars().any(|c| {
            let hit = previous_is_lead && is_continuation_as_1252(c);
            previous_is_lead = ('Â'..='ô').contains(&c);
            hit
        })
    }
}

/// What bytes 0x80–0xBF become when read as windows-1252.
fn is_continuation_as_1252(c: char) -> bool {
    matches!(
        c,
        '\u{a0}'
            ..='\u{bf}'
                | '€'
                | '‚'
                | 'ƒ'
                | '„'
                | '…'
                | '†'
                | '‡'
                | 'ˆ'
                | '‰'
                | 'Š'
                | '‹'
                | 'Œ'
                | 'Ž'
                | '‘'
                | '’'
                | '“'
                | '”'
                | '•'
                | '–'
                | '—'
                | '˜'
                | '™'
                | 'š'
                | '›'
                | 'œ'
                | 'ž'
                | 'Ÿ'
    )
}

/// Text that is UTF-8 read as windows-1252 ("â€¦" for "…"): when every
/// character maps back to a windows-1252 byte and those bytes are valid,
/// non-ASCII UTF-8, the UTF-8 reading is the real text. Only text
/// assembled from entity references is checked (`&#195;&#169;`); text
/// taken straight from the document stays as written.
fn repair_mojibake(text: String) -> String {
    if text.is_ascii() || !looks_double_encoded(&text) {
        return text;
    }
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
    if unmappable {
        return text;
    }
    match std::str::from_utf8(&bytes) {
        Ok(fixed) => fixed.to_string(),
        Err(_) => text,
    }
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

fn split(qname: &str) -> (&str, &str) {
    qname.split_once(':').unwrap_or(("", qname))
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

/// A run of character data in the document, entity references included,
/// as byte offsets.
#[derive(Default)]
struct TextRun {
    start: usize,
    end: usize,
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

    /// Hands the run, decoded, to the open element.
    fn flush<'a>(&mut self, b: &mut Builder<'a>) {
        if self.start == self.end {
            return;
        }
        let (start, end) = (self.start, self.end);
        (self.start, self.end) = (0, 0);
        let Some(raw) = b.source.get(start..end) else {
            return;
        };
        if !raw.contains('&') {
            b.text(repair_text(Cow::Borrowed(raw)));
            return;
        }
        let mut out = String::with_capacity(raw.len());
        let mut rest = raw;
        while let Some(at) = memchr::memchr(b'&', rest.as_bytes()) {
            out.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            let name_end = memchr::memchr(b';', &after.as_bytes()[..after.len().min(33)])
                .filter(|end| *end > 0 && !after[..*end].contains([' ', '&', '<']));
            match name_end {
                Some(end) => {
                    let name = &after[..end];
                    match resolve_char(name) {
                        Some(c) => out.push(c),
                        None => {
                            if !is_xml_entity(name) {
                                b.note(|| format!("undefined entity &{name};"));
                            }
                            out.push_str(&resolve(name));
                        }
                    }
                    rest = &after[end + 1..];
                }
                None => {
                    out.push('&');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        b.text(repair_text(Cow::Owned(repair_mojibake(out))));
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
    let mut b = Builder {
        source: text,
        stack: Vec::new(),
        root: None,
        malformed: None,
        problems: 0,
        namespaces: Vec::new(),
    };
    // quick-xml splits text at every entity reference (an escaped HTML
    // description is hundreds of events); the pieces of one run of text are
    // gathered as a span of the document and decoded in one pass.
    let mut run = TextRun::default();
    let mut errors = 0;
    loop {
        let before = reader.buffer_position();
        let event = reader.read_event();
        match &event {
            Ok(Event::Text(t)) => {
                if !run.extend(text, t.as_ref(), 0) {
                    run.flush(&mut b);
                    run.extend(text, t.as_ref(), 0);
                }
                continue;
            }
            Ok(Event::GeneralRef(r)) => {
                // The reference's name, widened to `&name;`.
                if !run.extend(text, r.as_ref(), 1) {
                    run.flush(&mut b);
                    if !run.extend(text, r.as_ref(), 1) {
                        b.text(resolve(&String::from_utf8_lossy(r.as_ref())));
                    }
                }
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
            Ok(Event::End(e)) => b.close(&String::from_utf8_lossy(e.name().as_ref())),
            Ok(Event::CData(t)) => b.text(repair_text(utf8(text, t.into_inner()))),
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
    if let Some((_, q, _)) = b.stack.first() {
        let q = q.clone();
        b.note(|| format!("document ends before <{q}> is closed (truncated?)"));
    }
    while !b.stack.is_empty() {
        b.close_top();
    }
    match b.root {
        Some(root) => Ok(Document {
            root,
            malformed: b.malformed,
        }),
        None => Err(b.malformed.unwrap_or_else(|| "no root element".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_document;

    #[test]
    fn recovers_undefined_entities_bare_ampersands_and_truncation() {
        let doc = parse_document("<rss><channel><title>Caf&eacute; & th&eacute;</title><item><title>One</title></item><item><title>Tw").unwrap();
        let channel = doc.root.elements().next().unwrap();
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
        let entry = doc.root.elements().next().unwrap();
        assert_eq!(entry.ns.as_ref(), "http://www.w3.org/2005/Atom");
        assert_eq!(entry.base.as_deref(), Some("http://e.org/a/b/"));
        assert_eq!(entry.lang.as_deref(), Some("fr"));
        assert_eq!(entry.elements().next().unwrap().ns.as_ref(), "urn:x");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let deep = "<a>".repeat(10_000);
        assert!(parse_document(&deep).is_err());
    }

    #[test]
    fn billion_laughs_is_not_expanded() {
        let doc = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><rss>&lol2;</rss>"#;
        let parsed = parse_document(doc).unwrap();
        assert_eq!(parsed.root.text(), "&lol2;");
    }
}
