//! Namespaces and names: prefixes resolved to interned namespace ids
//! (with the conventional prefixes feeds use undeclared), spelling
//! variants of known namespaces folded, qualified names split, and
//! `xml:base` resolved.

use std::borrow::Cow;

use url::Url;

use super::{Builder, NO_NS};
use crate::parse::xml::ns;

/// Prefixes so common that feeds use them without declaring them.
pub(super) fn conventional(prefix: &str) -> Option<&'static str> {
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

impl Builder<'_> {
    /// The id of namespace `uri`.
    pub(super) fn intern(&mut self, uri: &str) -> u32 {
        if let Some(known) = self.namespaces.iter().position(|n| n.as_ref() == uri) {
            return known as u32;
        }
        self.namespaces.push(uri.into());
        (self.namespaces.len() - 1) as u32
    }

    /// The namespace `prefix` stands for, the element being opened's own
    /// declarations included (they are already in `decls`).
    pub(super) fn lookup(&mut self, prefix: &str) -> u32 {
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
}

/// Maps spelling variants of known namespaces (case, trailing `/` or `#`,
/// as written by careless generators) to the one constant the adapters
/// compare with.
pub(super) fn canonical_ns(uri: &str) -> String {
    let key = |u: &str| u.trim().trim_end_matches(['/', '#']).to_ascii_lowercase();
    let wanted = key(uri);
    ns::KNOWN
        .iter()
        .find(|known| key(known) == wanted)
        .map_or_else(|| uri.trim().to_string(), |known| known.to_string())
}

/// A qualified name's prefix ("" for none) and local name, borrowed when
/// the name is.
pub(super) fn split(qname: Cow<'_, str>) -> (Cow<'_, str>, Cow<'_, str>) {
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

pub(super) fn resolve_base(parent: Option<&str>, base: &str) -> String {
    if let Ok(abs) = Url::parse(base) {
        return abs.to_string();
    }
    parent
        .and_then(|p| Url::parse(p).ok())
        .and_then(|p| p.join(base).ok())
        .map_or_else(|| base.to_string(), |u| u.to_string())
}
