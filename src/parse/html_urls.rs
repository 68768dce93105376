//! Relative URLs inside HTML carried by a feed, resolved against the
//! element's `xml:base` (RFC 3986 resolution). Without a base the HTML is
//! left alone; the normaliser later resolves against the feed's URL.

use url::Url;

/// Attributes whose value is a URL.
const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "poster",
    "cite",
    "action",
    "background",
    "longdesc",
    "usemap",
    "codebase",
    "data",
    "profile",
];

/// Whether `name` holds a URL.
pub(crate) fn is_url_attribute(name: &str) -> bool {
    URL_ATTRIBUTES.iter().any(|a| a.eq_ignore_ascii_case(name))
}

/// `value` resolved against `base`; unchanged when either is unusable.
///
/// A link the feed wrote with non-ASCII letters (an IRI, `href="café"`)
/// keeps them: HTML takes IRIs as they are, and readers show the link as
/// the author wrote it rather than as `caf%C3%A9`.
pub(crate) fn resolve_against(base: &str, value: &str) -> String {
    match Url::parse(base).and_then(|b| b.join(value.trim())) {
        Ok(url) if value.is_ascii() => url.to_string(),
        Ok(url) => unescape_non_ascii(url.as_str()),
        Err(_) => value.to_string(),
    }
}

/// Turns back the `%XX` runs of a URL that encode non-ASCII characters
/// (UTF-8 sequences) into those characters; ASCII escapes such as `%20` or
/// `%2F` stay escaped, since they carry meaning.
fn unescape_non_ascii(url: &str) -> String {
    let bytes = url.as_bytes();
    let mut out = String::with_capacity(url.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        // A run of %XX escapes whose bytes are all non-ASCII.
        let mut decoded = Vec::new();
        let mut j = i;
        while let Some(byte) = escaped_byte(bytes, j).filter(|b| *b >= 0x80) {
            decoded.push(byte);
            j += 3;
        }
        match std::str::from_utf8(&decoded) {
            Ok(text) if !decoded.is_empty() => {
                out.push_str(&url[copied..i]);
                out.push_str(text);
                copied = j;
                i = j;
            }
            _ => i = j.max(i + 1),
        }
    }
    out.push_str(&url[copied..]);
    out
}

/// The byte `%XX` at `at` stands for.
fn escaped_byte(bytes: &[u8], at: usize) -> Option<u8> {
    let hex = |b: u8| (b as char).to_digit(16);
    match bytes.get(at..at + 3)? {
        [b'%', high, low] => Some((hex(*high)? * 16 + hex(*low)?) as u8),
        _ => None,
    }
}

/// Rewrites URL attributes in an HTML string. A small tag scanner (quotes
/// respected) rather than a parse and re-serialise, so the rest of the
/// markup stays byte for byte as the feed wrote it.
pub(crate) fn resolve_html(html: &str, base: &str) -> String {
    let mut out = String::with_capacity(html.len() + 32);
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let tag_and_after = &rest[open..];
        let end = tag_end(tag_and_after).unwrap_or(tag_and_after.len());
        out.push_str(&rewrite_tag(&tag_and_after[..end], base));
        rest = &tag_and_after[end..];
    }
    out.push_str(rest);
    out
}

/// Index just past the `>` that closes the tag starting at 0.
pub(super) fn tag_end(tag: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in tag.char_indices().skip(1) {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(i + 1),
            _ => {}
        }
    }
    None
}

fn rewrite_tag(tag: &str, base: &str) -> String {
    if tag.starts_with("</") || tag.starts_with("<!") || tag.starts_with("<?") {
        return tag.to_string();
    }
    let mut out = String::with_capacity(tag.len());
    let mut rest = tag;
    while let Some(eq) = rest.find('=') {
        let (before, after) = rest.split_at(eq);
        let name = before
            .rsplit(|c: char| c.is_whitespace())
            .next()
            .unwrap_or("");
        let after = &after[1..];
        let trimmed = after.trim_start();
        let quote = trimmed.chars().next().filter(|c| *c == '"' || *c == '\'');
        let (value, tail) = match quote {
            Some(q) => match trimmed[1..].find(q) {
                Some(close) => (&trimmed[1..1 + close], &trimmed[close + 2..]),
                None => break,
            },
            None => {
                let stop = trimmed
                    .find(|c: char| c.is_whitespace() || c == '>')
                    .unwrap_or(trimmed.len());
                (&trimmed[..stop], &trimmed[stop..])
            }
        };
        out.push_str(before);
        out.push('=');
        if is_url_attribute(name) {
            let decoded = html_escape::decode_html_entities(value);
            let resolved = resolve_against(base, &decoded);
            out.push('"');
            out.push_str(&html_escape::encode_double_quoted_attribute(&resolved));
            out.push('"');
        } else {
            out.extend(quote);
            out.push_str(value);
            out.extend(quote);
        }
        rest = tail;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::{resolve_against, resolve_html};

    #[test]
    fn non_ascii_links_stay_readable_and_ascii_escapes_stay_escaped() {
        assert_eq!(
            resolve_against("http://e.org/", "\u{c0}/caf\u{e9} x"),
            "http://e.org/\u{c0}/caf\u{e9}%20x"
        );
        assert_eq!(
            resolve_against("http://e.org/", "a%2Fb/%C3%A9"),
            "http://e.org/a%2Fb/%C3%A9"
        );
        assert_eq!(
            resolve_against("http://e.org/", "\u{627}\u{644}?q=%E2"),
            "http://e.org/\u{627}\u{644}?q=%E2"
        );
    }

    #[test]
    fn relative_urls_resolve_and_the_rest_is_untouched() {
        let html =
            r#"<p class=x><a href="a/b?c=1&amp;d=2">x</a> <img src='/i.png' alt="a > b"></p>"#;
        assert_eq!(
            resolve_html(html, "http://e.org/base/"),
            r#"<p class=x><a href="http://e.org/base/a/b?c=1&amp;d=2">x</a> <img src="http://e.org/i.png" alt="a > b"></p>"#
        );
    }
}
