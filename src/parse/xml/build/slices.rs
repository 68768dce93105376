//! Text of the tree as slices of the document wherever it can be: a
//! borrowed `Cow` costs no allocation, and most feed text is written
//! without entities.

use std::borrow::Cow;

/// Event bytes as text. They come from a `&str`, so this is validation
/// only; `from_utf8` is much faster than the lossy path it falls back to.
pub(super) fn utf8<'a>(source: &'a str, bytes: Cow<'a, [u8]>) -> Cow<'a, str> {
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
pub(super) fn borrow_from<'a>(source: &'a str, bytes: &[u8]) -> Cow<'a, str> {
    match subslice(source, bytes) {
        Some(text) => Cow::Borrowed(text),
        None => Cow::Owned(String::from_utf8_lossy(bytes).into_owned()),
    }
}

/// `bytes` as the `&str` it was cut from: event bytes borrowed from the
/// source text are a slice of it, so their position gives the text back
/// without validating it a second time (slicing checks char boundaries).
pub(super) fn subslice<'a>(source: &'a str, bytes: &[u8]) -> Option<&'a str> {
    let start = (bytes.as_ptr() as usize).checked_sub(source.as_ptr() as usize)?;
    source
        .get(start..start.checked_add(bytes.len())?)
        .filter(|s| s.as_ptr() == bytes.as_ptr())
}

/// The text node as an owned string, ready for `more` bytes. A borrowed
/// node becomes owned with room to spare: text split by entity references
/// arrives in many small pieces.
pub(super) fn owned<'t>(node: &'t mut Cow<'_, str>, more: usize) -> &'t mut String {
    if let Cow::Borrowed(b) = node {
        let mut s = String::with_capacity((b.len() + more).max(64) * 2);
        s.push_str(b);
        *node = Cow::Owned(s);
    }
    node.to_mut()
}
