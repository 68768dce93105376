//! Stage 5: which articles belong to a topic feed.
//!
//! A query is parsed once into a [`Query`] tree. The store turns that tree
//! into an index lookup (so topic feeds never scan the archive), and
//! [`Document`] evaluates the same tree on one article, for the terms a
//! published item shows and for `veille search --explain`. Both sides use
//! [`analyze`], so they agree on what a word is. The language is
//! documented in `docs/query.md`.

pub mod analyze;
mod arabic;
mod document;
mod error;
mod parser;
pub mod places;
mod prepared;
mod render;
pub mod score;
pub mod topic;

use chrono::{DateTime, Timelike, Utc};

pub use analyze::{ANALYZER_VERSION, Stemming, Token};
pub use document::{
    Document, DocumentFields, FacetMatch, Hit, IndexRow, source_matches, url_index_text,
};
pub use error::QueryError;
pub use prepared::{PreparedArticles, analyse_article};

/// Where a term looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// Title, summary and content: the default.
    Text,
    /// The title only.
    Title,
    /// The source's name from `config.toml`.
    Source,
    /// The source's tags from `config.toml` and the item's own categories.
    Tag,
    /// The item's author.
    Author,
    /// The item's URL.
    Url,
}

impl Field {
    /// The name used in queries.
    pub fn name(self) -> &'static str {
        match self {
            Field::Text => "text",
            Field::Title => "title",
            Field::Source => "source",
            Field::Tag => "tag",
            Field::Author => "author",
            Field::Url => "url",
        }
    }

    /// Whether words in this field are stemmed (prose) or compared as
    /// written (names, addresses).
    pub fn is_stemmed(self) -> bool {
        matches!(self, Field::Text | Field::Title)
    }
}

/// What a term matches, in one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TermKind {
    /// Consecutive words (a single word is a phrase of one). Each reading
    /// is the phrase's stems under one stemming (as written, French,
    /// English); any reading may match.
    Phrase(Vec<Vec<String>>),
    /// Any word beginning with `prefix`, and the other forms of such
    /// words: `expansion` holds the stems of the archive's words that
    /// begin with it, filled in by the store before a lookup.
    Prefix {
        /// The folded prefix.
        prefix: String,
        /// Stems of known words beginning with `prefix`.
        expansion: Vec<String>,
    },
}

/// A word, phrase or prefix in a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// Where it looks.
    pub field: Field,
    /// What it matches.
    pub kind: TermKind,
    /// The term folded, as shown to users (`intelligence artificielle`,
    /// `regul*`).
    pub text: String,
}

/// A regular expression over a field's original text.
#[derive(Debug, Clone)]
pub struct Pattern {
    /// Where it looks.
    pub field: Field,
    /// The pattern as written between the slashes.
    pub source: String,
    /// Compiled, case-insensitive unless the pattern says `(?-i)`.
    pub regex: regex::Regex,
    /// The word every match is, when the pattern is one whole word
    /// (`/\bGITEX\b/`): looked up in the index first, so the expression
    /// only runs on the articles that have the word instead of on every
    /// candidate (see [`Query::with_required_words`]).
    pub required: Option<Box<Query>>,
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Pattern) -> bool {
        self.field == other.field && self.source == other.source
    }
}

impl Eq for Pattern {}

impl Query {
    /// The query with the word of each of its top-level whole-word
    /// `/regex/` terms added beside it: the index then narrows the
    /// candidates to articles with that word before the expression runs.
    /// Only where the regex must match (the query itself, or a part of its
    /// top-level `AND`), so the word is implied and nothing changes.
    ///
    /// One difference remains, in text no news outlet writes: a word
    /// joined to a superscript or fraction sign ("GITEX²") is one indexed
    /// word ("gitex2") but a whole word to the expression.
    pub fn with_required_words(&self) -> std::borrow::Cow<'_, Query> {
        let parts: &[Query] = match self {
            Query::And(parts) => parts,
            single @ Query::Regex(_) => std::slice::from_ref(single),
            _ => return std::borrow::Cow::Borrowed(self),
        };
        let words: Vec<Query> = parts
            .iter()
            .filter_map(|part| match part {
                Query::Regex(p) => p.required.as_deref().cloned(),
                _ => None,
            })
            .collect();
        if words.is_empty() {
            return std::borrow::Cow::Borrowed(self);
        }
        let mut all = parts.to_vec();
        all.extend(words);
        std::borrow::Cow::Owned(Query::And(all))
    }
}

/// A point in time for `since:` and `before:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeBound {
    /// This long before the moment of evaluation (`since:7d`).
    Ago(std::time::Duration),
    /// A fixed instant (`since:2026-01-01`).
    At(DateTime<Utc>),
}

impl TimeBound {
    /// The instant, evaluated at `now`, in whole seconds: the precision
    /// of the stored timestamps, so the index and the evaluator agree.
    pub fn instant(self, now: DateTime<Utc>) -> DateTime<Utc> {
        let now = now.with_nanosecond(0).unwrap_or(now);
        match self {
            TimeBound::At(t) => t,
            TimeBound::Ago(d) => chrono::Duration::from_std(d)
                .ok()
                .and_then(|d| now.checked_sub_signed(d))
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
        }
    }
}

/// A compiled query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// A word, phrase or prefix.
    Term(Term),
    /// Two words or phrases at most `distance` words apart, in either order.
    Near {
        /// The first side (a word or a phrase).
        left: Term,
        /// The second side.
        right: Term,
        /// Most words allowed between them.
        distance: u32,
    },
    /// A regular expression.
    Regex(Pattern),
    /// The item's language (`lang:fr` also matches `fr-MA`).
    Lang(String),
    /// Published (or first seen) at or after this time.
    Since(TimeBound),
    /// Published (or first seen) strictly before this time.
    Before(TimeBound),
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

    /// Whether `doc` matches.
    pub fn matches(&self, doc: &Document) -> bool {
        doc.matches(self)
    }

    /// The terms of the query that `doc` contains, outside `NOT`s, in query
    /// order: published as categories so readers see why an item is there.
    pub fn matched_terms(&self, doc: &Document) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for hit in doc.hits(self) {
            let label = hit.term.clone();
            if !out.contains(&label) {
                out.push(label);
            }
        }
        out
    }

    /// Every prefix term, for the store to fill in its expansion.
    pub fn prefixes_mut(&mut self) -> Vec<&mut TermKind> {
        let mut out = Vec::new();
        self.collect_prefixes(&mut out);
        out
    }

    fn collect_prefixes<'a>(&'a mut self, out: &mut Vec<&'a mut TermKind>) {
        match self {
            Query::Term(t) if matches!(t.kind, TermKind::Prefix { .. }) && t.field.is_stemmed() => {
                out.push(&mut t.kind);
            }
            Query::And(qs) | Query::Or(qs) => {
                for q in qs {
                    q.collect_prefixes(out);
                }
            }
            Query::Not(q) => q.collect_prefixes(out),
            _ => {}
        }
    }
}
