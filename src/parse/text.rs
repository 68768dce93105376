//! Text helpers shared by the format adapters.

use std::borrow::Cow;

/// Turns a title-like field into plain text: tags removed, entities decoded
/// (twice-escaped `&amp;eacute;` arrives here as `&eacute;` and is decoded
/// too), whitespace collapsed. Returns `None` for empty results.
pub(super) fn plain_text(raw: &str) -> Option<String> {
    if is_plain(raw) {
        return Some(raw.to_string());
    }
    let without_tags = if raw.contains('<') {
        strip_tags(raw)
    } else {
        raw.to_string()
    };
    let decoded = html_escape::decode_html_entities(&without_tags);
    let collapsed = decoded.split_whitespace().collect::<Vec<_>>().join(" ");
    (!collapsed.is_empty()).then_some(collapsed)
}

/// Whether `raw` is already plain text: no tag or entity, and single
/// spaces between words (what most titles are).
fn is_plain(raw: &str) -> bool {
    let bytes = raw.as_bytes();
    if bytes.first().is_none_or(|b| *b == b' ') || bytes.last() == Some(&b' ') {
        return false;
    }
    if !raw.is_ascii() {
        return is_plain_unicode(raw);
    }
    // ASCII: no tag, entity or control character (tab, newline), and no
    // two spaces in a row.
    let mut after_space = false;
    bytes.iter().all(|&b| {
        let ok = !matches!(b, b'<' | b'&') && b >= b' ' && !(after_space && b == b' ');
        after_space = b == b' ';
        ok
    })
}

/// [`is_plain`] for text with non-ASCII letters (and maybe non-ASCII
/// spaces).
fn is_plain_unicode(raw: &str) -> bool {
    if raw.contains(['<', '&']) {
        return false;
    }
    let mut after_space = true;
    for c in raw.chars() {
        if c.is_whitespace() {
            if c != ' ' || after_space {
                return false;
            }
            after_space = true;
        } else {
            after_space = false;
        }
    }
    !after_space
}

/// Keeps HTML as HTML but trims it; `None` when nothing is left.
pub(super) fn html(raw: &str) -> Option<String> {
    html_in_place(raw).map(Cow::into_owned)
}

/// [`html`] borrowing from `raw` when it needs no change but a trim.
pub(super) fn html_in_place(raw: &str) -> Option<Cow<'_, str>> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return None;
    }
    Some(match escape_stray_declarations(trimmed) {
        Some(escaped) => Cow::Owned(escaped),
        None => Cow::Borrowed(trimmed),
    })
}

/// A `<!` that opens neither a comment, a CDATA section nor a doctype is
/// text the author meant to show (`<!' …`), but an HTML parser reads it as
/// a bogus comment and swallows everything up to the next `>`, links
/// included. It is escaped so the text and what follows survive.
///
/// `None` when there is none to escape (nearly always).
fn escape_stray_declarations(html: &str) -> Option<String> {
    let mut out = String::new();
    let mut copied = 0;
    // `!` is rare in text, `<` is in every tag: look for the former.
    let bytes = html.as_bytes();
    for bang in memchr::memchr_iter(b'!', bytes) {
        let Some(at) = bang
            .checked_sub(1)
            .filter(|at| bytes.get(*at) == Some(&b'<'))
        else {
            continue;
        };
        let after = bytes.get(bang + 1..).unwrap_or_default();
        let starts = |prefix: &[u8]| {
            after
                .get(..prefix.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
        };
        if starts(b"--") || starts(b"[cdata[") || starts(b"doctype") {
            continue;
        }
        out.push_str(html.get(copied..at).unwrap_or_default());
        out.push_str("&lt;");
        copied = at + 1;
    }
    if copied == 0 {
        return None;
    }
    out.push_str(html.get(copied..).unwrap_or_default());
    Some(out)
}

/// Escapes plain text so it can travel in an HTML field.
pub(super) fn text_to_html(raw: &str) -> Option<String> {
    let t = raw.trim();
    (!t.is_empty()).then(|| html_escape::encode_text(t).into_owned())
}

/// Removes tags; block-ish tags (`br`, `p`, `div`, `li`) become a space so
/// that words on both sides stay apart, inline ones (`b`, `em`) vanish. A
/// `<` that cannot start a tag (`1 < 2`) is text; quoted attribute values
/// may contain `>`, a stray quote in an unquoted value does not open one,
/// and a `<` never closed is text.
fn strip_tags(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut tag = None::<String>;
    let mut quote = None::<char>;
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match (&mut tag, c) {
            (None, '<')
                if chars
                    .peek()
                    .is_some_and(|n| n.is_ascii_alphabetic() || matches!(n, '/' | '!' | '?')) =>
            {
                tag = Some(String::new());
            }
            (Some(name), '"' | '\'') => {
                match quote {
                    // As in HTML's tokenizer, a quote opens a value only
                    // right after `=`; inside an unquoted value
                    // (`href=http://x/"`) it is an ordinary character.
                    None if name.trim_end().ends_with('=') => quote = Some(c),
                    Some(q) if q == c => quote = None,
                    _ => {}
                }
                name.push(c);
            }
            (Some(name), '>') if quote.is_none() => {
                let name = name
                    .trim_start_matches('/')
                    .split([' ', '/'])
                    .next()
                    .unwrap_or("")
                    .to_ascii_lowercase();
                if matches!(name.as_str(), "br" | "p" | "div" | "li") {
                    out.push(' ');
                }
                tag = None;
            }
            (Some(name), c) => name.push(c),
            (None, c) => out.push(c),
        }
    }
    if let Some(unclosed) = tag {
        // `<` and what follows never became a tag (`&lt;!DOCTYPE ~`, a
        // title cut mid-way): keep it as text rather than lose it.
        out.push('<');
        out.push_str(&unclosed);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{html, plain_text};

    #[test]
    fn stray_declarations_are_text_but_comments_stay_markup() {
        assert_eq!(
            html("<!' <a href=\"x\">").as_deref(),
            Some("&lt;!' <a href=\"x\">")
        );
        assert_eq!(
            html("<!-- c --><!DOCTYPE html><p>x</p>").as_deref(),
            Some("<!-- c --><!DOCTYPE html><p>x</p>")
        );
    }

    #[test]
    fn titles_become_plain_text() {
        assert_eq!(
            plain_text("  Caf&eacute; &amp; <b>thé</b>\n ").as_deref(),
            Some("Café & thé")
        );
        assert_eq!(plain_text("AT&amp;T").as_deref(), Some("AT&T"));
        assert_eq!(
            plain_text("Mor<em>occo</em><br/>AI").as_deref(),
            Some("Morocco AI")
        );
        assert_eq!(plain_text("   "), None);
        assert_eq!(plain_text("").as_deref(), None);
        assert_eq!(
            plain_text("L'IA au Maroc").as_deref(),
            Some("L'IA au Maroc")
        );
        assert_eq!(plain_text(" a  b\u{a0}c ").as_deref(), Some("a b c"));
        assert_eq!(plain_text("1 < 2").as_deref(), Some("1 < 2"));
        assert_eq!(plain_text(r#"<img alt="dog >">"#), None);
        assert_eq!(plain_text(r#"<img alt = 'dog >'>"#), None);
        assert_eq!(plain_text("<!DOCTYPE ~").as_deref(), Some("<!DOCTYPE ~"));
        assert_eq!(
            plain_text("Budget <b>2026</b> <i").as_deref(),
            Some("Budget 2026 <i")
        );
        // A stray quote inside an unquoted value does not swallow the text.
        assert_eq!(
            plain_text(r#"<a href=http://example.com/">example</a>"#).as_deref(),
            Some("example")
        );
    }
}
