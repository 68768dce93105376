//! An element's attributes: namespace declarations apart from the
//! others, values decoded (entities, character references), and the
//! namespaces resolved once the element's own declarations are known.

use std::borrow::Cow;

use quick_xml::events::BytesStart;

use super::names::{canonical_ns, split};
use super::slices::borrow_from;
use super::{Builder, NO_NS};
use crate::parse::xml::entities::decode_text;
use crate::parse::xml::tree::Attr;

impl Builder<'_> {
    /// Reads the attributes of the element being opened: namespace
    /// declarations go to `decls`, the others to `attrs` with their
    /// namespace resolved once the element's own declarations are known.
    /// Returns whether one is in the XML namespace (`xml:base`, `xml:lang`).
    pub(super) fn read_attributes(&mut self, start: &BytesStart<'_>, qname: &str) -> bool {
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
}
