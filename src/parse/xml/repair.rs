//! Text that arrives damaged: control characters XML does not allow,
//! C1 controls that are windows-1252 punctuation read with the wrong
//! charset, and UTF-8 read as windows-1252 ("â€¦" for "…").

use std::borrow::Cow;

/// Whether `bytes` hold a C0 control character other than tab and
/// newlines (not allowed in XML at all, though some generators leak a
/// vertical tab or a form feed) or the byte 0xC2 that starts U+0080–U+00BF
/// (C1 controls are windows-1252 punctuation such as ’ “ ” – … read with
/// the wrong charset). Text without either, nearly all of it, needs no
/// repair. Written as one pass without early exit inside large blocks, so
/// that it compiles to vector code: it runs over every byte of text.
fn may_need_repair(bytes: &[u8]) -> bool {
    fn suspect(block: &[u8]) -> bool {
        block.iter().fold(0u8, |found, &b| {
            let control = (b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r');
            found | u8::from(control | (b == 0xC2))
        }) != 0
    }
    // Whole blocks of 64 bytes, then the rest padded with spaces to a
    // block: most text runs are short (a title, a link), and a byte-by-byte
    // loop over their tails would cost more than the vector pass.
    let mut blocks = bytes.chunks_exact(64);
    if blocks.by_ref().any(suspect) {
        return true;
    }
    let rest = blocks.remainder();
    let mut padded = [b' '; 64];
    if let Some(head) = padded.get_mut(..rest.len()) {
        head.copy_from_slice(rest);
    }
    suspect(&padded)
}

/// C1 control characters (U+0080–U+009F) never appear in real text: they
/// are windows-1252 punctuation (’ “ ” – …) read with the wrong charset.
pub(super) fn repair_text(text: Cow<'_, str>) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    if !may_need_repair(bytes) {
        return text;
    }
    // U+0080–U+009F are encoded as C2 80–C2 9F.
    let has_c1 =
        memchr::memchr_iter(0xC2, bytes).any(|at| matches!(bytes.get(at + 1), Some(0x80..=0x9F)));
    let has_c0 = bytes
        .iter()
        .any(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'));
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
/// non-ASCII UTF-8, the UTF-8 reading is the real text. Here only text
/// assembled from entity references is checked (`&#195;&#169;`); text as
/// written goes through [`undo_double_encoding`] once the whole feed is
/// read, and only when the document was UTF-8.
pub(super) fn repair_mojibake(text: String) -> String {
    undo_double_encoding(&text).unwrap_or(text)
}

/// The real text of double-encoded UTF-8, or `None` when `text` is not
/// that (nearly always, told by a byte scan without allocating).
pub(in crate::parse) fn undo_double_encoding(text: &str) -> Option<String> {
    if text.is_ascii() || !looks_double_encoded(text) {
        return None;
    }
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
    if unmappable {
        return None;
    }
    std::str::from_utf8(&bytes).ok().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::repair_text;
    use std::borrow::Cow;

    #[test]
    fn control_characters_go_and_c1_punctuation_is_read_as_windows_1252() {
        let fixed = |text: &str| repair_text(Cow::Borrowed(text)).into_owned();
        assert_eq!(
            fixed("l\u{92}IA\u{0b} au\tMaroc\n"),
            "l\u{2019}IA au\tMaroc\n"
        );
        // Found wherever it is: in a whole 64-byte block, in the padded
        // rest after blocks, in a short text.
        let long = "a".repeat(64);
        assert_eq!(
            fixed(&format!("{long}\u{0c}{long}")),
            format!("{long}{long}")
        );
        assert_eq!(fixed(&format!("{long}b\u{1f}")), format!("{long}b"));
        assert_eq!(fixed("\u{0}"), "");
        // Clean text is handed back without a copy; "é" and "«" (bytes C3,
        // C2) are not mistaken for damage.
        let clean = "Caf\u{e9} \u{ab}IA\u{bb}";
        assert!(matches!(repair_text(Cow::Borrowed(clean)), Cow::Borrowed(c) if c == clean));
    }
}
