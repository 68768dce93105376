//! Text from the network, made safe to show: in an error message, on a
//! terminal, in `fetches.error` or the health feed.
//!
//! A hostile or broken server controls root element names, charset labels,
//! header values and titles. Quoted raw, they carry control characters (a
//! terminal obeys escape sequences), bidirectional overrides (which reorder
//! the rest of the line), runs of U+FFFD from undecodable bytes, and any
//! length. Both helpers write such characters as `\u{…}` escapes.

use std::borrow::Cow;
use std::fmt::Write;

/// Whether `c` is written as an escape: C0 and C1 controls, DEL, the
/// replacement character, bidirectional controls and the byte-order mark.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{fffd}' | '\u{feff}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}'
        )
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        '\r' => out.push_str("\\r"),
        _ => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// `text` in double quotes, escaped (also `"` and `\`), cut after
/// `max_chars` characters with `…`: for a value from a source inside a
/// message, e.g. `unknown root element <"\u{fffd}4;…">`.
pub fn quote(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars * 2) + 2);
    out.push('"');
    for (n, c) in text.chars().enumerate() {
        if n == max_chars {
            out.push('…');
            break;
        }
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if needs_escape(c) => push_escaped(&mut out, c),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `text` with control, bidirectional and replacement characters escaped, and nothing
/// else changed: for whole messages at the point they reach a terminal or
/// a database column, whatever produced them.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if needs_escape(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// An element or attribute name from a document, for a message: as it is
/// when it reads as a name (letters, digits, `-_.:`, at most 64
/// characters), else [`quote`]d and cut, so bytes that only happened to
/// follow a `<` cannot reach the terminal.
pub fn name(text: &str) -> Cow<'_, str> {
    let plain = !text.is_empty()
        && text.chars().count() <= 64
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
    if plain {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(quote(text, 32))
    }
}

/// A name from a document that becomes the user's own text (a source's
/// name imported from OPML, written into config.toml and shown later
/// everywhere): control, bidirectional and replacement characters are
/// dropped and whitespace runs become single spaces.
pub fn one_line_name(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || needs_escape(c))
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// An error and its causes on one line, printable: `error sending
/// request: client error (Connect): tcp connect error: Connection refused`
/// where the error alone says only "error sending request". A cause whose
/// text its parent already shows is left out.
pub fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        let part = c.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        cause = c.source();
    }
    printable(&text).into_owned()
}

/// Text for a terminal, several lines long: like [`printable`], but line
/// breaks and tabs stay as they are.
pub fn printable_lines(text: &str) -> Cow<'_, str> {
    let escapes = |c: char| needs_escape(c) && !matches!(c, '\n' | '\t');
    if !text.chars().any(escapes) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if escapes(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Longest message kept in an error column (`fetches.error`,
/// `sources.last_error`) and in the health feed.
pub const MAX_ERROR_CHARS: usize = 1000;

/// A message as stored in an error column: printable, and cut after
/// [`MAX_ERROR_CHARS`] characters with `…`.
pub fn error_column(message: &str) -> String {
    printable_cut(message, MAX_ERROR_CHARS)
}

/// `text` made [`printable`] and cut after `max_chars` characters with `…`.
pub fn printable_cut(text: &str, max_chars: usize) -> String {
    let safe = printable(text);
    match safe.char_indices().nth(max_chars) {
        Some((at, _)) => format!("{}…", safe.get(..at).unwrap_or_default()),
        None => safe.into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_follow_their_error_on_one_line() {
        let io = std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "Connection refused\n",
        );
        #[derive(Debug, thiserror::Error)]
        #[error("error sending request")]
        struct Outer(#[source] std::io::Error);
        assert_eq!(
            with_causes(&Outer(io)),
            "error sending request: Connection refused\\n"
        );
    }

    #[test]
    fn quoting_escapes_and_caps() {
        assert_eq!(
            quote("\u{fffd}\u{fffd}4;\u{13}x\u{b}", 40),
            r#""\u{fffd}\u{fffd}4;\u{13}x\u{b}""#
        );
        assert_eq!(quote("say \"hi\"\\", 40), r#""say \"hi\"\\""#);
        assert_eq!(quote("abcdef", 3), "\"abc…\"");
        assert_eq!(quote("\u{1b}[31mred", 40), r#""\u{1b}[31mred""#);
        // Arabic and accents stay as they are; a bidi override does not.
        assert_eq!(quote("الذكاء é\u{202e}x", 40), "\"الذكاء é\\u{202e}x\"");
    }

    #[test]
    fn names_are_quoted_only_when_they_do_not_read_as_names() {
        assert_eq!(name("rss"), "rss");
        assert_eq!(name("dc:creator"), "dc:creator");
        assert_eq!(name("عنوان"), "عنوان");
        assert_eq!(
            name("\u{fffd}\u{fffd}4;\u{13}"),
            r#""\u{fffd}\u{fffd}4;\u{13}""#
        );
        assert_eq!(name(&"a".repeat(100)), format!("\"{}…\"", "a".repeat(32)));
    }

    #[test]
    fn printable_keeps_clean_text_borrowed() {
        assert!(matches!(
            printable("HTTP 404 from https://e.ma/"),
            Cow::Borrowed(_)
        ));
        assert_eq!(printable("a\nb\u{7}c\u{9b}"), "a\\nb\\u{7}c\\u{9b}");
        assert_eq!(printable_lines("a\n\tb\u{1b}[0m"), "a\n\tb\\u{1b}[0m");
        assert_eq!(
            error_column(&"é".repeat(2000)).chars().count(),
            MAX_ERROR_CHARS + 1
        );
    }
}
