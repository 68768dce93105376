//! Entity references: XML's five, numeric references, and the HTML named
//! entities that feeds use without declaring them.

/// XML's own five entities and numeric references: always defined.
pub(super) fn is_xml_entity(name: &str) -> bool {
    matches!(name, "amp" | "lt" | "gt" | "quot" | "apos") || name.starts_with('#')
}

/// The text an entity reference `&name;` stands for; unknown names are
/// kept literally so nothing is silently lost.
pub(super) fn resolve(name: &str) -> std::borrow::Cow<'static, str> {
    use std::borrow::Cow;
    match resolve_char(name) {
        Some(c) => Cow::Owned(c.to_string()),
        None if name.starts_with('#') => Cow::Borrowed(""),
        None => Cow::Owned(html_escape::decode_html_entities(&format!("&{name};")).into_owned()),
    }
}

/// The single character of XML's five entities and numeric references,
/// without allocating (the common case, on the hot path of parsing).
pub(super) fn resolve_char(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => num.parse::<u32>().ok(),
            };
            code.map(windows_1252_fixup)
                .and_then(char::from_u32)
                .filter(|c| *c != '\0')
        }
    }
}

/// Decodes entity references inside an attribute value or raw text;
/// `declared` gives the value of an entity the document declared, if any.
pub(super) fn decode_text(raw: &str, mut declared: impl FnMut(&str) -> Option<String>) -> String {
    if !raw.contains('&') {
        return raw.to_string();
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        match after
            .find(';')
            .filter(|end| *end <= 32 && !after[..*end].contains([' ', '&', '<']))
        {
            Some(end) if end > 0 => {
                let name = after.get(..end).unwrap_or_default();
                if let Some(c) = resolve_char(name) {
                    out.push(c);
                } else if let Some(value) = declared(name) {
                    out.push_str(&value);
                } else {
                    out.push_str(&resolve(name));
                }
                rest = after.get(end + 1..).unwrap_or_default();
            }
            _ => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `&#150;` and friends: feeds written on Windows use code points 128–159
/// meaning windows-1252 characters (browsers read them that way too).
fn windows_1252_fixup(code: u32) -> u32 {
    if (0x80..=0x9f).contains(&code) {
        let byte = [code as u8];
        let (text, _, _) = encoding_rs::WINDOWS_1252.decode(&byte);
        text.chars().next().map_or(code, |c| c as u32)
    } else {
        code
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities() {
        assert_eq!(resolve("eacute"), "é");
        assert_eq!(resolve("#233"), "é");
        assert_eq!(resolve("#x27"), "'");
        assert_eq!(resolve("#150"), "–");
        assert_eq!(resolve("bogus"), "&bogus;");
        assert_eq!(
            decode_text("AT&amp;T & co &lt;b&gt;", |_| None),
            "AT&T & co <b>"
        );
        let declared = |name: &str| (name == "base").then(|| "https://e.ma".to_string());
        assert_eq!(
            decode_text("&base;/a?x=1&amp;y=&eacute;", declared),
            "https://e.ma/a?x=1&y=é"
        );
    }
}
