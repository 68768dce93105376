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

/// Why no text was extracted.
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
    /// What was found is too short to be an article (a cookie wall, a paywall).
    #[error("the extracted text is too short ({0} characters)")]
    TooShort(usize),
}

/// Extracted text shorter than this is not trusted over the feed's own.
const MIN_CHARS: usize = 200;

/// Extracts the article body (HTML, unsanitised) from `html`.
pub fn extract_full_text(
    html: &str,
    page_url: &str,
    how: &FullText,
) -> Result<String, ExtractError> {
    let body = match how {
        FullText::Selector(css) => {
            let selector = scraper::Selector::parse(css)
                .map_err(|_| ExtractError::BadSelector(css.clone()))?;
            let document = Html::parse_document(html);
            let parts: Vec<String> = document.select(&selector).map(|e| e.inner_html()).collect();
            if parts.is_empty() {
                return Err(ExtractError::NoMatch(css.clone()));
            }
            parts.join("\n")
        }
        FullText::Auto => {
            let mut readability = dom_smoothie::Readability::new(html, Some(page_url), None)
                .map_err(|e| ExtractError::NotFound(e.to_string()))?;
            let article = readability
                .parse()
                .map_err(|e| ExtractError::NotFound(e.to_string()))?;
            article.content.to_string()
        }
    };
    let text_len = crate::normalise::html_to_text(&body).chars().count();
    if text_len < MIN_CHARS {
        return Err(ExtractError::TooShort(text_len));
    }
    Ok(body)
}
