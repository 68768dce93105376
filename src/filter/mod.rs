//! Stage 5: which articles belong to a topic feed.
//!
//! A query is compiled once into a [`Query`] tree and evaluated as a pure
//! predicate over an article's normalised words. This first form of the
//! language has words, `prefix*`, `"exact phrases"`, implicit AND, `OR`,
//! `NOT`/`-word` and parentheses; see `docs/query.md`.

mod error;
mod parser;

pub use crate::normalise::{normalise_text, words};
pub use error::QueryError;

use crate::model::Article;

/// A compiled query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// A word, matched after normalisation on both sides.
    Word(String),
    /// Any word starting with this.
    Prefix(String),
    /// These words, consecutive and in order.
    Phrase(Vec<String>),
    /// All of these.
    And(Vec<Query>),
    /// Any of these.
    Or(Vec<Query>),
    /// Not this.
    Not(Box<Query>),
}

impl Query {
    /// Parses `text`; errors point at the offending position.
    pub fn parse(text: &str) -> Result<Query, QueryError> {
        parser::parse(text)
    }

    /// The terms of the query that `doc` contains, outside `NOT`s, in query
    /// order: published as categories so readers see why an item is there.
    pub fn matched_terms(&self, doc: &Document) -> Vec<String> {
        let mut out = Vec::new();
        self.collect_matches(doc, &mut out);
        out
    }

    fn collect_matches(&self, doc: &Document, out: &mut Vec<String>) {
        let term = match self {
            Query::Word(w) => w.clone(),
            Query::Prefix(p) => format!("{p}*"),
            Query::Phrase(ws) => ws.join(" "),
            Query::And(qs) | Query::Or(qs) => {
                for q in qs {
                    q.collect_matches(doc, out);
                }
                return;
            }
            Query::Not(_) => return,
        };
        if self.matches(doc) && !out.contains(&term) {
            out.push(term);
        }
    }

    /// Whether `doc` matches.
    pub fn matches(&self, doc: &Document) -> bool {
        match self {
            Query::Word(w) => doc.words.iter().any(|d| d == w),
            Query::Prefix(p) => doc.words.iter().any(|d| d.starts_with(p.as_str())),
            Query::Phrase(ws) => {
                !ws.is_empty() && doc.words.windows(ws.len()).any(|win| win == ws.as_slice())
            }
            Query::And(qs) => qs.iter().all(|q| q.matches(doc)),
            Query::Or(qs) => qs.iter().any(|q| q.matches(doc)),
            Query::Not(q) => !q.matches(doc),
        }
    }
}

/// An article reduced to what queries look at: its normalised words, in
/// order (title, then summary, then body text).
#[derive(Debug, Clone, Default)]
pub struct Document {
    words: Vec<String>,
}

impl Document {
    /// Builds the document for an article.
    pub fn from_article(article: &Article) -> Document {
        let mut text = String::with_capacity(article.title.len() + article.content_text.len() + 2);
        text.push_str(&article.title);
        text.push('\n');
        // content_text is derived from the content, else from the summary.
        text.push_str(&article.content_text);
        if article.content.is_some()
            && let Some(summary) = &article.summary
        {
            text.push('\n');
            text.push_str(&crate::normalise::html_to_text(summary));
        }
        Document {
            words: words(&text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Document, Query};

    fn doc(text: &str) -> Document {
        Document {
            words: super::words(text),
        }
    }

    #[test]
    fn boolean_structure() {
        let q = Query::parse(
            r#"(maroc OR morocco OR المغرب) ("intelligence artificielle" OR IA OR ai) -football"#,
        )
        .unwrap();
        assert!(q.matches(&doc(
            "Le Maroc présente sa stratégie d'intelligence artificielle"
        )));
        assert!(q.matches(&doc("Morocco launches an AI governance council")));
        assert!(q.matches(&doc("المغرب يطلق استراتيجية AI")));
        assert!(!q.matches(&doc("Morocco football: IA fans celebrate")));
        assert!(!q.matches(&doc("L'Europe adopte l'AI Act")));
        // "IA" inside another word does not count.
        assert!(!q.matches(&doc("Maroc : la MAIA organise un salon")));
    }

    #[test]
    fn matched_terms_skip_negations_and_misses() {
        let q = Query::parse(
            r#"(maroc OR morocco) ("intelligence artificielle" OR ia) régul* -football"#,
        )
        .unwrap();
        let d = doc("Maroc : la régulation de l'intelligence artificielle");
        assert_eq!(
            q.matched_terms(&d),
            ["maroc", "intelligence artificielle", "regul*"]
        );
    }

    #[test]
    fn accents_and_case_and_prefix() {
        let q = Query::parse("régul*").unwrap();
        assert!(q.matches(&doc("REGULATION des plateformes")));
        assert!(q.matches(&doc("la régulation")));
        assert!(!q.matches(&doc("irrégulier")));
    }
}
