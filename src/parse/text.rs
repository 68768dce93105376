//! Text helpers shared by the format adapters.

/// Turns a title-like field into plain text: tags removed, entities decoded
/// (twice-escaped `&amp;eacute;` arrives here as `&eacute;` and is decoded
/// too), whitespace collapsed. Returns `None` for empty results.
pub(super) fn plain_text(raw: &str) -> Option<String> {
    let without_tags = if raw.contains('<') {
        strip_tags(raw)
    } else {
        raw.to_string()
    };
    let decoded = html_escape::decode_html_entities(&without_tags);
    let collapsed = decoded.split_whitespace().collect::<Vec<_>>().join(" ");
    (!collapsed.is_empty()).then_some(collapsed)
}

/// Keeps HTML as HTML but trims it; `None` when nothing is left.
pub(super) fn html(raw: &str) -> Option<String> {
    let t = raw.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// Escapes plain text so it can travel in an HTML field.
pub(super) fn text_to_html(raw: &str) -> Option<String> {
    let t = raw.trim();
    (!t.is_empty()).then(|| html_escape::encode_text(t).into_owned())
}

fn strip_tags(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut in_tag = false;
    for c in raw.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::plain_text;

    #[test]
    fn titles_become_plain_text() {
        assert_eq!(
            plain_text("  Caf&eacute; &amp; <b>thé</b>\n ").as_deref(),
            Some("Café & thé")
        );
        assert_eq!(plain_text("AT&amp;T").as_deref(), Some("AT&T"));
        assert_eq!(plain_text("   "), None);
    }
}
