//! Runs of text and entity references between two tags, joined into one
//! text node: most runs are one slice of the document, borrowed as is.

use std::borrow::Cow;

use super::Builder;
use super::entities::{is_xml_entity, resolve, resolve_char};
use super::repair::{repair_mojibake, repair_text};

/// A run of character data in the document, entity references included:
/// quick-xml splits text at every reference (an escaped HTML description
/// is hundreds of events). A run without references stays a span of the
/// document, handed over borrowed; from its first reference on, the run
/// is decoded as it comes into a buffer reused from run to run.
#[derive(Default)]
pub(super) struct TextRun {
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
    pub(super) fn text(&mut self, b: &mut Builder<'_>, piece: &[u8]) {
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
    pub(super) fn reference(&mut self, b: &mut Builder<'_>, name: &[u8]) {
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
    pub(super) fn flush(&mut self, b: &mut Builder<'_>) {
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
