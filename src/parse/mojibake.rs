//! Double-encoded UTF-8 ("FÃ³rmula" for "Fórmula"), restored.
//!
//! A common publishing fault: text already in UTF-8 is taken for Latin-1 or
//! windows-1252 and encoded to UTF-8 a second time, so each accented letter
//! becomes two or three characters. feedparser repairs it per element when
//! the document is UTF-8, and so does veille: French titles from Moroccan
//! CMSs show it often. The test (`xml::repair`, shared with text built from
//! character references) is exact, not a guess: every character of the
//! text must be one byte in windows-1252, and those bytes must be valid
//! UTF-8 with at least one multi-byte sequence; a byte scan rules out
//! ordinary accented or Arabic text before any of that.

use std::borrow::Cow;

use super::model::{ParsedFeed, ParsedItem};
use super::xml::undo_double_encoding as repaired;

fn repair_string(text: &mut String) {
    if let Some(fixed) = repaired(text) {
        *text = fixed;
    }
}

fn repair_cow(text: &mut Cow<'_, str>) {
    if let Some(fixed) = repaired(text) {
        *text = Cow::Owned(fixed);
    }
}

/// Repairs every text of a feed read from a UTF-8 document.
pub(super) fn repair_feed(feed: &mut ParsedFeed<'_>) {
    for text in [&mut feed.title, &mut feed.description]
        .into_iter()
        .flatten()
    {
        repair_string(text);
    }
    for name in feed.authors.iter_mut().filter_map(|p| p.name.as_mut()) {
        repair_string(name);
    }
    for item in &mut feed.items {
        repair_item(item);
    }
}

fn repair_item(item: &mut ParsedItem<'_>) {
    if let Some(title) = &mut item.title {
        repair_string(title);
    }
    for html in [&mut item.summary, &mut item.content].into_iter().flatten() {
        repair_cow(html);
    }
    for name in item.authors.iter_mut().filter_map(|p| p.name.as_mut()) {
        repair_string(name);
    }
    for category in &mut item.categories {
        repair_string(category);
    }
}

#[cfg(test)]
mod tests {
    use super::repaired;

    #[test]
    fn latin1_and_windows_1252_double_encodings_are_restored() {
        assert_eq!(repaired("Grupo FÃ³rmula").as_deref(), Some("Grupo Fórmula"));
        assert_eq!(
            repaired("Â¿Pensando? AquÃ\u{ad} Hay").as_deref(),
            Some("¿Pensando? Aquí Hay")
        );
        assert_eq!(repaired("Â©2026").as_deref(), Some("©2026"));
        // windows-1252's punctuation: ’ read as â€™.
        assert_eq!(
            repaired("l\u{e2}\u{20ac}\u{2122}IA").as_deref(),
            Some("l’IA")
        );
        assert_eq!(
            repaired("<p>Ã‰tat de l'IA</p>").as_deref(),
            Some("<p>État de l'IA</p>")
        );
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        for text in [
            "Stratégie nationale de l'IA",
            "l’IA au Maroc — 2030",
            "الذكاء الاصطناعي",
            "plain ASCII",
            "Ã alone",
            "",
        ] {
            assert_eq!(repaired(text), None, "{text}");
        }
    }
}
