//! Character sets: raw bytes → UTF-8 text the XML parsers can trust.
//!
//! Order of authority: a byte-order mark, then the HTTP `charset`, then the
//! XML prolog's `encoding=`, then sniffing: valid UTF-8 is UTF-8, anything
//! else goes to chardetng (Firefox's detector), which tells windows-1252
//! from Shift_JIS, GBK, Big5, EUC-KR, KOI8-R or windows-1256 by the bytes. After transcoding, the
//! prolog's `encoding=` is removed: left in place, the XML parsers would
//! decode a second time and produce mojibake (see `STACK.md`, pitfall 5).

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8};

/// Decodes `bytes` to UTF-8, choosing the encoding as described above.
pub(super) fn to_utf8<'a>(bytes: &'a [u8], http_charset: Option<&str>) -> Cow<'a, str> {
    let encoding = Encoding::for_bom(bytes)
        .map(|(enc, _)| enc)
        .or_else(|| utf16_without_bom(bytes))
        .or_else(|| http_charset.and_then(|c| Encoding::for_label(c.trim().as_bytes())))
        .or_else(|| prolog_encoding(bytes))
        .unwrap_or_else(|| sniff(bytes));
    // `decode` strips a BOM of the detected encoding, and replaces
    // malformed sequences with U+FFFD instead of failing.
    let (text, _, _) = encoding.decode(bytes);
    // Transcoded text whose prolog still names another encoding would be
    // decoded a second time by an XML parser: rewrite the prolog then, and
    // only then (the usual UTF-8 case copies nothing).
    let declares_other = prolog_label(text.trim_start_matches('\u{feff}').as_bytes())
        .is_some_and(|label| Encoding::for_label(label.as_bytes()) != Some(UTF_8));
    if !declares_other {
        return match text {
            Cow::Borrowed(t) => Cow::Borrowed(t.trim_start_matches('\u{feff}')),
            Cow::Owned(t) => Cow::Owned(t.trim_start_matches('\u{feff}').to_string()),
        };
    }
    Cow::Owned(strip_prolog_encoding(text.trim_start_matches('\u{feff}')))
}

/// UTF-16 without a byte-order mark, told by the first four bytes as XML
/// 1.0 Appendix F describes: `00 3C 00 3F` (`<?` big-endian) or
/// `3C 00 3F 00` (little-endian). Read more widely, as any two ASCII
/// characters with a zero byte before (BE) or after (LE) each: a document
/// without a prolog starts `00 3C 00 72` (`<r`), and an ASCII-compatible
/// one never has a NUL there. Checked before the HTTP charset, which such
/// bytes contradict whatever it says.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    let ascii = |b: u8| (0x09..0x7f).contains(&b);
    match bytes.get(..4)? {
        [0, a, 0, b] if ascii(*a) && ascii(*b) => Some(encoding_rs::UTF_16BE),
        [a, 0, b, 0] if ascii(*a) && ascii(*b) => Some(encoding_rs::UTF_16LE),
        _ => None,
    }
}

fn sniff(bytes: &[u8]) -> &'static Encoding {
    if std::str::from_utf8(bytes).is_ok() {
        return UTF_8;
    }
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(bytes, true);
    detector.guess(None, false)
}

/// The `encoding="…"` label of an ASCII-compatible `<?xml …?>` prolog.
fn prolog_label(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(512)];
    let head = String::from_utf8_lossy(head);
    let prolog = head.trim_start();
    if !prolog.starts_with("<?xml") {
        return None;
    }
    let end = prolog.find("?>")?;
    attribute(&prolog[..end], "encoding").map(str::to_string)
}

/// The encoding an ASCII-compatible `<?xml …?>` prolog declares.
fn prolog_encoding(bytes: &[u8]) -> Option<&'static Encoding> {
    let value = prolog_label(bytes)?;
    let enc = Encoding::for_label(value.as_bytes())?;
    // A UTF-16 label on bytes without a BOM that read as ASCII is a lie
    // (the document could not have been read this far otherwise).
    if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
        return None;
    }
    Some(enc)
}

fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let at = tag.find(name)?;
    let rest = tag[at + name.len()..]
        .trim_start()
        .strip_prefix('=')?
        .trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let rest = &rest[1..];
    let close = rest.find(quote)?;
    Some(&rest[..close])
}

/// Removes `encoding="…"` from the prolog of already-decoded text.
fn strip_prolog_encoding(text: &str) -> String {
    let trimmed = text.trim_start();
    if !trimmed.starts_with("<?xml") {
        return text.to_string();
    }
    let Some(end) = trimmed.find("?>") else {
        return text.to_string();
    };
    let prolog = &trimmed[..end];
    let Some(at) = prolog.find("encoding") else {
        return trimmed.to_string();
    };
    let after = &prolog[at + "encoding".len()..];
    let Some(eq) = after.find('=') else {
        return trimmed.to_string();
    };
    let value = after[eq + 1..].trim_start();
    let Some(quote) = value.chars().next().filter(|c| *c == '"' || *c == '\'') else {
        return trimmed.to_string();
    };
    let Some(close) = value[1..].find(quote) else {
        return trimmed.to_string();
    };
    let attr_len = (after.len() - value.len()) + close + 2 + "encoding".len();
    let mut out = String::with_capacity(trimmed.len());
    out.push_str(prolog[..at].trim_end());
    out.push_str(&prolog[at + attr_len..]);
    out.push_str(&trimmed[end..]);
    out
}

#[cfg(test)]
mod tests {
    use super::to_utf8;

    fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
        text.encode_utf16()
            .flat_map(|u| {
                if big_endian {
                    u.to_be_bytes()
                } else {
                    u.to_le_bytes()
                }
            })
            .collect()
    }

    #[test]
    fn utf16_without_a_byte_order_mark_is_told_by_its_first_bytes() {
        for big_endian in [true, false] {
            for doc in [
                "<?xml version=\"1.0\" encoding=\"utf-16\"?><rss><channel><title>Café</title></channel></rss>",
                "<rss version=\"2.0\"><channel><title>Café</title></channel></rss>",
                "\n  <feed/>",
            ] {
                let bytes = utf16(doc, big_endian);
                let text = to_utf8(&bytes, Some("utf-8"));
                assert!(
                    text.trim_start().starts_with('<') && !text.contains('\0'),
                    "{big_endian}: {text:?}"
                );
                assert!(!text.contains("utf-16"), "prolog label dropped: {text}");
                if doc.contains("Café") {
                    assert!(text.contains("<title>Café</title>"), "{text}");
                }
            }
        }
        // ASCII-compatible documents are left alone.
        assert_eq!(to_utf8(b"<rss/>", None), "<rss/>");
    }

    #[test]
    fn prolog_declared_windows_1256_is_decoded_and_prolog_rewritten() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1256
            .encode("<?xml version=\"1.0\" encoding=\"windows-1256\"?><rss><t>المغرب</t></rss>");
        let text = to_utf8(&bytes, None);
        assert!(text.contains("المغرب"), "{text}");
        assert!(!text.contains("encoding"), "{text}");
        assert!(text.starts_with("<?xml version=\"1.0\"?>"), "{text}");
    }

    #[test]
    fn http_charset_only() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode("<rss><t>Café</t></rss>");
        assert!(to_utf8(&bytes, Some("iso-8859-1")).contains("Café"));
        // Without the header, sniffing finds windows-1252 too.
        assert!(to_utf8(&bytes, None).contains("Café"));
        let (arabic, _, _) = encoding_rs::WINDOWS_1256
            .encode("<rss><t>الحكومة المغربية تطلق استراتيجية الذكاء الاصطناعي</t></rss>");
        assert!(
            to_utf8(&arabic, None).contains("الحكومة المغربية"),
            "windows-1256 sniffed"
        );
    }

    #[test]
    fn utf16_with_bom() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "<?xml version='1.0' encoding='utf-16'?><rss>é</rss>".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let text = to_utf8(&bytes, None);
        assert_eq!(text, "<?xml version='1.0'?><rss>é</rss>");
    }
}
