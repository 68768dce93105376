//! Articles analysed for the search index before they are stored, the same
//! way whichever database keeps them: the store writes what this module
//! decides.

use std::collections::HashMap;

use crate::filter::{Document, DocumentFields, IndexRow};
use crate::model::Article;

/// A source's articles, analysed for the search index: made where the
/// CPU is free (the fetch tasks run them in parallel), then stored by
/// [`Store::commit_fetch`](crate::store::Store::commit_fetch) without holding the write lock for the analysis.
/// Only what the index stores is kept (the rows' text and the stemmed
/// words), so sources waiting for their commit hold little memory.
#[derive(Debug, Default)]
pub struct PreparedArticles {
    articles: Vec<Article>,
    rows: Vec<IndexRow>,
    /// Each word whose stem differs, with its stems (one per stemming
    /// that changes it), kept once: a feed repeats most of its words.
    words: HashMap<String, Vec<String>>,
}

impl PreparedArticles {
    /// Analyses `articles` of the source named `source_name`.
    pub fn new(source_name: &str, articles: Vec<Article>) -> PreparedArticles {
        let mut rows = Vec::with_capacity(articles.len());
        let mut words: HashMap<String, Vec<String>> = HashMap::new();
        for article in &articles {
            let document = analyse_article(article, source_name);
            rows.push(document.index_row());
            for (word, stem) in document.stemmed_words() {
                // Copied only the first time: looking up by `&str` first.
                match words.get_mut(word) {
                    Some(stems) if stems.iter().any(|s| s == stem) => {}
                    Some(stems) => stems.push(stem.to_string()),
                    None => {
                        words.insert(word.to_string(), vec![stem.to_string()]);
                    }
                }
            }
        }
        PreparedArticles {
            articles,
            rows,
            words,
        }
    }

    /// The articles.
    pub fn articles(&self) -> &[Article] {
        &self.articles
    }

    /// The distinct (word, stem) pairs of these articles whose stem
    /// differs, in no particular order.
    pub fn stemmed_words(&self) -> impl Iterator<Item = (&str, &str)> {
        self.words
            .iter()
            .flat_map(|(w, stems)| stems.iter().map(move |s| (w.as_str(), s.as_str())))
    }

    /// Each article's index row, by identity key.
    pub fn rows(&self) -> std::collections::HashMap<&str, &IndexRow> {
        self.articles
            .iter()
            .zip(&self.rows)
            .map(|(a, r)| (a.dedup_key.as_str(), r))
            .collect()
    }
}

/// Analyses an article the way the index stores it. The analysis does
/// not depend on the time (only `since:` terms read the clock, and the
/// index holds none), so the document's "now" is left at the epoch.
pub fn analyse_article(article: &Article, source_name: &str) -> Document {
    let url = article.url.as_deref().or(article.link.as_deref());
    Document::new(
        DocumentFields {
            title: &article.title,
            content_text: &article.content_text,
            summary_html: article.summary.as_deref(),
            has_content: article.content.is_some(),
            language: article.language.as_deref(),
            author: article.author.as_deref(),
            url,
            categories: &article.categories,
            source_name,
            ..DocumentFields::default()
        },
        chrono::DateTime::<chrono::Utc>::UNIX_EPOCH,
    )
}
