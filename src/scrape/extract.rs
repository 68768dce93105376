//! The main text of an article page, for feeds that only give a teaser:
//! a configured CSS selector, or `auto` (readability-style extraction with
//! dom_smoothie, a maintained port of Mozilla's Readability that shares
//! html5ever with scraper and ammonia). The result still goes through the
//! sanitiser; when extraction fails the feed's own text is kept.

use scraper::Html;

/// How to find the article text on its page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FullText {
    /// The inner HTML of everything this selector matches.
    Selector(String),
    /// Readability-style main-content extraction.
    Auto,
}

/// Why the page's text was not taken: each error names the rule that
/// decided, since `veille check --source` shows it for each sampled item.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExtractError {
    /// The selector is not valid CSS.
    #[error("full_text selector {0:?} is not valid CSS")]
    BadSelector(String),
    /// The selector matched nothing on the page.
    #[error("full_text selector {0:?} matched nothing")]
    NoMatch(String),
    /// Readability found no main content.
    #[error("no main content found: {0}")]
    NotFound(String),
    /// `auto` found too little to trust (a cookie wall, a paywall).
    #[error(
        "automatic extraction found {found} characters, under the {min} it needs to be trusted"
    )]
    TooShort {
        /// Characters of text found.
        found: usize,
        /// The least `auto` accepts.
        min: usize,
    },
    /// The page holds no more text than the feed's own item.
    #[error("{how} found {found} characters, not more than the feed's own {feed}")]
    NotLonger {
        /// The selector or `automatic extraction`.
        how: String,
        /// Characters of text found.
        found: usize,
        /// Characters of text in the feed's item.
        feed: usize,
    },
}

/// Text found by `auto` shorter than this is not trusted over the feed's
/// own: readability then often found a cookie banner or a paywall notice.
/// A selector the user named is trusted at any length.
const AUTO_MIN_CHARS: usize = 200;

/// Text taken from an article page, and the rule that took it.
#[derive(Debug, Clone)]
pub struct Extracted {
    /// The article body (HTML, unsanitised).
    pub html: String,
    /// Characters of its text.
    pub chars: usize,
    /// Characters of text in the feed's own item.
    pub feed_chars: usize,
    /// How it was found: the selector, or `automatic extraction`.
    pub how: String,
}

impl std::fmt::Display for Extracted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} found {} characters, more than the feed's own {}",
            self.how, self.chars, self.feed_chars
        )
    }
}

impl FullText {
    /// How the rule reads in a message.
    fn label(&self) -> String {
        match self {
            FullText::Selector(css) => format!("selector {css:?}"),
            FullText::Auto => "automatic extraction".to_string(),
        }
    }
}

/// Extracts the article body from `html` when it holds more text than the
/// feed's own item (`feed_chars` characters) and, for `auto`, at least
/// `AUTO_MIN_CHARS` (200).
pub fn extract_full_text(
    html: &str,
    page_url: &str,
    how: &FullText,
    feed_chars: usize,
) -> Result<Extracted, ExtractError> {
    let body = match how {
        FullText::Selector(css) => select(html, css)?,
        FullText::Auto => readability(html, page_url)?,
    };
    let chars = crate::normalise::html_to_text(&body).chars().count();
    if matches!(how, FullText::Auto) && chars < AUTO_MIN_CHARS {
        return Err(ExtractError::TooShort {
            found: chars,
            min: AUTO_MIN_CHARS,
        });
    }
    if chars <= feed_chars {
        return Err(ExtractError::NotLonger {
            how: how.label(),
            found: chars,
            feed: feed_chars,
        });
    }
    Ok(Extracted {
        html: body,
        chars,
        feed_chars,
        how: how.label(),
    })
}

/// The inner HTML of everything `css` matches, in document order.
fn select(html: &str, css: &str) -> Result<String, ExtractError> {
    let selector =
        scraper::Selector::parse(css).map_err(|_| ExtractError::BadSelector(css.to_string()))?;
    let document = Html::parse_document(html);
    let parts: Vec<String> = document.select(&selector).map(|e| e.inner_html()).collect();
    if parts.is_empty() {
        return Err(ExtractError::NoMatch(css.to_string()));
    }
    Ok(parts.join("\n"))
}

/// The main content as readability sees it.
fn readability(html: &str, page_url: &str) -> Result<String, ExtractError> {
    let mut readability = dom_smoothie::Readability::new(html, Some(page_url), None)
        .map_err(|e| ExtractError::NotFound(e.to_string()))?;
    let article = readability
        .parse()
        .map_err(|e| ExtractError::NotFound(e.to_string()))?;
    Ok(article.content.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "<html><body><nav>Menu</nav><div class=\"article-body\"><p>Rabat - Le conseil de gouvernance a adopté le texte.</p><p>Il entre en vigueur en mars, selon un communiqué officiel du ministère.</p></div></body></html>";

    #[test]
    fn a_named_selector_wins_whenever_it_holds_more_than_the_feed() {
        let how = FullText::Selector("div.article-body".into());
        let found = extract_full_text(PAGE, "https://e.ma/a", &how, 13).unwrap();
        assert!(
            found.chars < AUTO_MIN_CHARS && found.chars > 100,
            "{}",
            found.chars
        );
        assert!(found.html.contains("communiqué officiel"));
        assert_eq!(
            found.to_string(),
            format!(
                "selector \"div.article-body\" found {} characters, more than the feed's own 13",
                found.chars
            )
        );
        // Not when the feed already says as much.
        let err = extract_full_text(PAGE, "https://e.ma/a", &how, 500).unwrap_err();
        assert!(
            matches!(err, ExtractError::NotLonger { feed: 500, .. }),
            "{err}"
        );
    }

    #[test]
    fn auto_needs_a_minimum_as_well() {
        let err = extract_full_text(PAGE, "https://e.ma/a", &FullText::Auto, 13).unwrap_err();
        assert!(
            matches!(
                err,
                ExtractError::TooShort {
                    min: AUTO_MIN_CHARS,
                    ..
                } | ExtractError::NotFound(_)
            ),
            "{err}"
        );
        let long = format!(
            "<html><body><article><h1>Loi</h1>{}</article></body></html>",
            "<p>Le texte encadre les usages publics de l'intelligence artificielle au Maroc, selon le ministère.</p>"
                .repeat(6)
        );
        let found = extract_full_text(&long, "https://e.ma/a", &FullText::Auto, 13).unwrap();
        assert!(found.chars >= AUTO_MIN_CHARS, "{found}");
    }
}
